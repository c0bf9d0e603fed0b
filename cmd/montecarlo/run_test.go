package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

func TestRunGenerateStartsWithTheOverridesAndWatchesToTheEnd(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	out := mustMC(t, withLocal(rt, "run", "generate", "--loans", "42", "--seed", "7", "--set", "layout=per-loan", "--name", "gen-42", "--watch")...)
	arn := strings.SplitN(out, "\n", 2)[0]
	if arn != "arn:aws:states:us-east-1:123456789012:execution:montecarlo-generate:gen-42" {
		t.Errorf("first line = %q, want the execution ARN", arn)
	}
	if !strings.Contains(out, "gen-42 SUCCEEDED") {
		t.Errorf("stdout does not report success:\n%s", out)
	}
	d := execution(t, rt, arn)
	var input map[string]any
	if err := json.Unmarshal([]byte(d.Input), &input); err != nil {
		t.Fatal(err)
	}
	if len(input) != 3 || input["loans"] != 42.0 || input["seed"] != 7.0 || input["layout"] != "per-loan" {
		t.Errorf("execution input = %s, want exactly loans 42, seed 7, layout per-loan", d.Input)
	}
	if n := rt.Worker.Ops("generate"); n != 5 {
		t.Errorf("%d generate batches, want 5 shards of 10 for 42 loans", n)
	}
}

func TestRunSimulateMapsInputURIsToTheContractKeys(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	cases := []struct {
		name, uri string
		want      map[string]any
	}{
		{"an inventory manifest", "s3://montecarlo-data/datasets/default/inventory/manifest.json",
			map[string]any{"inventoryManifestKey": "datasets/default/inventory/manifest.json"}},
		{"a CSV manifest", "s3://montecarlo-data/datasets/default/manifest.csv",
			map[string]any{"manifestKey": "datasets/default/manifest.csv"}},
		{"a prefix", "s3://montecarlo-data/datasets/default/loans/",
			map[string]any{"inputPrefix": "datasets/default/loans/"}},
	}
	for i, tc := range cases {
		// One at a time: the workflows refuse concurrent runs.
		out := mustMC(t, withLocal(rt, "run", "simulate", "--input", tc.uri, "--scenarios", "50", "--json", "--name", "sim-input-"+string(rune('a'+i)))...)
		var started struct {
			ExecutionArn string
			Input        map[string]any
		}
		if err := json.Unmarshal([]byte(out), &started); err != nil {
			t.Fatalf("%s: --json output: %v\n%s", tc.name, err, out)
		}
		tc.want["scenarios"] = 50.0
		if got, _ := json.Marshal(started.Input); string(got) != mustJSON(tc.want) {
			t.Errorf("%s: input = %s, want %s", tc.name, got, mustJSON(tc.want))
		}
		d := rt.Wait(t, started.ExecutionArn)
		if d.Status != sfnlocal.StatusSucceeded || !strings.Contains(*d.Output, `"loans":25`) {
			t.Errorf("%s: %s %s %s, output %v", tc.name, d.Status, d.Error, d.Cause, d.Output)
		}
	}
	// --no-attribution is the input key noAttribution, as on local.
	out := mustMC(t, withLocal(rt, "run", "simulate", "--no-attribution", "--scenarios", "20", "--json", "--name", "sim-no-attribution")...)
	var noAttr struct {
		ExecutionArn string
		Input        map[string]any
	}
	if err := json.Unmarshal([]byte(out), &noAttr); err != nil {
		t.Fatalf("--no-attribution: %v\n%s", err, out)
	}
	if noAttr.Input["noAttribution"] != true {
		t.Errorf("--no-attribution: input %v, want noAttribution true", noAttr.Input)
	}
	if d := rt.Wait(t, noAttr.ExecutionArn); d.Status != sfnlocal.StatusSucceeded {
		t.Errorf("--no-attribution: %s %s %s", d.Status, d.Error, d.Cause)
	}
	if code, _, errOut := mc(t, withLocal(rt, "run", "generate", "--no-attribution")...); code == 0 || !strings.Contains(errOut, "simulate only") {
		t.Errorf("run generate --no-attribution: exit %d, %s; want an error naming simulate", code, errOut)
	}
	out = mustMC(t, withLocal(rt, "run", "simulate", "--input", "s3://other-bucket/loans/manifest.csv", "--json", "--name", "x")...)
	if !strings.Contains(out, `"inputBucket":"other-bucket"`) || !strings.Contains(out, `"manifestKey":"loans/manifest.csv"`) {
		t.Errorf("another bucket's manifest: %s", out)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRunRejectsBadInputBeforeStartingAnything(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"zero scenarios", []string{"run", "simulate", "--scenarios", "0"}, `"scenarios" = 0: want 1 to`},
		{"a misspelt key", []string{"run", "simulate", "--set", "targetRat=0.07"}, `key "targetRat": unknown field`},
		{"an unknown layout", []string{"run", "generate", "--set", "layout=columnar"}, `"layout" = "columnar"`},
		{"a target rate of 8 instead of 0.08", []string{"run", "simulate", "--set", "targetRate=8"}, `"targetRate" = 8`},
		{"two inputs", []string{"run", "simulate", "--input", "s3://montecarlo-data/a.csv", "--set", "inputPrefix=x/"}, "are all set"},
		{"an input that is not s3://", []string{"run", "simulate", "--input", "/tmp/loans"}, "want s3://BUCKET/KEY"},
		{"an input for generate", []string{"run", "generate", "--input", "s3://b/k"}, "only simulate reads an input"},
		{"an unknown workflow", []string{"run", "aggregate"}, `workflow "aggregate"`},
		{"a name that is no run id", []string{"run", "simulate", "--name", "my run"}, `--name "my run"`},
		{"an unknown rate unit", []string{"run", "simulate", "--rate-unit", "bp"}, `--rate-unit "bp": allowed "decimal" or "percent"`},
		{"a rate unit twice", []string{"run", "simulate", "--rate-unit", "percent", "--set", "rateUnit=percent"}, "give one of them"},
		{"a set without a value", []string{"run", "simulate", "--set", "seed"}, "want KEY=VALUE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := mc(t, withLocal(rt, tc.args...)...)
			if code == 0 {
				t.Fatalf("exit code 0; stdout:\n%s", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr = %q, want %q", errOut, tc.want)
			}
		})
	}
	t.Cleanup(func() {
		for _, arn := range []string{rt.Outputs.GenerateStateMachineArn, rt.Outputs.SimulateStateMachineArn} {
			l, err := rt.SFN.ListExecutions(context.Background(), sfnlocal.ListExecutionsInput{StateMachineArn: arn})
			if err != nil || len(l.Executions) != 0 {
				t.Errorf("bad input started executions: %v %+v", err, l.Executions)
			}
		}
	})
}

func TestRunSimulateRateUnitIsTheRunInputKey(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	out := mustMC(t, withLocal(rt, "run", "simulate", "--input", "s3://montecarlo-data/tapes/", "--rate-unit", "percent", "--json", "--name", "sim-percent")...)
	var started struct{ Input map[string]any }
	if err := json.Unmarshal([]byte(out), &started); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if got, want := mustJSON(started.Input), `{"inputPrefix":"tapes/","rateUnit":"percent"}`; got != want {
		t.Errorf("input = %s, want %s", got, want)
	}
	code, _, errOut := mc(t, withLocal(rt, "run", "generate", "--rate-unit", "percent")...)
	if code == 0 || !strings.Contains(errOut, "only simulate reads loans") {
		t.Errorf("generate --rate-unit: exit %d, stderr %q", code, errOut)
	}
}
