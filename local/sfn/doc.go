// Package sfnlocal is a local AWS Step Functions: an interpreter for state
// machines in the Amazon States Language (parsed and validated by
// components/asl) behind an HTTP endpoint that speaks the service's real
// protocol (AWS JSON 1.0: POST /, "X-Amz-Target: AWSStepFunctions.<Action>",
// camelCase JSON, errors as {"__type", "message"}), so the unmodified
// aws-sdk-go-v2 sfn client, the AWS CLI and the workers talk to it as to the
// service. Every action is also a Go method with the same request and
// response shapes, for in-process use and tests.
//
// # Wiring
//
//	svc := sfnlocal.New(sfnlocal.Options{
//		TimeScale: 0.01,                       // every wait, retry and timeout x0.01
//		S3:        sfnlocal.NewS3Client(s3c),  // ItemReader / ResultWriter
//		ECS:       ecsAdapter,                 // aws-sdk:ecs:updateService / describeServices
//	})
//	defer svc.Close()                          // aborts running executions, waits for them
//	ln, _ := net.Listen("tcp", "127.0.0.1:0")  // loopback: any credentials are accepted
//	go svc.ServeListener(ctx, ln)              // or use svc as an http.Handler
//
// Durations of the modelled world (Wait states, retry intervals, TimeoutSeconds,
// HeartbeatSeconds, a machine's TimeoutSeconds and the 60 s GetActivityTask
// long poll) are multiplied by TimeScale; timestamps are real clock times.
// A scaled HeartbeatSeconds lasts at least Options.MinHeartbeat of wall time;
// Options.UnscaledActivityTimeouts leaves activity tasks' TimeoutSeconds
// unscaled.
//
// # Implemented
//
// Actions: CreateActivity, DescribeActivity, ListActivities, DeleteActivity,
// GetActivityTask, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat,
// CreateStateMachine (asl.Parse and Validate; problems are
// InvalidDefinition), DescribeStateMachine, ListStateMachines,
// UpdateStateMachine, DeleteStateMachine, StartExecution (name optional;
// idempotent for the same name and input while RUNNING, otherwise
// ExecutionAlreadyExists), DescribeExecution, StopExecution, ListExecutions
// (by machine or mapRunArn, statusFilter, redriveFilter, paging),
// GetExecutionHistory, DescribeStateMachineForExecution, ListMapRuns,
// DescribeMapRun and RedriveExecution.
//
// States: Pass, Task, Choice (every operator, Path variants, And/Or/Not,
// StringMatches wildcards), Wait (Seconds, SecondsPath, Timestamp,
// TimestampPath), Succeed, Fail (Error/ErrorPath, Cause/CausePath),
// Parallel, Map INLINE (at most 40 iterations at once) and DISTRIBUTED.
// Data flow: InputPath, Parameters and ItemSelector with ".$" paths, the
// context object and intrinsic functions (package paths), ResultSelector,
// ResultPath (null keeps the input), OutputPath. Retry (ErrorEquals,
// IntervalSeconds, BackoffRate, MaxAttempts per retrier, MaxDelaySeconds,
// JitterStrategy FULL) and Catch (error output {"Error", "Cause"} at
// ResultPath). States.ALL does not match States.Runtime or
// States.DataLimitExceeded; States.TaskFailed does not match States.Timeout
// or States.HeartbeatTimeout; States.Timeout matches States.HeartbeatTimeout.
//
// Task resources: activity ARNs (TimeoutSeconds counted from scheduling, so
// queue time counts; HeartbeatSeconds from when a worker takes the task; a
// report after either fired is TaskTimedOut), and the aws-sdk integrations
// ecs:updateService, ecs:describeServices (through ECSAPI),
// sfn:listExecutions and sfn:describeExecution (this emulator). Any other
// resource fails the state with States.Runtime naming it.
//
// Distributed Map: ItemReader over S3 (CSV with FIRST_ROW or GIVEN headers,
// JSON, JSONL, S3 Inventory MANIFEST, s3:listObjectsV2) with MaxItems,
// ItemSelector with $$.Map.Item, ItemBatcher (MaxItemsPerBatch,
// MaxInputBytesPerBatch, BatchInput), MaxConcurrency, ToleratedFailureCount
// and ToleratedFailurePercentage (States.ExceedToleratedFailureThreshold),
// STANDARD child executions with their own ARNs listed by ListExecutions
// with mapRunArn, a Map Run with item and execution counters, and
// ResultWriter (manifest.json and SUCCEEDED_n.json / FAILED_n.json under
// Prefix/<map run id>/, WriterConfig OutputType and Transformation).
//
// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED execution at the
// top-level state it ended in, with that state's input. A Distributed Map
// state being redriven reuses its Map Run: children that succeeded keep
// their output, failed, timed-out and aborted children are redriven (same
// ARNs, redriveCount incremented) and unstarted batches start. A Parallel
// or inline Map state is re-run as a whole (the service re-runs only its
// unsuccessful iterations).
//
// # Left out
//
// JSONata and variables (Assign), Lambda, .sync and .waitForTaskToken
// integrations (so $$.Task.Token is never set), other aws-sdk actions,
// EXPRESS semantics (EXPRESS machines and children run like STANDARD ones),
// versions and aliases, tags, logging and tracing configuration,
// StartSyncExecution, TestState, Parquet and ATHENA_DATA readers, the
// PENDING result files, quotas other than the 256 KiB payload limit, and the
// 90-day name reuse window (names stay taken while the service runs).
package sfnlocal
