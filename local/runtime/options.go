package localrun

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// Names and places of the local resources. They are fixed, so a data
// directory holds the same bucket whichever run wrote it.
const (
	// Bucket is the data bucket: <DataDir>/montecarlo-local/ on disk.
	Bucket    = "montecarlo-local"
	Region    = "us-east-1"
	AccountID = "123456789012"
	// NamePrefix names the state machines (<prefix>-generate,
	// <prefix>-simulate), the activity (<prefix>-work), the ECS cluster
	// (<prefix>) and its service (<prefix>-workers).
	NamePrefix = "montecarlo-local"
)

// Defaults of Options.
const (
	// DefaultTimeScale: the modelled world runs ten times faster, so lost
	// workers are noticed in seconds rather than minutes.
	DefaultTimeScale = 0.1
	// DefaultHeartbeatSeconds is the activity tasks' HeartbeatSeconds in
	// modelled time (2 s at the default scale, raised to MinWallHeartbeat).
	DefaultHeartbeatSeconds = 20
	// DefaultWorkers and DefaultTasksPerWorker fill two cores: two workers
	// of two executors each, so a batch's S3 I/O overlaps another's compute.
	DefaultWorkers        = 2
	DefaultTasksPerWorker = 2
	// DefaultWorkerS3Concurrency is each task's parallel S3 transfers.
	DefaultWorkerS3Concurrency = 8
	// MaxWorkers bounds the in-process workers: each is a handful of
	// goroutines, but hundreds on one machine only add contention.
	MaxWorkers = 256
	// MaxTimeScale: above it a run is slower than in AWS.
	MaxTimeScale = 1.0
	// MinTimeScale: below it the modelled waits and retry intervals become
	// shorter than the scheduling noise of a busy machine.
	MinTimeScale = 0.001
	// MinWallHeartbeat is the least wall time a scaled heartbeat timeout
	// lasts, whatever TimeScale: 20 s at 0.05 would be 1 s, and a loaded
	// machine (CI runs many test binaries on two cores at load 30-60) can
	// deschedule the heartbeat goroutine, or the emulator's handler, for
	// that long, failing live tasks. A killed worker's task is then noticed
	// after 5 s rather than 1 s; every other duration keeps its scale.
	MinWallHeartbeat = 5 * time.Second
)

// Options configure a local runtime. Zero values mean the defaults.
type Options struct {
	// Compute is where the operations run: workflow.ComputeFargateSpot
	// (default: in-process workers polling the activity, started and
	// stopped by the local ECS service) or workflow.ComputeLambda (the
	// state machines invoke the worker function through a local Lambda
	// Invoke endpoint; Workers x TasksPerWorker batches at once).
	Compute string

	// DataDir holds the local S3 buckets as plain directories (default
	// ./montecarlo-data); results land in <DataDir>/montecarlo-local/runs/.
	DataDir string

	Workers        int // ECS desired count during a run (default 2)
	TasksPerWorker int // activity tasks each worker runs at once (default 2)
	BatchSize      int // target loans per simulate batch (workflow default 1,000)
	ShardSize      int // loans per generated shard and JSON Lines object (workflow default 10,000)
	// Scenarios is what the simulate task's TimeoutSeconds is derived for
	// (the state machines' default scenarios); a Run may ask for more, and
	// prepare then makes its batches smaller (workflow default 1,000).
	Scenarios int

	// TimeScale multiplies every duration of the modelled world (default 0.1).
	TimeScale float64
	// HeartbeatSeconds is the activity tasks' HeartbeatSeconds, in modelled
	// seconds (default 20; at least workflow.MinHeartbeat).
	HeartbeatSeconds int
	// RetryMaxAttempts is how often a batch lost to a dead worker or an S3
	// failure is retried (default 3, or 8 when ChaosKill is set, so that a
	// batch killed several times in a row still completes).
	RetryMaxAttempts int

	// ChaosKill is the probability, in [0, 1), that a simulate task's worker
	// dies abruptly at a random point of the task (compute lambda: that the
	// invocation's process dies, which Lambda reports as
	// Runtime.ExitError).
	ChaosKill float64
	// ChaosCorrupt is the fraction, in [0, 1), of generated records the
	// generator damages.
	ChaosCorrupt float64
	// ChaosSeed seeds the kill decisions, so a chaos run can be replayed.
	ChaosSeed uint64

	// Logger receives the JSON logs of the emulator, the ECS stand-in and
	// every worker; nil discards them.
	Logger *slog.Logger

	// WrapHandler, if set, wraps each worker's task handler: fault tests use
	// it to make workers fail. Production runs leave it nil.
	WrapHandler func(activity.Handler) activity.Handler
}

// withDefaults fills zero fields. Negative values stay, so validate reports
// them.
func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = s3local.DefaultDir
	}
	if o.Compute == "" {
		o.Compute = workflow.ComputeFargateSpot
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.TasksPerWorker == 0 {
		o.TasksPerWorker = DefaultTasksPerWorker
	}
	if o.BatchSize == 0 {
		o.BatchSize = workflow.DefaultBatchSize
	}
	if o.ShardSize == 0 {
		o.ShardSize = workflow.DefaultShardSize
	}
	if o.Scenarios == 0 {
		o.Scenarios = workflow.DefaultScenarios
	}
	if o.TimeScale == 0 {
		o.TimeScale = DefaultTimeScale
	}
	if o.HeartbeatSeconds == 0 {
		o.HeartbeatSeconds = DefaultHeartbeatSeconds
	}
	if o.RetryMaxAttempts == 0 {
		o.RetryMaxAttempts = workflow.DefaultRetryMaxAttempts
		if o.ChaosKill > 0 {
			o.RetryMaxAttempts = 8
		}
	}
	return o
}

// validate reports every problem at once, each naming the option and what is
// allowed. The workflow config checks the rest (batch and shard size ranges).
func (o Options) validate() error {
	var errs []error
	if o.Compute != workflow.ComputeFargateSpot && o.Compute != workflow.ComputeLambda {
		errs = append(errs, fmt.Errorf("Compute = %q: allowed %q or %q", o.Compute, workflow.ComputeFargateSpot, workflow.ComputeLambda))
	}
	intRange := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s = %d: allowed %d to %d", name, v, lo, hi))
		}
	}
	intRange("Workers", o.Workers, 1, MaxWorkers)
	intRange("TasksPerWorker", o.TasksPerWorker, 1, workflow.MaxTasksPerWorker)
	intRange("BatchSize", o.BatchSize, 1, workflow.MaxBatchSize)
	intRange("ShardSize", o.ShardSize, 1, workflow.MaxShardSize)
	intRange("Scenarios", o.Scenarios, 1, workflow.MaxScenarios)
	intRange("HeartbeatSeconds", o.HeartbeatSeconds, workflow.MinHeartbeat, 3600)
	intRange("RetryMaxAttempts", o.RetryMaxAttempts, 1, workflow.MaxRetryAttempts)
	if math.IsNaN(o.TimeScale) || o.TimeScale < MinTimeScale || o.TimeScale > MaxTimeScale {
		errs = append(errs, fmt.Errorf("TimeScale = %g: allowed %g to %g", o.TimeScale, MinTimeScale, MaxTimeScale))
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"ChaosKill", o.ChaosKill}, {"ChaosCorrupt", o.ChaosCorrupt}} {
		if math.IsNaN(p.v) || p.v < 0 || p.v >= 1 {
			errs = append(errs, fmt.Errorf("%s = %g: allowed 0 to 1 (exclusive)", p.name, p.v))
		}
	}
	return errors.Join(errs...)
}
