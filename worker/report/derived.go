package report

import (
	"sort"
	"strings"
)

// derivedText lists derived fields with their loan counts, by field name:
// "annual_income 3, origination_date 8".
func derivedText(byField map[string]int64) string {
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + " " + formatInt(byField[f])
	}
	return strings.Join(parts, ", ")
}
