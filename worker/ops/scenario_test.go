package ops

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

const severelyAdverse = "../../testdata/scenarios/fed-2025-severely-adverse.csv"

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runManifest(t *testing.T, e *env, runID string) RunManifest {
	t.Helper()
	var m RunManifest
	if err := json.Unmarshal(e.get(workflow.RunManifestKey(runID)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPrepareRecordsTheScenarioFileInTheRunManifest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	body := readFixture(t, severelyAdverse)
	want, err := scenariofile.Parse(strings.NewReader(string(body)), "fed-2025-severely-adverse.csv", 27)
	if err != nil {
		t.Fatal(err)
	}
	key := workflow.ScenarioKeyFor(want.SHA256, want.Name)
	e.put(key, body)

	r := testRun{id: "with-file", scenarios: 50, seed: 2, input: workflow.RunInput{ScenarioKey: key}}
	var out workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", r), &out)
	m := runManifest(t, e, "with-file")
	got := m.Params.Scenario
	if got == nil {
		t.Fatal("run manifest has no scenarioPath")
	}
	if got.Name != want.Name || got.SHA256 != want.SHA256 || got.Months() != 27 ||
		got.Unemployment[21] != want.Unemployment[21] || got.HPI[27] != want.HPI[27] {
		t.Errorf("scenario path = %s %s %d months, want the parsed fixture", got.Name, got.SHA256, got.Months())
	}
	if m.ParamsHash != m.Params.Hash() || out.Run.ParamsHash != m.ParamsHash {
		t.Errorf("params hash %s does not cover the scenario (%s)", m.ParamsHash, m.Params.Hash())
	}

	// The file is part of the parameters: without it the hash differs.
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", testRun{id: "without-file", scenarios: 50, seed: 2}), &out)
	if plain := runManifest(t, e, "without-file"); plain.Params.Scenario != nil || plain.ParamsHash == m.ParamsHash {
		t.Errorf("a run without a scenario file: scenario %v, hash %s (with the file %s)", plain.Params.Scenario, plain.ParamsHash, m.ParamsHash)
	}
}

func TestPrepareResolvesEachRunFlagIntoTheParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	in := e.prepareInput("ds", testRun{id: "flags", scenarios: 40, seed: 5, input: workflow.RunInput{TailShift: 1.5}})
	in.Run.TargetRate, in.Run.HorizonMonths = 0.065, 36
	var out workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, in, &out)
	p := runManifest(t, e, "flags").Params
	if p.TargetRateAnnual != 0.065 || p.HorizonMonths != 36 || p.TailShift != 1.5 || p.Scenarios != 40 || p.Seed != 5 {
		t.Errorf("params = targetRate %g, horizon %d, tailShift %g, scenarios %d, seed %d; want 0.065, 36, 1.5, 40, 5",
			p.TargetRateAnnual, p.HorizonMonths, p.TailShift, p.Scenarios, p.Seed)
	}
	if out.Run.HorizonMonths != 36 || out.Run.TargetRate != 0.065 {
		t.Errorf("run context = %+v", out.Run)
	}
}

func TestPrepareFailsABadScenarioFileBeforeAnyBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	good := string(readFixture(t, severelyAdverse))
	e.put("runs/_scenarios/x/no-prime.csv", []byte(strings.Replace(good, ",Prime rate", ",Prime", 1)))
	e.put("runs/_scenarios/x/bad-date.csv", []byte(strings.Replace(good, "2025 Q3", "2025 Q7", 1)))
	e.put("runs/_scenarios/x/fed.csv", []byte(good))
	for _, tc := range []struct {
		name    string
		key     string
		horizon int
		want    []string
	}{
		{"a missing object", "runs/_scenarios/x/nope.csv", 27, []string{`"scenarioKey" "runs/_scenarios/x/nope.csv": no such object`}},
		{"a missing column", "runs/_scenarios/x/no-prime.csv", 27, []string{"s3://" + testBucket + "/runs/_scenarios/x/no-prime.csv", "line 9", `no column "Prime rate"`}},
		{"an unparsable date", "runs/_scenarios/x/bad-date.csv", 27, []string{"bad-date.csv: line 13", `column "Date"`, `"2025 Q7"`}},
		{"fewer quarters than the horizon", "runs/_scenarios/x/fed.csv", 60, []string{"fed.csv", "needs 21 quarterly rows for 60 months, file has 14"}},
	} {
		t.Run(tc.name+" fails with Input.Invalid", func(t *testing.T) {
			in := e.prepareInput("ds", testRun{id: "bad", scenarios: 10, seed: 1, input: workflow.RunInput{ScenarioKey: tc.key}})
			in.Run.HorizonMonths = tc.horizon
			task := e.call(workflow.OpPrepare, in)
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid {
				t.Fatalf("prepare = %s %s %q, want Input.Invalid", task.Status, task.Error, task.Cause)
			}
			for _, w := range tc.want {
				if !strings.Contains(task.Cause, w) {
					t.Errorf("cause %q does not contain %q", task.Cause, w)
				}
			}
			if e.exists(workflow.RunManifestKey("bad")) {
				t.Error("prepare wrote a run manifest for a run it rejected")
			}
		})
	}
}

func TestResolveParamsReservesTheKeysWithTheirOwnInput(t *testing.T) {
	t.Parallel()
	for key, top := range map[string]string{"tailShift": "tailShift", "scenarioPath": "scenarioKey", "horizonMonths": "horizonMonths"} {
		run := testRun{scenarios: 10, seed: 1, input: workflow.RunInput{Params: json.RawMessage(`{"` + key + `": 1}`)}}.params("ds")
		_, err := resolveParams(run)
		if err == nil || !strings.Contains(err.Error(), `"params.`+key+`": set it as the top-level key "`+top+`"`) {
			t.Errorf("params.%s: err = %v, want it sent to %q", key, err, top)
		}
	}
}

func TestPrepareSizesBatchesForTheRunsHorizon(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 30, 10, workflow.LayoutPerLoan, 1)
	items := func(id string, horizon int) int {
		in := e.prepareInput("ds", testRun{id: id, scenarios: 1000, seed: 1, batchLoans: 1000})
		in.Run.HorizonMonths = horizon
		in.TaskTimeoutSeconds = workflow.TaskStartMarginSeconds + 1 // binds: 166 loans at 27 months
		var out workflow.PrepareOutput
		e.mustCall(workflow.OpPrepare, in, &out)
		return out.MaxItemsPerBatch
	}
	short, long := items("h27", 27), items("h120", 120)
	if want := int(workflow.MaxBatchLoans(workflow.TaskStartMarginSeconds+1, 1000, workflow.LoanScenarioNanosAt(workflow.DefaultLoanScenarioNanos, 120))); long != want || long >= short {
		t.Errorf("MaxItemsPerBatch = %d at 120 months, %d at 27; want %d, smaller", long, short, want)
	}
}
