package localrun

import (
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/ops"
)

// registerOps adds the pipeline's operations to a worker's mux, with the
// dependencies the worker binary builds from its environment: the S3 store
// over the local endpoint, the data bucket, and the local-only seams
// (corruption of generated records, chaos kills inside simulate tasks).
func (r *Runtime) registerOps(mux *activity.Mux, worker string, c ops.Chaos) {
	ops.Register(mux, ops.Deps{
		Store:         r.store,
		S3Concurrency: DefaultWorkerS3Concurrency,
		DataBucket:    Bucket,
		Logger:        r.log.With("worker", worker),
		Corrupt:       r.opts.ChaosCorrupt,
		Chaos:         c,
	})
}
