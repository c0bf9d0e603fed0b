// Package activity is the worker's Step Functions activity loop: a few
// goroutines long-poll GetActivityTask and feed a bounded pool of executors,
// each task is dispatched to a Handler (usually a Mux keyed by the input's
// "op"), heartbeats while it runs, and reports success or a named failure.
// On shutdown it stops polling, lets running tasks finish within a grace
// period and hands the rest back with WorkerInterrupted, so the workflow
// retries them at once instead of waiting for a heartbeat timeout.
package activity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Run polls cfg.ActivityARN and runs every task it gets with h until ctx is
// cancelled (typically by SIGTERM), then drains:
//
//   - no new poll starts; a long poll already in flight may still return a
//     task, which is handed back at once (cancelling the poll could lose a
//     task Step Functions had already assigned to it);
//   - running tasks get ShutdownGrace-HandBackTime to finish; then their
//     contexts are cancelled with ErrInterrupted and each is failed with
//     WorkerInterrupted unless its handler still succeeds;
//   - a handler that ignores its context is handed back anyway half way
//     through HandBackTime, and Run returns by ShutdownGrace at the latest.
//
// Run returns nil after a clean drain. It returns an error for an invalid
// Config, or when polling cannot work at all (the activity does not exist),
// after draining as above.
func Run(ctx context.Context, cfg Config, h Handler, api API) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	if h == nil || api == nil {
		return errors.New("activity: run: nil handler or API")
	}
	w := &worker{cfg: cfg, h: h, api: api, slots: make(chan struct{}, cfg.Executors), running: map[*task]struct{}{}}
	w.stopCtx, w.stop = context.WithCancelCause(ctx)
	w.drainCtx, w.cancelDrain = context.WithCancelCause(context.WithoutCancel(ctx))
	w.reportCtx, w.cancelReport = context.WithCancel(context.WithoutCancel(ctx))
	defer w.cancelReport()
	defer w.cancelDrain(ErrInterrupted)
	defer w.stop(nil)
	return w.run()
}

// worker is one Run: its pollers, executors and shutdown state.
type worker struct {
	cfg Config
	h   Handler
	api API

	// stopCtx ends polling: cancelled by Run's context or a fatal poll error.
	stopCtx context.Context
	stop    context.CancelCauseFunc
	// drainCtx is the parent of in-flight polls and task contexts; it is
	// cancelled with ErrInterrupted when the drain period is over.
	drainCtx    context.Context
	cancelDrain context.CancelCauseFunc
	// reportCtx bounds heartbeats and results; cancelled when Run must return.
	reportCtx    context.Context
	cancelReport context.CancelFunc

	slots   chan struct{} // one per executor: a poller takes one before polling
	pollers sync.WaitGroup
	tasks   sync.WaitGroup

	mu      sync.Mutex
	running map[*task]struct{}
}

func (w *worker) run() error {
	log := w.cfg.Logger
	log.Info("worker started", "activity", w.cfg.ActivityARN, "worker", w.cfg.WorkerName,
		"executors", w.cfg.Executors, "pollers", w.cfg.Pollers, "heartbeat", w.cfg.HeartbeatPeriod.String())
	for i := range w.cfg.Pollers {
		w.pollers.Go(func() { w.poll(i) })
	}

	<-w.stopCtx.Done()
	cause := context.Cause(w.stopCtx)
	fatal := cause
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		fatal = nil
	}
	log.Info("worker stopping: no new polls", "cause", cause.Error(), "grace", w.cfg.ShutdownGrace.String())

	drainFor := w.cfg.ShutdownGrace - w.cfg.HandBackTime
	drain := time.AfterFunc(drainFor, func() { w.cancelDrain(ErrInterrupted) })
	defer drain.Stop()
	force := time.NewTimer(drainFor + w.cfg.HandBackTime/2)
	defer force.Stop()
	hard := time.AfterFunc(w.cfg.ShutdownGrace, w.cancelReport)
	defer hard.Stop()

	done := make(chan struct{})
	go func() {
		w.pollers.Wait() // every tasks.Add happens in a poller, so before tasks.Wait
		w.tasks.Wait()
		close(done)
	}()
	select {
	case <-done:
		log.Info("worker stopped: drained")
	case <-force.C:
		n := w.handBackRunning()
		log.Warn("worker stopped: handlers ignored cancellation; handed their tasks back", "tasks", n)
	}
	return fatal
}

// poll is one long-polling goroutine. It polls only while it holds an
// executor slot, so the worker never takes a task it cannot start.
func (w *worker) poll(id int) {
	log := w.cfg.Logger.With("poller", id)
	failures := 0
	for {
		select {
		case <-w.stopCtx.Done():
			return
		case w.slots <- struct{}{}:
		}
		if w.stopCtx.Err() != nil {
			<-w.slots
			return
		}
		out, err := w.api.GetActivityTask(w.drainCtx, &sfn.GetActivityTaskInput{
			ActivityArn: aws.String(w.cfg.ActivityARN),
			WorkerName:  aws.String(w.cfg.WorkerName),
		}, longPolling)
		if err != nil {
			<-w.slots
			if w.drainCtx.Err() != nil {
				return
			}
			if misconfigured(err) {
				log.Error("poll failed: activity unusable", "activity", w.cfg.ActivityARN, "err", err.Error())
				w.stop(fmt.Errorf("activity: poll %s: %w", w.cfg.ActivityARN, err))
				return
			}
			wait := w.cfg.Backoff.delay(failures)
			failures++
			log.Warn("poll failed; backing off", "err", err.Error(), "failures", failures, "wait", wait.String())
			if !sleep(w.stopCtx, wait) {
				return
			}
			continue
		}
		failures = 0
		token := aws.ToString(out.TaskToken)
		if token == "" { // the long poll ended without a task: normal
			<-w.slots
			continue
		}
		t := newTask(token, aws.ToString(out.Input))
		if w.stopCtx.Err() != nil {
			w.handBack(t, "worker stopping; task received during shutdown was not started")
			<-w.slots
			continue
		}
		w.tasks.Add(1)
		go w.execute(t)
	}
}

// task is one activity task held by this worker.
type task struct {
	token   string
	id      string // short hash of the token: logs never carry tokens
	op      string
	input   []byte
	claimed atomic.Bool // set by whoever reports the task's outcome
}

func newTask(token, input string) *task {
	sum := sha256.Sum256([]byte(token))
	op, _ := OpOf([]byte(input))
	return &task{token: token, id: hex.EncodeToString(sum[:8]), op: op, input: []byte(input)}
}

// claim reports whether the caller is the one to report the task's outcome:
// exactly one of the executor and the shutdown hand-back gets true.
func (t *task) claim() bool { return t.claimed.CompareAndSwap(false, true) }

// execute runs one task in its executor slot and reports its outcome.
func (w *worker) execute(t *task) {
	defer w.tasks.Done()
	defer func() { <-w.slots }()
	w.track(t, true)
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
		t.claim()
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

// handBack fails t with WorkerInterrupted unless its outcome was reported.
func (w *worker) handBack(t *task, reason string) {
	if !t.claim() {
		return
	}
	w.cfg.Logger.Warn("task handed back", "task", t.id, "op", t.op, "reason", reason)
	w.sendFailure(t, failure{name: WorkerInterrupted, cause: reason})
}

// handBackRunning hands back every task whose handler is still running and
// returns how many there were.
func (w *worker) handBackRunning() int {
	w.mu.Lock()
	stuck := make([]*task, 0, len(w.running))
	for t := range w.running {
		stuck = append(stuck, t)
	}
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range stuck {
		wg.Go(func() {
			w.handBack(t, fmt.Sprintf("worker stopping; op %q did not finish within the %v shutdown grace period", t.op, w.cfg.ShutdownGrace))
		})
	}
	wg.Wait()
	return len(stuck)
}

func (w *worker) track(t *task, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.running[t] = struct{}{}
	} else {
		delete(w.running, t)
	}
}

// sendSuccess reports out; if Step Functions rejects it as invalid output it
// fails the task instead, so the workflow sees an error rather than a
// heartbeat timeout. It reports whether the success was delivered.
func (w *worker) sendSuccess(t *task, out []byte) bool {
	err := w.retry(t, "SendTaskSuccess", func(ctx context.Context) error {
		_, err := w.api.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(t.token), Output: aws.String(string(out))})
		return err
	})
	if err != nil && !taskGone(err) && !transient(err) && w.reportCtx.Err() == nil {
		w.sendFailure(t, failure{name: WorkerInternal, cause: truncate("step functions rejected the output: "+err.Error(), MaxCauseLen)})
	}
	return err == nil
}

// sendFailure reports f for t.
func (w *worker) sendFailure(t *task, f failure) {
	_ = w.retry(t, "SendTaskFailure", func(ctx context.Context) error {
		_, err := w.api.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
			TaskToken: aws.String(t.token),
			Error:     aws.String(truncate(f.name, MaxErrorLen)),
			Cause:     aws.String(truncate(f.cause, MaxCauseLen)),
		})
		return err
	})
}

// retry calls send until it succeeds, fails for good, or Backoff.Attempts
// is spent. It retries on top of the SDK's own retries because a result
// that is not delivered costs a heartbeat timeout and a rerun of the task.
func (w *worker) retry(t *task, call string, send func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := send(w.reportCtx)
		if err == nil {
			return nil
		}
		log := w.cfg.Logger.With("task", t.id, "op", t.op, "call", call, "attempt", attempt+1, "err", err.Error())
		switch {
		case taskGone(err):
			log.Warn("result rejected: the task timed out or no longer exists")
			return err
		case !transient(err) || w.reportCtx.Err() != nil:
			log.Error("result not delivered")
			return err
		case attempt+1 >= w.cfg.Backoff.Attempts:
			log.Error("result not delivered: retries exhausted")
			return err
		}
		wait := w.cfg.Backoff.delay(attempt)
		log.Warn("result not delivered yet; backing off", "wait", wait.String())
		if !sleep(w.reportCtx, wait) {
			return err
		}
	}
}

// sleep waits d or until ctx is done, and reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
