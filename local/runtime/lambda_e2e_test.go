package localrun

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// reportFigures reads report.json and drops what names or times the run
// (run.runId, executionArn, mapRunArn, startTime): everything else, every
// figure and count, must match.
func reportFigures(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	run, ok := m["run"].(map[string]any)
	if !ok {
		t.Fatalf("%s has no run object", path)
	}
	for _, k := range []string{"runId", "executionArn", "mapRunArn", "startTime"} {
		if _, ok := run[k]; !ok {
			t.Fatalf("%s: run has no %q; update the test to what report.json holds", path, k)
		}
		delete(run, k)
	}
	return m
}

// The same seed and input on both computes: the same report figures, bit
// for bit, also when about a third of the invocations are killed mid-batch
// (Runtime.ExitError, retried by the Map's child).
func TestLambdaComputeGivesTheFargateFiguresDespiteKilledInvocations(t *testing.T) {
	t.Parallel()
	ref, _ := runPipeline(t, e2eOptions(t), e2eRun())

	opts := e2eOptions(t)
	opts.Compute = workflow.ComputeLambda
	opts.ChaosKill = 0.3
	opts.ChaosSeed = 1
	res, rt := runPipeline(t, opts, e2eRun())

	if rt.Kills() == 0 || res.WorkersKilled != rt.Kills() {
		invoked, failed := rt.Invocations()
		t.Logf("%d invocations, %d failed, %d batches", invoked, failed, res.Batches)
		t.Fatalf("%d invocations killed (the result says %d); the test proves nothing without kills", rt.Kills(), res.WorkersKilled)
	}
	invoked, failed := rt.Invocations()
	if failed < rt.Kills() || invoked < res.Batches+int64(rt.Kills()) {
		t.Errorf("%d invocations, %d failed, for %d batches and %d kills", invoked, failed, res.Batches, rt.Kills())
	}
	if rt.WorkersStarted() != 0 {
		t.Errorf("%d ECS workers started on compute lambda; want none", rt.WorkersStarted())
	}
	if res.Headline != ref.Headline || res.LoansProcessed != ref.LoansProcessed || res.Loans != ref.Loans || res.LoansRejected != ref.LoansRejected {
		t.Errorf("lambda with %d kills:\n got %+v\nwant %+v (fargate-spot)", rt.Kills(), res.Headline, ref.Headline)
	}
	got, want := reportFigures(t, res.ReportPath), reportFigures(t, ref.ReportPath)
	var diff []string
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			diff = append(diff, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("report.json differs between lambda and fargate-spot in %v", diff)
		for _, k := range diff {
			g, _ := json.Marshal(got[k])
			w, _ := json.Marshal(want[k])
			t.Logf("%s:\n got %s\nwant %s", k, g, w)
		}
	}
	t.Logf("lambda: %d invocations (%d failed, %d killed) for %d batches; generate %v, simulate %v", invoked, failed, rt.Kills(), res.Batches, res.Generate, res.Simulate)
}
