package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// shockShareRow is one threshold of the payment-shock exceedance table.
type shockShareRow struct{ Label, Loans, Share string }

// shockSegRow is one segment of the payment-shock table, already formatted.
type shockSegRow struct {
	Name, Loans, Mean, Worst string
	Above                    []string
}

// shockView is the payment-shock section of the page.
type shockView struct {
	// Note replaces the chart and tables when there is nothing to draw.
	Note       string
	Loans      string
	Mean       string
	Worst      string
	Bins       []binRow
	Thresholds []string // column heads of the segment table
	Above      []shockShareRow
	Segments   []shockSegRow
	// Summary is one sentence for the Markdown report.
	Summary string

	stats risk.ShockReport
}

// formatRatio writes a payment ratio with two decimals ("1.25").
func formatRatio(x float64) string {
	if !finite(x) {
		return notAvailable
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// shockDrawable reports whether the payment-shock histogram is complete and
// sane: edges increasing, one count more than bins plus the overflow, no
// negative count.
func shockDrawable(s risk.ShockReport) bool {
	if len(s.Edges) < 2 || len(s.Counts) != len(s.Edges)+1 {
		return false
	}
	for i, e := range s.Edges {
		if !finite(e) || (i > 0 && e <= s.Edges[i-1]) {
			return false
		}
	}
	for _, c := range s.Counts {
		if c < 0 {
			return false
		}
	}
	return true
}

func newShockView(s risk.ShockReport) shockView {
	v := shockView{stats: s}
	switch {
	case s.Loans == 0:
		v.Note = "The report holds no payment shocks: no loan was evaluated, or the run predates the payment-shock histogram."
		return v
	case !shockDrawable(s):
		v.Note = "The payment-shock histogram is malformed (its bins and counts do not match, or a count is negative) and is not drawn."
		return v
	}
	v.Loans, v.Mean, v.Worst = formatInt(s.Loans), formatRatio(s.Mean), formatRatio(s.MeanWorst)
	share := func(n int64) string { return formatPct(float64(n)/float64(s.Loans), 1) }
	last := len(s.Edges) - 1
	if c := s.Counts[0]; c > 0 {
		v.Bins = append(v.Bins, binRow{"", "below " + formatRatio(s.Edges[0]), formatInt(c), share(c)})
	}
	for i := range last {
		c := s.Counts[i+1]
		v.Bins = append(v.Bins, binRow{formatRatio(s.Edges[i]), formatRatio(s.Edges[i+1]), formatInt(c), share(c)})
	}
	c := s.Counts[last+1]
	v.Bins = append(v.Bins, binRow{formatRatio(s.Edges[last]), "and above", formatInt(c), share(c)})

	summary := fmt.Sprintf("Payment shock (peak monthly payment over today's, mean over scenarios) across %s: mean %s", plural(s.Loans, "loan"), v.Mean)
	for _, a := range s.Above {
		label := "≥ " + formatRatio(a.Ratio)
		v.Thresholds = append(v.Thresholds, label)
		v.Above = append(v.Above, shockShareRow{
			Label: "Payment up " + formatPct(a.Ratio-1, 0) + " or more (ratio " + label + ")",
			Loans: formatInt(a.Loans), Share: formatPct(a.Share, 1),
		})
		summary += fmt.Sprintf("; %s at or above %s", formatPct(a.Share, 1), formatRatio(a.Ratio))
	}
	v.Summary = summary + "."
	for _, seg := range s.Segments {
		row := shockSegRow{Name: humanise(string(seg.Segment)), Loans: formatInt(seg.Loans), Mean: formatRatio(seg.Mean), Worst: formatRatio(seg.MeanWorst)}
		for _, a := range seg.Above {
			row.Above = append(row.Above, formatPct(a.Share, 1))
		}
		v.Segments = append(v.Segments, row)
	}
	return v
}

// Geometry of the payment-shock histogram, in SVG user units.
const (
	shockWidth       = 760
	shockHeight      = 340
	shockLeft        = 64
	shockRight       = 20
	shockBottom      = 46
	shockRowHeight   = 15
	shockMarkers     = 2
	shockTop         = 12 + shockMarkers*shockRowHeight + 8
	shockOverflowGap = 0.5 // in bins, between the regular bins and the overflow bin
)

// shockAxis places the payment-shock bars: one slot per regular bin between
// the first and last edge, the overflow bin half a slot to their right and,
// when any loan is below the first edge, an underflow bin half a slot to
// their left.
type shockAxis struct {
	edges        []float64
	x0, slot     float64 // left of the first regular bin, width of a bin
	underflowX   float64 // left of the underflow bar (when drawn)
	overflowX    float64 // left of the overflow bar
	hasUnderflow bool
}

func newShockAxis(edges []float64, underflow bool) shockAxis {
	regular := float64(len(edges) - 1)
	units := regular + shockOverflowGap + 1
	if underflow {
		units += 1 + shockOverflowGap
	}
	a := shockAxis{edges: edges, hasUnderflow: underflow}
	a.slot = float64(shockWidth-shockLeft-shockRight) / units
	a.underflowX = shockLeft
	a.x0 = shockLeft
	if underflow {
		a.x0 += (1 + shockOverflowGap) * a.slot
	}
	a.overflowX = a.x0 + (regular+shockOverflowGap)*a.slot
	return a
}

// at maps a ratio to x: linearly within its regular bin, to the middle of
// the underflow or overflow bar outside the edges.
func (a shockAxis) at(r float64) float64 {
	last := len(a.edges) - 1
	switch {
	case !finite(r):
		return a.x0
	case r < a.edges[0]:
		if a.hasUnderflow {
			return a.underflowX + a.slot/2
		}
		return a.x0
	case r >= a.edges[last]:
		return a.overflowX + a.slot/2
	}
	k := 0
	for k < last-1 && r >= a.edges[k+1] {
		k++
	}
	frac := (r - a.edges[k]) / (a.edges[k+1] - a.edges[k])
	return a.x0 + float64((float64(k)+frac)*a.slot)
}

// shockChart draws the histogram of the loans' peak payment ratios, with
// lines at 1.00 (no change) and at the mean. Bars holding any loan are at
// least 1.5 units tall: the fixed-rate loans, all at 1.00, would otherwise
// flatten the tail of the variable-rate loans to nothing.
func shockChart(s risk.ShockReport) string {
	last := len(s.Edges) - 1
	ax := newShockAxis(s.Edges, s.Counts[0] > 0)
	yMax, clipped := shockYMax(s.Counts)
	yStep := max(1, niceStep(float64(yMax), 4))
	yTop := math.Max(yStep, math.Ceil(float64(yMax)/yStep)*yStep)
	plotBottom := float64(shockHeight - shockBottom)
	ys := linearScale{0, yTop, plotBottom, shockTop}

	desc := fmt.Sprintf("Histogram of %s by peak payment ratio: the highest monthly payment over the horizon divided by today's payment, averaged over the scenarios (1.00 for a fixed-rate loan). "+
		"Bins of %s from %s to %s, with loans at or above %s in one bar at the right",
		plural(s.Loans, "loan"), formatRatio(s.Edges[1]-s.Edges[0]), formatRatio(s.Edges[0]), formatRatio(s.Edges[last]), formatRatio(s.Edges[last]))
	if ax.hasUnderflow {
		desc += fmt.Sprintf(" and loans below %s in one bar at the left", formatRatio(s.Edges[0]))
	}
	desc += fmt.Sprintf(". Vertical lines mark a ratio of 1.00 (no change) and the mean, %s.", formatRatio(s.Mean))
	if clipped {
		desc += fmt.Sprintf(" The vertical axis stops at %s loans so the spread stays visible; taller bars are cut at the top, marked with a break and labelled with their count.", formatInt(int64(yTop)))
	}
	for _, a := range s.Above {
		desc += fmt.Sprintf(" %s of loans are at or above %s.", formatPct(a.Share, 1), formatRatio(a.Ratio))
	}
	desc += " The table below the chart lists every bin."

	var w svgWriter
	w.open("shock-chart", "Distribution of peak payment shocks over loans", desc, shockWidth, shockHeight)
	for _, t := range ticks(0, yTop, yStep) {
		y := ys.at(t)
		w.line(shockLeft, y, shockWidth-shockRight, y, `class="grid"`)
		w.text(shockLeft-6, y+4, "end", "tick", formatInt(int64(t)))
	}
	for i, e := range s.Edges {
		// Every fifth edge (1.00, 1.25, ... with the default bins); the
		// last edge is named by the overflow bar's "≥" label beside it.
		if i%5 != 0 || i == last {
			continue
		}
		x := ax.x0 + float64(i)*ax.slot
		w.line(x, plotBottom, x, plotBottom+5, `class="axis"`)
		w.text(x, plotBottom+18, "middle", "tick", formatRatio(e))
	}
	w.text(ax.overflowX+ax.slot/2, plotBottom+18, "middle", "tick", "≥"+formatRatio(s.Edges[last]))
	if ax.hasUnderflow {
		w.text(ax.underflowX+ax.slot/2, plotBottom+18, "middle", "tick", "<"+formatRatio(s.Edges[0]))
	}
	w.text((shockLeft+shockWidth-shockRight)/2, shockHeight-8, "middle", "axis-label", "Peak payment ÷ today's payment")
	w.vtext(16, (shockTop+plotBottom)/2, "axis-label", "Loans")

	bar := func(x float64, c int64, tip string) {
		height := plotBottom - ys.at(float64(c))
		if c > 0 {
			height = max(height, 1.5)
		}
		gap := 0.0
		if ax.slot > 3 {
			gap = 1
		}
		w.rect(x, plotBottom-height, ax.slot-gap, height, "bar", tip+": "+plural(c, "loan"))
		if float64(c) > yTop {
			// A cut bar: a white break near the top and its count above.
			w.rect(x-1, shockTop+6, ax.slot-gap+2, 3, "break", "")
			w.text(x+(ax.slot-gap)/2, shockTop-3, "start", "value", formatInt(c))
		}
	}
	if ax.hasUnderflow {
		bar(ax.underflowX, s.Counts[0], "below "+formatRatio(s.Edges[0]))
	}
	for i := range last {
		bar(ax.x0+float64(i)*ax.slot, s.Counts[i+1], formatRatio(s.Edges[i])+" to "+formatRatio(s.Edges[i+1]))
	}
	bar(ax.overflowX, s.Counts[last+1], formatRatio(s.Edges[last])+" and above")
	w.line(shockLeft, plotBottom, shockWidth-shockRight, plotBottom, `class="axis"`)

	for row, m := range []struct {
		key, label, class string
		value             float64
	}{
		{"no_change", "No change 1.00", "m-one", 1},
		{"mean", "Mean " + formatRatio(s.Mean), "m-mean", s.Mean},
	} {
		if !finite(m.value) {
			continue
		}
		x := ax.at(m.value)
		labelY := float64(12 + row*shockRowHeight + 11)
		w.marker(x, labelY, plotBottom, shockLeft+0.6*(shockWidth-shockLeft-shockRight), m.class, m.key, m.label)
	}
	w.close()
	return w.String()
}

// shockYMax is the count the vertical axis must reach. When one bar (in
// practice the fixed-rate loans at 1.00) is over three times the next
// tallest, the axis stops a little above the next tallest instead and the
// tall bar is cut, or the spread of the variable-rate loans would be a row
// of slivers.
func shockYMax(counts []int64) (yMax int64, clipped bool) {
	var first, second int64
	for _, c := range counts {
		switch {
		case c > first:
			first, second = c, first
		case c > second:
			second = c
		}
	}
	if second > 0 && first > 3*second {
		return second + second/5, true
	}
	return first, false
}
