package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

func TestPreflightOfTheLocalRuntimePassesAndPrintsJSON(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	out := mustMC(t, atLocal(rt, "preflight")...)
	for _, want := range []string{"preflight of local", "OK", "state-machine:simulate", "SKIPPED", "no problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out = mustMC(t, atLocal(rt, "preflight", "--json")...)
	var r operate.PreflightReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if r.Target != "local" || r.Problems != 0 || len(r.Checks) == 0 {
		t.Errorf("report %+v", r)
	}
}

// fakeAWSServer speaks, on 127.0.0.1, the wire protocols of the calls
// preflight makes: the query protocol (STS, IAM), JSON 1.0/1.1 (Step
// Functions, ECS, ECR, Service Quotas) and S3's REST HeadBucket. It is an
// account with no ECS service-linked role and a Spot quota of 4 vCPUs.
type fakeAWSServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string
}

const (
	fakeAccount = "123456789012"
	fakeRegion  = "eu-west-1"
	fakeDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func fakeArn(res string) string {
	return "arn:aws:states:" + fakeRegion + ":" + fakeAccount + ":" + res
}

func startFakeAWS(t *testing.T) *fakeAWSServer {
	t.Helper()
	f := &fakeAWSServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWSServer) record(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeAWSServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodHead { // S3 HeadBucket, path style
		f.record("s3:HeadBucket " + r.URL.Path)
		w.WriteHeader(http.StatusOK)
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		f.record(target)
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		writeJSON := func(v any) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_ = json.NewEncoder(w).Encode(v)
		}
		switch target {
		case "AWSStepFunctions.DescribeStateMachine":
			def := `{"StartAt":"ScaleOut","States":{"ScaleOut":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ecs:updateService","Parameters":{"Cluster":"c","Service":"s","DesiredCount":3},"End":true}}}`
			writeJSON(map[string]any{"stateMachineArn": in["stateMachineArn"], "name": "m", "status": "ACTIVE", "definition": def,
				"roleArn": "arn:aws:iam::" + fakeAccount + ":role/r", "type": "STANDARD", "creationDate": 1.7e9})
		case "AWSStepFunctions.DescribeActivity":
			writeJSON(map[string]any{"activityArn": in["activityArn"], "name": "a", "creationDate": 1.7e9})
		case "AmazonEC2ContainerServiceV20141113.DescribeServices":
			writeJSON(map[string]any{"failures": []any{}, "services": []any{map[string]any{
				"serviceName": "mc-workers", "status": "ACTIVE", "desiredCount": 0, "runningCount": 0,
				"taskDefinition":           "arn:aws:ecs:" + fakeRegion + ":" + fakeAccount + ":task-definition/mc-worker:4",
				"capacityProviderStrategy": []any{map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}},
			}}})
		case "AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition":
			writeJSON(map[string]any{"taskDefinition": map[string]any{"family": "mc-worker", "cpu": "2048", "memory": "4096"}})
		case "AmazonEC2ContainerRegistry_V20150921.DescribeImages":
			writeJSON(map[string]any{"imageDetails": []any{map[string]any{"registryId": fakeAccount, "repositoryName": "mc-worker", "imageDigest": fakeDigest}}})
		case "ServiceQuotasV20190624.GetServiceQuota":
			writeJSON(map[string]any{"Quota": map[string]any{"ServiceCode": "fargate", "QuotaCode": in["QuotaCode"], "QuotaName": "Fargate Spot vCPU resource count", "Value": 4.0}})
		default:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(map[string]any{"__type": "UnknownOperationException", "message": target})
		}
		return
	}
	// The query protocol: Action=... in a form body.
	vals, _ := parseForm(string(body))
	f.record(vals["Action"])
	w.Header().Set("Content-Type", "text/xml")
	switch vals["Action"] {
	case "GetCallerIdentity":
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/ops</Arn><UserId>AIDAEXAMPLE</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, fakeAccount, fakeAccount)
	case "GetRole":
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name %s cannot be found.</Message></Error><RequestId>2</RequestId></ErrorResponse>`, vals["RoleName"])
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>`, vals["Action"])
	}
}

func parseForm(body string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out, nil
}

// isolateAWSConfig points the SDK's default chain at static credentials
// and away from every file, profile and the instance metadata service, so
// nothing but the loopback fake is ever asked.
func isolateAWSConfig(t *testing.T) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
}

// Not parallel: it sets the AWS environment of the process.
func TestPreflightAgainstAWSProtocolsReportsEachProblemWithItsFixAndExitsNonZero(t *testing.T) {
	isolateAWSConfig(t)
	f := startFakeAWS(t)
	outputs := map[string]any{
		"generateStateMachineArn": fakeArn("stateMachine:mc-generate"), "simulateStateMachineArn": fakeArn("stateMachine:mc-simulate"),
		"cleanupStateMachineArn": fakeArn("stateMachine:mc-cleanup"), "activityArn": fakeArn("activity:mc-work"),
		"dataBucketName": "mc-data-a1b2", "clusterName": "mc-cluster", "serviceName": "mc-workers",
		"imageUri":  fakeAccount + ".dkr.ecr." + fakeRegion + ".amazonaws.com/mc-worker@" + fakeDigest,
		"subnetIds": []string{"subnet-1"}, // other outputs are ignored
	}
	b, _ := json.Marshal(outputs)
	file := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := mc(t, "preflight", "--stack-outputs", file, "--endpoint-url", f.URL, "--max-attempts", "1")
	if code == 0 {
		t.Fatalf("exit 0 with two problems:\n%s", out)
	}
	if !strings.Contains(errOut, "preflight: 2 problems") {
		t.Errorf("stderr %q", errOut)
	}
	for _, want := range []string{
		"preflight of aws, account 123456789012, region eu-west-1",
		"PROBLEM  ecs-service-linked-role",
		"fix: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
		// 3 workers (the scale-out) x 2048 CPU units (the task definition) = 6 vCPUs > 4.
		"a run needs 6 Fargate Spot vCPUs (3 workers x 2048 CPU units) but the account's quota in eu-west-1 is 4",
		"fix: aws service-quotas request-service-quota-increase --service-code fargate --quota-code L-36FBB829 --desired-value 6 --region eu-west-1",
		"OK       image", "OK       state-machine:cleanup", "OK       activity", "OK       data-bucket",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	calls := strings.Join(f.calls, "\n")
	for _, want := range []string{"GetCallerIdentity", "GetRole", "ServiceQuotasV20190624.GetServiceQuota",
		"AmazonEC2ContainerRegistry_V20150921.DescribeImages", "AmazonEC2ContainerServiceV20141113.DescribeTaskDefinition",
		"AWSStepFunctions.DescribeActivity", "s3:HeadBucket /mc-data-a1b2"} {
		if !strings.Contains(calls, want) {
			t.Errorf("the fake saw no %s: %v", want, f.calls)
		}
	}

	// --json carries the same report.
	code, out, _ = mc(t, "preflight", "--stack-outputs", file, "--endpoint-url", f.URL, "--max-attempts", "1", "--json")
	var r operate.PreflightReport
	if err := json.Unmarshal([]byte(out), &r); err != nil || code == 0 || r.Problems != 2 {
		t.Errorf("--json: code %d, problems %d, err %v\n%s", code, r.Problems, err, out)
	}

	// Before the first pulumi up: the account checks only.
	code, out, _ = mc(t, "preflight", "--region", "eu-west-1", "--workers", "2", "--task-cpu", "1024", "--endpoint-url", f.URL, "--max-attempts", "1")
	if code == 0 || !strings.Contains(out, "preflight of aws (no stack)") || strings.Contains(out, "state-machine") ||
		!strings.Contains(out, "OK       fargate-vcpu-quota:fargate-spot") {
		t.Errorf("no stack: code %d\n%s", code, out)
	}
}

func TestPreflightRefusesANonLoopbackEndpointAndBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"preflight", "--endpoint-url", "https://example.com", "--region", "us-east-1"}, "loopback"},
		{[]string{"preflight", "--workers", "-1"}, "must not be negative"},
		{[]string{"preflight", "--stack-outputs", "x.json", "--local", "dir"}, "either --stack-outputs or --local"},
	} {
		code, _, errOut := mc(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: code %d stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
