package report

import (
	"bytes"
	"math"
	"strconv"
	"testing"

	"golang.org/x/net/html"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// shockBars returns the bars of the payment-shock chart, left to right,
// with their x, width and height.
func shockBars(t *testing.T, page []byte) [][3]float64 {
	t.Helper()
	var bars [][3]float64
	walk(t, chartSVG(t, page, "shock-chart"), func(n *html.Node) {
		if class, _ := attr(n, "class"); n.Data != "rect" || class != "bar" {
			return
		}
		var b [3]float64
		for i, k := range []string{"x", "width", "height"} {
			v, _ := attr(n, k)
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("bar %s %q: %v", k, v, err)
			}
			b[i] = f
		}
		bars = append(bars, b)
	})
	return bars
}

func TestShockChartDrawsEveryBinAndMarksOneAndTheMean(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	page, err := HTML(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	s := r.PaymentShock
	bars := shockBars(t, page)
	// No loan below 1.00 in the fixture: 30 regular bins and the overflow.
	if s.Counts[0] != 0 || len(bars) != len(s.Counts)-1 {
		t.Fatalf("%d bars for %d bins (underflow %d)", len(bars), len(s.Counts), s.Counts[0])
	}
	// Independent of the axis code: 30 bins, half a bin of gap and the
	// overflow bin share the plot width.
	slot := float64(shockWidth-shockLeft-shockRight) / 31.5
	for i, b := range bars[:len(bars)-1] {
		if want := shockLeft + float64(i)*slot; math.Abs(b[0]-want) > 0.006 {
			t.Errorf("bar %d at x %v, want %v", i, b[0], want)
		}
	}
	if want := shockLeft + 30.5*slot; math.Abs(bars[len(bars)-1][0]-want) > 0.006 {
		t.Errorf("overflow bar at %v, want %v", bars[len(bars)-1][0], want)
	}
	t.Run("the tall fixed-rate bar is drawn whole on a log axis and labelled with its count", func(t *testing.T) {
		if bytes.Contains(page, []byte(`class="break"`)) {
			t.Error("a bar is still cut")
		}
		if !bytes.Contains(page, []byte(`class="value count">299,400</text>`)) || !bytes.Contains(page, []byte("Loans (log scale)")) {
			t.Error("the tallest bar has no count label, or the axis does not say it is logarithmic")
		}
		// Heights are in proportion to log10(count): the 299,400 bar and
		// the 28,000 one fix the scale, every other bar must fit it.
		plotBottom := float64(shockHeight - shockBottom)
		perDecade := (bars[0][2] - bars[5][2]) / (math.Log10(299400) - math.Log10(28000))
		if top := plotBottom - bars[0][2]; top < shockTop {
			t.Errorf("the tallest bar reaches y %v, above the plot's top %v", top, float64(shockTop))
		}
		for i, b := range bars[1:] {
			c := s.Counts[i+2]
			if c > 1 && math.Abs(b[2]-perDecade*math.Log10(float64(c))) > 0.05 {
				t.Errorf("bin %d: height %v, want %v for %d loans", i+1, b[2], perDecade*math.Log10(float64(c)), c)
			}
			if c > 0 && b[2] < 1.5 {
				t.Errorf("bin %d holds %d loans but is %v tall", i+1, c, b[2])
			}
		}
	})
	t.Run("a histogram without a dominant bar keeps a linear axis from zero", func(t *testing.T) {
		ys := newShockYScale([]int64{0, 100, 80, 60, 0})
		if ys.log || ys.ticks()[0] != 0 || ys.top < 100*1.05 {
			t.Errorf("scale %+v, ticks %v", ys, ys.ticks())
		}
	})
	t.Run("lines mark no change and the mean at their ratios", func(t *testing.T) {
		for measure, want := range map[string]float64{
			"no_change": shockLeft,
			"mean":      shockLeft + (s.Mean-1)/0.05*slot,
		} {
			x, ok := markerX(t, page, measure)
			if !ok || math.Abs(x-want) > 0.006 {
				t.Errorf("%s line at %v (found %v), want %v", measure, x, ok, want)
			}
		}
	})
	t.Run("the shares above the thresholds and the per-segment means are tabled", func(t *testing.T) {
		for _, want := range []string{"Payment up 10% or more (ratio ≥ 1.10)", "38.3%", "Mean in worst scenario", ">1.03<", "2.50</td><td class=\"num\">and above"} {
			if !bytes.Contains(page, []byte(html.EscapeString(want))) && !bytes.Contains(page, []byte(want)) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
}

func TestShockChartEdgeCases(t *testing.T) {
	t.Parallel()
	under := fixtureReport()
	under.PaymentShock = risk.ShockReport{Edges: risk.ShockEdges, ShockStats: fixtureShock(append([]int64{7, 10}, make([]int64, 30)...), 0.8, 1)}
	none := fixtureReport()
	none.PaymentShock = risk.ShockReport{}
	bad := fixtureReport()
	bad.PaymentShock.Counts = bad.PaymentShock.Counts[:5]
	for _, tc := range []struct {
		name   string
		r      risk.Report
		chart  bool
		bars   int
		want   string
		lacks  string
		marker string
	}{
		{"loans below 1.00 get a bar of their own at the left", under, true, 32, "&lt;1.00", "", "mean"},
		{"a report without payment shocks says so", none, false, 0, "The report holds no payment shocks", "Payment up", ""},
		{"a histogram whose counts do not match its bins is not drawn", bad, false, 0, "payment-shock histogram is malformed", "Payment up", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(tc.r, fixtureMeta())
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, out.HTML)
			if got := bytes.Contains(out.HTML, []byte(`id="shock-chart"`)); got != tc.chart {
				t.Fatalf("shock chart drawn = %v, want %v", got, tc.chart)
			}
			if !bytes.Contains(out.HTML, []byte(tc.want)) {
				t.Errorf("page lacks %q", tc.want)
			}
			if tc.lacks != "" && bytes.Contains(out.HTML, []byte(tc.lacks)) {
				t.Errorf("page shows %q", tc.lacks)
			}
			if tc.chart {
				if n := len(shockBars(t, out.HTML)); n != tc.bars {
					t.Errorf("%d bars, want %d", n, tc.bars)
				}
				// The mean below 1.00 sits on the underflow bar.
				slot := float64(shockWidth-shockLeft-shockRight) / 33
				if x, ok := markerX(t, out.HTML, tc.marker); !ok || math.Abs(x-(shockLeft+slot/2)) > 0.006 {
					t.Errorf("mean line at %v (found %v), want the underflow bar's middle %v", x, ok, shockLeft+slot/2)
				}
			}
		})
	}
}

func TestOpenEndedVaRIntervalsAreMarked(t *testing.T) {
	t.Parallel()
	open := fixtureReport()
	open.Portfolio.VaR99CIExact = false
	for _, tc := range []struct {
		name string
		r    risk.Report
		open bool
	}{
		{"an interval open above is marked and explained", open, true},
		{"exact intervals carry no mark", fixtureReport(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(tc.r, fixtureMeta())
			if err != nil {
				t.Fatal(err)
			}
			for _, page := range [][]byte{out.HTML, out.Markdown} {
				// The VaR 99.9% row and the note (and the chart caption).
				if got := bytes.Count(page, []byte("‡")); (got >= 2) != tc.open || (got == 0) == tc.open {
					t.Errorf("page has %d ‡ marks, want open = %v", got, tc.open)
				}
				if got := bytes.Contains(page, []byte("largest simulated loss")); got != tc.open {
					t.Errorf("page explains an open interval = %v, want %v", got, tc.open)
				}
			}
			if tc.open && !bytes.Contains(out.HTML, []byte("$1,543,209,863 ‡</td>")) {
				t.Error("the VaR 99% interval is not the one marked")
			}
		})
	}
}
