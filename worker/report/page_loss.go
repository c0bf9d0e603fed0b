package report

// writeLossSection writes the portfolio loss histogram: the chart and its
// table, or the note saying why there is nothing to draw.
func writeLossSection(w *pageWriter, v view, chart string) {
	w.raw(`<section aria-labelledby="loss-h">
<h2 id="loss-h">Portfolio loss distribution</h2>
`)
	if chart == "" {
		w.elem(`<p class="note">`, v.lossNote, "</p>\n")
		w.raw("</section>\n")
		return
	}
	what := "Number of scenarios"
	if len(v.lossStats.Histogram.Probability) == len(v.lossStats.Histogram.Counts) {
		what = "Probability (scenarios weighted by their likelihood ratios)"
	}
	w.raw("<figure>\n", chart, "<figcaption>", what, " by portfolio loss. Dotted green: expected loss; dashed: VaR; solid: expected shortfall (orange 99%, purple 99.9%); the short bar under each label spans its 95% interval")
	if v.OpenCI {
		w.raw(", cut at the largest simulated loss for a VaR marked ‡ in the table")
	}
	w.raw(". Bars holding any scenario are drawn at least a hair tall so the tail stays visible.</figcaption>\n</figure>\n")
	writeBinTable(w, "Histogram as a table", "Loss from", "Scenarios", v.Bins)
	w.raw("</section>\n")
}

// writeBinTable writes a histogram's bins as a folded table; from and count
// head the first and third columns.
func writeBinTable(w *pageWriter, summary, from, count string, bins []binRow) {
	w.raw("<details>\n<summary>", summary, "</summary>\n<table>\n")
	w.raw(`<thead><tr><th scope="col" class="num">`, from, `</th><th scope="col" class="num">to</th><th scope="col" class="num">`, count, `</th><th scope="col" class="num">Share</th></tr></thead>`, "\n<tbody>\n")
	for _, b := range bins {
		w.raw("<tr>")
		w.numCells(b.From, b.To, b.Count, b.Share)
		w.raw("</tr>\n")
	}
	w.raw("</tbody>\n</table>\n</details>\n")
}
