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
// lines at 1.00 (no change) and at the mean. No bar is ever cut: when one
// bar (in practice the fixed-rate loans, all at 1.00) is over three times
// the next tallest, the count axis is logarithmic, so that bar is drawn
// whole and the spread of the variable-rate loans stays visible beside it;
// the tallest bar is labelled with its count either way. Bars holding any
// loan are at least 1.5 units tall.
func shockChart(s risk.ShockReport) string {
	last := len(s.Edges) - 1
	ax := newShockAxis(s.Edges, s.Counts[0] > 0)
	ys := newShockYScale(s.Counts)
	plotBottom := float64(shockHeight - shockBottom)

	desc := fmt.Sprintf("Histogram of %s by peak payment ratio: the highest monthly payment over the horizon divided by today's payment, averaged over the scenarios (1.00 for a fixed-rate loan). "+
		"Bins of %s from %s to %s, with loans at or above %s in one bar at the right",
		plural(s.Loans, "loan"), formatRatio(s.Edges[1]-s.Edges[0]), formatRatio(s.Edges[0]), formatRatio(s.Edges[last]), formatRatio(s.Edges[last]))
	if ax.hasUnderflow {
		desc += fmt.Sprintf(" and loans below %s in one bar at the left", formatRatio(s.Edges[0]))
	}
	desc += fmt.Sprintf(". Vertical lines mark a ratio of 1.00 (no change) and the mean, %s.", formatRatio(s.Mean))
	if ys.log {
		desc += " The count axis is logarithmic (1, 10, 100, ...) because one bar holds over three times as many loans as any other; every bar is drawn whole."
	}
	for _, a := range s.Above {
		desc += fmt.Sprintf(" %s of loans are at or above %s.", formatPct(a.Share, 1), formatRatio(a.Ratio))
	}
	desc += " The table below the chart lists every bin."

	var w svgWriter
	w.open("shock-chart", "Distribution of peak payment shocks over loans", desc, shockWidth, shockHeight)
	for _, t := range ys.ticks() {
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
	yLabel := "Loans"
	if ys.log {
		yLabel = "Loans (log scale)"
	}
	w.vtext(16, (shockTop+plotBottom)/2, "axis-label", yLabel)

	gap := 0.0
	if ax.slot > 3 {
		gap = 1
	}
	type drawn struct {
		x float64
		c int64
	}
	var bars []drawn
	bar := func(x float64, c int64, tip string) {
		height := plotBottom - ys.at(float64(c))
		if c > 0 {
			height = max(height, 1.5)
		}
		w.rect(x, plotBottom-height, ax.slot-gap, height, "bar", tip+": "+plural(c, "loan"))
		bars = append(bars, drawn{x, c})
	}
	if ax.hasUnderflow {
		bar(ax.underflowX, s.Counts[0], "below "+formatRatio(s.Edges[0]))
	}
	for i := range last {
		bar(ax.x0+float64(i)*ax.slot, s.Counts[i+1], formatRatio(s.Edges[i])+" to "+formatRatio(s.Edges[i+1]))
	}
	bar(ax.overflowX, s.Counts[last+1], formatRatio(s.Edges[last])+" and above")
	w.line(shockLeft, plotBottom, shockWidth-shockRight, plotBottom, `class="axis"`)

	markers := []struct {
		key, label, class string
		value             float64
	}{
		{"no_change", "No change 1.00", "m-one", 1},
		{"mean", "Mean " + formatRatio(s.Mean), "m-mean", s.Mean},
	}
	var specs []labelSpec
	var lines []float64
	for _, m := range markers {
		if finite(m.value) {
			specs = append(specs, labelSpec{ax.at(m.value), textWidth(m.label, lossLabelSize)})
			lines = append(lines, ax.at(m.value))
		}
	}
	places := placeLabels(specs, 2, shockWidth-2)
	k := 0
	for _, m := range markers {
		if !finite(m.value) {
			continue
		}
		p := places[k]
		labelY := float64(12 + (shockMarkers-len(specs)+p.row)*shockRowHeight + 11)
		w.marker(specs[k].x, labelY, plotBottom, p, m.class, m.key, m.label)
		k++
	}

	// The tallest bar's count, above it, clear of the marker lines.
	tallest := drawn{c: -1}
	for _, b := range bars {
		if b.c > tallest.c {
			tallest = b
		}
	}
	if tallest.c > 0 {
		label := formatInt(tallest.c)
		lx, ly, anchor := shockCountLabel(tallest.x+(ax.slot-gap)/2, ys.at(float64(tallest.c)), textWidth(label, 10), lines)
		w.text(lx, ly, anchor, "value count", label)
	}
	w.close()
	return w.String()
}

// shockCountLabel places the tallest bar's count: centred 4 units above
// the bar's top at (cx, top), moved right of any marker line it would
// cross, and kept inside the plot. It returns the anchor point and
// text-anchor.
func shockCountLabel(cx, top, width float64, lines []float64) (x, y float64, anchor string) {
	y = top - 4
	x0 := cx - width/2
	for moved := true; moved; {
		moved = false
		for _, l := range lines {
			if l >= x0-2 && l <= x0+width+2 {
				x0, moved = l+labelGap, true
			}
		}
	}
	x0 = min(max(x0, shockLeft+2), shockWidth-shockRight-width)
	return x0, y, "start"
}

// shockYScale is the count axis of the payment-shock chart: linear from 0,
// or logarithmic from 1 when one bar dwarfs the others.
type shockYScale struct {
	log  bool
	top  float64 // the axis' top count
	step float64 // linear: the tick step
}

// newShockYScale picks the axis: logarithmic when the tallest bar holds
// over three times the next tallest (the fixed-rate loans at 1.00 would
// otherwise flatten the variable-rate loans' spread to slivers), linear
// otherwise. The top leaves room above the tallest bar for its count.
func newShockYScale(counts []int64) shockYScale {
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
		return shockYScale{log: true, top: math.Pow(10, math.Ceil(math.Log10(float64(first)*1.5)))}
	}
	step := max(1, niceStep(float64(first)*1.08, 4))
	return shockYScale{step: step, top: math.Max(step, math.Ceil(float64(first)*1.08/step)*step)}
}

// at maps a count to y.
func (s shockYScale) at(c float64) float64 {
	plotBottom := float64(shockHeight - shockBottom)
	if !s.log {
		return linearScale{0, s.top, plotBottom, shockTop}.at(c)
	}
	if c < 1 {
		return plotBottom
	}
	return linearScale{0, math.Log10(s.top), plotBottom, shockTop}.at(math.Log10(c))
}

// ticks are the counts with a grid line: powers of ten on a log axis.
func (s shockYScale) ticks() []float64 {
	if !s.log {
		return ticks(0, s.top, s.step)
	}
	var out []float64
	for t := 1.0; t <= s.top*1.0000001; t *= 10 {
		out = append(out, t)
	}
	return out
}
