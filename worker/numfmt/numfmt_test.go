package numfmt

import (
	"math"
	"testing"
)

func TestFormatsReadTheSameEverywhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{USD(59157550.4), "$59,157,550"},
		{USD(12.345), "$12.35"},
		{USD(-1234.4), "-$1,234"},
		{USD(math.NaN()), "n/a"},
		{USDCompact(1.25e6), "$1.25M"},
		{Int(20000), "20,000"},
		{Int(-1234567), "-1,234,567"},
		{Pct(0.01112, 3), "1.112%"},
		{Pct(1e-7, 3), "<0.001%"},
		{PP(0.0194, 3), "+1.940 pp"},
		{PP(-0.00001, 2), "0.00 pp"},
		{Signed(3021, USD), "+$3,021"},
		{Signed(-3021, USD), "-$3,021"},
		{Signed(0, USD), "$0.00"},
		{Signed(0.015, func(x float64) string { return Pct(x, 1) }), "+1.5%"},
		{Signed(math.Inf(1), USD), "n/a"},
		{Ratio(1.0449), "1.04"},
		{Seconds(7.25), "7.2s"},
		{Plural(1, "loan"), "1 loan"},
		{Plural(1000, "loan"), "1,000 loans"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
