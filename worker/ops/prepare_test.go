package ops

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

func TestPrepareWritesTheRunManifest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 25, 10, workflow.LayoutSharded, 1)
	r := testRun{id: "r1", scenarios: 500, seed: 9, batchLoans: 20, input: workflow.RunInput{Params: json.RawMessage(`{"gamma": 1.3}`)}}
	var out workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", r), &out)

	want := model.DefaultParams()
	want.Seed, want.Scenarios, want.HorizonMonths, want.TargetRateAnnual, want.Gamma = 9, 500, 27, 0.08, 1.3
	if out.RunID != "r1" || out.Input != (workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: testBucket, Key: workflow.ManifestKey("ds")}) ||
		out.ExpectedLoans != 25 || out.MaxItemsPerBatch != 2 || out.ResultPrefix != workflow.RunMapResultPrefix("r1") {
		t.Errorf("prepare output = %+v", out)
	}
	if out.Run.ParamsHash != want.Hash() || out.Run.Seed != 9 || out.Run.Scenarios != 500 || out.Run.ManifestKey != workflow.RunManifestKey("r1") ||
		out.Run.InputBucket != testBucket || out.Run.Bucket != testBucket || out.Run.Prefix != workflow.RunPrefix("r1") {
		t.Errorf("run context = %+v, want hash %s", out.Run, want.Hash())
	}
	var m RunManifest
	if err := json.Unmarshal(e.get(workflow.RunManifestKey("r1")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Params != want || m.ParamsHash != want.Hash() || m.Seed != 9 || m.ModelVersion != model.ModelVersion ||
		m.GoVersion != runtime.Version() || m.GOARCH != runtime.GOARCH || m.Input != out.Input || m.ExpectedLoans != 25 || m.InputObjects != 3 {
		t.Errorf("run manifest = %+v", m)
	}
}

func TestPrepareShrinksBatchesToFitTheTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 30, 10, workflow.LayoutPerLoan, 1)
	in := e.prepareInput("ds", testRun{id: "r", scenarios: 1000, seed: 1, batchLoans: 1000})
	// 10 loans x 1000 scenarios x 2000 ns x 3 = 60 ms a loan... a 181 s
	// timeout leaves 1 s: 166 loans.
	in.TaskTimeoutSeconds = workflow.TaskStartMarginSeconds + 1
	var out workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, in, &out)
	if want := int(workflow.MaxBatchLoans(in.TaskTimeoutSeconds, 1000, in.LoanScenarioNanos)); out.MaxItemsPerBatch != want || want >= 1000 {
		t.Errorf("MaxItemsPerBatch = %d, want %d one-loan objects", out.MaxItemsPerBatch, want)
	}
}

func TestPrepareRejectsBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	base := func(mut func(*workflow.PrepareInput)) workflow.PrepareInput {
		in := e.prepareInput("ds", testRun{id: "r", scenarios: 100, seed: 1})
		mut(&in)
		return in
	}
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"a misspelt model parameter", base(func(in *workflow.PrepareInput) { in.Run.Params = json.RawMessage(`{"gamam": 1}`) }), `"gamam"`},
		{"a parameter with its own key", base(func(in *workflow.PrepareInput) { in.Run.Params = json.RawMessage(`{"seed": 4}`) }), `"params.seed": set it as the top-level key`},
		{"an out-of-range parameter", base(func(in *workflow.PrepareInput) { in.Run.Params = json.RawMessage(`{"gamma": -1}`) }), `gamma`},
		{"an out-of-range target rate", base(func(in *workflow.PrepareInput) { in.Run.TargetRate = 8 }), `"targetRate"`},
		{"a misspelt run key", json.RawMessage(strings.Replace(taskInput(t, "prepare", base(func(*workflow.PrepareInput) {})), `"seed"`, `"sead"`, 1)), `"sead"`},
		{"a missing manifest", base(func(in *workflow.PrepareInput) { in.Run.ManifestKey = "nope/manifest.csv" }), "no such input"},
		{"an empty prefix", base(func(in *workflow.PrepareInput) { in.Run.InputPrefix = "nothing/here/" }), "lists no object"},
		{"two inputs", base(func(in *workflow.PrepareInput) { in.Run.InputPrefix, in.Run.ManifestKey = "a/", "b.csv" }), `"inputPrefix" and "manifestKey"`},
		{"an execution name that is no run id", base(func(in *workflow.PrepareInput) { in.ExecutionName = "a/b" }), `"executionName"`},
		{"too many scenarios for the task timeout", base(func(in *workflow.PrepareInput) { in.Run.Scenarios, in.TaskTimeoutSeconds = 1_000_000, 200 }), `"scenarios" = 1000000`},
		{"a resume of a run that never was", base(func(in *workflow.PrepareInput) { in.Run.RunID = "ghost" }), `"runId" "ghost": no run manifest`},
	} {
		t.Run(tc.name+" fails with Input.Invalid", func(t *testing.T) {
			task := e.call(workflow.OpPrepare, tc.in)
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, tc.want) {
				t.Errorf("prepare = %s %s %q, want Input.Invalid containing %q", task.Status, task.Error, task.Cause, tc.want)
			}
		})
	}
}

func TestPrepareResumesARunOnlyWithItsParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 30, 10, workflow.LayoutSharded, 1)
	first, _ := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 3, batchLoans: 10})

	resume := testRun{id: "resume-exec", scenarios: testScenarios, seed: 3, batchLoans: 10_000, input: workflow.RunInput{RunID: "r"}}
	var out workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", resume), &out)
	if out != first.prepared {
		t.Errorf("resumed prepare = %+v, want the first run's %+v (same batching, so batches are skipped)", out, first.prepared)
	}
	// Its batches are complete: a resumed batch returns the first output.
	var again workflow.SimulateOutput
	e.mustCall(workflow.OpSimulate, json.RawMessage(first.inputs[1]), &again)
	if again != first.batches[1] {
		t.Errorf("resumed batch = %+v, want %+v", again, first.batches[1])
	}

	for _, tc := range []struct {
		name string
		mut  func(*testRun)
		want string
	}{
		{"other parameters", func(r *testRun) { r.input.Params = json.RawMessage(`{"gamma": 1.2}`) }, "parameter hash"},
		{"another seed", func(r *testRun) { r.seed = 4 }, `"seed" 3`},
		{"another input", func(r *testRun) { r.input.InputPrefix = workflow.DatasetPrefix("ds") + "loans/" }, "input csv"},
	} {
		t.Run("a resume with "+tc.name+" is refused", func(t *testing.T) {
			r := resume
			tc.mut(&r)
			task := e.call(workflow.OpPrepare, e.prepareInput("ds", r))
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, tc.want) {
				t.Errorf("prepare = %s %s %q, want Input.Invalid containing %q", task.Status, task.Error, task.Cause, tc.want)
			}
		})
	}
}
