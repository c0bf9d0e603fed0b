package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Geometry of the loss histogram, in SVG user units. The marker labels sit
// in rows above the plot, one row per marker, so they never overlap however
// close the figures are.
const (
	lossWidth       = 760
	lossHeight      = 380
	lossLeft        = 64
	lossRight       = 20
	lossRowHeight   = 15
	lossBottom      = 46
	lossMarkerCount = 5
	lossTop         = 12 + lossMarkerCount*lossRowHeight + 8
)

// lossMarker is one labelled vertical line on the loss histogram.
type lossMarker struct {
	key, label, class string
	value             float64
	ci                risk.Interval
}

// lossMarkers are the figures the loss histogram marks, in label-row
// order; a tail figure that is not reported is marked nowhere (its row
// stays empty), an indicative one carries the mark.
func lossMarkers(ls risk.LossStats) []lossMarker {
	t99, t999 := status(ls.Tail99), status(ls.Tail999)
	ms := []lossMarker{
		{"expected_loss", "Expected loss", "m-el", ls.ExpectedLoss, ls.ExpectedLossCI},
		{"var_99", "VaR 99%" + mark(t99), "m-var99", ls.VaR99, ls.VaR99CI},
		{"es_99", "ES 99%" + mark(t99), "m-es99", ls.ES99, ls.ES99CI},
		{"var_999", "VaR 99.9%" + mark(t999), "m-var999", ls.VaR999, ls.VaR999CI},
		{"es_999", "ES 99.9%" + mark(t999), "m-es999", ls.ES999, ls.ES999CI},
	}
	if !t99.Reported() {
		ms[1].value, ms[2].value = math.NaN(), math.NaN()
	}
	if !t999.Reported() {
		ms[3].value, ms[4].value = math.NaN(), math.NaN()
	}
	return ms
}

// placedMarker is a loss marker with its label placed.
type placedMarker struct {
	lossMarker
	x, labelY float64
	text      string
	place     labelPlace
}

// lossLabelSize is the marker labels' font size (svg.chart text).
const lossLabelSize = 11

// placeLossMarkers places the labels of the figures the loss histogram
// marks (those reported) in the label rows above the plot, the rows
// nearest the plot first, so a label is never far from where its line
// meets the bars.
func placeLossMarkers(ls risk.LossStats, xs linearScale) []placedMarker {
	var ms []placedMarker
	var specs []labelSpec
	for _, m := range lossMarkers(ls) {
		if !finite(m.value) {
			continue
		}
		text := m.label + " " + formatUSD(m.value)
		pm := placedMarker{lossMarker: m, x: xs.at(m.value), text: text}
		ms = append(ms, pm)
		specs = append(specs, labelSpec{pm.x, textWidth(text, lossLabelSize)})
	}
	first := lossMarkerCount - len(ms)
	for i, p := range placeLabels(specs, 2, lossWidth-2) {
		ms[i].place = p
		ms[i].labelY = float64(12 + (first+p.row)*lossRowHeight + 11)
	}
	return ms
}

// lossXScale is the horizontal scale of the loss histogram: from the lower
// edge of the first bin holding any scenario to the top of the last bin (the
// largest scenario loss). risk's bins start at the smallest loss, so the
// first bin is normally the first one drawn; skipping leading empty bins
// still matters for histograms that start at $0 (written before risk
// binned from the smallest loss), where they would squeeze the
// distribution against the right edge. Every marked figure is at least the
// smallest loss, so none falls left of the axis.
func lossXScale(h risk.Histogram) linearScale {
	first := 0
	for first < len(h.Counts)-1 && h.Counts[first] == 0 {
		first++
	}
	return linearScale{h.Edge(first), h.Edge(len(h.Counts)), lossLeft, lossWidth - lossRight}
}

// histogramDrawable reports whether the histogram has a positive extent and
// sane counts; otherwise the page says why there is no chart.
func histogramDrawable(h risk.Histogram) bool {
	if len(h.Counts) == 0 || !finite(h.BinWidthUSD) || h.BinWidthUSD <= 0 || !finite(h.MinUSD) {
		return false
	}
	for _, c := range h.Counts {
		if c < 0 {
			return false
		}
	}
	return true
}

// lossChart draws the scenario loss histogram with expected loss, VaR and
// expected shortfall at 99% and 99.9% as labelled vertical lines. Bars
// holding any scenario are at least 1.5 units tall, so the thin tail that
// decides VaR stays visible beside the bulk.
func lossChart(ls risk.LossStats, scenarios int) string {
	h := ls.Histogram
	xs := lossXScale(h)
	// Bar heights: scenario counts, or under importance sampling each bin's
	// weighted probability (the counts over-represent the tail there).
	weighted := len(h.Probability) == len(h.Counts)
	heights := make([]float64, len(h.Counts))
	var maxHeight float64
	for i, c := range h.Counts {
		heights[i] = float64(c)
		if weighted {
			heights[i] = h.Probability[i]
		}
		if finite(heights[i]) {
			maxHeight = max(maxHeight, heights[i])
		}
	}
	yStep := niceStep(maxHeight, 4)
	if !weighted {
		yStep = max(1, yStep)
	}
	yTop := math.Max(yStep, math.Ceil(maxHeight/yStep-1e-9)*yStep)
	plotBottom := float64(lossHeight - lossBottom)
	ys := linearScale{0, yTop, plotBottom, lossTop}

	var w svgWriter
	t99, t999 := status(ls.Tail99), status(ls.Tail999)
	what := "Histogram"
	if weighted {
		what = "Likelihood-weighted histogram"
	}
	desc := fmt.Sprintf(what+" of the portfolio loss in %s scenarios, in bins of %s from %s to %s. "+
		"Vertical lines mark expected loss %s, VaR 99%% %s, expected shortfall 99%% %s, VaR 99.9%% %s and expected shortfall 99.9%% %s (figures not reported are not marked); a short horizontal bar under each label spans its 95%% interval. "+
		"The table below the chart lists every bin.",
		formatInt(int64(scenarios)), formatUSD(h.BinWidthUSD), formatUSD(xs.d0), formatUSD(xs.d1),
		formatUSD(ls.ExpectedLoss), tailUSD(t99, ls.VaR99), tailUSD(t99, ls.ES99), tailUSD(t999, ls.VaR999), tailUSD(t999, ls.ES999))
	w.open("loss-chart", "Portfolio loss distribution over scenarios", desc, lossWidth, lossHeight)

	for _, t := range ticks(0, yTop, yStep) {
		y := ys.at(t)
		w.line(lossLeft, y, lossWidth-lossRight, y, `class="grid"`)
		label := formatInt(int64(t))
		if weighted {
			label = formatPct(t, max(0, int(math.Ceil(-math.Log10(100*yStep)))))
		}
		w.text(lossLeft-6, y+4, "end", "tick", label)
	}
	xStep := niceStep(xs.d1-xs.d0, 6)
	for _, t := range ticks(xs.d0, xs.d1, xStep) {
		x := xs.at(t)
		w.line(x, plotBottom, x, plotBottom+5, `class="axis"`)
		w.text(x, plotBottom+18, "middle", "tick", formatUSDCompact(t))
	}
	w.text((lossLeft+lossWidth-lossRight)/2, lossHeight-8, "middle", "axis-label", "Portfolio loss in a scenario")
	yLabel := "Scenarios"
	if weighted {
		yLabel = "Probability"
	}
	w.vtext(16, (lossTop+plotBottom)/2, "axis-label", yLabel)

	for i, c := range h.Counts {
		lo, hi := h.Edge(i), h.Edge(i+1)
		if hi <= xs.d0 {
			continue
		}
		x0, x1 := xs.at(lo), xs.at(hi)
		gap := 0.0
		if x1-x0 > 3 {
			gap = 1
		}
		height := plotBottom - ys.at(heights[i])
		if c > 0 {
			height = max(height, 1.5)
		}
		tip := fmt.Sprintf("%s to %s: %s", formatUSD(lo), formatUSD(hi), plural(c, "scenario"))
		if weighted {
			tip += ", probability " + formatPct(heights[i], 3)
		}
		w.rect(x0, plotBottom-height, x1-x0-gap, height, "bar", tip)
	}
	w.line(lossLeft, plotBottom, lossWidth-lossRight, plotBottom, `class="axis"`)

	for _, m := range placeLossMarkers(ls, xs) {
		x := m.x
		w.marker(x, m.labelY, plotBottom, m.place, m.class, m.key, m.text)
		// The 95% interval as a whisker just under the label, clamped to
		// the axis (an interval reaching past the largest loss is cut there).
		if lo, hi := m.ci[0], m.ci[1]; finite(lo) && finite(hi) && hi > lo {
			y := m.labelY + 4
			x0, x1 := xs.at(lo), xs.at(hi)
			fmt.Fprintf(&w.b, `<path class="ci %s" data-measure="%s" d="M%s %sV%sM%s %sH%sM%s %sV%s"/>`+"\n", m.class, m.key,
				coord(x0), coord(y-2), coord(y+2), coord(x0), coord(y), coord(x1), coord(x1), coord(y-2), coord(y+2))
		}
	}
	w.close()
	return w.String()
}

// Geometry of the grouped bar charts.
const (
	barsWidth  = 760
	barsHeight = 340
	barsLeft   = 64
	barsRight  = 20
	barsTop    = 40
	barsBottom = 54
)

// barGroup is one category of a grouped bar chart: baseline and stressed PD.
type barGroup struct {
	label              string
	baseline, stressed float64
}

// barLabelSize is the font size of the values over the PD bars.
const barLabelSize = 10

// barValueLabel is how a bar's value is written over it: across when it
// fits the bar's pitch, else turned to read upwards from the bar's top.
func barValueLabel(v float64, pitch float64) (text string, vertical bool) {
	text = formatPct(v, 2)
	return text, textWidth(text, barLabelSize)+2 > pitch
}

// pdBarChart draws baseline and stressed PD side by side per category.
// Every bar is labelled with its value, and a bar of a small but non-zero
// PD is at least 1.5 units tall, so no bar reads as missing.
func pdBarChart(id, title, what string, groups []barGroup, targetRate float64) string {
	top := 0.0
	for _, g := range groups {
		for _, v := range []float64{g.baseline, g.stressed} {
			if finite(v) {
				top = max(top, v)
			}
		}
	}
	n := max(len(groups), 1)
	groupW := float64(barsWidth-barsLeft-barsRight) / float64(n)
	barW := math.Min(40, groupW*0.4)
	plotBottom := float64(barsHeight - barsBottom)
	// Room above the tallest bar for its label, across or upwards.
	need := 14.0
	for _, g := range groups {
		for _, v := range []float64{g.baseline, g.stressed} {
			if t, vert := barValueLabel(v, barW+2); vert {
				need = max(need, textWidth(t, barLabelSize)+8)
			}
		}
	}
	plotH := plotBottom - barsTop
	want := top
	if plotH > need {
		want = top * plotH / (plotH - need)
	}
	step := niceStep(want, 5)
	if top <= 0 {
		step = 0.002
	}
	yTop := math.Max(step, math.Ceil(want/step-1e-9)*step)
	ys := linearScale{0, yTop, plotBottom, barsTop}
	decimals := 0
	for d := step * 100; d < 1 && decimals < 4; d *= 10 {
		decimals++
	}
	if s := step * 100; decimals == 0 && s != math.Trunc(s) {
		decimals = 1
	}

	stressName := "Stressed"
	if finite(targetRate) && targetRate > 0 {
		stressName = "Stressed (policy rate to " + formatPct(targetRate, 2) + ")"
	}
	desc := fmt.Sprintf("Grouped bars: mean baseline PD (policy rate held at today's level) and mean stressed PD by %s, %d groups. ", what, len(groups))
	for _, g := range groups {
		desc += fmt.Sprintf("%s: baseline %s, stressed %s. ", humanise(g.label), formatPct(g.baseline, 3), formatPct(g.stressed, 3))
	}
	var w svgWriter
	w.open(id, title, desc, barsWidth, barsHeight)
	for _, t := range ticks(0, yTop, step) {
		y := ys.at(t)
		w.line(barsLeft, y, barsWidth-barsRight, y, `class="grid"`)
		w.text(barsLeft-6, y+4, "end", "tick", strconv.FormatFloat(100*t, 'f', decimals, 64)+"%")
	}
	w.vtext(16, (barsTop+plotBottom)/2, "axis-label", "Mean PD over the horizon")

	// Legend, top right.
	lx := float64(barsWidth - barsRight - 330)
	w.rect(lx, 10, 12, 12, "baseline", "")
	w.text(lx+16, 20, "start", "legend", "Baseline")
	w.rect(lx+90, 10, 12, 12, "stressed", "")
	w.text(lx+106, 20, "start", "legend", stressName)

	for i, g := range groups {
		cx := barsLeft + float64(groupW*(float64(i)+0.5))
		for j, bar := range []struct {
			v     float64
			class string
			name  string
		}{{g.baseline, "baseline", "baseline"}, {g.stressed, "stressed", "stressed"}} {
			x := cx - barW - 1
			if j == 1 {
				x = cx + 1
			}
			v := bar.v
			if !finite(v) {
				v = 0
			}
			y := ys.at(v)
			if v > 0 {
				y = min(y, plotBottom-1.5)
			}
			w.rect(x, y, barW, plotBottom-y, bar.class, fmt.Sprintf("%s: %s PD %s", humanise(g.label), bar.name, formatPct(bar.v, 3)))
			text, vertical := barValueLabel(bar.v, barW+2)
			if vertical {
				w.vtextFrom(x+barW/2+3.5, y-4, "value", text)
			} else {
				w.text(x+barW/2, y-4, "middle", "value", text)
			}
		}
		w.text(cx, plotBottom+16, "middle", "category", wrapWords(humanise(g.label), max(8, int(groupW/7)))...)
	}
	w.line(barsLeft, plotBottom, barsWidth-barsRight, plotBottom, `class="axis"`)
	w.close()
	return w.String()
}
