package report

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// summarised builds a report the way a run does, through risk.Partial and
// risk.Summarise, so the renderer is tested on genuine risk output too.
// Loan i defaults in scenario s when (i+s) % every == 0; every <= 0 means
// no loan ever defaults.
func summarised(t *testing.T, scenarios, loans, every int) risk.Report {
	t.Helper()
	p := model.DefaultParams()
	p.Seed, p.Scenarios = 99, scenarios
	pt := risk.NewPartial(p)
	for i := range loans {
		seg := loan.Segments[i%len(loan.Segments)]
		r := model.Result{
			LoanID: fmt.Sprintf("L%04d", i), Segment: seg, CreditScore: 560 + 7*(i%40), RiskGrade: 1 + i%10,
			BaselinePD: 0.01 + 0.0005*float64(i%20), StressedPD: 0.015 + 0.0007*float64(i%20),
			EADUSD: 10_000 + 250*float64(i%13), LGD: 0.5,
			// Every third loan fixed-rate, the others spread to 2.9.
			PaymentShockMean: 1 + float64(min(1, i%3))*0.03*float64(i%64), PaymentShockMax: 1 + 0.04*float64(i%64),
		}
		r.ExpectedLossUSD = r.StressedPD * r.EADUSD * r.LGD
		for s := range scenarios {
			if every > 0 && (i+s)%every == 0 {
				r.Losses = append(r.Losses, model.ScenarioLoss{Scenario: s, Month: 1, Cents: int64(100 * (5000 + 10*(i%7)))})
			}
		}
		if err := pt.Add(&r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := risk.Summarise(pt, p)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRendersSummarisedReports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                    string
		scenarios, loans, every int
		chart                   bool
		note                    string // the note shown instead of a chart
	}{
		{"a typical run draws every chart", 2000, 300, 37, true, ""},
		{"a single scenario says what it lost instead of drawing one bar", 1, 50, 3, false, "single scenario lost $"},
		{"a run where every scenario loses the same explains the missing chart", 40, 40, 1, false, "Every one of the 40 scenarios lost $2"},
		{"a run where no loan defaults explains the missing chart", 500, 40, 0, false, "Every one of the 500 scenarios lost $0,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := summarised(t, tc.scenarios, tc.loans, tc.every)
			out, err := Render(rep, Meta{RunID: "r1", LoansProcessed: int64(tc.loans), Loans: int64(tc.loans)})
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, out.HTML)
			checkSelfContained(t, out.HTML)
			for _, page := range [][]byte{out.HTML, out.Markdown} {
				for _, bad := range []string{"NaN", "Inf", "%!"} {
					if bytes.Contains(page, []byte(bad)) {
						t.Errorf("output contains %q", bad)
					}
				}
			}
			if got := bytes.Contains(out.HTML, []byte(`id="loss-chart"`)); got != tc.chart {
				t.Fatalf("loss chart drawn = %v, want %v", got, tc.chart)
			}
			if !tc.chart {
				if !bytes.Contains(out.HTML, []byte(tc.note)) {
					t.Errorf("page lacks the note %q", tc.note)
				}
				return
			}
			h := rep.Portfolio.Histogram
			// Independent of the scale code: the axis runs from the smallest
			// loss (risk bins from there) to the largest.
			if h.Counts[0] == 0 {
				t.Fatal("risk's first bin holds no scenario")
			}
			top := h.MinUSD + h.BinWidthUSD*float64(len(h.Counts))
			bottom := h.MinUSD
			for measure, v := range map[string]float64{"var_99": rep.Portfolio.VaR99, "es_99": rep.Portfolio.ES99} {
				x, ok := markerX(t, out.HTML, measure)
				want := lossLeft + (v-bottom)/(top-bottom)*(lossWidth-lossRight-lossLeft)
				if !ok || math.Abs(x-want) > 0.006 {
					t.Errorf("%s marker at %v (found %v), want %v", measure, x, ok, want)
				}
			}
		})
	}
}
