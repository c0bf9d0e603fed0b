package ops

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

func TestAggregateChecksEveryLoanIsCountedExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 40, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, batchLoans: 10})
	if len(sr.batches) != 4 {
		t.Fatalf("%d batches, want 4", len(sr.batches))
	}
	kids := sr.children()
	shard := func(s int64) string { return "s3://" + testBucket + "/" + workflow.ShardKey("ds", s) }

	// Shards 1 and 2 simulated together as well as on their own: their
	// objects are counted by two batches.
	overlap := `{"Items":[` + joinRaw(e.items(sr.prepared.Input)[1:3]) + `],"BatchInput":{"run":` + mustJSON(sr.prepared.Run) + `}}`
	var both workflow.SimulateOutput
	e.mustCall(workflow.OpSimulate, json.RawMessage(overlap), &both)

	for _, tc := range []struct {
		name     string
		children []simChild
		want     []string
	}{
		{"a missing batch names its object and the gap", kids[:3],
			[]string{"object " + shard(3) + " of the input was counted by no batch", "expected 40 input loans, counted 30", "-10"}},
		{"a duplicated batch is named", append(append([]simChild{}, kids...), kids[2]),
			[]string{"batch " + kids[2].output.BatchID + " was counted 2 times"}},
		{"an object in two batches names both", append(append([]simChild{}, kids...), simChild{input: overlap, output: both}),
			[]string{"object " + shard(1) + " was counted twice, by batches", "object " + shard(2) + " was counted twice", "expected 40 input loans, counted 60"}},
		{"a succeeded batch without its partial is named", append(append([]simChild{}, kids[:3]...), simChild{input: kids[3].input,
			output: workflow.SimulateOutput{BatchID: "00112233445566778899aabbccddeeff", Loans: 10}}),
			[]string{"batch 00112233445566778899aabbccddeeff is missing", workflow.PartialKey("r", "00112233445566778899aabbccddeeff")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mr := e.writeMapResults(sr.prepared.ResultPrefix+"/"+strings.ReplaceAll(tc.name, " ", "-"), tc.children, nil)
			task := e.call(workflow.OpAggregate, sr.aggregateInput(mr))
			if task.Status != activitytest.Failed || task.Error != activity.AggregateMismatch {
				t.Fatalf("aggregate = %s %s %q, want Aggregate.Mismatch", task.Status, task.Error, task.Cause)
			}
			for _, w := range tc.want {
				if !strings.Contains(task.Cause, w) {
					t.Errorf("cause %q does not say %q", task.Cause, w)
				}
			}
		})
	}
	if e.exists(workflow.ReportKey("r")) {
		t.Error("a mismatched run wrote a report")
	}

	t.Run("the counted batches pass", func(t *testing.T) {
		var agg workflow.AggregateOutput
		e.mustCall(workflow.OpAggregate, sr.aggregateInput(e.writeMapResults(sr.prepared.ResultPrefix+"/ok", kids, nil)), &agg)
		if agg.Loans != 40 || agg.Batches != 4 || agg.FailedBatches != 0 {
			t.Errorf("aggregate = %+v", agg)
		}
	})
}

func TestAggregateReportsTheObjectsOfToleratedFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 30, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, batchLoans: 10})
	kids := sr.children()
	mr := e.writeMapResults(sr.prepared.ResultPrefix, kids[:2], kids[2:])
	var agg workflow.AggregateOutput
	e.mustCall(workflow.OpAggregate, sr.aggregateInput(mr), &agg)
	if agg.Loans != 20 || agg.Batches != 2 || agg.FailedBatches != 1 {
		t.Errorf("aggregate = %+v, want 20 loans in 2 batches and 1 failed batch", agg)
	}
	rep := e.report("r")
	if len(rep.Run.NotSimulatedObjects) != 1 || rep.Run.NotSimulatedObjects[0] != "s3://"+testBucket+"/"+workflow.ShardKey("ds", 2) ||
		rep.Run.NotSimulatedLoans != 10 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "1 batches failed") {
		t.Errorf("report run = %+v, warnings %v", rep.Run, rep.Warnings)
	}
}

func TestReadResultFileStreamsArraysAndJSONLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	o := newOps(Deps{Store: e.st})
	for _, tc := range []struct {
		name, body string
		want       int
		err        string
	}{
		{"a JSON array", ` [{"a":1}, {"a":2},{"a":3}]`, 3, ""},
		{"JSON Lines", "{\"a\":1}\n{\"a\":2}\n", 2, ""},
		{"an empty array", `[]`, 0, ""},
		{"a truncated array", `[{"a":1},{"a"`, 0, activity.InputInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.put("results/"+tc.name, []byte(tc.body))
			n := 0
			err := o.readResultFile(context.Background(), testBucket, "results/"+tc.name, func(r json.RawMessage) error {
				n++
				return nil
			})
			if tc.err != "" {
				var te *activity.TaskError
				if !errors.As(err, &te) || te.Name != tc.err {
					t.Errorf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || n != tc.want {
				t.Errorf("%d records, %v; want %d", n, err, tc.want)
			}
		})
	}
}
