package workflow_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow/workflowtest"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// End-to-end: both definitions run on the local Step Functions emulator
// (workflowtest) against the local S3, a stand-in ECS service and a fake
// worker that speaks the contract through the SDK (decoding every task
// input strictly). The emulator's time scale makes retries take
// milliseconds; heartbeat timeouts take workflowtest.MinHeartbeat.

// newE2E starts an Env whose tasks time out without a heartbeat after 10
// modelled seconds (0.5 s), or workflowtest.MinHeartbeat of wall time if
// longer, after mutate changes its config.
func newE2E(t *testing.T, mutate func(*workflow.Config)) *workflowtest.Env {
	t.Helper()
	e := workflowtest.Start(t, workflowtest.Options{Configure: func(c *workflow.Config) {
		c.HeartbeatSeconds = 10
		if mutate != nil {
			mutate(c)
		}
	}})
	for wf, name := range map[string]string{workflow.WorkflowGenerate: e.Config.GenerateStateMachineName, workflow.WorkflowSimulate: e.Config.SimulateStateMachineName} {
		if got, want := e.Arns[wf], e.Config.StateMachineArn(name); got != want {
			t.Fatalf("the emulator's ARN %s differs from Config.StateMachineArn %s", got, want)
		}
	}
	return e
}

// mustSucceed fails the test unless the execution succeeded with an output
// that decodes strictly into out.
func mustSucceed(t *testing.T, d sfnlocal.DescribeExecutionOutput, out any) {
	t.Helper()
	if d.Status != sfnlocal.StatusSucceeded {
		t.Fatalf("%s: %s %s: %s", d.Name, d.Status, d.Error, d.Cause)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(*d.Output)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("%s output: %v\n%s", d.Name, err, *d.Output)
	}
}

// holdFirstPrepare makes the worker hold the first prepare task, so that
// its run stays busy, until release is called; held receives once the task
// is held.
func holdFirstPrepare(e *workflowtest.Env) (held <-chan struct{}, release func()) {
	holding, hold := make(chan struct{}, 1), make(chan struct{})
	e.Worker.SetHook(func(op string, n int) (string, string, bool) {
		if op == workflow.OpPrepare && n == 1 {
			holding <- struct{}{}
			<-hold
		}
		return "", "", false
	})
	return holding, func() { close(hold) }
}

func TestEndToEndGenerateThenSimulateEveryInputKind(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	var gen workflow.ManifestOutput
	mustSucceed(t, e.Run(t, workflow.WorkflowGenerate, "gen-1", map[string]any{}), &gen)
	if gen.Loans != 25 || gen.Objects != 3 || gen.ManifestKey != workflow.ManifestKey("default") {
		t.Errorf("generate output = %+v, want 25 loans in 3 shards", gen)
	}
	inputs := map[string]map[string]any{
		"csv":       {},
		"inventory": {"inventoryManifestKey": workflow.InventoryManifestKey("default")},
		"prefix":    {"inputPrefix": workflow.DatasetPrefix("default") + "loans/"},
	}
	for _, kind := range []string{"csv", "inventory", "prefix"} {
		var rep workflow.AggregateOutput
		mustSucceed(t, e.Run(t, workflow.WorkflowSimulate, "sim-"+kind, inputs[kind]), &rep)
		if rep.Loans != 25 || rep.Batches != 3 || rep.RunID != "sim-"+kind {
			t.Errorf("%s: report = %+v, want 25 loans in 3 batches", kind, rep)
		}
	}
	// Each run scaled out to the worker count and back to zero.
	if got, want := e.ECS.Counts(), []int{2, 0, 2, 0, 2, 0, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("desired counts = %v, want %v", got, want)
	}
}

func TestEndToEndRetriesLostAndInterruptedBatches(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.Run(t, workflow.WorkflowGenerate, "gen", nil), &workflow.ManifestOutput{})
	e.Worker.SetHook(func(op string, n int) (string, string, bool) {
		switch {
		case op == workflow.OpSimulate && n == 1: // the worker dies holding the task
			return workflowtest.Dropped, "", true
		case op == workflow.OpSimulate && n == 2:
			return workflow.ErrWorkerInterrupted, "SIGTERM", true
		case op == workflow.OpSimulate && n == 3:
			return workflow.ErrS3SlowDown, "503 Slow Down", true
		}
		return "", "", false
	})
	var rep workflow.AggregateOutput
	mustSucceed(t, e.Run(t, workflow.WorkflowSimulate, "sim", nil), &rep)
	if rep.Loans != 25 {
		t.Errorf("report = %+v, want all 25 loans once", rep)
	}
	if n := e.Worker.Ops(workflow.OpSimulate); n != 3+3 {
		t.Errorf("%d simulate tasks, want 3 batches + 3 retries", n)
	}
}

func TestEndToEndFailureScalesInAndReportsTheOriginalError(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.Run(t, workflow.WorkflowGenerate, "gen", nil), &workflow.ManifestOutput{})
	e.Worker.SetHook(func(op string, n int) (string, string, bool) {
		if op == workflow.OpAggregate {
			return workflow.ErrAggregateMismatch, "3 loans counted twice", true
		}
		return "", "", false
	})
	d := e.Run(t, workflow.WorkflowSimulate, "sim", nil)
	if d.Status != sfnlocal.StatusFailed || d.Error != workflow.ErrAggregateMismatch || !strings.Contains(d.Cause, "3 loans counted twice") {
		t.Errorf("execution = %s %s %q, want FAILED with the aggregate's error and cause", d.Status, d.Error, d.Cause)
	}
	if got := e.ECS.Counts(); got[len(got)-1] != 0 {
		t.Errorf("desired counts = %v: the failed run left workers running", got)
	}
}

func TestEndToEndRefusesAConcurrentRunWithoutTouchingItsWorkers(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.Run(t, workflow.WorkflowGenerate, "gen", nil), &workflow.ManifestOutput{})
	held, release := holdFirstPrepare(e) // the first run is busy while the second starts
	first := e.StartExecution(t, workflow.WorkflowSimulate, "first", nil)
	<-held
	before := e.ECS.Counts()
	for _, w := range []string{workflow.WorkflowGenerate, workflow.WorkflowSimulate} {
		d := e.Run(t, w, "second-"+w, nil)
		if d.Status != sfnlocal.StatusFailed || d.Error != workflow.ErrRunInProgress || !strings.Contains(d.Cause, "another run is in progress") {
			t.Errorf("%s during a run: %s %s %q, want FAILED Run.InProgress", w, d.Status, d.Error, d.Cause)
		}
	}
	if got := e.ECS.Counts(); !slices.Equal(got, before) {
		t.Errorf("the refused runs changed the desired count: %v, then %v", before, got)
	}
	release()
	var rep workflow.AggregateOutput
	mustSucceed(t, e.Wait(t, first), &rep)
}

func TestEndToEndFailsWhenNoWorkerStarts(t *testing.T) {
	t.Parallel()
	e := newE2E(t, func(c *workflow.Config) { c.WorkerWaitSeconds, c.WorkerWaitMaxPolls = 1, 3 })
	e.ECS.SetBroken(true)
	d := e.Run(t, workflow.WorkflowGenerate, "gen", nil)
	if d.Status != sfnlocal.StatusFailed || d.Error != workflow.ErrWorkersNotStarted || !strings.Contains(d.Cause, "after 3 polls") {
		t.Errorf("execution = %s %s %q, want FAILED Workers.NotStarted after 3 polls", d.Status, d.Error, d.Cause)
	}
	if got := e.ECS.Counts(); !slices.Equal(got, []int{2, 0}) {
		t.Errorf("desired counts = %v, want [2 0]", got)
	}
	if n := e.Worker.Tasks(); n != 0 {
		t.Errorf("%d tasks ran without workers", n)
	}
}
