package model

import (
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// Evaluators in several goroutines share one Scenarios' memo of table-path
// sums: every loan's result is the same as on scenarios of its own, and a
// later Evaluator finds the sums an earlier one computed.
func TestTableMemoIsSharedSafelyAcrossGoroutines(t *testing.T) {
	t.Parallel()
	g, err := portfolio.New(4)
	if err != nil {
		t.Fatal(err)
	}
	var loans []loan.Loan
	for i := uint64(0); len(loans) < 120; i++ {
		var l loan.Loan
		g.Loan(i, &l)
		if l.RateType == loan.Fixed && l.Segment.Personal() {
			loans = append(loans, l)
		}
	}
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 200 })
	checkSameAcrossGoroutines(t, sc, loans, NewEvaluator(testScenarios(t, func(p *Params) { p.Scenarios = 200 })))
	ev := NewEvaluator(sc)
	if _, err := ev.Evaluate(&loans[0]); err != nil {
		t.Fatal(err)
	}
	if !ev.ln.table {
		t.Fatalf("%s does not take the table path", loans[0].ID)
	}
	key := tableKey{ev.ln.series, ev.ln.n, ev.ln.h0}
	if _, ok := sc.tables.get(key); !ok {
		t.Error("the shared memo lacks a loan the goroutines evaluated")
	}
}
