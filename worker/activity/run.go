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
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Run polls cfg.ActivityARN and runs every task it gets with h until ctx is
// cancelled (typically by SIGTERM), then drains:
//
//   - no new poll starts; a long poll already in flight is left to finish
//     (up to 60 s in AWS; PollHold at most), even past the drain and the
//     grace, and a task it returns is handed back at once, with
//     HandBackTime to do so: cancelling the poll would not cancel it in
//     Step Functions, which may still assign it a task that nobody then
//     receives (lost until its heartbeat timeout);
//   - running tasks get ShutdownGrace-HandBackTime to finish; then their
//     contexts are cancelled with ErrInterrupted and each is failed with
//     WorkerInterrupted unless its handler still succeeds;
//   - a handler that ignores its context is handed back anyway half way
//     through HandBackTime; a result or hand-back still being sent then is
//     waited for. Run returns by ShutdownGrace, or when the poll in flight
//     has returned and its task is handed back if that is later (at most
//     PollHold+HandBackTime after the stop).
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
	w.pollCtx, w.cancelPolls = context.WithCancelCause(context.WithoutCancel(ctx))
	defer w.cancelPolls(ErrInterrupted)
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
	// pollCtx is the parent of polls: cancelled PollHold after the stop
	// (the drain leaves a poll in flight to finish).
	pollCtx     context.Context
	cancelPolls context.CancelCauseFunc
	// drainCtx is the parent of task contexts; it is cancelled with
	// ErrInterrupted when the drain period is over.
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

	pollHold := time.AfterFunc(w.cfg.PollHold, func() { w.cancelPolls(ErrInterrupted) })
	defer pollHold.Stop()
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
		// A poller may still be handing back a task that arrived during the
		// drain; polls ended with the drain and sends end with reportCtx.
		w.pollers.Wait()
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
		out, err := w.api.GetActivityTask(w.pollCtx, &sfn.GetActivityTaskInput{
			ActivityArn: aws.String(w.cfg.ActivityARN),
			WorkerName:  aws.String(w.cfg.WorkerName),
		}, longPolling)
		if err != nil {
			<-w.slots
			if w.stopCtx.Err() != nil {
				if w.pollCtx.Err() != nil {
					log.Warn("poll in flight at the stop cancelled after waiting PollHold; a task Step Functions assigned to it now waits for its heartbeat timeout", "pollHold", w.cfg.PollHold.String())
				}
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
			// Past the drain, and even the grace, this poll's task still
			// gets HandBackTime to go back.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(w.reportCtx), w.cfg.HandBackTime)
			w.handBackWith(ctx, t, "worker stopping; task received during shutdown was not started")
			cancel()
			<-w.slots
			continue
		}
		w.tasks.Add(1)
		w.track(t, true)
		go w.execute(t)
	}
}
