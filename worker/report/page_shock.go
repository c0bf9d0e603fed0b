package report

// writeShockSection writes the payment-shock section: the mean peak payment
// ratio, the chart, the exceedance and per-segment tables and the histogram
// table, or the note saying why there is nothing to show.
func writeShockSection(w *pageWriter, s shockView, chart string) {
	w.raw(`<section aria-labelledby="shock-h">
<h2 id="shock-h">Payment shock</h2>
`)
	if s.Note != "" {
		w.elem(`<p class="note">`, s.Note, "</p>\n")
		w.raw("</section>\n")
		return
	}
	w.raw("<p>Each loan's peak payment ratio is its highest monthly payment over the horizon divided by today's payment, averaged over the scenarios; a fixed-rate loan's is 1.00. Mean over ")
	w.text(s.Loans)
	w.elem(" loans: <strong>", s.Mean, "</strong>; in each loan's worst scenario: ")
	w.text(s.Worst)
	w.raw(".</p>\n")
	if chart != "" {
		w.raw("<figure>\n", chart, `<figcaption>Number of loans by peak payment ratio, in bins of 0.05; the bar at the right holds every loan at or above the last edge. Dotted: no change (1.00); solid orange: the mean.`)
		if newShockYScale(s.stats.Counts).log {
			w.raw(` The count axis is logarithmic (1, 10, 100, ...): one bar holds over three times as many loans as any other, and every bar is drawn whole, the tallest labelled with its count.`)
		}
		w.raw(` Bars holding any loan are drawn at least a hair tall.</figcaption>
</figure>`)
	}
	w.raw(`
<table>
<thead><tr><th scope="col">Payment rise</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>
`)
	for _, a := range s.Above {
		w.row("<tr>", a.Label, a.Loans, a.Share)
	}
	w.raw("</tbody>\n</table>\n")
	if len(s.Segments) > 0 {
		w.raw(`<div class="wide">
<table>
<caption>Mean peak payment ratio by segment, and the share of the segment's loans at or above each ratio.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Mean in worst scenario</th>`)
		for _, t := range s.Thresholds {
			w.elem(`<th scope="col" class="num">`, t, "</th>")
		}
		w.raw("</tr></thead>\n<tbody>\n")
		for _, g := range s.Segments {
			w.elem(`<tr><th scope="row">`, g.Name, "</th>")
			w.numCells(g.Loans, g.Mean, g.Worst)
			w.numCells(g.Above...)
			w.raw("</tr>\n")
		}
		w.raw("</tbody>\n</table>\n</div>")
	}
	w.raw("\n")
	writeBinTable(w, "Payment-shock histogram as a table", "Ratio from", "Loans", s.Bins)
	w.raw("</section>\n")
}
