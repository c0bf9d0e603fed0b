package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// sweepRuns are the fixture report at several policy rates, losses
// growing with the rate; at 0.09 the 99% tail is reliable, below it
// indicative, and the 99.9% figures are reported at 0.09 only.
func sweepRuns(rates ...float64) []ComparedRun {
	var runs []ComparedRun
	for i, rate := range rates {
		r := fixtureReport()
		r.Params.TargetRateAnnual = rate
		f := 1 + 0.25*float64(i)
		scale := func(s *risk.LossStats) {
			s.ExpectedLoss *= f
			s.ExpectedLossCI = risk.Interval{s.ExpectedLossCI[0] * f, s.ExpectedLossCI[1] * f}
			s.ExpectedLossRate *= f
			s.VaR99 *= f
			s.ES99 *= f
			s.PDStressedMean *= f
		}
		scale(&r.Portfolio)
		for j := range r.Segments {
			scale(&r.Segments[j].LossStats)
		}
		if i == len(rates)-1 {
			r.Portfolio.Tail99, r.Portfolio.Tail999 = risk.TailReliable, risk.TailIndicative
			r.Portfolio.VaR999, r.Portfolio.ES999 = 1.5*r.Portfolio.ES99, 1.8*r.Portfolio.ES99
		}
		// The last segment is missing from the first run.
		if i == 0 {
			r.Segments = r.Segments[:len(r.Segments)-1]
		}
		runs = append(runs, ComparedRun{RunID: "run-" + string(rune('a'+i)), Report: r})
	}
	return runs
}

func find(rows []FigureRow, key string) FigureRow {
	for _, r := range rows {
		if r.Key == key {
			return r
		}
	}
	return FigureRow{}
}

func TestCompareLinesUpFiguresWithDifferences(t *testing.T) {
	t.Parallel()
	runs := sweepRuns(0.06, 0.07, 0.09)
	c, err := Compare(runs)
	if err != nil {
		t.Fatal(err)
	}
	el := find(c.Portfolio, "expected_loss")
	a, b := runs[0].Report.Portfolio.ExpectedLoss, runs[1].Report.Portfolio.ExpectedLoss
	t.Run("a difference is the run's value minus the baseline's, and relative to it", func(t *testing.T) {
		if el.Values[0].Diff != nil || el.Values[0].RelDiff != nil {
			t.Error("the baseline has a difference from itself")
		}
		if d := *el.Values[1].Diff; math.Abs(d-(b-a)) > 1e-6 {
			t.Errorf("diff %v, want %v", d, b-a)
		}
		if r := *el.Values[1].RelDiff; math.Abs(r-0.25) > 1e-12 {
			t.Errorf("relative diff %v, want 0.25", r)
		}
		if el.Values[1].CI == nil {
			t.Error("expected loss lost its interval")
		}
	})
	t.Run("a figure a run does not report is null and never compared", func(t *testing.T) {
		v := find(c.Portfolio, "var_999")
		if v.Values[0].Value != nil || v.Values[2].Value == nil {
			t.Fatalf("var_999 values %+v", v.Values)
		}
		if v.Values[2].Diff != nil || v.Values[2].RelDiff != nil {
			t.Error("a figure was compared with one that is not reported")
		}
		if !strings.Contains(v.Values[0].Why, "not reported: the 99.9% tail holds 1 scenario") {
			t.Errorf("why = %q", v.Values[0].Why)
		}
		if v.Values[2].Status != risk.TailIndicative {
			t.Errorf("status %q, want indicative", v.Values[2].Status)
		}
	})
	t.Run("a segment missing from a run is null there, and listed once", func(t *testing.T) {
		last := c.Segments[len(c.Segments)-1]
		if len(c.Segments) != len(runs[1].Report.Segments) {
			t.Fatalf("%d segments", len(c.Segments))
		}
		if v := find(last.Figures, "expected_loss").Values[0]; v.Value != nil || v.Why == "" {
			t.Errorf("missing segment value %+v", v)
		}
	})
	t.Run("JSON writes not reported figures as null", func(t *testing.T) {
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(js, []byte(`{"key":"var_999","name":"VaR 99.9%","unit":"usd","values":[{"value":null,"status":"insufficient","diff":null,"rel_diff":null,"why":`)) {
			t.Errorf("JSON: %s", js)
		}
	})
	t.Run("every rendering shows values, differences and not reported", func(t *testing.T) {
		for name, out := range map[string][]byte{"text": c.Text(), "markdown": c.Markdown(), "html": c.HTML(), "sweep html": SweepHTML(c), "sweep markdown": SweepMarkdown(c)} {
			for _, want := range []string{formatUSD(b), "not reported", "not compared", "(&#43;25.0%)", "†"} {
				if name != "html" && name != "sweep html" {
					want = strings.ReplaceAll(want, "&#43;", "+")
				}
				if strings.HasPrefix(name, "sweep markdown") && want == "not compared" {
					continue
				}
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("%s lacks %q", name, want)
				}
			}
			if bytes.Contains(out, []byte("NaN")) || bytes.Contains(out, []byte("Inf")) {
				t.Errorf("%s shows NaN or Inf", name)
			}
		}
	})
	t.Run("the sweep chart draws a point per reported figure and none for the rest", func(t *testing.T) {
		svg := sweepChart(c)
		if n := strings.Count(svg, `<circle class="pt s-el"`); n != 3 {
			t.Errorf("%d expected-loss points, want 3", n)
		}
		if n := strings.Count(svg, `class="pt s-var999`); n != 1 {
			t.Errorf("%d VaR 99.9%% points, want 1 (only the last run reports it)", n)
		}
		// VaR and ES 99% at the two lower rates, VaR and ES 99.9% at the last.
		if n := strings.Count(svg, ` indicative"`); n != 6 {
			t.Errorf("%d hollow (indicative) points, want 6", n)
		}
	})
	t.Run("runs that differ in more than the rate are flagged", func(t *testing.T) {
		runs := sweepRuns(0.06, 0.08)
		runs[1].Report.Seed++
		runs[1].Report.Portfolio.Loans++
		c, _ := Compare(runs)
		if len(c.Notes) != 2 || !strings.Contains(c.Notes[0], "different numbers of loans") || !strings.Contains(c.Notes[1], "different seeds") {
			t.Errorf("notes %q", c.Notes)
		}
	})
	t.Run("a run given twice is an error", func(t *testing.T) {
		if _, err := Compare([]ComparedRun{runs[0], runs[0]}); err == nil {
			t.Error("no error")
		}
	})
}
