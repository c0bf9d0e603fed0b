package report

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// randomLossStats returns the figures of a loss distribution of a random
// shape: a bulk, a tail of random weight, figures in their usual order
// (EL < VaR 99% <= ES 99%, VaR 99.9% <= ES 99.9%) and random tail
// statuses, over a histogram from the smallest to the largest loss.
func randomLossStats(rng *rand.Rand) risk.LossStats {
	scale := math.Pow(10, 4+6*rng.Float64()) // $10k to $10B
	lo := scale * rng.Float64()
	el := lo + scale*(0.2+rng.Float64())
	spread := scale * (0.05 + 3*rng.Float64())
	var99 := el + spread*rng.Float64()
	es99 := var99 + spread*0.5*rng.Float64()
	var999 := var99 + spread*rng.Float64()
	es999 := max(var999, es99) + spread*0.7*rng.Float64()
	hi := es999 + spread*rng.Float64()
	if rng.IntN(4) == 0 {
		// The largest loss is the 99.9% figures themselves.
		hi = es999
	}
	statuses := []risk.TailStatus{risk.TailReliable, risk.TailIndicative, risk.TailInsufficient}
	ls := risk.LossStats{
		ExpectedLoss: el, ExpectedLossCI: risk.Interval{el * 0.98, el * 1.02},
		VaR99: var99, ES99: es99, VaR999: var999, ES999: es999,
		VaR99CI: risk.Interval{var99 * 0.95, var99 * 1.05}, ES99CI: risk.Interval{es99 * 0.95, es99 * 1.05},
		Tail99: statuses[rng.IntN(2)], Tail999: statuses[rng.IntN(3)],
	}
	ls.Histogram = risk.Histogram{MinUSD: lo, BinWidthUSD: (hi - lo) / 40, Counts: make([]int64, 40)}
	for i := range ls.Histogram.Counts {
		ls.Histogram.Counts[i] = 1
	}
	return ls
}

func TestLossMarkerLabels(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(12, 7))
	const runs = 1500
	crossed := 0
	for n := range runs {
		ls := randomLossStats(rng)
		xs := lossXScale(ls.Histogram)
		ms := placeLossMarkers(ls, xs)
		rows := map[int]bool{}
		for i, m := range ms {
			p := m.place
			// Labels never overlap: one label to a row, rows the same
			// height apart, so no two text boxes share a line.
			if rows[p.row] {
				t.Fatalf("case %d: two labels in row %d", n, p.row)
			}
			rows[p.row] = true
			// Always within the chart.
			if p.x0 < 0 || p.x1 > lossWidth {
				t.Errorf("case %d: %q spans %.1f to %.1f, outside 0 to %d", n, m.text, p.x0, p.x1, lossWidth)
			}
			// Beside its own line, labelGap from it.
			if d := math.Min(math.Abs(p.x0-m.x), math.Abs(p.x1-m.x)); math.Abs(d-labelGap) > 1e-9 {
				t.Errorf("case %d: %q is %.2f from its line", n, m.text, d)
			}
			// In the label rows, above the plot.
			if m.labelY+6 > lossTop {
				t.Errorf("case %d: %q at y %.1f reaches into the plot (top %d)", n, m.text, m.labelY, lossTop)
			}
			// Nearest its own line: no other line runs through its row
			// within labelPad of the text.
			for j, o := range ms {
				if j != i && o.place.row < p.row && o.x >= p.x0-labelPad && o.x <= p.x1+labelPad {
					if math.Abs(o.x-m.x) > 2*labelPad {
						crossed++
						if testing.Verbose() {
							t.Logf("case %d: the %s line (x %.1f) runs through the label %q (%.1f to %.1f)", n, o.key, o.x, m.text, p.x0, p.x1)
						}
					}
				}
			}
		}
		// Not-reported figures are not marked at all.
		for _, m := range ms {
			if strings.Contains(m.key, "99") {
				st := ls.Tail99
				if strings.Contains(m.key, "999") {
					st = ls.Tail999
				}
				if !st.Reported() {
					t.Errorf("case %d: %s is marked though not reported", n, m.key)
				}
			}
		}
	}
	// When every label is as wide as "ES 99.9% † $37,064,912,988" and the
	// five lines sit within one label's width of each other across the
	// whole chart, no arrangement keeps every line clear of every label
	// (one label to a row); the label's white halo then keeps it legible
	// over the line. That is rare: allow 1 chart in 500.
	if crossed > runs/500 {
		t.Errorf("%d of %d random charts have a line through another figure's label", crossed, runs)
	}
}

func TestPlaceLabelsCases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		specs []labelSpec
		left  []bool // want: label on the left of its line
	}{
		{"a lone label near the left edge reads to the right", []labelSpec{{70, 150}}, []bool{false}},
		{"a lone label near the right edge turns to the left", []labelSpec{{740, 150}}, []bool{true}},
		{"labels far apart both read to the right", []labelSpec{{100, 120}, {400, 120}}, []bool{false, false}},
		{"close labels near the right edge both turn left, stacked from the right", []labelSpec{{700, 150}, {720, 150}}, []bool{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := placeLabels(tc.specs, 2, 758)
			for i, p := range ps {
				if p.left != tc.left[i] {
					t.Errorf("label %d: left = %v, want %v (%+v)", i, p.left, tc.left[i], ps)
				}
				if p.x0 < 2 || p.x1 > 758 {
					t.Errorf("label %d spans %.1f to %.1f", i, p.x0, p.x1)
				}
				if n := linesThrough(tc.specs, ps, i); n != 0 {
					t.Errorf("label %d is crossed by %d lines (%+v)", i, n, ps)
				}
			}
		})
	}
}

func TestPDBarsAreLabelledAndSmallValuesShow(t *testing.T) {
	t.Parallel()
	var groups []barGroup
	for i := range 10 {
		groups = append(groups, barGroup{label: "grade_" + string(rune('1'+i)), baseline: 0.0004 * float64(i), stressed: 0.09 + 0.04*float64(i)})
	}
	svg := pdBarChart("g", "t", "grade", groups, 0.08)
	for _, g := range groups {
		for _, v := range []float64{g.baseline, g.stressed} {
			if !strings.Contains(svg, ">"+formatPct(v, 2)+"</text>") {
				t.Errorf("no label %q over the bar of %v", formatPct(v, 2), v)
			}
		}
	}
	// A PD of 0.04% is a bar, not nothing; a PD of 0 has no height.
	if !strings.Contains(svg, `height="1.5"`) {
		t.Error("the smallest non-zero bar is not drawn at least 1.5 tall")
	}
	if !strings.Contains(svg, `>0.00%</text>`) {
		t.Error("a zero PD is not labelled 0.00%")
	}
}
