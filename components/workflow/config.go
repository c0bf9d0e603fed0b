package workflow

import "fmt"

// Config is everything the definitions depend on. Zero values of the tuning
// fields mean the documented defaults (see WithDefaults).
type Config struct {
	// Where the resources live; used to build ARNs the definitions refer to.
	Partition string // default "aws"
	Region    string
	AccountID string

	// Deterministic names, so each state machine can know the other's ARN and
	// its own (the Distributed Map needs states:StartExecution on itself).
	GenerateStateMachineName string
	SimulateStateMachineName string

	// Compute picks where the operations run: ComputeFargateSpot (""
	// means it) or ComputeLambda. It decides which fields below are read:
	//
	//	fargate-spot: ActivityArn, ClusterName, ServiceName, WorkerCount,
	//	              TasksPerWorker, HeartbeatSeconds, WorkerWait*
	//	lambda:       FunctionArn, FunctionTimeoutSeconds
	//	ec2-spot:     fargate-spot's, and AutoScalingGroupName
	//
	// and the defaults of BatchSize, ShardSize, MaxConcurrency,
	// LoanScenarioNanos and the batch timeouts (see WithDefaults).
	Compute string

	ActivityArn string // fargate-spot: the activity the workers poll
	ClusterName string // fargate-spot: ECS cluster of the worker service
	ServiceName string // fargate-spot: ECS service scaled out and in by the workflows
	DataBucket  string // loans, manifests and runs

	// AutoScalingGroupName (ec2-spot) is the group of Spot instances the
	// service's capacity provider scales. Workers.NotStarted names it: when
	// no worker runs after the bounded wait, the group's activity history
	// says why (Spot capacity for its instance types, the vCPU quota).
	AutoScalingGroupName string

	// FunctionArn (lambda) is the ARN of the worker function every task
	// invokes: the component's container-image function, unqualified or
	// with an alias or version. The state machine role needs
	// lambda:InvokeFunction on it (StateMachineStatements).
	FunctionArn string
	// FunctionTimeoutSeconds (lambda) is the function's configured timeout,
	// which the component sets and the control tasks (plan, manifest,
	// prepare, aggregate) wait for; 0: DefaultFunctionTimeoutSeconds (900,
	// Lambda's maximum). The batch tasks' timeouts must not exceed it.
	FunctionTimeoutSeconds int

	WorkerCount             int     // fargate-spot: ECS desired count during a run
	TasksPerWorker          int     // activity tasks one worker runs at once
	BatchSize               int     // simulate: target loans per batch (prepare turns it into MaxItemsPerBatch)
	ShardSize               int     // generate: loans per shard of the plan
	MaxConcurrency          int     // 0: WorkerCount * TasksPerWorker, so batches never queue; lambda: DefaultLambdaMaxConcurrency
	ToleratedFailurePercent float64 // Distributed Map ToleratedFailurePercentage

	TaskTimeoutSeconds int // simulate task TimeoutSeconds; 0: derived from the batch size with margin (SimulateTimeoutSeconds); lambda: LambdaBatchTimeoutSeconds
	HeartbeatSeconds   int // activity HeartbeatSeconds; workers beat at a third of it

	// GenerateTimeoutSeconds is the generate task's TimeoutSeconds; 0: derived
	// from ShardSize with margin (GenerateTimeoutSeconds); lambda:
	// LambdaBatchTimeoutSeconds.
	GenerateTimeoutSeconds int
	// ControlTimeoutSeconds is the TimeoutSeconds of the single tasks (plan,
	// manifest, prepare, aggregate), which read or write a whole dataset's
	// listing or every partial of a run. Lambda ignores it: those tasks wait
	// for FunctionTimeoutSeconds.
	ControlTimeoutSeconds int
	// LoanScenarioNanos is what one loan in one scenario costs a simulate
	// task, in nanoseconds, as the timeout derivation assumes it. Prepare
	// shrinks batches so they fit the timeout when a run asks for more
	// scenarios than the defaults. 0: DefaultLoanScenarioNanos (fargate-spot),
	// DefaultLambdaLoanScenarioNanos (lambda; the measured kernel, see
	// LambdaBatchTimeoutSeconds for the derivation).
	LoanScenarioNanos int

	// Bounded wait for running workers after scale-out.
	WorkerWaitSeconds  int // between describeServices polls
	WorkerWaitMaxPolls int // then fail with Workers.NotStarted

	Retry RetryPolicy

	Defaults RunDefaults // run parameters used where the execution input is silent
}

// RetryPolicy is the Retry of every activity task on a lost worker
// (States.Timeout, States.HeartbeatTimeout) and on S3 throttling or I/O
// (S3.SlowDown, S3.IO). Worker.Interrupted has its own retrier that retries
// at once (see interruptedRetrier).
type RetryPolicy struct {
	MaxAttempts     int
	IntervalSeconds int
	BackoffRate     float64
	MaxDelaySeconds int
}

// RunDefaults are the run parameters a stack sets (pulumi config) and an
// execution input may override key by key.
type RunDefaults struct {
	Dataset       string  `json:"dataset"` // dataset name generate writes and simulate reads by default
	Loans         int64   `json:"loans"`
	Scenarios     int     `json:"scenarios"`
	Seed          int64   `json:"seed"`
	Layout        string  `json:"layout"` // "sharded" or "per-loan"
	TargetRate    float64 `json:"targetRate"`
	HorizonMonths int     `json:"horizonMonths"`
}

// StateMachineArn returns the ARN of the state machine with the given name in
// the configured partition, region and account.
func (c Config) StateMachineArn(name string) string {
	p := c.Partition
	if p == "" {
		p = "aws"
	}
	return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", p, c.Region, c.AccountID, name)
}
