package main

import (
	"context"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/operate"
)

// TestVerbsOnALocalLambdaRuntime runs, watches and preflights a pipeline of
// compute lambda: no activity, cluster or service, yet every verb works and
// says nothing of ECS.
func TestVerbsOnALocalLambdaRuntime(t *testing.T) {
	t.Parallel()
	rt, err := localrun.Start(context.Background(), localrun.Options{Compute: workflow.ComputeLambda, DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("start local lambda runtime: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	sfnURL, s3URL := rt.Endpoints()
	if err := operate.WriteLocalEndpoints(rt.DataDir(), operate.LocalEndpointsFor(rt.Config(), sfnURL, s3URL)); err != nil {
		t.Fatal(err)
	}
	local := func(args ...string) []string { return append(append(args, "--local", rt.DataDir()), fast...) }

	out := mustMC(t, local("run", "generate", "--name", "gen-lambda", "--loans", "40", "--watch")...)
	if !strings.Contains(out, "gen-lambda SUCCEEDED") {
		t.Errorf("generate:\n%s", out)
	}
	out = mustMC(t, local("run", "simulate", "--name", "sim-lambda", "--scenarios", "10", "--watch")...)
	if !strings.Contains(out, "sim-lambda SUCCEEDED") || !strings.Contains(out, "succeeded, 0 failed") {
		t.Errorf("simulate:\n%s", out)
	}
	if strings.Contains(strings.ToLower(out), "ecs") {
		t.Errorf("a lambda run's progress names ECS:\n%s", out)
	}

	out = mustMC(t, "preflight", "--local", rt.DataDir(), "--max-backoff", "1ms")
	for _, want := range []string{"SKIPPED  lambda-function", "does not emulate Lambda", "SKIPPED  activity", "compute lambda has no activity", "no problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight: no %q in\n%s", want, out)
		}
	}
}
