package report

// pageHTML is the report page. Everything is inline: the page loads nothing,
// runs no script, and prints on A4 or Letter.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stress report{{if .RunID}}: {{.RunID}}{{end}}</title>
<style>
:root { --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --warn-bg: #fff8e6; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.2em; margin: 32px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
p.sub { color: var(--muted); margin: 0 0 16px; }
code, .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
.warnings { background: var(--warn-bg); border: 1px solid #eac54f; border-left: 6px solid var(--warn); border-radius: 4px; padding: 10px 16px; margin: 16px 0; }
.warnings h2 { border: 0; margin: 0 0 4px; color: var(--warn); font-size: 1.05em; }
.warnings ul { margin: 0; padding-left: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 0.85em; }
.card .value { font-size: 1.5em; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .note { color: var(--muted); font-size: 0.85em; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
th { font-weight: 600; background: #f6f8fa; }
table.dense { font-size: 0.88em; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 2px solid var(--ink); }
.wide { overflow-x: auto; }
caption { text-align: left; color: var(--muted); font-size: 0.85em; caption-side: bottom; padding-top: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 12px 0; }
figcaption { color: var(--muted); font-size: 0.85em; }
svg.chart { width: 100%; max-width: 760px; height: auto; display: block; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
svg.chart .tick { fill: var(--muted); }
svg.chart .axis-label { font-size: 12px; fill: var(--muted); }
svg.chart .grid { stroke: #eaeef2; stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .bar { fill: #56b4e9; }
svg.chart .baseline { fill: #0072b2; }
svg.chart .stressed { fill: #e69f00; }
svg.chart .value { font-size: 10px; fill: var(--muted); }
svg.chart .marker { stroke-width: 2; }
svg.chart line.m-el { stroke: #009e73; stroke-dasharray: 2 3; }
svg.chart line.m-var99 { stroke: #d55e00; stroke-dasharray: 6 3; }
svg.chart line.m-es99 { stroke: #d55e00; }
svg.chart line.m-var999 { stroke: #7b3294; stroke-dasharray: 6 3; }
svg.chart line.m-es999 { stroke: #7b3294; }
svg.chart path.ci { fill: none; stroke-width: 1.5; }
svg.chart path.m-el { stroke: #009e73; }
svg.chart path.m-var99, svg.chart path.m-es99 { stroke: #d55e00; }
svg.chart path.m-var999, svg.chart path.m-es999 { stroke: #7b3294; }
svg.chart .marker-label { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
svg.chart text.m-el { fill: #00704f; }
svg.chart text.m-var99, svg.chart text.m-es99 { fill: #a34400; }
svg.chart text.m-var999, svg.chart text.m-es999 { fill: #7b3294; }
svg.chart rect.break { fill: #fff; }
svg.chart line.m-one { stroke: var(--ink); stroke-dasharray: 2 3; }
svg.chart line.m-mean { stroke: #d55e00; }
svg.chart text.m-one { fill: var(--ink); }
svg.chart text.m-mean { fill: #a34400; }
details summary { cursor: pointer; color: var(--muted); }
.note { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85em; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  figure, table, .warnings, .cards, dl.facts { break-inside: avoid; }
  h2 { break-after: avoid; }
  .wide { overflow: visible; }
  table { font-size: 9pt; }
  table.dense { font-size: 8pt; }
  th, td { padding: 2px 6px; }
  details > summary { display: none; }
}
@page { margin: 15mm; }
</style>
</head>
<body>
<main>
<header>
<h1>Loan default stress report{{if .RunID}}: <span class="code">{{.RunID}}</span>{{end}}</h1>
<p class="sub">{{.Subtitle}}</p>
</header>
{{if .Warnings}}
<section class="warnings" aria-labelledby="warnings-h">
<h2 id="warnings-h">Warnings</h2>
<ul>
{{range .Warnings}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}
<section aria-labelledby="headline-h">
<h2 id="headline-h">Headline figures</h2>
<div class="cards">
{{range .Cards}}<div class="card"><div class="label">{{.Label}}</div><div class="value">{{.Value}}</div><div class="note">{{.Sub}}</div></div>
{{end}}</div>
<div class="wide">
<table>
<caption>Money in US dollars over the horizon. VaR is the loss not exceeded in that share of scenarios; expected shortfall (ES) is the mean loss beyond it. Intervals are 95%: order statistics for VaR, asymptotic normal for expected loss and ES.{{if .Flag999}} † rests on fewer than 100,000 scenarios: read with care.{{end}}{{if .OpenCI}} ‡ open-ended: too few scenarios lie beyond this quantile for a distribution-free upper bound, so the upper end shown is only the largest simulated loss and the true interval reaches further.{{end}}</caption>
<thead><tr><th scope="col">Figure</th><th scope="col" class="num">Value</th><th scope="col" class="num">95% interval</th><th scope="col" class="num">Share of exposure</th></tr></thead>
<tbody>
{{range .Headline}}<tr><th scope="row">{{.Name}}{{if .Flagged}} †{{end}}</th><td class="num">{{.Value}}</td><td class="num">{{.CI}}{{if .Open}} ‡{{end}}</td><td class="num">{{.OfExposure}}</td></tr>
{{end}}</tbody>
</table>
</div>
</section>
<section aria-labelledby="facts-h">
<h2 id="facts-h">Run</h2>
<dl class="facts">
{{range .Facts}}<dt>{{.Name}}</dt><dd>{{if .Code}}<code>{{.Value}}</code>{{else}}{{.Value}}{{end}}</dd>
{{end}}</dl>
</section>
<section aria-labelledby="loss-h">
<h2 id="loss-h">Portfolio loss distribution</h2>
{{if .LossChart}}<figure>
{{.LossChart}}<figcaption>Number of scenarios by portfolio loss. Dotted green: expected loss; dashed: VaR; solid: expected shortfall (orange 99%, purple 99.9%); the short bar under each label spans its 95% interval{{if .OpenCI}}, cut at the largest simulated loss for a VaR marked ‡ in the table{{end}}. Bars holding any scenario are drawn at least a hair tall so the tail stays visible.</figcaption>
</figure>
<details>
<summary>Histogram as a table</summary>
<table>
<thead><tr><th scope="col" class="num">Loss from</th><th scope="col" class="num">to</th><th scope="col" class="num">Scenarios</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>
{{range .Bins}}<tr><td class="num">{{.From}}</td><td class="num">{{.To}}</td><td class="num">{{.Count}}</td><td class="num">{{.Share}}</td></tr>
{{end}}</tbody>
</table>
</details>
{{else}}<p class="note">{{.LossNote}}</p>
{{end}}</section>
{{with .Shock}}<section aria-labelledby="shock-h">
<h2 id="shock-h">Payment shock</h2>
{{if .Note}}<p class="note">{{.Note}}</p>
{{else}}<p>Each loan's peak payment ratio is its highest monthly payment over the horizon divided by today's payment, averaged over the scenarios; a fixed-rate loan's is 1.00. Mean over {{.Loans}} loans: <strong>{{.Mean}}</strong>; in each loan's worst scenario: {{.Worst}}.</p>
{{if $.ShockChart}}<figure>
{{$.ShockChart}}<figcaption>Number of loans by peak payment ratio, in bins of 0.05; the bar at the right holds every loan at or above the last edge. Dotted: no change (1.00); solid orange: the mean. Bars holding any loan are drawn at least a hair tall.</figcaption>
</figure>{{end}}
<table>
<thead><tr><th scope="col">Payment rise</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>
{{range .Above}}<tr><th scope="row">{{.Label}}</th><td class="num">{{.Loans}}</td><td class="num">{{.Share}}</td></tr>
{{end}}</tbody>
</table>
{{if .Segments}}<div class="wide">
<table>
<caption>Mean peak payment ratio by segment, and the share of the segment's loans at or above each ratio.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Mean in worst scenario</th>{{range .Thresholds}}<th scope="col" class="num">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Segments}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.Loans}}</td><td class="num">{{.Mean}}</td><td class="num">{{.Worst}}</td>{{range .Above}}<td class="num">{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>{{end}}
<details>
<summary>Payment-shock histogram as a table</summary>
<table>
<thead><tr><th scope="col" class="num">Ratio from</th><th scope="col" class="num">to</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>
{{range .Bins}}<tr><td class="num">{{.From}}</td><td class="num">{{.To}}</td><td class="num">{{.Count}}</td><td class="num">{{.Share}}</td></tr>
{{end}}</tbody>
</table>
</details>
{{end}}</section>
{{end}}<section aria-labelledby="segments-h">
<h2 id="segments-h">By segment</h2>
{{if .Segments}}{{if .SegmentChart}}<figure>
{{.SegmentChart}}<figcaption>Mean PD over the horizon of the loans in each segment, with the policy rate held at today's level (baseline) and on the stressed paths. The table below holds the same numbers.</figcaption>
</figure>{{end}}
<div class="wide">
<table>
<caption>Exposure is EAD today; mean PD over the horizon, baseline and stressed; default rate is the share of loan-scenarios whose default draw came up.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Exposure</th><th scope="col" class="num">PD baseline</th><th scope="col" class="num">PD stressed</th><th scope="col" class="num">Change</th><th scope="col" class="num">Default rate</th></tr></thead>
<tbody>
{{range .Segments}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.Loans}}</td><td class="num">{{.Exposure}}</td><td class="num">{{.PDBaseline}}</td><td class="num">{{.PDStressed}}</td><td class="num">{{.DeltaPD}}</td><td class="num">{{.DefaultRate}}</td></tr>
{{end}}{{with .Total}}<tr class="total"><th scope="row">{{.Name}}</th><td class="num">{{.Loans}}</td><td class="num">{{.Exposure}}</td><td class="num">{{.PDBaseline}}</td><td class="num">{{.PDStressed}}</td><td class="num">{{.DeltaPD}}</td><td class="num">{{.DefaultRate}}</td></tr>
{{end}}</tbody>
</table>
</div>
<div class="wide">
<table class="dense">
<caption>Losses in US dollars over the horizon; EL is expected loss (EL rate: as a share of exposure), ES expected shortfall.</caption>
<thead><tr><th scope="col">Segment</th><th scope="col" class="num">EL</th><th scope="col" class="num">EL rate</th><th scope="col" class="num">VaR 99%</th><th scope="col" class="num">ES 99%</th><th scope="col" class="num">VaR 99.9%{{if .Flag999}} †{{end}}</th><th scope="col" class="num">ES 99.9%{{if .Flag999}} †{{end}}</th></tr></thead>
<tbody>
{{range .Segments}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.EL}}</td><td class="num">{{.ELRate}}</td><td class="num">{{.VaR99}}</td><td class="num">{{.ES99}}</td><td class="num">{{.VaR999}}</td><td class="num">{{.ES999}}</td></tr>
{{end}}{{with .Total}}<tr class="total"><th scope="row">{{.Name}}</th><td class="num">{{.EL}}</td><td class="num">{{.ELRate}}</td><td class="num">{{.VaR99}}</td><td class="num">{{.ES99}}</td><td class="num">{{.VaR999}}</td><td class="num">{{.ES999}}</td></tr>
{{end}}</tbody>
</table>
</div>
{{else}}<p class="note">No segment had any loans.</p>
{{end}}</section>
<section aria-labelledby="bands-h">
<h2 id="bands-h">By credit score band</h2>
{{if .ScoreBands}}{{if .BandChart}}<figure>
{{.BandChart}}<figcaption>Mean PD of personal loans by FICO score band, baseline and stressed.</figcaption>
</figure>{{end}}
{{template "bands" .ScoreBands}}
{{else}}<p class="note">No personal loans with a credit score.</p>
{{end}}</section>
{{if .RiskGrades}}<section aria-labelledby="grades-h">
<h2 id="grades-h">By risk grade</h2>
{{if .GradeChart}}<figure>
{{.GradeChart}}<figcaption>Mean PD of commercial loans by internal risk grade (1 best), baseline and stressed.</figcaption>
</figure>{{end}}
{{template "bands" .RiskGrades}}
</section>
{{end}}{{if .Params}}<section aria-labelledby="params-h">
<h2 id="params-h">Model parameters</h2>
<details>
<summary>All parameters covered by the parameter hash</summary>
<table>
<thead><tr><th scope="col">Parameter</th><th scope="col">Value</th></tr></thead>
<tbody>
{{range .Params}}<tr><th scope="row"><code>{{.Name}}</code></th><td><code>{{.Value}}</code></td></tr>
{{end}}</tbody>
</table>
</details>
</section>
{{end}}<footer>Produced by the Monte Carlo loan-default pipeline. Same seed, parameters and binary give the same figures.</footer>
</main>
</body>
</html>
{{define "bands"}}<div class="wide">
<table>
<thead><tr><th scope="col">Band</th><th scope="col" class="num">Loans</th><th scope="col" class="num">Exposure</th><th scope="col" class="num">PD baseline</th><th scope="col" class="num">PD stressed</th><th scope="col" class="num">Change</th></tr></thead>
<tbody>
{{range .}}<tr><th scope="row">{{.Name}}</th><td class="num">{{.Loans}}</td><td class="num">{{.Exposure}}</td><td class="num">{{.PDBaseline}}</td><td class="num">{{.PDStressed}}</td><td class="num">{{.Delta}}</td></tr>
{{end}}</tbody>
</table>
</div>{{end}}`
