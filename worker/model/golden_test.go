package model

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// goldenPD is the stored outcome of one loan.
type goldenPD struct {
	LoanID     string  `json:"loan_id"`
	Segment    string  `json:"segment"`
	BaselinePD float64 `json:"baseline_pd"`
	StressedPD float64 `json:"stressed_pd"`
	Draws      int     `json:"default_draws"`
}

// TestGoldenStressedPDs pins the stressed PD of ten fixed loans at a fixed
// seed, so any change to the model's numbers is deliberate: rerun with
// -update and bump ModelVersion. The tolerance (1e-12 relative) admits only
// the last-bit differences of another architecture's libm; the same binary
// is bit-identical (see the reproducibility test in package risk).
func TestGoldenStressedPDs(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000; p.Seed = 8 })
	var got []goldenPD
	for _, l := range mixedPortfolio(10) {
		r := evaluate(t, sc, l)
		got = append(got, goldenPD{r.LoanID, string(r.Segment), r.BaselinePD, r.StressedPD, r.DefaultDraws})
	}
	path := filepath.Join("testdata", "golden_pd.json")
	if *update {
		raw, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create): %v", err)
	}
	var want []goldenPD
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("golden file has %d loans, want %d", len(want), len(got))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }
	for i := range got {
		g, w := got[i], want[i]
		if g.LoanID != w.LoanID || g.Segment != w.Segment || g.Draws != w.Draws || !near(g.BaselinePD, w.BaselinePD) || !near(g.StressedPD, w.StressedPD) {
			t.Errorf("loan %d: got %+v, golden %+v", i, g, w)
		}
	}
}
