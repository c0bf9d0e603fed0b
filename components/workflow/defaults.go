package workflow

// Documented defaults of Config, applied by WithDefaults to zero fields.
const (
	DefaultPartition = "aws"
	// DefaultWorkerCount and DefaultTasksPerWorker keep a first run inside a
	// new account's 6 Fargate Spot vCPUs.
	DefaultWorkerCount    = 2
	DefaultTasksPerWorker = 2
	// DefaultBatchSize is the target number of loans per simulate batch. A
	// per-loan input batches this many objects; a sharded input batches
	// whole shards, at least one.
	DefaultBatchSize = 1000
	// DefaultShardSize is the number of loans per generated shard, and per
	// JSON Lines object: 10,000 times fewer S3 requests than one object
	// per loan.
	DefaultShardSize = 10000
	// DefaultHeartbeatSeconds: workers heartbeat at a third of it (every
	// 40 s), well inside the SendTaskHeartbeat refill rate even with 1,000
	// tasks in flight.
	DefaultHeartbeatSeconds      = 120
	DefaultControlTimeoutSeconds = 3600
	// DefaultLoanScenarioNanos is a conservative cost of one loan in one
	// scenario on a Fargate vCPU shared by the worker's tasks (the model's
	// benchmark measures well under it; see worker/model). Model v2 at the
	// 27-month horizon measures about 245 CPU-ns for the generator's book
	// and about 1,000 for its slowest loans (monthly resets; `go test
	// ./worker/model -bench Evaluate`, 2026-12-06): 8,000 covers a batch of
	// only the slowest loans on half a vCPU (two tasks per worker) four
	// times over, about the margin version 1's 2,000 left over its 57 ns
	// book. Timeouts derive from it with TimeoutSafetyFactor on top.
	DefaultLoanScenarioNanos = 8000
	// DefaultWorkerWaitSeconds x DefaultWorkerWaitMaxPolls = 10 minutes for
	// Fargate Spot to place the tasks and pull the image.
	DefaultWorkerWaitSeconds  = 15
	DefaultWorkerWaitMaxPolls = 40

	DefaultRetryMaxAttempts     = 3
	DefaultRetryIntervalSeconds = 10
	DefaultRetryBackoffRate     = 2.0
	DefaultRetryMaxDelaySeconds = 120

	DefaultDataset       = "default"
	DefaultLoans         = 500_000
	DefaultScenarios     = 1000
	DefaultSeed          = 1
	DefaultLayout        = LayoutSharded
	DefaultTargetRate    = 0.08 // MODEL.md: the policy rate goes to 8%
	DefaultHorizonMonths = 27   // nine quarters, the horizon of the Fed's stress tests
)

// Timeout derivation. An activity task's TimeoutSeconds clock starts when the
// task is scheduled, so it covers the wait in the queue as well as the work
// (DESIGN.md, "Facts that shape the workflows").
const (
	// TaskStartMarginSeconds covers the queue wait (batches never queue when
	// MaxConcurrency <= WorkerCount x TasksPerWorker, but a retried batch may
	// wait for a slot), reading the batch's input and writing its outputs.
	TaskStartMarginSeconds = 180
	// TimeoutSafetyFactor multiplies the expected compute time.
	TimeoutSafetyFactor = 3
	// GenerateLoanNanos is a conservative cost of generating, encoding and
	// uploading one loan.
	GenerateLoanNanos = 50_000
)

// WithDefaults returns a copy of c with every zero tuning field set to its
// documented default. Derived fields come last, from the defaulted values:
//
//	MaxConcurrency         = WorkerCount x TasksPerWorker (batches never queue)
//	TaskTimeoutSeconds     = SimulateTimeoutSeconds(max(BatchSize, ShardSize), Defaults.Scenarios,
//	                             LoanScenarioNanosAt(LoanScenarioNanos, Defaults.HorizonMonths), HeartbeatSeconds)
//	GenerateTimeoutSeconds = GenerateTimeoutSeconds(ShardSize, HeartbeatSeconds)
//
// Names, ARNs and the bucket have no default: Validate requires them. A
// negative number is kept, so that Validate reports it.
//
// The Lambda flavour (Compute = ComputeLambda) differs:
//
//	LoanScenarioNanos      = DefaultLambdaLoanScenarioNanos (the measured kernel x 2)
//	BatchSize, ShardSize   = min(DefaultShardSize, the most loans that fit TaskTimeoutSeconds
//	                         (LambdaBatchLoans at the default timeout))
//	                         (one shard per invocation, and a shard always fits one)
//	MaxConcurrency         = DefaultLambdaMaxConcurrency
//	TaskTimeoutSeconds     = GenerateTimeoutSeconds = LambdaBatchTimeoutSeconds
//	FunctionTimeoutSeconds = DefaultFunctionTimeoutSeconds
func (c Config) WithDefaults() Config {
	setString(&c.Partition, DefaultPartition)
	setString(&c.Compute, ComputeFargateSpot)
	if c.IsLambda() {
		c.withLambdaDefaults()
	}
	setInt(&c.WorkerCount, DefaultWorkerCount)
	setInt(&c.TasksPerWorker, DefaultTasksPerWorker)
	setInt(&c.BatchSize, DefaultBatchSize)
	setInt(&c.ShardSize, DefaultShardSize)
	setInt(&c.HeartbeatSeconds, DefaultHeartbeatSeconds)
	setInt(&c.ControlTimeoutSeconds, DefaultControlTimeoutSeconds)
	setInt(&c.LoanScenarioNanos, DefaultLoanScenarioNanos)
	setInt(&c.WorkerWaitSeconds, DefaultWorkerWaitSeconds)
	setInt(&c.WorkerWaitMaxPolls, DefaultWorkerWaitMaxPolls)

	setInt(&c.Retry.MaxAttempts, DefaultRetryMaxAttempts)
	setInt(&c.Retry.IntervalSeconds, DefaultRetryIntervalSeconds)
	if c.Retry.BackoffRate == 0 {
		c.Retry.BackoffRate = DefaultRetryBackoffRate
	}
	setInt(&c.Retry.MaxDelaySeconds, DefaultRetryMaxDelaySeconds)

	d := &c.Defaults
	setString(&d.Dataset, DefaultDataset)
	if d.Loans == 0 {
		d.Loans = DefaultLoans
	}
	setInt(&d.Scenarios, DefaultScenarios)
	if d.Seed == 0 {
		d.Seed = DefaultSeed
	}
	setString(&d.Layout, DefaultLayout)
	if d.TargetRate == 0 {
		d.TargetRate = DefaultTargetRate
	}
	setInt(&d.HorizonMonths, DefaultHorizonMonths)

	setInt(&c.MaxConcurrency, c.WorkerCount*c.TasksPerWorker)
	if c.TaskTimeoutSeconds == 0 {
		c.TaskTimeoutSeconds = SimulateTimeoutSeconds(c.batchLoans(), d.Scenarios, LoanScenarioNanosAt(c.LoanScenarioNanos, d.HorizonMonths), c.HeartbeatSeconds)
	}
	if c.GenerateTimeoutSeconds == 0 {
		c.GenerateTimeoutSeconds = GenerateTimeoutSeconds(c.ShardSize, c.HeartbeatSeconds)
	}
	return c
}

// withLambdaDefaults sets the fields whose Lambda defaults differ from
// the activity's, before WithDefaults sets the rest. The defaults they
// derive from (scenarios, horizon) are read as WithDefaults will set them.
func (c *Config) withLambdaDefaults() {
	setInt(&c.FunctionTimeoutSeconds, DefaultFunctionTimeoutSeconds)
	setInt(&c.LoanScenarioNanos, DefaultLambdaLoanScenarioNanos)
	scenarios, horizon := c.Defaults.Scenarios, c.Defaults.HorizonMonths
	if scenarios == 0 {
		scenarios = DefaultScenarios
	}
	if horizon == 0 {
		horizon = DefaultHorizonMonths
	}
	setInt(&c.TaskTimeoutSeconds, LambdaBatchTimeoutSeconds)
	setInt(&c.GenerateTimeoutSeconds, LambdaBatchTimeoutSeconds)
	fit := int(min(max(MaxBatchLoansWithin(c.TaskTimeoutSeconds, LambdaStartMarginSeconds, scenarios, LoanScenarioNanosAt(c.LoanScenarioNanos, horizon)), 1), MaxBatchSize))
	setInt(&c.BatchSize, min(DefaultShardSize, fit))
	setInt(&c.ShardSize, min(DefaultShardSize, fit))
	setInt(&c.MaxConcurrency, DefaultLambdaMaxConcurrency)
}

// batchLoans is the largest number of loans a simulate batch is planned to
// hold at the default scenarios: BatchSize, or one whole shard when shards
// are larger.
func (c Config) batchLoans() int64 { return int64(max(c.BatchSize, c.ShardSize)) }

// SimulateTimeoutSeconds is the TimeoutSeconds of a simulate task whose batch
// holds batchLoans loans, each run through scenarios scenarios at
// loanScenarioNanos each:
//
//	TaskStartMarginSeconds + ceil(batchLoans x scenarios x loanScenarioNanos x TimeoutSafetyFactor / 1e9)
//
// and at least twice heartbeatSeconds, so the heartbeat, not the timeout,
// is what detects a dead worker. Non-positive arguments count as 1; the
// result saturates instead of overflowing.
func SimulateTimeoutSeconds(batchLoans int64, scenarios, loanScenarioNanos, heartbeatSeconds int) int {
	work := float64(max(batchLoans, 1)) * float64(max(scenarios, 1)) * float64(max(loanScenarioNanos, 1)) * TimeoutSafetyFactor
	return timeoutFor(work, heartbeatSeconds)
}

// GenerateTimeoutSeconds is the TimeoutSeconds of a generate task writing one
// shard of shardSize loans:
//
//	TaskStartMarginSeconds + ceil(shardSize x GenerateLoanNanos x TimeoutSafetyFactor / 1e9)
//
// and at least twice heartbeatSeconds.
func GenerateTimeoutSeconds(shardSize, heartbeatSeconds int) int {
	work := float64(max(shardSize, 1)) * GenerateLoanNanos * TimeoutSafetyFactor
	return timeoutFor(work, heartbeatSeconds)
}

// MaxBatchLoans inverts SimulateTimeoutSeconds: the most loans a simulate
// batch may hold so that scenarios scenarios at loanScenarioNanos fit in
// timeoutSeconds. Prepare caps a run's batches with it when the run asks for
// more scenarios than the timeout was derived for; 0 means not even one
// loan fits.
func MaxBatchLoans(timeoutSeconds, scenarios, loanScenarioNanos int) int64 {
	return MaxBatchLoansWithin(timeoutSeconds, TaskStartMarginSeconds, scenarios, loanScenarioNanos)
}

// MaxBatchLoansWithin is MaxBatchLoans with the start margin given: the
// most loans that fit (timeoutSeconds - marginSeconds) / TimeoutSafetyFactor
// of compute. The Lambda flavour's margin is LambdaStartMarginSeconds.
func MaxBatchLoansWithin(timeoutSeconds, marginSeconds, scenarios, loanScenarioNanos int) int64 {
	budget := float64(timeoutSeconds-marginSeconds) * 1e9
	if budget <= 0 {
		return 0
	}
	per := float64(max(scenarios, 1)) * float64(max(loanScenarioNanos, 1)) * TimeoutSafetyFactor
	n := budget / per
	if n > maxTimeoutSeconds*1e9 { // far beyond any batch; avoid float-to-int overflow
		return maxTimeoutSeconds * 1e9
	}
	return int64(n)
}

// maxTimeoutSeconds caps derived timeouts at 7 days; Validate allows no
// more.
const maxTimeoutSeconds = 7 * 24 * 3600

func timeoutFor(workNanos float64, heartbeatSeconds int) int {
	secs := float64(TaskStartMarginSeconds) + workNanos/1e9
	if secs > maxTimeoutSeconds {
		return maxTimeoutSeconds
	}
	t := int(secs)
	if float64(t) < secs {
		t++
	}
	return max(t, 2*heartbeatSeconds)
}

func setInt(p *int, def int) {
	if *p == 0 {
		*p = def
	}
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}
