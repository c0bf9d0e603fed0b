package report

import (
	"bytes"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

func fixtureAttribution() *risk.AttributionReport {
	row := func(seg loan.Segment, loans int64, el float64, without ...float64) risk.AttributionRow {
		r := risk.AttributionRow{Segment: seg, Loans: loans, ExposureUSD: 10 * el, ExpectedLoss: el,
			Summary: string(seg) + ": collateral explains 40% of the stressed loss."}
		for c, w := range without {
			r.Channels = append(r.Channels, risk.ChannelEffect{Channel: risk.Channels[c], ExpectedLossWithout: w, Explained: el - w, Share: (el - w) / el})
		}
		return r
	}
	a := &risk.AttributionReport{SampleShare: 0.1, Channels: risk.Channels[:],
		Segments: []risk.AttributionRow{
			row(loan.ResidentialMortgage, 120, 50_000, 50_000, 35_000, 30_000, 50_000),
			row(loan.CommercialRealEstate, 30, 200_000, 190_000, 150_000, 160_000, 80_000),
		},
		Portfolio: row("", 150, 250_000, 240_000, 185_000, 190_000, 130_000)}
	a.Portfolio.Summary = "Portfolio: refinancing explains 48%, unemployment 26% and collateral 24% of the stressed loss."
	return a
}

func TestAttributionTableIsRendered(t *testing.T) {
	t.Parallel()
	r := fixtureReport()
	r.Attribution = fixtureAttribution()
	out, err := Render(r, fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out.HTML)
	checkSelfContained(t, out.HTML)
	for _, want := range []string{
		`<h2 id="attribution-h">What drives the stressed loss</h2>`,
		"Portfolio: refinancing explains 48%, unemployment 26% and collateral 24% of the stressed loss.",
		`<th scope="col" class="num">EL without payment shock</th><th scope="col" class="num">Share explained by payment shock</th>`,
		// CRE: EL, then payment shock (190,000; 5%), unemployment, collateral, refinancing (80,000; 60%).
		`<td class="num">30</td><td class="num">$200,000</td><td class="num">$190,000</td><td class="num">5.0%</td>`,
		`<td class="num">$80,000</td><td class="num">60.0%</td></tr>`,
		`<tr class="total"><th scope="row">Portfolio</th><td class="num">150</td><td class="num">$250,000</td>`,
	} {
		if !bytes.Contains(out.HTML, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	md := string(out.Markdown)
	for _, want := range []string{
		"| Segment | Sampled loans | Stressed EL | EL without payment shock (share explained) | EL without unemployment (share explained) | EL without collateral (share explained) | EL without refinancing (share explained) |",
		"| $80,000 (60.0%) |",
		"| **Portfolio** | 150 | $250,000 |",
		"- Portfolio: refinancing explains 48%, unemployment 26% and collateral 24% of the stressed loss.",
	} {
		if !bytes.Contains(out.Markdown, []byte(want)) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if bad := unescapedMarkup(md); len(bad) > 0 {
		t.Errorf("markdown has unescaped markup: %q", bad)
	}

	// Without an attribution (an older report) the section is absent.
	plain, err := Render(fixtureReport(), fixtureMeta())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain.HTML, []byte("attribution-h")) || bytes.Contains(plain.Markdown, []byte("Sampled loans")) {
		t.Error("a report without attribution renders its section")
	}
}
