package asl

import (
	"encoding/json"
	"fmt"
)

// Path is a Reference Path field (InputPath, OutputPath, ResultPath) that the
// spec lets be absent, a path, or JSON null, three cases with different
// meanings: ResultPath absent means "$" (the result replaces the input),
// ResultPath null discards the result and keeps the input, and InputPath or
// OutputPath null pass {} along. The zero Path is absent.
type Path struct {
	set   bool
	null  bool
	value string
}

// PathOf returns a Path holding the reference path p, e.g. "$.result".
func PathOf(p string) Path { return Path{set: true, value: p} }

// NullPath returns a Path that marshals as JSON null.
func NullPath() Path { return Path{set: true, null: true} }

// IsZero reports whether the path is absent; encoding/json's omitzero uses it
// to leave absent paths out.
func (p Path) IsZero() bool { return !p.set }

// IsNull reports whether the field is present as JSON null.
func (p Path) IsNull() bool { return p.set && p.null }

// Value returns the reference path and true, or "" and false when the field
// is absent or null.
func (p Path) Value() (string, bool) {
	if !p.set || p.null {
		return "", false
	}
	return p.value, true
}

// Or returns the path's value, or def when the field is absent. It returns ""
// for a null path; check IsNull first where null has a meaning.
func (p Path) Or(def string) string {
	if !p.set {
		return def
	}
	return p.value
}

// String renders the path for messages: the path itself, "null" or "<absent>".
func (p Path) String() string {
	switch {
	case !p.set:
		return "<absent>"
	case p.null:
		return "null"
	default:
		return p.value
	}
}

// MarshalJSON writes the path as a JSON string, or null.
func (p Path) MarshalJSON() ([]byte, error) {
	if p.null {
		return []byte("null"), nil
	}
	return json.Marshal(p.value)
}

// UnmarshalJSON reads a JSON string or null. encoding/json calls it for null
// too (the field is not a pointer), which is what keeps null distinct from
// absent.
func (p *Path) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*p = NullPath()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a path must be a string or null: %w", err)
	}
	*p = PathOf(s)
	return nil
}
