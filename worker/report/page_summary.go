package report

// writeSummary writes the warnings, the headline figures and the run facts.
func writeSummary(w *pageWriter, v view) {
	if len(v.Warnings) > 0 {
		w.raw(`
<section class="warnings" aria-labelledby="warnings-h">
<h2 id="warnings-h">Warnings</h2>
<ul>
`)
		for _, s := range v.Warnings {
			w.elem("<li>", s, "</li>\n")
		}
		w.raw("</ul>\n</section>\n")
	}

	w.raw(`
<section aria-labelledby="headline-h">
<h2 id="headline-h">Headline figures</h2>
<div class="cards">
`)
	for _, c := range v.Cards {
		w.elem(`<div class="card"><div class="label">`, c.Label, `</div>`)
		w.elem(`<div class="value">`, c.Value, `</div>`)
		w.elem(`<div class="note">`, c.Sub, "</div></div>\n")
	}
	w.raw(`</div>
<div class="wide">
<table>
<caption>Money in US dollars over the horizon. VaR is the loss not exceeded in that share of scenarios; expected shortfall (ES) is the mean loss beyond it. Intervals are 95%: order statistics for VaR, asymptotic normal for expected loss and ES.`)
	writeTailNotes(w, v)
	if v.OpenCI {
		w.raw(" ‡ open-ended: too few scenarios lie beyond this quantile for a distribution-free upper bound, so the upper end shown is only the largest simulated loss and the true interval reaches further.")
	}
	w.raw(`</caption>
<thead><tr><th scope="col">Figure</th><th scope="col" class="num">Value</th><th scope="col" class="num">95% interval</th><th scope="col" class="num">Share of exposure</th></tr></thead>
<tbody>
`)
	for _, f := range v.Headline {
		w.elem(`<tr><th scope="row">`, f.Name, "")
		if f.Flagged {
			w.raw(" †")
		}
		w.elem(`</th><td class="num">`, f.Value, `</td>`)
		w.elem(`<td class="num">`, f.CI, "")
		if f.Open {
			w.raw(" ‡")
		}
		w.raw(`</td>`)
		w.elem(`<td class="num">`, f.OfExposure, "</td></tr>\n")
	}
	w.raw(`</tbody>
</table>
</div>
</section>
<section aria-labelledby="facts-h">
<h2 id="facts-h">Run</h2>
<dl class="facts">
`)
	for _, f := range v.Facts {
		w.elem("<dt>", f.Name, "</dt><dd>")
		if f.Code {
			w.elem("<code>", f.Value, "</code>")
		} else {
			w.text(f.Value)
		}
		w.raw("</dd>\n")
	}
	w.raw("</dl>\n</section>\n")
}
