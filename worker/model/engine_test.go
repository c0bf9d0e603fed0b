package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func evaluate(t testing.TB, sc *Scenarios, l loan.Loan) Result {
	t.Helper()
	r, err := NewEvaluator(sc).Evaluate(&l)
	if err != nil {
		t.Fatal(err)
	}
	r.Losses = append([]ScenarioLoss(nil), r.Losses...)
	return r
}

func TestAllLoansAreValidRecords(t *testing.T) {
	t.Parallel()
	for _, l := range mixedPortfolio(12) {
		if err := l.Validate(); err != nil {
			t.Errorf("test loan %s (%s) invalid: %v", l.ID, l.Segment, err)
		}
	}
}

func TestFixedRateStressedPDEqualsBaseline(t *testing.T) {
	t.Parallel()
	for _, sigma := range []float64{0, 0.01} {
		sc := testScenarios(t, func(p *Params) { p.Scenarios = 500; p.SigmaAnnualPerSqrtYear = sigma })
		for _, l := range []loan.Loan{personalFixed("F1", 640), autoLoan("F2", 700), commercialTermFixed("F3", 6, 0)} {
			r := evaluate(t, sc, l)
			if r.StressedPD != r.BaselinePD || r.DeltaPD != 0 {
				t.Errorf("sigma %v, %s: stressed %v, baseline %v", sigma, l.Segment, r.StressedPD, r.BaselinePD)
			}
			if r.PaymentShockMean != 1 || r.PaymentShockMax != 1 {
				t.Errorf("fixed-rate payment shock %v/%v, want 1", r.PaymentShockMean, r.PaymentShockMax)
			}
		}
	}
}

func TestVariableLoanWithoutARateChangeMatchesBaseline(t *testing.T) {
	t.Parallel()
	// sigma = 0 and target = r0: the stressed path is the baseline path.
	sc := testScenarios(t, func(p *Params) {
		p.Scenarios = 300
		p.SigmaAnnualPerSqrtYear = 0
		p.TargetRateAnnual = p.R0Annual
	})
	for _, l := range []loan.Loan{personalPrime("V1", 650, 0.04), commercialLine("V2", 5, 0.01), creARM("V3", 4)} {
		r := evaluate(t, sc, l)
		if r.StressedPD != r.BaselinePD {
			t.Errorf("%s: stressed %v != baseline %v", l.Segment, r.StressedPD, r.BaselinePD)
		}
		if math.Abs(r.PaymentShockMean-1) > 1e-12 {
			t.Errorf("%s: payment shock %v, want 1", l.Segment, r.PaymentShockMean)
		}
	}
}

func TestStressRaisesVariableRatePDs(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 1000 })
	for _, l := range []loan.Loan{personalPrime("V1", 650, 0.04), commercialLine("V2", 5, 0.01), creARM("V3", 4)} {
		r := evaluate(t, sc, l)
		if !(r.StressedPD > r.BaselinePD) || !(r.PaymentShockMean > 1.05) {
			t.Errorf("%s: stressed %v baseline %v shock %v", l.Segment, r.StressedPD, r.BaselinePD, r.PaymentShockMean)
		}
		if !(r.StressedPDLow <= r.StressedPD && r.StressedPD <= r.StressedPDHigh) {
			t.Errorf("%s: Wilson interval [%v, %v] excludes %v", l.Segment, r.StressedPDLow, r.StressedPDHigh, r.StressedPD)
		}
	}
}

func TestPDIsNonDecreasingInTargetRateMarginAndGamma(t *testing.T) {
	t.Parallel()
	loans := []loan.Loan{personalPrime("M1", 620, 0.05), commercialLine("M2", 7, 0.015), creARM("M3", 6)}
	t.Run("in the target rate", func(t *testing.T) {
		t.Parallel()
		for _, l := range loans {
			prev := -1.0
			for _, target := range []float64{0.0433, 0.05, 0.06, 0.08, 0.10, 0.12} {
				sc := testScenarios(t, func(p *Params) { p.Scenarios = 400; p.TargetRateAnnual = target })
				pd := evaluate(t, sc, l).StressedPD
				if pd < prev {
					t.Errorf("%s: PD %v at target %v below %v at a lower target", l.Segment, pd, target, prev)
				}
				prev = pd
			}
		}
	})
	t.Run("in the margin", func(t *testing.T) {
		t.Parallel()
		sc := testScenarios(t, func(p *Params) { p.Scenarios = 400 })
		for _, l := range loans {
			prev := -1.0
			for _, dm := range []float64{0, 0.005, 0.01, 0.02, 0.04} {
				m := l
				m.MarginAnnual += dm // today's rate unchanged: only future resets price higher
				pd := evaluate(t, sc, m).StressedPD
				if pd < prev {
					t.Errorf("%s: PD %v at margin +%v below %v", l.Segment, pd, dm, prev)
				}
				prev = pd
			}
		}
	})
	t.Run("in gamma", func(t *testing.T) {
		t.Parallel()
		for _, l := range loans {
			prev := -1.0
			for _, g := range []float64{0, 0.5, 1.15, 2, 3} {
				// sigma = 0: every stressed payment is at least today's, so a
				// larger elasticity can only raise the hazard.
				sc := testScenarios(t, func(p *Params) { p.Scenarios = 400; p.Gamma = g; p.SigmaAnnualPerSqrtYear = 0 })
				pd := evaluate(t, sc, l).StressedPD
				if pd < prev {
					t.Errorf("%s: PD %v at gamma %v below %v", l.Segment, pd, g, prev)
				}
				prev = pd
			}
		}
	})
}

func TestWithoutPaymentChangeTheSimulatedPDIsTheInputPD(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 40_000 })
	p := sc.Params()
	for _, l := range []loan.Loan{personalFixed("P1", 700), commercialTermFixed("P2", 7, 0), personalFixed("P3", 760)} {
		l.RemainingMonths = 40 // beyond the horizon: 12 months at risk
		r := evaluate(t, sc, l)
		pd12, _ := p.PD12(&l)
		// Standard error of the mean conditional PD, from the scenarios.
		h0 := MonthlyHazard(pd12)
		j := series(l.Segment, pd12)
		var m, m2 float64
		for _, c := range sc.cumH[j] {
			x := -math.Expm1(-h0 * c)
			m += x
			m2 += x * x
		}
		S := float64(sc.Len())
		m /= S
		se := math.Sqrt((m2/S - m*m) / S)
		if math.Abs(r.StressedPD-pd12) > 4.5*se {
			t.Errorf("%s: simulated PD %.5f, input %.5f (%.1f standard errors)", l.Segment, r.StressedPD, pd12, (r.StressedPD-pd12)/se)
		}
		// The Bernoulli draws are independent across scenarios with mean PD.
		freq := float64(r.DefaultDraws) / S
		if bse := math.Sqrt(pd12 * (1 - pd12) / S); math.Abs(freq-pd12) > 4.5*bse {
			t.Errorf("%s: default frequency %.5f, input PD %.5f (%.1f standard errors)", l.Segment, freq, pd12, (freq-pd12)/bse)
		}
	}
}

func TestAffordabilityTriggersDefaultWithCertainty(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 200 })
	p := sc.Params()
	t.Run("a personal loan over the DTI cap defaults in month 3", func(t *testing.T) {
		t.Parallel()
		l := personalFixed("D1", 780)
		pay := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
		l.IncomeAnnualUSD = 12 * (pay + l.OtherDebtMonthlyUSD) / (p.DTICap + 0.05)
		r := evaluate(t, sc, l)
		if r.StressedPD != 1 || r.BaselinePD != 1 || r.DefaultDraws != sc.Len() {
			t.Fatalf("PD %v/%v draws %d, want certain default", r.StressedPD, r.BaselinePD, r.DefaultDraws)
		}
		for _, d := range r.Losses {
			if d.Month > p.DTIMonths {
				t.Fatalf("default in month %d, after the trigger month %d", d.Month, p.DTIMonths)
			}
		}
	})
	t.Run("a line whose DSCR falls below 1 under stress defaults in the stress only", func(t *testing.T) {
		t.Parallel()
		l := commercialLine("D2", 3, 0.01)
		// DSCR 1.2 today at a 8.33% rate: below 1 once the rate passes 10%.
		l.NOIAnnualUSD = 1.2 * l.BalanceUSD * l.RateAnnual
		r := evaluate(t, sc, l)
		if r.BaselinePD > 0.01 || r.StressedPD < 0.5 {
			t.Errorf("baseline %v stressed %v: want the trigger to fire under stress only", r.BaselinePD, r.StressedPD)
		}
	})
}

func TestLossesUseTheScheduledBalanceAndSegmentLGD(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000 })
	p := sc.Params()
	cases := []struct {
		name string
		l    loan.Loan
		lgd  func(ead float64) float64
	}{
		{"unsecured personal loses 85%", personalFixed("L1", 560), func(float64) float64 { return 0.85 }},
		{"auto loans lose 50%", autoLoan("L2", 560), func(float64) float64 { return 0.50 }},
		{"unsecured commercial loses 45%", commercialTermFixed("L3", 10, 0), func(float64) float64 { return 0.45 }},
		{"secured commercial loses 1 - 0.85*collateral/EAD, floored at 10%", commercialTermFixed("L4", 10, 200_000),
			func(ead float64) float64 { return math.Max(0.10, 1-0.85*200_000/ead) }},
		{"a well-secured commercial loan loses the 10% floor", commercialTermFixed("L5", 10, 900_000),
			func(float64) float64 { return 0.10 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := evaluate(t, sc, c.l)
			if len(r.Losses) == 0 {
				t.Fatal("no defaults drawn")
			}
			pay := Payment(c.l.BalanceUSD, c.l.RateAnnual, c.l.RemainingMonths)
			for _, d := range r.Losses {
				ead := Balance(c.l.BalanceUSD, c.l.RateAnnual, pay, d.Month-1)
				want := math.Round(ead * c.lgd(ead) * 100)
				if math.Abs(float64(d.Cents)-want) > 1 {
					t.Fatalf("scenario %d month %d: loss %d cents, want %.0f", d.Scenario, d.Month, d.Cents, want)
				}
			}
			if got := c.lgd(c.l.BalanceUSD); math.Abs(r.LGD-got) > 1e-12 || r.EADUSD != c.l.BalanceUSD {
				t.Errorf("EAD %v LGD %v, want %v and %v", r.EADUSD, r.LGD, c.l.BalanceUSD, got)
			}
			if want := r.StressedPD * r.EADUSD * r.LGD; r.ExpectedLossUSD != want {
				t.Errorf("expected loss %v, want %v", r.ExpectedLossUSD, want)
			}
		})
	}
	t.Run("a line's exposure is drawn plus 40% of undrawn", func(t *testing.T) {
		t.Parallel()
		l := commercialLine("L6", 10, 0.01)
		r := evaluate(t, sc, l)
		want := l.BalanceUSD + p.CCFUndrawn*(l.AmountUSD-l.BalanceUSD)
		if r.EADUSD != want {
			t.Errorf("EAD %v, want %v", r.EADUSD, want)
		}
		for _, d := range r.Losses {
			if d.Cents != int64(math.Round(want*0.45*100)) {
				t.Fatalf("line loss %d cents, want %v", d.Cents, want*0.45*100)
			}
		}
	})
}

func TestEvaluateIsIndependentOfEvaluatorAndOrder(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 300 })
	loans := mixedPortfolio(12)
	first := make([]Result, len(loans))
	ev := NewEvaluator(sc)
	for i := range loans {
		r, err := ev.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		r.Losses = append([]ScenarioLoss(nil), r.Losses...)
		first[i] = r
	}
	ev2 := NewEvaluator(sc)
	for i := len(loans) - 1; i >= 0; i-- {
		r, err := ev2.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		a := first[i]
		if r.StressedPD != a.StressedPD || r.BaselinePD != a.BaselinePD || r.DefaultDraws != a.DefaultDraws || r.PaymentShockMean != a.PaymentShockMean {
			t.Fatalf("loan %s differs in reverse order", loans[i].ID)
		}
		for k := range r.Losses {
			if r.Losses[k] != a.Losses[k] {
				t.Fatalf("loan %s loss %d differs", loans[i].ID, k)
			}
		}
	}
}

func TestInvalidLoanIsRejectedWithTheFieldError(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 10 })
	l := personalFixed("X1", 700)
	l.CreditScore = 900
	_, err := NewEvaluator(sc).Evaluate(&l)
	var fe *loan.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Evaluate = %v, want a *loan.FieldError", err)
	}
}

func TestEvaluateAllocatesNothingPerLoan(t *testing.T) {
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 1000 })
	loans := mixedPortfolio(12)
	ev := NewEvaluator(sc)
	for i := range loans { // warm the scratch space
		if _, err := ev.Evaluate(&loans[i]); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(50, func() {
		_, _ = ev.Evaluate(&loans[i%len(loans)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Evaluate allocates %v times per loan, want 0", allocs)
	}
}

// TestWalkHazardMatchesWalk holds the two hot loops, walkHazard and the
// batch kernel monthlyBatch, to walk (the path recordDefault uses), bit for
// bit, on the test loans and on random variable loans.
func TestWalkHazardMatchesWalk(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 300; p.HorizonMonths = 30 })
	ev := NewEvaluator(sc)
	const ordinary = 24 // the first loans: mixedPortfolio's
	loans := mixedPortfolio(ordinary)
	r := rand.New(rand.NewPCG(3, 4))
	for k := range 60 {
		loans = append(loans, randomVariableLoan(r, k))
	}
	var batched, followed int
	for k, l := range loans {
		if err := ev.prepare(&l); err != nil {
			t.Fatal(err)
		}
		for s0 := 0; s0 < sc.Len(); s0 += kernelBatch {
			nb := min(kernelBatch, sc.Len()-s0)
			tracked := ev.trackOver
			if ev.ln.monthly {
				ev.monthlyBatch(s0, nb)
			}
			for b := range nb {
				s := s0 + b
				var trig2 int
				var peak2 float64
				ev.cur, trig2, peak2 = ev.walk(s, ev.cur)
				lam2 := ev.lambda(ev.cur, s)
				if lam, trig, peak := ev.walkHazard(s); lam != lam2 || trig != trig2 || peak != peak2 {
					t.Fatalf("loan %s scenario %d: walkHazard (%v, %d, %v), walk (%v, %d, %v)", l.ID, s, lam, trig, peak, lam2, trig2, peak2)
				}
				if !ev.ln.monthly {
					continue
				}
				c := ev.batchSt[b]
				if k < ordinary {
					batched++
					if !c.bad {
						followed++
					} else if !batchMayRefuse(ev, s, peak2, tracked) {
						t.Errorf("loan %s scenario %d: monthlyBatch refused a path it can follow", l.ID, s)
					}
				}
				if !c.bad && (c.lam != lam2 || (c.trig == 0) != (trig2 == 0) || c.peak != peak2) {
					t.Fatalf("loan %s scenario %d: monthlyBatch (%v, %d, %v), walk (%v, %d, %v)", l.ID, s, c.lam, c.trig, c.peak, lam2, trig2, peak2)
				}
			}
		}
	}
	// The batch kernel must follow nearly every scenario of the ordinary
	// monthly loans, or it would be a slow detour.
	if batched == 0 || float64(followed) < 0.9*float64(batched) {
		t.Errorf("monthlyBatch followed %d of %d loan-scenarios", followed, batched)
	}
}

func TestMonthlyBatchGivesTheOneByOneResults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Params)
	}{
		{"at the default stress", func(p *Params) {}},
		{"when rates fall to the floor", func(p *Params) {
			p.R0Annual, p.TargetRateAnnual, p.SigmaAnnualPerSqrtYear = 0.005, 0, 0.03
		}},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sc := testScenarios(t, func(p *Params) { p.Scenarios = 200; c.mutate(p) })
			fast, slow := NewEvaluator(sc), NewEvaluator(sc)
			slow.oneByOne = true
			r := rand.New(rand.NewPCG(uint64(ci), 11))
			loans := mixedPortfolio(12)
			for k := range 80 {
				l := randomVariableLoan(r, k)
				if k%4 == 0 { // a zero spread: at the floor the rate is 0
					l.Index, l.MarginAnnual = loan.SOFR, 0
				}
				loans = append(loans, l)
			}
			for _, l := range loans {
				a, err := fast.Evaluate(&l)
				if err != nil {
					t.Fatal(err)
				}
				a.Losses = slices.Clone(a.Losses)
				b, err := slow.Evaluate(&l)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("loan %s: with monthlyBatch %+v, one by one %+v", l.ID, a, b)
				}
			}
		})
	}
}

// batchMayRefuse reports whether monthlyBatch may leave scenario s of the
// prepared loan to walkHazard (ev.cur holds walk's path): an irregular
// scenario, a first reset that keeps today's rate, a payment ratio beyond
// the power table, or, in a batch that did not track affordability, a
// payment over the cap.
func batchMayRefuse(ev *Evaluator, s int, peak float64, tracked bool) bool {
	ls := &ev.ln
	if !ev.sc.regular[s] || ev.sc.FedFunds(s, ev.resets[0])+ls.add == ls.rate0 || peak >= powTableMax {
		return true
	}
	for _, pc := range ev.cur {
		if !tracked && pc.pay > ls.aMax {
			return true
		}
	}
	return false
}

func TestResetsFollowTheLoanAgeAndRespectTheCaps(t *testing.T) {
	t.Parallel()
	// sigma = 0: the rate path is the ramp phi. The ARM is 40 months old with
	// 12-month resets, so its one reset in the horizon is at month 9 (age 48),
	// to SOFR phi(9) + 2.5%, within the caps.
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20; p.SigmaAnnualPerSqrtYear = 0 })
	p := sc.Params()
	cases := []struct {
		name     string
		periodic float64
		lifetime float64
	}{
		{"the periodic cap limits the reset to +2%", 0.02, 0.05},
		{"the lifetime cap limits it to +1%", 0.02, 0.01},
		{"without caps the rate follows the index", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l := creARM("C1", 3)
			l.PeriodicCapAnnual, l.LifetimeCapAnnual = c.periodic, c.lifetime
			want := p.Phi(9) + l.MarginAnnual
			if c.periodic > 0 {
				want = math.Min(want, l.RateAnnual+c.periodic)
			}
			if c.lifetime > 0 {
				want = math.Min(want, l.RateAnnual+c.lifetime)
			}
			a0 := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
			bal8 := Balance(l.BalanceUSD, l.RateAnnual, a0, 8)
			shock := Payment(bal8, want, l.RemainingMonths-8) / a0
			r := evaluate(t, sc, l)
			if math.Abs(r.PaymentShockMax-shock) > 1e-9 || math.Abs(r.PaymentShockMean-shock) > 1e-9 {
				t.Errorf("payment shock %v (max %v), want %v at rate %v", r.PaymentShockMean, r.PaymentShockMax, shock, want)
			}
		})
	}
	t.Run("a monthly prime line pays prime plus margin on the drawn balance", func(t *testing.T) {
		t.Parallel()
		l := commercialLine("C2", 3, 0.01)
		l.NOIAnnualUSD = 1e9 // keep the DSCR trigger out of it
		r := evaluate(t, sc, l)
		// The line is 6 months old: every month resets; the peak is month 12.
		want := (p.Phi(12) + p.PrimeSpreadAnnual + 0.01) / l.RateAnnual
		if math.Abs(r.PaymentShockMax-want) > 1e-9 {
			t.Errorf("peak payment ratio %v, want %v", r.PaymentShockMax, want)
		}
	})
}

func TestAffordRunsAcrossPieces(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		run                    int
		over                   bool
		start, end, need       int
		wantRun, wantTrigMonth int
	}{
		{"an affordable piece resets the run", 2, false, 4, 9, 3, 0, 0},
		{"a long unaffordable piece triggers in its third month", 0, true, 4, 9, 3, 6, 6},
		{"a run carried over triggers early in the next piece", 2, true, 5, 5, 3, 3, 5},
		{"a short piece only extends the run", 0, true, 5, 6, 3, 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run, trig := afford(c.run, c.over, c.start, c.end, c.need)
			if run != c.wantRun || trig != c.wantTrigMonth {
				t.Errorf("afford = (%d, %d), want (%d, %d)", run, trig, c.wantRun, c.wantTrigMonth)
			}
		})
	}
}
