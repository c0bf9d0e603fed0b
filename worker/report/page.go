package report

// writeHead writes the document up to the page's first section: the head
// with its inline style and the header with the title.
func writeHead(w *pageWriter, v view) {
	w.raw(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stress report`)
	if v.RunID != "" {
		w.raw(": ")
		w.text(v.RunID)
	}
	w.raw("</title>\n<style>\n", pageStyle, "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Loan default stress report")
	if v.RunID != "" {
		w.elem(`: <span class="code">`, v.RunID, `</span>`)
	}
	w.raw("</h1>\n")
	w.elem(`<p class="sub">`, v.Subtitle, "</p>\n")
	w.raw("</header>\n")
}

// writeFoot closes the document.
func writeFoot(w *pageWriter) {
	w.raw("<footer>Produced by the Monte Carlo loan-default pipeline. Same seed, parameters and binary give the same figures.</footer>\n</main>\n</body>\n</html>\n")
}

// writeParamSection writes the model parameters the hash covers, folded
// away, when the report carries them.
func writeParamSection(w *pageWriter, params []fact) {
	if len(params) == 0 {
		return
	}
	w.raw(`<section aria-labelledby="params-h">
<h2 id="params-h">Model parameters</h2>
<details>
<summary>All parameters covered by the parameter hash</summary>
<table>
<thead><tr><th scope="col">Parameter</th><th scope="col">Value</th></tr></thead>
<tbody>
`)
	for _, p := range params {
		w.elem(`<tr><th scope="row"><code>`, p.Name, "</code></th>")
		w.elem("<td><code>", p.Value, "</code></td></tr>\n")
	}
	w.raw("</tbody>\n</table>\n</details>\n</section>\n")
}

// pageStyle is the page's whole stylesheet. Everything is inline: the page
// loads nothing, runs no script, and prints on A4 or Letter.
const pageStyle = `:root { --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --warn-bg: #fff8e6; --warn: #9a6700; }
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
svg.chart .value.count { font-size: 11px; fill: var(--ink); paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg.chart line.m-one { stroke: var(--ink); stroke-dasharray: 2 3; }
svg.chart line.m-mean { stroke: #d55e00; }
svg.chart text.m-one { fill: var(--ink); }
svg.chart text.m-mean { fill: #a34400; }
svg.chart path.path-band { fill: #56b4e9; fill-opacity: 0.35; stroke: none; }
svg.chart path.path-mean { fill: none; stroke: #0072b2; stroke-width: 2; }
.paths { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 4px 16px; }
.paths figure { margin: 4px 0; }
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
`
