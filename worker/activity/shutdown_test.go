package activity_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

// TestRunHandsBackUnfinishedTasksOnStop stops a worker (as SIGTERM does)
// while it runs three tasks and holds a long poll, and checks that nothing is
// lost: every task either succeeded, was handed back exactly once with
// Worker.Interrupted, or is still queued for another worker.
func TestRunHandsBackUnfinishedTasksOnStop(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	srv.PollWait = time.Hour // the spare executor's poll stays in flight

	release := make(chan struct{})  // lets "finish" complete after the stop
	abandon := make(chan struct{})  // "ignore" returns only when the test ends
	started := make(chan string, 3) // ops that began running
	t.Cleanup(func() { close(abandon) })

	mux := activity.NewMux()
	mux.Register("finish", activity.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- "finish"
		<-release
		return []byte(`{"finished":true}`), nil
	}))
	mux.Register("cooperate", activity.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- "cooperate"
		<-ctx.Done()
		return nil, activity.WithName(activity.S3IO, context.Cause(ctx))
	}))
	mux.Register("ignore", activity.HandlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- "ignore"
		<-abandon
		return []byte(`{}`), nil
	}))
	mux.Register("never", activity.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
		t.Error("a task received after the stop signal was started")
		return nil, nil
	}))

	cfg := testConfig(t, srv)
	// The "ignore" handler outlives Run by design (it ignores cancellation),
	// and its executor logs when it finally returns, after the test: that
	// line must not go to the finished test's output.
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Executors, cfg.Pollers = 4, 2
	// The drain ends at 2 s; "ignore" is handed back at 2.5 s; Run returns by 3 s.
	cfg.ShutdownGrace, cfg.HandBackTime = 3*time.Second, time.Second
	cfg.HeartbeatPeriod = 10 * time.Millisecond
	w := start(t, srv, cfg, mux)

	finish := srv.Enqueue(`{"op":"finish"}`)
	cooperate := srv.Enqueue(`{"op":"cooperate"}`)
	ignore := srv.Enqueue(`{"op":"ignore"}`)
	ctx := waitCtx(t)
	for range 3 {
		<-started
	}
	must(t, srv.WaitPolling(ctx, 1))

	w.Signal() // SIGTERM
	close(release)
	// Arrives on the poll that was in flight at the signal: handed back
	// unstarted. The next one is never polled for.
	late := srv.Enqueue(`{"op":"never","n":1}`)
	queued := srv.Enqueue(`{"op":"never","n":2}`)
	must(t, w.Wait())

	want := map[string]struct {
		status activitytest.Status
		error  string
		cause  string
	}{
		finish:    {activitytest.Succeeded, "", ""},
		cooperate: {activitytest.Failed, activity.WorkerInterrupted, "worker interrupted"},
		ignore:    {activitytest.Failed, activity.WorkerInterrupted, "shutdown grace period"},
		late:      {activitytest.Failed, activity.WorkerInterrupted, "not started"},
		queued:    {activitytest.Queued, "", ""},
	}
	names := map[string]string{finish: "finish", cooperate: "cooperate", ignore: "ignore", late: "late", queued: "queued"}
	for tok, w := range want {
		t.Run(names[tok]+" ends "+string(w.status), func(t *testing.T) {
			got := srv.Task(tok)
			if got.Status != w.status || got.Error != w.error || !strings.Contains(got.Cause, w.cause) {
				t.Errorf("task = status %s, error %q, cause %q; want %s, %q, cause containing %q", got.Status, got.Error, got.Cause, w.status, w.error, w.cause)
			}
			wantReports := 1
			if w.status == activitytest.Queued {
				wantReports = 0
			}
			if got.Reports != wantReports {
				t.Errorf("reports = %d; want exactly %d", got.Reports, wantReports)
			}
		})
	}
}

// heldSuccess is a server's client whose SendTaskSuccess is held until its
// context ends (a result send stuck in retries), counting calls in flight.
type heldSuccess struct {
	*sfn.Client
	once     sync.Once
	sending  chan struct{}
	inFlight atomic.Int32
}

func (h *heldSuccess) SendTaskSuccess(ctx context.Context, _ *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	h.once.Do(func() { close(h.sending) })
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestRunDoesNotReturnWhileAResultIsBeingSent stops a worker while it sends
// a finished task's result: the hand-back at the end of the drain finds the
// task claimed by its executor, and Run (after which the process exits) must
// wait for that send instead of returning with it in flight.
func TestRunDoesNotReturnWhileAResultIsBeingSent(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	api := &heldSuccess{Client: srv.Client(), sending: make(chan struct{})}
	cfg := testConfig(t, srv)
	cfg.Logger = discardLogger()
	// The drain ends at 1 s, the hand-back comes at 1.5 s, Run returns by 2 s.
	cfg.ShutdownGrace, cfg.HandBackTime = 2*time.Second, time.Second
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- activity.Run(ctx, cfg, activity.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
			return []byte(`{"finished":true}`), nil
		}), api)
	}()
	srv.Enqueue(`{"op":"finish"}`)
	select {
	case <-api.sending:
	case <-waitCtx(t).Done():
		t.Fatal("the result was never sent")
	}
	stop() // SIGTERM
	must(t, <-done)
	if n := api.inFlight.Load(); n != 0 {
		t.Errorf("Run returned with %d result sends in flight: the process would exit mid-send", n)
	}
}

// heldFailure is a server's client whose SendTaskFailure calls, but for the
// token passed, are held until their context ends, counting calls in flight.
type heldFailure struct {
	*sfn.Client
	pass     atomic.Value // string: the token whose failures go through
	once     sync.Once
	holding  chan struct{} // closed when the first call is held
	inFlight atomic.Int32
}

func (h *heldFailure) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	if pass, _ := h.pass.Load().(string); pass != "" && *in.TaskToken == pass {
		return h.Client.SendTaskFailure(ctx, in, opts...)
	}
	h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	h.once.Do(func() { close(h.holding) })
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestRunDoesNotReturnWhileAPollerHandsATaskBack stops a worker whose one
// handler ignores cancellation while a task that arrived on the poll in
// flight at the stop is being handed back: Run must wait for that hand-back
// too, not return when it has handed back the running task.
func TestRunDoesNotReturnWhileAPollerHandsATaskBack(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	srv.PollWait = time.Hour // the spare executor's poll stays in flight
	api := &heldFailure{Client: srv.Client(), holding: make(chan struct{})}
	abandon := make(chan struct{})
	t.Cleanup(func() { close(abandon) })
	started := make(chan struct{}, 1)
	mux := activity.NewMux()
	mux.Register("ignore", activity.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
		started <- struct{}{}
		<-abandon
		return []byte(`{}`), nil
	}))
	cfg := testConfig(t, srv)
	cfg.Logger = discardLogger()
	// The drain ends at 1 s, "ignore" is handed back at 1.5 s, Run returns by 2 s.
	cfg.ShutdownGrace, cfg.HandBackTime = 2*time.Second, time.Second
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- activity.Run(ctx, cfg, mux, api) }()

	api.pass.Store(srv.Enqueue(`{"op":"ignore"}`))
	wait := waitCtx(t)
	select {
	case <-started:
	case <-wait.Done():
		t.Fatal(`"ignore" never started`)
	}
	must(t, srv.WaitPolling(wait, 1))
	stop()                                     // SIGTERM
	srv.Enqueue(`{"op":"ignore","late":true}`) // arrives on the poll in flight: handed back
	select {
	case <-api.holding:
	case <-wait.Done():
		t.Fatal("the late task was never handed back")
	}
	must(t, <-done)
	if n := api.inFlight.Load(); n != 0 {
		t.Errorf("Run returned with %d hand-backs in flight: the process would exit mid-send", n)
	}
}

// TestRunLetsThePollInFlightFinishPastAShortGrace: Step Functions holds a
// GetActivityTask open for up to 60 s and does not notice a client that
// gave up on it, so a drain that cancelled the poll in flight (any grace
// under about 67 s) could lose a task the service then assigned to it. The
// poll is now left to finish, past the drain and the grace, and its task
// is handed back.
func TestRunLetsThePollInFlightFinishPastAShortGrace(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	srv.KeepAbandonedPolls = true // as AWS: a cancelled poll may still take a task
	srv.PollWait = 3 * time.Second
	mux := activity.NewMux()
	mux.Register("never", activity.HandlerFunc(func(context.Context, []byte) ([]byte, error) {
		t.Error("a task received after the stop signal was started")
		return nil, nil
	}))
	cfg := testConfig(t, srv)
	cfg.Logger = discardLogger()
	cfg.Executors = 1
	// The drain ends at 0.3 s and the grace at 0.5 s, both long before the
	// poll in flight ends (as a 30 s grace is before a 60 s poll's end).
	cfg.ShutdownGrace, cfg.HandBackTime = 500*time.Millisecond, 200*time.Millisecond
	w := start(t, srv, cfg, mux)
	ctx := waitCtx(t)
	must(t, srv.WaitPolling(ctx, 1))
	stopped := time.Now()
	w.Signal() // SIGTERM
	time.Sleep(800 * time.Millisecond)
	late := srv.Enqueue(`{"op":"never"}`) // the service hands it to the poll still open
	must(t, w.Wait())
	// The service takes it off the queue either way: for this worker, or
	// for a poll nobody listens to any more.
	must(t, srv.WaitFor(ctx, func() bool { return srv.Task(late).Status != activitytest.Queued }))
	got := srv.Task(late)
	if got.Status != activitytest.Failed || got.Error != activity.WorkerInterrupted || got.Reports != 1 {
		t.Errorf("task assigned to the poll in flight = %s %q (%d reports); want handed back (failed %s) once, not lost", got.Status, got.Error, got.Reports, activity.WorkerInterrupted)
	}
	if d := time.Since(stopped); d > 2500*time.Millisecond {
		t.Errorf("Run returned %v after the stop; want soon after the poll returned its task", d)
	}
	if n := srv.Calls(activitytest.GetActivityTask); n != 1 {
		t.Errorf("%d polls; want only the one in flight at the stop", n)
	}
}

// TestRunStopsWaitingForAPollAfterPollHold: a poll that outlasts PollHold
// (a service holding it longer than its 60 s) is cancelled then, so Run
// still returns.
func TestRunStopsWaitingForAPollAfterPollHold(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	srv.KeepAbandonedPolls = true
	srv.PollWait = time.Hour
	cfg := testConfig(t, srv)
	cfg.Logger = discardLogger()
	cfg.ShutdownGrace, cfg.HandBackTime, cfg.PollHold = 300*time.Millisecond, 100*time.Millisecond, 700*time.Millisecond
	w := start(t, srv, cfg, activity.NewMux())
	must(t, srv.WaitPolling(waitCtx(t), 1))
	stopped := time.Now()
	w.Signal()
	must(t, w.Wait())
	if d := time.Since(stopped); d < 600*time.Millisecond || d > 3*time.Second {
		t.Errorf("Run returned %v after the stop; want about PollHold (700ms)", d)
	}
}
