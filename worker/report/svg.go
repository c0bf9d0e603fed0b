package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// svgWriter builds an inline SVG element. Every piece of text goes through
// text or an escaped attribute; numbers go through coord. Inline SVG in
// HTML5 needs no xmlns, so the page names no URL at all.
type svgWriter struct{ b strings.Builder }

func (w *svgWriter) open(id, title, desc string, width, height int) {
	fmt.Fprintf(&w.b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" preserveAspectRatio="xMidYMid meet">`+"\n",
		html.EscapeString(id), html.EscapeString(id), html.EscapeString(id), width, height)
	fmt.Fprintf(&w.b, `<title id="%s-title">%s</title>`+"\n", html.EscapeString(id), html.EscapeString(title))
	fmt.Fprintf(&w.b, `<desc id="%s-desc">%s</desc>`+"\n", html.EscapeString(id), html.EscapeString(desc))
}

func (w *svgWriter) close() { w.b.WriteString("</svg>\n") }

// line draws a line; attrs is a fixed, trusted attribute string.
func (w *svgWriter) line(x1, y1, x2, y2 float64, attrs string) {
	fmt.Fprintf(&w.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`+"\n", coord(x1), coord(y1), coord(x2), coord(y2), attrs)
}

// rect draws a rectangle with an optional tooltip.
func (w *svgWriter) rect(x, y, width, height float64, class, tooltip string) {
	fmt.Fprintf(&w.b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s">`, html.EscapeString(class), coord(x), coord(y), coord(width), coord(height))
	if tooltip != "" {
		fmt.Fprintf(&w.b, `<title>%s</title>`, html.EscapeString(tooltip))
	}
	w.b.WriteString("</rect>\n")
}

// path draws an SVG path; d is built from coord values only.
func (w *svgWriter) path(d, class, tooltip string) {
	fmt.Fprintf(&w.b, `<path class="%s" d="%s">`, html.EscapeString(class), html.EscapeString(d))
	if tooltip != "" {
		fmt.Fprintf(&w.b, `<title>%s</title>`, html.EscapeString(tooltip))
	}
	w.b.WriteString("</path>\n")
}

// text writes a text element; lines after the first become tspans 1.1em lower.
func (w *svgWriter) text(x, y float64, anchor, class string, lines ...string) {
	fmt.Fprintf(&w.b, `<text x="%s" y="%s" text-anchor="%s" class="%s">`, coord(x), coord(y), anchor, html.EscapeString(class))
	for i, l := range lines {
		if i == 0 {
			w.b.WriteString(html.EscapeString(l))
			continue
		}
		fmt.Fprintf(&w.b, `<tspan x="%s" dy="1.1em">%s</tspan>`, coord(x), html.EscapeString(l))
	}
	w.b.WriteString("</text>\n")
}

// vtext writes a label rotated to read bottom to top, centred on (x, y).
func (w *svgWriter) vtext(x, y float64, class, label string) {
	fmt.Fprintf(&w.b, `<text x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)" class="%s">%s</text>`+"\n",
		coord(x), coord(y), coord(x), coord(y), html.EscapeString(class), html.EscapeString(label))
}

// vtextFrom writes a label rotated to read bottom to top, starting at
// (x, y) and running upwards: a value over a bar too narrow for it.
func (w *svgWriter) vtextFrom(x, y float64, class, label string) {
	fmt.Fprintf(&w.b, `<text x="%s" y="%s" text-anchor="start" transform="rotate(-90 %s %s)" class="%s">%s</text>`+"\n",
		coord(x), coord(y), coord(x), coord(y), html.EscapeString(class), html.EscapeString(label))
}

// marker draws a measure's vertical line from just under its label (at
// labelY) down to the axis at bottom, and the label beside it, on the side
// placeLabels chose.
func (w *svgWriter) marker(x, labelY, bottom float64, place labelPlace, class, key, label string) {
	fmt.Fprintf(&w.b, `<line class="marker %s" data-measure="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`+"\n",
		class, key, coord(x), coord(labelY+3), coord(x), coord(bottom))
	anchor := "start"
	if place.left {
		anchor = "end"
	}
	w.text(place.anchorX(x), labelY, anchor, "marker-label "+class, label)
}

func (w *svgWriter) String() string { return w.b.String() }

// linearScale maps the data interval [d0, d1] onto the pixel interval
// [r0, r1], clamping outside values so nothing is drawn off the plot.
type linearScale struct{ d0, d1, r0, r1 float64 }

func (s linearScale) at(v float64) float64 {
	if !finite(v) || s.d1 == s.d0 {
		return s.r0
	}
	v = min(max(v, min(s.d0, s.d1)), max(s.d0, s.d1))
	// float64(...) keeps the product from fusing with the sum into an FMA
	// (Go may fuse x*y+z on arm64), so every platform writes the same
	// coordinates and the golden pages hold everywhere (MODEL.md).
	return s.r0 + float64((v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0))
}

// niceStep returns a step of 1, 2 or 5 times a power of ten that splits
// [0, span] into about n intervals.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || !finite(span) {
		return 1
	}
	raw := span / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f <= 1:
		return mag
	case f <= 2:
		return 2 * mag
	case f <= 5:
		return 5 * mag
	default:
		return 10 * mag
	}
}

// ticks returns the multiples of step from the first at or above from up
// to limit (within rounding), at most 1,000 of them.
func ticks(from, limit, step float64) []float64 {
	if !(step > 0) || !finite(from) || !finite(limit) {
		return nil
	}
	first := math.Ceil(from/step - 1e-9)
	var out []float64
	for i := 0; i <= 1000; i++ {
		v := (first + float64(i)) * step
		if v > limit+float64(1e-9*math.Abs(limit))+float64(1e-12*step) {
			break
		}
		out = append(out, v)
	}
	return out
}
