package ops

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

// callRaw runs one task whose input is exactly input (call re-encodes its
// input through a map, which would drop a duplicate key).
func (e *env) callRaw(input string) activitytest.Task {
	e.t.Helper()
	tok := e.sfn.Enqueue(input)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.sfn.WaitStatus(ctx, tok, activitytest.Succeeded, activitytest.Failed); err != nil {
		e.t.Fatalf("task did not finish: %v", err)
	}
	return e.sfn.Task(tok)
}

// TestTaskInputKeysAreExactAndGivenOnce: encoding/json matches keys to
// fields case-insensitively and keeps the last of duplicates, so
// {"shardSize":500,"shardsize":3} planned 3-loan shards and a run input
// {"Scenarios":5,"RUNID":"other"} overrode the run. Every op now refuses
// such input, naming the key.
func TestTaskInputKeysAreExactAndGivenOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1})
	prepare := taskInput(t, workflow.OpPrepare, e.prepareInput("ds", testRun{id: "r2", scenarios: testScenarios, seed: 1}))
	if !strings.Contains(prepare, `"run":{`) || !strings.Contains(sr.inputs[0], `"Key":`) {
		t.Fatalf("unexpected inputs %s / %s", prepare, sr.inputs[0])
	}
	runCtx := mustJSON(sr.prepared.Run)
	plan := `{"op":"plan","bucket":"` + testBucket + `","shardSize":500,%s"run":{"dataset":"d","loans":5,"scenarios":1,"seed":1,"layout":"sharded","targetRate":0.08,"horizonMonths":12%s}}`
	for _, tc := range []struct {
		name, input, want string
	}{
		{"plan: shardSize and shardsize", sprintf(plan, `"shardsize":3,`, ""), `key "shardsize": given twice in one object, also as "shardSize"`},
		{"plan: a run key in another case", sprintf(plan, "", `,"Scenarios":5`), `run: key "Scenarios": given twice in one object, also as "scenarios"`},
		{"plan: shardSize twice", sprintf(plan, `"shardSize":3,`, ""), `key "shardSize": given twice`},
		{"prepare: run keys in another case", strings.Replace(prepare, `"run":{`, `"run":{"RUNID":"other",`, 1), `run: key "RUNID": unknown field; keys are case-sensitive: did you mean "runId"?`},
		{"prepare: Scenarios beside scenarios", strings.Replace(prepare, `"run":{`, `"run":{"Scenarios":5,`, 1), `run: key "Scenarios": unknown field; keys are case-sensitive: did you mean "scenarios"?`},
		{"prepare: a model parameter in another case", strings.Replace(prepare, `"run":{`, `"run":{"params":{"Gamma":1.2},`, 1), `key "Gamma": unknown field; keys are case-sensitive: did you mean "gamma"?`},
		{"prepare: a model parameter twice", strings.Replace(prepare, `"run":{`, `"run":{"params":{"gamma":1.2,"gamma":0.9},`, 1), `run.params: key "gamma": given twice`},
		{"simulate: an item key in another case", strings.Replace(strings.Replace(sr.inputs[0], `"Key":`, `"key":"other.jsonl","Key":`, 1), `{`, `{"op":"simulate",`, 1), `Items[0]: key "key": unknown field; keys are case-sensitive: did you mean "Key"?`},
		{"simulate: a run context key in another case", `{"op":"simulate","Items":[{"Key":"k.jsonl"}],"BatchInput":{"run":` + strings.Replace(runCtx, `"runId"`, `"RUNID":"other","runId"`, 1) + `}}`, `BatchInput.run: key "RUNID": unknown field; keys are case-sensitive: did you mean "runId"?`},
		{"simulate: an unknown top-level key", `{"op":"simulate","Items":[{"Key":"k.jsonl"}],"BatchInput":{"run":` + runCtx + `},"items":[]}`, `key "items": given twice in one object, also as "Items"`},
		{"generate: an unknown key", `{"op":"generate","Items":[],"BatchInput":{"dataset":{}},"batchinput":{}}`, `key "batchinput": given twice`},
		{"manifest: a key in another case", `{"op":"manifest","Dataset":{}}`, `key "Dataset": unknown field; keys are case-sensitive: did you mean "dataset"?`},
		{"aggregate: a key in another case", `{"op":"aggregate","run":{},"ExpectedLoans":5}`, `key "ExpectedLoans": unknown field; keys are case-sensitive: did you mean "expectedLoans"?`},
		{"the op in another case", `{"OP":"plan"}`, `"OP": keys are case-sensitive`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := e.callRaw(tc.input)
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, tc.want) {
				t.Errorf("%s = %s %s %q; want Input.Invalid containing %q", tc.input, task.Status, task.Error, task.Cause, tc.want)
			}
		})
	}
}

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}
