package activity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// handBack fails t with WorkerInterrupted unless its outcome is reported
// already; if its executor is sending the outcome, it waits for that send
// (bounded by reportCtx, so by ShutdownGrace), so that Run does not return,
// and the process exit, with a result half sent.
func (w *worker) handBack(t *task, reason string) { w.handBackWith(w.reportCtx, t, reason) }

// handBackWith is handBack with the send bounded by ctx.
func (w *worker) handBackWith(ctx context.Context, t *task, reason string) {
	if !t.claim() {
		<-t.reported
		return
	}
	defer close(t.reported)
	w.cfg.Logger.Warn("task handed back", "task", t.id, "op", t.op, "reason", reason)
	w.sendFailureWith(ctx, t, failure{name: WorkerInterrupted, cause: reason})
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
func (w *worker) sendFailure(t *task, f failure) { w.sendFailureWith(w.reportCtx, t, f) }

// sendFailureWith reports f for t, bounded by ctx.
func (w *worker) sendFailureWith(ctx context.Context, t *task, f failure) {
	_ = w.retryWith(ctx, t, "SendTaskFailure", func(ctx context.Context) error {
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
	return w.retryWith(w.reportCtx, t, call, send)
}

// retryWith is retry bounded by ctx instead of reportCtx.
func (w *worker) retryWith(ctx context.Context, t *task, call string, send func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := send(ctx)
		if err == nil {
			return nil
		}
		log := w.cfg.Logger.With("task", t.id, "op", t.op, "call", call, "attempt", attempt+1, "err", err.Error())
		switch {
		case taskGone(err):
			log.Warn("result rejected: the task timed out or no longer exists")
			return err
		case !transient(err) || ctx.Err() != nil:
			log.Error("result not delivered")
			return err
		case attempt+1 >= w.cfg.Backoff.Attempts:
			log.Error("result not delivered: retries exhausted")
			return err
		}
		wait := w.cfg.Backoff.delay(attempt)
		log.Warn("result not delivered yet; backing off", "wait", wait.String())
		if !sleep(ctx, wait) {
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
