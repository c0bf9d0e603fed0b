package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

const severelyAdverseFixture = "../../testdata/scenarios/fed-2025-severely-adverse.csv"

// writeBadScenario writes a copy of the severely adverse fixture whose third
// data row (line 13) has a date that is not a quarter.
func writeBadScenario(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(severelyAdverseFixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "2025 Q3", "2025 Q7", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestModelFlagsOutOfRangeAreRejectedNamingTheFlag(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	bad := writeBadScenario(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"a horizon of 121 months, local", []string{"local", "--horizon", "121"}, []string{"--horizon 121: allowed 1 to 120 months"}},
		{"a horizon of 121 months, run simulate", withLocal(rt, "run", "simulate", "--horizon", "121"), []string{"--horizon 121: allowed 1 to 120 months"}},
		{"a horizon of 121 months through --set", withLocal(rt, "run", "simulate", "--set", "horizonMonths=121"), []string{`"horizonMonths" = 121: want 1 to 120`}},
		{"a target rate in percent, local", []string{"local", "--target-rate", "8"}, []string{"--target-rate 8: allowed an annual rate between 0 and 1 (0.08 is 8%)"}},
		{"a target rate in percent, run", withLocal(rt, "run", "simulate", "--target-rate", "8"), []string{"--target-rate 8"}},
		{"a negative tail shift, local", []string{"local", "--tail-shift", "-1"}, []string{"--tail-shift -1: allowed 0 (plain Monte Carlo) to 5"}},
		{"a tail shift too far out, run", withLocal(rt, "run", "simulate", "--tail-shift", "6"), []string{"--tail-shift 6"}},
		{"a bad scenario file, local", []string{"local", "--scenario-file", bad}, []string{"--scenario-file: scenario file bad.csv: line 13, column \"Date\"", `"2025 Q7" is not a quarter`}},
		{"a bad scenario file, run", withLocal(rt, "run", "simulate", "--scenario-file", bad), []string{"scenario file bad.csv: line 13, column \"Date\""}},
		{"a file too short for the horizon, local", []string{"local", "--scenario-file", severelyAdverseFixture, "--horizon", "60"},
			[]string{"needs 21 quarterly rows for 60 months, file has 14"}},
		{"a file too short for the horizon, run", withLocal(rt, "run", "simulate", "--scenario-file", severelyAdverseFixture, "--horizon", "60"),
			[]string{"needs 21 quarterly rows for 60 months, file has 14"}},
		{"a scenario file to generate", withLocal(rt, "run", "generate", "--scenario-file", severelyAdverseFixture), []string{"--scenario-file: only simulate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := mc(t, tc.args...)
			if code == 0 {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not say %q:\n%s", w, errOut)
				}
			}
		})
	}
	// Nothing was started: every bad flag failed before StartExecution.
	if n := rt.Worker.Ops("prepare") + rt.Worker.Ops("plan"); n != 0 {
		t.Errorf("%d executions got as far as a worker", n)
	}
}

func TestRunSimulateUploadsTheScenarioFileAndNamesIt(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	body, err := os.ReadFile(severelyAdverseFixture)
	if err != nil {
		t.Fatal(err)
	}
	out := mustMC(t, withLocal(rt, "run", "simulate", "--scenario-file", severelyAdverseFixture, "--target-rate", "0.065",
		"--horizon", "36", "--tail-shift", "1.5", "--scenarios", "20", "--json", "--name", "sim-fed")...)
	var started struct {
		ExecutionArn string
		Input        map[string]any
	}
	if err := json.Unmarshal([]byte(out), &started); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	sum := sha256.Sum256(body)
	key := workflow.ScenarioKeyFor(hex.EncodeToString(sum[:]), "fed-2025-severely-adverse.csv")
	want := map[string]any{"scenarioKey": key, "targetRate": 0.065, "horizonMonths": 36.0, "tailShift": 1.5, "scenarios": 20.0}
	if got, _ := json.Marshal(started.Input); string(got) != mustJSON(want) {
		t.Errorf("input = %s, want %s", got, mustJSON(want))
	}
	obj, err := rt.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(rt.Config.DataBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("the scenario file is not at s3://%s/%s: %v", rt.Config.DataBucket, key, err)
	}
	defer obj.Body.Close()
	if got, _ := io.ReadAll(obj.Body); string(got) != string(body) {
		t.Errorf("uploaded %d bytes, want the file's %d", len(got), len(body))
	}
	rt.Wait(t, started.ExecutionArn)
}

// TestLocalFlagsReachTheParamsTheWorkersSee runs the whole local pipeline
// with every model flag and reads the run manifest prepare wrote: the
// parameters every simulate batch runs with.
func TestLocalFlagsReachTheParamsTheWorkersSee(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := runLocal(t, []string{"local", "--loans", "300", "--scenarios", "10", "--seed", "3", "--shard-size", "100",
		"--time-scale", "0.05", "--data-dir", dir, "--json",
		"--target-rate", "0.065", "--horizon", "36", "--tail-shift", "1.5", "--scenario-file", severelyAdverseFixture})
	var report string
	if err := json.Unmarshal(out["report_path"], &report); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(report), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ParamsHash string       `json:"paramsHash"`
		Params     model.Params `json:"params"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	p := m.Params
	if p.TargetRateAnnual != 0.065 || p.HorizonMonths != 36 || p.TailShift != 1.5 || p.Scenarios != 10 || p.Seed != 3 {
		t.Errorf("run manifest params: targetRate %g, horizon %d, tailShift %g, scenarios %d, seed %d; want 0.065, 36, 1.5, 10, 3",
			p.TargetRateAnnual, p.HorizonMonths, p.TailShift, p.Scenarios, p.Seed)
	}
	if p.Scenario == nil || p.Scenario.Name != "fed-2025-severely-adverse.csv" || p.Scenario.Months() != 36 {
		t.Fatalf("run manifest scenario = %+v, want the fixture over 36 months", p.Scenario)
	}
	if u := p.Scenario.Unemployment[21]; u != 0.10 {
		t.Errorf("unemployment in month 21 = %g, want the file's 10%% peak", u)
	}
	if m.ParamsHash != p.Hash() {
		t.Errorf("params hash %s, the params give %s", m.ParamsHash, p.Hash())
	}
}

// --no-attribution reaches the run manifest, and the report then has no
// attribution; without it the report has one.
func TestLocalNoAttributionSkipsTheAttribution(t *testing.T) {
	t.Parallel()
	for _, off := range []bool{false, true} {
		args := []string{"local", "--loans", "2000", "--scenarios", "20", "--seed", "5", "--shard-size", "500",
			"--time-scale", "0.05", "--data-dir", t.TempDir(), "--json"}
		if off {
			args = append(args, "--no-attribution")
		}
		out := runLocal(t, args)
		var report string
		if err := json.Unmarshal(out["report_path"], &report); err != nil {
			t.Fatal(err)
		}
		var m struct {
			NoAttribution bool `json:"noAttribution"`
		}
		var rep struct {
			Attribution json.RawMessage `json:"attribution"`
		}
		for path, v := range map[string]any{filepath.Join(filepath.Dir(report), "manifest.json"): &m, report: &rep} {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatal(err)
			}
		}
		if m.NoAttribution != off || (len(rep.Attribution) == 0) != off {
			t.Errorf("--no-attribution %v: manifest noAttribution %v, report attribution %q", off, m.NoAttribution, rep.Attribution)
		}
	}
}
