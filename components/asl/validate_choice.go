package asl

import (
	"strings"
	"time"
)

func (v *validator) choice(sc *Scope, path string, s *ChoiceState) {
	if len(s.Choices) == 0 {
		v.add(joinPath(path, "Choices"), "a Choice state needs at least one rule")
	}
	for i := range s.Choices {
		p := indexPath(joinPath(path, "Choices"), i)
		v.target(sc, p, "Next", s.Choices[i].Next)
		v.rule(p, &s.Choices[i], true)
	}
	if s.Default != "" {
		v.target(sc, path, "Default", s.Default)
	}
}

// rule checks a Choice Rule's shape, recursively.
func (v *validator) rule(path string, r *ChoiceRule, top bool) {
	if !top && r.Next != "" {
		v.add(joinPath(path, "Next"), "only a top-level Choice rule may have Next")
	}
	comps := r.Comparisons()
	bools := 0
	for _, set := range []bool{r.And != nil, r.Or != nil, r.Not != nil} {
		if set {
			bools++
		}
	}
	switch {
	case bools > 1:
		v.add(path, "a boolean rule has exactly one of And, Or and Not")
	case bools == 1 && (len(comps) > 0 || r.Variable != ""):
		v.add(path, "a rule is either a boolean expression (And, Or, Not) or a data test (Variable and a comparison), not both")
	case bools == 0 && r.Variable == "":
		v.add(path, "a data-test rule needs a Variable")
	}
	if bools == 0 {
		switch len(comps) {
		case 0:
			v.add(path, "a data-test rule needs exactly one comparison operator, found none")
		case 1:
		default:
			ops := make([]string, len(comps))
			for i, c := range comps {
				ops[i] = c.Operator
			}
			v.add(path, "a data-test rule needs exactly one comparison operator, found %d (%s)", len(comps), strings.Join(ops, ", "))
		}
	}
	for _, c := range comps {
		if strings.HasPrefix(c.Operator, "Timestamp") && !c.IsPath() {
			if _, err := time.Parse(time.RFC3339, c.Value.(string)); err != nil {
				v.add(joinPath(path, c.Operator), "%q is not an RFC 3339 timestamp", c.Value)
			}
		}
	}
	if r.And != nil && len(r.And) == 0 {
		v.add(joinPath(path, "And"), "must list at least one rule")
	}
	if r.Or != nil && len(r.Or) == 0 {
		v.add(joinPath(path, "Or"), "must list at least one rule")
	}
	for i := range r.And {
		v.rule(indexPath(joinPath(path, "And"), i), &r.And[i], false)
	}
	for i := range r.Or {
		v.rule(indexPath(joinPath(path, "Or"), i), &r.Or[i], false)
	}
	if r.Not != nil {
		v.rule(joinPath(path, "Not"), r.Not, false)
	}
}
