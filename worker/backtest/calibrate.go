// Package backtest runs the credit model (worker/model) on the generated
// portfolio (worker/portfolio) under the Federal Reserve's scenarios
// (worker/scenariofile) and compares the loss rates with the published
// figures: MODEL.md section 6's calibration table (issue 11). It lives apart
// from worker/calibration so that it can import the model, the generator
// and the scenario files without an import cycle.
package backtest

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// Losses are one run's horizon losses and average balances by segment, in
// US dollars: the loss is the mean over scenarios (weighted by the
// scenarios' likelihood ratios) of the sum of EAD x LGD over the loans that
// default, the average balance the sum of model.Result.AvgBalanceUSD.
type Losses struct {
	LossUSD       map[loan.Segment]float64
	AvgBalanceUSD map[loan.Segment]float64
	Loans         map[loan.Segment]int
}

// Rate is the loss rate of the segments together: losses over the horizon
// divided by the average balance, the Federal Reserve's basis (MODEL.md
// section 6). With no segments it is the whole portfolio's.
func (l Losses) Rate(segs ...loan.Segment) float64 {
	if len(segs) == 0 {
		segs = loan.Segments
	}
	var num, den float64
	for _, s := range segs {
		num += l.LossUSD[s]
		den += l.AvgBalanceUSD[s]
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// Generate returns loans [0, n) of the default generator at seed.
func Generate(seed uint64, n int) ([]loan.Loan, error) {
	g, err := portfolio.New(seed)
	if err != nil {
		return nil, err
	}
	out := make([]loan.Loan, n)
	for i := range out {
		g.Loan(uint64(i), &out[i])
	}
	return out, nil
}

// Run evaluates every loan under p with workers evaluators in parallel (0:
// GOMAXPROCS) sharing one scenario set, and adds up the losses.
func Run(p model.Params, loans []loan.Loan, workers int) (Losses, error) {
	sc, err := model.NewScenarios(p)
	if err != nil {
		return Losses{}, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	S := sc.Len()
	var wsum float64
	for s := range S {
		wsum += sc.Weight(s)
	}
	type part struct {
		loss, bal [16]float64
		n         [16]int
		err       error
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	var next int64
	var mu sync.Mutex
	const chunk = 512
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := model.NewEvaluator(sc)
			pt := &parts[w]
			for {
				mu.Lock()
				start := int(next)
				next += chunk
				mu.Unlock()
				if start >= len(loans) || pt.err != nil {
					return
				}
				for i := start; i < min(start+chunk, len(loans)); i++ {
					r, err := ev.Evaluate(&loans[i])
					if err != nil {
						pt.err = err
						return
					}
					k := segIndex(r.Segment)
					var cents int64
					for _, sl := range r.Losses {
						if w := sc.Weight(sl.Scenario); w == 1 {
							cents += sl.Cents
						} else {
							pt.loss[k] += w * float64(sl.Cents) / 100 / wsum
						}
					}
					pt.loss[k] += float64(cents) / 100 / wsum
					pt.bal[k] += r.AvgBalanceUSD
					pt.n[k]++
				}
			}
		}()
	}
	wg.Wait()
	out := Losses{map[loan.Segment]float64{}, map[loan.Segment]float64{}, map[loan.Segment]int{}}
	for _, pt := range parts {
		if pt.err != nil {
			return Losses{}, pt.err
		}
		for k, s := range loan.Segments {
			out.LossUSD[s] += pt.loss[k]
			out.AvgBalanceUSD[s] += pt.bal[k]
			out.Loans[s] += pt.n[k]
		}
	}
	return out, nil
}

func segIndex(s loan.Segment) int {
	for k, x := range loan.Segments {
		if x == s {
			return k
		}
	}
	panic(fmt.Sprintf("backtest: unknown segment %q", s))
}
