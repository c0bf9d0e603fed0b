package paths

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ohler55/ojg/jp"
)

// exprCache holds parsed JSONPath expressions: definitions reuse the same few
// paths for every state entry and every Map item.
var exprCache sync.Map // string -> compiled

type compiled struct {
	expr     jp.Expr
	definite bool // only names and indexes: selects at most one node
}

// compile parses a JSONPath that starts with "$" (the context prefix "$$"
// is handled by the callers).
func compile(path string) (compiled, error) {
	if c, ok := exprCache.Load(path); ok {
		return c.(compiled), nil
	}
	if !strings.HasPrefix(path, "$") {
		return compiled{}, Errorf(ErrRuntime, "invalid path %q: a path must start with '$'", path)
	}
	x, err := jp.ParseString(path)
	if err != nil {
		return compiled{}, Errorf(ErrRuntime, "invalid path %q: %v", path, err)
	}
	c := compiled{expr: x, definite: isDefinite(x)}
	exprCache.Store(path, c)
	return c, nil
}

func isDefinite(x jp.Expr) bool {
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Child, jp.Nth, jp.Bracket:
		default:
			return false
		}
	}
	return true
}

// Get evaluates a Step Functions Path against the state's input, or against
// the context object when the path starts with "$$"
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
//
// A path of names and indexes ("$.a.b[0]") selects one node; it is an error
// (States.Runtime) when that node does not exist, as the service reports
// "Invalid path ... : No results for path". A path with wildcards, slices,
// unions, filters or descent returns the array of everything it matched,
// possibly empty.
func Get(path string, input, context any) (any, error) {
	data := input
	if strings.HasPrefix(path, "$$") {
		data = context
		path = path[1:]
	}
	c, err := compile(path)
	if err != nil {
		return nil, err
	}
	if c.definite {
		if len(c.expr) == 1 {
			return data, nil
		}
		v, ok := c.expr.FirstFound(data)
		if !ok {
			return nil, Errorf(ErrRuntime, "invalid path %q: no results for path in %s", path, abbreviate(data))
		}
		return v, nil
	}
	res := getOrdered(c.expr, data)
	if res == nil {
		res = []any{}
	}
	return res, nil
}

// ValidatePath reports whether path is a syntactically valid Path ("$..."
// or "$$...").
func ValidatePath(path string) error {
	p := path
	if strings.HasPrefix(p, "$$") {
		p = p[1:]
	}
	_, err := compile(p)
	return err
}

// ValidateReferencePath reports whether path is a Reference Path: "$"
// followed only by names and indexes, so that it names one node and can be
// written to (ResultPath).
func ValidateReferencePath(path string) error {
	c, err := compile(path)
	if err != nil {
		return err
	}
	if !c.definite {
		return Errorf(ErrRuntime, "invalid reference path %q: only names and indexes are allowed", path)
	}
	return nil
}

// Set returns a copy of input with value placed at the Reference Path ref,
// as ResultPath does: "$" replaces the input, "$.a.b" creates the missing
// objects along the way, and the input is never modified (untouched
// branches are shared). Applying a name to a non-object is
// States.ResultPathMatchFailure
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html).
func Set(ref string, input, value any) (any, error) {
	c, err := compile(ref)
	if err != nil {
		return nil, err
	}
	if !c.definite {
		return nil, Errorf(ErrRuntime, "invalid ResultPath %q: only names and indexes are allowed", ref)
	}
	var frags []jp.Frag
	for _, f := range c.expr {
		switch f.(type) {
		case jp.Child, jp.Nth:
			frags = append(frags, f)
		}
	}
	out, err := setIn(input, frags, value)
	if err != nil {
		return nil, Errorf(ErrResultPathMatchFailure, "unable to apply ResultPath %q to input %s: %v", ref, abbreviate(input), err)
	}
	return out, nil
}

func setIn(node any, frags []jp.Frag, value any) (any, error) {
	if len(frags) == 0 {
		return value, nil
	}
	switch f := frags[0].(type) {
	case jp.Child:
		var m map[string]any
		switch t := node.(type) {
		case map[string]any:
			m = make(map[string]any, len(t)+1)
			for k, v := range t {
				m[k] = v
			}
		case nil:
			m = map[string]any{}
		default:
			return nil, fmt.Errorf("field %q cannot be set on a %s", string(f), TypeName(node))
		}
		child, err := setIn(m[string(f)], frags[1:], value)
		if err != nil {
			return nil, err
		}
		m[string(f)] = child
		return m, nil
	case jp.Nth:
		a, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("index %d cannot be set on a %s", int(f), TypeName(node))
		}
		i := int(f)
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index %d is outside the array of %d", int(f), len(a))
		}
		cp := append([]any(nil), a...)
		child, err := setIn(cp[i], frags[1:], value)
		if err != nil {
			return nil, err
		}
		cp[i] = child
		return cp, nil
	}
	return nil, fmt.Errorf("unsupported path element %v", frags[0])
}

// abbreviate renders a value for an error message, cut to a readable size.
func abbreviate(v any) string {
	s, err := Marshal(v)
	if err != nil {
		s = fmt.Sprint(v)
	}
	const limit = 256
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return s
}

// getOrdered evaluates x (which starts at the root) over data with every
// match in document order: objects are walked in their keys' document order
// (KeyOrder), not Go map order, and a descent ("..") visits nodes in pre-order
// (a container, then its members in document order), evaluating the rest of
// the path at each container, so "$..id" over
// {"id":0,"b":{"id":2,"k":{"id":5}},"a":{"id":1}} is [0,2,5,1].
func getOrdered(x jp.Expr, data any) []any {
	for i, f := range x {
		if _, ok := f.(jp.Descent); !ok {
			continue
		}
		heads := []any{data}
		if i > 1 {
			heads = getOrdered(x[:i], data)
		}
		rest := append(jp.R(), x[i+1:]...)
		var out []any
		for _, h := range heads {
			preorder(h, func(c any) { out = append(out, getOrdered(rest, c)...) })
		}
		return out
	}
	res := x.Get(view(data))
	for i, r := range res {
		res[i] = unview(r)
	}
	return res
}

// preorder calls fn for v and every object or array inside it, each
// container before its members, members in document order.
func preorder(v any, fn func(any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(t)
		for _, k := range KeyOrder(t) {
			preorder(t[k], fn)
		}
	case []any:
		fn(t)
		for _, e := range t {
			preorder(e, fn)
		}
	}
}
