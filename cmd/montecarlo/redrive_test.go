package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

func TestAFailedRunIsReportedByWatchAndFinishedByRedrive(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	// The first attempt at one batch fails with an error no Retry matches:
	// the Map fails, the workflow scales in and ends in its Fail state.
	rt.Worker.SetHook(func(op string, n int) (string, string, bool) {
		if op == "simulate" && n == 2 {
			return "Worker.Internal", "model panicked: index out of range", true
		}
		return "", "", false
	})
	out := mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-fail", "--scenarios", "300")...)
	arn := strings.TrimSpace(out)

	code, _, errOut := mc(t, withLocal(rt, "watch", arn)...)
	if code == 0 {
		t.Fatal("watch of a failed run exited 0")
	}
	for _, want := range []string{"sim-fail FAILED", "error: States.ExceedToleratedFailureThreshold",
		"batch error: Worker.Internal", "batch cause: model panicked: index out of range"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("watch stderr does not contain %q:\n%s", want, errOut)
		}
	}
	if got := rt.DesiredCounts(); got[len(got)-1] != 0 {
		t.Errorf("desired counts %v: the failed run left workers running", got)
	}

	rt.Worker.SetHook(nil)
	out = mustMC(t, withLocal(rt, "redrive", arn, "--json")...)
	var r operate.Redriven
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Action != operate.ActionResumed || r.RunID != "sim-fail" || r.FailedIn != "Failed" ||
		!strings.HasSuffix(r.ExecutionArn, ":sim-fail-r1") || !strings.Contains(r.Reason, "would re-run only that state") {
		t.Errorf("redrive = %+v, want a resume of run sim-fail as sim-fail-r1, explained", r)
	}
	out = mustMC(t, withLocal(rt, "watch", r.ExecutionArn)...)
	if !strings.Contains(out, "sim-fail-r1 SUCCEEDED: 25 loans in 3 batches; report: montecarlo report sim-fail") {
		t.Errorf("watch of the resumed run:\n%s", out)
	}
	d := execution(t, rt, r.ExecutionArn)
	if !strings.Contains(d.Input, `"runId":"sim-fail"`) || !strings.Contains(d.Input, `"scenarios":300`) {
		t.Errorf("resumed input = %s, want the original input plus runId", d.Input)
	}
	mustMC(t, atLocal(rt, "report", "sim-fail", "--out", t.TempDir())...)
}

func TestRedriveOfAnAbortedRunContinuesTheSameExecution(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	held := make(chan struct{}, 1)
	rt.Worker.SetHook(func(op string, n int) (string, string, bool) {
		if op == "simulate" && n == 1 {
			held <- struct{}{}
			return "", "", true // the worker dies with the task; the execution is stopped meanwhile
		}
		return "", "", false
	})
	arn := strings.TrimSpace(mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-abort")...))
	<-held
	if _, err := rt.SFN.StopExecution(context.Background(), sfnlocal.StopExecutionInput{ExecutionArn: arn, Error: "Operator.Stopped", Cause: "stopped by hand"}); err != nil {
		t.Fatal(err)
	}
	if d := rt.Wait(t, arn); d.Status != sfnlocal.StatusAborted {
		t.Fatalf("stopped execution is %s", d.Status)
	}
	code, _, errOut := mc(t, withLocal(rt, "watch", arn)...)
	if code == 0 || !strings.Contains(errOut, "sim-abort ABORTED") ||
		!strings.Contains(errOut, "aws ecs update-service --cluster montecarlo --service montecarlo-workers --desired-count 0") {
		t.Errorf("watch: exit %d, stderr %q", code, errOut)
	}

	out := mustMC(t, withLocal(rt, "redrive", arn, "--watch")...)
	first := strings.SplitN(out, "\n", 3)
	if !strings.HasPrefix(first[0], "redriven: the execution was ABORTED in state \"SimulateCSVManifest\"") || first[1] != arn {
		t.Errorf("redrive output:\n%s", out)
	}
	if !strings.Contains(out, "sim-abort SUCCEEDED: 25 loans in 3 batches") {
		t.Errorf("redrive --watch did not follow the execution to success:\n%s", out)
	}
	if d := execution(t, rt, arn); d.RedriveCount != 1 {
		t.Errorf("redrive count %d, want 1", d.RedriveCount)
	}
}

func TestRedriveRefusesRunningAndSucceededExecutions(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	arn := strings.SplitN(mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-ok", "--watch")...), "\n", 2)[0]
	code, _, errOut := mc(t, withLocal(rt, "redrive", arn)...)
	if code == 0 || !strings.Contains(errOut, "sim-ok SUCCEEDED: nothing to redrive") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = mc(t, withLocal(rt, "redrive", strings.Replace(arn, "sim-ok", "sim-nope", 1))...)
	if code == 0 || !strings.Contains(errOut, "no execution") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
