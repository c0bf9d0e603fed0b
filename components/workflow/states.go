package workflow

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// State names shared by both workflows. The graph they form, before and
// after the workflow's own work:
//
//	ApplyDefaults → MergeInput → CheckOwnRuns → CheckOtherRuns → AnotherRunInProgress?
//	  ├─ yes → RunInProgress → Failed                  (nothing was scaled out)
//	  └─ no  → ScaleOut → StartWorkerWait → DescribeWorkers → WorkersRunning?
//	             ├─ all running, or some after WorkerWaitMaxPolls → WorkersReady → <work>
//	             ├─ not yet → WaitForWorkers → CountWorkerPoll → DescribeWorkers
//	             └─ none after WorkerWaitMaxPolls → WorkersNotStarted → ScaleInAfterFailure → Failed
//	<work> → ScaleIn → Succeeded
//
// Every state from ScaleOut on catches States.ALL into $.error and goes to
// ScaleInAfterFailure, so a failed run never leaves workers running; Failed
// then reports the original error.
const (
	StateApplyDefaults        = "ApplyDefaults"
	StateMergeInput           = "MergeInput"
	StateCheckOwnRuns         = "CheckOwnRuns"
	StateCheckOtherRuns       = "CheckOtherRuns"
	StateAnotherRun           = "AnotherRunInProgress?"
	StateRunInProgress        = "RunInProgress"
	StateScaleOut             = "ScaleOut"
	StateStartWorkerWait      = "StartWorkerWait"
	StateDescribeWorkers      = "DescribeWorkers"
	StateWorkersRunning       = "WorkersRunning?"
	StateWaitForWorkers       = "WaitForWorkers"
	StateCountWorkerPoll      = "CountWorkerPoll"
	StateAnyWorkerRunning     = "AnyWorkerRunning?"
	StateWorkerServiceMissing = "WorkerServiceMissing"
	StateWorkersNotStarted    = "WorkersNotStarted"
	StateWorkersReady         = "WorkersReady"
	StateScaleIn              = "ScaleIn"
	StateScaleInAfterFailure  = "ScaleInAfterFailure"
	StateSucceeded            = "Succeeded"
	StateFailed               = "Failed"
)

// Paths of the execution's data, as the states leave it.
const (
	pathDefaults = "$.defaults" // Config.Defaults as JSON
	pathRun      = "$.run"      // execution input merged over the defaults (RunParams)
	pathGuard    = "$.guard"    // running-execution counts
	pathWorkers  = "$.workers"  // describeServices result, then {"running": n}
	pathWait     = "$.wait"     // {"polls": n}
	pathError    = "$.error"    // {"Error": ..., "Cause": ...} of the first failure
)

// Resources of the AWS SDK integrations. Parameters and results use the
// service API's member names in PascalCase (Cluster, Service, DesiredCount;
// Services[0].RunningCount; Executions)
// (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
const (
	apiUpdateService    = "aws-sdk:ecs:updateService"
	apiDescribeServices = "aws-sdk:ecs:describeServices"
	apiListExecutions   = "aws-sdk:sfn:listExecutions"
	apiS3GetObject      = "s3:getObject"
	apiS3ListObjectsV2  = "s3:listObjectsV2"
	apiS3PutObject      = "s3:putObject"
)

// Retry settings that are not Config: a Worker.Interrupted task is retried
// at once and often (Spot interruptions can repeat); an SDK call is retried
// briefly on any task failure (throttling, a transient service error; the
// SDK integrations' error names vary by service).
const (
	interruptedMaxAttempts    = 10
	sdkMaxAttempts            = 3
	sdkIntervalSeconds        = 2
	scaleInFailureMaxAttempts = 6
	// MaxBatchInputBytes caps a batch (ItemBatcher MaxInputBytesPerBatch):
	// below the 256 KiB quota with room for BatchInput and the op field. Step
	// Functions takes fewer items per batch to stay under it
	// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html).
	MaxBatchInputBytes = 200 * 1024
)

// builder holds a config with defaults applied and the machine being
// built.
type builder struct {
	cfg Config
	m   *asl.MachineBuilder
	// own and other are the names of this workflow's state machine and the
	// other workflow's.
	own, other string
}

func newBuilder(cfg Config, comment, own, other string) *builder {
	return &builder{cfg: cfg, m: asl.NewMachine(comment), own: own, other: other}
}

// add adds a state; a name added twice is reported by build.
func (b *builder) add(name string, s asl.StateBuilder) { b.m.Add(name, s) }

// build validates and returns the machine.
func (b *builder) build() (*asl.StateMachine, error) { return b.m.Build() }

func (b *builder) integration(api string) string { return asl.Integration(b.cfg.Partition, api) }

// preamble adds the states from ApplyDefaults to WorkersReady, which
// continues to next. ApplyDefaults is added first, so it is StartAt.
func (b *builder) preamble(next string) {
	c := b.cfg
	defaults, err := jsonObject(c.Defaults)
	if err != nil {
		panic(err) // RunDefaults is plain data; cannot fail
	}
	b.add(StateApplyDefaults, asl.Pass().
		Comment("Run parameters of the stack; the execution input overrides them key by key.").
		Result(defaults).ResultPath(pathDefaults).Next(StateMergeInput))
	// States.JsonMerge(a, b, false) is a shallow merge in which b's keys win
	// (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
	b.add(StateMergeInput, asl.Pass().
		Parameters(map[string]any{"run.$": "States.JsonMerge(" + pathDefaults + ", $$.Execution.Input, false)"}).
		Next(StateCheckOwnRuns))

	// The guard. This execution is RUNNING on its own machine, so more than
	// one there, or any on the other machine, is a conflict: concurrent runs
	// would scale each other's workers to zero. Nothing is scaled out yet,
	// so its failures go straight to Failed.
	listRunning := func(comment, stateMachine string, max int, resultPath, next string) *asl.TaskBuilder {
		return asl.Task(b.integration(apiListExecutions)).Comment(comment).
			Parameters(map[string]any{
				"StateMachineArn": c.StateMachineArn(stateMachine),
				"StatusFilter":    "RUNNING",
				"MaxResults":      max,
			}).
			ResultSelector(map[string]any{"count.$": "States.ArrayLength($.Executions)"}).
			ResultPath(resultPath).
			Retry(sdkRetry(sdkMaxAttempts)).
			Catch(catchAll(StateFailed)).
			Next(next)
	}
	b.add(StateCheckOwnRuns, listRunning("Count RUNNING executions of this state machine, this one included.",
		b.own, 2, pathGuard+".own", StateCheckOtherRuns))
	b.add(StateCheckOtherRuns, listRunning("Count RUNNING executions of the other workflow.",
		b.other, 1, pathGuard+".other", StateAnotherRun))
	afterGuard := StateScaleOut
	why := "Concurrent runs would scale the workers of both to zero"
	if c.IsLambda() {
		// No workers to start: the work begins after the guard. The guard
		// stays: one run at a time is the pipeline's rule on every compute,
		// and two runs would share the function's reserved concurrency.
		afterGuard = next
		why = "Runs go one at a time; concurrent runs would share the function's concurrency"
	}
	b.add(StateAnotherRun, asl.Choice().
		When(asl.Or(
			asl.NumericGreaterThan(pathGuard+".own.count", 1),
			asl.NumericGreaterThan(pathGuard+".other.count", 0),
		), StateRunInProgress).
		Default(afterGuard))
	b.add(StateRunInProgress, raise(ErrRunInProgress, fmt.Sprintf(
		"another run is in progress: {} RUNNING executions of %s, this one included, and {} of %s. %s; wait for the other run to finish or stop it, then start this one again.",
		b.own, b.other, why), pathGuard+".own.count", pathGuard+".other.count").Next(StateFailed))
	if c.IsLambda() {
		return
	}

	b.add(StateScaleOut, b.sdkTask(apiUpdateService, map[string]any{
		"Cluster":      c.ClusterName,
		"Service":      c.ServiceName,
		"DesiredCount": c.WorkerCount,
	}).Comment(fmt.Sprintf("Start %d workers.", c.WorkerCount)).DiscardResult().Next(StateStartWorkerWait))

	// The bounded wait for running workers. An activity task's timeout runs
	// while it waits in the queue, so the work starts only once workers
	// poll.
	b.add(StateStartWorkerWait, asl.Pass().Result(map[string]any{"polls": 0}).ResultPath(pathWait).Next(StateDescribeWorkers))
	b.add(StateDescribeWorkers, b.sdkTask(apiDescribeServices, map[string]any{
		"Cluster":  c.ClusterName,
		"Services": []any{c.ServiceName},
	}).ResultPath(pathWorkers).Next(StateWorkersRunning))
	running := pathWorkers + ".Services[0].RunningCount"
	polls := pathWait + ".polls"
	// Rules are tried in order and the first match wins, so the numeric
	// tests only meet a RunningCount that is present.
	b.add(StateWorkersRunning, asl.Choice().
		When(asl.Not(asl.IsPresent(running, true)), StateWorkerServiceMissing).
		When(asl.NumericGreaterThanEquals(running, float64(c.WorkerCount)), StateWorkersReady).
		When(asl.NumericGreaterThanEquals(polls, float64(c.WorkerWaitMaxPolls)), StateAnyWorkerRunning).
		Default(StateWaitForWorkers))
	b.add(StateWaitForWorkers, asl.Wait().Seconds(c.WorkerWaitSeconds).Next(StateCountWorkerPoll))
	b.add(StateCountWorkerPoll, asl.Pass().
		Parameters(map[string]any{"polls.$": "States.MathAdd(" + polls + ", 1)"}).
		ResultPath(pathWait).Next(StateDescribeWorkers))
	b.add(StateAnyWorkerRunning, asl.Choice().
		Comment("After the last poll, start with the workers that run; batches queue for the missing ones' slots.").
		When(asl.NumericGreaterThanEquals(running, 1), StateWorkersReady).
		Default(StateWorkersNotStarted))
	b.add(StateWorkerServiceMissing, raise(ErrWorkersNotStarted, fmt.Sprintf(
		"ecs:describeServices returned no service %s in cluster %s", c.ServiceName, c.ClusterName)).
		Next(StateScaleInAfterFailure))
	b.add(StateWorkersNotStarted, raise(ErrWorkersNotStarted, workersNotStartedCause(c), polls).
		Next(StateScaleInAfterFailure))
	b.add(StateWorkersReady, asl.Pass().
		Comment("Keep only the running count; the describeServices result is large.").
		Parameters(map[string]any{"running.$": running}).
		ResultPath(pathWorkers).Next(next))
}

// epilogue adds ScaleIn → Succeeded (whose output is the data at
// outputPath), and the failure path ScaleInAfterFailure → Failed.
//
// The Lambda flavour has no workers to stop: its work goes to Succeeded and
// its failures to Failed directly.
func (b *builder) epilogue(outputPath string) {
	c := b.cfg
	if c.IsLambda() {
		b.add(StateSucceeded, asl.Succeed().OutputPath(outputPath))
		b.add(StateFailed, asl.Fail("", "").ErrorPath(pathError+".Error").CausePath("States.JsonToString("+pathError+")"))
		return
	}
	scaleIn := map[string]any{"Cluster": c.ClusterName, "Service": c.ServiceName, "DesiredCount": 0}
	b.add(StateScaleIn, b.sdkTask(apiUpdateService, scaleIn).
		Comment("Stop the workers.").DiscardResult().Next(StateSucceeded))
	b.add(StateSucceeded, asl.Succeed().OutputPath(outputPath))
	b.add(StateScaleInAfterFailure, asl.Task(b.integration(apiUpdateService)).
		Comment("Stop the workers after a failure; $.error keeps the original error for Failed.").
		Parameters(scaleIn).
		DiscardResult().
		Retry(sdkRetry(scaleInFailureMaxAttempts)).
		Catch(asl.CatchAll(StateFailed).ResultPath("$.scaleInError")).
		Next(StateFailed))
	// ErrorPath and CausePath may be a reference path or one of a few
	// intrinsics returning a string. States.JsonToString keeps the original
	// Error and Cause even when a Cause is absent, which a plain CausePath
	// would not survive (https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html).
	b.add(StateFailed, asl.Fail("", "").ErrorPath(pathError+".Error").CausePath("States.JsonToString("+pathError+")"))
}

// sdkTask is an AWS SDK integration task after scale-out: retried briefly,
// caught into the failure path.
func (b *builder) sdkTask(api string, params map[string]any) *asl.TaskBuilder {
	return asl.Task(b.integration(api)).
		Parameters(params).
		Retry(sdkRetry(sdkMaxAttempts)).
		Catch(b.catchToScaleIn())
}

// catchToScaleIn is the Catch of every state after scale-out (in the
// Lambda flavour, after the guard): to the failure path.
func (b *builder) catchToScaleIn() *asl.CatchBuilder { return catchAll(b.failurePath()) }

// failurePath is where a failure after the guard goes: ScaleInAfterFailure,
// or Failed in the Lambda flavour, which has nothing to scale in.
func (b *builder) failurePath() string {
	if b.cfg.IsLambda() {
		return StateFailed
	}
	return StateScaleInAfterFailure
}

// done is where the work goes when it succeeds: ScaleIn, or Succeeded in
// the Lambda flavour.
func (b *builder) done() string {
	if b.cfg.IsLambda() {
		return StateSucceeded
	}
	return StateScaleIn
}

// catchAll catches every error into $.error and goes to next.
func catchAll(next string) *asl.CatchBuilder { return asl.CatchAll(next).ResultPath(pathError) }

// sdkRetry retries an AWS SDK integration on any task failure, with jitter.
func sdkRetry(attempts int) *asl.RetryBuilder {
	return asl.RetryOn(asl.ErrTaskFailed).IntervalSeconds(sdkIntervalSeconds).MaxAttempts(attempts).
		BackoffRate(2).JitterStrategy(asl.JitterFull)
}

// activityRetry is the Retry of every activity task. A dead worker's task
// fails with States.HeartbeatTimeout or States.Timeout, which
// States.TaskFailed does not match, so they are named
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func (b *builder) activityRetry() []*asl.RetryBuilder {
	p := b.cfg.Retry
	policy := func(names ...string) *asl.RetryBuilder {
		return asl.RetryOn(names...).IntervalSeconds(p.IntervalSeconds).MaxAttempts(p.MaxAttempts).
			BackoffRate(p.BackoffRate).MaxDelaySeconds(p.MaxDelaySeconds).JitterStrategy(asl.JitterFull)
	}
	return []*asl.RetryBuilder{
		asl.RetryOn(ErrWorkerInterrupted).IntervalSeconds(1).MaxAttempts(interruptedMaxAttempts).BackoffRate(1),
		policy(asl.ErrHeartbeatTimeout, asl.ErrTimeout),
		policy(ErrS3SlowDown, ErrS3IO),
	}
}

// activityTask is a task of the activity with the given parameters (which
// include "op") and timeout.
func (b *builder) activityTask(comment string, params map[string]any, timeoutSeconds int) *asl.TaskBuilder {
	return asl.Task(b.cfg.ActivityArn).
		Comment(comment).
		Parameters(params).
		TimeoutSeconds(timeoutSeconds).
		HeartbeatSeconds(b.cfg.HeartbeatSeconds).
		Retry(b.activityRetry()...)
}

// addControl adds the task named name of one of the single operations
// (plan, manifest, prepare, aggregate): result at resultPath, caught into
// the failure path, then next. An activity task; in the Lambda flavour an
// invoke of the function, whose result ({"Payload": output, ...}) is kept
// as {"Payload": output} and unwrapped by a Pass state name+"Result", so
// both flavours leave the same output at resultPath for the states after.
func (b *builder) addControl(name, comment string, params map[string]any, resultPath, next string) {
	if !b.cfg.IsLambda() {
		b.add(name, b.activityTask(comment, params, b.cfg.ControlTimeoutSeconds).
			ResultPath(resultPath).
			Catch(b.catchToScaleIn()).
			Next(next))
		return
	}
	unwrap := name + "Result"
	b.add(name, b.invokeTask(comment, params, b.cfg.lambdaControlTimeoutSeconds(), false).
		ResultPath(resultPath).
		Catch(b.catchToScaleIn()).
		Next(unwrap))
	// A Pass state without Result or Parameters passes its effective input
	// (InputPath) to ResultPath of its raw input.
	b.add(unwrap, asl.Pass().
		Comment("Keep the function's output, as an activity task leaves it.").
		InputPath(resultPath+".Payload").ResultPath(resultPath).Next(next))
}

// invokeTask is a task invoking the worker function (the optimized
// integration arn:aws:states:::lambda:invoke, request-response) with
// payload, the same task input an activity would get. Its result is
// {"Payload": output}: ResultSelector drops the invoke's metadata
// (StatusCode, ExecutedVersion, SdkHttpMetadata). An error the function
// returns arrives under its errorType, the stable names of the contract
// (ErrS3SlowDown, ...), so the Retry lists match as for an activity:
//
//   - Lambda's throttling and service errors (LambdaServiceErrors), with
//     backoff;
//   - Runtime.ExitError (the function's process died mid-batch) and
//     Worker.Interrupted at once, as a lost Fargate worker;
//   - S3.SlowDown and S3.IO with Config.Retry;
//   - States.Timeout (the task's TimeoutSeconds) for batches, twice (see
//     LambdaBatchTimeoutSeconds).
func (b *builder) invokeTask(comment string, payload map[string]any, timeoutSeconds int, batch bool) *asl.TaskBuilder {
	p := b.cfg.Retry
	policy := func(names ...string) *asl.RetryBuilder {
		return asl.RetryOn(names...).IntervalSeconds(p.IntervalSeconds).MaxAttempts(p.MaxAttempts).
			BackoffRate(p.BackoffRate).MaxDelaySeconds(p.MaxDelaySeconds).JitterStrategy(asl.JitterFull)
	}
	retry := []*asl.RetryBuilder{
		asl.RetryOn(LambdaServiceErrors...).IntervalSeconds(lambdaServiceIntervalSeconds).MaxAttempts(lambdaServiceMaxAttempts).
			BackoffRate(2).MaxDelaySeconds(lambdaServiceMaxDelaySeconds).JitterStrategy(asl.JitterFull),
		asl.RetryOn(ErrWorkerInterrupted, ErrLambdaRuntimeExit).IntervalSeconds(1).MaxAttempts(max(p.MaxAttempts, interruptedMaxAttempts)).BackoffRate(1),
		policy(ErrS3SlowDown, ErrS3IO),
	}
	if batch {
		retry = append(retry, asl.RetryOn(asl.ErrTimeout).IntervalSeconds(1).MaxAttempts(lambdaTimeoutRetries).BackoffRate(2))
	}
	return asl.Task(b.integration(apiLambdaInvoke)).
		Comment(comment).
		Parameters(map[string]any{"FunctionName": b.cfg.functionName(), "Payload": payload}).
		ResultSelector(map[string]any{"Payload.$": "$.Payload"}).
		TimeoutSeconds(timeoutSeconds).
		Retry(retry...)
}

// batchProcessor is a Distributed Map's child workflow: one activity task,
// named name, running the batched operation op on {"Items": [...],
// "BatchInput": {...}}. The name must be unique in the whole machine: the
// service (and asl-validator) reject a state name used twice anywhere, even
// in different scopes.
//
// In the Lambda flavour the task invokes the function with the same input;
// OutputPath $.Payload makes the child's output the function's output, as
// the activity's would be, so the ResultWriter's files (which aggregate
// reads) are the same.
func (b *builder) batchProcessor(name, op string, timeoutSeconds int) *asl.BranchBuilder {
	comment := "One batch: " + op + " over the ItemBatcher's Items and BatchInput."
	input := map[string]any{"op": op, "Items.$": "$.Items", "BatchInput.$": "$.BatchInput"}
	if b.cfg.IsLambda() {
		return asl.NewBranch().Add(name, b.invokeTask(comment, input, timeoutSeconds, true).OutputPath("$.Payload").End())
	}
	return asl.NewBranch().Add(name, b.activityTask(comment, input, timeoutSeconds).End())
}

// distributedMap starts the Distributed Map named state over batches of op,
// its child's task named state+"Batch": STANDARD children (EXPRESS children
// cannot run activities), MaxConcurrency from the config, up to
// toleratedPercent of failed children accepted, results exported to S3, the
// map's output at resultPath, caught into the failure path.
//
// The Lambda flavour's children are EXPRESS: they only invoke the function,
// cost less per state transition and start faster; a batch is sized to
// finish well inside their 5 minutes (LambdaBatchTimeoutSeconds). A
// duplicated EXPRESS child (at-least-once) overwrites its own outputs.
func (b *builder) distributedMap(state, op string, timeoutSeconds int, toleratedPercent float64, reader *asl.ItemReader, resultWriterParams map[string]any, resultPath, next string) *asl.MapBuilder {
	execution := asl.ExecutionStandard
	if b.cfg.IsLambda() {
		execution = asl.ExecutionExpress
	}
	m := asl.DistributedMap(execution, b.batchProcessor(state+"Batch", op, timeoutSeconds)).
		Label(state).
		ItemReader(reader).
		MaxConcurrency(b.cfg.MaxConcurrency).
		ResultWriter(&asl.ResultWriter{Resource: b.integration(apiS3PutObject), Parameters: resultWriterParams}).
		ResultPath(resultPath).
		Catch(b.catchToScaleIn()).
		Next(next)
	if toleratedPercent > 0 {
		m.ToleratedFailurePercentage(toleratedPercent)
	}
	return m
}

// raise is a Pass state that puts {"Error": name, "Cause": ...} at $.error,
// as a Catch would, for the failure path: the errors the state machine
// raises itself. With args, cause is a States.Format template whose {} take
// the values at those paths; without, a literal. Templates avoid quotes and
// parentheses: escaped or not, they are where intrinsic parsers differ.
func raise(name, cause string, args ...string) *asl.PassBuilder {
	params := map[string]any{"Error": name}
	if len(args) == 0 {
		params["Cause"] = cause
	} else {
		params["Cause.$"] = "States.Format('" + formatEscape(cause) + "', " + strings.Join(args, ", ") + ")"
	}
	return asl.Pass().Parameters(params).ResultPath(pathError)
}

// formatEscape escapes a States.Format template's literal text: the
// characters ' { } and \ are escaped with a backslash, except the "{}"
// placeholders, which are kept.
func formatEscape(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '{' && i+1 < len(s) && s[i+1] == '}' {
			out.WriteString("{}")
			i++
			continue
		}
		switch ch {
		case '\'', '{', '}', '\\':
			out.WriteByte('\\')
		}
		out.WriteByte(ch)
	}
	return out.String()
}

// jsonObject converts a Go struct to the map it marshals to.
func jsonObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("unmarshal %T: %w", v, err)
	}
	return m, nil
}

// workersNotStartedCause is the cause of Workers.NotStarted ({} is the
// number of polls). On ec2-spot the usual reason is that the Auto Scaling
// group launched no instance (no Spot capacity for its types, the Spot vCPU
// quota), so the cause names the group whose activity says so.
func workersNotStartedCause(c Config) string {
	if c.Compute == ComputeEC2Spot {
		return fmt.Sprintf("no worker of ECS service %s in cluster %s was running after {} polls %d s apart; if no container instance registered, see the activity of Auto Scaling group %s (Spot capacity for its instance types, the EC2 Spot vCPU quota), then the events of the service: image pull, subnets",
			c.ServiceName, c.ClusterName, c.WorkerWaitSeconds, c.AutoScalingGroupName)
	}
	return fmt.Sprintf("no worker of ECS service %s in cluster %s was running after {} polls %d s apart; see the events of the service: Fargate Spot capacity, image pull, subnets, quotas",
		c.ServiceName, c.ClusterName, c.WorkerWaitSeconds)
}
