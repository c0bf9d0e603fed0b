package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// End-to-end tests of `montecarlo local` on loopback: the whole pipeline,
// small enough for two cores (50 scenarios) and fast (--time-scale 0.05:
// a killed worker's 20 s heartbeat timeout lasts one second).

// localArgs are the flags every test run shares: 20,000 loans in shards of
// 500, so that sharded runs have 40 objects to batch.
func localArgs(dir string, extra ...string) []string {
	return append([]string{"local", "--loans", "20000", "--scenarios", "50", "--seed", "11", "--shard-size", "500",
		"--time-scale", "0.05", "--data-dir", dir, "--json"}, extra...)
}

// localJSONKeys are the keys of the --json object, exactly.
var localJSONKeys = []string{"loans", "loans_processed", "loans_rejected", "scenarios", "seed", "expected_loss",
	"expected_loss_rate", "var_99", "var_999", "es_99", "es_999", "pd_baseline_mean", "pd_stressed_mean",
	"tail_warning", "segments", "report_path", "wall_seconds", "loans_per_second", "outcome"}

// localSegmentKeys are the keys of each object of --json's segments.
var localSegmentKeys = []string{"segment", "loans", "exposure", "expected_loss", "expected_loss_rate", "loss_rate_avg_balance",
	"pd_baseline_mean", "pd_stressed_mean", "pd_baseline_mean_exposure", "pd_stressed_mean_exposure"}

// runLocal runs the verb and returns the --json object of its last stdout
// line, each value as its JSON text (so figures compare bit for bit: Go
// writes the shortest text that reads back as the same float64).
func runLocal(t *testing.T, args []string) map[string]json.RawMessage {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runWith(args, &stdout, &stderr); code != 0 {
		t.Fatalf("montecarlo %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr is not empty when not a terminal (no progress bars, no logs):\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
		t.Fatalf("last stdout line is not a JSON object: %v\n%s", err, stdout.String())
	}
	return out
}

func TestLocalJSONLastLineHasExactlyTheHeadlineKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := runLocal(t, localArgs(dir))

	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := slices.Clone(localJSONKeys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v\nwant %v", keys, want)
	}
	var v struct {
		Loans, LoansProcessed, LoansRejected int64
		Scenarios                            int
		Seed                                 int64
		ExpectedLoss, VaR99, LoansPerSecond  float64
		ReportPath                           string
	}
	v.Loans, v.LoansProcessed, v.LoansRejected = num[int64](t, out, "loans"), num[int64](t, out, "loans_processed"), num[int64](t, out, "loans_rejected")
	v.Scenarios, v.Seed = num[int](t, out, "scenarios"), num[int64](t, out, "seed")
	v.ExpectedLoss, v.LoansPerSecond = num[float64](t, out, "expected_loss"), num[float64](t, out, "loans_per_second")
	if err := json.Unmarshal(out["report_path"], &v.ReportPath); err != nil {
		t.Fatal(err)
	}
	if v.Loans != 20000 || v.LoansProcessed != 20000 || v.LoansRejected != 0 || v.Scenarios != 50 || v.Seed != 11 {
		t.Errorf("counts %+v; want 20,000 loans all processed, none rejected, 50 scenarios, seed 11", v)
	}
	if !(v.ExpectedLoss > 0 && v.LoansPerSecond > 0) {
		t.Errorf("implausible figures %+v", v)
	}
	// 50 scenarios: no scenario lies beyond the 99% point, so no tail
	// figure is reported, and tail_warning says why.
	for _, k := range []string{"var_99", "var_999", "es_99", "es_999"} {
		if string(out[k]) != "null" {
			t.Errorf("%s = %s from 50 scenarios, want null", k, out[k])
		}
	}
	var warning string
	if err := json.Unmarshal(out["tail_warning"], &warning); err != nil || !strings.Contains(warning, "not reported") || !strings.Contains(warning, "0 of 50 scenarios") {
		t.Errorf("tail_warning %s does not say why the tail figures are null (%v)", out["tail_warning"], err)
	}
	var segs []map[string]json.RawMessage
	if err := json.Unmarshal(out["segments"], &segs); err != nil || len(segs) == 0 {
		t.Fatalf("segments %s: %v", out["segments"], err)
	}
	var segLoans int64
	var segEL float64
	for _, s := range segs {
		keys := slices.Sorted(maps.Keys(s))
		want := slices.Sorted(slices.Values(localSegmentKeys))
		if !slices.Equal(keys, want) {
			t.Errorf("segment keys %v, want %v", keys, want)
		}
		segLoans += num[int64](t, s, "loans")
		segEL += num[float64](t, s, "expected_loss")
		if pb, ps := num[float64](t, s, "pd_baseline_mean_exposure"), num[float64](t, s, "pd_stressed_mean_exposure"); !(pb > 0 && ps >= pb && ps < 1) {
			t.Errorf("segment %s: exposure-weighted PDs %v and %v", s["segment"], pb, ps)
		}
	}
	if segLoans != v.LoansProcessed || math.Abs(segEL-v.ExpectedLoss) > 1e-6*v.ExpectedLoss {
		t.Errorf("segments add to %d loans and $%v expected loss, the run %d and $%v", segLoans, segEL, v.LoansProcessed, v.ExpectedLoss)
	}
	if !strings.HasPrefix(v.ReportPath, dir) || filepath.Base(v.ReportPath) != "report.json" {
		t.Errorf("report_path %s is not a report.json under --data-dir %s", v.ReportPath, dir)
	}
	data, err := os.ReadFile(v.ReportPath)
	if err != nil || !json.Valid(data) {
		t.Errorf("report %s: %v (valid JSON: %v)", v.ReportPath, err, json.Valid(data))
	}
	// The endpoints file exists only while the runtime runs.
	if _, err := os.Stat(filepath.Join(dir, ".montecarlo", "endpoints.json")); !os.IsNotExist(err) {
		t.Errorf("endpoints file left behind after the run: %v", err)
	}
}

func num[T int | int64 | float64](t *testing.T, out map[string]json.RawMessage, key string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(out[key], &v); err != nil {
		t.Fatalf("%s = %s: %v", key, out[key], err)
	}
	return v
}

// TestLocalFiguresAreIdenticalWhateverTheExecution runs the same portfolio
// and scenarios with different workers, batching, layout and killed workers;
// every figure of --json must be the same bits.
func TestLocalFiguresAreIdenticalWhateverTheExecution(t *testing.T) {
	t.Parallel()
	variable := map[string]bool{"wall_seconds": true, "loans_per_second": true, "report_path": true}
	figures := func(out map[string]json.RawMessage) map[string]string {
		f := map[string]string{}
		for k, v := range out {
			if !variable[k] {
				f[k] = string(v)
			}
		}
		return f
	}
	ref := figures(runLocal(t, localArgs(t.TempDir(), "--workers", "1", "--batch-size", "1000")))
	if ref["loans_processed"] != "20000" {
		t.Fatalf("reference run processed %s loans; want 20000", ref["loans_processed"])
	}
	cases := []struct {
		name string
		args []string
	}{
		{"with 4 workers", []string{"--workers", "4"}},
		{"with batches of 37 loans", []string{"--batch-size", "37"}},
		{"with one object per loan", []string{"--layout", "per-loan"}},
		{"with one object per loan in batches of 37", []string{"--layout", "per-loan", "--batch-size", "37"}},
		{"with a fifth of the simulate tasks' workers killed", []string{"--chaos-kill", "0.2", "--chaos-seed", "5"}},
		{"on compute lambda with a fifth of the invocations killed", []string{"--compute", "lambda", "--chaos-kill", "0.2", "--chaos-seed", "5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := figures(runLocal(t, localArgs(t.TempDir(), tc.args...)))
			for k, want := range ref {
				if got[k] != want {
					t.Errorf("%s = %s; the reference run (1 worker, batches of 1,000, sharded) has %s", k, got[k], want)
				}
			}
		})
	}
}

func TestLocalRejectsBadFlagsNamingTheFlagAndTheRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no loans", []string{"--loans", "0"}, "--loans 0: allowed 1 to 10000000000"},
		{"no scenarios", []string{"--scenarios", "-5"}, "--scenarios -5: allowed 1 to 10000000"},
		{"an unknown layout", []string{"--layout", "columnar"}, `--layout "columnar": allowed "sharded" or "per-loan"`},
		{"an unknown compute", []string{"--compute", "ec2-spot"}, `--compute "ec2-spot": allowed "fargate-spot" or "lambda"`},
		{"no workers", []string{"--workers", "0"}, "--workers 0: allowed 1 to 256"},
		{"too many tasks per worker", []string{"--tasks-per-worker", "101"}, "--tasks-per-worker 101: allowed 1 to 100"},
		{"an empty batch", []string{"--batch-size", "0"}, "--batch-size 0: allowed 1 to 1000000"},
		{"a certain kill", []string{"--chaos-kill", "1"}, "--chaos-kill 1: allowed 0 to 1 (exclusive)"},
		{"a negative corruption", []string{"--chaos-corrupt", "-0.5"}, "--chaos-corrupt -0.5: allowed 0 to 1 (exclusive)"},
		{"a clock faster than real time", []string{"--time-scale", "0"}, "--time-scale 0: allowed 0.001 to 1"},
		{"a stray argument", []string{"now"}, `unknown command "now"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			var stdout, stderr bytes.Buffer
			if code := runWith(append([]string{"local", "--data-dir", dir}, tc.args...), &stdout, &stderr); code == 0 {
				t.Fatalf("exit 0; want an error. stdout:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the data directory was created for a refused run (%v)", err)
			}
		})
	}
}

func TestLocalHelpDocumentsEveryFlagWithAnExample(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"local", "--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"Examples:", "go run ./cmd/montecarlo local", "--loans", "--scenarios", "--seed", "--layout",
		"--workers", "--tasks-per-worker", "--batch-size", "--data-dir", "--json", "--chaos-kill", "--chaos-corrupt", "--quiet"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestLocalJSONNullsOnlyTheTailFiguresNotReported(t *testing.T) {
	t.Parallel()
	res := localrun.Result{Loans: 10, LoansProcessed: 10, Scenarios: 1000, Seed: 3, ReportPath: "/r/report.json",
		Headline: risk.Headline{ExpectedLoss: 100, VaR99: 250, ES99: 300, VaR999: 0, ES999: 0,
			Tail99: risk.TailIndicative, Tail999: risk.TailInsufficient, TailWarning: "99.9% figures (var_999, es_999) not reported"}}
	segs := []risk.SegmentReport{
		{Segment: loan.CommercialRealEstate, LossStats: risk.LossStats{Loans: 4, ExposureUSD: 1000, AvgBalanceUSD: 800, ExpectedLoss: 40, LossRateAvgBalance: 0.05}},
		{Segment: loan.PersonalAuto, LossStats: risk.LossStats{Loans: 6, ExposureUSD: 500, ExpectedLoss: 60}},
	}
	var buf bytes.Buffer
	if err := writeLocalJSON(&buf, res, segs, time.Second, -1); err != nil {
		t.Fatal(err)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"var_99": "250", "es_99": "300", "var_999": "null", "es_999": "null",
		"tail_warning": `"99.9% figures (var_999, es_999) not reported"`} {
		if string(out[k]) != want {
			t.Errorf("%s = %s, want %s", k, out[k], want)
		}
	}
	var got []map[string]json.RawMessage
	if err := json.Unmarshal(out["segments"], &got); err != nil || len(got) != 2 {
		t.Fatalf("segments %s: %v", out["segments"], err)
	}
	if string(got[0]["segment"]) != `"commercial_real_estate"` || string(got[0]["loss_rate_avg_balance"]) != "0.05" || string(got[1]["loss_rate_avg_balance"]) != "null" {
		t.Errorf("segments %s: want the loss rate over average balance, null without one", out["segments"])
	}
}
