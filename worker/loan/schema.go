package loan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// fieldDoc documents one field for the JSON Schema (docs/loans.schema.json)
// and docs/loans.md: what it is, its unit, its range and an example.
type fieldDoc struct {
	Description string
	Unit        string
	Min, Max    *float64
	Example     any
}

func num(x float64) *float64 { return &x }

// fieldDocs are the fields' documentation, by JSON key. A test holds it to
// Loan's fields.
var fieldDocs = map[string]fieldDoc{
	"id":                 {"Loan id, unique in the input; at most 128 bytes, printable.", "", nil, nil, "PU-001"},
	"segment":            {"Portfolio segment: decides the hazard inputs, the affordability trigger and the LGD.", "", nil, nil, "personal_unsecured"},
	"rate_type":          {"Fixed for the loan's life, or variable (resets to index + margin). Derived when absent: variable if index is given, else fixed.", "", nil, nil, "fixed"},
	"amount":             {"Original principal; for revolving loans the limit when credit_limit is absent.", "USD", num(0), num(MaxAmountUSD), 25000},
	"balance":            {"Outstanding (drawn) balance today, at most amount. Required, never derived.", "USD", num(0), num(MaxAmountUSD), 18000.55},
	"term_months":        {"Original term (amortisation term).", "months", num(1), num(MaxTermMonths), 60},
	"remaining_months":   {"Payments left, 1 to term_months. Derived from origination_date when absent.", "months", num(1), num(MaxTermMonths), 41},
	"interest_only":      {"Pays interest only. Derived true for commercial_line when absent, else false.", "", nil, nil, false},
	"current_rate":       {"Annual rate the loan pays today, as a decimal (0.065 is 6.5%).", "annual decimal", num(0), num(1), 0.1299},
	"index":              {"Variable loans: the reference rate, prime (fed funds + 3%) or sofr (fed funds).", "", nil, nil, "prime"},
	"margin":             {"Variable loans: rate = index + margin.", "annual decimal", num(MinMarginAnnual), num(MaxMarginAnnual), 0.07},
	"reset_months":       {"Variable loans: months between resets. Derived when absent: 1 for prime, 12 for sofr.", "months", num(1), num(MaxResetMonths), 1},
	"first_reset_month":  {"Variable loans: the month of the next reset, counted from today (1 is the coming month); then every reset_months. A 5/1 ARM 24 months old resets at month 37. Absent: resets at loan ages that are multiples of reset_months.", "months", num(1), num(MaxTermMonths), 37},
	"periodic_cap":       {"Variable loans: largest change per reset; 0 or absent: no cap.", "annual decimal", num(0), num(1), 0.02},
	"lifetime_cap":       {"Variable loans: largest rise above the rate at origination; 0 or absent: no cap.", "annual decimal", num(0), num(1), 0.05},
	"rate_ceiling":       {"Variable loans: lifetime ceiling as an absolute rate, at least current_rate; not with lifetime_cap.", "annual decimal", num(0), num(1), 0.18},
	"origination_rate":   {"Rate at origination; with lifetime_cap it fixes the ceiling.", "annual decimal", num(0), num(1), 0.065},
	"balloon_month":      {"Loan age at which the remaining balance falls due; after today's age, at most term_months.", "months", num(1), num(MaxTermMonths), 60},
	"credit_limit":       {"Lines of credit (credit_card, commercial_line, home_equity): the limit, at least balance; absent: amount. Model v2 adds CCF x undrawn to the exposure of credit_card and commercial_line only; a home_equity limit is checked and kept, its exposure is the drawn balance.", "USD", num(0), num(MaxAmountUSD), 12000},
	"credit_score":       {"Personal segments: the borrower's score (FICO range). Required for personal loans.", "", num(MinCreditScore), num(MaxCreditScore), 700},
	"risk_grade":         {"Commercial segments: internal grade, 1 best to 10 worst. Derived from credit_score when absent on a commercial loan that gives one.", "", num(MinRiskGrade), num(MaxRiskGrade), 4},
	"annual_income":      {"Personal segments: the borrower's income. Derived when absent: 12 x (payment + monthly_other_debt) / 0.30.", "USD a year", num(0), num(MaxIncomeUSD), 64000},
	"monthly_other_debt": {"Personal segments: the borrower's other debt service. Derived 0 when absent.", "USD a month", num(0), num(MaxOtherDebtUSD), 900},
	"annual_noi":         {"Commercial segments: net operating income. Derived when absent: 1.35 x 12 x payment.", "USD a year", num(0), num(MaxNOIUSD), 150000},
	"collateral_value":   {"Secured loans: today's market value of the collateral. Required for residential_mortgage and home_equity; derived for personal_auto (amount / 0.90) and commercial_real_estate (amount / 0.65) when absent.", "USD", num(0), num(MaxCollateralUSD), 30000},
	"origination_date":   {"Date the loan was made, YYYY-MM-DD. Derived from remaining_months when absent (as of 2025-06-01).", "", nil, nil, "2023-11-01"},
	"derived":            {"Output only: the fields a reader derived, each as \"field: rule\". Ignored on input.", "", nil, nil, nil},
}

// JSONSchema returns the JSON Schema (draft 2020-12) of one loan record,
// built from Loan's fields and json tags, fieldDocs and the validation
// limits: what docs/loans.schema.json holds. It describes one JSON Lines
// record; CSV and Parquet columns carry the same names and rules.
func JSONSchema() ([]byte, error) {
	props := map[string]any{}
	var order []string
	t := reflect.TypeOf(Loan{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		doc, ok := fieldDocs[name]
		if !ok {
			return nil, fmt.Errorf("loan schema: field %s (%q) has no fieldDocs entry", f.Name, name)
		}
		p := map[string]any{"description": doc.Description}
		switch f.Type.Kind() {
		case reflect.String:
			p["type"] = "string"
		case reflect.Float64:
			p["type"] = "number"
		case reflect.Int:
			p["type"] = "integer"
		case reflect.Bool:
			p["type"] = "boolean"
		case reflect.Slice:
			p["type"] = "array"
			p["items"] = map[string]any{"type": "string"}
		default:
			return nil, fmt.Errorf("loan schema: field %s has kind %s", f.Name, f.Type.Kind())
		}
		if doc.Unit != "" {
			p["x-unit"] = doc.Unit
		}
		if doc.Min != nil {
			p["minimum"] = *doc.Min
		}
		if doc.Max != nil {
			p["maximum"] = *doc.Max
			if doc.Unit == "annual decimal" && *doc.Max == 1 {
				delete(p, "maximum")
				p["exclusiveMaximum"] = 1 // a rate of 100% is a unit mistake
			}
		}
		if doc.Example != nil {
			p["examples"] = []any{doc.Example}
		}
		switch name {
		case "segment":
			var e []string
			for _, s := range Segments {
				e = append(e, string(s))
			}
			p["enum"] = e
		case "rate_type":
			p["enum"] = []string{string(Fixed), string(Variable)}
		case "index":
			p["enum"] = []string{string(Prime), string(SOFR)}
		case "origination_date":
			p["format"] = "date"
		case "id":
			p["minLength"], p["maxLength"] = 1, MaxIDBytes
		}
		props[name] = p
		order = append(order, name)
	}
	var personal, commercial []string
	for _, s := range Segments {
		if s.Personal() {
			personal = append(personal, string(s))
		} else {
			commercial = append(commercial, string(s))
		}
	}
	req := []string{}
	for _, f := range requiredFields {
		req = append(req, fieldKeys[f])
	}
	schema := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         "https://github.com/montecarlo-pipeline/montecarlo/docs/loans.schema.json",
		"title":       "Loan record",
		"description": "One loan of the montecarlo input format (docs/loans.md). Generated from worker/loan's Loan type by go test ./worker/loan -run TestJSONSchemaIsUpToDate -update; do not edit.",
		"type":        "object",
		"properties":  props,
		"x-order":     order,
		"required":    req,
		"anyOf": []any{
			map[string]any{"required": []string{"remaining_months"}},
			map[string]any{"required": []string{"origination_date"}},
		},
		"allOf": []any{
			map[string]any{
				"if":   map[string]any{"properties": map[string]any{"segment": map[string]any{"enum": personal}}},
				"then": map[string]any{"required": []string{"credit_score"}, "not": map[string]any{"required": []string{"risk_grade"}}},
			},
			map[string]any{
				"if":   map[string]any{"properties": map[string]any{"segment": map[string]any{"enum": commercial}}},
				"then": map[string]any{"anyOf": []any{map[string]any{"required": []string{"risk_grade"}}, map[string]any{"required": []string{"credit_score"}}}},
			},
			map[string]any{
				"if":   map[string]any{"properties": map[string]any{"segment": map[string]any{"enum": []string{string(ResidentialMortgage), string(HomeEquity)}}}},
				"then": map[string]any{"required": []string{"collateral_value"}},
			},
			map[string]any{
				"if":   map[string]any{"properties": map[string]any{"rate_type": map[string]any{"const": string(Variable)}}, "required": []string{"rate_type"}},
				"then": map[string]any{"required": []string{"index"}},
			},
		},
		"additionalProperties": false,
	}
	b, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
