package asl

import (
	"reflect"
	"strings"
)

// ChoiceState picks the Next of the first matching rule in Choices, or
// Default when none matches.
type ChoiceState struct {
	Comment    string       `json:"Comment,omitempty"`
	InputPath  Path         `json:"InputPath,omitzero"`
	OutputPath Path         `json:"OutputPath,omitzero"`
	Choices    []ChoiceRule `json:"Choices"`
	Default    string       `json:"Default,omitempty"`
}

// ChoiceRule is a Choice Rule: either a boolean expression (And, Or, Not) or
// a data-test expression (Variable plus exactly one comparison operator). A
// top-level rule has a Next; nested rules must not. Operands of the "Path"
// operators are reference paths compared against the input's value there.
//
// Exactly one operator field may be set; Comparisons lists those set, which
// is how an interpreter finds the operator without testing forty fields.
type ChoiceRule struct {
	Comment  string `json:"Comment,omitempty"`
	Variable string `json:"Variable,omitempty"`

	And []ChoiceRule `json:"And,omitempty"`
	Or  []ChoiceRule `json:"Or,omitempty"`
	Not *ChoiceRule  `json:"Not,omitempty"`

	StringEquals                *string `json:"StringEquals,omitempty"`
	StringEqualsPath            *string `json:"StringEqualsPath,omitempty"`
	StringLessThan              *string `json:"StringLessThan,omitempty"`
	StringLessThanPath          *string `json:"StringLessThanPath,omitempty"`
	StringGreaterThan           *string `json:"StringGreaterThan,omitempty"`
	StringGreaterThanPath       *string `json:"StringGreaterThanPath,omitempty"`
	StringLessThanEquals        *string `json:"StringLessThanEquals,omitempty"`
	StringLessThanEqualsPath    *string `json:"StringLessThanEqualsPath,omitempty"`
	StringGreaterThanEquals     *string `json:"StringGreaterThanEquals,omitempty"`
	StringGreaterThanEqualsPath *string `json:"StringGreaterThanEqualsPath,omitempty"`
	StringMatches               *string `json:"StringMatches,omitempty"`

	NumericEquals                *float64 `json:"NumericEquals,omitempty"`
	NumericEqualsPath            *string  `json:"NumericEqualsPath,omitempty"`
	NumericLessThan              *float64 `json:"NumericLessThan,omitempty"`
	NumericLessThanPath          *string  `json:"NumericLessThanPath,omitempty"`
	NumericGreaterThan           *float64 `json:"NumericGreaterThan,omitempty"`
	NumericGreaterThanPath       *string  `json:"NumericGreaterThanPath,omitempty"`
	NumericLessThanEquals        *float64 `json:"NumericLessThanEquals,omitempty"`
	NumericLessThanEqualsPath    *string  `json:"NumericLessThanEqualsPath,omitempty"`
	NumericGreaterThanEquals     *float64 `json:"NumericGreaterThanEquals,omitempty"`
	NumericGreaterThanEqualsPath *string  `json:"NumericGreaterThanEqualsPath,omitempty"`

	BooleanEquals     *bool   `json:"BooleanEquals,omitempty"`
	BooleanEqualsPath *string `json:"BooleanEqualsPath,omitempty"`

	TimestampEquals                *string `json:"TimestampEquals,omitempty"`
	TimestampEqualsPath            *string `json:"TimestampEqualsPath,omitempty"`
	TimestampLessThan              *string `json:"TimestampLessThan,omitempty"`
	TimestampLessThanPath          *string `json:"TimestampLessThanPath,omitempty"`
	TimestampGreaterThan           *string `json:"TimestampGreaterThan,omitempty"`
	TimestampGreaterThanPath       *string `json:"TimestampGreaterThanPath,omitempty"`
	TimestampLessThanEquals        *string `json:"TimestampLessThanEquals,omitempty"`
	TimestampLessThanEqualsPath    *string `json:"TimestampLessThanEqualsPath,omitempty"`
	TimestampGreaterThanEquals     *string `json:"TimestampGreaterThanEquals,omitempty"`
	TimestampGreaterThanEqualsPath *string `json:"TimestampGreaterThanEqualsPath,omitempty"`

	IsNull      *bool `json:"IsNull,omitempty"`
	IsPresent   *bool `json:"IsPresent,omitempty"`
	IsNumeric   *bool `json:"IsNumeric,omitempty"`
	IsString    *bool `json:"IsString,omitempty"`
	IsBoolean   *bool `json:"IsBoolean,omitempty"`
	IsTimestamp *bool `json:"IsTimestamp,omitempty"`

	Next string `json:"Next,omitempty"`
}

// Comparison is one comparison operator set on a ChoiceRule.
type Comparison struct {
	// Operator is the spec's field name, e.g. "NumericGreaterThan".
	Operator string
	// Value is the operand: a string, float64 or bool. For operators whose
	// name ends in "Path" it is the reference path of the operand.
	Value any
}

// IsPath reports whether the operand is a reference path to be resolved
// against the input rather than a literal.
func (c Comparison) IsPath() bool { return strings.HasSuffix(c.Operator, "Path") }

// comparisonFields holds the indices of ChoiceRule's operator fields: every
// pointer field except Not.
var comparisonFields = func() []int {
	t := reflect.TypeFor[ChoiceRule]()
	var idx []int
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Pointer && f.Name != "Not" {
			idx = append(idx, i)
		}
	}
	return idx
}()

// Comparisons returns the comparison operators set on the rule, in field
// order. A valid data-test rule has exactly one; a valid boolean rule none.
func (r ChoiceRule) Comparisons() []Comparison {
	v := reflect.ValueOf(r)
	var out []Comparison
	for _, i := range comparisonFields {
		f := v.Field(i)
		if f.IsNil() {
			continue
		}
		out = append(out, Comparison{Operator: v.Type().Field(i).Name, Value: f.Elem().Interface()})
	}
	return out
}

// IsBooleanExpression reports whether the rule is a boolean expression (And,
// Or, Not) rather than a data test.
func (r ChoiceRule) IsBooleanExpression() bool { return r.And != nil || r.Or != nil || r.Not != nil }
