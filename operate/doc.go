// Package operate is what the command line needs to operate a deployed
// pipeline or a running local runtime: the targets (stack outputs or the
// local runtime's endpoints file), Step Functions and S3 clients through the
// AWS SDK's normal credential and endpoint chain, execution input built and
// validated by the workflow contract, progress of an execution and its Map
// Run, redrive or resume of a failed run, report downloads, and the cost
// model of a run.
package operate
