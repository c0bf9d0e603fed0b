package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
	"github.com/montecarlo-pipeline/montecarlo/worker/report"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

func TestWatchRedriveAndReportTakeARunIDOrAnExecutionARN(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	arn := strings.SplitN(mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-ref", "--scenarios", "1000", "--watch")...), "\n", 2)[0]
	for _, ref := range []string{"sim-ref", arn} {
		t.Run("watch "+ref, func(t *testing.T) {
			if out := mustMC(t, withLocal(rt, "watch", ref)...); !strings.Contains(out, "sim-ref SUCCEEDED") {
				t.Errorf("watch %s: %s", ref, out)
			}
		})
		t.Run("redrive "+ref, func(t *testing.T) {
			code, _, errOut := mc(t, withLocal(rt, "redrive", ref)...)
			if code == 0 || !strings.Contains(errOut, "sim-ref SUCCEEDED: nothing to redrive") {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
		})
		t.Run("report "+ref, func(t *testing.T) {
			if out := mustMC(t, atLocal(rt, "report", ref, "--out", t.TempDir())...); !strings.Contains(out, "Run sim-ref: 25 loans x 1,000 scenarios") {
				t.Errorf("report %s: %s", ref, out)
			}
		})
	}
	t.Run("an unknown run id says where it looked", func(t *testing.T) {
		code, _, errOut := mc(t, withLocal(rt, "watch", "sim-nope")...)
		if code == 0 || !strings.Contains(errOut, "no execution named sim-nope in the simulate or generate state machine") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

// writeLocalReport writes r as a finished local run's report.json under
// dir, the layout `montecarlo local --data-dir dir` leaves.
func writeLocalReport(t *testing.T, dir, runID string, r risk.Report) {
	t.Helper()
	path := filepath.Join(dir, localrun.Bucket, "runs", runID, "report.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// localRunReport is a report of 1,000 scenarios: the 99% figures
// indicative, the 99.9% ones not reported.
func localRunReport(rate, el float64) risk.Report {
	ls := risk.LossStats{Loans: 100, ExposureUSD: 1e6, ExpectedLoss: el, ExpectedLossCI: risk.Interval{el * 0.9, el * 1.1}, ExpectedLossRate: el / 1e6,
		VaR99: 2 * el, VaR99CI: risk.Interval{1.8 * el, 2.2 * el}, ES99: 2.5 * el, ES99CI: risk.Interval{2.2 * el, 2.8 * el},
		Tail99: risk.TailIndicative, Tail99Scenarios: 10, Tail999: risk.TailInsufficient, Tail999Scenarios: 1,
		PDBaselineMean: 0.02, PDStressedMean: 0.03}
	r := risk.Report{Portfolio: ls, Segments: []risk.SegmentReport{{Segment: "personal_unsecured", LossStats: ls}}, Seed: 1, HorizonMonths: 27, ModelVersion: "m"}
	r.Params.TargetRateAnnual = rate
	r.Headline = risk.Headline{Loans: 100, Scenarios: 1000, ExposureUSD: 1e6, ExpectedLoss: el, ExpectedLossCI: ls.ExpectedLossCI,
		VaR99: ls.VaR99, VaR99CI: ls.VaR99CI, ES99: ls.ES99, ES99CI: ls.ES99CI, Tail99: ls.Tail99, Tail999: ls.Tail999}
	return r
}

func TestCompareAFinishedLocalDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeLocalReport(t, dir, "run-a", localRunReport(0.06, 10000))
	writeLocalReport(t, dir, "run-b", localRunReport(0.08, 12500))
	out := t.TempDir()
	// No runtime serves dir: the reports are read from its files, and an
	// execution ARN names its run by its name.
	text := mustMC(t, "compare", "--local", dir, "--out", out, "run-a", "arn:aws:states:us-east-1:123456789012:execution:montecarlo-local-simulate:run-b")
	for _, want := range []string{
		"A    run-a", "B    run-b", "6.00%", "8.00%",
		"$10,000", "$12,500", "+$2,500 (+25.0%)",
		"$20,000 †", "not reported", "not compared",
		"Segment personal_unsecured",
		"wrote " + filepath.Join(out, "compare.html"), "wrote " + filepath.Join(out, "compare.md"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, f := range []string{"compare.html", "compare.md", "compare.json"} {
		if b, err := os.ReadFile(filepath.Join(out, f)); err != nil || !bytes.Contains(b, []byte("run-b")) {
			t.Errorf("%s: %v", f, err)
		}
	}
	js := mustMC(t, "compare", "--local", dir, "--out", out, "--json", "run-a", "run-b")
	var doc struct {
		Portfolio []struct {
			Key    string
			Values []struct {
				Value   *float64
				Diff    *float64
				RelDiff *float64 `json:"rel_diff"`
			}
		}
		Files []string
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	for _, row := range doc.Portfolio {
		switch row.Key {
		case "expected_loss":
			if v := row.Values[1]; *v.Diff != 2500 || *v.RelDiff != 0.25 {
				t.Errorf("expected loss %+v", v)
			}
		case "var_999":
			if v := row.Values[1]; v.Value != nil || v.Diff != nil {
				t.Errorf("var_999 %+v, want nulls", v)
			}
		}
	}
	if len(doc.Files) != 3 {
		t.Errorf("files %v", doc.Files)
	}
	code, _, errOut := mc(t, "compare", "--local", dir, "--out", out, "run-a", "run-missing")
	if code == 0 || !strings.Contains(errOut, "no report for run run-missing") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestLocalDefaultsToMontecarloData changes directory: not parallel.
func TestLocalDefaultsToMontecarloData(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, _, errOut := mc(t, "report", "run-a", "--out", t.TempDir())
	if code == 0 || !strings.Contains(errOut, "no target") {
		t.Errorf("without ./montecarlo-data: exit %d, stderr %q", code, errOut)
	}
	writeLocalReport(t, filepath.Join(dir, "montecarlo-data"), "run-a", localRunReport(0.08, 10000))
	out := mustMC(t, "report", "run-a", "--out", t.TempDir())
	for _, want := range []string{"Run run-a: 100 loans x 1,000 scenarios", row("VaR 99.9%", "not reported (the 99.9% tail holds 1 scenario, fewer than the 10 needed)")} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestMissingAWSCredentialsGiveOneSentence empties the credential chain
// through the environment: not parallel.
func TestMissingAWSCredentialsGiveOneSentence(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	outputs := filepath.Join(t.TempDir(), "outputs.json")
	os.WriteFile(outputs, []byte(`{"generateStateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:g","simulateStateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:s","dataBucketName":"b"}`), 0o644)
	for _, args := range [][]string{
		{"report", "--stack-outputs", outputs, "--max-attempts", "1", "--out", t.TempDir(), "run-a"},
		{"watch", "--stack-outputs", outputs, "--max-attempts", "1", "run-a"},
	} {
		code, _, errOut := mc(t, args...)
		if code == 0 || !strings.Contains(errOut, "no AWS credentials found: sign in with `aws sso login`") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, errOut)
		}
		if strings.Contains(errOut, "IMDS") || strings.Contains(errOut, "failed to refresh") {
			t.Errorf("%s: the SDK's provider chain leaks through: %q", args[0], errOut)
		}
	}
}

func TestProgressBarsStopWhereTheWorkStopped(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := newProgressBars(&buf, true)
	clock := time.Unix(0, 0)
	b.now, b.throttle = func() time.Time { return clock }, 0
	p := localrun.Progress{Workflow: "simulate", Status: "RUNNING", Loans: 1000}
	b.update(p) // nothing done yet
	if strings.Contains(buf.String(), "/hr") || strings.Contains(buf.String(), " 0 loans/") {
		t.Errorf("a rate of nothing is shown: %q", buf.String())
	}
	p.Items = localrun.Counts{Total: 4, Succeeded: 2}
	clock = clock.Add(2 * time.Second)
	b.update(p)
	b.finish() // Ctrl-C: the run returns without Done
	out := buf.String()
	if strings.Contains(out, "100%") || strings.Contains(out, "1000/1000") {
		t.Errorf("an interrupted bar jumps to 100%%: %q", out)
	}
	if !strings.Contains(out, "50%") || !strings.Contains(out, "250 loans/s") {
		t.Errorf("the bar does not show half done at 250 loans/s: %q", out)
	}
}

func TestRatesOnlyWhenMeaningful(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{rateText(0, "loans", time.Minute), ""},
		{rateText(500, "loans", 500*time.Millisecond), ""},
		{rateText(2500, "loans", 2*time.Second), " 1,250 loans/s"},
		{rateText(30, "loans", time.Minute), " 30 loans/min"},
		{itemsRate(0), ""},
		{itemsRate(0.001), ""},
		{itemsRate(0.5), "30 items/min"},
		{itemsRate(12.34), "12.3 items/s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTargetRateListMakesASweep(t *testing.T) {
	t.Parallel()
	var first float64
	r := &rateList{first: &first}
	if err := r.Set("0.06, 0.07,0.08"); err != nil || first != 0.06 || len(r.rates) != 3 || r.String() != "0.06,0.07,0.08" {
		t.Errorf("Set: %v, first %v, rates %v", err, first, r.rates)
	}
	for _, bad := range []string{"0.06,x", "0.06,0.06", ""} {
		if err := r.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	code, _, errOut := mc(t, "local", "--target-rate", "0.06,8", "--data-dir", t.TempDir())
	if code == 0 || !strings.Contains(errOut, "--target-rate 8: allowed an annual rate between 0 and 1 (0.08 is 8%)") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestLocalSweepRunsOncePerRateAndDrawsTheLoss(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"local", "--loans", "300", "--scenarios", "20", "--seed", "3", "--time-scale", "0.05", "--data-dir", dir, "--target-rate", "0.08,0.06"}
	if code := runWith(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"Sweep of 2 policy rates", "Policy rate", "6.00%", "8.00%", "Sweep report (loss against the rate, and every figure compared):", "sweep.html"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, localrun.Bucket, "sweeps", "*", "sweep.html"))
	if len(matches) != 1 {
		t.Fatalf("sweep pages %v", matches)
	}
	page, _ := os.ReadFile(matches[0])
	if !bytes.Contains(page, []byte(`id="sweep-chart"`)) || bytes.Count(page, []byte(`<circle class="pt s-el"`)) != 2 {
		t.Errorf("the sweep page lacks its chart of two expected-loss points")
	}
	// Lowest rate first: run A is the 6% run.
	js, _ := os.ReadFile(strings.TrimSuffix(matches[0], ".html") + ".json")
	var c struct {
		Runs []struct {
			TargetRate float64 `json:"target_rate"`
		}
	}
	if err := json.Unmarshal(js, &c); err != nil || len(c.Runs) != 2 || c.Runs[0].TargetRate != 0.06 || c.Runs[1].TargetRate != 0.08 {
		t.Errorf("sweep.json runs %+v (%v)", c.Runs, err)
	}
}

// TestEveryVerbWritesFiguresAlike prints one headline through local's
// summary, report's headline and compare's table: each figure must read
// the same in all three (numfmt).
func TestEveryVerbWritesFiguresAlike(t *testing.T) {
	t.Parallel()
	rep := localRunReport(0.08, 1234567.891)
	rep.Headline.ExpectedLossRate, rep.Portfolio.ExpectedLossRate = 0.0123456, 0.0123456
	var local, headline bytes.Buffer
	writeLocalText(&local, localrun.Result{Loans: 100, LoansProcessed: 100, Scenarios: 1000, Headline: rep.Headline, RunID: "run-a", Batches: 1}, rep.Segments, 2*time.Second)
	printHeadline(&headline, operate.Downloaded{RunID: "run-a", Report: rep})
	c, err := report.Compare([]report.ComparedRun{{RunID: "run-a", Report: rep}})
	if err != nil {
		t.Fatal(err)
	}
	compared := string(c.Text())
	for _, want := range []string{"$1,234,568", "$2,469,136", "1.235%", "$1,000,000", "not reported"} {
		for name, out := range map[string]string{"local": local.String(), "report": headline.String(), "compare": compared} {
			if !strings.Contains(out, want) {
				t.Errorf("%s does not write %q:\n%s", name, want, out)
			}
		}
	}
	for name, out := range map[string]string{"local": local.String(), "report": headline.String(), "compare": compared} {
		if strings.Contains(out, " USD") || strings.Contains(out, "1234567") {
			t.Errorf("%s writes money its own way:\n%s", name, out)
		}
	}
	if !strings.Contains(local.String(), "Wall time 2.0s: 50 loans per second") {
		t.Errorf("local's closing line:\n%s", local.String())
	}
}

func TestWatchBarIsNotFilledWhenTheWatchStopsEarly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
		want string
	}{
		{"an interrupted or failed execution leaves the bar where it stood", false, "(5/10"},
		{"a succeeded execution fills it", true, "(10/10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := &progressRenderer{out: &buf, bar: true}
			r.render(operate.Progress{Status: "RUNNING", MapRunArn: "m", Total: 10, Succeeded: 5, Running: 5})
			r.finish(tc.ok)
			out := buf.String()
			if !strings.Contains(out, tc.want) {
				t.Errorf("bar %q lacks %q", out, tc.want)
			}
			if !tc.ok && strings.Contains(out, "100%") {
				t.Errorf("an unfinished execution's bar reads 100%%: %q", out)
			}
			if strings.Contains(out, "0.0 items/s") || strings.Contains(out, "it/s") {
				t.Errorf("a rate of nothing is shown: %q", out)
			}
		})
	}
	if line := progressLine(operate.Progress{Status: "RUNNING", MapRunArn: "m", Total: 10}); strings.Contains(line, "items/s") {
		t.Errorf("progress line before any item finished shows a rate: %q", line)
	}
}
