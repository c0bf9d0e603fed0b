// Package report renders the human report of a simulation run: a
// self-contained HTML page (inline CSS and inline SVG charts, no scripts and
// no network resources, readable offline and printable) and a short Markdown
// summary for a pull-request comment or a terminal. Input is the risk.Report
// of the run plus the run facts in Meta. Output is deterministic: the same
// input gives the same bytes, and the only times shown are those in Meta.
package report
