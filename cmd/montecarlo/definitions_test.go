package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

func TestDefinitionsWritesBothMachinesThatParseAndValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runWith([]string{"definitions", "--out", dir, "--account", "210987654321", "--region", "eu-west-1",
		"--name", "risk", "--workers", "5", "--tasks-per-worker", "3"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	for _, f := range []string{"generate.asl.json", "simulate.asl.json"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		m, err := asl.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The flags reach the definition: ARNs in the given account and
		// region, names from the prefix, the worker count in ScaleOut.
		text := string(data)
		for _, want := range []string{
			"arn:aws:states:eu-west-1:210987654321:activity:risk-work",
			"arn:aws:states:eu-west-1:210987654321:stateMachine:risk-generate",
			"arn:aws:states:eu-west-1:210987654321:stateMachine:risk-simulate",
			`"DesiredCount": 5`,
			`"MaxConcurrency": 15`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not contain %s", f, want)
			}
		}
		if !strings.Contains(stdout.String(), filepath.Join(dir, f)) {
			t.Errorf("stdout does not name %s:\n%s", f, stdout.String())
		}
	}
}

func TestDefinitionsUsesPlaceholdersWithoutAccountAndRegion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"definitions", "--out", dir, "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	var written []struct{ Workflow, StateMachine, Path string }
	if err := json.Unmarshal(stdout.Bytes(), &written); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	if len(written) != 2 || written[0].StateMachine != "montecarlo-generate" || written[1].StateMachine != "montecarlo-simulate" {
		t.Fatalf("written = %+v", written)
	}
	data, err := os.ReadFile(written[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), ":us-east-1:123456789012:") {
		t.Error("simulate.asl.json does not use the placeholder region and account")
	}
}

func TestDefinitionsFailsOnStderrWithANonZeroExit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"without --out", []string{"definitions"}, `"out" not set`},
		{"with a heartbeat below the minimum", []string{"definitions", "--out", "DIR", "--heartbeat-seconds", "5"}, "HeartbeatSeconds = 5"},
		{"with a name no state machine may have", []string{"definitions", "--out", "DIR", "--name", "two words"}, "GenerateStateMachineName"},
		{"with an account id that is not 12 digits", []string{"definitions", "--out", "DIR", "--account", "42"}, "AccountID"},
		{"with a stray argument", []string{"definitions", "--out", "DIR", "extra"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "defs")
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			var stdout, stderr bytes.Buffer
			if code := runWith(args, &stdout, &stderr); code == 0 {
				t.Fatalf("exit code 0, want non-zero; stdout:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s was created although the command failed", dir)
			}
		})
	}
}

func TestDefinitionsHelpHasAnExample(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"definitions", "--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"Examples:", "montecarlo definitions --out", "--batch-size"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help does not contain %q:\n%s", want, stdout.String())
		}
	}
}

func TestDefinitionsRefusesAnExplicitZeroTheConfigWouldReplace(t *testing.T) {
	t.Parallel()
	cases := []struct{ flag, value, want string }{
		{"--workers", "0", "--workers 0: want 1 or more"},
		{"--heartbeat-seconds", "0", "--heartbeat-seconds 0: want 1 or more"},
		{"--loans", "0", "--loans 0: want 1 or more"},
		{"--dataset", "", "--dataset: must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.flag+" "+tc.value+" fails instead of taking the default", func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			code, out, errOut := mc(t, "definitions", "--out", dir, tc.flag, tc.value)
			if code == 0 || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 1 and %q", code, out, errOut, tc.want)
			}
		})
	}
}

func TestDefinitionsComputeLambdaWritesTheGoldenLambdaFlavour(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"definitions", "--compute", "lambda", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	for _, f := range []string{"generate.asl.json", "simulate.asl.json"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		// The placeholders and default names are the golden files' config.
		want, err := os.ReadFile(filepath.Join("..", "..", "components", "workflow", "testdata", "lambda", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the workflow package's Lambda golden file", f)
		}
	}
	dir = t.TempDir()
	stdout.Reset()
	code := runWith([]string{"definitions", "--compute", "lambda", "--out", dir, "--account", "210987654321", "--region", "eu-west-1",
		"--name", "risk", "--function-arn", "arn:aws:lambda:eu-west-1:210987654321:function:risk-fn:live", "--batch-size", "500"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "simulate.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"FunctionName": "arn:aws:lambda:eu-west-1:210987654321:function:risk-fn:live"`, `"batchLoans": 500`, `"ExecutionType": "EXPRESS"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("simulate.asl.json does not contain %s", want)
		}
	}
	if strings.Contains(string(data), "ecs:") || strings.Contains(string(data), ":activity:") {
		t.Error("the Lambda flavour mentions ECS or an activity")
	}
}

func TestDefinitionsComputeEC2SpotWritesTheGoldenEC2Flavour(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"definitions", "--compute", "ec2-spot", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	for _, f := range []string{"generate.asl.json", "simulate.asl.json"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "components", "workflow", "testdata", "ec2-spot", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the workflow package's ec2-spot golden file", f)
		}
	}
	dir = t.TempDir()
	if code := runWith([]string{"definitions", "--compute", "ec2-spot", "--out", dir, "--auto-scaling-group", "risk-asg"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "simulate.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Auto Scaling group risk-asg") {
		t.Error("simulate.asl.json does not name the Auto Scaling group given")
	}
}
