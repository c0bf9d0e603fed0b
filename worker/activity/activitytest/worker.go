package activitytest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// Client returns the worker's production Step Functions client
// (activity.NewSFNClient: retryer, timeouts) pointed at s, with the SDK's
// backoff capped at a millisecond so retry tests run fast.
func (s *Server) Client() *sfn.Client {
	return activity.NewSFNClient(s.AWSConfig(), func(o *sfn.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond)
	})
}

// Config returns a loop configuration for s scaled for tests: two
// executors, one poller, 20 ms heartbeats, millisecond backoff, a 20 s
// shutdown grace, logs to the test's output.
func (s *Server) Config(tb testing.TB) activity.Config {
	return activity.Config{
		ActivityARN:     ActivityARN,
		WorkerName:      "activitytest",
		Executors:       2,
		Pollers:         1,
		HeartbeatPeriod: 20 * time.Millisecond,
		ShutdownGrace:   20 * time.Second,
		Backoff:         activity.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond, Attempts: 12},
		Logger:          slog.New(slog.NewJSONHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// Worker is an activity.Run running in the background against a Server.
type Worker struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// StartWorker runs activity.Run with h and cfg against s in the background
// until Stop, or the end of the test.
func (s *Server) StartWorker(tb testing.TB, cfg activity.Config, h activity.Handler) *Worker {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = activity.Run(ctx, cfg, h, s.Client())
	}()
	tb.Cleanup(func() { _ = w.Stop() })
	return w
}

// Signal cancels the worker's context, as SIGTERM does, without waiting.
func (w *Worker) Signal() { w.cancel() }

// Wait waits for Run to return and returns its error.
func (w *Worker) Wait() error {
	<-w.done
	return w.err
}

// Stop signals the worker and waits for it.
func (w *Worker) Stop() error {
	w.Signal()
	return w.Wait()
}

// Call runs one task with the given input through h and the real activity
// loop, over HTTP on loopback, and returns the finished task: its Status,
// Output, or Error and Cause. Operations' tests use it to check what Step
// Functions would receive.
func Call(tb testing.TB, h activity.Handler, input string) Task {
	tb.Helper()
	s := NewServer(tb)
	w := s.StartWorker(tb, s.Config(tb), h)
	tok := s.Enqueue(input)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := s.WaitStatus(ctx, tok, Succeeded, Failed); err != nil {
		tb.Fatalf("activitytest: task %s did not finish: %v", input, err)
	}
	if err := w.Stop(); err != nil {
		tb.Fatalf("activitytest: worker: %v", err)
	}
	return s.Task(tok)
}
