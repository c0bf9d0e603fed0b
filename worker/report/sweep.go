package report

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Geometry of the sweep chart, in SVG user units.
const (
	sweepWidth  = 760
	sweepHeight = 360
	sweepLeft   = 76
	sweepRight  = 24
	sweepTop    = 44
	sweepBottom = 46
)

// sweepSeries is one line of the sweep chart: a figure over the runs,
// points sorted by policy rate; a run that does not report the figure has
// no point, and the line breaks there.
type sweepSeries struct {
	key, label, class string
	points            []sweepPoint
}

type sweepPoint struct {
	rate, value float64
	ci          *risk.Interval
	indicative  bool
	ok          bool // false: not reported, no point
}

// sweepSeriesOf reads the portfolio's expected loss and tail figures out of
// c, by policy rate.
func sweepSeriesOf(c Comparison) []sweepSeries {
	order := make([]int, len(c.Runs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return c.Runs[order[a]].TargetRate < c.Runs[order[b]].TargetRate })
	specs := []struct{ key, label, class string }{
		{"expected_loss", "Expected loss (95% interval)", "s-el"},
		{"var_99", "VaR 99%", "s-var99"},
		{"es_99", "ES 99%", "s-es99"},
		{"var_999", "VaR 99.9%", "s-var999"},
		{"es_999", "ES 99.9%", "s-es999"},
	}
	var out []sweepSeries
	for _, sp := range specs {
		var row *FigureRow
		for i := range c.Portfolio {
			if c.Portfolio[i].Key == sp.key {
				row = &c.Portfolio[i]
			}
		}
		if row == nil {
			continue
		}
		s := sweepSeries{key: sp.key, label: sp.label, class: sp.class}
		any := false
		for _, i := range order {
			v := row.Values[i]
			p := sweepPoint{rate: c.Runs[i].TargetRate}
			if v.Value != nil && finite(*v.Value) {
				p.value, p.ok, p.indicative = *v.Value, true, v.Status == risk.TailIndicative
				if sp.key == "expected_loss" {
					p.ci = v.CI
				}
				any = true
			}
			s.points = append(s.points, p)
		}
		if any {
			out = append(out, s)
		}
	}
	return out
}

// sweepChart draws the portfolio's loss against the policy rate: expected
// loss with its 95% interval, and the VaR and expected shortfall the runs
// report (a run that does not report one leaves a gap; an indicative point
// is hollow).
func sweepChart(c Comparison) string {
	series := sweepSeriesOf(c)
	lo, hi := math.Inf(1), math.Inf(-1)
	rLo, rHi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, p := range s.points {
			rLo, rHi = math.Min(rLo, p.rate), math.Max(rHi, p.rate)
			if !p.ok {
				continue
			}
			lo, hi = math.Min(lo, p.value), math.Max(hi, p.value)
			if p.ci != nil {
				lo, hi = math.Min(lo, p.ci[0]), math.Max(hi, p.ci[1])
			}
		}
	}
	if !finite(lo) || !finite(hi) || !finite(rLo) {
		return ""
	}
	// The loss axis starts at zero: the chart shows how large the losses
	// are as well as how they move.
	lo = math.Min(0, lo)
	yStep := niceStep(hi-lo, 5)
	yTop := math.Max(yStep, math.Ceil(hi/yStep-1e-9)*yStep)
	yBot := math.Floor(lo/yStep+1e-9) * yStep
	plotBottom := float64(sweepHeight - sweepBottom)
	ys := linearScale{yBot, yTop, plotBottom, sweepTop}
	pad := math.Max((rHi-rLo)*0.06, 0.0025)
	xs := linearScale{rLo - pad, rHi + pad, sweepLeft, sweepWidth - sweepRight}

	desc := "Portfolio loss over the horizon against the policy rate the stress ramps to, one run per rate (same loans, scenarios and seed). "
	for _, s := range series {
		desc += s.label + ": "
		var parts []string
		for _, p := range s.points {
			v := notReported
			if p.ok {
				v = formatUSD(p.value)
				if p.indicative {
					v += indicativeMark
				}
			}
			parts = append(parts, formatPct(p.rate, 2)+" "+v)
		}
		desc += strings.Join(parts, ", ") + ". "
	}
	var w svgWriter
	w.open("sweep-chart", "Portfolio loss against the policy rate", desc, sweepWidth, sweepHeight)
	for _, t := range ticks(yBot, yTop, yStep) {
		y := ys.at(t)
		w.line(sweepLeft, y, sweepWidth-sweepRight, y, `class="grid"`)
		w.text(sweepLeft-6, y+4, "end", "tick", formatUSDCompact(t))
	}
	for _, s := range series[:1] {
		for _, p := range s.points {
			x := xs.at(p.rate)
			w.line(x, plotBottom, x, plotBottom+5, `class="axis"`)
			w.text(x, plotBottom+18, "middle", "tick", formatPct(p.rate, 2))
		}
	}
	w.line(sweepLeft, plotBottom, sweepWidth-sweepRight, plotBottom, `class="axis"`)
	w.text((sweepLeft+sweepWidth-sweepRight)/2, sweepHeight-8, "middle", "axis-label", "Policy rate the stress ramps to")
	w.vtext(16, (sweepTop+plotBottom)/2, "axis-label", "Portfolio loss over the horizon")

	// Legend across the top, one entry per series drawn.
	lx := float64(sweepLeft)
	for _, s := range series {
		fmt.Fprintf(&w.b, `<line class="sweep %s" x1="%s" y1="16" x2="%s" y2="16"/>`+"\n", s.class, coord(lx), coord(lx+22))
		w.text(lx+26, 20, "start", "legend", s.label)
		lx += 26 + textWidth(s.label, 11) + 18
	}

	for _, s := range series {
		// Line segments between consecutive reported points only.
		var d strings.Builder
		pen := false
		for _, p := range s.points {
			if !p.ok {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s", cmd, coord(xs.at(p.rate)), coord(ys.at(p.value)))
			pen = true
		}
		fmt.Fprintf(&w.b, `<path class="sweep %s" d="%s"/>`+"\n", s.class, d.String())
		for _, p := range s.points {
			if !p.ok {
				continue
			}
			x, y := xs.at(p.rate), ys.at(p.value)
			if p.ci != nil && p.ci[1] > p.ci[0] {
				y0, y1 := ys.at(p.ci[0]), ys.at(p.ci[1])
				fmt.Fprintf(&w.b, `<path class="ci %s" d="M%s %sH%sM%s %sV%sM%s %sH%s"/>`+"\n", s.class,
					coord(x-4), coord(y0), coord(x+4), coord(x), coord(y0), coord(y1), coord(x-4), coord(y1), coord(x+4))
			}
			cls := "pt " + s.class
			if p.indicative {
				cls += " indicative"
			}
			tip := s.label + " at " + formatPct(p.rate, 2) + ": " + formatUSD(p.value)
			if p.indicative {
				tip += " (indicative)"
			}
			fmt.Fprintf(&w.b, `<circle class="%s" cx="%s" cy="%s" r="3.5"><title>%s</title></circle>`+"\n", cls, coord(x), coord(y), escapeText(tip))
		}
	}
	w.close()
	return w.String()
}

// sweepStyle colours the sweep chart's series like the loss histogram's
// markers.
const sweepStyle = `svg.chart .sweep { fill: none; stroke-width: 2; }
svg.chart .s-el { stroke: #009e73; fill: #009e73; }
svg.chart .s-var99 { stroke: #d55e00; fill: #d55e00; stroke-dasharray: 6 3; }
svg.chart .s-es99 { stroke: #d55e00; fill: #d55e00; }
svg.chart .s-var999 { stroke: #7b3294; fill: #7b3294; stroke-dasharray: 6 3; }
svg.chart .s-es999 { stroke: #7b3294; fill: #7b3294; }
svg.chart path.sweep, svg.chart line.sweep, svg.chart path.ci.s-el { fill: none; }
svg.chart path.ci.s-el { stroke-width: 1.5; }
svg.chart circle.pt { stroke-width: 1.5; stroke-dasharray: none; }
svg.chart circle.pt.indicative { fill: #fff; }
svg.chart .legend { font-size: 11px; }
`

// SweepHTML renders the page of a policy-rate sweep: the loss against the
// policy rate, then the comparison of the runs (run A the lowest rate's).
func SweepHTML(c Comparison) []byte {
	var w pageWriter
	rates := sweepRates(c)
	writeComparisonHead(&w, "Policy-rate sweep", "Policy-rate sweep", "Policy rate to "+rates+" · "+comparisonSubtitle(c))
	w.raw("<style>\n", sweepStyle, "</style>\n")
	if chart := sweepChart(c); chart != "" {
		w.raw("<section aria-labelledby=\"sweep-h\">\n<h2 id=\"sweep-h\">Loss against the policy rate</h2>\n<figure>\n", chart)
		w.raw("<figcaption>Portfolio loss over the horizon in each run, by the policy rate its stress ramps to; the runs share loans, scenarios and seed, so the differences are the rate's. Green: expected loss with its 95% interval; orange: 99% VaR (dashed) and expected shortfall (solid); purple: the same at 99.9%. A hollow point is indicative (10 to 99 tail scenarios); a figure a run does not report has no point.</figcaption>\n</figure>\n</section>\n")
	}
	writeComparisonBody(&w, c)
	writeFoot(&w)
	return w.b.Bytes()
}

// SweepMarkdown renders the sweep's comparison as Markdown, with the
// expected loss by rate first.
func SweepMarkdown(c Comparison) []byte {
	var b bytes.Buffer
	b.WriteString("## Policy-rate sweep: " + mdText(sweepRates(c)) + "\n\n")
	b.WriteString("| Policy rate | Expected loss | 95% interval | VaR 99% | ES 99% |\n|--:|--:|--:|--:|--:|\n")
	for _, s := range sweepTable(c) {
		mdRow(&b, s[0], s[1:]...)
	}
	b.WriteString("\n")
	c.writeMarkdownBody(&b)
	return b.Bytes()
}

// sweepTable is one row per run, by rate: rate, EL, its interval, VaR 99%
// and ES 99% as the comparison writes them.
func sweepTable(c Comparison) [][]string {
	get := func(key string) *FigureRow {
		for i := range c.Portfolio {
			if c.Portfolio[i].Key == key {
				return &c.Portfolio[i]
			}
		}
		return nil
	}
	el, v99, e99 := get("expected_loss"), get("var_99"), get("es_99")
	order := make([]int, len(c.Runs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return c.Runs[order[a]].TargetRate < c.Runs[order[b]].TargetRate })
	var rows [][]string
	for _, i := range order {
		ci := ""
		if v := el.Values[i]; v.CI != nil {
			ci = formatUSD(v.CI[0]) + " to " + formatUSD(v.CI[1])
		}
		rows = append(rows, []string{numfmt.Pct(c.Runs[i].TargetRate, 2), valueText(el.Values[i], UnitUSD), ci,
			valueText(v99.Values[i], UnitUSD), valueText(e99.Values[i], UnitUSD)})
	}
	return rows
}

// sweepRates lists the runs' policy rates: "6.00%, 7.00%, 8.00%".
func sweepRates(c Comparison) string {
	var rs []string
	for _, r := range c.Runs {
		rs = append(rs, numfmt.Pct(r.TargetRate, 2))
	}
	return strings.Join(rs, ", ")
}

// SweepText renders the sweep for a terminal: one line per policy rate
// with the expected loss, its interval and its change from the lowest
// rate's, and the 99% tail figures; the full comparison is in the files.
func SweepText(c Comparison) []byte {
	g := grid{head: []string{"Policy rate", "Expected loss", "95% interval", "VaR 99%", "ES 99%"}}
	g.rows = sweepTable(c)
	var b bytes.Buffer
	writeTextGrid(&b, g, true)
	ind, miss := flags(c)
	if ind {
		b.WriteString("† indicative: its tail holds 10 to 99 scenarios.\n")
	}
	if miss {
		b.WriteString("Not reported: its tail holds fewer than 10 scenarios.\n")
	}
	for _, n := range c.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.Bytes()
}
