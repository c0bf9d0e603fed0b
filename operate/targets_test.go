package operate

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

const sampleOutputs = `{
  "activityArn": "arn:aws:states:eu-west-1:210987654321:activity:montecarlo-work",
  "dataBucketName": "montecarlo-data-abc",
  "generateStateMachineArn": "arn:aws:states:eu-west-1:210987654321:stateMachine:montecarlo-generate",
  "simulateStateMachineArn": "arn:aws:states:eu-west-1:210987654321:stateMachine:montecarlo-simulate",
  "subnetIds": ["subnet-1", "subnet-2"],
  "vpcId": "vpc-1"
}`

func TestParseStackOutputsNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	out, err := ParseStackOutputs([]byte(sampleOutputs))
	if err != nil {
		t.Fatal(err)
	}
	if out.DataBucketName != "montecarlo-data-abc" || out.ActivityArn == "" || arnRegion(out.SimulateStateMachineArn) != "eu-west-1" {
		t.Errorf("outputs = %+v", out)
	}
	cases := []struct {
		name, data, want string
	}{
		{"an empty object", `{}`, "lack generateStateMachineArn, simulateStateMachineArn, dataBucketName"},
		{"a bucket that is not a string", `{"generateStateMachineArn": "a", "simulateStateMachineArn": "b", "dataBucketName": 3}`, "lack dataBucketName"},
		{"an empty ARN", `{"generateStateMachineArn": "", "simulateStateMachineArn": "b", "dataBucketName": "c"}`, "lack generateStateMachineArn"},
		{"not JSON", `Current stack outputs (3):`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseStackOutputs([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "pulumi stack output --json") {
				t.Errorf("error = %v, want %q and how to make the file", err, tc.want)
			}
		})
	}
}

func TestReadStackOutputsFromStdinAndFiles(t *testing.T) {
	t.Parallel()
	out, err := ReadStackOutputs("-", strings.NewReader(sampleOutputs))
	if err != nil || out.GenerateStateMachineArn == "" {
		t.Fatalf("stdin: %v %+v", err, out)
	}
	if _, err := ReadStackOutputs("-", strings.NewReader("{}")); err == nil || !strings.HasPrefix(err.Error(), "stdin: ") {
		t.Errorf("stdin error = %v, want it to name stdin", err)
	}
	if _, err := ReadStackOutputs(filepath.Join(t.TempDir(), "missing.json"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v", err)
	}
}

func TestLocalEndpointsRoundTripAndRejectGaps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := workflow.Config{Region: "us-east-1", AccountID: "123456789012", GenerateStateMachineName: "mc-generate",
		SimulateStateMachineName: "mc-simulate", DataBucket: "mc-data", ActivityArn: "arn:aws:states:us-east-1:123456789012:activity:mc-work",
		ClusterName: "mc", ServiceName: "mc-workers"}
	want := LocalEndpointsFor(cfg, "http://127.0.0.1:1", "http://127.0.0.1:2")
	if err := WriteLocalEndpoints(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLocalEndpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got.Outputs.SimulateStateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:mc-simulate" {
		t.Errorf("read %+v, wrote %+v", got, want)
	}
	if err := RemoveLocalEndpoints(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLocalEndpoints(dir); err == nil || !strings.Contains(err.Error(), "no local runtime in") {
		t.Errorf("after remove: %v", err)
	}
	if err := RemoveLocalEndpoints(dir); err != nil {
		t.Errorf("removing twice: %v", err)
	}
	if err := WriteLocalEndpoints(dir, LocalEndpoints{Region: "us-east-1"}); err == nil || !strings.Contains(err.Error(), "outputs.dataBucketName") {
		t.Errorf("incomplete endpoints were written: %v", err)
	}
	path := filepath.Join(dir, EndpointsFile)
	if err := os.WriteFile(path, []byte(`{"s3Url": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLocalEndpoints(dir); err == nil || !strings.Contains(err.Error(), "stepFunctionsUrl") {
		t.Errorf("incomplete file read: %v", err)
	}
}

func TestLocalEndpointsMustBeOnLoopback(t *testing.T) {
	t.Parallel()
	cfg := workflow.Config{Region: "us-east-1", AccountID: "123456789012", GenerateStateMachineName: "g",
		SimulateStateMachineName: "s", DataBucket: "b"}
	cases := []struct {
		name, sfnURL, s3URL, want string
	}{
		{"IPv4 loopback", "http://127.0.0.1:1", "http://127.0.0.1:2", ""},
		{"IPv6 loopback and localhost", "http://[::1]:1", "http://localhost:2", ""},
		{"a remote Step Functions", "https://states.us-east-1.amazonaws.com", "http://127.0.0.1:2", "stepFunctionsUrl"},
		{"an S3 on the network", "http://127.0.0.1:1", "http://10.0.0.5:9000", "s3Url"},
		{"no scheme", "127.0.0.1:1", "http://127.0.0.1:2", "stepFunctionsUrl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e := LocalEndpointsFor(cfg, tc.sfnURL, tc.s3URL)
			data, _ := json.Marshal(e)
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(EndpointsFile)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, EndpointsFile), data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Connect(context.Background(), TargetOptions{LocalDir: dir})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Connect: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "loopback")):
				t.Errorf("Connect error = %v, want one naming %s and loopback", err, tc.want)
			}
			if werr := WriteLocalEndpoints(t.TempDir(), e); (werr == nil) != (tc.want == "") {
				t.Errorf("WriteLocalEndpoints error = %v", werr)
			}
		})
	}
}

func TestConnectBuildsLocalClientsWithoutTheUsersAWSConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := LocalEndpointsFor(workflow.Config{Region: "eu-west-3", AccountID: "123456789012", GenerateStateMachineName: "g",
		SimulateStateMachineName: "s", DataBucket: "b"}, "http://127.0.0.1:1", "http://127.0.0.1:2")
	if err := WriteLocalEndpoints(dir, e); err != nil {
		t.Fatal(err)
	}
	tg, err := Connect(context.Background(), TargetOptions{LocalDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !tg.Local || tg.Region != "eu-west-3" || tg.Outputs.DataBucketName != "b" {
		t.Errorf("target = %+v", tg)
	}
	if o := tg.S3.Options(); !o.UsePathStyle || *o.BaseEndpoint != "http://127.0.0.1:2" {
		t.Errorf("S3 client: path style %v, endpoint %v", o.UsePathStyle, o.BaseEndpoint)
	}
	if o := tg.SFN.Options(); *o.BaseEndpoint != "http://127.0.0.1:1" || o.Retryer.MaxAttempts() != 8 {
		t.Errorf("SFN client: endpoint %v, %d attempts", o.BaseEndpoint, o.Retryer.MaxAttempts())
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	t.Parallel()
	api := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	cases := []struct {
		code, want string
	}{
		{"ExecutionDoesNotExist", "no execution arn:x: check the ARN"},
		{"ExpiredToken", "credentials have expired: refresh them"},
		{"ExpiredTokenException", "credentials have expired: refresh them"},
		{"StateMachineDoesNotExist", "no state machine arn:x: is the stack deployed"},
		{"ThrottlingException", "AWS throttled arn:x"},
	}
	for _, tc := range cases {
		if err := Explain(api(tc.code), "arn:x"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.code, err, tc.want)
		}
	}
	if !errors.Is(Explain(api("ExecutionDoesNotExist"), "a"), ErrNoExecution) || !errors.Is(Explain(api("ExpiredToken"), "a"), ErrExpiredCredentials) {
		t.Error("Explain's errors do not wrap their sentinels")
	}
	plain := errors.New("dial tcp: refused")
	if Explain(plain, "a") != plain || Explain(api("AccessDenied"), "a").Error() != api("AccessDenied").Error() {
		t.Error("Explain changed an error it has no advice for")
	}
}

func TestInputKeysAreTheExecutionInputsJSONNames(t *testing.T) {
	t.Parallel()
	one, ten, f := int64(1), 10, 0.5
	b, _ := json.Marshal(workflow.ExecutionInput{Dataset: "d", Loans: &one, Scenarios: &ten, Seed: &one, Layout: "l", TargetRate: &f, HorizonMonths: &ten,
		RunInput: workflow.RunInput{ManifestKey: "k", InventoryManifestKey: "k", InputPrefix: "p", InputBucket: "b", ScenarioKey: "s", TailShift: 1, Params: json.RawMessage(`{}`), RunID: "r"}})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if len(m) != len(InputKeys) {
		t.Errorf("ExecutionInput has %d keys, InputKeys %d", len(m), len(InputKeys))
	}
	for _, k := range InputKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("InputKeys has %q, ExecutionInput does not", k)
		}
	}
}
