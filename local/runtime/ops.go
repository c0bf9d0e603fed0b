package localrun

import "github.com/montecarlo-pipeline/montecarlo/worker/activity"

// registerOps adds the pipeline's operations to a worker's mux. Until
// worker/ops exists the workers answer ping only, and any other op fails its
// task with Input.Invalid naming the ops they know; nothing is faked here.
func (r *Runtime) registerOps(mux *activity.Mux, worker string) {
	_, _ = mux, worker
}
