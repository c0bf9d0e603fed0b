package model

import (
	"errors"
	"math"
	"strings"
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

// someLoans are one loan of each kind the tests build.
func someLoans() []loan.Loan {
	return []loan.Loan{
		personalFixed("K1", 640), personalPrime("K2", 650, 0.04), autoLoan("K3", 700), commercialLine("K4", 5, 0.01),
		creARM("K5", 4), commercialTermFixed("K6", 6, 200_000), cardFixed("K7", 680), cardPrime("K8", 660, 0.12),
		mortgageFixed("K9", 720, 0.78), mortgageARM("K10", 700, 0.85), homeEquityLine("K11", 690),
		creBalloon("K12", 5, 10, 2_000_000*0.065*1.2),
	}
}

// MODEL.md section 6: every volatility 0 and targetRate = r0: stressed PD
// equals baseline PD, for every kind of loan.
func TestWithoutStressTheStressedPDIsTheBaselinePD(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 300; zeroVol(p); p.TargetRateAnnual = p.R0Annual })
	for _, l := range someLoans() {
		r := evaluate(t, sc, l)
		if r.StressedPD != r.BaselinePD || r.DeltaPD != 0 {
			t.Errorf("%s %s: stressed %v, baseline %v", l.ID, l.Segment, r.StressedPD, r.BaselinePD)
		}
		if math.Abs(r.PaymentShockMean-1) > 1e-12 {
			t.Errorf("%s %s: payment shock %v, want 1", l.ID, l.Segment, r.PaymentShockMean)
		}
		if !(r.StressedPD > 0 && r.StressedPD < 1) {
			t.Errorf("%s %s: PD %v, want in (0, 1): no certain defaults", l.ID, l.Segment, r.StressedPD)
		}
	}
}

// deterministicGap is g(t) of the zero-volatility stress path.
func deterministicGap(p Params, months int) []float64 {
	g := make([]float64, months+1)
	for t := 1; t <= months; t++ {
		g[t] = g[t-1] + (p.Phi(t)-p.R0Annual-g[t-1])/p.TransmissionMonths
	}
	return g
}

// MODEL.md section 6: every volatility 0 and targetRate = 8%: a fixed-rate
// card, auto and mortgage loan each has stressed PD above baseline by
// exactly the factor the unemployment and LTV terms give. The expected PDs
// are recomputed here from the equations, scenario by scenario: the
// hazard h0 exp(eta (u-u0)) exp(etaLTV max(0, LTV-0.8)) exp(b e - b^2/2)
// with u - u0 = betaU g and the house price exp(-betaH g) (stressed), or 0
// and 1 (baseline).
func TestFixedRateLoansFeelTheStressThroughUnemploymentAndLTV(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000; zeroVol(p) })
	p := sc.Params()
	H := sc.HorizonMonths()
	g := deterministicGap(p, H)
	for _, l := range []loan.Loan{cardFixed("E1", 680), autoLoan("E2", 650), mortgageFixed("E3", 700, 0.78)} {
		t.Run(string(l.Segment), func(t *testing.T) {
			t.Parallel()
			r := evaluate(t, sc, l)
			pd12, _ := p.PD12(&l)
			h0, b := MonthlyHazard(pd12), sc.Loading(l.Segment, pd12)
			eta := 100 * p.Eta(l.Segment)
			pay := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
			n := min(H, l.RemainingMonths)
			var wantS, wantB, ltvMax float64
			for s := range sc.Len() {
				var lamS, lamB float64
				for month := 1; month <= n; month++ {
					m := math.Exp(b*sc.CreditCycle(s, month) - b*b/2)
					stress := math.Exp(eta * p.BetaU * g[month])
					if l.Segment == loan.ResidentialMortgage {
						bal := Balance(l.BalanceUSD, l.RateAnnual, pay, month-1)
						ltv := bal / (l.CollateralValueUSD * math.Exp(-p.BetaH*g[month]))
						ltvMax = max(ltvMax, ltv)
						stress *= math.Exp(p.EtaLTV * max(0, ltv-p.LTVKnee))
						if bal/l.CollateralValueUSD > p.LTVKnee {
							t.Fatal("the baseline LTV should stay under the knee")
						}
					}
					lamS += h0 * stress * m
					lamB += h0 * m
				}
				wantS += -math.Expm1(-lamS)
				wantB += -math.Expm1(-lamB)
			}
			wantS /= float64(sc.Len())
			wantB /= float64(sc.Len())
			if math.Abs(r.StressedPD/wantS-1) > 1e-9 || math.Abs(r.BaselinePD/wantB-1) > 1e-9 {
				t.Errorf("stressed PD %.10f baseline %.10f, want %.10f and %.10f", r.StressedPD, r.BaselinePD, wantS, wantB)
			}
			// The unemployment term alone raises the hazard by
			// exp(eta betaU g(27)) at the end of the horizon.
			if f := math.Exp(eta * p.BetaU * g[H]); !(r.StressedPD > r.BaselinePD*1.05) || f < 1.1 {
				t.Errorf("stressed PD %v, baseline %v: the stress should raise it (end-of-horizon factor %v)", r.StressedPD, r.BaselinePD, f)
			}
			if l.Segment == loan.ResidentialMortgage && ltvMax <= p.LTVKnee {
				t.Errorf("stressed LTV peaks at %v: the test mortgage should cross the knee", ltvMax)
			}
		})
	}
}

func TestStressRaisesEveryKindOfLoansPD(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 1000 })
	for _, l := range someLoans() {
		r := evaluate(t, sc, l)
		if !(r.StressedPD > r.BaselinePD) {
			t.Errorf("%s %s: stressed %v baseline %v", l.ID, l.Segment, r.StressedPD, r.BaselinePD)
		}
		if l.RateType == loan.Variable && !(r.PaymentShockMean > 1.01) && l.Segment != loan.ResidentialMortgage {
			t.Errorf("%s %s: payment shock %v", l.ID, l.Segment, r.PaymentShockMean)
		}
	}
}

// pdOver evaluates the loans built by mk for each value, each on the
// scenarios built with mutate(value), and checks the stressed PDs do not
// decrease and rise overall.
func pdOver(t *testing.T, name string, values []float64, mutate func(*Params, float64), mk func(float64) loan.Loan) {
	t.Helper()
	var pds []float64
	for _, v := range values {
		sc := testScenarios(t, func(p *Params) { p.Scenarios = 400; mutate(p, v) })
		pds = append(pds, evaluate(t, sc, mk(v)).StressedPD)
	}
	for i := 1; i < len(pds); i++ {
		if pds[i] < pds[i-1] {
			t.Errorf("%s: PD %v at %v below %v at %v", name, pds[i], values[i], pds[i-1], values[i-1])
		}
	}
	if !(pds[len(pds)-1] > pds[0]) {
		t.Errorf("%s: PD %v at %v not above %v at %v: the channel is off", name, pds[len(pds)-1], values[len(values)-1], pds[0], values[0])
	}
}

// MODEL.md section 6: PD is non-decreasing in the target rate, margin,
// gamma, LTV and beta_u.
func TestPDIsNonDecreasingInTheStressChannels(t *testing.T) {
	t.Parallel()
	none := func(*Params, float64) {}
	t.Run("in the target rate", func(t *testing.T) {
		t.Parallel()
		for _, l := range []loan.Loan{personalPrime("M1", 620, 0.05), commercialLine("M2", 7, 0.015), creARM("M3", 6),
			cardFixed("M4", 640), autoLoan("M5", 640), mortgageFixed("M6", 680, 0.78), creBalloon("M7", 6, 12, 2_000_000*0.065*1.3)} {
			pdOver(t, l.ID+" "+string(l.Segment), []float64{0.0433, 0.05, 0.06, 0.08, 0.10, 0.12},
				func(p *Params, v float64) { p.TargetRateAnnual = v }, func(float64) loan.Loan { return l })
		}
	})
	t.Run("in the margin", func(t *testing.T) {
		t.Parallel()
		for _, l := range []loan.Loan{personalPrime("M1", 620, 0.05), commercialLine("M2", 7, 0.015), creARM("M3", 6), cardPrime("M8", 640, 0.1)} {
			pdOver(t, l.ID+" "+string(l.Segment), []float64{0, 0.005, 0.01, 0.02, 0.04}, none, func(dm float64) loan.Loan {
				m := l
				m.MarginAnnual += dm // today's rate unchanged: only future resets price higher
				return m
			})
		}
	})
	t.Run("in gamma", func(t *testing.T) {
		t.Parallel()
		for _, l := range []loan.Loan{personalPrime("M1", 620, 0.05), commercialLine("M2", 7, 0.015), creARM("M3", 6)} {
			// sigma = 0: every stressed payment is at least today's, so a
			// larger elasticity can only raise the hazard.
			pdOver(t, l.ID+" "+string(l.Segment), []float64{0, 0.5, 1.15, 2, 3},
				func(p *Params, v float64) { p.Gamma = v; p.SigmaAnnualPerSqrtYear = 0 }, func(float64) loan.Loan { return l })
		}
	})
	t.Run("in LTV", func(t *testing.T) {
		t.Parallel()
		ltvs := []float64{0.5, 0.7, 0.8, 0.9, 1.0, 1.2}
		pdOver(t, "mortgage", ltvs, none, func(v float64) loan.Loan { return mortgageFixed("M9", 700, v) })
		pdOver(t, "home equity", ltvs, none, func(v float64) loan.Loan {
			l := homeEquityLine("M10", 700)
			l.CollateralValueUSD = l.BalanceUSD / v
			return l
		})
		pdOver(t, "CRE", ltvs, none, func(v float64) loan.Loan {
			l := creBalloon("M11", 5, 40, 2_000_000*0.065*1.6)
			l.CollateralValueUSD = l.BalanceUSD / v
			return l
		})
	})
	t.Run("in beta_u", func(t *testing.T) {
		t.Parallel()
		for _, l := range []loan.Loan{cardFixed("M12", 660), autoLoan("M13", 660), commercialTermFixed("M14", 5, 0)} {
			// sigma = 0: the rate gap g is positive in every scenario.
			pdOver(t, l.ID+" "+string(l.Segment), []float64{0, 0.25, 0.5, 1, 2},
				func(p *Params, v float64) { p.BetaU = v; p.SigmaAnnualPerSqrtYear = 0 }, func(float64) loan.Loan { return l })
		}
	})
}

// MODEL.md section 6: LGD is non-increasing in the price index.
func TestLGDIsNonIncreasingInThePriceIndex(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	for _, seg := range []loan.Segment{loan.ResidentialMortgage, loan.HomeEquity, loan.CommercialRealEstate} {
		prev := 2.0
		for idx := 0.3; idx <= 1.6; idx += 0.01 {
			lgd := p.LGD(seg, 1_000_000, 700_000, idx, 6)
			if lgd > prev {
				t.Fatalf("%s: LGD %v at index %v above %v at a lower index", seg, lgd, idx, prev)
			}
			prev = lgd
		}
		if lo, hi := p.LGD(seg, 1_000_000, 700_000, 1.5, 6), p.LGD(seg, 1_000_000, 700_000, 0.5, 6); !(hi > lo) {
			t.Errorf("%s: LGD %v at index 0.5 not above %v at 1.5: the channel is off", seg, hi, lo)
		}
	}
	// Known values: floors and formulas of MODEL.md.
	for _, c := range []struct {
		seg       loan.Segment
		coll, ead float64
		idx       float64
		t         int
		want      float64
	}{
		{loan.ResidentialMortgage, 100, 90, 0.9, 0, 1 - 0.75*100*0.9/90},
		{loan.ResidentialMortgage, 200, 90, 1, 0, 0.10},
		{loan.CommercialRealEstate, 100, 80, 0.8, 0, 0.25},
		{loan.CommercialRealEstate, 300, 80, 1, 0, 0.15},
		{loan.PersonalAuto, 20_000, 18_000, 1, 12, math.Max(0.3, 1-0.7*20_000*math.Pow(0.985, 12)/18_000)},
		{loan.PersonalAuto, 40_000, 18_000, 1, 0, 0.30},
		{loan.PersonalUnsecured, 0, 1000, 1, 3, 0.85},
		{loan.CreditCard, 0, 1000, 1, 3, 0.90},
		{loan.CommercialTerm, 0, 1000, 1, 3, 0.45},
		{loan.CommercialTerm, 500, 1000, 1, 3, 0.35},
	} {
		if got := p.LGD(c.seg, c.coll, c.ead, c.idx, c.t); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s LGD(%v, %v, %v, %d) = %v, want %v", c.seg, c.coll, c.ead, c.idx, c.t, got, c.want)
		}
	}
}

// MODEL.md section 6: a balloon CRE loan at DSCR 1.0 on refinancing fails
// with probability 1.5 x (1.25 - 1.0) = 0.375. The interest-only loan owes
// its balance at the balloon; with every volatility 0 and the target at r0
// the refinancing rate is today's, and the NOI pays exactly the new
// 25-year annuity.
func TestBalloonCREAtDSCROneFailsToRefinanceWithProbability0375(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 4000; zeroVol(p); p.TargetRateAnnual = p.R0Annual })
	p := sc.Params()
	l := creBalloon("B1", 4, 10, 0)
	l.NOIAnnualUSD = 12 * Payment(l.BalanceUSD, l.RateAnnual, p.RefiAmortMonths)
	r := evaluate(t, sc, l)
	if math.Abs(r.RefiFailProb-0.375) > 1e-9 {
		t.Errorf("refinancing failure probability %v, want 0.375", r.RefiFailProb)
	}
	// Without the refinancing test (kDSCR = 0, the same paths) the PD is
	// the hazard's alone.
	haz := evaluate(t, testScenarios(t, func(p *Params) {
		p.Scenarios = 4000
		zeroVol(p)
		p.TargetRateAnnual = p.R0Annual
		p.RefiKDSCR = 0
	}), l).StressedPD
	if want := haz + (1-haz)*0.375; math.Abs(r.StressedPD-want) > 1e-9 {
		t.Errorf("PD %v, want %v: hazard %v then a 37.5%% refinancing failure", r.StressedPD, want, haz)
	}
	atBalloon := 0
	for _, d := range r.Losses {
		if d.Month == 10 {
			atBalloon++
			if want := int64(math.Round(l.BalanceUSD * p.LGD(l.Segment, l.CollateralValueUSD, l.BalanceUSD, 1, 10) * 100)); d.Cents != want {
				t.Fatalf("loss at the balloon %d cents, want %d", d.Cents, want)
			}
		}
	}
	if se := math.Sqrt(0.375 * 0.625 / 4000); math.Abs(float64(atBalloon)/4000-(1-haz)*0.375) > 4.5*se+haz {
		t.Errorf("%d of 4000 scenarios defaulted at the balloon, want about %.0f", atBalloon, 4000*0.375)
	}
	// A comfortable DSCR refinances.
	l.NOIAnnualUSD *= 1.5
	if r := evaluate(t, sc, l); r.RefiFailProb != 0 {
		t.Errorf("DSCR 1.5: refinancing failure probability %v, want 0", r.RefiFailProb)
	}
}

func TestRefinancingFailsMoreUnderTheRateStress(t *testing.T) {
	t.Parallel()
	l := creBalloon("B2", 4, 20, 2_000_000*0.065*1.35)
	base := evaluate(t, testScenarios(t, func(p *Params) { p.Scenarios = 500; p.TargetRateAnnual = p.R0Annual }), l)
	stress := evaluate(t, testScenarios(t, func(p *Params) { p.Scenarios = 500 }), l)
	if !(stress.RefiFailProb > base.RefiFailProb+0.05) {
		t.Errorf("refinancing failure %v under 8%%, %v without stress", stress.RefiFailProb, base.RefiFailProb)
	}
}

// The v1 cliffs are gone: a commercial line whose DSCR is below the knee
// today and a personal loan above its DTI cap do not default with
// certainty; the DTI breach is reported.
func TestAffordabilityIsSmoothWithoutCertainDefaults(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 500; zeroVol(p); p.TargetRateAnnual = p.R0Annual })
	p := sc.Params()
	line := commercialLine("A1", 5, 0.01)
	comfortable := evaluate(t, sc, line)
	line.NOIAnnualUSD = 0.8 * 12 * line.BalanceUSD * line.RateAnnual / 12 // DSCR 0.8
	tight := evaluate(t, sc, line)
	if want := comfortable.StressedPD * math.Exp(p.EtaDSCR*(p.DSCRKnee-0.8)); !(tight.StressedPD < 1) || math.Abs(tight.StressedPD/want-1) > 0.05 {
		t.Errorf("line at DSCR 0.8: PD %v, want about %v (exp(3 x 0.45) times %v)", tight.StressedPD, want, comfortable.StressedPD)
	}
	pl := personalFixed("A2", 700)
	ok := evaluate(t, sc, pl)
	pl.IncomeAnnualUSD = 12 * 500 // DTI far above the cap
	over := evaluate(t, sc, pl)
	if over.StressedPD != ok.StressedPD || !over.DTIOverCap || ok.DTIOverCap {
		t.Errorf("DTI over cap: PD %v (vs %v), reported %v (vs %v)", over.StressedPD, ok.StressedPD, over.DTIOverCap, ok.DTIOverCap)
	}
}

// EAD with credit conversion factors on the credit limit; LGD at the
// default month from the scenario's price index.
func TestLossesUseTheEADAndTheLGDAtTheDefaultMonth(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000 })
	p := sc.Params()
	t.Run("a card's exposure is drawn plus 60% of undrawn and it loses 90%", func(t *testing.T) {
		t.Parallel()
		l := cardFixed("D1", 560)
		r := evaluate(t, sc, l)
		ead := 4000 + 0.6*6000.0
		if r.EADUSD != ead || r.LGD != 0.9 || len(r.Losses) == 0 {
			t.Fatalf("EAD %v LGD %v defaults %d", r.EADUSD, r.LGD, len(r.Losses))
		}
		for _, d := range r.Losses {
			if d.Cents != int64(math.Round(ead*0.9*100)) {
				t.Fatalf("card loss %d cents, want %v", d.Cents, ead*0.9*100)
			}
		}
	})
	t.Run("a line's exposure is drawn plus 40% of undrawn", func(t *testing.T) {
		t.Parallel()
		l := commercialLine("D2", 10, 0.01)
		l.CreditLimitUSD = 300_000
		r := evaluate(t, sc, l)
		want := l.BalanceUSD + p.CCFLine*(300_000-l.BalanceUSD)
		if r.EADUSD != want {
			t.Errorf("EAD %v, want %v", r.EADUSD, want)
		}
		for _, d := range r.Losses {
			if d.Cents != int64(math.Round(want*0.45*100)) {
				t.Fatalf("line loss %d cents, want %v", d.Cents, want*0.45*100)
			}
		}
	})
	t.Run("a mortgage loses against the house price of its scenario and month", func(t *testing.T) {
		t.Parallel()
		l := mortgageFixed("D3", 560, 0.95)
		r := evaluate(t, sc, l)
		if len(r.Losses) < 20 {
			t.Fatalf("%d defaults", len(r.Losses))
		}
		pay := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
		for _, d := range r.Losses {
			ead := Balance(l.BalanceUSD, l.RateAnnual, pay, d.Month-1)
			want := math.Round(ead * p.LGD(l.Segment, l.CollateralValueUSD, ead, sc.HPI(d.Scenario, d.Month), d.Month) * 100)
			if math.Abs(float64(d.Cents)-want) > 1 {
				t.Fatalf("scenario %d month %d: loss %d cents, want %.0f", d.Scenario, d.Month, d.Cents, want)
			}
		}
		if r.LGDDefaultMean <= r.LGD {
			t.Errorf("mean LGD at default %v not above today's %v: house prices fall under the stress", r.LGDDefaultMean, r.LGD)
		}
	})
	t.Run("an auto loan loses against its depreciated value", func(t *testing.T) {
		t.Parallel()
		l := autoLoan("D4", 560)
		r := evaluate(t, sc, l)
		pay := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
		for _, d := range r.Losses {
			ead := Balance(l.BalanceUSD, l.RateAnnual, pay, d.Month-1)
			want := math.Round(ead * p.LGD(l.Segment, l.CollateralValueUSD, ead, 1, d.Month) * 100)
			if math.Abs(float64(d.Cents)-want) > 1 {
				t.Fatalf("scenario %d month %d: loss %d cents, want %.0f", d.Scenario, d.Month, d.Cents, want)
			}
		}
	})
	t.Run("expected loss is PD x EAD x LGD", func(t *testing.T) {
		t.Parallel()
		r := evaluate(t, sc, personalFixed("D5", 600))
		if want := r.StressedPD * r.EADUSD * r.LGD; r.ExpectedLossUSD != want {
			t.Errorf("expected loss %v, want %v", r.ExpectedLossUSD, want)
		}
	})
}

// The PD interval is mean +- 1.96 sd(PD_s)/sqrt(S), never of zero width
// while the PD varies across scenarios. The per-scenario PDs come from an
// Evaluator that computes each (noSums, on scenarios of its own, so no
// memo skips them); a loan that takes the margin grid's interpolated sums
// agrees to their error (1e-9 of a PD), every other exactly.
func TestStressedPDIntervalIsTheMonteCarloInterval(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 1000 })
	sums := 0
	for _, l := range someLoans() {
		ev, ref := NewEvaluator(sc), NewEvaluator(testScenarios(t, func(p *Params) { p.Scenarios = 1000 }))
		ref.noSums = true
		r, err := ev.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Evaluate(&l); err != nil {
			t.Fatal(err)
		}
		tol := 1e-12
		if ev.ln.gridSums {
			tol, sums = 1e-9, sums+1
		}
		m, v := meanVar(ref.pdS)
		half := 1.959963984540054 * math.Sqrt(v/float64(sc.Len()))
		if math.Abs(m-r.StressedPD) > tol || math.Abs(r.StressedPDLow-max(0, m-half)) > tol || math.Abs(r.StressedPDHigh-min(1, m+half)) > tol {
			t.Errorf("%s: [%v, %v] around %v, want %v +- %v", l.ID, r.StressedPDLow, r.StressedPDHigh, r.StressedPD, m, half)
		}
		if !(r.StressedPDHigh > r.StressedPDLow) {
			t.Errorf("%s: zero-width interval", l.ID)
		}
	}
	if sums == 0 {
		t.Error("no loan took the margin grid's sums")
	}
}

// MODEL.md section 4: the importance-sampling weighted mean equals the
// plain mean within error, for the PD and for the scenario loss.
func TestTailShiftWeightedMeansEqualThePlainMeans(t *testing.T) {
	t.Parallel()
	const S = 20_000
	plain := testScenarios(t, func(p *Params) { p.Scenarios = S })
	shifted := testScenarios(t, func(p *Params) { p.Scenarios = S; p.Seed += 7; p.TailShift = 0.25 })
	for _, l := range []loan.Loan{cardFixed("I1", 620), personalPrime("I2", 600, 0.05), creBalloon("I3", 7, 12, 2_000_000*0.065*1.3)} {
		stats := func(sc *Scenarios) (pd, pdSE, loss, lossSE float64) {
			ev := NewEvaluator(sc)
			r, err := ev.Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			pd = r.StressedPD
			pdSE = (r.StressedPDHigh - r.StressedPDLow) / (2 * 1.959963984540054)
			x := make([]float64, sc.Len())
			for _, d := range r.Losses {
				x[d.Scenario] = float64(d.Cents)
			}
			var w, wx float64
			for s := range x {
				w += sc.Weight(s)
				wx += sc.Weight(s) * x[s]
			}
			loss = wx / w
			var ss float64
			for s := range x {
				d := sc.Weight(s) * (x[s] - loss)
				ss += d * d
			}
			return pd, math.Sqrt(ss) / w, loss, math.Sqrt(ss) / w
		}
		pd0, se0, l0, lse0 := stats(plain)
		pd1, se1, l1, lse1 := stats(shifted)
		if se := math.Hypot(se0, se1); math.Abs(pd1-pd0) > 4.5*se {
			t.Errorf("%s: weighted PD %v, plain %v (%.1f standard errors)", l.ID, pd1, pd0, (pd1-pd0)/se)
		}
		if se := math.Hypot(lse0, lse1); math.Abs(l1-l0) > 4.5*se {
			t.Errorf("%s: weighted mean loss %v cents, plain %v (%.1f standard errors)", l.ID, l1, l0, (l1-l0)/se)
		}
	}
}

// Over a year, without stress and with the payment unchanged, the
// simulated PD is the input one-year PD: exp(b e - b^2/2) has mean one.
func TestWithoutStressTheSimulatedPDIsTheInputPD(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) {
		p.Scenarios = 40_000
		p.HorizonMonths = 12
		zeroVol(p)
		p.TargetRateAnnual = p.R0Annual
	})
	p := sc.Params()
	for _, l := range []loan.Loan{personalFixed("P1", 700), commercialTermFixed("P2", 7, 0), personalFixed("P3", 760), cardFixed("P4", 640)} {
		l.RemainingMonths = 40 // beyond the horizon: 12 months at risk
		ev := NewEvaluator(sc)
		r, err := ev.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		pd12, _ := p.PD12(&l)
		_, v := meanVar(ev.pdS)
		se := math.Sqrt(v / float64(sc.Len()))
		if math.Abs(r.StressedPD-pd12) > 4.5*se+0.01*pd12 { // 1%: Jensen's concavity of 1 - exp(-x)
			t.Errorf("%s: simulated PD %.5f, input %.5f (%.1f standard errors)", l.Segment, r.StressedPD, pd12, (r.StressedPD-pd12)/se)
		}
		S := float64(sc.Len())
		freq := float64(r.DefaultDraws) / S
		if bse := math.Sqrt(pd12 * (1 - pd12) / S); math.Abs(freq-r.StressedPD) > 4.5*bse {
			t.Errorf("%s: default frequency %.5f, PD %.5f (%.1f standard errors)", l.Segment, freq, r.StressedPD, (freq-r.StressedPD)/bse)
		}
	}
}

func TestAverageBalanceIsTheRunOffScheduledBalance(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 10 })
	H := sc.HorizonMonths()
	l := personalFixed("G1", 700) // 48 months left: amortises over the whole horizon
	pay := Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
	var want float64
	for month := 1; month <= H; month++ {
		want += Balance(l.BalanceUSD, l.RateAnnual, pay, month-1)
	}
	want /= float64(H)
	if r := evaluate(t, sc, l); math.Abs(r.AvgBalanceUSD/want-1) > 1e-9 {
		t.Errorf("average balance %v, want %v", r.AvgBalanceUSD, want)
	}
	b := creBalloon("G2", 5, 9, 200_000)
	if r := evaluate(t, sc, b); math.Abs(r.AvgBalanceUSD-b.BalanceUSD*9/float64(H)) > 1e-6 {
		t.Errorf("balloon at month 9: average balance %v, want %v", r.AvgBalanceUSD, b.BalanceUSD*9/float64(H))
	}
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

func TestResetsFollowTheLoanAgeAndRespectTheCaps(t *testing.T) {
	t.Parallel()
	// sigma = 0: the rate path is the ramp phi. The ARM is 40 months old with
	// 12-month resets, so its one reset in the horizon is at month 9 (age 48),
	// to SOFR phi(9) + 2.5%, within the caps.
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20; p.HorizonMonths = 12; p.SigmaAnnualPerSqrtYear = 0 })
	p := sc.Params()
	cases := []struct {
		name     string
		periodic float64
		lifetime float64
	}{
		{"the periodic cap limits the reset to +2%", 0.02, 0.05},
		{"the lifetime cap limits it to +1%", 0.02, 0.01},
		{"without caps the rate follows the index", 0, 0},
		{"a rate ceiling limits it to 7.5%", 0, 0},
		{"origination rate plus lifetime cap limits it to 7%", 0, 0.02},
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
			switch {
			case strings.Contains(c.name, "ceiling"):
				l.RateCeilingAnnual = 0.075
				want = 0.075
			case strings.Contains(c.name, "origination"):
				l.OriginationRateAnnual = 0.05
				want = 0.07
			case c.lifetime > 0:
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

// monthlyReset is resetBatch for monthly-reset loans without caps, in
// loops the CPU overlaps; both follow the same equations.
func TestMonthlyResetAgreesWithTheGenericReset(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 700 })
	for _, l := range []loan.Loan{personalPrime("R1", 620, 0.05), personalPrime("R2", 700, 0), commercialLine("R3", 6, 0.01),
		cardPrime("R4", 640, 0.12), homeEquityLine("R5", 680)} {
		fast := NewEvaluator(sc)
		fast.noGrid = true // the card's margin grid has its own test
		slow := NewEvaluator(sc)
		slow.generic = true
		a, err := fast.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		if !fast.ln.monthly {
			t.Fatalf("%s does not take the monthly kernel", l.ID)
		}
		a.Losses = append([]ScenarioLoss(nil), a.Losses...)
		b, err := slow.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-12*math.Max(math.Abs(x), math.Abs(y)) }
		if !near(a.StressedPD, b.StressedPD) || !near(a.BaselinePD, b.BaselinePD) || !near(a.PaymentShockMean, b.PaymentShockMean) ||
			a.DefaultDraws != b.DefaultDraws {
			t.Errorf("%s: monthly %+v\ngeneric %+v", l.ID, a, b)
		}
		for k := range a.Losses {
			if a.Losses[k].Scenario != b.Losses[k].Scenario || a.Losses[k].Month != b.Losses[k].Month || math.Abs(float64(a.Losses[k].Cents-b.Losses[k].Cents)) > 1 {
				t.Fatalf("%s: loss %d: %+v vs %+v", l.ID, k, a.Losses[k], b.Losses[k])
			}
		}
	}
}

// fixedTermsPath reads the tables in the scenarios where a constant-payment
// loan stays clear of the knees and walks the others month by month; it
// follows walkBatch's equations.
func TestFixedTermsPathAgreesWithTheGenericWalk(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 700 })
	tight := commercialTermFixed("F4", 6, 0)
	tight.NOIAnnualUSD = 1.1 * 12 * Payment(tight.BalanceUSD, tight.RateAnnual, tight.RemainingMonths)
	// A prime loan whose next reset is after its balloon: it refinances at
	// prime plus margin.
	primeBalloon := creBalloon("F7", 6, 15, 2_000_000*0.09*1.2)
	primeBalloon.RateType, primeBalloon.Index, primeBalloon.MarginAnnual, primeBalloon.ResetMonths = loan.Variable, loan.Prime, 0.01, 120
	primeBalloon.RateAnnual = DefaultParams().R0Annual + DefaultParams().PrimeSpreadAnnual + 0.01
	for _, l := range []loan.Loan{mortgageFixed("F1", 700, 0.78), mortgageFixed("F2", 560, 0.95), tight, primeBalloon,
		creBalloon("F5", 5, 12, 2_000_000*0.065*1.3), creBalloon("F6", 8, 20, 2_000_000*0.065*1.05)} {
		fast := NewEvaluator(sc)
		slow := NewEvaluator(sc)
		slow.generic = true
		a, err := fast.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		if !fast.ln.fixedTerms {
			t.Fatalf("%s does not take fixedTermsPath", l.ID)
		}
		a.Losses = append([]ScenarioLoss(nil), a.Losses...)
		b, err := slow.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-12*math.Max(math.Abs(x), math.Abs(y)) }
		if !near(a.StressedPD, b.StressedPD) || !near(a.BaselinePD, b.BaselinePD) || !near(a.RefiFailProb, b.RefiFailProb) ||
			a.DefaultDraws != b.DefaultDraws || !near(a.StressedPDHigh, b.StressedPDHigh) {
			t.Errorf("%s: fixed-terms path %+v\ngeneric %+v", l.ID, a, b)
		}
		for k := range a.Losses {
			if a.Losses[k].Scenario != b.Losses[k].Scenario || a.Losses[k].Month != b.Losses[k].Month || math.Abs(float64(a.Losses[k].Cents-b.Losses[k].Cents)) > 1 {
				t.Fatalf("%s: loss %d: %+v vs %+v", l.ID, k, a.Losses[k], b.Losses[k])
			}
		}
	}
}

// A severely adverse scenario file (rates falling, unemployment to 10%,
// house prices -25%, CRE -40% over the horizon) raises the PD of every
// fixed-rate loan above its baseline (a variable loan's payment falls with
// the rates, which can offset the unemployment), and real-estate loans with
// thin equity lose more at default than today's LGD.
func TestAnAdverseScenarioFileRaisesEveryPD(t *testing.T) {
	t.Parallel()
	file := flatPath(27, 0.0433)
	for m := range file.FedFunds {
		f := math.Min(1, float64(m)/12)
		file.FedFunds[m] = 0.0433 - 0.04*f
		file.Prime[m] = file.FedFunds[m] + 0.03
		file.Mortgage[m] = file.FedFunds[m] + 0.025
		file.Unemployment[m] = 0.042 + 0.058*f
		file.HPI[m] = 1 - 0.25*f
		file.CRE[m] = 1 - 0.40*f
	}
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 1000; p.Scenario = file })
	for _, l := range someLoans() {
		r := evaluate(t, sc, l)
		if l.RateType == loan.Fixed && !(r.StressedPD > r.BaselinePD*1.2) {
			t.Errorf("%s %s: stressed %v, baseline %v", l.ID, l.Segment, r.StressedPD, r.BaselinePD)
		}
		if l.Segment.RealEstate() && len(r.Losses) > 0 && l.BalanceUSD/l.CollateralValueUSD > 0.55 && !(r.LGDDefaultMean > r.LGD) {
			t.Errorf("%s %s: LGD at default %v not above today's %v", l.ID, l.Segment, r.LGDDefaultMean, r.LGD)
		}
	}
}
