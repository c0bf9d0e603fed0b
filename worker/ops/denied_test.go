package ops

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// TestS3AccessDeniedIsNotReadAsMissing: S3 answers 403 instead of 404 for
// a missing key to a role without s3:ListBucket, and generate (a shard's
// manifest part), prepare's resume (the run manifest), simulate's
// readPartial and aggregate (the partials) read "not found" as a signal.
// A 403 must fail the task as S3.AccessDenied naming the role, the bucket
// and the key: not as a missing object, and not as S3.IO, which the
// workflow retries.
func TestS3AccessDeniedIsNotReadAsMissing(t *testing.T) {
	t.Parallel()
	var deny atomic.Pointer[string] // a path fragment whose GETs and HEADs get 403
	fault := func(r *http.Request) (int, string, bool) {
		if d := deny.Load(); d != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.URL.Path, *d) {
			return http.StatusForbidden, "AccessDenied", true
		}
		return 0, "", false
	}
	e := newEnv(t, s3local.Options{Fault: fault}, nil)
	e.generate("ds", 20, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, batchLoans: 10})
	// The plan's shards, for a generate batch.
	var plan workflow.PlanOutput
	e.mustCall(workflow.OpPlan, workflow.PlanInput{ExecutionName: "gen-ds2", Bucket: testBucket, ShardSize: 10,
		Run: workflow.RunParams{RunDefaults: workflow.RunDefaults{Dataset: "ds2", Loans: 10, Scenarios: 100, Seed: 1, Layout: workflow.LayoutSharded, TargetRate: 0.08, HorizonMonths: 27}}}, &plan)
	var shard workflow.PlanShard
	if err := json.Unmarshal(e.csvItems(plan.PlanKey)[0], &shard); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, deny, key string
		op              string
		in              any
	}{
		{"simulate's partial (skip a finished batch)", "/runs/r/partials/", sr.batches[0].PartialKey, workflow.OpSimulate, json.RawMessage(sr.inputs[0])},
		{"prepare's resume (the run manifest)", "/runs/r/manifest.json", workflow.RunManifestKey("r"), workflow.OpPrepare,
			e.prepareInput("ds", testRun{id: "r2", scenarios: testScenarios, seed: 1, batchLoans: 10, input: workflow.RunInput{RunID: "r"}})},
		{"generate's manifest part (skip a finished shard)", "/" + workflow.ManifestPartKey("ds2", shard.Shard), workflow.ManifestPartKey("ds2", shard.Shard), workflow.OpGenerate,
			workflow.GenerateInput{Items: []workflow.PlanShard{shard}, BatchInput: workflow.GenerateBatchInput{Dataset: plan.Dataset}}},
		{"aggregate's partials", "/runs/r/partials/", "runs/r/partials/", workflow.OpAggregate,
			sr.aggregateInput(e.writeMapResults(sr.prepared.ResultPrefix+"/denied", sr.children(), nil))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deny.Store(&tc.deny)
			defer deny.Store(nil)
			task := e.call(tc.op, tc.in)
			if task.Status != activitytest.Failed || task.Error != store.NameAccessDenied {
				t.Fatalf("%s = %s %s %q; want %s", tc.op, task.Status, task.Error, task.Cause, store.NameAccessDenied)
			}
			for _, want := range []string{"access denied: the task role may not s3:GetObject", `bucket "` + testBucket + `"`, tc.key, "s3:ListBucket"} {
				if !strings.Contains(task.Cause, want) {
					t.Errorf("cause %q does not say %q", task.Cause, want)
				}
			}
		})
	}
}
