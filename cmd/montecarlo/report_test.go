package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

func TestReportDownloadsTheFilesAndPrintsTheHeadline(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-rep", "--scenarios", "1000", "--watch")...)
	dir := t.TempDir()
	out := mustMC(t, atLocal(rt, "report", "sim-rep", "--out", dir)...)
	// The fake model loses $123.45 per loan: 25 loans lose $3,086.25. Of
	// 1,000 scenarios, 10 lie beyond the 99% quantile (indicative) and 1
	// beyond the 99.9% one (not reported).
	for _, want := range []string{
		"Run sim-rep: 25 loans x 1,000 scenarios",
		row("exposure", "$25,000"),
		row("expected loss", "$3,086   (95% CI $2,778 to $3,395)"),
		row("expected loss rate", "12.345%"),
		row("VaR 99%", "$6,172   (95% CI $5,555 to $6,790) indicative"),
		row("VaR 99.9%", "not reported (the 99.9% tail holds"),
		row("expected shortfall 99.9%", "not reported"),
		row("mean PD", "2.000% baseline, 3.500% stressed"),
		"note: 99% figures are indicative",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"report.json", "report.html", "report.md"} {
		path := filepath.Join(dir, "sim-rep", name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s was not downloaded: %v", name, err)
			continue
		}
		if !strings.Contains(out, "wrote "+path) {
			t.Errorf("stdout does not name %s", path)
		}
		if name == "report.md" && string(b) != "# Report sim-rep\n" {
			t.Errorf("report.md = %q", b)
		}
	}

	var doc struct {
		RunID    string
		Files    []string
		Headline map[string]any
	}
	js := mustMC(t, atLocal(rt, "report", "sim-rep", "--out", t.TempDir(), "--json")...)
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if doc.RunID != "sim-rep" || len(doc.Files) != 3 || doc.Headline["expected_loss"] != 3086.25 || doc.Headline["loans"] != 25.0 {
		t.Errorf("--json = %s", js)
	}
}

// row is the start of one headline line: label padded to 26 characters,
// then value.
func row(label, value string) string { return fmt.Sprintf("  %-26s %s", label, value) }

func TestReportOfARunWithoutAReportSaysSo(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	code, _, errOut := mc(t, atLocal(rt, "report", "sim-never", "--out", t.TempDir())...)
	if code == 0 || !strings.Contains(errOut, "no report for run sim-never: s3://montecarlo-data/runs/sim-never/report.json does not exist") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = mc(t, atLocal(rt, "report", "../etc", "--out", t.TempDir())...)
	if code == 0 || !strings.Contains(errOut, `"../etc" is neither a run id`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
