package activity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

// testConfig is activitytest's configuration with a heartbeat period long
// enough not to matter unless a test shortens it.
func testConfig(t *testing.T, srv *activitytest.Server) activity.Config {
	cfg := srv.Config(t)
	cfg.WorkerName = "test-worker"
	cfg.HeartbeatPeriod = time.Hour
	return cfg
}

func start(t *testing.T, srv *activitytest.Server, cfg activity.Config, h activity.Handler) *activitytest.Worker {
	t.Helper()
	return srv.StartWorker(t, cfg, h)
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tokenOf finds the token of the task whose input is input.
func tokenOf(srv *activitytest.Server, input []byte) string {
	for _, task := range srv.Tasks() {
		if task.Input == string(input) {
			return task.Token
		}
	}
	return ""
}

func TestRunAnswersTasksAfterEmptyPolls(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	srv.PollWait = 2 * time.Millisecond
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping("test-worker"))
	mux.Register("echo", activity.HandlerFunc(func(_ context.Context, in []byte) ([]byte, error) { return in, nil }))
	w := start(t, srv, testConfig(t, srv), mux)

	ctx := waitCtx(t)
	must(t, srv.WaitFor(ctx, func() bool { return srv.Calls(activitytest.GetActivityTask) >= 3 }))
	ping := srv.Enqueue(`{"op":"ping"}`)
	echo := srv.Enqueue(`{"op":"echo","n":1}`)
	must(t, srv.WaitStatus(ctx, ping, activitytest.Succeeded, activitytest.Failed))
	must(t, srv.WaitStatus(ctx, echo, activitytest.Succeeded, activitytest.Failed))
	must(t, w.Stop())

	if got := srv.Task(ping); got.Status != activitytest.Succeeded || got.Output != `{"pong":true,"worker":"test-worker"}` || got.Worker != "test-worker" {
		t.Errorf("ping task = %+v; want succeeded with pong from test-worker", got)
	}
	if got := srv.Task(echo); got.Status != activitytest.Succeeded || got.Output != `{"op":"echo","n":1}` {
		t.Errorf("echo task = %+v; want succeeded with its input as output", got)
	}
}

func TestRunReportsNamedFailures(t *testing.T) {
	t.Parallel()
	longName := strings.Repeat("N", activity.MaxErrorLen+1)
	cases := []struct {
		name      string
		input     string
		handler   activity.HandlerFunc
		wantError string
		wantCause string
	}{
		{
			name:  "a named error arrives with its name and wrapped cause",
			input: `{"op":"s3"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, activity.Errorf(activity.S3IO, "put runs/r1/part-7.parquet: %w", io.ErrUnexpectedEOF)
			},
			wantError: "S3.IO", wantCause: "put runs/r1/part-7.parquet: unexpected EOF",
		},
		{
			name:  "an unnamed error becomes Worker.Internal",
			input: `{"op":"plain"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, errors.New("disk on fire")
			},
			wantError: activity.WorkerInternal, wantCause: "disk on fire",
		},
		{
			name:  "a name wrapped deeper still counts",
			input: `{"op":"wrapped"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, fmt.Errorf("aggregate: %w", activity.Errorf(activity.AggregateMismatch, "loan L1 counted twice"))
			},
			wantError: activity.AggregateMismatch, wantCause: "loan L1 counted twice",
		},
		{
			name:      "an unknown op is invalid input",
			input:     `{"op":"nope"}`,
			wantError: activity.InputInvalid, wantCause: `unknown op "nope"`,
		},
		{
			name:      "input without op is invalid input",
			input:     `{"Items":[]}`,
			wantError: activity.InputInvalid, wantCause: `no "op" field`,
		},
		{
			name:      "input that is not an object is invalid input",
			input:     `[1,2]`,
			wantError: activity.InputInvalid, wantCause: "not a JSON object",
		},
		{
			name:  "a panic becomes Worker.Internal and the worker lives on",
			input: `{"op":"panic"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				panic("index out of range")
			},
			wantError: activity.WorkerInternal, wantCause: "index out of range",
		},
		{
			name:  "output over 256 KiB fails with a clear name",
			input: `{"op":"big"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return json.Marshal(strings.Repeat("x", activity.MaxOutputBytes))
			},
			wantError: activity.WorkerOutputTooLarge, wantCause: "262144",
		},
		{
			name:  "output that is not JSON is an internal error",
			input: `{"op":"notjson"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return []byte("{oops"), nil
			},
			wantError: activity.WorkerInternal, wantCause: "not JSON",
		},
		{
			name:  "a reserved States. name is replaced",
			input: `{"op":"reserved"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, activity.Errorf("States.Timeout", "pretend")
			},
			wantError: activity.WorkerInternal, wantCause: "pretend",
		},
		{
			name:  "a name over 256 characters is replaced",
			input: `{"op":"longname"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, activity.Errorf(longName, "named too long")
			},
			wantError: activity.WorkerInternal, wantCause: "named too long",
		},
		{
			name:  "a cause over 32768 characters is truncated",
			input: `{"op":"longcause"}`,
			handler: func(context.Context, []byte) ([]byte, error) {
				return nil, activity.Errorf(activity.S3IO, "%s", strings.Repeat("é", activity.MaxCauseLen))
			},
			wantError: activity.S3IO, wantCause: "…",
		},
	}

	srv := activitytest.NewServer(t)
	mux := activity.NewMux()
	for _, c := range cases {
		if c.handler != nil {
			op, err := activity.OpOf([]byte(c.input))
			must(t, err)
			mux.Register(op, c.handler)
		}
	}
	cfg := testConfig(t, srv)
	cfg.Executors, cfg.Pollers = 4, 2
	w := start(t, srv, cfg, mux)
	ctx := waitCtx(t)
	tokens := make([]string, len(cases))
	for i, c := range cases {
		tokens[i] = srv.Enqueue(c.input)
	}
	for _, tok := range tokens {
		must(t, srv.WaitStatus(ctx, tok, activitytest.Succeeded, activitytest.Failed))
	}
	must(t, w.Stop())

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := srv.Task(tokens[i])
			if got.Status != activitytest.Failed || got.Error != c.wantError || !strings.Contains(got.Cause, c.wantCause) {
				t.Errorf("task = status %s, error %q, cause %.200q; want failed with %q and a cause containing %q",
					got.Status, got.Error, got.Cause, c.wantError, c.wantCause)
			}
			if len(got.Cause) > activity.MaxCauseLen || got.Reports != 1 {
				t.Errorf("cause is %d bytes (max %d), reports = %d (want 1)", len(got.Cause), activity.MaxCauseLen, got.Reports)
			}
		})
	}
}

func TestRunHeartbeatsWhileATaskRuns(t *testing.T) {
	t.Parallel()
	const beats = 4
	srv := activitytest.NewServer(t)
	mux := activity.NewMux()
	mux.Register("slow", activity.HandlerFunc(func(ctx context.Context, in []byte) ([]byte, error) {
		// Finish only once Step Functions has seen the heartbeats.
		if err := srv.WaitHeartbeats(ctx, tokenOf(srv, in), beats); err != nil {
			return nil, err
		}
		return []byte(`{"done":true}`), nil
	}))
	cfg := testConfig(t, srv)
	cfg.HeartbeatPeriod = 5 * time.Millisecond
	// Throttled heartbeats are retried at the next beat; they must not
	// cancel the task.
	srv.FailNext(activitytest.SendTaskHeartbeat, activity.SDKMaxAttempts+2, 400, "ThrottlingException")
	w := start(t, srv, cfg, mux)
	tok := srv.Enqueue(`{"op":"slow"}`)
	must(t, srv.WaitStatus(waitCtx(t), tok, activitytest.Succeeded, activitytest.Failed))
	must(t, w.Stop())

	got := srv.Task(tok)
	if got.Status != activitytest.Succeeded || got.AcceptedAtReport < beats {
		t.Errorf("task = %+v; want succeeded after at least %d heartbeats", got, beats)
	}
	if got.Heartbeats != got.AcceptedAtReport || got.LateHeartbeats != 0 {
		t.Errorf("heartbeats after the result: %d accepted, %d late; want none", got.Heartbeats-got.AcceptedAtReport, got.LateHeartbeats)
	}
}

func TestRunCancelsATaskWhoseHeartbeatIsRejected(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	started := make(chan string, 1)
	cause := make(chan error, 1)
	mux := activity.NewMux()
	mux.Register("wait", activity.HandlerFunc(func(ctx context.Context, in []byte) ([]byte, error) {
		started <- tokenOf(srv, in)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return nil, ctx.Err()
	}))
	cfg := testConfig(t, srv)
	cfg.HeartbeatPeriod = 5 * time.Millisecond
	w := start(t, srv, cfg, mux)
	srv.Enqueue(`{"op":"wait"}`)

	tok := <-started
	srv.Expire(tok)
	select {
	case err := <-cause:
		if !errors.Is(err, activity.ErrTaskGone) {
			t.Errorf("task context cause = %v; want ErrTaskGone", err)
		}
	case <-waitCtx(t).Done():
		t.Fatal("task context not cancelled after its heartbeat was rejected")
	}
	must(t, w.Stop())
	if got := srv.Task(tok); got.Reports != 0 || got.Status != activitytest.TimedOut {
		t.Errorf("task = %+v; want no result sent for a timed-out task", got)
	}
}

func TestRunRetriesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		code   string
	}{
		{"throttling is retried until calls succeed", 400, "ThrottlingException"},
		{"service unavailable is retried until calls succeed", 503, "ServiceUnavailable"},
		{"internal errors are retried until calls succeed", 500, "InternalFailure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// More failures than the SDK's attempts per call, so the loop's
			// own retries are exercised too.
			const n = activity.SDKMaxAttempts + 3
			srv := activitytest.NewServer(t)
			srv.FailNext(activitytest.GetActivityTask, n, c.status, c.code)
			srv.FailNext(activitytest.SendTaskSuccess, n, c.status, c.code)
			srv.FailNext(activitytest.SendTaskFailure, n, c.status, c.code)
			mux := activity.NewMux()
			mux.Register(activity.OpPing, activity.Ping("w"))
			w := start(t, srv, testConfig(t, srv), mux)
			ok := srv.Enqueue(`{"op":"ping"}`)
			bad := srv.Enqueue(`{"op":"unknown"}`)
			ctx := waitCtx(t)
			must(t, srv.WaitStatus(ctx, ok, activitytest.Succeeded))
			must(t, srv.WaitStatus(ctx, bad, activitytest.Failed))
			must(t, w.Stop())
			if got := srv.Calls(activitytest.SendTaskSuccess); got != n+1 {
				t.Errorf("SendTaskSuccess calls = %d; want %d failed then 1 accepted", got, n)
			}
			if got := srv.Task(bad); got.Error != activity.InputInvalid {
				t.Errorf("failure delivered as %q; want %q", got.Error, activity.InputInvalid)
			}
		})
	}
}

func TestRunStopsWhenTheActivityDoesNotExist(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	cfg := testConfig(t, srv)
	cfg.ActivityARN = "arn:aws:states:us-east-1:123456789012:activity:deleted"
	err := activity.Run(waitCtx(t), cfg, activity.NewMux(), srv.Client())
	if err == nil || !strings.Contains(err.Error(), "ActivityDoesNotExist") {
		t.Errorf("Run = %v; want an error naming ActivityDoesNotExist", err)
	}
}

func TestRunRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	cases := []struct {
		name   string
		modify func(*activity.Config)
		want   string
	}{
		{"more pollers than executors", func(c *activity.Config) { c.Executors, c.Pollers = 2, 3 }, "Pollers"},
		{"no activity", func(c *activity.Config) { c.ActivityARN = "" }, "ActivityARN"},
		{"a worker name over 80 characters", func(c *activity.Config) { c.WorkerName = strings.Repeat("w", 81) }, "WorkerName"},
		{"a hand-back time as long as the grace", func(c *activity.Config) { c.HandBackTime = c.ShutdownGrace }, "HandBackTime"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, srv)
			c.modify(&cfg)
			err := activity.Run(waitCtx(t), cfg, activity.NewMux(), srv.Client())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Run = %v; want an error naming %s", err, c.want)
			}
		})
	}
}

func TestRunPollsOnlyForFreeExecutors(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	second := make(chan string, 1)
	mux := activity.NewMux()
	mux.Register("busy", activity.HandlerFunc(func(ctx context.Context, in []byte) ([]byte, error) {
		tok := <-second
		// The worker's own clock runs: several heartbeats pass while the
		// only executor is busy and another task waits in the queue.
		if err := srv.WaitHeartbeats(ctx, tokenOf(srv, in), 5); err != nil {
			return nil, err
		}
		if got := srv.Task(tok).Status; got != activitytest.Queued {
			return nil, fmt.Errorf("second task is %s while the only executor is busy; want queued", got)
		}
		return []byte(`{}`), nil
	}))
	mux.Register(activity.OpPing, activity.Ping("w"))
	cfg := testConfig(t, srv)
	cfg.Executors, cfg.Pollers = 1, 1
	cfg.HeartbeatPeriod = 5 * time.Millisecond
	w := start(t, srv, cfg, mux)
	first := srv.Enqueue(`{"op":"busy"}`)
	ctx := waitCtx(t)
	must(t, srv.WaitStatus(ctx, first, activitytest.Running))
	next := srv.Enqueue(`{"op":"ping"}`)
	second <- next
	must(t, srv.WaitStatus(ctx, next, activitytest.Succeeded, activitytest.Failed))
	if got := srv.Task(first); got.Status != activitytest.Succeeded {
		t.Errorf("first task = status %s, cause %q; want succeeded, the second task left queued meanwhile", got.Status, got.Cause)
	}
	must(t, w.Stop())
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
