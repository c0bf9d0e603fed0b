package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

const testCleanupName = "montecarlo-cleanup"

func TestCleanupMatchesItsGoldenFileAndParsesBack(t *testing.T) {
	t.Parallel()
	d, err := CleanupDefinition(testConfig(), testCleanupName)
	if err != nil {
		t.Fatal(err)
	}
	if d.Workflow != WorkflowCleanup || d.Name != testCleanupName || d.FileName() != "cleanup.asl.json" {
		t.Errorf("definition %s %s %s", d.Workflow, d.Name, d.FileName())
	}
	golden := filepath.Join("testdata", d.FileName())
	if *update {
		if err := os.WriteFile(golden, d.JSON, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(d.JSON, want) {
		t.Errorf("cleanup differs from %s; if the change is intended, run go test ./components/workflow -update and review the diff", golden)
	}
	m, err := asl.Parse(d.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if again, err := Render(m); err != nil || !bytes.Equal(again, d.JSON) {
		t.Errorf("Parse then Render is not the identity (%v)", err)
	}
}

func TestCleanupRejectsAnInvalidConfig(t *testing.T) {
	t.Parallel()
	c := testConfig()
	c.ServiceName = "no spaces"
	if _, err := Cleanup(c); err == nil || !strings.Contains(err.Error(), "ServiceName") {
		t.Errorf("err = %v, want one naming ServiceName", err)
	}
}

// TestCleanupPropertiesHoldForManyConfigs checks, for seeded random configs,
// that the cleanup validates, never scales out, reaches its scale-in only
// through both listings, scales in the configured service, and lists the
// two workflows' RUNNING executions.
func TestCleanupPropertiesHoldForManyConfigs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20261121, 2))
	for i := range 100 {
		cfg := randomConfig(r)
		c := cfg.WithDefaults()
		m, err := Cleanup(cfg)
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		var scaleIns []string
		for name, st := range m.States {
			if isScaleOut(st) {
				t.Errorf("config %d: %s scales out", i, name)
			}
			if isScaleIn(st) {
				scaleIns = append(scaleIns, name)
				p := st.(*asl.TaskState).Parameters.(map[string]any)
				if p["Cluster"] != c.ClusterName || p["Service"] != c.ServiceName {
					t.Errorf("config %d: %s scales in %v/%v", i, name, p["Cluster"], p["Service"])
				}
			}
		}
		if len(scaleIns) != 1 {
			t.Fatalf("config %d: scale-in states %v, want one", i, scaleIns)
		}
		listed := map[string]bool{}
		for _, name := range []string{StateCleanupListGenerate, StateCleanupListSimulate} {
			task := m.States[name].(*asl.TaskState)
			p := task.Parameters.(map[string]any)
			listed[p["StateMachineArn"].(string)] = p["StatusFilter"] == "RUNNING"
			if retrierFor(task.Retry, asl.ErrTaskFailed) == nil {
				t.Errorf("config %d: %s does not retry a failed (throttled) call", i, name)
			}
			// Every way to the scale-in passes this listing.
			if way := wayTo(m, m.StartAt, scaleIns[0], name); way != nil {
				t.Errorf("config %d: a way to the scale-in avoids %s: %s", i, name, strings.Join(way, " → "))
			}
		}
		if !listed[c.StateMachineArn(c.GenerateStateMachineName)] || !listed[c.StateMachineArn(c.SimulateStateMachineName)] {
			t.Errorf("config %d: the cleanup lists %v, want RUNNING executions of both workflows", i, listed)
		}
		if retrierFor(m.States[scaleIns[0]].(*asl.TaskState).Retry, asl.ErrTaskFailed) == nil {
			t.Errorf("config %d: the scale-in does not retry a failed (throttled) call", i)
		}
	}
}

// wayTo returns a path from "from" to "to" that does not enter avoid, or nil.
func wayTo(m *asl.StateMachine, from, to, avoid string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == to {
			var way []string
			for x := n; x != ""; x = prev[x] {
				way = append([]string{x}, way...)
			}
			return way
		}
		for _, next := range asl.Successors(m.States[n]) {
			if _, seen := prev[next]; seen || next == avoid {
				continue
			}
			prev[next] = n
			queue = append(queue, next)
		}
	}
	return nil
}

func TestCleanupStatementsCoverItsCallsAndNothingMore(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	m, err := Cleanup(c)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.StateMachineStatements(WorkflowCleanup)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{}
	for _, s := range st {
		for _, a := range s.Action {
			allowed[a] = append(allowed[a], s.Resource...)
		}
	}
	need := map[string]bool{}
	_ = asl.Walk(m, func(v asl.Visit) error {
		if task, ok := v.State.(*asl.TaskState); ok {
			if a, ok := sdkAction(task.Resource); ok {
				need[a] = true
			}
		}
		return nil
	})
	if got, want := slices.Sorted(maps.Keys(allowed)), slices.Sorted(maps.Keys(need)); !slices.Equal(got, want) {
		t.Errorf("statements allow %v, the definition calls %v", got, want)
	}
	if got := allowed["ecs:UpdateService"]; !slices.Equal(got, []string{c.ServiceArn()}) {
		t.Errorf("ecs:UpdateService on %v, want the one service", got)
	}
	if got := slices.Sorted(slices.Values(allowed["states:ListExecutions"])); !slices.Equal(got, []string{
		c.StateMachineArn(c.GenerateStateMachineName), c.StateMachineArn(c.SimulateStateMachineName)}) {
		t.Errorf("states:ListExecutions on %v, want the two workflows", got)
	}
}

// statusChangeEvent is an EventBridge "Step Functions Execution Status
// Change" event as the rule passes it to the cleanup (the whole event).
func statusChangeEvent(executionArn, stateMachineArn, status string) map[string]any {
	name := executionArn[strings.LastIndex(executionArn, ":")+1:]
	return map[string]any{
		"version": "0", "id": "315c1398-40ff-a850-213b-158f73e60175",
		"detail-type": "Step Functions Execution Status Change", "source": "aws.states",
		"account": "123456789012", "time": "2026-11-21T20:30:00Z", "region": "us-east-1",
		"resources": []any{executionArn},
		"detail": map[string]any{
			"executionArn": executionArn, "stateMachineArn": stateMachineArn, "name": name, "status": status,
			"startDate": 1763757000000, "stopDate": 1763757060000, "input": "{}", "output": nil,
			"inputDetails": map[string]any{"included": true}, "outputDetails": nil,
		},
	}
}

// createCleanup creates the cleanup state machine on the emulator.
func createCleanup(t *testing.T, svc *sfnlocal.Service, cfg Config) string {
	t.Helper()
	d, err := CleanupDefinition(cfg, testCleanupName)
	if err != nil {
		t.Fatal(err)
	}
	out, err := svc.CreateStateMachine(context.Background(), sfnlocal.CreateStateMachineInput{Name: d.Name, Definition: string(d.JSON),
		RoleArn: "arn:aws:iam::123456789012:role/cleanup", Type: "STANDARD"})
	if err != nil {
		t.Fatalf("create cleanup: %v", err)
	}
	return out.StateMachineArn
}

// runCleanup runs the cleanup with input and returns its output.
func runCleanup(t *testing.T, svc *sfnlocal.Service, arn string, input any) CleanupOutput {
	t.Helper()
	b, _ := json.Marshal(input)
	ctx := context.Background()
	start, err := svc.StartExecution(ctx, sfnlocal.StartExecutionInput{StateMachineArn: arn, Input: string(b)})
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.WaitExecution(ctx, start.ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	var out CleanupOutput
	mustSucceed(t, d, &out)
	return out
}

// TestCleanupNeverScalesInWhileAnotherRunIsRunning runs the cleanup on the
// emulator against seeded random situations: 0 to 2 RUNNING executions of
// each workflow (stand-ins that wait), some already stopped, and a trigger
// that is a stopped execution, a RUNNING one the listing has not yet caught
// up with, or none (started by hand). It scales in exactly when no
// execution other than the trigger is RUNNING.
func TestCleanupNeverScalesInWhileAnotherRunIsRunning(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20261121, 3))
	seen := map[bool]int{}
	for i := range 40 {
		ecs := &fakeECS{desired: 2}
		svc := sfnlocal.New(sfnlocal.Options{TimeScale: e2eTimeScale, ECS: ecs, Region: "us-east-1", AccountID: "123456789012"})
		cfg := testConfig()
		cfg.ActivityArn = svc.ActivityARN("montecarlo-work")
		ctx := context.Background()
		// Stand-ins for the two workflows: executions that stay RUNNING
		// until stopped.
		hold := `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":86400,"End":true}}}`
		machines := map[string]string{}
		for _, name := range []string{cfg.GenerateStateMachineName, cfg.SimulateStateMachineName} {
			out, err := svc.CreateStateMachine(ctx, sfnlocal.CreateStateMachineInput{Name: name, Definition: hold,
				RoleArn: "arn:aws:iam::123456789012:role/states", Type: "STANDARD"})
			if err != nil {
				t.Fatal(err)
			}
			machines[name] = out.StateMachineArn
		}
		cleanup := createCleanup(t, svc, cfg)

		var running, stopped []string
		smOf := map[string]string{}
		for _, sm := range machines {
			for j := range r.IntN(3) {
				out, err := svc.StartExecution(ctx, sfnlocal.StartExecutionInput{StateMachineArn: sm, Name: fmt.Sprintf("run-%d", j)})
				if err != nil {
					t.Fatal(err)
				}
				running = append(running, out.ExecutionArn)
				smOf[out.ExecutionArn] = sm
			}
			for j := range r.IntN(2) {
				out, err := svc.StartExecution(ctx, sfnlocal.StartExecutionInput{StateMachineArn: sm, Name: fmt.Sprintf("stopped-%d", j)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.StopExecution(ctx, sfnlocal.StopExecutionInput{ExecutionArn: out.ExecutionArn}); err != nil {
					t.Fatal(err)
				}
				stopped = append(stopped, out.ExecutionArn)
				smOf[out.ExecutionArn] = sm
			}
		}
		var input any = map[string]any{}
		trigger := ""
		switch k := r.IntN(3); {
		case k == 0 && len(stopped) > 0:
			trigger = stopped[r.IntN(len(stopped))]
		case k == 1 && len(running) > 0:
			trigger = running[r.IntN(len(running))] // stopped, but still listed as RUNNING
		}
		if trigger != "" {
			input = statusChangeEvent(trigger, smOf[trigger], []string{"ABORTED", "TIMED_OUT", "FAILED"}[r.IntN(3)])
		}
		others := 0
		for _, arn := range running {
			if arn != trigger {
				others++
			}
		}

		out := runCleanup(t, svc, cleanup, input)
		want := others == 0
		where := fmt.Sprintf("case %d: %d RUNNING, trigger %q", i, len(running), trigger)
		if out.ScaledIn != want || out.Trigger != trigger {
			t.Errorf("%s: output %+v, want scaledIn %v", where, out, want)
		}
		if got := ecs.counts(); want != slices.Equal(got, []int{0}) || (!want && len(got) != 0) {
			t.Errorf("%s: desired counts set %v, want a scale-in: %v", where, got, want)
		}
		seen[want]++
		_ = svc.Close()
	}
	if seen[true] < 5 || seen[false] < 5 {
		t.Errorf("the generator made %d scale-in and %d keep cases; both need covering", seen[true], seen[false])
	}
}

func TestEndToEndCleanupStopsTheWorkersOfAStoppedRunButNotOfARunInProgress(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	cleanup := createCleanup(t, e.svc, e.cfg)
	mustSucceed(t, e.run(WorkflowGenerate, "gen", nil), &ManifestOutput{})
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	e.worker.mu.Lock()
	e.worker.hook = func(op string, n int) (string, string, bool, bool) {
		if op == OpPrepare && n == 1 {
			held <- struct{}{}
			<-release
		}
		return "", "", false, false
	}
	e.worker.mu.Unlock()
	defer close(release)
	first := e.start(WorkflowSimulate, "first", nil)
	<-held

	// A run refused by the guard ends FAILED while "first" works: the
	// cleanup its event starts must leave the workers alone.
	refused := e.run(WorkflowGenerate, "refused", nil)
	if refused.Status != sfnlocal.StatusFailed || refused.Error != ErrRunInProgress {
		t.Fatalf("second run: %s %s, want FAILED %s", refused.Status, refused.Error, ErrRunInProgress)
	}
	before := e.ecs.counts()
	out := runCleanup(t, e.svc, cleanup, statusChangeEvent(refused.ExecutionArn, e.arns[WorkflowGenerate], "FAILED"))
	if out.ScaledIn || !slices.Equal(e.ecs.counts(), before) {
		t.Errorf("cleanup after the refused run: %+v, desired counts %v then %v: it stopped the workers of the run in progress", out, before, e.ecs.counts())
	}

	// Stopping "first" by hand skips its catch-all: the workers keep
	// running until the cleanup stops them.
	if _, err := e.svc.StopExecution(context.Background(), sfnlocal.StopExecutionInput{ExecutionArn: first, Error: "Operator", Cause: "stopped by hand"}); err != nil {
		t.Fatal(err)
	}
	if d := e.wait(first); d.Status != sfnlocal.StatusAborted {
		t.Fatalf("stopped run: %s, want ABORTED", d.Status)
	}
	if got := e.ecs.counts(); got[len(got)-1] == 0 {
		t.Fatalf("desired counts %v: the stopped run scaled in, so this test shows nothing", got)
	}
	out = runCleanup(t, e.svc, cleanup, statusChangeEvent(first, e.arns[WorkflowSimulate], "ABORTED"))
	if got := e.ecs.counts(); !out.ScaledIn || got[len(got)-1] != 0 {
		t.Errorf("cleanup after the stopped run: %+v, desired counts %v, want a scale-in to 0", out, got)
	}
}
