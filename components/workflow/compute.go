package workflow

import "regexp"

// Compute variants (Config.Compute): where the operations run. The
// datasets, run input, outputs and reports do not depend on it, and the
// same seed gives bit-identical figures on each.
const (
	// ComputeFargateSpot (the default): the ECS service on Fargate Spot
	// polls the activity; the workflows scale it out and in.
	ComputeFargateSpot = "fargate-spot"
	// ComputeLambda: the same image as a container-image Lambda function
	// (Config.FunctionArn). Every task invokes it
	// (arn:aws:states:::lambda:invoke); there is no activity, no scale-out,
	// no worker wait and no scale-in, and the Distributed Maps' children are
	// EXPRESS.
	ComputeLambda = "lambda"
	// ComputeEC2Spot: the same ECS service and activity as fargate-spot,
	// placed by an ECS capacity provider on an Auto Scaling group of EC2
	// Spot instances (Config.AutoScalingGroupName). The definitions are
	// fargate-spot's; only the Workers.NotStarted cause differs, naming the
	// group whose instances never came.
	ComputeEC2Spot = "ec2-spot"
)

// Computes lists the compute variants, the default first.
var Computes = []string{ComputeFargateSpot, ComputeLambda, ComputeEC2Spot}

// Limits of the Lambda flavour, and how its batches are sized.
//
// Why these numbers. A Distributed Map child of the Lambda flavour is an
// EXPRESS execution, which lasts at most ExpressMaxSeconds (5 minutes)
// retries included, and the function it invokes at most
// LambdaMaxTimeoutSeconds (15 minutes). A batch invocation gets
// LambdaBatchTimeoutSeconds = 90 s (the invoke task's TimeoutSeconds): three
// attempts that all time out (the first and lambdaTimeoutRetries = 2
// retries) plus their 1 s and 2 s waits take 273 s, still inside the 5
// minutes, so a batch can be lost to timeouts twice and still complete in
// its child. Of the 90 s, LambdaStartMarginSeconds = 30 cover a cold start
// of the container image, reading the run manifest and the batch's objects
// and writing its outputs; the remaining 60 s are divided by
// TimeoutSafetyFactor (3), so the expected compute of a batch is 20 s.
//
// The per-loan-scenario cost is the measured kernel, MeasuredLoanScenarioNanos
// = 245 ns (CPU time) for the generated book under model v2 at the default
// 27-month horizon (worker/model's BenchmarkEvaluateGeneratedPortfolio; the
// same figure as operate.KernelNanosPerLoanScenario, which montecarlo cost
// uses), doubled for a Lambda vCPU (a function at 1,769 MB has one vCPU; a
// batch runs on one goroutine, so more memory does not make it faster):
// DefaultLambdaLoanScenarioNanos = 490. The most loans a batch may hold at
// the defaults (1,000 scenarios, 27 months) is then
//
//	(90 - 30) s / (3 x 1,000 x 490 ns) = 40,816 loans (LambdaBatchLoans),
//
// and the default batch is far smaller: one shard, DefaultShardSize =
// 10,000 loans, so a sharded dataset is one invocation per shard and the
// default 500,000 loans fan out to 50 invocations at once
// (DefaultLambdaMaxConcurrency) instead of 3. Such a batch is 2.5 s of
// work at the measured 245 ns and 15 s at the budgeted 490 ns x 3: well
// inside the 90 s attempt, the 5 minute child and the 15 minute function,
// so a cold start (seconds for a container image) dominates. Longer
// horizons cost proportionally more (LoanScenarioNanosAt) and more
// scenarios make batches smaller: prepare applies the same cap per run
// (BatchItemsWithin with LambdaStartMarginSeconds). A sharded input batches
// whole shards, so at 10,000 scenarios and 120 months (a cap of 918
// loans) a dataset of 10,000-loan shards fails in prepare with
// Input.Invalid, naming the scenarios, before any batch starts: generate it
// with smaller shards, or run it on fargate-spot.
const (
	// ExpressMaxSeconds: an EXPRESS execution runs at most 5 minutes.
	ExpressMaxSeconds = 300
	// LambdaMaxTimeoutSeconds: a function's timeout is at most 15 minutes.
	LambdaMaxTimeoutSeconds = 900
	// LambdaBatchTimeoutSeconds is the default TimeoutSeconds of a batch's
	// invoke task in the Lambda flavour (simulate and generate).
	LambdaBatchTimeoutSeconds = 90
	// LambdaStartMarginSeconds is the part of a Lambda batch's timeout kept
	// for cold start and S3 I/O (TaskStartMarginSeconds for activities,
	// which also covers the wait in the activity's queue).
	LambdaStartMarginSeconds = 30
	// MeasuredLoanScenarioNanos is the model kernel's cost of one loan in
	// one scenario on one vCPU at DefaultHorizonMonths, as the sizing
	// assumes it (operate.KernelNanosPerLoanScenario, the same figure: the
	// generator's book measured 245 before model 2.1.0 and 85 since; the
	// sizing keeps 245 for books with more walked loans).
	MeasuredLoanScenarioNanos = 245
	// DefaultLambdaLoanScenarioNanos is Config.LoanScenarioNanos's default
	// in the Lambda flavour: the measured kernel with a factor of 2 for a
	// Lambda vCPU.
	DefaultLambdaLoanScenarioNanos = 2 * MeasuredLoanScenarioNanos
	// DefaultLambdaMaxConcurrency is MaxConcurrency's default in the
	// Lambda flavour: batches invoked at once. Keep the function's reserved
	// concurrency above it (plus one for the control invocations), or
	// invocations are throttled (Lambda.TooManyRequestsException, retried).
	DefaultLambdaMaxConcurrency = 50
	// DefaultFunctionTimeoutSeconds is Config.FunctionTimeoutSeconds's
	// default: the largest a function allows, for the control operations
	// (prepare, aggregate, plan, manifest), which read whole listings.
	DefaultFunctionTimeoutSeconds = LambdaMaxTimeoutSeconds
)

// Retries of a Lambda invoke task that are not Config.Retry.
const (
	// lambdaServiceMaxAttempts, lambdaServiceIntervalSeconds and
	// lambdaServiceMaxDelaySeconds retry Lambda's throttling and service
	// errors: 2, 4, 8, 16, 30, 30 s (jittered), about 90 s in all.
	lambdaServiceMaxAttempts     = 6
	lambdaServiceIntervalSeconds = 2
	lambdaServiceMaxDelaySeconds = 30
	// lambdaTimeoutRetries retries a batch invocation that timed out, so
	// that three attempts fit an EXPRESS child (see LambdaBatchTimeoutSeconds).
	lambdaTimeoutRetries = 2
)

// Errors of the Lambda invoke integration that are worth a retry
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html,
// "Handle transient Lambda service exceptions").
const (
	ErrLambdaTooManyRequests = "Lambda.TooManyRequestsException"
	ErrLambdaService         = "Lambda.ServiceException"
	ErrLambdaAWS             = "Lambda.AWSLambdaException"
	ErrLambdaSdkClient       = "Lambda.SdkClientException"
	// ErrLambdaRuntimeExit is the errorType Lambda reports when the
	// function's process died during the invocation (killed, crashed): the
	// batch never reported, as when a Fargate worker dies, and is retried.
	ErrLambdaRuntimeExit = "Runtime.ExitError"
)

// LambdaServiceErrors are the Lambda errors every invoke task retries with
// backoff.
var LambdaServiceErrors = []string{ErrLambdaTooManyRequests, ErrLambdaService, ErrLambdaAWS, ErrLambdaSdkClient}

// ResourceLambdaInvoke is the optimized Lambda integration's resource in the
// "aws" partition ("lambda:invoke" for asl.Integration in others).
const ResourceLambdaInvoke = "arn:aws:states:::lambda:invoke"

const apiLambdaInvoke = "lambda:invoke"

// functionRE is a Lambda function ARN, unqualified or with a version or
// alias.
var functionRE = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$`)

// asgNameRE is an Auto Scaling group name: 1 to 255 characters, none of
// them a colon (the group's ARN separator) or a control character.
var asgNameRE = regexp.MustCompile(`^[^:\x00-\x1f]{1,255}$`)

// IsLambda reports whether the config is the Lambda flavour.
func (c Config) IsLambda() bool { return c.Compute == ComputeLambda }

// startMargin is the part of a batch task's timeout that is not compute:
// TaskStartMarginSeconds for activities, LambdaStartMarginSeconds for
// Lambda.
func (c Config) startMargin() int {
	if c.IsLambda() {
		return LambdaStartMarginSeconds
	}
	return TaskStartMarginSeconds
}

// LambdaBatchLoans is the cap on the Lambda flavour's batches: the most loans
// a batch may hold so that scenarios scenarios over horizonMonths at
// loanScenarioNanos (at the default horizon) fit LambdaBatchTimeoutSeconds
// (see the derivation above), at least 1.
func LambdaBatchLoans(scenarios, horizonMonths, loanScenarioNanos int) int {
	n := MaxBatchLoansWithin(LambdaBatchTimeoutSeconds, LambdaStartMarginSeconds, scenarios, LoanScenarioNanosAt(loanScenarioNanos, horizonMonths))
	return int(min(max(n, 1), MaxBatchSize))
}

// checkCompute adds the problems of Compute and the fields only the Lambda
// flavour reads.
func checkCompute(v *validator, c Config) {
	switch c.Compute {
	case ComputeFargateSpot:
	case ComputeEC2Spot:
		v.check(asgNameRE.MatchString(c.AutoScalingGroupName), "AutoScalingGroupName", c.AutoScalingGroupName, "an Auto Scaling group name (1-255 characters, no colon)")
	case ComputeLambda:
		v.check(functionRE.MatchString(c.FunctionArn), "FunctionArn", c.FunctionArn, "arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias or version>]")
		v.intRange("FunctionTimeoutSeconds", c.FunctionTimeoutSeconds, 1, LambdaMaxTimeoutSeconds)
		if c.TaskTimeoutSeconds > ExpressMaxSeconds {
			v.add("TaskTimeoutSeconds = %d: a Lambda batch runs in an EXPRESS child, which lasts at most %d s", c.TaskTimeoutSeconds, ExpressMaxSeconds)
		}
		if c.GenerateTimeoutSeconds > ExpressMaxSeconds {
			v.add("GenerateTimeoutSeconds = %d: a Lambda batch runs in an EXPRESS child, which lasts at most %d s", c.GenerateTimeoutSeconds, ExpressMaxSeconds)
		}
		for _, t := range []struct {
			name  string
			value int
		}{{"TaskTimeoutSeconds", c.TaskTimeoutSeconds}, {"GenerateTimeoutSeconds", c.GenerateTimeoutSeconds}} {
			if t.value > c.FunctionTimeoutSeconds && c.FunctionTimeoutSeconds > 0 {
				v.add("%s = %d: more than the function's timeout FunctionTimeoutSeconds = %d", t.name, t.value, c.FunctionTimeoutSeconds)
			}
		}
		if c.GenerateTimeoutSeconds > 0 && c.GenerateTimeoutSeconds <= LambdaStartMarginSeconds {
			v.add("GenerateTimeoutSeconds = %d: must exceed the start margin of %d s", c.GenerateTimeoutSeconds, LambdaStartMarginSeconds)
		} else if c.ShardSize > 0 && c.GenerateTimeoutSeconds > 0 {
			// A generate batch is one shard: it must fit the timeout as a
			// simulate batch must (GenerateLoanNanos x TimeoutSafetyFactor).
			budget := float64(c.GenerateTimeoutSeconds-LambdaStartMarginSeconds) * 1e9
			if need := float64(c.ShardSize) * GenerateLoanNanos * TimeoutSafetyFactor; need > budget {
				v.add("ShardSize = %d: generating a shard needs %.0f s, more than GenerateTimeoutSeconds = %d allows after the %d s start margin; lower ShardSize",
					c.ShardSize, need/1e9+LambdaStartMarginSeconds, c.GenerateTimeoutSeconds, LambdaStartMarginSeconds)
			}
		}
	default:
		v.add("Compute = %q: want %q, %q or %q", c.Compute, ComputeFargateSpot, ComputeLambda, ComputeEC2Spot)
	}
}

// lambdaControlTimeoutSeconds is the TimeoutSeconds of a control invoke:
// the function's own timeout decides, so the task's is the function's
// plus the invoke's overhead.
func (c Config) lambdaControlTimeoutSeconds() int {
	return c.FunctionTimeoutSeconds + lambdaInvokeOverheadSeconds
}

// lambdaInvokeOverheadSeconds: a synchronous invoke returns a little after
// the function's own timeout; the task's timeout must not fire first, or the
// function's clearer error (Sandbox.Timedout) is lost.
const lambdaInvokeOverheadSeconds = 30

// functionName is how the definitions name the function in the invoke
// Parameters (FunctionName takes an ARN).
func (c Config) functionName() string { return c.FunctionArn }
