package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow/workflowtest"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// The cleanup state machine on the emulator: against stand-in runs, and
// end to end beside both workflows and the fake worker.

const testCleanupName = "montecarlo-cleanup"

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
func createCleanup(t *testing.T, svc *sfnlocal.Service, cfg workflow.Config) string {
	t.Helper()
	d, err := workflow.CleanupDefinition(cfg, testCleanupName)
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
func runCleanup(t *testing.T, svc *sfnlocal.Service, arn string, input any) workflow.CleanupOutput {
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
	var out workflow.CleanupOutput
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
		ecs := workflowtest.NewECS(2)
		svc := sfnlocal.New(sfnlocal.Options{TimeScale: workflowtest.TimeScale, ECS: ecs, Region: "us-east-1", AccountID: "123456789012"})
		cfg := workflowtest.Config()
		cfg.ActivityArn = svc.ActivityARN(workflowtest.ActivityName)
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
		if got := ecs.Counts(); want != slices.Equal(got, []int{0}) || (!want && len(got) != 0) {
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
	cleanup := createCleanup(t, e.SFN, e.Config)
	mustSucceed(t, e.Run(t, workflow.WorkflowGenerate, "gen", nil), &workflow.ManifestOutput{})
	held, release := holdFirstPrepare(e)
	defer release()
	first := e.StartExecution(t, workflow.WorkflowSimulate, "first", nil)
	<-held

	// A run refused by the guard ends FAILED while "first" works: the
	// cleanup its event starts must leave the workers alone.
	refused := e.Run(t, workflow.WorkflowGenerate, "refused", nil)
	if refused.Status != sfnlocal.StatusFailed || refused.Error != workflow.ErrRunInProgress {
		t.Fatalf("second run: %s %s, want FAILED %s", refused.Status, refused.Error, workflow.ErrRunInProgress)
	}
	before := e.ECS.Counts()
	out := runCleanup(t, e.SFN, cleanup, statusChangeEvent(refused.ExecutionArn, e.Arns[workflow.WorkflowGenerate], "FAILED"))
	if out.ScaledIn || !slices.Equal(e.ECS.Counts(), before) {
		t.Errorf("cleanup after the refused run: %+v, desired counts %v then %v: it stopped the workers of the run in progress", out, before, e.ECS.Counts())
	}

	// Stopping "first" by hand skips its catch-all: the workers keep
	// running until the cleanup stops them.
	if _, err := e.SFN.StopExecution(context.Background(), sfnlocal.StopExecutionInput{ExecutionArn: first, Error: "Operator", Cause: "stopped by hand"}); err != nil {
		t.Fatal(err)
	}
	if d := e.Wait(t, first); d.Status != sfnlocal.StatusAborted {
		t.Fatalf("stopped run: %s, want ABORTED", d.Status)
	}
	if got := e.ECS.Counts(); got[len(got)-1] == 0 {
		t.Fatalf("desired counts %v: the stopped run scaled in, so this test shows nothing", got)
	}
	out = runCleanup(t, e.SFN, cleanup, statusChangeEvent(first, e.Arns[workflow.WorkflowSimulate], "ABORTED"))
	if got := e.ECS.Counts(); !out.ScaledIn || got[len(got)-1] != 0 {
		t.Errorf("cleanup after the stopped run: %+v, desired counts %v, want a scale-in to 0", out, got)
	}
}
