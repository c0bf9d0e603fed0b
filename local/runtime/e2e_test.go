package localrun

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// End-to-end runs of the real pipeline on loopback: the workflows'
// definitions in the emulator, the real worker loop and operations, local S3
// on a temporary directory. Small scenario counts and a fast time scale keep
// each run to a few seconds on two cores.

const (
	e2eLoans     = 20_000
	e2eScenarios = 50
	e2eSeed      = 7
	// e2eShardSize gives 10 shards, so sharded runs have several batches.
	e2eShardSize = 2_000
)

// runPipeline starts a runtime with opts, runs run on it, and returns the
// result and the runtime (closed at the end of the test).
func runPipeline(t *testing.T, opts Options, run Run) (Result, *Runtime) {
	t.Helper()
	rt := start(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := rt.Run(ctx, run)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, rt
}

func e2eOptions(t *testing.T) Options {
	o := testOptions(t)
	o.Scenarios = e2eScenarios
	o.ShardSize = e2eShardSize
	return o
}

func e2eRun() Run { return Run{Loans: e2eLoans, Scenarios: e2eScenarios, Seed: e2eSeed} }

func TestA20000LoanRunCountsEveryLoanOnce(t *testing.T) {
	t.Parallel()
	opts := e2eOptions(t)
	res, rt := runPipeline(t, opts, e2eRun())

	if res.Loans != e2eLoans || res.LoansProcessed != e2eLoans || res.LoansRejected != 0 || res.Headline.Loans != e2eLoans {
		t.Errorf("generated %d, processed %d, rejected %d, report %d loans; want %d, %d, 0, %d",
			res.Loans, res.LoansProcessed, res.LoansRejected, res.Headline.Loans, e2eLoans, e2eLoans, e2eLoans)
	}
	if res.Scenarios != e2eScenarios || res.Headline.Scenarios != e2eScenarios || res.Seed != e2eSeed {
		t.Errorf("scenarios %d (report %d), seed %d; want %d and %d", res.Scenarios, res.Headline.Scenarios, res.Seed, e2eScenarios, e2eSeed)
	}
	// 50 scenarios put none beyond the 99% point: VaR99 is not reported.
	if !(res.Headline.ExpectedLoss > 0 && (!res.Headline.Tail99.Reported() || res.Headline.VaR99 >= res.Headline.ExpectedLoss) && res.Headline.PDStressedMean > res.Headline.PDBaselineMean) {
		t.Errorf("implausible headline %+v: want EL > 0, VaR99 >= EL (when reported), stressed PD above baseline", res.Headline)
	}

	// Every loan id appears exactly once among the per-loan Parquet results.
	seen := map[string]int{}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(res.ReportPath), "results", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results under %s (%v)", filepath.Dir(res.ReportPath), err)
	}
	for _, f := range files {
		rows, err := parquet.ReadFile[struct {
			LoanID string `parquet:"loan_id"`
		}](f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, r := range rows {
			seen[r.LoanID]++
		}
	}
	gen, err := portfolio.New(e2eSeed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range uint64(e2eLoans) {
		if n := seen[gen.ID(i)]; n != 1 {
			t.Fatalf("loan %s counted %d times in the results; want once", gen.ID(i), n)
		}
	}
	if len(seen) != e2eLoans {
		t.Errorf("%d distinct loan ids in the results; want %d", len(seen), e2eLoans)
	}

	// The report the CLI points at is on disk, and the workers are gone.
	if _, err := os.Stat(res.ReportPath); err != nil {
		t.Errorf("report: %v", err)
	}
	if desired, _ := rt.Workers(); desired != 0 {
		t.Errorf("desired count %d after the run; want 0 (scaled in)", desired)
	}
	if n, want := rt.WorkersStarted(), 2*rt.opts.Workers; n != want {
		t.Errorf("%d workers started; want %d (each workflow scales out once and in at its end; none replaced)", n, want)
	}
}

// The kill decisions are random; the figures must not be.
func TestKilledWorkersLoseNoBatchAndChangeNoFigure(t *testing.T) {
	t.Parallel()
	ref, _ := runPipeline(t, e2eOptions(t), e2eRun())

	opts := e2eOptions(t)
	opts.ChaosKill = 0.2
	opts.ChaosSeed = 1
	res, rt := runPipeline(t, opts, e2eRun())
	if rt.Kills() == 0 || res.WorkersKilled != rt.Kills() {
		t.Fatalf("%d workers killed (the result says %d); the test proves nothing without kills", rt.Kills(), res.WorkersKilled)
	}
	if rt.WorkersStarted() <= 2*rt.opts.Workers {
		t.Errorf("%d workers started after %d kills; the ECS stand-in should have replaced them", rt.WorkersStarted(), rt.Kills())
	}
	if res.Headline != ref.Headline || res.LoansProcessed != ref.LoansProcessed || res.LoansRejected != ref.LoansRejected {
		t.Errorf("with %d workers killed:\n got %+v\nwant %+v", rt.Kills(), res.Headline, ref.Headline)
	}
	t.Logf("%d workers killed, %d started", rt.Kills(), rt.WorkersStarted())
}

func TestCorruptedRecordsAreRejectedEachWithItsReason(t *testing.T) {
	t.Parallel()
	const fraction = 0.01
	opts := e2eOptions(t)
	opts.ChaosCorrupt = fraction
	res, _ := runPipeline(t, opts, e2eRun())

	// What the generator damaged, by shard key and line.
	gen, err := portfolio.New(e2eSeed, portfolio.Corrupt(fraction))
	if err != nil {
		t.Fatal(err)
	}
	type place struct {
		key  string
		line int
	}
	want := map[place]loan.Kind{}
	for i := range uint64(e2eLoans) {
		if c := gen.Corruption(i); c.Corrupted() {
			shard := int64(i) / e2eShardSize
			want[place{workflow.ShardKey(res.Dataset, shard), int(int64(i)-shard*e2eShardSize) + 1}] = c.Reject
		}
	}
	if len(want) == 0 {
		t.Fatal("the generator corrupted nothing; the test proves nothing")
	}
	if res.LoansRejected != int64(len(want)) {
		t.Errorf("rejected %d; the generator corrupted %d", res.LoansRejected, len(want))
	}
	if res.LoansProcessed+res.LoansRejected != res.Loans || res.Loans != e2eLoans {
		t.Errorf("processed %d + rejected %d != generated %d (want %d)", res.LoansProcessed, res.LoansRejected, res.Loans, e2eLoans)
	}

	// Each rejected record is listed once, where it is, with its reason.
	files, err := filepath.Glob(filepath.Join(res.ErrorsDir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no errors files in %s (%v)", res.ErrorsDir, err)
	}
	got := map[place]loan.Rejection{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r loan.Rejection
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v: %s", f, err, sc.Text())
			}
			p := place{r.Source, r.Line}
			if _, dup := got[p]; dup {
				t.Errorf("%s line %d listed twice", r.Source, r.Line)
			}
			got[p] = r
		}
		fh.Close()
	}
	for p, kind := range want {
		r, ok := got[p]
		switch {
		case !ok:
			t.Errorf("corrupted record %s line %d (%s) is not in the errors files", p.key, p.line, kind)
		case r.Kind != kind || strings.TrimSpace(r.Reason) == "":
			t.Errorf("%s line %d: rejected as %q (%q); want kind %q with a reason", p.key, p.line, r.Kind, r.Reason, kind)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s line %d rejected but not corrupted: %+v", p.key, p.line, got[p])
		}
	}
}
