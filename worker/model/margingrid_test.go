package model

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// gridLoans are margin-grid loans: the generator's cards, home equity
// lines and commercial lines (every age, score, margin and NOI it writes)
// and hand-made ones at the grid's edges, on a teaser
// rate below index plus margin, new (first reset in month 2), one on SOFR,
// lines at a margin of 1%, of 0 and below 0 (the fine grid), and commercial
// lines whose DSCR term binds in most stressed scenarios, one maturing
// inside the horizon (a refinancing test).
func gridLoans(t *testing.T) []loan.Loan {
	t.Helper()
	g, err := portfolio.New(3)
	if err != nil {
		t.Fatal(err)
	}
	var out []loan.Loan
	cards, helocs, lines := 0, 0, 0
	for i := uint64(0); cards < 40 || helocs < 20 || lines < 40; i++ {
		var l loan.Loan
		g.Loan(i, &l)
		switch {
		case l.Segment == loan.CreditCard && cards < 40:
			cards++
			out = append(out, l)
		case l.Segment == loan.HomeEquity && helocs < 20:
			helocs++
			out = append(out, l)
		case l.Segment == loan.CommercialLine && lines < 40:
			lines++
			out = append(out, l)
		}
	}
	p := DefaultParams()
	low := cardPrime("G1", 700, 0) // c = 0.01, near the grid's minimum
	high := cardPrime("G2", 580, loan.MaxMarginAnnual)
	teaser := cardPrime("G3", 640, 0.15)
	teaser.RateAnnual = 0.02
	fresh := cardPrime("G4", 660, 0.18)
	fresh.RemainingMonths = fresh.TermMonths
	sofr := cardPrime("G5", 720, 0.12)
	sofr.Index = loan.SOFR
	sofr.RateAnnual = p.R0Annual + 0.12
	heloc := homeEquityLine("G6", 700) // prime + 1%, an 18% ceiling no path reaches
	heloc.RateCeilingAnnual = 0.18
	flat := homeEquityLine("G7", 640)
	flat.MarginAnnual, flat.RateAnnual = 0, p.R0Annual+p.PrimeSpreadAnnual
	below := homeEquityLine("G8", 660) // prime - 0.25%: c < 0
	below.MarginAnnual, below.RateAnnual = -0.0025, p.R0Annual+p.PrimeSpreadAnnual-0.0025
	tight := commercialLine("G9", 7, 0.015) // NOI 1.5 x today's interest
	maturing := commercialLine("G10", 4, 0.02)
	maturing.RemainingMonths = 9
	return append(out, low, high, teaser, fresh, sofr, heloc, flat, below, tight, maturing)
}

// The margin grid interpolates what monthlyReset walks: the PDs agree to
// the interpolation's error, and the payment shock and every default
// (scenario, month and loss) are the same, with and without importance
// sampling.
func TestMarginGridAgreesWithTheWalk(t *testing.T) {
	t.Parallel()
	for _, shift := range []float64{0, 0.25} {
		sc := testScenarios(t, func(p *Params) { p.Scenarios = 700; p.TailShift = shift })
		fast, slow := NewEvaluator(sc), NewEvaluator(sc)
		slow.noGrid = true
		var worst float64
		for _, l := range gridLoans(t) {
			a, err := fast.Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			if !fast.ln.onGrid {
				t.Fatalf("%s (margin %v) does not take the margin grid", l.ID, l.MarginAnnual)
			}
			a.Losses = append([]ScenarioLoss(nil), a.Losses...)
			b, err := slow.Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			if slow.ln.onGrid {
				t.Fatal("noGrid did not keep the loan off the grid")
			}
			for _, d := range []float64{relDiff(a.StressedPD, b.StressedPD), relDiff(a.BaselinePD, b.BaselinePD),
				relDiff(a.StressedPDHigh, b.StressedPDHigh), relDiff(a.ExpectedLossUSD, b.ExpectedLossUSD)} {
				worst = max(worst, d)
			}
			if relDiff(a.StressedPD, b.StressedPD) > 2e-8 || relDiff(a.BaselinePD, b.BaselinePD) > 2e-8 ||
				relDiff(a.StressedPDHigh, b.StressedPDHigh) > 2e-8 || relDiff(a.RefiFailProb, b.RefiFailProb) > 1e-12 ||
				relDiff(a.PaymentShockMean, b.PaymentShockMean) > 1e-12 || relDiff(a.PaymentShockMax, b.PaymentShockMax) > 1e-12 {
				t.Errorf("shift %v, %s: grid PDs %v, %v (high %v), shock %v, %v; walk %v, %v (high %v), shock %v, %v", shift, l.ID,
					a.BaselinePD, a.StressedPD, a.StressedPDHigh, a.PaymentShockMean, a.PaymentShockMax,
					b.BaselinePD, b.StressedPD, b.StressedPDHigh, b.PaymentShockMean, b.PaymentShockMax)
			}
			// A card's or a line's default month is not searched
			// (ScenarioLoss.Month 0): its loss is the same in every month.
			walked := append([]ScenarioLoss(nil), b.Losses...)
			for k := range walked {
				if l.Segment.Revolving() {
					walked[k].Month = 0
				}
			}
			if fmt.Sprint(a.Losses) != fmt.Sprint(walked) {
				t.Errorf("shift %v, %s: defaults differ:\ngrid %v\nwalk %v", shift, l.ID, a.Losses, walked)
			}
		}
		t.Logf("tail shift %v: largest relative difference of a PD or expected loss %.2g", shift, worst)
	}
}

// Loans the grid cannot serve walk: an amortising loan, a rate ceiling
// the index can pass, a DSCR term on a loan that is not revolving (its
// default needs the month), an index rate near 0, and every loan of a run
// with more scenarios than the grid's memory bound. A revolving line with
// a DSCR term takes it.
func TestMarginGridOnlyTakesWhatItServes(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 64 })
	cheap := cardPrime("N1", 700, 0.05)
	line := commercialLine("N2", 4, 0.11) // NOI 1.5 x interest: a DSCR term
	capped := cardPrime("N3", 700, 0.15)  // stressed prime + 15% passes a 25% ceiling
	capped.RateCeilingAnnual = 0.25
	amortising := personalPrime("N4", 700, 0.01)
	term := commercialLine("N6", 4, 0.11) // the line's terms on an interest-only term loan
	term.Segment = loan.CommercialTerm
	for _, l := range []loan.Loan{cheap, line, capped, amortising, term} {
		ev := NewEvaluator(sc)
		if _, err := ev.Evaluate(&l); err != nil {
			t.Fatal(err)
		}
		if ev.ln.dscr == [2]bool{} && (l.ID == "N2" || l.ID == "N6") {
			t.Fatalf("%s has no DSCR term", l.ID)
		}
		if want := l.ID == "N1" || l.ID == "N2"; ev.ln.onGrid != want {
			t.Errorf("%s: onGrid %v, want %v", l.ID, ev.ln.onGrid, want)
		}
	}
	// A line on SOFR at a margin of 1% where SOFR nears 0: f + c falls
	// under marginGridMinSteps steps.
	lowRates := testScenarios(t, func(p *Params) { p.Scenarios = 64; p.R0Annual, p.TargetRateAnnual = 0.002, 0.002 })
	sofrLine := homeEquityLine("N5", 700)
	sofrLine.Index, sofrLine.RateAnnual = loan.SOFR, 0.0533
	for _, c := range []struct {
		sc     *Scenarios
		onGrid bool
	}{{sc, true}, {lowRates, false}} {
		ev := NewEvaluator(c.sc)
		if _, err := ev.Evaluate(&sofrLine); err != nil {
			t.Fatal(err)
		}
		if ev.ln.onGrid != c.onGrid {
			t.Errorf("SOFR line with SOFR from %v: onGrid %v, want %v", c.sc.p.R0Annual, ev.ln.onGrid, c.onGrid)
		}
	}
	big := testScenarios(t, func(p *Params) { p.Scenarios = marginGridMaxScenarios + 1; p.HorizonMonths = 2 })
	ev := NewEvaluator(big)
	if _, err := ev.Evaluate(&cheap); err != nil {
		t.Fatal(err)
	}
	if ev.ln.onGrid {
		t.Errorf("a run of %d scenarios put a card on the grid", big.Len())
	}
}

// The cubic is exact on the nodes and reproduces cubics between them.
func TestGridWeightsInterpolateCubicsExactly(t *testing.T) {
	t.Parallel()
	cubic := func(c float64) float64 { return 3 - 2*c + 5*c*c - 7*c*c*c }
	for _, c := range []float64{-0.03, -0.0002, 0, 0.0001, marginGridStep, 0.0012, marginGridFine - 1e-9, marginGridFine, 0.008, 0.0123, 0.02, 0.03125, 0.0599} {
		fine, j, w := gridWeights(c)
		step := gridSpacing(fine)
		if fine != (math.Abs(c) < marginGridFine) {
			t.Errorf("c %v: fine %v", c, fine)
		}
		var got, sum float64
		for k := range 4 {
			got += w[k] * cubic(float64(j+k)*step)
			sum += w[k]
		}
		if math.Abs(got-cubic(c)) > 1e-14 || math.Abs(sum-1) > 1e-14 {
			t.Errorf("c %v: interpolated %v, want %v (weights sum %v)", c, got, cubic(c), sum)
		}
	}
}

// Evaluators in several goroutines share one Scenarios' margin grid: each
// node is built once, and every loan's result is the same as alone.
func TestMarginGridIsSharedSafelyAcrossGoroutines(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 300 })
	loans := gridLoans(t)
	alone := NewEvaluator(testScenarios(t, func(p *Params) { p.Scenarios = 300 }))
	checkSameAcrossGoroutines(t, sc, loans, alone)
}

// relDiff is |x - y| / |y| (y 0: |x - y| over the smallest double).
func relDiff(x, y float64) float64 { return math.Abs(x-y) / math.Max(math.Abs(y), 1e-300) }

// checkSameAcrossGoroutines evaluates loans in four goroutines sharing sc,
// each in its own order with its own Evaluator, and fails the test unless
// every result is the one alone gives (an Evaluator on scenarios of its
// own, built from the same parameters).
func checkSameAcrossGoroutines(t *testing.T, sc *Scenarios, loans []loan.Loan, alone *Evaluator) {
	t.Helper()
	want := make([]string, len(loans))
	for i := range loans {
		r, err := alone.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fmt.Sprint(r)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			ev := NewEvaluator(sc)
			for k := range loans {
				i := (k + g*29) % len(loans) // each goroutine in its own order
				r, err := ev.Evaluate(&loans[i])
				if err != nil {
					errs <- err
					return
				}
				if got := fmt.Sprint(r); got != want[i] {
					errs <- fmt.Errorf("goroutine %d, %s: %s, alone %s", g, loans[i].ID, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Whether the grid's power tables exist (they stop at a memory bound)
// never changes a result: with the bound reached before the first loan,
// every node computes its powers itself, and every result is the same.
func TestGridPowersChangeNoResult(t *testing.T) {
	t.Parallel()
	with := testScenarios(t, func(p *Params) { p.Scenarios = 200 })
	without := testScenarios(t, func(p *Params) { p.Scenarios = 200 })
	without.grid.powBytes.Store(gridPowersMaxBytes)
	a, b := NewEvaluator(with), NewEvaluator(without)
	for _, l := range gridLoans(t) {
		ra, err := a.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		ra.Losses = append([]ScenarioLoss(nil), ra.Losses...)
		rb, err := b.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ra) != fmt.Sprint(rb) {
			t.Fatalf("%s: with power tables %+v, without %+v", l.ID, ra, rb)
		}
	}
	if with.grid.powBytes.Load() == 0 {
		t.Error("no power table was built")
	}
	if without.grid.powBytes.Load() != gridPowersMaxBytes {
		t.Error("a power table was built past the bound")
	}
}

// The grid's sums (gridSumsPath) against gridPath's per-scenario sums
// (noSums), on every margin-grid loan that takes them, with and without
// importance sampling: PDs and the interval within 1e-8, the payment
// shock and every default (scenario, month, loss) the same.
func TestGridSumsAgreeWithTheScenarios(t *testing.T) {
	t.Parallel()
	for _, shift := range []float64{0, 0.25} {
		sc := testScenarios(t, func(p *Params) { p.Scenarios = 600; p.TailShift = shift })
		fast, slow := NewEvaluator(sc), NewEvaluator(sc)
		slow.noSums = true
		var worst float64
		n := 0
		for _, l := range gridLoans(t) {
			a, err := fast.Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			if !fast.ln.gridSums {
				continue
			}
			n++
			a.Losses = append([]ScenarioLoss(nil), a.Losses...)
			b, err := slow.Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			if slow.ln.gridSums {
				t.Fatal("noSums did not keep the loan on the per-scenario sums")
			}
			for _, d := range []float64{relDiff(a.StressedPD, b.StressedPD), relDiff(a.BaselinePD, b.BaselinePD),
				relDiff(a.StressedPDLow, b.StressedPDLow), relDiff(a.StressedPDHigh, b.StressedPDHigh)} {
				worst = max(worst, d)
			}
			if relDiff(a.StressedPD, b.StressedPD) > 1e-8 || relDiff(a.BaselinePD, b.BaselinePD) > 1e-8 ||
				relDiff(a.StressedPDLow, b.StressedPDLow) > 1e-8 || relDiff(a.StressedPDHigh, b.StressedPDHigh) > 1e-8 ||
				a.PaymentShockMean != b.PaymentShockMean || a.PaymentShockMax != b.PaymentShockMax {
				t.Errorf("shift %v, %s: sums %+v; per scenario %+v", shift, l.ID, a, b)
			}
			if fmt.Sprint(a.Losses) != fmt.Sprint(b.Losses) {
				t.Errorf("shift %v, %s: defaults differ:\nsums %v\nper scenario %v", shift, l.ID, a.Losses, b.Losses)
			}
		}
		if n < 40 {
			t.Errorf("shift %v: only %d loans took the grid's sums", shift, n)
		}
		t.Logf("tail shift %v: %d loans, largest relative difference of a PD or interval bound %.2g", shift, n, worst)
	}
}
