package report

import (
	"bytes"
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// attributionView is the attribution table (risk.AttributionReport),
// formatted; empty when the report has none.
type attributionView struct {
	Channels  []string // the channels' labels, in column order
	Rows      []attributionRow
	Total     attributionRow
	Sentences []string // one per segment, then the portfolio's
	Note      string   // how the table was computed
}

// attributionRow is one segment's row: the sample's stressed expected
// loss, and per channel the loss without it and the share it explains.
type attributionRow struct {
	Name, Loans, EL string
	Without, Share  []string
}

func newAttributionView(a *risk.AttributionReport) attributionView {
	var v attributionView
	if a == nil {
		return v
	}
	for _, c := range a.Channels {
		v.Channels = append(v.Channels, risk.ChannelLabel(c))
	}
	row := func(name string, r risk.AttributionRow) attributionRow {
		out := attributionRow{Name: name, Loans: formatInt(r.Loans), EL: formatUSD(r.ExpectedLoss)}
		for _, e := range r.Channels {
			out.Without = append(out.Without, formatUSD(e.ExpectedLossWithout))
			out.Share = append(out.Share, formatPct(e.Share, 1))
		}
		return out
	}
	for _, s := range a.Segments {
		v.Rows = append(v.Rows, row(humanise(string(s.Segment)), s))
		v.Sentences = append(v.Sentences, s.Summary)
	}
	v.Total = row("Portfolio", a.Portfolio)
	v.Sentences = append(v.Sentences, a.Portfolio.Summary)
	v.Note = fmt.Sprintf("On a deterministic sample of about %s of the loans (by a hash of the loan id), the stressed expected loss (scenario mean, every channel on) is recomputed with each channel switched off in turn, with the same scenarios and random draws: payment shock (payment-ratio exponent gamma 0), unemployment (every segment's unemployment elasticity 0; the credit-cycle residual stays), collateral (no LTV term in the hazard, LGD at today's property prices), refinancing (every maturing commercial loan refinances). The share is the loss the channel explains, (EL - EL without it) / EL; the channels interact, so the shares need not add to 100%%, and what remains with every channel off is the baseline hazard and the credit cycle.",
		formatPct(a.SampleShare, 0))
	return v
}

// writeAttributionSection writes the attribution table and its sentences.
func writeAttributionSection(w *pageWriter, v attributionView) {
	if len(v.Channels) == 0 {
		return
	}
	w.raw(`<section aria-labelledby="attribution-h">
<h2 id="attribution-h">What drives the stressed loss</h2>
<ul>
`)
	for _, s := range v.Sentences {
		w.elem("<li>", s, "</li>\n")
	}
	w.raw("</ul>\n<div class=\"wide\">\n<table class=\"dense\">\n")
	w.elem("<caption>", v.Note, "</caption>\n")
	w.raw(`<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Sampled loans</th><th scope="col" class="num">Stressed EL</th>`)
	for _, c := range v.Channels {
		w.elem(`<th scope="col" class="num">EL without `, c, "</th>")
		w.elem(`<th scope="col" class="num">Share explained by `, c, "</th>")
	}
	w.raw("</tr></thead>\n<tbody>\n")
	cells := func(r attributionRow) []string {
		out := []string{r.Loans, r.EL}
		for i := range r.Without {
			out = append(out, r.Without[i], r.Share[i])
		}
		return out
	}
	for _, r := range v.Rows {
		w.row("<tr>", r.Name, cells(r)...)
	}
	w.row(`<tr class="total">`, v.Total.Name, cells(v.Total)...)
	w.raw("</tbody>\n</table>\n</div>\n</section>\n")
}

// writeAttributionMarkdown writes the attribution table to report.md: per
// channel, the loss without it and, in brackets, the share it explains.
func writeAttributionMarkdown(b *bytes.Buffer, v attributionView) {
	if len(v.Channels) == 0 {
		return
	}
	b.WriteString("\nWhat drives the stressed loss: " + mdText(v.Note) + "\n\n")
	for _, s := range v.Sentences {
		b.WriteString("- " + mdText(s) + "\n")
	}
	b.WriteString("\n| Segment | Sampled loans | Stressed EL")
	for _, c := range v.Channels {
		b.WriteString(" | EL without " + mdCell(c) + " (share explained)")
	}
	b.WriteString(" |\n|---|--:|--:")
	for range v.Channels {
		b.WriteString("|--:")
	}
	b.WriteString("|\n")
	cells := func(r attributionRow) []string {
		out := []string{r.Loans, r.EL}
		for i := range r.Without {
			out = append(out, r.Without[i]+" ("+r.Share[i]+")")
		}
		return out
	}
	for _, r := range v.Rows {
		mdRow(b, r.Name, cells(r)...)
	}
	mdRow(b, "**"+mdCell(v.Total.Name)+"**", cells(v.Total)...)
}
