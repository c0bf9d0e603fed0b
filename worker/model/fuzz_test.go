package model

import (
	"math"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// FuzzEvaluate feeds the model any loan record that passes validation: it
// must never panic (a panic in an evaluator goroutine would take down the
// worker and every task it runs), and must either refuse the loan with an
// error or give finite figures with PDs in [0, 1].
func FuzzEvaluate(f *testing.F) {
	g, err := portfolio.New(1)
	if err != nil {
		f.Fatal(err)
	}
	for i := range uint64(40) {
		f.Add(g.AppendJSON(nil, i))
	}
	for _, l := range someLoans() { // the version 2 fields and segments
		f.Add(loan.AppendJSON(nil, &l))
	}
	p := DefaultParams()
	p.Scenarios, p.HorizonMonths = 64, 27
	sc, err := NewScenarios(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var l loan.Loan
		if loan.Parse(data, &l) != nil {
			return
		}
		res, err := NewEvaluator(sc).Evaluate(&l)
		if err != nil {
			return
		}
		for name, v := range map[string]float64{"baseline PD": res.BaselinePD, "stressed PD": res.StressedPD} {
			if !(v >= 0 && v <= 1) {
				t.Errorf("%s = %v, want a probability", name, v)
			}
		}
		for name, v := range map[string]float64{"EAD": res.EADUSD, "LGD": res.LGD, "expected loss": res.ExpectedLossUSD,
			"payment shock": res.PaymentShockMean, "worst payment shock": res.PaymentShockMax} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s = %v, want a finite number", name, v)
			}
		}
	})
}
