package report

import "strconv"

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
<caption>Exposure is EAD today; mean PD over the horizon, baseline and stressed, over loans and weighted by exposure; default rate is the share of loan-scenarios whose default draw came up.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Exposure</th><th scope="col" class="num">PD baseline</th><th scope="col" class="num">PD stressed</th><th scope="col" class="num">Change</th><th scope="col" class="num">PD baseline by exposure</th><th scope="col" class="num">PD stressed by exposure</th><th scope="col" class="num">Default rate</th></tr></thead>
<tbody>
`)
	pdRow := func(tr string, s segmentRow) {
		w.row(tr, s.Name, s.Loans, s.Exposure, s.PDBaseline, s.PDStressed, s.DeltaPD, s.PDBaselineExp, s.PDStressedExp, s.DefaultRate)
	}
	for _, s := range v.Segments {
		pdRow("<tr>", s)
	}
	pdRow(`<tr class="total">`, v.Total)

	w.raw(`</tbody>
</table>
</div>
<div class="wide">
<table class="dense">
<caption>Losses in US dollars over the horizon. EL is expected loss; its rate is over exposure today and over the average balance over the horizon (the Federal Reserve's basis); ES is expected shortfall.`)
	writeTailNotes(w, v)
	w.raw(`</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Average balance</th><th scope="col" class="num">EL</th><th scope="col" class="num">EL rate (exposure)</th><th scope="col" class="num">Loss rate (average balance)</th><th scope="col" class="num">VaR 99%</th><th scope="col" class="num">ES 99%</th><th scope="col" class="num">VaR 99.9%</th><th scope="col" class="num">ES 99.9%</th></tr></thead>
<tbody>
`)
	lossRow := func(tr string, s segmentRow) {
		w.row(tr, s.Name, s.AvgBalance, s.EL, s.ELRate, s.LossRateAvg, s.VaR99, s.ES99, s.VaR999, s.ES999)
	}
	for _, s := range v.Segments {
		lossRow("<tr>", s)
	}
	lossRow(`<tr class="total">`, v.Total)
	w.raw(`</tbody>
</table>
</div>
<details>
<summary>95% intervals by segment</summary>
<div class="wide">
<table class="dense">
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">EL</th><th scope="col" class="num">VaR 99%</th><th scope="col" class="num">ES 99%</th><th scope="col" class="num">VaR 99.9%</th><th scope="col" class="num">ES 99.9%</th></tr></thead>
<tbody>
`)
	ciRow := func(tr string, s segmentRow) {
		w.row(tr, s.Name, s.ELCI, s.VaR99CI, s.ES99CI, s.VaR999CI, s.ES999CI)
	}
	for _, s := range v.Segments {
		ciRow("<tr>", s)
	}
	ciRow(`<tr class="total">`, v.Total)
	w.raw("</tbody>\n</table>\n</div>\n</details>\n</section>\n")
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

// writeTailNotes explains the marks of the tail figures in a caption.
func writeTailNotes(w *pageWriter, v view) {
	if v.Indicative {
		w.raw(" † indicative: its tail holds 10 to 99 scenarios.")
	}
	if v.Insufficient {
		w.raw(" Not reported: its tail holds fewer than 10 scenarios, too few for a figure (see the warnings).")
	}
}

// writePathSection writes the scenario path charts, two to a row, and
// their figures at quarter ends, when the report carries them.
func writePathSection(w *pageWriter, v view) {
	if len(v.Paths) == 0 {
		return
	}
	w.raw(`<section aria-labelledby="paths-h">
<h2 id="paths-h">Scenario paths</h2>
<div class="paths">
`)
	for _, p := range v.Paths {
		w.raw("<figure>\n")
		if c := p.chart(); c != "" {
			w.raw(c)
		} else {
			w.elem(`<p class="note">`, p.Note, "</p>\n")
		}
		w.elem("<figcaption>", p.Title+": mean over scenarios (line) and 5% to 95% of scenarios (band).", "</figcaption>\n</figure>\n")
	}
	w.raw("</div>\n")
	months, rows := pathTable(v.Paths)
	if len(months) > 0 {
		w.raw(`<details>
<summary>Scenario paths as a table</summary>
<div class="wide">
<table class="dense">
<caption>Mean over scenarios, and in brackets 5% to 95% of scenarios, at each quarter end.</caption>
<thead><tr><th scope="col">Month</th>`)
		for _, p := range v.Paths {
			w.elem(`<th scope="col" class="num">`, p.Title, "</th>")
		}
		w.raw("</tr></thead>\n<tbody>\n")
		for i, m := range months {
			w.row("<tr>", m, rows[i]...)
		}
		w.raw("</tbody>\n</table>\n</div>\n</details>\n")
	}
	w.raw("</section>\n")
}

// pathTable lays the variables' quarter-end figures out by month; a
// variable without figures shows n/a.
func pathTable(paths []pathView) (months []string, rows [][]string) {
	h := -1
	for _, p := range paths {
		if p.Note == "" {
			h = max(h, len(p.band.Mean)-1)
		}
	}
	if h < 0 {
		return nil, nil
	}
	for i, t := range pathMonths(h) {
		months = append(months, strconv.Itoa(t))
		var row []string
		for _, p := range paths {
			if i < len(p.Quarters) && len(p.band.Mean)-1 == h {
				row = append(row, p.Quarters[i])
			} else {
				row = append(row, notAvailable)
			}
		}
		rows = append(rows, row)
	}
	return months, rows
}
