// Package risk turns per-loan model results into portfolio risk figures. A
// Partial accumulates, as exact integers (cents, and PDs in units of 1e-9),
// the per-scenario losses and the counts of any set of loans; Partials merge
// by addition, so the same loans give bit-identical totals whatever the
// batching, worker count or merge order. Summarise turns a merged Partial
// into a Report: expected loss, VaR and expected shortfall at 99% and 99.9%
// with confidence intervals, loss histograms, and PD by score band, for the
// portfolio and per segment.
package risk
