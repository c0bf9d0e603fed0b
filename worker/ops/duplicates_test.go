package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

const dupHeader = "id,segment,amount,balance,current_rate,term_months,remaining_months,credit_score\n"

// dupRow is a personal loan; balance tells the copies of an id apart.
func dupRow(id string, balance, score int) string {
	return fmt.Sprintf("%s,personal_unsecured,25000,%d,0.09,60,41,%d\n", id, balance, score)
}

func dupJSONL(id string, balance, score int) string {
	return fmt.Sprintf(`{"id":%q,"segment":"personal_unsecured","amount":25000,"balance":%d,"current_rate":0.09,"term_months":60,"remaining_months":41,"credit_score":%d}`+"\n", id, balance, score)
}

// putDuplicateTape writes three objects under tape/ that share ids:
//
//	tape/a.csv    line 2 D-1, line 3 A-2, line 4 D-3 (score 900: rejected)
//	tape/b.jsonl  line 1 D-1 (a.csv line 2), line 2 B-2, line 3 D-3 (a.csv line 4, rejected there), line 4 B-2 (line 2)
//	tape/c.csv    line 2 D-1 (a.csv line 2), line 3 C-1, line 4 D-4
//
// and the same five loans that count, once each, under clean/.
func putDuplicateTape(e *env) {
	e.put("tape/a.csv", []byte(dupHeader+dupRow("D-1", 18000, 700)+dupRow("A-2", 17000, 710)+dupRow("D-3", 16000, 900)))
	e.put("tape/b.jsonl", []byte(dupJSONL("D-1", 5000, 600)+dupJSONL("B-2", 15000, 720)+dupJSONL("D-3", 14000, 700)+dupJSONL("B-2", 1000, 720)))
	e.put("tape/c.csv", []byte(dupHeader+dupRow("D-1", 9000, 650)+dupRow("C-1", 13000, 730)+dupRow("D-4", 12000, 740)))
	e.put("clean/all.csv", []byte(dupHeader+dupRow("D-1", 18000, 700)+dupRow("A-2", 17000, 710)+dupRow("B-2", 15000, 720)+dupRow("C-1", 13000, 730)+dupRow("D-4", 12000, 740)))
}

// allRejections reads every batch's errors, sorted by source and line.
func (e *env) allRejections(sr simRun) []loan.Rejection {
	var out []loan.Rejection
	for _, b := range sr.batches {
		if b.ErrorsKey == "" {
			continue
		}
		for _, m := range e.rejections(b.ErrorsKey) {
			var r loan.Rejection
			if err := json.Unmarshal([]byte(mustJSON(m)), &r); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b loan.Rejection) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return out
}

// lossFigures is figures without the warnings (which count rejections).
func lossFigures(t *testing.T, r RunReport) string {
	t.Helper()
	r.Warnings = nil
	return figures(t, r)
}

func TestALoanIDRepeatedInALaterObjectIsRejectedWhateverTheBatching(t *testing.T) {
	t.Parallel()
	type layout struct {
		name       string
		batchLoans int
		evaluators int
	}
	var ref []loan.Rejection
	var refRows []ResultRow
	refFigures := ""
	for _, l := range []layout{{"one object a batch", 1, 1}, {"one batch", 10_000, 4}} {
		e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Evaluators = l.evaluators })
		putDuplicateTape(e)
		sr, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 3, batchLoans: l.batchLoans, input: workflow.RunInput{InputPrefix: "tape/"}})
		if want := map[string]int{"one object a batch": 3, "one batch": 1}[l.name]; len(sr.batches) != want {
			t.Fatalf("%s: %d batches, want %d", l.name, len(sr.batches), want)
		}
		if agg.Loans != 5 || agg.Rejected != 5 {
			t.Errorf("%s: %d loans simulated, %d rejected; want 5 and 5", l.name, agg.Loans, agg.Rejected)
		}
		rej := e.allRejections(sr)
		want := []struct {
			source string
			line   int
			kind   loan.Kind
			says   string
		}{
			{"tape/a.csv", 4, loan.KindBadScore, "credit_score"},
			{"tape/b.jsonl", 1, loan.KindDuplicateID, `"D-1" was already given in s3://` + testBucket + `/tape/a.csv line 2`},
			{"tape/b.jsonl", 3, loan.KindDuplicateID, `"D-3" was already given in s3://` + testBucket + `/tape/a.csv line 4`},
			{"tape/b.jsonl", 4, loan.KindDuplicateID, `"B-2" was already given on line 2`},
			{"tape/c.csv", 2, loan.KindDuplicateID, `"D-1" was already given in s3://` + testBucket + `/tape/a.csv line 2`},
		}
		if len(rej) != len(want) {
			t.Fatalf("%s: rejections %+v, want %d", l.name, rej, len(want))
		}
		for i, w := range want {
			if r := rej[i]; r.Source != w.source || r.Line != w.line || r.Kind != w.kind || !strings.Contains(r.Reason, w.says) {
				t.Errorf("%s: rejection %d = %s line %d %s %q; want %s line %d %s saying %q", l.name, i, r.Source, r.Line, r.Kind, r.Reason, w.source, w.line, w.kind, w.says)
			}
		}
		rows := byLoanID(e.results(sr))
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.LoanID)
		}
		if !slices.Equal(ids, []string{"A-2", "B-2", "C-1", "D-1", "D-4"}) {
			t.Errorf("%s: simulated %v, want each id once", l.name, ids)
		}
		rep := e.report("r")
		if rep.Run.RejectedByKind[loan.KindDuplicateID] != 4 {
			t.Errorf("%s: report counts %v by kind, want 4 duplicate_id", l.name, rep.Run.RejectedByKind)
		}
		if ref == nil {
			ref, refRows, refFigures = rej, rows, figures(t, rep)
			// The first D-1 (balance 18,000) is the one that counts: the
			// figures are those of the five loans without the copies.
			_, _ = e.fullRun("ds", testRun{id: "clean", scenarios: testScenarios, seed: 3, input: workflow.RunInput{InputPrefix: "clean/"}})
			if clean := lossFigures(t, e.report("clean")); clean != lossFigures(t, rep) {
				t.Errorf("the figures differ from the same loans without the repeated ids:\n got %.600s\nwant %.600s", lossFigures(t, rep), clean)
			}
			continue
		}
		if !slices.Equal(rej, ref) || !slices.Equal(rows, refRows) || figures(t, rep) != refFigures {
			t.Errorf("%s: rejections, results or figures differ from one object a batch", l.name)
		}
	}
}

func TestRepeatedIDsAreFoundBeforeAnyBatchWhateverOrderTheBatchesRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	putDuplicateTape(e)
	r := testRun{id: "r", scenarios: testScenarios, seed: 3, batchLoans: 1, input: workflow.RunInput{InputPrefix: "tape/"}}
	var prepared workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", r), &prepared)
	var m RunManifest
	if err := json.Unmarshal(e.get(workflow.RunManifestKey("r")), &m); err != nil {
		t.Fatal(err)
	}
	if m.IDCheck != idCheckAcrossObjects || m.DuplicateIDs != 3 || m.DuplicateIDsKey != workflow.DuplicateIDsKey("r") {
		t.Fatalf("run manifest: check %q, %d duplicates at %q; want 3 (the within-file repeat is its reader's)", m.IDCheck, m.DuplicateIDs, m.DuplicateIDsKey)
	}
	// The last object's batch first: its D-1 is still the later one.
	in := fmt.Sprintf(`{"Items":[{"Key":"tape/c.csv"}],"BatchInput":{"run":%s}}`, mustJSON(prepared.Run))
	var out workflow.SimulateOutput
	e.mustCall(workflow.OpSimulate, json.RawMessage(in), &out)
	rej := e.rejections(out.ErrorsKey)
	if out.Loans != 2 || len(rej) != 1 || rej[0]["id"] != "D-1" || rej[0]["line"] != 2.0 || rej[0]["kind"] != string(loan.KindDuplicateID) {
		t.Errorf("tape/c.csv alone: %d loans, rejections %v; want C-1 and D-4 simulated, D-1 line 2 rejected", out.Loans, rej)
	}

	// An object rewritten after prepare fails its batch instead of
	// rejecting some other record.
	e.put("tape/b.jsonl", []byte(dupJSONL("Z-9", 5000, 600)+dupJSONL("B-2", 15000, 720)))
	in = fmt.Sprintf(`{"Items":[{"Key":"tape/b.jsonl"}],"BatchInput":{"run":%s}}`, mustJSON(prepared.Run))
	task := e.call(workflow.OpSimulate, json.RawMessage(in))
	if task.Error != activity.InputInvalid || !strings.Contains(task.Cause, "changed during the run") {
		t.Errorf("a rewritten object: %s %q, want Input.Invalid saying it changed", task.Error, task.Cause)
	}
}

func TestPrepareRefusesMoreIDsThanItCanHold(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	putDuplicateTape(e)
	o := newOps(Deps{Store: e.st, Logger: slog.New(slog.DiscardHandler)})
	o.maxIDs = 4
	src := workflow.InputSource{Kind: workflow.InputKindPrefix, Bucket: testBucket, Prefix: "tape/"}
	run := testRun{scenarios: testScenarios, seed: 3}.params("ds")
	_, _, _, err := o.checkDuplicateIDs(context.Background(), testBucket, "r", run, src)
	var te *activity.TaskError
	if !errors.As(err, &te) || te.Name != activity.InputInvalid || !strings.Contains(fmt.Sprint(err), "more than 4 loan ids") {
		t.Errorf("check = %v, want Input.Invalid naming the limit", err)
	}
	o.maxIDs = 2 // fewer than the objects: refused while listing
	if _, _, _, err := o.checkDuplicateIDs(context.Background(), testBucket, "r", run, src); !errors.As(err, &te) || !strings.Contains(err.Error(), "more than 2 loan objects") {
		t.Errorf("three objects for two ids: %v", err)
	}
	o.maxIDs = 6 // the six distinct ids fit (D-3 counts, rejected as it is)
	check, key, n, err := o.checkDuplicateIDs(context.Background(), testBucket, "r", run, src)
	if err != nil || check != idCheckAcrossObjects || key == "" || n != 3 {
		t.Errorf("check = %q %q %d %v, want 3 records across objects", check, key, n, err)
	}
	// The dataset's own manifest is generated: its ids are not indexed.
	gen := workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: testBucket, Key: workflow.ManifestKey("ds")}
	if check, _, _, err := o.checkDuplicateIDs(context.Background(), testBucket, "r", run, gen); err != nil || check != idCheckGenerated {
		t.Errorf("a generated dataset: %q %v", check, err)
	}
}
