package asl

import (
	"bytes"
	"encoding/json"
)

// Marshal returns the definition as compact JSON. The bytes are a function
// of the definition alone: struct fields in a fixed order ("Type" first in
// each state), map keys (state names, Parameters keys) sorted, and no HTML
// escaping, so "<", ">" and "&" stay readable.
func Marshal(m *StateMachine) ([]byte, error) { return encode(m) }

// MarshalIndent is Marshal indented by two spaces per level, the form of
// golden files and of definitions handed to the service. It has no trailing
// newline.
func MarshalIndent(m *StateMachine) ([]byte, error) {
	b, err := encode(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// String returns the definition as indented JSON, or an error message in
// its place; handy in tests and logs.
func (m *StateMachine) String() string {
	b, err := MarshalIndent(m)
	if err != nil {
		return "asl: " + err.Error()
	}
	return string(b)
}

// encode is json.Marshal without HTML escaping. Every MarshalJSON in the
// package uses it, because encoding/json keeps a Marshaler's bytes as they
// are and would otherwise leave "\u0026" in place of "&".
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Each state marshals as its fields preceded by "Type". The local plain type
// drops the MarshalJSON method so the embedded struct encodes field by field.

// MarshalJSON writes the state with its "Type".
func (s *PassState) MarshalJSON() ([]byte, error) {
	type plain PassState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// MarshalJSON writes the state with its "Type".
func (s *TaskState) MarshalJSON() ([]byte, error) {
	type plain TaskState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// MarshalJSON writes the state with its "Type", and nil Choices as [].
func (s *ChoiceState) MarshalJSON() ([]byte, error) {
	type plain ChoiceState
	c := *s
	if c.Choices == nil {
		c.Choices = []ChoiceRule{}
	}
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(&c)})
}

// MarshalJSON writes the state with its "Type".
func (s *WaitState) MarshalJSON() ([]byte, error) {
	type plain WaitState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// MarshalJSON writes the state with its "Type".
func (s *SucceedState) MarshalJSON() ([]byte, error) {
	type plain SucceedState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// MarshalJSON writes the state with its "Type".
func (s *FailState) MarshalJSON() ([]byte, error) {
	type plain FailState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// MarshalJSON writes the state with its "Type", and nil Branches as [].
func (s *ParallelState) MarshalJSON() ([]byte, error) {
	type plain ParallelState
	p := *s
	if p.Branches == nil {
		p.Branches = []Branch{}
	}
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(&p)})
}

// Required collections marshal as [] or {} when nil, never null, so that
// what Marshal writes always parses again.

// MarshalJSON writes the states, {} when there are none.
func (s States) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("{}"), nil
	}
	return encode(map[string]State(s))
}

// MarshalJSON writes the Retrier, with nil ErrorEquals as [].
func (r Retrier) MarshalJSON() ([]byte, error) {
	type plain Retrier
	if r.ErrorEquals == nil {
		r.ErrorEquals = []string{}
	}
	return encode(plain(r))
}

// MarshalJSON writes the Catcher, with nil ErrorEquals as [].
func (c Catcher) MarshalJSON() ([]byte, error) {
	type plain Catcher
	if c.ErrorEquals == nil {
		c.ErrorEquals = []string{}
	}
	return encode(plain(c))
}

// MarshalJSON writes the state with its "Type".
func (s *MapState) MarshalJSON() ([]byte, error) {
	type plain MapState
	return encode(struct {
		Type StateType `json:"Type"`
		*plain
	}{s.Type(), (*plain)(s)})
}

// UnmarshalJSON parses a definition strictly, as Parse does, so that a
// StateMachine can be a field of another JSON document.
func (m *StateMachine) UnmarshalJSON(b []byte) error {
	p, err := Parse(b)
	if err != nil {
		return err
	}
	*m = *p
	return nil
}
