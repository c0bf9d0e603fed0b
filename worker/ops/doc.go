// Package ops holds the worker's operations, the activity tasks of the two
// state machines (components/workflow's contract): plan, generate and
// manifest for the Generate workflow; prepare, simulate and aggregate for
// Simulate. Register adds all six to an activity.Mux; Deps holds what they
// need (the S3 store, concurrency, logger, and test seams).
//
// Every output key is a function of the task's input (workflow's key
// layout, keyed by BatchID for simulate batches), so a retried or
// duplicated task overwrites its own outputs with the same bytes. Simulate
// writes its loss partial last: an existing partial means a complete batch,
// which a retry or a resumed run skips. Aggregate merges the partials of
// exactly the batches the Map Run reports as succeeded and fails with
// Aggregate.Mismatch unless every input object, and so every input loan,
// was counted exactly once.
//
// Outputs, beside workflow's key layout: RunManifest (prepare, at
// workflow.RunManifestKey), ResultRow (one Parquet row per loan, at
// workflow.ResultsKey), loan.Rejection lines (workflow.ErrorsKey),
// PartialFile (workflow.PartialKey), RunReport (report.json) and the
// human report.html and report.md (ReportMarkdownKey) of worker/report.
//
// Reproducibility (MODEL.md): a loan's result depends only on the loan, the
// run's parameters and seed; partials are integer sums; per-loan rows are
// written in item and line order. So the same input gives bit-identical
// outputs whatever the batching, the number of evaluator goroutines or the
// order downloads finish in.
package ops
