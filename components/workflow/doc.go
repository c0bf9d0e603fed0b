// Package workflow builds the state machines of the pipeline, Generate and
// Simulate and their Cleanup, as pure functions of a Config, and defines the contract
// between them and the worker. The Pulumi component passes resolved ARNs;
// the local runtime passes local ones; both get the same definitions. It
// imports components/asl and nothing from Pulumi or AWS.
//
// # Building
//
//	cfg := workflow.Config{Region: ..., AccountID: ..., ActivityArn: ..., ...}
//	if err := cfg.WithDefaults().Validate(); err != nil { ... } // every problem, each naming its field
//	sim, err := workflow.Simulate(cfg)                          // *asl.StateMachine, validated
//	js, err := workflow.Render(sim)                             // the JSON the service takes
//	defs, err := workflow.Definitions(cfg)                      // both, rendered
//
// Zero tuning fields take the documented defaults (WithDefaults); derived
// ones follow from the others: MaxConcurrency = WorkerCount x
// TasksPerWorker, so batches never wait in the activity's queue, whose time
// counts against TimeoutSeconds; TaskTimeoutSeconds from SimulateTimeoutSeconds.
//
// # Both workflows
//
// STANDARD state machines whose Distributed Map children are STANDARD too
// (EXPRESS cannot run activities; the Lambda flavour's are EXPRESS, below). Each starts by merging the execution
// input over Config.Defaults key by key (States.JsonMerge), refuses to run
// while any other execution of either machine is RUNNING (Run.InProgress,
// before anything is scaled), scales the ECS service out, waits (bounded)
// for running workers (Workers.NotStarted), does its work, and scales in.
// Every state after the scale-out catches States.ALL into $.error and goes
// to ScaleInAfterFailure, then Failed, which reports the original error
// (ErrorPath $.error.Error, CausePath the JSON of $.error). The machines
// have no execution-wide TimeoutSeconds: an execution timeout cannot be
// caught and would skip the scale-in.
//
// # The Lambda flavour
//
// Config.Compute = ComputeLambda renders the same two workflows from the
// same builders for the compute variant "lambda": the worker image as a
// container-image function, Config.FunctionArn, which the component
// deploys. Every task that would be an activity task invokes it instead
// (arn:aws:states:::lambda:invoke, Payload = the activity's task input, so
// the worker runs the same ops and returns the same output; ResultSelector
// keeps $.Payload, and a Pass state "<Task>Result" unwraps it so the states
// after read the same paths). Its Retry lists Lambda's throttling and
// service errors (Lambda.TooManyRequestsException, Lambda.ServiceException,
// Lambda.AWSLambdaException, Lambda.SdkClientException) with backoff,
// Runtime.ExitError (the function's process died) and Worker.Interrupted at
// once, S3.SlowDown and S3.IO with Config.Retry; a batch also retries
// States.Timeout twice. There is no scale-out, worker wait or scale-in, and
// no Cleanup machine (ErrNoCleanup); the guard is kept, and every state
// after it catches States.ALL into $.error and goes to Failed. The
// Distributed Maps' children are EXPRESS, and batches are sized from the
// measured kernel to finish well inside an EXPRESS execution's 5 minutes
// (see LambdaBatchTimeoutSeconds for the numbers). The state machine role
// needs lambda:InvokeFunction on the function instead of the ECS actions
// (StateMachineStatements). For the component:
//
//	cfg := workflow.Config{
//		Compute:                workflow.ComputeLambda,
//		FunctionArn:            fn.Arn,        // resolved; unqualified, or with an alias or version
//		FunctionTimeoutSeconds: 900,           // the function's Timeout; 0: 900
//		Region: ..., AccountID: ..., DataBucket: ..., *StateMachineName: ...,
//		// ActivityArn, ClusterName, ServiceName, WorkerCount, TasksPerWorker,
//		// HeartbeatSeconds and WorkerWait* are not read.
//	}
//
// MaxConcurrency (default DefaultLambdaMaxConcurrency = 50) is how many
// batches invoke the function at once: give the function a reserved
// concurrency of at least MaxConcurrency + 1.
//
// # Cleanup
//
// A third, small STANDARD machine (Cleanup) stops the workers after a run
// that ended without its scale-in: one stopped by hand (ABORTED) or timed
// out (TIMED_OUT) skips every state, catch-all included. The component
// starts it from an EventBridge rule on the two machines' status change
// events; it scales in only when no other run of either workflow is
// RUNNING.
//
// # The worker contract
//
// The activity's tasks are JSON objects with an "op" field (OpPlan,
// OpGenerate, OpManifest, OpPrepare, OpSimulate, OpAggregate), each with its
// input and output types in contract.go. The batched ops receive the
// ItemBatcher shape {"op", "Items", "BatchInput"}; the run context reaches
// every simulate batch as BatchInput.run (a RunContext from prepare), and
// the full model parameters are in the run manifest it points to. Tasks
// fail with the stable error names (ErrWorkerInterrupted, ErrInputInvalid,
// ErrS3SlowDown, ...) the definitions' Retry lists match. Data lives in S3
// under the key layout of keys.go; outputs are keyed by BatchID, so a
// retried or duplicated batch overwrites its own outputs.
//
// # The Simulate input
//
// Besides the RunDefaults keys (scenarios, seed, targetRate, horizonMonths:
// 1 to MaxHorizonMonths = 120, default 27) and the input keys, a Simulate
// execution takes "tailShift" (importance sampling, 0 to MaxTailShift) and
// "scenarioKey": the data bucket key of a scenario file (docs/scenarios.md).
// prepare reads and parses it with the run's horizon and records the parsed
// paths in the run manifest (model.Params.Scenario) before any batch starts;
// an unreadable or bad file fails the run with ErrInputInvalid naming the
// key, line and column. For example:
//
//	{"scenarioKey": "runs/_scenarios/<sha256>/fed-2025-severely-adverse.csv", "horizonMonths": 27, "tailShift": 1.5}
package workflow
