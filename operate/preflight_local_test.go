package operate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

// preflightLocal runs preflight against the local runtime in dir.
func preflightLocal(t *testing.T, dir string) operate.PreflightReport {
	t.Helper()
	o := operate.PreflightOptions{LocalDir: dir, MaxAttempts: 1}
	pt, err := operate.ConnectPreflight(context.Background(), o)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	r, err := operate.Preflight(context.Background(), pt, o)
	if err != nil {
		t.Fatalf("preflight: %v", err)
	}
	return r
}

func TestPreflightOfTheLocalRuntimeFindsItsStateMachinesActivityAndBucket(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	r := preflightLocal(t, rt.Dir)
	if !r.OK() || r.Target != "local" {
		t.Fatalf("local runtime: %+v", r)
	}
	status := map[string]string{}
	for _, c := range r.Checks {
		status[c.Name] = c.Status
	}
	for name, want := range map[string]string{
		"credentials": operate.CheckOK, "state-machine:generate": operate.CheckOK, "state-machine:simulate": operate.CheckOK,
		"activity": operate.CheckOK, "data-bucket": operate.CheckOK,
		"ecs-service-linked-role": operate.CheckSkipped, "fargate-vcpu-quota": operate.CheckSkipped, "image": operate.CheckSkipped,
	} {
		if status[name] != want {
			t.Errorf("%s = %q, want %q (%v)", name, status[name], want, status)
		}
	}
}

func TestPreflightOfTheLocalRuntimeReportsWhatIsMissing(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	e, err := operate.ReadLocalEndpoints(rt.Dir)
	if err != nil {
		t.Fatal(err)
	}
	// Endpoints of an older runtime: names the local runtime does not serve.
	e.Outputs.SimulateStateMachineArn = strings.Replace(e.Outputs.SimulateStateMachineArn, ":stateMachine:", ":stateMachine:gone-", 1)
	e.Outputs.ActivityArn += "-gone"
	e.Outputs.DataBucketName = "gone-bucket"
	if err := operate.WriteLocalEndpoints(rt.Dir, e); err != nil {
		t.Fatal(err)
	}
	r := preflightLocal(t, rt.Dir)
	if r.Problems != 3 {
		t.Fatalf("problems = %d, want 3 (simulate, activity, bucket): %+v", r.Problems, r.Checks)
	}
	for _, c := range r.Checks {
		if c.Status == operate.CheckProblem && !strings.Contains(c.Fix, "montecarlo local --serve") {
			t.Errorf("%s: fix %q, want restarting the local runtime", c.Name, c.Fix)
		}
	}
}

func TestPreflightOfALocalLambdaRuntimeSkipsTheLambdaAndActivityChecksSayingWhy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt, err := localrun.Start(ctx, localrun.Options{Compute: workflow.ComputeLambda, DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("start local lambda runtime: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	sfnURL, s3URL := rt.Endpoints()
	if err := operate.WriteLocalEndpoints(rt.DataDir(), operate.LocalEndpointsFor(rt.Config(), sfnURL, s3URL)); err != nil {
		t.Fatal(err)
	}
	r := preflightLocal(t, rt.DataDir())
	if !r.OK() {
		t.Fatalf("local lambda runtime: %+v", r.Checks)
	}
	checks := map[string]operate.Check{}
	for _, c := range r.Checks {
		checks[c.Name] = c
	}
	for name, want := range map[string]string{
		"state-machine:generate": operate.CheckOK, "state-machine:simulate": operate.CheckOK, "data-bucket": operate.CheckOK,
		"activity": operate.CheckSkipped, "lambda-function": operate.CheckSkipped, "lambda-concurrency": operate.CheckSkipped,
	} {
		if checks[name].Status != want {
			t.Errorf("%s = %+v, want %s", name, checks[name], want)
		}
	}
	if d := checks["lambda-concurrency"].Detail; !strings.Contains(d, "does not emulate Lambda's GetFunctionConfiguration or GetAccountSettings") {
		t.Errorf("lambda-concurrency skipped saying %q", d)
	}
	if d := checks["activity"].Detail; !strings.Contains(d, "compute lambda has no activity") {
		t.Errorf("activity skipped saying %q", d)
	}
}
