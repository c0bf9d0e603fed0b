package operate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func defaults() workflow.RunDefaults {
	return workflow.RunDefaults{Dataset: "default", Loans: 500_000, Scenarios: 1000, Seed: 1, Layout: "sharded", TargetRate: 0.08, HorizonMonths: 27}
}

func TestBuildInputKeepsOnlyTheOverrides(t *testing.T) {
	t.Parallel()
	loans, scen, rate, horizon, shift := int64(1000), 20, 0.065, 36, 1.5
	cases := []struct {
		name string
		req  RunRequest
		want string
	}{
		{"no overrides", RunRequest{Workflow: "simulate"}, `{}`},
		{"flags", RunRequest{Workflow: "generate", Loans: &loans, Scenarios: &scen}, `{"loans":1000,"scenarios":20}`},
		{"JSON and string values", RunRequest{Workflow: "simulate", Set: []string{"targetRate=0.07", "dataset=book-2026", "horizonMonths=12"}},
			`{"dataset":"book-2026","horizonMonths":12,"targetRate":0.07}`},
		{"model parameters one by one", RunRequest{Workflow: "simulate", Set: []string{"params.gamma=1.2", "params.lgdFloor=0.1"}},
			`{"params":{"gamma":1.2,"lgdFloor":0.1}}`},
		{"model parameters as an object", RunRequest{Workflow: "simulate", Set: []string{`params={"gamma":1.5}`}}, `{"params":{"gamma":1.5}}`},
		{"an inventory manifest in the data bucket", RunRequest{Workflow: "simulate", Input: "s3://data/datasets/x/inventory/manifest.json"},
			`{"inventoryManifestKey":"datasets/x/inventory/manifest.json"}`},
		{"a prefix in another bucket", RunRequest{Workflow: "simulate", Input: "s3://loans/2026/"}, `{"inputBucket":"loans","inputPrefix":"2026/"}`},
		{"a resume", RunRequest{Workflow: "simulate", Set: []string{"runId=sim-1"}}, `{"runId":"sim-1"}`},
		{"the model flags", RunRequest{Workflow: "simulate", TargetRate: &rate, HorizonMonths: &horizon, TailShift: &shift},
			`{"horizonMonths":36,"tailShift":1.5,"targetRate":0.065}`},
		{"rates written as percentages", RunRequest{Workflow: "simulate", Input: "s3://data/tapes/", RateUnit: "percent"},
			`{"inputPrefix":"tapes/","rateUnit":"percent"}`},
		{"a scenario file", RunRequest{Workflow: "simulate", ScenarioFile: "../testdata/scenarios/fed-2025-baseline.csv"},
			`{"scenarioKey":"runs/_scenarios/` + fixtureSHA256(t, "../testdata/scenarios/fed-2025-baseline.csv") + `/fed-2025-baseline.csv"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := BuildInput(tc.req, "data", defaults())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("input = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBuildInputValidatesAgainstTheDeployedDefaults(t *testing.T) {
	t.Parallel()
	d := defaults()
	d.Layout = "columnar" // a stack whose default is wrong fails too
	if _, err := BuildInput(RunRequest{Workflow: "generate"}, "data", d); err == nil || !strings.Contains(err.Error(), `"layout" = "columnar"`) {
		t.Errorf("bad default layout: %v", err)
	}
	if _, err := BuildInput(RunRequest{Workflow: "generate", Set: []string{"layout=per-loan"}}, "data", d); err != nil {
		t.Errorf("an override of the bad default: %v", err)
	}
	_, err := BuildInput(RunRequest{Workflow: "simulate", Set: []string{"scenarios=0", "seed=-1", "params.gamma=1", "params=3"}}, "data", defaults())
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("params twice: %v", err)
	}
	_, err = BuildInput(RunRequest{Workflow: "simulate", Set: []string{"scenarios=0", "seed=-1"}}, "data", defaults())
	if err == nil || !strings.Contains(err.Error(), `"scenarios" = 0`) || !strings.Contains(err.Error(), `"seed" = -1`) {
		t.Errorf("two problems, reported at once: %v", err)
	}
	// The scenario file is parsed with the horizon the run will have: the
	// stack's (27: 10 rows), or the override (60: 21 rows, the file has 14).
	file := "../testdata/scenarios/fed-2025-severely-adverse.csv"
	if _, err := BuildInput(RunRequest{Workflow: "simulate", ScenarioFile: file}, "data", defaults()); err != nil {
		t.Errorf("the stack's horizon: %v", err)
	}
	_, err = BuildInput(RunRequest{Workflow: "simulate", ScenarioFile: file, Set: []string{"horizonMonths=60"}}, "data", defaults())
	if err == nil || !strings.Contains(err.Error(), "needs 21 quarterly rows for 60 months, file has 14") {
		t.Errorf("a horizon the file is too short for: %v", err)
	}
	_, err = BuildInput(RunRequest{Workflow: "simulate", ScenarioFile: file, Set: []string{"scenarioKey=x.csv"}}, "data", defaults())
	if err == nil || !strings.Contains(err.Error(), "give one of them") {
		t.Errorf("a file and a key: %v", err)
	}
}

func TestBuildInputRefusesABadRateUnit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  RunRequest
		want string
	}{
		{"an unknown unit", RunRequest{Workflow: "simulate", RateUnit: "basis-points"}, `--rate-unit "basis-points": allowed "decimal" or "percent"`},
		{"a unit for generate", RunRequest{Workflow: "generate", RateUnit: "percent"}, "only simulate reads loans"},
		{"the flag and --set", RunRequest{Workflow: "simulate", RateUnit: "percent", Set: []string{"rateUnit=decimal"}}, "give one of them"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := BuildInput(tc.req, "data", defaults()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func fixtureSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// fakeSFN answers the calls a test sets; the others panic.
type fakeSFN struct {
	SFNAPI
	definition string
	describe   *sfn.DescribeExecutionOutput
	mapRuns    *sfn.ListMapRunsOutput
	mapRun     *sfn.DescribeMapRunOutput
}

func (f *fakeSFN) DescribeStateMachine(context.Context, *sfn.DescribeStateMachineInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error) {
	return &sfn.DescribeStateMachineOutput{Definition: aws.String(f.definition)}, nil
}

func (f *fakeSFN) DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	return f.describe, nil
}

func (f *fakeSFN) ListMapRuns(context.Context, *sfn.ListMapRunsInput, ...func(*sfn.Options)) (*sfn.ListMapRunsOutput, error) {
	return f.mapRuns, nil
}

func (f *fakeSFN) DescribeMapRun(context.Context, *sfn.DescribeMapRunInput, ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error) {
	return f.mapRun, nil
}

func TestDeployedDefaultsAreReadFromTheDefinition(t *testing.T) {
	t.Parallel()
	cfg := workflow.Config{Region: "us-east-1", AccountID: "123456789012", GenerateStateMachineName: "g", SimulateStateMachineName: "s",
		ActivityArn: "arn:aws:states:us-east-1:123456789012:activity:w", ClusterName: "c", ServiceName: "svc", DataBucket: "data-bucket"}
	cfg.Defaults = workflow.RunDefaults{Dataset: "book", Loans: 77, Scenarios: 333, Seed: 9, Layout: "per-loan", TargetRate: 0.06, HorizonMonths: 18}
	defs, err := workflow.Definitions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		got, err := DeployedDefaults(context.Background(), &fakeSFN{definition: string(d.JSON)}, "arn")
		if err != nil {
			t.Fatal(err)
		}
		if got != cfg.Defaults {
			t.Errorf("%s: defaults = %+v, want %+v", d.Workflow, got, cfg.Defaults)
		}
	}
	if _, err := DeployedDefaults(context.Background(), &fakeSFN{definition: `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`}, "arn:other"); err == nil ||
		!strings.Contains(err.Error(), "not a montecarlo workflow") {
		t.Errorf("another machine: %v", err)
	}
}

func TestNewRunNameIsAValidRunID(t *testing.T) {
	t.Parallel()
	n := NewRunName("simulate", time.Date(2026, 11, 21, 20, 15, 0, 0, time.UTC))
	if !strings.HasPrefix(n, "simulate-20261121T201500Z-") || len(n) != len("simulate-20261121T201500Z-")+4 || !workflow.ValidName(n) {
		t.Errorf("NewRunName = %q", n)
	}
}
