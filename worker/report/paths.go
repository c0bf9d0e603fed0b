package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// Geometry of the small scenario path charts, two to a row on a wide page.
const (
	pathWidth  = 370
	pathHeight = 210
	pathLeft   = 52
	pathRight  = 12
	pathTop    = 14
	pathBottom = 40
)

// pathVariable is one macro variable of the scenario paths.
type pathVariable struct {
	id, title, axis string
	// format writes a value; pct: the values are fractions shown as %.
	pct  bool
	band func(model.PathBands) model.Band
}

var pathVariables = []pathVariable{
	{"path-fed-funds", "Policy rate (fed funds)", "Rate", true, func(b model.PathBands) model.Band { return b.FedFunds }},
	{"path-unemployment", "Unemployment rate", "Rate", true, func(b model.PathBands) model.Band { return b.Unemployment }},
	{"path-hpi", "House prices", "Index (today = 1)", false, func(b model.PathBands) model.Band { return b.HPI }},
	{"path-cre", "Commercial real estate prices", "Index (today = 1)", false, func(b model.PathBands) model.Band { return b.CRE }},
}

// pathView is one variable's chart and its figures at quarter ends.
type pathView struct {
	ID, Title string
	// Note replaces the chart when the band cannot be drawn.
	Note string
	// Quarters are "mean (5% to 95%)" at months 0, 3, 6, ... and H.
	Quarters []string

	v    pathVariable
	band model.Band
}

// pathMonths are the months the tables show: each quarter end and the
// horizon.
func pathMonths(h int) []int {
	var out []int
	for t := 0; t <= h; t += 3 {
		out = append(out, t)
	}
	if h%3 != 0 {
		out = append(out, h)
	}
	return out
}

func (pv pathVariable) value(x float64) string {
	if pv.pct {
		return formatPct(x, 2)
	}
	if !finite(x) {
		return notAvailable
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// bandDrawable reports whether a band has the same number (at least two)
// of finite means and bounds, each mean inside its bounds.
func bandDrawable(b model.Band) bool {
	n := len(b.Mean)
	if n < 2 || len(b.P5) != n || len(b.P95) != n {
		return false
	}
	for t := range n {
		if !finite(b.Mean[t]) || !finite(b.P5[t]) || !finite(b.P95[t]) || b.P5[t] > b.P95[t] {
			return false
		}
	}
	return true
}

// newPathViews describes the scenario paths, or nothing when the report
// carries none.
func newPathViews(pb *model.PathBands) []pathView {
	if pb == nil {
		return nil
	}
	var out []pathView
	for _, pv := range pathVariables {
		b := pv.band(*pb)
		v := pathView{ID: pv.id, Title: pv.title, v: pv, band: b}
		if !bandDrawable(b) {
			v.Note = "No drawable path for this variable in the report."
			out = append(out, v)
			continue
		}
		for _, t := range pathMonths(len(b.Mean) - 1) {
			v.Quarters = append(v.Quarters, pv.value(b.Mean[t])+" ("+pv.value(b.P5[t])+" to "+pv.value(b.P95[t])+")")
		}
		out = append(out, v)
	}
	return out
}

// chart draws the variable's mean path as a line over its 5-95% band.
func (p pathView) chart() string {
	if p.Note != "" {
		return ""
	}
	b := p.band
	h := len(b.Mean) - 1
	lo, hi := math.Inf(1), math.Inf(-1)
	for t := range b.Mean {
		lo, hi = min(lo, b.P5[t], b.Mean[t]), max(hi, b.P95[t], b.Mean[t])
	}
	if hi-lo < 1e-9*max(1, math.Abs(hi)) {
		lo, hi = lo-0.01*max(1e-3, math.Abs(lo)), hi+0.01*max(1e-3, math.Abs(hi))
	}
	step := niceStep(hi-lo, 4)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	plotBottom := float64(pathHeight - pathBottom)
	xs := linearScale{0, float64(h), pathLeft, pathWidth - pathRight}
	ys := linearScale{lo, hi, plotBottom, pathTop}

	last := len(b.Mean) - 1
	desc := fmt.Sprintf("%s month by month over the %d-month horizon: the mean over scenarios as a line, the 5%% to 95%% range as a band. Month 0: %s; month %d: mean %s, 5%% %s, 95%% %s.",
		p.Title, h, p.v.value(b.Mean[0]), h, p.v.value(b.Mean[last]), p.v.value(b.P5[last]), p.v.value(b.P95[last]))
	var w svgWriter
	w.open(p.ID, p.Title+": scenario paths", desc, pathWidth, pathHeight)
	decimals := 0
	for d := step; p.v.pct && d*100 < 1 && decimals < 3; d *= 10 {
		decimals++
	}
	if !p.v.pct {
		for d := step; d < 1 && decimals < 3; d *= 10 {
			decimals++
		}
	}
	for _, t := range ticks(lo, hi, step) {
		y := ys.at(t)
		w.line(pathLeft, y, pathWidth-pathRight, y, `class="grid"`)
		label := strconv.FormatFloat(t, 'f', decimals, 64)
		if p.v.pct {
			label = strconv.FormatFloat(100*t, 'f', decimals, 64) + "%"
		}
		w.text(pathLeft-5, y+4, "end", "tick", label)
	}
	xStep := max(1, math.Round(niceStep(float64(h), 5)))
	if h >= 12 {
		xStep = max(3, math.Round(xStep/3)*3)
	}
	for _, t := range ticks(0, float64(h), xStep) {
		x := xs.at(t)
		w.line(x, plotBottom, x, plotBottom+4, `class="axis"`)
		w.text(x, plotBottom+16, "middle", "tick", strconv.Itoa(int(t)))
	}
	w.text((pathLeft+pathWidth-pathRight)/2, pathHeight-6, "middle", "axis-label", "Month")

	var band, mean strings.Builder
	for t := 0; t <= h; t++ {
		cmd := "L"
		if t == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&band, "%s%s %s", cmd, coord(xs.at(float64(t))), coord(ys.at(b.P95[t])))
		fmt.Fprintf(&mean, "%s%s %s", cmd, coord(xs.at(float64(t))), coord(ys.at(b.Mean[t])))
	}
	for t := h; t >= 0; t-- {
		fmt.Fprintf(&band, "L%s %s", coord(xs.at(float64(t))), coord(ys.at(b.P5[t])))
	}
	band.WriteString("Z")
	w.path(band.String(), "path-band", "5% to 95% of scenarios")
	w.path(mean.String(), "path-mean", "Mean over scenarios")
	w.line(pathLeft, plotBottom, pathWidth-pathRight, plotBottom, `class="axis"`)
	w.close()
	return w.String()
}
