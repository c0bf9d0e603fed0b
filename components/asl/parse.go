package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Parse reads a definition strictly. It rejects, with the JSON path of each
// offender and all at once in a *ParseError: unknown fields (a misspelt
// "MaxAtempts" must not silently mean "no limit"), values of the wrong JSON
// type, and states without a known Type. Numbers inside free-form JSON
// (Parameters, Result, ...) become json.Number so that none loses digits.
//
// Parse checks the shape only; Validate checks the rules.
func Parse(data []byte) (*StateMachine, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("parse state machine: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("parse state machine: unexpected data after the top-level object")
	}
	d := &decoder{}
	var m StateMachine
	d.decode("", raw, reflect.ValueOf(&m).Elem())
	if len(d.problems) > 0 {
		return nil, &ParseError{Problems: d.problems}
	}
	return &m, nil
}

// decoder fills Go values from the generic JSON tree json.Decoder produces
// (map[string]any, []any, string, json.Number, bool, nil), collecting a
// Problem for each mismatch rather than stopping at the first. It exists
// because encoding/json's DisallowUnknownFields names the field but not
// where it is.
type decoder struct {
	problems []Problem
}

func (d *decoder) fail(path, format string, args ...any) {
	d.problems = append(d.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

var (
	pathType   = reflect.TypeFor[Path]()
	statesType = reflect.TypeFor[States]()
)

func (d *decoder) decode(path string, v any, dst reflect.Value) {
	t := dst.Type()
	switch {
	case t == pathType:
		switch x := v.(type) {
		case nil:
			dst.Set(reflect.ValueOf(NullPath()))
		case string:
			dst.Set(reflect.ValueOf(PathOf(x)))
		default:
			d.fail(path, "must be a path string or null, not %s", jsonKind(v))
		}
		return
	case t == statesType:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail(path, "must be an object mapping state names to states, not %s", jsonKind(v))
			return
		}
		states := make(States, len(obj))
		for _, name := range sortedKeys(obj) {
			if s := d.decodeState(joinPath(path, name), obj[name]); s != nil {
				states[name] = s
			}
		}
		dst.Set(reflect.ValueOf(states))
		return
	}
	switch t.Kind() {
	case reflect.Interface: // free-form JSON
		if v != nil {
			dst.Set(reflect.ValueOf(v))
		}
	case reflect.Pointer:
		if v == nil {
			d.fail(path, "must be %s, not null", describe(t.Elem()))
			return
		}
		p := reflect.New(t.Elem())
		d.decode(path, v, p.Elem())
		dst.Set(p)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.fail(path, "must be a string, not %s", jsonKind(v))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.fail(path, "must be a boolean, not %s", jsonKind(v))
			return
		}
		dst.SetBool(b)
	case reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			d.fail(path, "must be an integer, not %s", jsonKind(v))
			return
		}
		i, err := n.Int64()
		if err != nil || int64(int(i)) != i {
			d.fail(path, "must be an integer, not %s", n)
			return
		}
		dst.SetInt(i)
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			d.fail(path, "must be a number, not %s", jsonKind(v))
			return
		}
		f, err := n.Float64()
		if err != nil {
			d.fail(path, "must be a number: %v", err)
			return
		}
		dst.SetFloat(f)
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			d.fail(path, "must be an array, not %s", jsonKind(v))
			return
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			d.decode(indexPath(path, i), e, s.Index(i))
		}
		dst.Set(s)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail(path, "must be an object, not %s", jsonKind(v))
			return
		}
		d.decodeFields(path, obj, dst, "")
	default:
		// Unreachable for the package's own types; a new field kind needs a case.
		panic(fmt.Sprintf("asl: cannot decode into %s", t))
	}
}

// decodeState picks the state's Go type from its "Type" and decodes the
// other fields into it; it returns nil after recording a problem.
func (d *decoder) decodeState(path string, v any) State {
	obj, ok := v.(map[string]any)
	if !ok {
		d.fail(path, "a state must be an object, not %s", jsonKind(v))
		return nil
	}
	raw, ok := obj["Type"]
	if !ok {
		d.fail(joinPath(path, "Type"), "required field is missing")
		return nil
	}
	name, _ := raw.(string)
	s := newState(StateType(name))
	if s == nil {
		d.fail(joinPath(path, "Type"), "unknown state type %s (allowed: %s)", compactJSON(raw), typeList())
		return nil
	}
	d.decodeFields(path, obj, reflect.ValueOf(s).Elem(), "Type")
	return s
}

// decodeFields decodes obj into the struct dst by JSON name, reporting keys
// the struct does not have (except skip).
func (d *decoder) decodeFields(path string, obj map[string]any, dst reflect.Value, skip string) {
	fields := fieldsOf(dst.Type())
	for _, key := range sortedKeys(obj) {
		if key == skip {
			continue
		}
		i, ok := fields.index[key]
		if !ok {
			if near := nearest(key, fields.names); near != "" {
				d.fail(joinPath(path, key), "unknown field (did you mean %q?)", near)
			} else {
				d.fail(joinPath(path, key), "unknown field")
			}
			continue
		}
		d.decode(joinPath(path, key), obj[key], dst.Field(i))
	}
}

// structFields maps a struct's JSON names to field indices.
type structFields struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: map[string]int{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	fieldCache.Store(t, f)
	return f
}

// nearest returns the known name closest to key if it is a plausible typo
// (edit distance at most 2, ignoring case), else "".
func nearest(key string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if dist := editDistance(strings.ToLower(key), strings.ToLower(n)); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}

func compactJSON(v any) string {
	b, err := encode(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func typeList() string {
	names := make([]string, len(stateTypes))
	for i, t := range stateTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
