package report

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
)

// The formats are numfmt's, so the report reads like every verb of the
// command line; these names keep the package's call sites short.
const notAvailable = numfmt.NotAvailable

func finite(x float64) bool                    { return numfmt.Finite(x) }
func groupThousands(s string) string           { return numfmt.Group(s) }
func formatInt(n int64) string                 { return numfmt.Int(n) }
func formatUSD(x float64) string               { return numfmt.USD(x) }
func formatUSDCompact(x float64) string        { return numfmt.USDCompact(x) }
func formatPct(x float64, decimals int) string { return numfmt.Pct(x, decimals) }
func formatPP(x float64, decimals int) string  { return numfmt.PP(x, decimals) }

// coord writes an SVG coordinate: two decimals, never NaN.
func coord(x float64) string {
	if !finite(x) {
		x = 0
	}
	s := strconv.FormatFloat(x, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		s = "0"
	}
	return s
}

// humanise turns an identifier such as "commercial_real_estate" into
// "Commercial real estate".
func humanise(id string) string {
	s := strings.TrimSpace(strings.ReplaceAll(id, "_", " "))
	if s == "" {
		return id
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// wrapWords splits s into lines of at most width characters where it can
// (a longer word keeps its own line), for category labels under bars.
func wrapWords(s string, width int) []string {
	var lines []string
	var cur string
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// plural writes "1 scenario", "2 scenarios", "1,000 scenarios".
func plural(n int64, noun string) string { return numfmt.Plural(n, noun) }
