package report

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// notAvailable stands in for a figure that is not a finite number, so no
// "NaN" or "+Inf" ever reaches a reader.
const notAvailable = "n/a"

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// groupThousands inserts commas into the integer part of a plain decimal
// string ("1234567.5" -> "1,234,567.5").
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// formatInt writes n with thousands separators.
func formatInt(n int64) string { return groupThousands(strconv.FormatInt(n, 10)) }

// formatUSD writes a dollar amount with thousands separators: whole dollars
// from $1,000 up (cents are noise at that scale), cents below.
func formatUSD(x float64) string {
	if !finite(x) {
		return notAvailable
	}
	decimals := 2
	if math.Abs(x) >= 1000 {
		decimals = 0
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if s == "-0" || s == "-0.00" {
		s = s[1:]
	}
	s = groupThousands(s)
	if strings.HasPrefix(s, "-") {
		return "-$" + s[1:]
	}
	return "$" + s
}

// formatUSDCompact writes an axis label: $0, $950, $12.5k, $1.2M, $3B.
func formatUSDCompact(x float64) string {
	if !finite(x) {
		return notAvailable
	}
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	unit, div := "", 1.0
	switch {
	case x >= 1e9:
		unit, div = "B", 1e9
	case x >= 1e6:
		unit, div = "M", 1e6
	case x >= 1e3:
		unit, div = "k", 1e3
	}
	s := strconv.FormatFloat(x/div, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return sign + "$" + s + unit
}

// formatPct writes a fraction as a percentage with the given decimals; a
// non-zero value that would round to zero is shown as "<0.001%" so a small
// PD never reads as no risk.
func formatPct(x float64, decimals int) string {
	if !finite(x) {
		return notAvailable
	}
	s := strconv.FormatFloat(100*x, 'f', decimals, 64)
	if x != 0 && strings.Trim(s, "-0.") == "" {
		smallest := "0." + strings.Repeat("0", max(decimals-1, 0)) + "1"
		if decimals == 0 {
			smallest = "1"
		}
		if x < 0 {
			return ">-" + smallest + "%"
		}
		return "<" + smallest + "%"
	}
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s + "%"
}

// formatPP writes a difference of two fractions in percentage points with
// an explicit sign.
func formatPP(x float64, decimals int) string {
	if !finite(x) {
		return notAvailable
	}
	s := strconv.FormatFloat(100*x, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	} else if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s + " pp"
}

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
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return formatInt(n) + " " + noun + "s"
}
