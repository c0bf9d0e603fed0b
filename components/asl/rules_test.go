package asl

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

func TestThereIsOneRuleConstructorPerComparisonOperator(t *testing.T) {
	t.Parallel()
	const ts = "2026-01-01T00:00:00Z"
	rules := map[string]ChoiceRule{
		"StringEquals": StringEquals("$.v", "s"), "StringEqualsPath": StringEqualsPath("$.v", "$.p"),
		"StringLessThan": StringLessThan("$.v", "s"), "StringLessThanPath": StringLessThanPath("$.v", "$.p"),
		"StringGreaterThan": StringGreaterThan("$.v", "s"), "StringGreaterThanPath": StringGreaterThanPath("$.v", "$.p"),
		"StringLessThanEquals": StringLessThanEquals("$.v", "s"), "StringLessThanEqualsPath": StringLessThanEqualsPath("$.v", "$.p"),
		"StringGreaterThanEquals": StringGreaterThanEquals("$.v", "s"), "StringGreaterThanEqualsPath": StringGreaterThanEqualsPath("$.v", "$.p"),
		"StringMatches": StringMatches("$.v", "s*"),
		"NumericEquals": NumericEquals("$.v", 1), "NumericEqualsPath": NumericEqualsPath("$.v", "$.p"),
		"NumericLessThan": NumericLessThan("$.v", 1), "NumericLessThanPath": NumericLessThanPath("$.v", "$.p"),
		"NumericGreaterThan": NumericGreaterThan("$.v", 1), "NumericGreaterThanPath": NumericGreaterThanPath("$.v", "$.p"),
		"NumericLessThanEquals": NumericLessThanEquals("$.v", 1), "NumericLessThanEqualsPath": NumericLessThanEqualsPath("$.v", "$.p"),
		"NumericGreaterThanEquals": NumericGreaterThanEquals("$.v", 1), "NumericGreaterThanEqualsPath": NumericGreaterThanEqualsPath("$.v", "$.p"),
		"BooleanEquals": BooleanEquals("$.v", true), "BooleanEqualsPath": BooleanEqualsPath("$.v", "$.p"),
		"TimestampEquals": TimestampEquals("$.v", ts), "TimestampEqualsPath": TimestampEqualsPath("$.v", "$.p"),
		"TimestampLessThan": TimestampLessThan("$.v", ts), "TimestampLessThanPath": TimestampLessThanPath("$.v", "$.p"),
		"TimestampGreaterThan": TimestampGreaterThan("$.v", ts), "TimestampGreaterThanPath": TimestampGreaterThanPath("$.v", "$.p"),
		"TimestampLessThanEquals": TimestampLessThanEquals("$.v", ts), "TimestampLessThanEqualsPath": TimestampLessThanEqualsPath("$.v", "$.p"),
		"TimestampGreaterThanEquals": TimestampGreaterThanEquals("$.v", ts), "TimestampGreaterThanEqualsPath": TimestampGreaterThanEqualsPath("$.v", "$.p"),
		"IsNull": IsNull("$.v", true), "IsPresent": IsPresent("$.v", true), "IsNumeric": IsNumeric("$.v", true),
		"IsString": IsString("$.v", true), "IsBoolean": IsBoolean("$.v", true), "IsTimestamp": IsTimestamp("$.v", true),
	}
	// Every operator field of ChoiceRule has a constructor here.
	var fields, names []string
	for _, i := range comparisonFields {
		fields = append(fields, reflect.TypeFor[ChoiceRule]().Field(i).Name)
	}
	for n := range rules {
		names = append(names, n)
	}
	sort.Strings(fields)
	sort.Strings(names)
	if !reflect.DeepEqual(fields, names) {
		t.Fatalf("operators %q\nconstructors %q", fields, names)
	}
	for op, r := range rules {
		c := r.Comparisons()
		if len(c) != 1 || c[0].Operator != op || r.Variable != "$.v" || r.IsBooleanExpression() {
			t.Errorf("%s built %+v", op, r)
			continue
		}
		// The constructed rule is valid in a Choice and survives a round trip.
		m := NewMachine("").Add("C", Choice().When(r, "D")).Add("D", Succeed()).MustBuild()
		b, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if got := back.States["C"].(*ChoiceState).Choices[0].Comparisons(); !reflect.DeepEqual(got, c) {
			t.Errorf("%s round-tripped to %v, want %v", op, got, c)
		}
	}
	if !And(IsNull("$.a", true)).IsBooleanExpression() || !Not(IsNull("$.a", true)).IsBooleanExpression() {
		t.Error("And and Not are not boolean expressions")
	}
}

func TestStateMachineIsAStrictJSONField(t *testing.T) {
	t.Parallel()
	var doc struct {
		Name       string        `json:"name"`
		Definition *StateMachine `json:"definition"`
	}
	good := `{"name":"x","definition":{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}}`
	if err := json.Unmarshal([]byte(good), &doc); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if _, ok := doc.Definition.States["A"].(*SucceedState); !ok {
		t.Errorf("definition not parsed: %s", doc.Definition)
	}
	bad := `{"name":"x","definition":{"StartAt":"A","States":{"A":{"Type":"Succeed","End":true}}}}`
	if err := json.Unmarshal([]byte(bad), &doc); err == nil {
		t.Error("Unmarshal accepted End on a Succeed state")
	}
}

func TestPathAccessors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p       Path
		str     string
		value   string
		ok      bool
		orValue string
	}{
		{Path{}, "<absent>", "", false, "$"},
		{NullPath(), "null", "", false, ""},
		{PathOf("$.x"), "$.x", "$.x", true, "$.x"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			t.Parallel()
			v, ok := tt.p.Value()
			if tt.p.String() != tt.str || v != tt.value || ok != tt.ok || tt.p.Or("$") != tt.orValue {
				t.Errorf("String %q Value (%q, %t) Or %q", tt.p.String(), v, ok, tt.p.Or("$"))
			}
			b, err := json.Marshal(struct {
				P Path `json:"p,omitzero"`
			}{tt.p})
			if err != nil {
				t.Fatal(err)
			}
			var back struct {
				P Path `json:"p"`
			}
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.P != tt.p {
				t.Errorf("encoding/json round trip of %v gave %v (%s)", tt.p, back.P, b)
			}
		})
	}
}
