package risk

import (
	"sync"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// generated returns n loans of the portfolio generator (worker/portfolio).
func generated(t testing.TB, seed uint64, n int) []loan.Loan {
	t.Helper()
	g, err := portfolio.New(seed)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]loan.Loan, n)
	for i := range out {
		g.Loan(uint64(i), &out[i])
	}
	return out
}

// runBatches evaluates loans the way the worker does: split into batches of
// batchSize, batches handed to workers goroutines (each with its own
// Evaluator) in whatever order they finish, one Partial per batch, merged
// as they complete. It returns the merged Partial and the results by loan.
func runBatches(t testing.TB, sc *model.Scenarios, loans []loan.Loan, batchSize, workers int) (*Partial, []model.Result) {
	t.Helper()
	results := make([]model.Result, len(loans))
	batches := make(chan [2]int)
	parts := make(chan *Partial)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := model.NewEvaluator(sc)
			for b := range batches {
				pt := NewPartial(sc.Params())
				for i := b[0]; i < b[1]; i++ {
					r, err := ev.Evaluate(&loans[i])
					if err != nil {
						errs <- err
						return
					}
					if err := pt.Add(&r); err != nil {
						errs <- err
						return
					}
					r.Losses = nil
					results[i] = r
				}
				parts <- pt
			}
		}()
	}
	go func() {
		for start := 0; start < len(loans); start += batchSize {
			batches <- [2]int{start, min(len(loans), start+batchSize)}
		}
		close(batches)
		wg.Wait()
		close(parts)
	}()
	total := NewPartial(sc.Params())
	for pt := range parts {
		if err := total.Merge(pt); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return total, results
}

func scenarios(t testing.TB, mutate func(*model.Params)) *model.Scenarios {
	t.Helper()
	p := model.DefaultParams()
	p.Seed = 42
	if mutate != nil {
		mutate(&p)
	}
	sc, err := model.NewScenarios(p)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
