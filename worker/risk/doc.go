// Package risk turns per-loan model results into portfolio risk figures. A
// Partial accumulates, as exact integers (cents, PDs in units of 1e-9,
// payment-shock ratios in units of 1e-6, and counts), the per-scenario
// losses and the sums of any set of loans; Partials merge by addition, so
// the same loans give bit-identical totals whatever the batching, worker
// count or merge order. SummariseScenarios (or Summarise, for a plain run)
// turns a merged Partial into a Report, for the portfolio and per segment:
// expected loss, loss rates over exposure today and over the average
// balance, count- and exposure-weighted mean PDs, VaR and expected
// shortfall at 99% and 99.9% with 95% intervals and a status from the
// scenarios in their tail (a figure resting on fewer than 10 is not
// reported), loss histograms, PD by score band and risk grade, the
// distribution of the loans' peak payment shocks on fixed bins, and the
// scenarios' macro paths. Under importance sampling every figure from the
// scenario losses is weighted by the scenarios' likelihood ratios.
// docs/statistics.md gives the estimators and intervals.
package risk
