package report

// writeSegmentSection writes the per-segment PD chart and the PD and loss
// tables, each closed by the portfolio total.
func writeSegmentSection(w *pageWriter, v view, chart string) {
	w.raw(`<section aria-labelledby="segments-h">
<h2 id="segments-h">By segment</h2>
`)
	if len(v.Segments) == 0 {
		w.raw(`<p class="note">No segment had any loans.</p>` + "\n</section>\n")
		return
	}
	if chart != "" {
		w.raw("<figure>\n", chart, `<figcaption>Mean PD over the horizon of the loans in each segment, with the policy rate held at today's level (baseline) and on the stressed paths. The table below holds the same numbers.</figcaption>
</figure>`)
	}
	w.raw(`
<div class="wide">
<table>
<caption>Exposure is EAD today; mean PD over the horizon, baseline and stressed; default rate is the share of loan-scenarios whose default draw came up.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Exposure</th><th scope="col" class="num">PD baseline</th><th scope="col" class="num">PD stressed</th><th scope="col" class="num">Change</th><th scope="col" class="num">Default rate</th></tr></thead>
<tbody>
`)
	pdRow := func(tr string, s segmentRow) {
		w.row(tr, s.Name, s.Loans, s.Exposure, s.PDBaseline, s.PDStressed, s.DeltaPD, s.DefaultRate)
	}
	for _, s := range v.Segments {
		pdRow("<tr>", s)
	}
	pdRow(`<tr class="total">`, v.Total)

	flag := ""
	if v.Flag999 {
		flag = " †"
	}
	w.raw(`</tbody>
</table>
</div>
<div class="wide">
<table class="dense">
<caption>Losses in US dollars over the horizon; EL is expected loss (EL rate: as a share of exposure), ES expected shortfall.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">EL</th><th scope="col" class="num">EL rate</th><th scope="col" class="num">VaR 99%</th><th scope="col" class="num">ES 99%</th><th scope="col" class="num">VaR 99.9%`, flag,
		`</th><th scope="col" class="num">ES 99.9%`, flag, `</th></tr></thead>
<tbody>
`)
	lossRow := func(tr string, s segmentRow) {
		w.row(tr, s.Name, s.EL, s.ELRate, s.VaR99, s.ES99, s.VaR999, s.ES999)
	}
	for _, s := range v.Segments {
		lossRow("<tr>", s)
	}
	lossRow(`<tr class="total">`, v.Total)
	w.raw("</tbody>\n</table>\n</div>\n</section>\n")
}

// writeBandSections writes PD by credit score band (personal loans) and,
// when there are commercial loans, PD by risk grade.
func writeBandSections(w *pageWriter, v view, bandChart, gradeChart string) {
	w.raw(`<section aria-labelledby="bands-h">
<h2 id="bands-h">By credit score band</h2>
`)
	if len(v.ScoreBands) > 0 {
		if bandChart != "" {
			w.raw("<figure>\n", bandChart, "<figcaption>Mean PD of personal loans by FICO score band, baseline and stressed.</figcaption>\n</figure>")
		}
		w.raw("\n")
		writeBandTable(w, v.ScoreBands)
		w.raw("\n")
	} else {
		w.raw(`<p class="note">No personal loans with a credit score.</p>` + "\n")
	}
	w.raw("</section>\n")

	if len(v.RiskGrades) == 0 {
		return
	}
	w.raw(`<section aria-labelledby="grades-h">
<h2 id="grades-h">By risk grade</h2>
`)
	if gradeChart != "" {
		w.raw("<figure>\n", gradeChart, "<figcaption>Mean PD of commercial loans by internal risk grade (1 best), baseline and stressed.</figcaption>\n</figure>")
	}
	w.raw("\n")
	writeBandTable(w, v.RiskGrades)
	w.raw("\n</section>\n")
}

// writeBandTable writes the PD table of score bands or risk grades.
func writeBandTable(w *pageWriter, rows []bandRow) {
	w.raw(`<div class="wide">
<table>
<thead><tr><th scope="col">Band</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Exposure</th><th scope="col" class="num">PD baseline</th><th scope="col" class="num">PD stressed</th><th scope="col" class="num">Change</th></tr></thead>
<tbody>
`)
	for _, b := range rows {
		w.row("<tr>", b.Name, b.Loans, b.Exposure, b.PDBaseline, b.PDStressed, b.Delta)
	}
	w.raw("</tbody>\n</table>\n</div>")
}
