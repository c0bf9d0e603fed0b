// Package paths is the data-flow layer of the local Step Functions emulator:
// JSONPath evaluation (through github.com/ohler55/ojg/jp), the context object
// "$$", payload templates (Parameters, ResultSelector, ItemSelector, keys
// ending in ".$"), intrinsic functions (States.Format, States.Array, ...) and
// ResultPath insertion. It works on plain Go JSON values, normalised by
// Normalize: map[string]any, []any, string, bool, nil, int64 and float64.
//
// Errors are *Error values carrying the Step Functions error name
// (States.Runtime, States.IntrinsicFailure, ...), so the interpreter can
// match them against Retry and Catch.
package paths

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
)

// Error names raised by this package, as the service names them
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
const (
	ErrRuntime                = "States.Runtime"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
)

// Error is a Step Functions error: a Name that Retry and Catch match, and a
// human Cause.
type Error struct {
	Name  string
	Cause string
}

// Error renders "Name: Cause".
func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// Errorf returns an *Error with the given name and a formatted cause.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error, wrapping other errors as States.Runtime.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Name: ErrRuntime, Cause: err.Error()}
}

// Decode parses JSON text into a normalised value. Numbers keep their digits
// as int64 when they are integers that fit, float64 otherwise.
// Objects remember the order of their keys (KeyOrder).
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode json: unexpected data after the value")
	}
	return v, nil
}

// decodeValue reads one value from dec's token stream, normalised, with
// each object's key order recorded. A key given twice keeps its first
// place and its last value, as encoding/json keeps the last value.
func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			setKeyOrder(m, keys)
			return m, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return Normalize(tok), nil
}

// DecodeString is Decode for a string.
func DecodeString(s string) (any, error) { return Decode([]byte(s)) }

// Marshal renders a value as compact JSON without HTML escaping (Step
// Functions does not escape <, > and &).
func Marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// MustMarshal is Marshal for values known to be JSON (normalised values).
func MustMarshal(v any) string {
	s, err := Marshal(v)
	if err != nil {
		panic(err)
	}
	return s
}

// Normalize converts any JSON-like Go value (json.Number, Go ints and
// floats, typed maps and slices) to the package's representation. Maps and
// slices are copied, so the result shares nothing mutable with v.
func Normalize(v any) any {
	switch t := v.(type) {
	case nil, string, bool, int64:
		return t
	case float64:
		return normFloat(t)
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return string(t)
		}
		return normFloat(f)
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case uint32:
		return int64(t)
	case uint64:
		if t > math.MaxInt64 {
			return float64(t)
		}
		return int64(t)
	case float32:
		return normFloat(float64(t))
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = Normalize(e)
		}
		copyKeyOrder(m, t)
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = Normalize(e)
		}
		return a
	}
	// Typed maps, slices and structs: round-trip through encoding/json.
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Int || rv.Kind() == reflect.Int64 || rv.Kind() == reflect.Int16 || rv.Kind() == reflect.Int8 {
		return rv.Int()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	out, err := Decode(b)
	if err != nil {
		return fmt.Sprint(v)
	}
	return out
}

// normFloat turns integral floats into int64 so that 3.0 and 3 compare and
// print alike.
func normFloat(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// Clone deep-copies a normalised value.
func Clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = Clone(e)
		}
		copyKeyOrder(m, t)
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = Clone(e)
		}
		return a
	}
	return v
}

// Equal reports whether two normalised values are the same JSON value;
// numbers compare by value (1 equals 1.0).
func Equal(a, b any) bool {
	if fa, ok := Number(a); ok {
		fb, ok := Number(b)
		return ok && fa == fb
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for k, va := range ta {
			vb, ok := tb[k]
			if !ok || !Equal(va, vb) {
				return false
			}
		}
		return true
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for i := range ta {
			if !Equal(ta[i], tb[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// Number returns a numeric value as float64.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case int:
		return float64(t), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

// Integer returns an integral numeric value as int64.
func Integer(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case float64:
		if t == math.Trunc(t) {
			return int64(t), true
		}
	case json.Number:
		i, err := t.Int64()
		return i, err == nil
	}
	return 0, false
}

// TypeName names a value's JSON type for error messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64, int, json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
