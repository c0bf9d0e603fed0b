package paths

import "strings"

// Template evaluates a payload template: Parameters, ResultSelector,
// ItemSelector, BatchInput or a Task's aws-sdk arguments. Every key ending in
// ".$" takes a Path or an intrinsic function call as its value; the key loses
// the ".$" and gets the value selected from input ("$...") or the context
// object ("$$..."), or the function's result. Other values are copied as they
// are, nested objects and arrays included
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html).
//
// A path that selects nothing fails with States.Runtime, which is what the
// service raises ("The JSONPath ... specified for the field ... could not be
// found in the input").
func Template(tmpl, input, context any) (any, error) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			if !strings.HasSuffix(k, ".$") {
				val, err := Template(v, input, context)
				if err != nil {
					return nil, err
				}
				out[k] = val
				continue
			}
			expr, ok := v.(string)
			if !ok {
				return nil, Errorf(ErrRuntime, "the value of field %q must be a path or an intrinsic function, got a %s", k, TypeName(v))
			}
			val, err := Evaluate(expr, input, context)
			if err != nil {
				e := AsError(err)
				if strings.HasPrefix(expr, "$") && e.Name == ErrRuntime {
					// The service's wording for a path that selects nothing.
					data := input
					if strings.HasPrefix(expr, "$$") {
						data = context
					}
					return nil, Errorf(ErrRuntime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", expr, k, abbreviate(data))
				}
				return nil, &Error{Name: e.Name, Cause: "field " + k + ": " + e.Cause}
			}
			out[strings.TrimSuffix(k, ".$")] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			val, err := Template(v, input, context)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return Normalize(tmpl), nil
}

// Evaluate computes the value of a ".$" field: a Path ("$.x", "$$.Map.Item.Value")
// or an intrinsic function call ("States.Format('{}', $.x)").
func Evaluate(expr string, input, context any) (any, error) {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "$") {
		return Get(expr, input, context)
	}
	if strings.HasPrefix(expr, "States.") {
		return Intrinsic(expr, input, context)
	}
	return nil, Errorf(ErrRuntime, "%q is neither a path (starting with '$') nor an intrinsic function (starting with 'States.')", expr)
}
