package workflow

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// End-to-end: both definitions run on the local Step Functions emulator
// against an in-memory S3, a stand-in ECS service and a fake worker that
// speaks the contract (decoding every task input strictly). The emulator's
// time scale makes heartbeat timeouts and retries take milliseconds.

const e2eTimeScale = 0.05

// e2e is one emulator with both state machines, a worker and the fakes.
type e2e struct {
	t      *testing.T
	cfg    Config
	svc    *sfnlocal.Service
	s3     *memS3
	ecs    *fakeECS
	worker *fakeWorker
	arns   map[string]string // workflow name → state machine ARN
}

func newE2E(t *testing.T, mutate func(*Config)) *e2e {
	t.Helper()
	s3, ecs := newMemS3(), &fakeECS{}
	svc := sfnlocal.New(sfnlocal.Options{TimeScale: e2eTimeScale, S3: s3, ECS: ecs, Region: "us-east-1", AccountID: "123456789012"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = svc.Close() })
	act, err := svc.CreateActivity(ctx, sfnlocal.CreateActivityInput{Name: "montecarlo-work"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.ActivityArn = act.ActivityArn
	cfg.HeartbeatSeconds = 10
	cfg.ShardSize = 10 // 3 shards for 25 loans
	cfg.BatchSize = 10
	cfg.Defaults.Loans = 25
	if mutate != nil {
		mutate(&cfg)
	}
	defs, err := Definitions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, cfg: cfg.WithDefaults(), svc: svc, s3: s3, ecs: ecs, arns: map[string]string{}}
	for _, d := range defs {
		out, err := svc.CreateStateMachine(ctx, sfnlocal.CreateStateMachineInput{Name: d.Name, Definition: string(d.JSON),
			RoleArn: "arn:aws:iam::123456789012:role/states", Type: "STANDARD"})
		if err != nil {
			t.Fatalf("create %s: %v", d.Name, err)
		}
		if out.StateMachineArn != cfg.StateMachineArn(d.Name) {
			t.Fatalf("the emulator's ARN %s differs from Config.StateMachineArn %s", out.StateMachineArn, cfg.StateMachineArn(d.Name))
		}
		e.arns[d.Workflow] = out.StateMachineArn
	}
	e.worker = &fakeWorker{t: t, svc: svc, s3: s3, arn: act.ActivityArn}
	go e.worker.run(ctx)
	return e
}

// start starts an execution of workflow with input and returns its ARN.
func (e *e2e) start(workflow, name string, input any) string {
	e.t.Helper()
	if input == nil {
		input = map[string]any{} // StartExecution without input gives {}
	}
	b, _ := json.Marshal(input)
	out, err := e.svc.StartExecution(context.Background(), sfnlocal.StartExecutionInput{StateMachineArn: e.arns[workflow], Name: name, Input: string(b)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ExecutionArn
}

// wait waits for an execution to end and returns its description.
func (e *e2e) wait(arn string) sfnlocal.DescribeExecutionOutput {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := e.svc.WaitExecution(ctx, arn)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *e2e) run(workflow, name string, input any) sfnlocal.DescribeExecutionOutput {
	e.t.Helper()
	return e.wait(e.start(workflow, name, input))
}

func mustSucceed(t *testing.T, d sfnlocal.DescribeExecutionOutput, out any) {
	t.Helper()
	if d.Status != sfnlocal.StatusSucceeded {
		t.Fatalf("%s: %s %s: %s", d.Name, d.Status, d.Error, d.Cause)
	}
	if err := strict([]byte(*d.Output), out); err != nil {
		t.Fatalf("%s output: %v\n%s", d.Name, err, *d.Output)
	}
}

func TestEndToEndGenerateThenSimulateEveryInputKind(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	var gen ManifestOutput
	mustSucceed(t, e.run(WorkflowGenerate, "gen-1", map[string]any{}), &gen)
	if gen.Loans != 25 || gen.Objects != 3 || gen.ManifestKey != ManifestKey("default") {
		t.Errorf("generate output = %+v, want 25 loans in 3 shards", gen)
	}
	inputs := map[string]map[string]any{
		"csv":       {},
		"inventory": {"inventoryManifestKey": InventoryManifestKey("default")},
		"prefix":    {"inputPrefix": DatasetPrefix("default") + "loans/"},
	}
	for _, kind := range []string{"csv", "inventory", "prefix"} {
		var rep AggregateOutput
		mustSucceed(t, e.run(WorkflowSimulate, "sim-"+kind, inputs[kind]), &rep)
		if rep.Loans != 25 || rep.Batches != 3 || rep.RunID != "sim-"+kind {
			t.Errorf("%s: report = %+v, want 25 loans in 3 batches", kind, rep)
		}
	}
	// Each run scaled out to the worker count and back to zero.
	if got, want := e.ecs.counts(), []int{2, 0, 2, 0, 2, 0, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("desired counts = %v, want %v", got, want)
	}
}

func TestEndToEndRetriesLostAndInterruptedBatches(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.run(WorkflowGenerate, "gen", nil), &ManifestOutput{})
	e.worker.mu.Lock()
	e.worker.hook = func(op string, n int) (string, string, bool, bool) {
		switch {
		case op == OpSimulate && n == 1: // the worker dies holding the task
			return "", "", true, true
		case op == OpSimulate && n == 2:
			return ErrWorkerInterrupted, "SIGTERM", false, true
		case op == OpSimulate && n == 3:
			return ErrS3SlowDown, "503 Slow Down", false, true
		}
		return "", "", false, false
	}
	e.worker.mu.Unlock()
	var rep AggregateOutput
	mustSucceed(t, e.run(WorkflowSimulate, "sim", nil), &rep)
	if rep.Loans != 25 {
		t.Errorf("report = %+v, want all 25 loans once", rep)
	}
	e.worker.mu.Lock()
	defer e.worker.mu.Unlock()
	if n := countOf(e.worker.ops, OpSimulate); n != 3+3 {
		t.Errorf("%d simulate tasks, want 3 batches + 3 retries", n)
	}
}

func countOf(ops []string, op string) int {
	n := 0
	for _, o := range ops {
		if o == op {
			n++
		}
	}
	return n
}

func TestEndToEndFailureScalesInAndReportsTheOriginalError(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.run(WorkflowGenerate, "gen", nil), &ManifestOutput{})
	e.worker.mu.Lock()
	e.worker.hook = func(op string, n int) (string, string, bool, bool) {
		if op == OpAggregate {
			return ErrAggregateMismatch, "3 loans counted twice", false, true
		}
		return "", "", false, false
	}
	e.worker.mu.Unlock()
	d := e.run(WorkflowSimulate, "sim", nil)
	if d.Status != sfnlocal.StatusFailed || d.Error != ErrAggregateMismatch || !strings.Contains(d.Cause, "3 loans counted twice") {
		t.Errorf("execution = %s %s %q, want FAILED with the aggregate's error and cause", d.Status, d.Error, d.Cause)
	}
	if got := e.ecs.counts(); got[len(got)-1] != 0 {
		t.Errorf("desired counts = %v: the failed run left workers running", got)
	}
}

func TestEndToEndRefusesAConcurrentRunWithoutTouchingItsWorkers(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	mustSucceed(t, e.run(WorkflowGenerate, "gen", nil), &ManifestOutput{})
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	e.worker.mu.Lock()
	e.worker.hook = func(op string, n int) (string, string, bool, bool) {
		if op == OpPrepare && n == 1 {
			held <- struct{}{}
			<-release // the first run is busy while the second starts
		}
		return "", "", false, false
	}
	e.worker.mu.Unlock()
	first := e.start(WorkflowSimulate, "first", nil)
	<-held
	before := e.ecs.counts()
	for _, w := range []string{WorkflowGenerate, WorkflowSimulate} {
		d := e.run(w, "second-"+w, nil)
		if d.Status != sfnlocal.StatusFailed || d.Error != ErrRunInProgress || !strings.Contains(d.Cause, "another run is in progress") {
			t.Errorf("%s during a run: %s %s %q, want FAILED Run.InProgress", w, d.Status, d.Error, d.Cause)
		}
	}
	if got := e.ecs.counts(); !slices.Equal(got, before) {
		t.Errorf("the refused runs changed the desired count: %v, then %v", before, got)
	}
	close(release)
	var rep AggregateOutput
	mustSucceed(t, e.wait(first), &rep)
}

func TestEndToEndFailsWhenNoWorkerStarts(t *testing.T) {
	t.Parallel()
	e := newE2E(t, func(c *Config) { c.WorkerWaitSeconds, c.WorkerWaitMaxPolls = 1, 3 })
	e.ecs.mu.Lock()
	e.ecs.broken = true
	e.ecs.mu.Unlock()
	d := e.run(WorkflowGenerate, "gen", nil)
	if d.Status != sfnlocal.StatusFailed || d.Error != ErrWorkersNotStarted || !strings.Contains(d.Cause, "after 3 polls") {
		t.Errorf("execution = %s %s %q, want FAILED Workers.NotStarted after 3 polls", d.Status, d.Error, d.Cause)
	}
	if got := e.ecs.counts(); !slices.Equal(got, []int{2, 0}) {
		t.Errorf("desired counts = %v, want [2 0]", got)
	}
	e.worker.mu.Lock()
	defer e.worker.mu.Unlock()
	if len(e.worker.ops) != 0 {
		t.Errorf("tasks ran without workers: %v", e.worker.ops)
	}
}
