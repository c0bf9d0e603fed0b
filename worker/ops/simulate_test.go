package ops

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

const testScenarios = 200

// report reads a run's report.json.
func (e *env) report(runID string) RunReport {
	e.t.Helper()
	var r RunReport
	if err := json.Unmarshal(e.get(workflow.ReportKey(runID)), &r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// results reads every per-loan row of a run's batches, in batch order.
func (e *env) results(sr simRun) []ResultRow {
	e.t.Helper()
	var rows []ResultRow
	for _, b := range sr.batches {
		body := e.get(b.ResultsKey)
		rs, err := parquet.Read[ResultRow](bytes.NewReader(body), int64(len(body)))
		if err != nil {
			e.t.Fatalf("%s: %v", b.ResultsKey, err)
		}
		rows = append(rows, rs...)
	}
	return rows
}

func byLoanID(rows []ResultRow) []ResultRow {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b ResultRow) int { return strings.Compare(a.LoanID, b.LoanID) })
	return out
}

// figures is the report without the run section (ids differ between runs).
func figures(t *testing.T, r RunReport) string {
	t.Helper()
	b, err := json.Marshal(r.Report)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSimulateEveryInputKindCountsEveryLoanOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 45, 10, workflow.LayoutSharded, 11)
	var want string
	for _, tc := range []struct {
		kind     string
		input    workflow.RunInput
		expected int64
	}{
		{workflow.InputKindCSV, workflow.RunInput{}, 45},
		{workflow.InputKindInventory, workflow.RunInput{InventoryManifestKey: workflow.InventoryManifestKey("ds")}, 0},
		{workflow.InputKindPrefix, workflow.RunInput{InputPrefix: workflow.DatasetPrefix("ds") + "loans/"}, 0},
	} {
		sr, agg := e.fullRun("ds", testRun{id: "run-" + tc.kind, input: tc.input, scenarios: testScenarios, seed: 7, batchLoans: 20})
		if sr.prepared.Input.Kind != tc.kind || sr.prepared.ExpectedLoans != tc.expected || sr.prepared.MaxItemsPerBatch != 2 {
			t.Errorf("%s: prepare = %+v, want kind %s, %d expected loans, 2 shards per batch", tc.kind, sr.prepared, tc.kind, tc.expected)
		}
		if agg.Loans != 45 || agg.Batches != 3 || agg.Rejected != 0 || agg.ReportKey != workflow.ReportKey("run-"+tc.kind) {
			t.Errorf("%s: aggregate = %+v, want 45 loans in 3 batches", tc.kind, agg)
		}
		rows := e.results(sr)
		if len(rows) != 45 {
			t.Fatalf("%s: %d result rows, want 45", tc.kind, len(rows))
		}
		for _, r := range rows {
			if r.RunID != "run-"+tc.kind || r.Seed != 7 || r.ParamsHash != sr.prepared.Run.ParamsHash || r.StressedPD < r.StressedPDLo || r.StressedPD > r.StressedPDHi || r.EAD <= 0 {
				t.Errorf("%s: row %+v", tc.kind, r)
				break
			}
		}
		rep := e.report("run-" + tc.kind)
		if rep.Run.Loans != 45 || rep.Run.Objects != 5 || rep.Headline.Loans != 45 || rep.Seed != 7 || rep.ParamsHash != sr.prepared.Run.ParamsHash ||
			rep.GoVersion == "" || rep.GOARCH == "" || rep.ModelVersion != model.ModelVersion || len(rep.Warnings) == 0 {
			t.Errorf("%s: report run %+v, headline %+v, warnings %v", tc.kind, rep.Run, rep.Headline, rep.Warnings)
		}
		if agg.ReportHTMLKey != workflow.ReportHTMLKey("run-"+tc.kind) ||
			!bytes.Contains(e.get(agg.ReportHTMLKey), []byte("run-"+tc.kind)) || !bytes.Contains(e.get(ReportMarkdownKey("run-"+tc.kind)), []byte("run-"+tc.kind)) {
			t.Errorf("%s: report.html at %q and report.md do not name the run", tc.kind, agg.ReportHTMLKey)
		}
		if got := figures(t, rep); want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s: the report's figures differ from the CSV manifest run's", tc.kind)
		}
	}
}

func TestSimulateResultsAreBitIdenticalWhateverTheBatching(t *testing.T) {
	t.Parallel()
	// One environment with one evaluator and per-shard batches, another
	// with four evaluators, one-loan chunks' worth of concurrency and
	// everything in one batch.
	a := newEnv(t, s3local.Options{}, func(d *Deps) { d.Evaluators = 1; d.S3Concurrency = 1 })
	b := newEnv(t, s3local.Options{}, func(d *Deps) { d.Evaluators = 4; d.S3Concurrency = 8 })
	a.generate("ds", 700, 100, workflow.LayoutSharded, 3)
	b.generate("ds", 700, 100, workflow.LayoutSharded, 3)
	sa, _ := a.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 5, batchLoans: 100})
	sb, _ := b.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 5, batchLoans: 10_000})
	if len(sa.batches) != 7 || len(sb.batches) != 1 {
		t.Fatalf("%d and %d batches, want 7 and 1", len(sa.batches), len(sb.batches))
	}
	ra, rb := byLoanID(a.results(sa)), byLoanID(b.results(sb))
	if !slices.Equal(ra, rb) {
		t.Error("per-loan results differ between batchings")
	}
	if figures(t, a.report("r")) != figures(t, b.report("r")) {
		t.Error("report figures differ between batchings")
	}
	// The attribution's sums (in the figures above) cover exactly the
	// sampled loans, whatever the batching.
	sampled := int64(0)
	for _, r := range ra {
		if risk.InAttributionSample(r.LoanID) {
			sampled++
		}
	}
	at, bt := a.report("r").Attribution, b.report("r").Attribution
	if at == nil || bt == nil || at.Portfolio.Loans != sampled || sampled == 0 || !reflect.DeepEqual(at, bt) {
		t.Errorf("attribution %+v and %+v, want the same over the %d sampled loans", at, bt, sampled)
	}
}

func TestSimulateParquetIsSelfDescribing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	sr, _ := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 2})
	body := e.get(sr.batches[0].ResultsKey)
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range f.Schema().Fields() {
		cols = append(cols, c.Name())
	}
	for _, want := range []string{"loan_id", "segment", "baseline_pd", "stressed_pd", "stressed_pd_lo", "stressed_pd_hi", "delta_pd",
		"payment_shock", "ead", "lgd", "expected_loss", "run_id", "seed", "params_hash"} {
		if !slices.Contains(cols, want) {
			t.Errorf("no column %q in %v", want, cols)
		}
	}
	for k, want := range map[string]string{"run_id": "r", "seed": "2", "params_hash": sr.prepared.Run.ParamsHash, "model_version": model.ModelVersion, "batch_id": sr.batches[0].BatchID} {
		if v, ok := f.Lookup(k); !ok || v != want {
			t.Errorf("metadata %s = %q, want %q", k, v, want)
		}
	}
	if f.NumRows() != 10 {
		t.Errorf("%d rows, want 10", f.NumRows())
	}
}

func TestSimulateRejectsCorruptedRecordsAndSucceeds(t *testing.T) {
	t.Parallel()
	const frac = 0.1
	for _, layout := range []string{workflow.LayoutSharded, workflow.LayoutPerLoan} {
		t.Run("in the "+layout+" layout every corrupted record is listed with its reason", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Corrupt = frac })
			const loans = 300
			e.generate("ds", loans, 100, layout, 21)
			gen, err := portfolio.New(21, portfolio.Corrupt(frac))
			if err != nil {
				t.Fatal(err)
			}
			want := gen.CorruptedIn(0, loans)
			var corrupted int64
			for _, n := range want {
				corrupted += int64(n)
			}
			if corrupted == 0 {
				t.Fatal("the generator corrupted nothing")
			}
			sr, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, batchLoans: 100})
			if agg.Rejected != corrupted || agg.Loans != loans-corrupted {
				t.Fatalf("aggregate = %+v, want %d rejected and %d simulated", agg, corrupted, loans-corrupted)
			}
			got := map[loan.Kind]int{}
			for _, b := range sr.batches {
				if b.Rejected == 0 {
					continue
				}
				if b.ErrorsKey != workflow.ErrorsKey("r", b.BatchID) {
					t.Errorf("batch %+v: errors key", b)
				}
				for _, rej := range e.rejections(b.ErrorsKey) {
					kind, _ := rej["kind"].(string)
					src, _ := rej["source"].(string)
					reason, _ := rej["reason"].(string)
					line, _ := rej["line"].(float64)
					if kind == "" || reason == "" || !strings.HasPrefix(src, workflow.DatasetPrefix("ds")+"loans/") || line < 1 {
						t.Errorf("rejection %v: want kind, reason, source and line", rej)
					}
					got[loan.Kind(kind)]++
				}
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%d records rejected as %s, want %d (got %v)", got[k], k, n, got)
				}
			}
			rep := e.report("r")
			if rep.Run.Rejected != corrupted || !strings.Contains(strings.Join(rep.Warnings, "\n"), "rejected") {
				t.Errorf("report run = %+v, warnings %v", rep.Run, rep.Warnings)
			}
		})
	}
}

func TestSimulateUnderTwentyPercentSlowDownGivesTheSameBytes(t *testing.T) {
	t.Parallel()
	clean := newEnv(t, s3local.Options{}, nil)
	slow := newEnv(t, s3local.Options{SlowDownRate: 0.2, Seed: 42}, nil)
	var runs [2]simRun
	for i, e := range []*env{clean, slow} {
		e.generate("ds", 250, 50, workflow.LayoutSharded, 4)
		runs[i], _ = e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 3, batchLoans: 100})
	}
	if slow.srv.Stats().Faults < 10 {
		t.Fatalf("only %d faults injected", slow.srv.Stats().Faults)
	}
	keys := []string{workflow.ReportKey("r"), workflow.RunManifestKey("r")}
	for _, b := range runs[0].batches {
		keys = append(keys, b.ResultsKey, b.PartialKey)
	}
	for _, k := range keys {
		if !bytes.Equal(clean.get(k), slow.get(k)) {
			t.Errorf("%s differs under SlowDown", k)
		}
	}
}

func TestSimulatingABatchTwiceWritesTheSameKeysAndBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Corrupt = 0.05 })
	e.generate("ds", 200, 100, workflow.LayoutSharded, 8)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, batchLoans: 200})
	first := sr.batches[0]
	if first.Rejected == 0 {
		t.Fatal("want a batch with rejected records")
	}
	keys := []string{first.ResultsKey, first.ErrorsKey, first.PartialKey}
	before := map[string][]byte{}
	for _, k := range keys {
		before[k] = e.get(k)
	}
	// A retry of a complete batch finds its partial and answers the same.
	var again workflow.SimulateOutput
	e.mustCall(workflow.OpSimulate, json.RawMessage(sr.inputs[0]), &again)
	if again != first {
		t.Errorf("retry output = %+v, want %+v", again, first)
	}
	// Without a readable partial the batch is recomputed: same keys, same bytes.
	e.put(first.PartialKey, []byte("{}"))
	e.mustCall(workflow.OpSimulate, json.RawMessage(sr.inputs[0]), &again)
	if again != first {
		t.Errorf("recomputed output = %+v, want %+v", again, first)
	}
	for _, k := range keys {
		if !bytes.Equal(e.get(k), before[k]) {
			t.Errorf("%s changed when the batch ran again", k)
		}
	}
}

func TestSimulateRejectsABadRunContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1})
	for _, tc := range []struct {
		name, input, want string
	}{
		{"an empty batch", `{"Items":[],"BatchInput":{"run":` + mustJSON(sr.prepared.Run) + `}}`, `"Items" is empty`},
		{"a run id that is not one", `{"Items":[{"Key":"k.jsonl"}],"BatchInput":{"run":{"runId":"../x"}}}`, "runId"},
		{"a parameter hash of another run", strings.Replace(sr.inputs[0], sr.prepared.Run.ParamsHash, "0123", 1), "does not match the run manifest"},
	} {
		t.Run(tc.name+" fails with Input.Invalid", func(t *testing.T) {
			task := e.call(workflow.OpSimulate, json.RawMessage(tc.input))
			if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, tc.want) {
				t.Errorf("simulate = %s %s %q, want Input.Invalid containing %q", task.Status, task.Error, task.Cause, tc.want)
			}
		})
	}
}

func TestSimulateFailsOnAMissingObjectWithoutRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1})
	in := `{"Items":[{"Key":"datasets/ds/loans/nope.jsonl"}],"BatchInput":{"run":` + mustJSON(sr.prepared.Run) + `}}`
	task := e.call(workflow.OpSimulate, json.RawMessage(in))
	if task.Status != activitytest.Failed || task.Error != "S3.NotFound" || !strings.Contains(task.Cause, "nope.jsonl") {
		t.Errorf("simulate = %s %s %q, want S3.NotFound naming the object", task.Status, task.Error, task.Cause)
	}
}

// sampleCSV is a one-loan CSV with the columns the loan format requires.
func sampleCSV(id, segment, rate string, score int) []byte {
	return []byte(fmt.Sprintf("Loan ID,Type,Amount,Balance,Rate,Term,Remaining Term,Credit Score\n%s,%s,25000,18000,%s,60,41,%d\n", id, segment, rate, score))
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestSimulateReadsAPrefixOfSampleCSVAndJSONObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	e.put("sample/README.txt", []byte("loans from the sample, one per file\n"))
	e.put("sample/loan-1.csv", sampleCSV("P-1", "personal", "0.09", 700))
	e.put("sample/loan-2.csv.gz", gzipped(sampleCSV("C-2", "commercial", "0.065", 640)))
	e.put("sample/loan-3.csv", sampleCSV("P-3", "personal", "0.09", 900))
	gen, err := portfolio.New(1)
	if err != nil {
		t.Fatal(err)
	}
	e.put("sample/loan-4.json", gen.AppendJSON(nil, 4))
	sr, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, input: workflow.RunInput{InputPrefix: "sample/"}})
	if agg.Loans != 3 || agg.Rejected != 2 || agg.Batches != 1 {
		t.Fatalf("aggregate = %+v, want 3 loans simulated and 2 rejected (a README and a score of 900)", agg)
	}
	kinds := map[string]string{}
	for _, r := range e.rejections(sr.batches[0].ErrorsKey) {
		kinds[r["source"].(string)] = r["kind"].(string)
	}
	if kinds["sample/README.txt"] != string(KindUnsupportedObject) || kinds["sample/loan-3.csv"] != string(loan.KindBadScore) {
		t.Errorf("rejections by source = %v", kinds)
	}
	ids := map[string]bool{}
	for _, r := range e.results(sr) {
		ids[r.LoanID] = true
	}
	if !ids["P-1"] || !ids["C-2"] || !ids[gen.ID(4)] {
		t.Errorf("simulated loans %v, want P-1, C-2 and %s", ids, gen.ID(4))
	}
}

func TestSimulateReadsALoansCSVGivenAsTheManifest(t *testing.T) {
	t.Parallel()
	// Issue 12: a loans CSV passed as --input s3://.../loans.csv was read
	// as a manifest ("no Key column").
	e := newEnv(t, s3local.Options{}, nil)
	body := append(sampleCSV("P-1", "personal", "0.09", 700), []byte("P-2,personal,25000,18000,0.09,60,41,720\n")...)
	e.put("mine/loans.csv", body)
	_, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, input: workflow.RunInput{ManifestKey: "mine/loans.csv"}})
	if agg.Loans != 2 || agg.Rejected != 0 {
		t.Fatalf("aggregate = %+v, want the file's 2 loans simulated", agg)
	}
}

func TestSimulateFailsABatchWhoseObjectHasABadHeader(t *testing.T) {
	t.Parallel()
	// Issue 12: an unrecognised header gave a row error per record and
	// exit 0; now the object is refused once, naming the column.
	e := newEnv(t, s3local.Options{}, nil)
	e.generate("ds", 10, 10, workflow.LayoutSharded, 1)
	sr := e.prepareAndSimulate("ds", testRun{id: "r", scenarios: testScenarios, seed: 1})
	e.put("sample/bad.csv", []byte("Loan ID,Colour,Type,Amount,Balance,Rate,Term,Remaining Term,Credit Score\nP-2,red,personal,25000,18000,0.09,60,41,700\n"))
	in := `{"Items":[{"Key":"sample/bad.csv"}],"BatchInput":{"run":` + mustJSON(sr.prepared.Run) + `}}`
	task := e.call(workflow.OpSimulate, json.RawMessage(in))
	if task.Status != activitytest.Failed || task.Error != activity.InputInvalid || !strings.Contains(task.Cause, `"Colour"`) || !strings.Contains(task.Cause, "sample/bad.csv") {
		t.Errorf("simulate = %s %s %q, want Input.Invalid naming the object and the column", task.Status, task.Error, task.Cause)
	}
}

func TestSimulateKeepsNonUTF8RecordsOutOfTheResults(t *testing.T) {
	t.Parallel()
	// Issue 12: non-UTF-8 bytes went into the Parquet loan_id column.
	e := newEnv(t, s3local.Options{}, nil)
	body := append(sampleCSV("P-1", "personal", "0.09", 700), []byte("P-\xff\xfe,personal,25000,18000,0.09,60,41,720\nP-3,personal,25000,18000,0.09,60,41,720\n")...)
	e.put("mine/loans.csv.gz", gzipped(body))
	sr, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, input: workflow.RunInput{InputPrefix: "mine/"}})
	if agg.Loans != 2 || agg.Rejected != 1 {
		t.Fatalf("aggregate = %+v, want 2 simulated and the non-UTF-8 record rejected", agg)
	}
	for _, r := range e.results(sr) {
		if !utf8.ValidString(r.LoanID) {
			t.Errorf("results hold loan id %q", r.LoanID)
		}
	}
	rej := e.rejections(sr.batches[0].ErrorsKey)
	if len(rej) != 1 || rej[0]["kind"] != string(loan.KindNotUTF8) || rej[0]["line"] != 3.0 {
		t.Errorf("rejections %v, want line 3 as not_utf8", rej)
	}
}
