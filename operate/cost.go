package operate

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Measured figures the estimate rests on.
const (
	// KernelNanosPerLoanScenario is the model's cost of one loan in one
	// scenario on one vCPU: the portfolio generator's mix at the workflow's
	// default horizon (27 months), measured on an AMD EPYC vCPU with
	//
	//	go test ./operate -run '^$' -bench KernelAtRunDefaults -benchtime 2s
	//	go test ./worker/model -run '^$' -bench 'Raw|GeneratedPortfolio' -benchtime 2s
	//
	// Model v2 (2026-12-06, a loaded shared machine, so process CPU time:
	// the second command's cpu-ns/loan-scenario) measured 238-245; version
	// 1's was 57 (12-month horizon, stressed paths only). After the speed
	// branch's kernel changes (7-19% fewer instructions on the variable-rate
	// loans) the same benchmark read 250-277 on a still more loaded machine,
	// 7% under the old kernel's figures of the same runs; 245 stays. A whole
	// default `montecarlo local` (500,000 x 1,000) used 148 CPU-seconds,
	// about 300 ns per loan-scenario with generation and I/O.
	//
	// Model 2.1.0's margin grid (cards and home equity lines; docs/model.md,
	// "Speed") brought the generator's book to 85 cpu-ns and the default
	// local run to 52 CPU-seconds (2026-12-06, load average about 5). 245
	// stays as the figure estimates and batch sizing use: a user's book with
	// more loans walked month by month (variable-rate amortising loans,
	// lines with a DSCR term, ARMs: 500-1,100 ns each) costs more than the
	// generator's, and an estimate that runs short is the worse error.
	// Override with CostInput.KernelNanos.
	KernelNanosPerLoanScenario = 245
	// LoanJSONBytes is the mean size of one generated loan's JSON (same
	// benchmark, json-bytes/loan: 286).
	LoanJSONBytes = 286
	// S3GetLatency is the time to first byte of one GET. Amazon S3's
	// performance guidelines put small-object latency at tens of
	// milliseconds (100-200 ms at worst); per-loan objects pay it once per loan.
	S3GetLatency = 30 * time.Millisecond
	// S3StreamBytesPerSecond is one GET stream's throughput (about 90 MB/s
	// per connection, S3 performance guidelines).
	S3StreamBytesPerSecond = 90e6
	// DefaultS3Concurrency is the worker's S3 transfers per task
	// (worker/workerconfig DefaultS3Concurrency).
	DefaultS3Concurrency = 8
	// ManifestItemBytes is the size of one item in a batch's input (a CSV
	// manifest row as JSON: bucket, key, size, loans).
	ManifestItemBytes = 120
	// BatchOverhead is the Step Functions round trip of one batch: child
	// execution start, activity dispatch, the worker's report.
	BatchOverhead = 200 * time.Millisecond
	// WorkerStartup is scale-out to running workers (Fargate Spot placement
	// and image pull), billed from the pull; WorkerShutdown is scale-in to
	// stopped tasks.
	WorkerStartup  = 90 * time.Second
	WorkerShutdown = 30 * time.Second
	// ParentTransitions are the state transitions of a Simulate execution's
	// success path (ApplyDefaults, MergeInput, CheckOwnRuns, CheckOtherRuns,
	// AnotherRunInProgress?, ScaleOut, StartWorkerWait, DescribeWorkers,
	// WorkersRunning?, WorkersReady, Prepare, InputKind?, the Map, Aggregate,
	// ScaleIn, Succeeded, plus the Map Run start); each worker-wait poll adds
	// WaitPollTransitions.
	ParentTransitions   = 17
	WaitPollTransitions = 4
	// ChildTransitions: Step Functions charges one transition per child
	// execution a Distributed Map starts, plus the child's own states (one
	// activity Task) ("Transitions in Distributed Map state", Step Functions
	// developer guide).
	ChildTransitions = 2
	// InterfaceEndpoints are the stack's interface VPC endpoints: ECR API,
	// ECR Docker, CloudWatch Logs and Step Functions (S3 is a free gateway).
	InterfaceEndpoints = 4
	// BatchPuts are the objects a batch writes: results (Parquet) and the
	// loss partial; the errors file only when a loan is rejected.
	BatchPuts = 2
	// RunPuts are a run's other writes: run manifest, report.json,
	// report.html, report.md and the ResultWriter's manifest and results.
	RunPuts = 6
	// LogBytesPerBatch is what a batch logs through the CloudWatch Logs
	// endpoint; BatchOutputBytes is its task output through Step Functions.
	LogBytesPerBatch = 2048
	BatchOutputBytes = 512
	// Defaults of the stack (components DefaultTaskCPU, DefaultTaskMemory,
	// DefaultAvailabilityZoneCount), repeated here because the command line
	// does not import Pulumi.
	DefaultTaskCPU = 1024
	DefaultTaskMiB = 2048
	DefaultAZCount = 2
	// DefaultLambdaMemoryMB is the function's default memory (components
	// DefaultLambdaMemoryMB): one vCPU, lambdaOneVCPUMemoryMB.
	DefaultLambdaMemoryMB = lambdaOneVCPUMemoryMB
	hoursPerSecond        = 1.0 / 3600
	bytesPerGB            = 1e9
	fargateMinimumS       = 60 // Fargate bills at least one minute per task
)

// Compute variants of an estimate (CostInput.Compute).
const (
	ComputeFargateSpot = workflow.ComputeFargateSpot
	ComputeLambda      = workflow.ComputeLambda
)

// CostInput describes a Simulate run to estimate. Zero fields take the
// stack's defaults (see Normalize).
type CostInput struct {
	Loans          int64
	Scenarios      int
	Workers        int
	TasksPerWorker int
	TaskCPU        int // Fargate CPU units, 1024 = 1 vCPU
	TaskMemoryMiB  int
	BatchSize      int // target loans per batch
	ShardSize      int // loans per sharded object
	S3Concurrency  int // S3 transfers per task
	AZCount        int
	// KernelNanos is the model's ns per loan-scenario on one vCPU.
	KernelNanos float64
	Prices      Prices

	// Compute is ComputeFargateSpot (default), ComputeLambda or
	// ComputeEC2Spot (the same workers and tasks on EC2 Spot instances). With
	// lambda, Workers, TasksPerWorker, TaskCPU, TaskMemoryMiB and AZCount
	// are not read, and BatchSize is the workflow's Lambda batch
	// (LambdaBatchSize) unless set.
	Compute string
	// LambdaMemoryMB is the function's memory (lambda), 128 to 10240.
	LambdaMemoryMB int
	// LambdaConcurrency is how many batches run at once (lambda: the
	// Map's MaxConcurrency, workflow.DefaultLambdaMaxConcurrency).
	LambdaConcurrency int
	// EC2InstanceTypes are the Auto Scaling group's types (ec2-spot),
	// priced from EC2InstanceTypes; default DefaultEC2InstanceTypes.
	EC2InstanceTypes []string
}

// Normalize returns in with defaults for zero fields, or an error naming
// every field out of range.
func (in CostInput) Normalize() (CostInput, error) {
	in = in.withDefaults()
	return in, in.Validate()
}

func (in CostInput) withDefaults() CostInput {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&in.Scenarios, workflow.DefaultScenarios)
	def(&in.Workers, workflow.DefaultWorkerCount)
	def(&in.TasksPerWorker, workflow.DefaultTasksPerWorker)
	def(&in.TaskCPU, DefaultTaskCPU)
	def(&in.TaskMemoryMiB, DefaultTaskMiB)
	def(&in.BatchSize, workflow.DefaultBatchSize)
	def(&in.ShardSize, workflow.DefaultShardSize)
	def(&in.S3Concurrency, DefaultS3Concurrency)
	def(&in.AZCount, DefaultAZCount)
	if in.Loans == 0 {
		in.Loans = workflow.DefaultLoans
	}
	if in.KernelNanos == 0 {
		in.KernelNanos = KernelNanosPerLoanScenario
	}
	if in.Prices == nil {
		in.Prices = DefaultPrices
	}
	if in.Compute == "" {
		in.Compute = ComputeFargateSpot
	}
	def(&in.LambdaMemoryMB, DefaultLambdaMemoryMB)
	def(&in.LambdaConcurrency, workflow.DefaultLambdaMaxConcurrency)
	if in.EC2InstanceTypes == nil {
		in.EC2InstanceTypes = DefaultEC2InstanceTypes
	}
	return in
}

// Validate returns an error naming every field out of range (by its
// command-line flag); zero is out of range, as Validate applies no
// defaults: the command line, whose flags carry the defaults, calls it so
// that an explicit --loans 0 is an error rather than the default.
func (in CostInput) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if in.Loans < 1 || in.Loans > workflow.MaxLoans {
		bad("--loans = %d: want 1 to %d", in.Loans, int64(workflow.MaxLoans))
	}
	if in.Scenarios < 1 || in.Scenarios > workflow.MaxScenarios {
		bad("--scenarios = %d: want 1 to %d", in.Scenarios, workflow.MaxScenarios)
	}
	if in.Workers < 1 || in.Workers > 10_000 {
		bad("--workers = %d: want 1 to 10000", in.Workers)
	}
	if in.TasksPerWorker < 1 || in.TasksPerWorker > workflow.MaxTasksPerWorker {
		bad("--tasks-per-worker = %d: want 1 to %d", in.TasksPerWorker, workflow.MaxTasksPerWorker)
	}
	if in.TaskCPU < 256 || in.TaskCPU > 16384 {
		bad("--task-cpu = %d: want Fargate CPU units, 256 (0.25 vCPU) to 16384 (16 vCPU)", in.TaskCPU)
	}
	if in.TaskMemoryMiB < 512 || in.TaskMemoryMiB > 122880 {
		bad("--task-memory = %d: want MiB, 512 to 122880", in.TaskMemoryMiB)
	}
	if in.BatchSize < 1 {
		bad("--batch-size = %d: want 1 or more loans", in.BatchSize)
	}
	if in.ShardSize < 1 {
		bad("--shard-size = %d: want 1 or more loans", in.ShardSize)
	}
	if in.S3Concurrency < 1 {
		bad("--s3-concurrency = %d: want 1 or more", in.S3Concurrency)
	}
	if in.AZCount < 1 || in.AZCount > 6 {
		bad("--azs = %d: want 1 to 6", in.AZCount)
	}
	if in.KernelNanos <= 0 || math.IsNaN(in.KernelNanos) || math.IsInf(in.KernelNanos, 0) {
		bad("--kernel-ns = %g: want a positive, finite number of nanoseconds", in.KernelNanos)
	}
	switch in.Compute {
	case ComputeFargateSpot:
	case ComputeEC2Spot:
		in.checkEC2(bad)
	case ComputeLambda:
		if in.LambdaMemoryMB < 128 || in.LambdaMemoryMB > 10240 {
			bad("--lambda-memory = %d: want MB, 128 to 10240", in.LambdaMemoryMB)
		}
		if in.LambdaConcurrency < 1 || in.LambdaConcurrency > workflow.MaxMapConcurrency {
			bad("--lambda-concurrency = %d: want 1 to %d", in.LambdaConcurrency, workflow.MaxMapConcurrency)
		}
	default:
		bad("--compute = %q: want %q, %q or %q", in.Compute, ComputeFargateSpot, ComputeLambda, ComputeEC2Spot)
	}
	return errors.Join(errs...)
}

// Line is one item of an estimate.
type Line struct {
	Item     string  // what is charged
	Quantity float64 // how many units
	PriceKey string  // the Prices key of the unit price
	USD      float64 // Quantity x price
}

// Estimate is the cost and duration of one Simulate run in one layout.
type Estimate struct {
	Compute        string // ComputeFargateSpot, ComputeLambda or ComputeEC2Spot
	Layout         string
	Objects        int64 // loan objects read
	ItemsPerBatch  int64 // objects per batch
	Batches        int64
	ComputeSeconds float64 // CPU-seconds of the model
	ReadSeconds    float64 // stream-seconds of S3 GETs
	// Work is the time the workers are busy, Duration the run's wall time
	// from scale-out to scale-in.
	Work     time.Duration
	Duration time.Duration
	Lines    []Line
	TotalUSD float64
	// StandardChildrenUSD is, with lambda, what the Map's children would
	// cost as STANDARD executions (ChildTransitions each) instead of the
	// EXPRESS ones the definitions use and the total charges.
	StandardChildrenUSD float64
}

// Line returns the line whose item starts with prefix, or a zero Line.
func (e Estimate) Line(item string) Line {
	for _, l := range e.Lines {
		if l.Item == item {
			return l
		}
	}
	return Line{}
}

// Line items, in the order estimates list them.
const (
	ItemVCPU        = "Fargate Spot vCPU"
	ItemMemory      = "Fargate Spot memory"
	ItemTransitions = "Step Functions transitions"
	ItemGetLoans    = "S3 GET loan objects"
	ItemGetOther    = "S3 GET manifests, partials"
	ItemPut         = "S3 PUT results, partials, report"
	ItemList        = "S3 LIST partials"
	ItemVPCEHours   = "VPC interface endpoint hours"
	ItemVPCEData    = "VPC endpoint data processed"

	ItemLambdaDuration  = "Lambda duration (x86)"
	ItemLambdaRequests  = "Lambda requests"
	ItemExpressRequests = "Step Functions Express children"
	ItemExpressDuration = "Step Functions Express duration"
)

// EstimateCost estimates a Simulate run over in.Loans loans stored in
// layout (workflow.LayoutPerLoan or workflow.LayoutSharded) read through a
// CSV manifest. The model, each figure a named constant above:
//
//	objects  = loans (per-loan) or ceil(loans / shard size) (sharded)
//	items    = objects per batch, by workflow.BatchItems (prepare's rule)
//	batches  = ceil(objects / items)
//	compute  = loans x scenarios x KernelNanos           CPU-seconds
//	read     = objects x (S3GetLatency + bytes / S3StreamBytesPerSecond)
//	work     = compute / (workers x vCPU)
//	         + read / (workers x tasks per worker x S3 concurrency)
//	         + batches x BatchOverhead / (workers x tasks per worker)
//	duration = WorkerStartup + work + WorkerShutdown
//
// Reads are not assumed to overlap compute, so the duration errs long.
// Workers are billed for the whole duration (at least a minute each).
func EstimateCost(in CostInput, layout string) (Estimate, error) {
	in, err := in.Normalize()
	if err != nil {
		return Estimate{}, err
	}
	if in.Compute == ComputeLambda {
		return estimateLambda(in, layout)
	}
	e := Estimate{Compute: in.Compute, Layout: layout}
	loansPerObject, err := layoutLoansPerObject(in, layout)
	if err != nil {
		return Estimate{}, err
	}
	e.Objects = ceilDiv(in.Loans, loansPerObject)
	timeout := workflow.SimulateTimeoutSeconds(int64(max(in.BatchSize, int(loansPerObject))), in.Scenarios, workflow.DefaultLoanScenarioNanos, workflow.DefaultHeartbeatSeconds)
	items, err := workflow.BatchItems(in.BatchSize, loansPerObject, timeout, in.Scenarios, workflow.DefaultLoanScenarioNanos)
	if err != nil {
		return Estimate{}, fmt.Errorf("estimate %s: %w", layout, err)
	}
	// ItemBatcher's MaxInputBytesPerBatch caps the items of a batch too.
	e.ItemsPerBatch = min(int64(items), max(1, int64(workflow.MaxBatchInputBytes/ManifestItemBytes)))
	e.Batches = ceilDiv(e.Objects, e.ItemsPerBatch)

	vcpu := float64(in.TaskCPU) / 1024
	memGB := float64(in.TaskMemoryMiB) / 1024
	slots := float64(in.Workers * in.TasksPerWorker)
	objectBytes := float64(loansPerObject * LoanJSONBytes)
	e.ComputeSeconds = float64(in.Loans) * float64(in.Scenarios) * in.KernelNanos / 1e9
	e.ReadSeconds = float64(e.Objects) * (S3GetLatency.Seconds() + objectBytes/S3StreamBytesPerSecond)
	workVCPUs, startup := float64(in.Workers)*vcpu, WorkerStartup
	var fleet ec2Fleet
	if in.Compute == ComputeEC2Spot {
		fleet = newEC2Fleet(in)
		workVCPUs, startup = ec2WorkVCPUs(in, fleet), EC2ScaleOutDelay+EC2InstanceBoot
	}
	work := e.ComputeSeconds/workVCPUs +
		e.ReadSeconds/(slots*float64(in.S3Concurrency)) +
		float64(e.Batches)*BatchOverhead.Seconds()/slots
	e.Work = seconds(work)
	durationS := startup.Seconds() + work + WorkerShutdown.Seconds()
	e.Duration = seconds(durationS)

	billedHours := math.Max(durationS, fargateMinimumS) * hoursPerSecond
	polls := math.Ceil(startup.Seconds() / workflow.DefaultWorkerWaitSeconds)
	transitions := ParentTransitions + polls*WaitPollTransitions + float64(e.Batches)*ChildTransitions
	// Aggregate reads every partial and the ResultWriter's files; prepare
	// reads the CSV manifest (the Map reads it again) and the dataset summary.
	otherGets := float64(e.Batches) + 4
	puts := float64(e.Batches)*BatchPuts + RunPuts
	lists := math.Ceil(float64(e.Batches) / 1000)
	endpointGB := float64(e.Batches) * float64(e.ItemsPerBatch*ManifestItemBytes+BatchOutputBytes+LogBytesPerBatch) / bytesPerGB

	p := in.Prices
	add := func(item string, qty float64, key string) {
		l := Line{Item: item, Quantity: qty, PriceKey: key, USD: qty * p.Get(key)}
		e.Lines = append(e.Lines, l)
		e.TotalUSD += l.USD
	}
	if in.Compute == ComputeEC2Spot {
		ec2Lines(in, fleet, work, add)
	} else {
		add(ItemVCPU, float64(in.Workers)*vcpu*billedHours, "fargate-spot-vcpu-hour")
		add(ItemMemory, float64(in.Workers)*memGB*billedHours, "fargate-spot-gb-hour")
	}
	add(ItemTransitions, transitions, "sfn-transition")
	add(ItemGetLoans, float64(e.Objects), "s3-get")
	add(ItemGetOther, otherGets, "s3-get")
	add(ItemPut, puts, "s3-put")
	add(ItemList, lists, "s3-list")
	add(ItemVPCEHours, float64(interfaceEndpoints(in.Compute)*in.AZCount)*durationS*hoursPerSecond, "vpce-hour")
	add(ItemVPCEData, endpointGB, "vpce-gb")
	return e, nil
}

// StandingEndpointUSDPerMonth is what the stack's interface endpoints cost
// per 730-hour month while deployed, runs or not.
func StandingEndpointUSDPerMonth(azCount int, p Prices) float64 {
	return float64(InterfaceEndpoints*azCount) * 730 * p.Get("vpce-hour")
}

// layoutLoansPerObject is how many loans one stored object of the layout
// holds.
func layoutLoansPerObject(in CostInput, layout string) (int64, error) {
	switch layout {
	case workflow.LayoutPerLoan:
		return 1, nil
	case workflow.LayoutSharded:
		return int64(in.ShardSize), nil
	}
	return 0, fmt.Errorf("layout %q: want %q or %q", layout, workflow.LayoutPerLoan, workflow.LayoutSharded)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
