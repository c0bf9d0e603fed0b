package report

import (
	"math"
	"slices"
	"testing"
)

func TestFormatUSD(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "$0.00"},
		{0.004, "$0.00"},
		{-0.004, "$0.00"},
		{12.345, "$12.35"},
		{999.99, "$999.99"},
		{1000, "$1,000"},
		{1234567.5, "$1,234,568"},
		{12345678901.23, "$12,345,678,901"},
		{-1234.4, "-$1,234"},
		{math.NaN(), "n/a"},
		{math.Inf(1), "n/a"},
	} {
		if got := formatUSD(tc.in); got != tc.want {
			t.Errorf("formatUSD(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatUSDCompact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "$0"}, {950, "$950"}, {12500, "$12.5k"}, {1.2e6, "$1.2M"}, {3e9, "$3B"}, {-2500, "-$2.5k"}, {math.NaN(), "n/a"},
	} {
		if got := formatUSDCompact(tc.in); got != tc.want {
			t.Errorf("formatUSDCompact(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatPct(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in       float64
		decimals int
		want     string
	}{
		{0.0653, 2, "6.53%"},
		{0.08, 2, "8.00%"},
		{0.000301, 3, "0.030%"},
		{0, 3, "0.000%"},
		{-0.0000001, 2, ">-0.01%"},
		{0.0000001, 3, "<0.001%"},
		{0.0000001, 0, "<1%"},
		{1, 0, "100%"},
		{math.NaN(), 2, "n/a"},
	} {
		if got := formatPct(tc.in, tc.decimals); got != tc.want {
			t.Errorf("formatPct(%v, %d) = %q, want %q", tc.in, tc.decimals, got, tc.want)
		}
	}
}

func TestFormatPP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0.016, "+1.600 pp"}, {-0.0005, "-0.050 pp"}, {0, "0.000 pp"}, {-0.0000001, "0.000 pp"}, {math.Inf(-1), "n/a"},
	} {
		if got := formatPP(tc.in, 3); got != tc.want {
			t.Errorf("formatPP(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatIntGroupsThousands(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100_000: "100,000", 1_234_567: "1,234,567", -12_345: "-12,345"} {
		if got := formatInt(in); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestCoordIsNeverNaN(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{1.005: "1", 12.5: "12.5", -0.001: "0", 300: "300", math.NaN(): "0", math.Inf(1): "0"} {
		if got := coord(in); got != want {
			t.Errorf("coord(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestWrapWordsKeepsLinesShort(t *testing.T) {
	t.Parallel()
	got := wrapWords("Commercial real estate", 14)
	if want := []string{"Commercial", "real estate"}; !slices.Equal(got, want) {
		t.Errorf("wrapWords = %q, want %q", got, want)
	}
	if got := wrapWords("Extraordinarilylongword x", 5); !slices.Equal(got, []string{"Extraordinarilylongword", "x"}) {
		t.Errorf("a long word does not keep its own line: %q", got)
	}
}

func TestLinearScale(t *testing.T) {
	t.Parallel()
	s := linearScale{0, 400, 64, 740}
	for in, want := range map[float64]float64{0: 64, 100: 233, 400: 740, -5: 64, 500: 740, math.NaN(): 64} {
		if got := s.at(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("at(%v) = %v, want %v", in, got, want)
		}
	}
	inverted := linearScale{0, 10, 300, 100} // y grows downward in SVG
	if got := inverted.at(5); got != 200 {
		t.Errorf("inverted scale at(5) = %v, want 200", got)
	}
	if got := (linearScale{3, 3, 10, 20}).at(3); got != 10 {
		t.Errorf("an empty domain maps to %v, want the range start 10", got)
	}
}

func TestNiceStepAndTicks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		span float64
		n    int
		want float64
	}{
		{190, 4, 50}, {3.4e9, 6, 1e9}, {0.168, 5, 0.05}, {0.039, 5, 0.01}, {1, 4, 0.5}, {0, 4, 1}, {math.NaN(), 4, 1},
	} {
		if got := niceStep(tc.span, tc.n); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("niceStep(%v, %d) = %v, want %v", tc.span, tc.n, got, tc.want)
		}
	}
	if got := ticks(0, 200, 50); !slices.Equal(got, []float64{0, 50, 100, 150, 200}) {
		t.Errorf("ticks(0, 200, 50) = %v", got)
	}
	if got := ticks(1e9+1, 1e9+3e5, 1e5); !slices.Equal(got, []float64{1e9 + 1e5, 1e9 + 2e5, 1e9 + 3e5}) {
		t.Errorf("ticks far from zero = %v", got)
	}
	if got := ticks(0, 1, 0); got != nil {
		t.Errorf("a zero step gives ticks %v", got)
	}
}
