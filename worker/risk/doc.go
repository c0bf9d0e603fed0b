// Package risk turns per-loan model results into portfolio risk figures. A
// Partial accumulates, as exact integers (cents, PDs in units of 1e-9,
// payment-shock ratios in units of 1e-6, and counts), the per-scenario
// losses and the sums of any set of loans; Partials merge by addition, so
// the same loans give bit-identical totals whatever the batching, worker
// count or merge order. Summarise turns a merged Partial into a Report:
// expected loss, VaR and expected shortfall at 99% and 99.9% with confidence
// intervals (flagged when open above), loss histograms binned from the
// smallest to the largest scenario loss, PD by score band, for the portfolio
// and per segment, and the distribution of the loans' peak payment shocks on
// fixed bins.
package risk
