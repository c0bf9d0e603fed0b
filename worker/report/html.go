package report

import (
	"bytes"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Rendered holds both renderings of a run's report.
type Rendered struct {
	// HTML is report.html: one self-contained page.
	HTML []byte
	// Markdown is report.md: the short summary.
	Markdown []byte
}

// Render produces report.html and report.md for a run.
func Render(r risk.Report, m Meta) (Rendered, error) {
	h, err := HTML(r, m)
	if err != nil {
		return Rendered{}, err
	}
	md, err := Markdown(r, m)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{HTML: h, Markdown: md}, nil
}

// charts holds the page's inline SVG charts, built by svgWriter (which
// escapes every text it writes) and so written into the page as they are.
// An empty chart is left out.
type charts struct {
	loss, segment, band, grade, shock string
}

// HTML renders report.html. Figures that are missing or not finite show as
// "n/a" with a warning rather than failing: a partial report is more use to
// a reader than none.
//
// The page is written by hand rather than with html/template: that package
// (through text/template) calls reflect's MethodByName, which makes the Go
// linker keep every exported method of every reachable type, and so every
// AWS client operation, in the worker binary (about +6 MiB). Every string
// from the run goes through pageWriter.text; markup comes only from this
// package's literals and svgWriter. No data is written into an attribute,
// a URL, a script or a style, so text escaping is the only context needed.
func HTML(r risk.Report, m Meta) ([]byte, error) {
	v := newView(r, m)
	var c charts
	if v.lossNote == "" {
		c.loss = lossChart(v.lossStats, v.Scenarios)
	}
	if v.Shock.Note == "" {
		c.shock = shockChart(v.Shock.stats)
	}
	if len(v.segGroups) > 0 {
		c.segment = pdBarChart("pd-segment-chart", "Baseline and stressed PD by segment", "segment", v.segGroups, v.targetRate)
	}
	if len(v.bandGroups) > 0 {
		c.band = pdBarChart("pd-band-chart", "Baseline and stressed PD by credit score band (personal loans)", "FICO score band", v.bandGroups, v.targetRate)
	}
	if len(v.gradeGroup) > 0 {
		c.grade = pdBarChart("pd-grade-chart", "Baseline and stressed PD by risk grade (commercial loans)", "risk grade", v.gradeGroup, v.targetRate)
	}

	var w pageWriter
	writeHead(&w, v)
	writeSummary(&w, v)
	writeLossSection(&w, v, c.loss)
	writeShockSection(&w, v.Shock, c.shock)
	writePathSection(&w, v)
	writeSegmentSection(&w, v, c.segment)
	writeAttributionSection(&w, v.Attribution)
	writeBandSections(&w, v, c.band, c.grade)
	writeParamSection(&w, v.Params)
	writeFoot(&w)
	return w.b.Bytes(), nil
}

// pageWriter accumulates the page. raw writes markup of this package;
// text writes a string from the run, escaped.
type pageWriter struct{ b bytes.Buffer }

// raw writes trusted markup: literals of this package or svgWriter output.
func (w *pageWriter) raw(markup ...string) {
	for _, s := range markup {
		w.b.WriteString(s)
	}
}

// text writes s as element text (or RCDATA, inside <title>).
func (w *pageWriter) text(s string) { w.b.WriteString(escapeText(s)) }

// elem writes <open>text</close>, text escaped; open may carry attributes.
func (w *pageWriter) elem(open, s, close string) {
	w.raw(open)
	w.text(s)
	w.raw(close)
}

// row writes one table row: a row header cell, then a numeric cell for
// each value. trOpen is the opening tag (it may carry a class).
func (w *pageWriter) row(trOpen, head string, nums ...string) {
	w.raw(trOpen)
	w.elem(`<th scope="row">`, head, `</th>`)
	w.numCells(nums...)
	w.raw("</tr>\n")
}

// numCells writes a right-aligned cell for each value.
func (w *pageWriter) numCells(nums ...string) {
	for _, n := range nums {
		w.elem(`<td class="num">`, n, `</td>`)
	}
}

// textEscaper replaces exactly what html/template's text and RCDATA
// escaper did (its htmlReplacementTable), so the page is byte-identical to
// the template's: the five HTML specials, '+' (html/template escapes it
// against UTF-7 sniffing of a page whose charset is unknown) and NUL, which
// HTML forbids in text, as U+FFFD. Every byte replaced is ASCII and never
// part of a multi-byte UTF-8 sequence, so a byte-wise replacer treats valid
// and invalid UTF-8 alike, as html/template did.
var textEscaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// escapeText escapes s for HTML element text, RCDATA (<title>) and quoted
// attribute values alike.
func escapeText(s string) string { return textEscaper.Replace(s) }
