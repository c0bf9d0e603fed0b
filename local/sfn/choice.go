package sfnlocal

import (
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// choice evaluates the rules in order against the input after InputPath and
// goes to the first match's Next, else Default, else fails with
// States.NoChoiceMatched
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
func (r *runner) choice(sr *stateRun, s *asl.ChoiceState, input any) (any, string, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, "", err
	}
	next := ""
	for i := range s.Choices {
		ok, err := matchRule(&s.Choices[i], eff, co)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = s.Choices[i].Next
			break
		}
	}
	if next == "" {
		if s.Default == "" {
			return nil, "", paths.Errorf(errNameNoChoiceMatched, "no Choice rule of state %q matched the input %s and there is no Default", sr.name, paths.MustMarshal(eff))
		}
		next = s.Default
	}
	out, err := inputPath(s.OutputPath, eff, co)
	return out, next, err
}

func matchRule(rule *asl.ChoiceRule, eff, co any) (bool, *paths.Error) {
	switch {
	case rule.And != nil:
		for i := range rule.And {
			ok, err := matchRule(&rule.And[i], eff, co)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case rule.Or != nil:
		for i := range rule.Or {
			ok, err := matchRule(&rule.Or[i], eff, co)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case rule.Not != nil:
		ok, err := matchRule(rule.Not, eff, co)
		return !ok, err
	}
	cmps := rule.Comparisons()
	if len(cmps) != 1 {
		return false, runtimeErr("a Choice rule on %q must have exactly one comparison operator, has %d", rule.Variable, len(cmps))
	}
	c := cmps[0]
	v, gerr := paths.Get(rule.Variable, eff, co)
	present := gerr == nil
	if c.Operator == "IsPresent" {
		return present == c.Value.(bool), nil
	}
	if !present {
		// The service fails the execution when the Variable selects nothing
		// (except for IsPresent).
		return false, runtimeErr("invalid path %q: the Choice state's condition path references an invalid value", rule.Variable)
	}
	operand := c.Value
	op := c.Operator
	if c.IsPath() {
		p, _ := c.Value.(string)
		ov, err := paths.Get(p, eff, co)
		if err != nil {
			return false, runtimeErr("invalid path %q in %s: %v", p, op, err)
		}
		operand = ov
		op = strings.TrimSuffix(op, "Path")
	}
	return compare(op, v, operand), nil
}

// compare applies one operator; a value of the wrong type does not match.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == operand.(bool)
	case "IsNumeric":
		_, ok := paths.Number(v)
		return ok == operand.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool)
	case "IsTimestamp":
		_, ok := timestamp(v)
		return ok == operand.(bool)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(strings.TrimPrefix(op, "String"), strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := paths.Number(v)
		b, ok2 := paths.Number(operand)
		if !ok1 || !ok2 {
			return false
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return ordered(strings.TrimPrefix(op, "Numeric"), c)
	case strings.HasPrefix(op, "Timestamp"):
		a, ok1 := timestamp(v)
		b, ok2 := timestamp(operand)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(strings.TrimPrefix(op, "Timestamp"), a.Compare(b))
	}
	return false
}

func ordered(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

func timestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// wildcardMatch implements StringMatches: "*" matches any run of
// characters, "\*" a literal star and "\\" a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		ch   rune
	}
	var toks []tok
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr):
			toks = append(toks, tok{ch: pr[i+1]})
			i++
		case pr[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{ch: pr[i]})
		}
	}
	sr := []rune(s)
	// Iterative glob matching with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(sr) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].ch == sr[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			ti = starT + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
