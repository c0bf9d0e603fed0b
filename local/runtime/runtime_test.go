package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// Not parallel: it checks that no goroutine of the pipeline outlives Close.
func TestAFailingRunScalesInFailsWithTheCauseAndLeavesNothingRunning(t *testing.T) {
	opts := testOptions(t)
	opts.Workers = 3
	opts.WrapHandler = func(activity.Handler) activity.Handler {
		return activity.HandlerFunc(func(ctx context.Context, input []byte) ([]byte, error) {
			return nil, errors.New("disk on fire")
		})
	}
	rt := start(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err := rt.Run(ctx, Run{Loans: 100})
	var ee *ExecutionError
	if !errors.As(err, &ee) {
		t.Fatalf("Run = %v; want an *ExecutionError", err)
	}
	if ee.Workflow != workflow.WorkflowGenerate || ee.Status != "FAILED" || ee.ErrorName != activity.WorkerInternal ||
		!strings.Contains(ee.Cause, "disk on fire") {
		t.Errorf("execution error = %+v; want generate FAILED with %s and the workers' cause", ee, activity.WorkerInternal)
	}
	if rt.WorkersStarted() < opts.Workers {
		t.Errorf("%d workers started; the run scaled out to %d", rt.WorkersStarted(), opts.Workers)
	}
	// The workflow's catch-all scaled in before failing.
	if desired, _ := rt.Workers(); desired != 0 {
		t.Errorf("desired count %d after the failed run; want 0", desired)
	}
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, running := rt.Workers(); running != 0 {
		t.Errorf("%d workers running after Close", running)
	}
	assertNothingRunning(t)
}

// TestWorkersTalkToTheEmulatorThroughTheSDK runs a one-task state machine
// on the activity the workers poll, after scaling the service out as the
// workflows do, and expects the ping answer of a named worker.
func TestWorkersTalkToTheEmulatorThroughTheSDK(t *testing.T) {
	t.Parallel()
	rt := start(t, testOptions(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	def := fmt.Sprintf(`{"StartAt":"Ping","States":{"Ping":{"Type":"Task","Resource":%q,"Parameters":{"op":"ping"},"TimeoutSeconds":60,"HeartbeatSeconds":10,"End":true}}}`, rt.cfg.ActivityArn)
	sm, err := rt.sfnc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("ping"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.cluster.UpdateService(ctx, rt.cfg.ClusterName, rt.cfg.ServiceName, 2); err != nil {
		t.Fatal(err)
	}
	ex, err := rt.sfnc.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := rt.follow(ctx, "ping", aws.ToString(ex.ExecutionArn), Run{ProgressEvery: 10 * time.Millisecond}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out activity.PingOutput
	if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &out); err != nil || !out.Pong || !strings.HasPrefix(out.Worker, rt.cfg.ServiceName+"-") {
		t.Fatalf("execution %s output %s (%v); want a pong from a worker of %s", desc.Status, aws.ToString(desc.Output), err, rt.cfg.ServiceName)
	}
}

func TestStartRejectsBadOptionsNamingTheField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"no workers", func(o *Options) { o.Workers = -1 }, "Workers = -1: allowed 1 to 256"},
		{"too many tasks per worker", func(o *Options) { o.TasksPerWorker = 101 }, "TasksPerWorker = 101: allowed 1 to 100"},
		{"a kill probability of one", func(o *Options) { o.ChaosKill = 1 }, "ChaosKill = 1: allowed 0 to 1"},
		{"a negative corruption", func(o *Options) { o.ChaosCorrupt = -0.1 }, "ChaosCorrupt = -0.1"},
		{"a time scale above real time", func(o *Options) { o.TimeScale = 2 }, "TimeScale = 2: allowed 0.001 to 1"},
		{"a heartbeat below the service's minimum", func(o *Options) { o.HeartbeatSeconds = 5 }, "HeartbeatSeconds = 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := Options{DataDir: t.TempDir()}
			tc.mutate(&o)
			rt, err := Start(context.Background(), o)
			if err == nil {
				_ = rt.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRunRejectsBadParametersBeforeStartingAnything(t *testing.T) {
	t.Parallel()
	rt := start(t, testOptions(t))
	_, err := rt.Run(context.Background(), Run{Loans: 100, Layout: "diagonal"})
	if err == nil || !strings.Contains(err.Error(), "layout") {
		t.Fatalf("Run = %v; want an error naming the layout", err)
	}
	if n := rt.WorkersStarted(); n != 0 {
		t.Errorf("%d workers started for a run that was refused", n)
	}
}

// Not parallel: it checks that no goroutine of the pipeline outlives Close.
func TestAnInterruptedRunStopsItsExecutionAndLeavesNothingRunning(t *testing.T) {
	opts := testOptions(t)
	opts.Scenarios = 2000
	rt := start(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var simulating bool
	_, err := rt.Run(ctx, Run{Loans: 100_000, Scenarios: 2000, ProgressEvery: 10 * time.Millisecond, Progress: func(p Progress) {
		// Ctrl-C while batches are running.
		if p.Workflow == workflow.WorkflowSimulate && p.Batches.Running > 0 {
			simulating = true
			cancel()
		}
	}})
	if !simulating || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v after cancelling while simulating (%v); want context.Canceled", err, simulating)
	}
	out, err := rt.sfnc.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(rt.StateMachineArn(workflow.WorkflowSimulate))})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Executions) != 1 || out.Executions[0].Status != "ABORTED" {
		t.Errorf("simulate executions %+v; want the one run ABORTED", out.Executions)
	}
	if desired, _ := rt.Workers(); desired != 0 {
		t.Errorf("desired count %d after the interrupted run; want 0", desired)
	}
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	assertNothingRunning(t)
}

// The command line describes a runtime to the other verbs from Config
// (operate.LocalEndpointsFor): the ARNs it derives must be the ones the
// emulator gave the state machines it created.
func TestConfigNamesTheStateMachinesTheEmulatorCreated(t *testing.T) {
	t.Parallel()
	rt := start(t, testOptions(t))
	c := rt.Config()
	for wf, name := range map[string]string{
		workflow.WorkflowGenerate: c.GenerateStateMachineName,
		workflow.WorkflowSimulate: c.SimulateStateMachineName,
	} {
		if got, want := rt.StateMachineArn(wf), c.StateMachineArn(name); got == "" || got != want {
			t.Errorf("%s: the emulator created %q, Config derives %q", wf, got, want)
		}
	}
}
