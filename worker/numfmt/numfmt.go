// Package numfmt writes money, counts, percentages and ratios the one way
// every output of the pipeline shows them: the reports (HTML, Markdown),
// the compare and sweep pages, and every verb of the command line.
//
//	USD(59157550.4)        "$59,157,550"   (whole dollars from $1,000, cents below)
//	USDCompact(1.25e6)     "$1.25M"        (axis labels)
//	Int(20000)             "20,000"
//	Pct(0.01112, 3)        "1.112%"        (a tiny non-zero value reads "<0.001%", never "0.000%")
//	PP(0.0194, 3)          "+1.940 pp"     (a difference of two rates)
//	Signed(x, USD)         "+$3,021"       (a difference of two amounts)
//
// A value that is not a finite number is "n/a" everywhere, so no "NaN" or
// "+Inf" ever reaches a reader.
package numfmt

import (
	"math"
	"strconv"
	"strings"
)

// NotAvailable stands in for a figure that is not a finite number.
const NotAvailable = "n/a"

// Finite reports whether x is neither NaN nor infinite.
func Finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Group inserts commas into the integer part of a plain decimal string
// ("1234567.5" -> "1,234,567.5").
func Group(s string) string {
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

// Int writes n with thousands separators.
func Int(n int64) string { return Group(strconv.FormatInt(n, 10)) }

// USD writes a dollar amount with thousands separators: whole dollars from
// $1,000 up (cents are noise at that scale), cents below.
func USD(x float64) string {
	if !Finite(x) {
		return NotAvailable
	}
	decimals := 2
	if math.Abs(x) >= 1000 {
		decimals = 0
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if s == "-0" || s == "-0.00" {
		s = s[1:]
	}
	s = Group(s)
	if strings.HasPrefix(s, "-") {
		return "-$" + s[1:]
	}
	return "$" + s
}

// USDCompact writes an amount short, for an axis label or a narrow
// column: $0, $950, $12.5k, $1.2M, $3B.
func USDCompact(x float64) string {
	if !Finite(x) {
		return NotAvailable
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

// Pct writes a fraction as a percentage with the given decimals; a
// non-zero value that would round to zero is shown as "<0.001%" so a small
// PD never reads as no risk.
func Pct(x float64, decimals int) string {
	if !Finite(x) {
		return NotAvailable
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

// PP writes a difference of two fractions in percentage points with an
// explicit sign.
func PP(x float64, decimals int) string {
	if !Finite(x) {
		return NotAvailable
	}
	s := strconv.FormatFloat(100*x, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	} else if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s + " pp"
}

// Signed writes a difference with f and an explicit sign: "+$3,021",
// "-1.5%", "0" for no difference at the precision shown.
func Signed(x float64, f func(float64) string) string {
	if !Finite(x) {
		return NotAvailable
	}
	s := f(x)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "<") || strings.HasPrefix(s, ">") {
		return s
	}
	if strings.Trim(s, "$0.,%") == "" {
		return s
	}
	return "+" + s
}

// Ratio writes a ratio such as a payment shock with two decimals ("1.25").
func Ratio(x float64) string {
	if !Finite(x) {
		return NotAvailable
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// Seconds writes a duration in seconds with one decimal ("7.3s").
func Seconds(s float64) string {
	if !Finite(s) {
		return NotAvailable
	}
	return strconv.FormatFloat(s, 'f', 1, 64) + "s"
}

// Plural writes "1 scenario", "2 scenarios", "1,000 scenarios".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Int(n) + " " + noun + "s"
}
