// Package jsonstrict decodes JSON objects with exact keys: encoding/json
// matches keys to struct fields case-insensitively and keeps the last of
// duplicate keys, while Step Functions' JSONPath and every other reader of
// our task and run inputs match them exactly.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Decode decodes the JSON object data into v (a non-nil pointer) the
// way task input must be decoded: encoding/json alone matches object keys
// to struct fields case-insensitively, takes the last of duplicate keys and
// (without DisallowUnknownFields) ignores unknown ones, so
// {"shardSize":500,"shardsize":3} would run with 3 and {"RUNID":"x"} would
// set RunID. Decode first checks every object key against the type
// of v, at any depth, and fails naming the key (as a path such as
// "BatchInput.run.scenarios") when a key
//
//   - differs only in case from a field's JSON name ("RUNID" for "runId"),
//   - appears twice in one object, in any mix of case,
//   - or names no field (an unknown key), unless the object is of a type
//     passed to AllowUnknownIn.
//
// Keys inside maps and inside values whose type decodes itself
// (json.Unmarshaler, json.RawMessage, any) are free, but an exact duplicate
// key is still rejected. Only then is data decoded with encoding/json, so
// every key it matches is an exact one. Top-level keys listed in topKeys are
// allowed whatever v's type (the Mux's "op").
//
// The error is plain; callers wrap it (JSON and the ops wrap it with
// InputInvalid).
func Decode(data []byte, v any, opts ...Option) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decode strict: want a non-nil pointer, got %T", v)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkKeys(data, rv.Type().Elem(), &o); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Option adjusts Decode.
type Option func(*options)

type options struct {
	lenient map[reflect.Type]bool
	top     []string
}

// AllowUnknownIn lets objects decoded into the types of the given values
// carry keys that name no field (a Map item's extra columns: listObjectsV2
// adds Etag, LastModified, StorageClass). Keys that differ only in case
// from a field, and duplicate keys, are still rejected.
func AllowUnknownIn(values ...any) Option {
	return func(o *options) {
		if o.lenient == nil {
			o.lenient = map[reflect.Type]bool{}
		}
		for _, v := range values {
			t := reflect.TypeOf(v)
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			o.lenient[t] = true
		}
	}
}

// AllowTopLevelKeys allows the given exact keys in the top-level object
// whatever the target type (Decode ignores them).
func AllowTopLevelKeys(keys ...string) Option {
	return func(o *options) { o.top = append(o.top, keys...) }
}

// KeyError is a task input key Decode refuses.
type KeyError struct {
	Path   string // the key with its parents, e.g. "BatchInput.run.scenarios"
	Key    string // the key as given
	Reason string
}

// Error reads `key "sead": unknown field; ...` at the top level and
// `BatchInput.run: key "RUNID": ...` below it.
func (e *KeyError) Error() string {
	if parent, ok := strings.CutSuffix(e.Path, "."+e.Key); ok {
		return fmt.Sprintf("%s: key %q: %s", parent, e.Key, e.Reason)
	}
	return fmt.Sprintf("key %q: %s", e.Key, e.Reason)
}

func checkKeys(data []byte, t reflect.Type, o *options) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	c := &keyChecker{dec: dec, o: o}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("task input is not a JSON object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("task input is not a JSON object: got %s", describeToken(tok))
	}
	if err := c.object(derefType(t), "", true); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

type keyChecker struct {
	dec *json.Decoder
	o   *options
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// opaque reports whether values of t decode themselves (or are any), so
// their keys are not fields.
func opaque(t reflect.Type) bool {
	if t == nil || t.Kind() == reflect.Interface {
		return true
	}
	return reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// value checks the next value of the stream, to be decoded into t.
func (c *keyChecker) value(t reflect.Type, path string) error {
	t = derefType(t)
	tok, err := c.dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %w", orTop(path), err)
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil // a scalar: its type is encoding/json's to check
	}
	switch {
	case opaque(t):
		return c.anyValue(d, path)
	case d == '{' && t.Kind() == reflect.Struct:
		return c.object(t, path, false)
	case d == '{' && t.Kind() == reflect.Map:
		return c.mapObject(t, path)
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i := 0; c.dec.More(); i++ {
			if err := c.value(t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := c.dec.Token() // ']'
		return err
	}
	// A mismatch of JSON and Go kinds: encoding/json reports it.
	return c.anyValue(d, path)
}

func orTop(path string) string {
	if path == "" {
		return "task input"
	}
	return path
}

// object checks the keys of an object decoded into the struct type t; the
// '{' is consumed.
func (c *keyChecker) object(t reflect.Type, path string, top bool) error {
	if t.Kind() != reflect.Struct {
		if t.Kind() == reflect.Map {
			return c.mapObject(t, path)
		}
		return c.anyValue('{', path)
	}
	fields := fieldsOf(t)
	seen := map[string]string{} // folded key -> key as first given
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", orTop(path), err)
		}
		key := tok.(string)
		kp := join(path, key)
		fold := strings.ToLower(key)
		if prev, dup := seen[fold]; dup {
			if prev == key {
				return &KeyError{Path: kp, Key: key, Reason: "given twice in one object"}
			}
			return &KeyError{Path: kp, Key: key, Reason: fmt.Sprintf("given twice in one object, also as %q (keys are case-sensitive: give it once, exactly as documented)", prev)}
		}
		seen[fold] = key
		if ft, ok := fields.exact[key]; ok {
			if err := c.value(ft, kp); err != nil {
				return err
			}
			continue
		}
		want, ok := fields.folded[fold]
		if !ok && top {
			if i := slices.IndexFunc(c.o.top, func(k string) bool { return strings.EqualFold(k, key) }); i >= 0 && c.o.top[i] != key {
				want, ok = c.o.top[i], true
			}
		}
		if ok {
			return &KeyError{Path: kp, Key: key, Reason: fmt.Sprintf("unknown field; keys are case-sensitive: did you mean %q?", want)}
		}
		if top && slices.Contains(c.o.top, key) || c.o.lenient[t] {
			if err := c.skip(kp); err != nil {
				return err
			}
			continue
		}
		return &KeyError{Path: kp, Key: key, Reason: "unknown field; want one of " + fields.list()}
	}
	_, err := c.dec.Token() // '}'
	return err
}

// mapObject checks an object decoded into a map: any keys, none twice.
func (c *keyChecker) mapObject(t reflect.Type, path string) error {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", orTop(path), err)
		}
		key := tok.(string)
		kp := join(path, key)
		if seen[key] {
			return &KeyError{Path: kp, Key: key, Reason: "given twice in one object"}
		}
		seen[key] = true
		if err := c.value(t.Elem(), kp); err != nil {
			return err
		}
	}
	_, err := c.dec.Token()
	return err
}

// skip checks the next value as one of no known type.
func (c *keyChecker) skip(path string) error {
	return c.value(nil, path)
}

// anyValue checks an object or array (its opening delimiter d consumed)
// whose keys are free: only exact duplicate keys are refused.
func (c *keyChecker) anyValue(d json.Delim, path string) error {
	if d == '[' {
		for i := 0; c.dec.More(); i++ {
			if err := c.skip(path + "[" + strconv.Itoa(i) + "]"); err != nil {
				return err
			}
		}
		_, err := c.dec.Token()
		return err
	}
	if d != '{' {
		return nil
	}
	return c.mapObject(reflect.TypeFor[map[string]any](), path)
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return string(v)
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// structFields are the JSON keys of a struct type, as encoding/json
// resolves them (tags, embedded structs, the shallowest field winning).
type structFields struct {
	exact  map[string]reflect.Type
	folded map[string]string // lower case -> exact
}

func (f structFields) list() string {
	names := make([]string, 0, len(f.exact))
	for n := range f.exact {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "none (an empty object)"
	}
	return strings.Join(names, ", ")
}

var fieldCache sync.Map // reflect.Type -> structFields

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	type cand struct {
		typ    reflect.Type
		depth  int
		tagged bool
		n      int // candidates of this name at this depth
	}
	best := map[string]*cand{}
	var walk func(t reflect.Type, depth int, visited map[reflect.Type]bool)
	walk = func(t reflect.Type, depth int, visited map[reflect.Type]bool) {
		if visited[t] {
			return
		}
		visited[t] = true
		defer delete(visited, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous {
				et := derefType(ft)
				if !sf.IsExported() && et.Kind() != reflect.Struct {
					continue
				}
				if name == "" && et.Kind() == reflect.Struct {
					walk(et, depth+1, visited)
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			tagged := name != ""
			if !tagged {
				name = sf.Name
			}
			c := best[name]
			switch {
			case c == nil || depth < c.depth:
				best[name] = &cand{typ: ft, depth: depth, tagged: tagged, n: 1}
			case depth == c.depth && tagged == c.tagged:
				c.n++
			case depth == c.depth && tagged:
				best[name] = &cand{typ: ft, depth: depth, tagged: true, n: 1}
			}
		}
	}
	walk(t, 0, map[reflect.Type]bool{})
	f := structFields{exact: map[string]reflect.Type{}, folded: map[string]string{}}
	for name, c := range best {
		if c.n > 1 {
			continue // ambiguous: encoding/json ignores it
		}
		f.exact[name] = c.typ
		f.folded[strings.ToLower(name)] = name
	}
	fieldCache.Store(t, f)
	return f
}
