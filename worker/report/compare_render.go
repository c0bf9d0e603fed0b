package report

import (
	"bytes"
	"strings"
	"text/tabwriter"
)

// runLetter names the i-th run in column heads: A, B, ... Z, then R27, ...
func runLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return "R" + formatInt(int64(i+1))
}

// grid is one table of a comparison, every cell already formatted.
type grid struct {
	head []string
	rows [][]string
}

// figureGrid lays rows out as: figure, then per run its value and, after
// the baseline, its difference from the baseline.
func figureGrid(c Comparison, rows []FigureRow) grid {
	g := grid{head: []string{"Figure"}}
	for i := range c.Runs {
		g.head = append(g.head, runLetter(i))
		if i > 0 {
			g.head = append(g.head, runLetter(i)+" − "+runLetter(0))
		}
	}
	for _, r := range rows {
		cells := []string{r.Name}
		for i, v := range r.Values {
			cells = append(cells, valueText(v, r.Unit))
			if i > 0 {
				d := diffText(v, r.Unit)
				if d == "" {
					d = notComparedText(c, r, i)
				}
				cells = append(cells, d)
			}
		}
		g.rows = append(g.rows, cells)
	}
	return g
}

// runsGrid is the table of the runs themselves: letter, id, and facts.
func runsGrid(c Comparison) grid {
	g := grid{head: []string{"Run", "Run id"}}
	facts := factsRows(c)
	for _, f := range facts {
		g.head = append(g.head, f[0])
	}
	for i, r := range c.Runs {
		row := []string{runLetter(i), r.RunID}
		for _, f := range facts {
			row = append(row, f[i+1])
		}
		g.rows = append(g.rows, row)
	}
	return g
}

// footnotes are the legend lines every rendering ends its tables with.
func footnotes(c Comparison) []string {
	notes := []string{"Differences are each run's figure minus run A's; in parentheses, relative to run A's. Rates differ in percentage points (pp)."}
	ind, miss := flags(c)
	if ind {
		notes = append(notes, "† indicative: its tail holds 10 to 99 scenarios; its difference is indicative too.")
	}
	if miss {
		notes = append(notes, "Not reported: its tail holds fewer than 10 scenarios (or the run has no such figure), so it is not compared: no difference is shown rather than one against a stand-in.")
	}
	return notes
}

// Text renders the comparison for a terminal: aligned columns, runs named
// by letter and listed first.
func (c Comparison) Text() []byte {
	var b bytes.Buffer
	b.WriteString("Runs (differences are against run A)\n")
	writeTextGrid(&b, runsGrid(c), false)
	for _, n := range c.Notes {
		b.WriteString("note: " + n + "\n")
	}
	b.WriteString("\nPortfolio\n")
	writeTextGrid(&b, figureGrid(c, c.Portfolio), true)
	for _, s := range c.Segments {
		b.WriteString("\nSegment " + s.Segment + "\n")
		writeTextGrid(&b, figureGrid(c, s.Figures), true)
	}
	b.WriteString("\n")
	for _, n := range footnotes(c) {
		b.WriteString(n + "\n")
	}
	return b.Bytes()
}

func writeTextGrid(b *bytes.Buffer, g grid, numeric bool) {
	flags := uint(0)
	if numeric {
		flags = tabwriter.AlignRight
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', flags)
	width := 0
	for _, r := range append([][]string{g.head}, g.rows...) {
		width = max(width, len([]rune(r[0])))
	}
	line := func(cells []string) {
		// The first column is padded by hand so it stays left-aligned
		// when the numbers are aligned right.
		first := cells[0] + strings.Repeat(" ", width-len([]rune(cells[0])))
		tw.Write([]byte("  " + first + "\t" + strings.Join(cells[1:], "\t") + "\t\n"))
	}
	line(g.head)
	for _, r := range g.rows {
		line(r)
	}
	tw.Flush()
}

// Markdown renders the comparison as Markdown tables.
func (c Comparison) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("## Run comparison\n\n")
	c.writeMarkdownBody(&b)
	return b.Bytes()
}

func (c Comparison) writeMarkdownBody(b *bytes.Buffer) {
	writeMarkdownGrid(b, runsGrid(c))
	if len(c.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range c.Notes {
			b.WriteString("- " + mdText(n) + "\n")
		}
	}
	b.WriteString("\n### Portfolio\n\n")
	writeMarkdownGrid(b, figureGrid(c, c.Portfolio))
	for _, s := range c.Segments {
		b.WriteString("\n### " + mdText(humanise(s.Segment)) + "\n\n")
		writeMarkdownGrid(b, figureGrid(c, s.Figures))
	}
	b.WriteString("\n")
	for _, n := range footnotes(c) {
		b.WriteString(mdText(n) + "\n\n")
	}
}

func writeMarkdownGrid(b *bytes.Buffer, g grid) {
	mdRow(b, g.head[0], g.head[1:]...)
	b.WriteString("|---")
	for range g.head[1:] {
		b.WriteString("|--:")
	}
	b.WriteString("|\n")
	for _, r := range g.rows {
		mdRow(b, r[0], r[1:]...)
	}
}

// HTML renders the comparison as one self-contained page, styled like
// report.html.
func (c Comparison) HTML() []byte {
	var w pageWriter
	writeComparisonHead(&w, "Run comparison", "Run comparison", comparisonSubtitle(c))
	writeComparisonBody(&w, c)
	writeFoot(&w)
	return w.b.Bytes()
}

func comparisonSubtitle(c Comparison) string {
	return plural(int64(len(c.Runs)), "run") + " · differences against run A, " + c.Baseline
}

func writeComparisonHead(w *pageWriter, title, h1, sub string) {
	w.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	w.text(title)
	w.raw("</title>\n<style>\n", pageStyle, compareStyle, "</style>\n</head>\n<body>\n<main>\n<header>\n")
	w.elem("<h1>", h1, "</h1>\n")
	w.elem(`<p class="sub">`, sub, "</p>\n")
	w.raw("</header>\n")
}

// compareStyle adds the difference lines under each value.
const compareStyle = `.diff { display: block; color: var(--muted); font-size: 0.85em; }
td.missing { color: var(--muted); }
td code { white-space: nowrap; }
`

func writeComparisonBody(w *pageWriter, c Comparison) {
	if len(c.Notes) > 0 {
		w.raw("<section class=\"warnings\" aria-labelledby=\"notes-h\">\n<h2 id=\"notes-h\">Before reading the differences</h2>\n<ul>\n")
		for _, n := range c.Notes {
			w.elem("<li>", n, "</li>\n")
		}
		w.raw("</ul>\n</section>\n")
	}
	w.raw("<section aria-labelledby=\"runs-h\">\n<h2 id=\"runs-h\">Runs</h2>\n<div class=\"wide\">\n<table>\n<thead><tr>")
	rg := runsGrid(c)
	for _, h := range rg.head {
		w.elem(`<th scope="col">`, h, "</th>")
	}
	w.raw("</tr></thead>\n<tbody>\n")
	for _, r := range rg.rows {
		w.elem(`<tr><th scope="row">`, r[0], "</th>")
		w.elem(`<td><code>`, r[1], "</code></td>")
		w.numCells(r[2:]...)
		w.raw("</tr>\n")
	}
	w.raw("</tbody>\n</table>\n</div>\n</section>\n")

	writeFigureTable(w, c, "portfolio-h", "Portfolio", c.Portfolio)
	for i, s := range c.Segments {
		writeFigureTable(w, c, "segment-"+formatInt(int64(i))+"-h", humanise(s.Segment), s.Figures)
	}
	w.raw("<section>\n")
	for _, n := range footnotes(c) {
		w.elem(`<p class="note">`, n, "</p>\n")
	}
	w.raw("</section>\n")
}

// writeFigureTable writes one section's figures: a column per run, each
// value with its difference from run A under it.
func writeFigureTable(w *pageWriter, c Comparison, id, title string, rows []FigureRow) {
	w.raw(`<section aria-labelledby="`, id, `">`, "\n")
	w.elem(`<h2 id="`+id+`">`, title, "</h2>\n")
	w.raw("<div class=\"wide\">\n<table>\n<thead><tr><th scope=\"col\">Figure</th>")
	for i := range c.Runs {
		w.elem(`<th scope="col" class="num">`, runLetter(i), "</th>")
	}
	w.raw("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		w.elem(`<tr><th scope="row">`, r.Name, "</th>")
		for i, v := range r.Values {
			cls := "num"
			if v.Value == nil {
				cls += " missing"
			}
			w.raw(`<td class="`, cls, `">`)
			w.text(valueText(v, r.Unit))
			if i > 0 {
				d := diffText(v, r.Unit)
				if d == "" {
					d = notComparedText(c, r, i)
				}
				if d != "" {
					w.elem(`<span class="diff">`, d, "</span>")
				}
			}
			w.raw("</td>")
		}
		w.raw("</tr>\n")
	}
	w.raw("</tbody>\n</table>\n</div>\n</section>\n")
}
