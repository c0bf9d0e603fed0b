package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/memo"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// Deps is what the operations need from their host: the container binary
// (worker/main.go) builds it from environment variables, the local runtime
// and the tests build it directly.
type Deps struct {
	// Store is the S3 I/O every operation goes through (required).
	Store store.Store
	// S3Concurrency bounds the parallel S3 transfers of one task (GETs of a
	// batch's objects, PUTs of per-loan objects); 0 means
	// store.DefaultConcurrency.
	S3Concurrency int
	// DataBucket is the bucket used when a task input names none (the
	// state machines always name one; optional).
	DataBucket string
	// Logger receives the operations' JSON logs; nil means slog.Default().
	Logger *slog.Logger

	// Evaluators is the number of model goroutines of one simulate task
	// (one model.Evaluator each); 0 means GOMAXPROCS. Results do not depend
	// on it.
	Evaluators int
	// Corrupt is the fraction (0 to 1) of records generate damages
	// (portfolio.Corrupt), for fault tests and the local runtime's
	// corruption option: the run input has no such key, so that a deployed
	// pipeline never writes corrupted data on request.
	Corrupt float64
	// Chaos, if set, is consulted at points inside a simulate task so the
	// local runtime can kill a worker abruptly (see Chaos).
	Chaos Chaos
	// Now is the clock of the timestamps manifests record (creation times);
	// nil means time.Now. No per-batch output depends on it.
	Now func() time.Time
}

// Chaos is the fault-injection seam behind the local runtime's
// --chaos-kill: a worker that dies abruptly in the middle of a simulate task,
// sending neither result nor heartbeat, as a Fargate Spot task killed
// without warning does.
//
// Simulate calls Step at every ChaosPoint of a task: once when it starts,
// after each chunk of loans the model evaluated, and before each of its
// three writes. An implementation that decides to kill the worker at that
// point must itself make sure nothing more reaches Step Functions for any
// task of that worker (the local runtime cancels the worker's loop and cuts
// its activity client, so no hand-back, result or heartbeat is sent), and
// then return a non-nil error: the operation stops at once, writes nothing
// more, and returns that error, which the cut client never delivers. The
// workflow then sees a heartbeat timeout and retries the batch, whose
// outputs are deterministic, so the retry rewrites the same bytes. Step
// runs on the task's goroutines, possibly concurrently; it must be safe
// for that. Returning nil carries on.
type Chaos interface {
	Step(ctx context.Context, p ChaosPoint) error
}

// ChaosPoint says where in a task Chaos.Step is called.
type ChaosPoint struct {
	Op      string // workflow.OpSimulate
	BatchID string
	Phase   string // one of the Phase constants
	// Loans is how many loans of the batch the model has evaluated so far.
	Loans int64
}

// Phases of a simulate task at which Chaos.Step is called.
const (
	PhaseStart         = "start"
	PhaseEvaluate      = "evaluate"
	PhaseWriteResults  = "write-results"
	PhaseWriteErrors   = "write-errors"
	PhaseWritePartial  = "write-partial"
	scenarioCacheSize  = 2
	runManifestEntries = 8
)

// ops holds the operations' dependencies and the per-process caches
// (run manifests and scenarios are built once per run, not per batch).
type ops struct {
	deps      Deps
	log       *slog.Logger
	scenarios *model.ScenarioCache
	// variants holds the scenarios of the run's parameters with each
	// attribution channel switched off (risk.VariantParams): one run's.
	variants *model.ScenarioCache
	runs     *memo.LRU[*RunManifest] // by bucket/key; failed reads are retried
	// exactObjects is aggregate's limit for its per-object diagnosis
	// (maxExactObjects; tests lower it).
	exactObjects int64
	// dups are the records of a run that repeat an earlier object's loan
	// id (DuplicateIDs), by bucket/key of the run's file.
	dups *memo.LRU[map[string]map[int]DuplicateRecord]
	// maxIDs is prepare's limit on the ids it indexes (maxIndexedIDs;
	// tests lower it).
	maxIDs int
}

// Register adds the six operations of the pipeline (workflow.Ops: plan,
// generate, manifest, prepare, simulate, aggregate) to mux. It panics if
// deps.Store is nil or an op is registered already: programming errors found
// at start, as with activity.Mux.Register.
func Register(mux *activity.Mux, deps Deps) {
	o := newOps(deps)
	mux.Register(workflow.OpPlan, activity.JSON(o.plan))
	mux.Register(workflow.OpGenerate, activity.JSON(o.generate))
	mux.Register(workflow.OpManifest, activity.JSON(o.manifest))
	mux.Register(workflow.OpPrepare, activity.JSON(o.prepare))
	// Simulate's items carry whatever fields their reader gives
	// (listObjectsV2: Etag, LastModified, StorageClass; a user's
	// inventory: more columns), so its input is decoded leniently.
	mux.Register(workflow.OpSimulate, activity.HandlerFunc(o.handleSimulate))
	mux.Register(workflow.OpAggregate, activity.JSON(o.aggregate))
}

// newOps applies the Deps defaults and builds the caches.
func newOps(deps Deps) *ops {
	if deps.Store == nil {
		panic("ops: register: Deps.Store is nil")
	}
	if deps.S3Concurrency <= 0 {
		deps.S3Concurrency = store.DefaultConcurrency
	}
	if deps.Evaluators <= 0 {
		deps.Evaluators = runtime.GOMAXPROCS(0)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	return &ops{deps: deps, log: log, scenarios: model.NewScenarioCache(scenarioCacheSize),
		variants: model.NewScenarioCache(risk.NumChannels), runs: memo.New[*RunManifest](runManifestEntries, false),
		exactObjects: maxExactObjects, dups: memo.New[map[string]map[int]DuplicateRecord](runManifestEntries, false), maxIDs: maxIndexedIDs}
}

// s3Err names a store failure for the task: S3.SlowDown and S3.IO are
// retried by the workflow, S3.NotFound is not. A cancelled task returns
// its context's cause (activity.ErrInterrupted on shutdown), so the loop
// hands it back instead of failing it.
func s3Err(ctx context.Context, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return activity.WithName(store.Name(err), fmt.Errorf(format+": %w", append(args, err)...))
}

// invalid returns an Input.Invalid task error.
func invalid(format string, args ...any) error {
	return activity.Errorf(activity.InputInvalid, format, args...)
}

// ctxErr returns the context's cause if it is done.
func ctxErr(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// bucketOr returns b, or the Deps' data bucket when b is empty, failing
// with Input.Invalid naming field when neither is set.
func (o *ops) bucketOr(field, b string) (string, error) {
	if b == "" {
		b = o.deps.DataBucket
	}
	if b == "" {
		return "", invalid("%q is empty and the worker has no DATA_BUCKET: want an S3 bucket name", field)
	}
	if err := store.ValidateBucket(b); err != nil {
		return "", invalid("%q: %v", field, err)
	}
	return b, nil
}

// errorsIsNotFound reports whether err is a missing S3 object.
func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
