package activity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// task is one activity task held by this worker.
type task struct {
	token   string
	id      string // short hash of the token: logs never carry tokens
	op      string
	input   []byte
	claimed atomic.Bool // set by whoever reports the task's outcome
	// reported is closed by the claimer once the outcome is sent (or given
	// up), so a shutdown that finds the task claimed can wait for the send.
	reported chan struct{}
}

func newTask(token, input string) *task {
	sum := sha256.Sum256([]byte(token))
	op, _ := OpOf([]byte(input))
	return &task{token: token, id: hex.EncodeToString(sum[:8]), op: op, input: []byte(input), reported: make(chan struct{})}
}

// claim reports whether the caller is the one to report the task's outcome:
// exactly one of the executor and the shutdown hand-back gets true. The one
// that does must close t.reported when it is done reporting.
func (t *task) claim() bool { return t.claimed.CompareAndSwap(false, true) }

// execute runs one task in its executor slot and reports its outcome. The
// poller has counted it in w.tasks and w.running.
func (w *worker) execute(t *task) {
	defer w.tasks.Done()
	defer func() { <-w.slots }()
	defer w.track(t, false)

	log := w.cfg.Logger.With("task", t.id, "op", t.op)
	log.Info("task started", "inputBytes", len(t.input))
	start := time.Now()

	taskCtx, cancel := context.WithCancelCause(w.drainCtx)
	defer cancel(nil)
	stopBeats := w.heartbeats(taskCtx, cancel, t)
	out, err := w.invoke(taskCtx, t)
	stopBeats()

	if errors.Is(context.Cause(taskCtx), ErrTaskGone) {
		if t.claim() {
			close(t.reported)
		}
		log.Warn("task result dropped: step functions no longer accepts it", "elapsed", time.Since(start).String())
		return
	}
	if err == nil {
		out, err = checkOutput(out)
	}
	if !t.claim() {
		log.Warn("handler returned after its task was handed back", "elapsed", time.Since(start).String())
		return
	}
	defer close(t.reported)
	if err != nil {
		f := classify(taskCtx, err)
		log.Warn("task failed", "error", f.name, "cause", truncate(f.cause, 1024), "elapsed", time.Since(start).String())
		w.sendFailure(t, f)
		return
	}
	if w.sendSuccess(t, out) {
		log.Info("task succeeded", "outputBytes", len(out), "elapsed", time.Since(start).String())
	}
}

// invoke calls the handler, turning a panic into a WorkerInternal failure so
// one bad task cannot take the worker and its other tasks down.
func (w *worker) invoke(ctx context.Context, t *task) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			w.cfg.Logger.Error("handler panicked", "task", t.id, "op", t.op, "panic", fmt.Sprint(r))
			out, err = nil, Errorf(WorkerInternal, "panic in op %q: %v", t.op, r)
		}
	}()
	return w.h.Handle(ctx, t.input)
}

// checkOutput enforces what SendTaskSuccess accepts: JSON, at most
// MaxOutputBytes. An empty output is sent as {}.
func checkOutput(out []byte) ([]byte, error) {
	if len(out) == 0 {
		return []byte("{}"), nil
	}
	if len(out) > MaxOutputBytes {
		return nil, Errorf(WorkerOutputTooLarge, "output is %d bytes; step functions accepts at most %d: write large results to S3 and return their keys", len(out), MaxOutputBytes)
	}
	if !json.Valid(out) {
		return nil, Errorf(WorkerInternal, "handler returned output that is not JSON")
	}
	return out, nil
}

// heartbeats beats for t every HeartbeatPeriod until the returned stop
// function is called (which waits for the beating goroutine to end, so no
// heartbeat follows the result). A rejected heartbeat cancels the task with
// ErrTaskGone; other heartbeat errors are logged and the next beat tries again.
func (w *worker) heartbeats(taskCtx context.Context, cancel context.CancelCauseFunc, t *task) (stop func()) {
	beatCtx, stopBeating := context.WithCancel(w.reportCtx)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(w.cfg.HeartbeatPeriod)
		defer tick.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-taskCtx.Done():
				return
			case <-tick.C:
			}
			_, err := w.api.SendTaskHeartbeat(beatCtx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(t.token)})
			switch {
			case err == nil:
			case beatCtx.Err() != nil:
				return
			case taskGone(err):
				w.cfg.Logger.Warn("heartbeat rejected; cancelling task", "task", t.id, "op", t.op, "err", err.Error())
				cancel(ErrTaskGone)
				return
			default:
				w.cfg.Logger.Warn("heartbeat failed; next beat will retry", "task", t.id, "op", t.op, "err", err.Error())
			}
		}
	}()
	return func() {
		stopBeating()
		<-ended
	}
}
