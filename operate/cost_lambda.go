package operate

import (
	"fmt"
	"math"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Figures of the Lambda compute variant (compute lambda).
const (
	// lambdaOneVCPUMemoryMB: a function has one vCPU at 1,769 MB and a
	// proportional share below (Lambda developer guide, "Configure Lambda
	// function memory"). The kernel runs on one goroutine, so a Lambda vCPU
	// is charged the measured KernelNanosPerLoanScenario like a Fargate one
	// (the workflow budgets twice that for sizing batches, a safety margin,
	// not the expected speed).
	lambdaOneVCPUMemoryMB = 1769
	// LambdaColdStart is the billed init of one execution environment of
	// the container-image function (image pull from the cache, Go runtime
	// start): each of the concurrent environments pays it once per run.
	LambdaColdStart = 2 * time.Second
	// LambdaInvocationOverhead is an invocation's work besides reading its
	// loans and the kernel: reading the run manifest and writing its
	// results and partial to S3.
	LambdaInvocationOverhead = 100 * time.Millisecond
	// LambdaControlInvocations are Simulate's invocations besides the
	// batches (Prepare, Aggregate), each billed LambdaControlSeconds.
	LambdaControlInvocations = 2
	LambdaControlSeconds     = 1.0
	// LambdaParentTransitions are the state transitions of a Simulate
	// execution's success path in the Lambda flavour (ApplyDefaults,
	// MergeInput, CheckOwnRuns, CheckOtherRuns, AnotherRunInProgress?,
	// Prepare, PrepareResult, InputKind?, the Map, Aggregate,
	// AggregateResult, Succeeded, plus the Map Run start): no scale-out,
	// worker wait or scale-in.
	LambdaParentTransitions = 13
	// ExpressMemoryGB is an Express child's billed memory: one 64 MB chunk
	// (50 MB + the definition + a batch's payload, Step Functions pricing
	// example), and ExpressBillingStep its duration step.
	ExpressMemoryGB    = 64.0 / 1024
	ExpressBillingStep = 100 * time.Millisecond
)

// LambdaBatchSize is the workflow's default batch of the Lambda flavour at
// the given scenarios (at the default horizon): one shard, or fewer loans
// when a shard would not fit the batch timeout (workflow.Config.WithDefaults).
func LambdaBatchSize(scenarios int) int {
	c := workflow.Config{Compute: workflow.ComputeLambda}
	c.Defaults.Scenarios = scenarios
	return c.WithDefaults().BatchSize
}

// estimateLambda is EstimateCost for compute lambda. The model:
//
//	objects, items, batches  as for Fargate, with the Lambda flavour's batch
//	                         timeout and start margin (BatchItemsWithin)
//	invocation seconds = (compute + read) / batches + LambdaInvocationOverhead
//	  compute  = loans x scenarios x KernelNanos / CPU share (memory / 1,769 MB, at most 1)
//	  read     = objects x (S3GetLatency + bytes / S3StreamBytesPerSecond) / S3 concurrency
//	billed   = (batches x invocation seconds + environments x LambdaColdStart
//	           + control invocations) x memory GB          GB-seconds
//	children = one EXPRESS execution per batch, invocation + BatchOverhead,
//	           rounded up to 100 ms, 64 MB
//	duration = LambdaColdStart + batches x (invocation + BatchOverhead) / concurrency
//
// environments = min(concurrency, batches): each pays one cold start. No
// VPC endpoints: the function runs outside a VPC by default.
func estimateLambda(in CostInput, layout string) (Estimate, error) {
	e := Estimate{Compute: ComputeLambda, Layout: layout}
	loansPerObject, err := layoutLoansPerObject(in, layout)
	if err != nil {
		return Estimate{}, err
	}
	e.Objects = ceilDiv(in.Loans, loansPerObject)
	items, err := workflow.BatchItemsWithin(in.BatchSize, loansPerObject, workflow.LambdaBatchTimeoutSeconds, workflow.LambdaStartMarginSeconds,
		in.Scenarios, workflow.DefaultLambdaLoanScenarioNanos)
	if err != nil {
		return Estimate{}, fmt.Errorf("estimate %s on lambda: %w", layout, err)
	}
	e.ItemsPerBatch = min(int64(items), max(1, int64(workflow.MaxBatchInputBytes/ManifestItemBytes)))
	e.Batches = ceilDiv(e.Objects, e.ItemsPerBatch)

	share := math.Min(1, float64(in.LambdaMemoryMB)/lambdaOneVCPUMemoryMB)
	memGB := float64(in.LambdaMemoryMB) / 1024
	objectBytes := float64(loansPerObject * LoanJSONBytes)
	e.ComputeSeconds = float64(in.Loans) * float64(in.Scenarios) * in.KernelNanos / 1e9
	e.ReadSeconds = float64(e.Objects) * (S3GetLatency.Seconds() + objectBytes/S3StreamBytesPerSecond)
	batches := float64(e.Batches)
	invocationS := (e.ComputeSeconds/share+e.ReadSeconds/float64(in.S3Concurrency))/batches + LambdaInvocationOverhead.Seconds()
	environments := math.Min(float64(in.LambdaConcurrency), batches)
	work := batches * (invocationS + BatchOverhead.Seconds()) / environments
	e.Work = seconds(work)
	durationS := LambdaColdStart.Seconds() + work + LambdaControlInvocations*LambdaControlSeconds
	e.Duration = seconds(durationS)

	gbSeconds := (batches*invocationS + environments*LambdaColdStart.Seconds() + LambdaControlInvocations*LambdaControlSeconds) * memGB
	step := ExpressBillingStep.Seconds()
	childS := math.Ceil((invocationS+BatchOverhead.Seconds())/step) * step
	otherGets := batches + 4
	puts := batches*BatchPuts + RunPuts
	lists := math.Ceil(batches / 1000)

	p := in.Prices
	add := func(item string, qty float64, key string) {
		l := Line{Item: item, Quantity: qty, PriceKey: key, USD: qty * p.Get(key)}
		e.Lines = append(e.Lines, l)
		e.TotalUSD += l.USD
	}
	add(ItemLambdaDuration, gbSeconds, "lambda-x86-gb-second")
	add(ItemLambdaRequests, batches+LambdaControlInvocations, "lambda-request")
	add(ItemTransitions, LambdaParentTransitions, "sfn-transition")
	add(ItemExpressRequests, batches, "sfn-express-request")
	add(ItemExpressDuration, batches*childS*ExpressMemoryGB*hoursPerSecond, "sfn-express-gb-hour")
	add(ItemGetLoans, float64(e.Objects), "s3-get")
	add(ItemGetOther, otherGets, "s3-get")
	add(ItemPut, puts, "s3-put")
	add(ItemList, lists, "s3-list")
	e.StandardChildrenUSD = batches * ChildTransitions * p.Get("sfn-transition")
	return e, nil
}
