package model

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// refAnnuity is the textbook payment A = P*i / (1 - (1+i)^-n) with the most
// accurate library pieces (math.Log1p, math.Expm1: within an ulp each), the
// reference the fast kernel is held to.
func refAnnuity(principal, i float64, n int) float64 {
	if i == 0 {
		return principal / float64(n)
	}
	return principal * i / -math.Expm1(-float64(n)*math.Log1p(i))
}

// refMonth is the reference path's state in one month.
type refMonth struct {
	pay, bal float64 // payment of the month and balance at its start
}

// refPath is a straightforward month-by-month implementation of MODEL.md's
// payment path on scenario s: reset when the loan age is a multiple of
// reset_months, to index + margin within the caps (math.Min/Max), floored at
// 0; on a change of rate, re-amortise the balance over the remaining term
// (interest only: balance times rate); the balance follows the monthly
// recursion B' = B*(1+i) - A, in 256-bit math/big arithmetic so that the
// reference itself does not lose digits where float64 would cancel. It
// returns A(0) and the months 1..n.
func refPath(sc *Scenarios, l *loan.Loan, s int) (float64, []refMonth) {
	p := sc.Params()
	io := l.InterestOnly || l.Segment == loan.CommercialLine
	n := min(l.RemainingMonths, sc.HorizonMonths())
	rate, bal := l.RateAnnual, l.BalanceUSD
	pay := bal * rate / 12
	if !io {
		pay = refAnnuity(bal, rate/12, l.RemainingMonths)
	}
	a0 := pay
	ceil := math.Inf(1)
	if l.LifetimeCapAnnual > 0 {
		ceil = l.RateAnnual + l.LifetimeCapAnnual
	}
	age := l.TermMonths - l.RemainingMonths
	out := make([]refMonth, n)
	exact := new(big.Float).SetPrec(256).SetFloat64(bal)
	factor, tmp := new(big.Float).SetPrec(256), new(big.Float).SetPrec(256)
	for t := 1; t <= n; t++ {
		bal, _ = exact.Float64()
		if a := age + t - 1; l.RateType == loan.Variable && a > 0 && a%l.ResetMonths == 0 {
			idx := sc.FedFunds(s, t)
			if l.Index == loan.Prime {
				idx += p.PrimeSpreadAnnual
			}
			nr := idx + l.MarginAnnual
			if c := l.PeriodicCapAnnual; c > 0 {
				nr = math.Min(math.Max(nr, rate-c), rate+c)
			}
			nr = math.Max(0, math.Min(nr, ceil))
			if nr != rate {
				rate = nr
				if io {
					pay = bal * rate / 12
				} else {
					pay = refAnnuity(bal, rate/12, l.RemainingMonths-(t-1))
				}
			}
		}
		out[t-1] = refMonth{pay: pay, bal: bal}
		if !io { // B' = B*(1 + rate/12) - A
			factor.SetFloat64(rate)
			factor.Quo(factor, tmp.SetInt64(12))
			factor.Add(factor, tmp.SetInt64(1))
			exact.Mul(exact, factor)
			exact.Sub(exact, tmp.SetFloat64(pay))
		}
	}
	return a0, out
}

// randomVariableLoan is a valid variable-rate loan with random terms: prime
// monthly resets (amortising or interest only) or SOFR ARMs with caps, any
// age, margins across the allowed range (negative ones included).
func randomVariableLoan(r *rand.Rand, k int) loan.Loan {
	term := 12 + r.IntN(349)
	l := loan.Loan{
		ID: fmt.Sprintf("R%05d", k), Segment: loan.PersonalUnsecured, RateType: loan.Variable,
		Index: loan.Prime, ResetMonths: 1, TermMonths: term, RemainingMonths: 1 + r.IntN(term),
		AmountUSD: 1e6, BalanceUSD: 1000 + r.Float64()*900_000,
		MarginAnnual: math.Round((loan.MinMarginAnnual+r.Float64()*(loan.MaxMarginAnnual-loan.MinMarginAnnual))*1e4) / 1e4,
		RateAnnual:   0.02 + 0.15*r.Float64(), CreditScore: 500 + r.IntN(300),
		IncomeAnnualUSD: 1e9, OriginationDate: "2020-01-01",
	}
	switch r.IntN(4) {
	case 0:
		l.InterestOnly = true
	case 1:
		l.Segment, l.Index, l.ResetMonths = loan.CommercialRealEstate, loan.SOFR, 1+r.IntN(24)
		l.PeriodicCapAnnual, l.LifetimeCapAnnual = 0.005*float64(r.IntN(5)), 0.01*float64(r.IntN(6))
		l.CreditScore, l.RiskGrade, l.NOIAnnualUSD, l.CollateralValueUSD = 0, 1+r.IntN(10), 1e10, 2e6
	case 2:
		l.Index = loan.SOFR
	}
	return l
}

// TestKernelMatchesTheExactAnnuity holds the evaluator's payment path (walk,
// and through TestWalkHazardMatchesWalk the hot loop walkHazard) to the
// straightforward reference refPath: every payment within 1e-13 relative
// and every balance within 1e-12 of today's balance, over random loans and rate paths, including rate paths
// that hit the floor at 0 and rates beyond the fast logarithm's range.
func TestKernelMatchesTheExactAnnuity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Params)
	}{
		{"at the default stress", func(p *Params) {}},
		{"when rates fall to the floor", func(p *Params) {
			p.R0Annual, p.TargetRateAnnual, p.SigmaAnnualPerSqrtYear = 0.005, 0, 0.03
		}},
		{"when rates rise beyond the fast logarithm's range", func(p *Params) {
			p.TargetRateAnnual, p.SigmaAnnualPerSqrtYear = 0.45, 0.05
		}},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sc := testScenarios(t, func(p *Params) {
				p.Scenarios, p.HorizonMonths = 40, 36
				c.mutate(p)
			})
			ev := NewEvaluator(sc)
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			var worst float64
			for k := range 300 {
				l := randomVariableLoan(r, k)
				if err := l.Validate(); err != nil {
					t.Fatalf("test loan invalid: %v", err)
				}
				if err := ev.prepare(&l); err != nil {
					t.Fatal(err)
				}
				for s := range sc.Len() {
					a0, months := refPath(sc, &l, s)
					if d := math.Abs(ev.ln.a0/a0 - 1); d > 1e-12 {
						t.Fatalf("loan %s: A(0) = %.17g, reference %.17g", l.ID, ev.ln.a0, a0)
					}
					var peak float64
					ev.cur, _, peak = ev.walk(s, ev.cur)
					refPeak := 1.0
					for _, pc := range ev.cur {
						for m := pc.start; m <= pc.end; m++ {
							ref := months[m-1]
							refPeak = max(refPeak, ref.pay/a0)
							d := math.Abs(pc.pay/ref.pay - 1)
							worst = max(worst, d)
							if d > 1e-13 {
								t.Fatalf("loan %+v scenario %d month %d: payment %.17g, reference %.17g", l, s, m, pc.pay, ref.pay)
							}
						}
						// Balances can end near 0: relative to the loan's balance today.
						if d := math.Abs(pc.bal-months[pc.start-1].bal) / l.BalanceUSD; d > 1e-12 {
							t.Fatalf("loan %s scenario %d month %d: balance %.17g, reference %.17g", l.ID, s, pc.start, pc.bal, months[pc.start-1].bal)
						}
					}
					if math.Abs(peak/refPeak-1) > 1e-12 {
						t.Fatalf("loan %s scenario %d: peak ratio %.17g, reference %.17g", l.ID, s, peak, refPeak)
					}
				}
			}
			t.Logf("largest relative payment difference from the reference: %.2g", worst)
		})
	}
}

func TestAnnuityFactorIsAccurateAcrossRatesAndTerms(t *testing.T) {
	t.Parallel()
	// Against refAnnuity; the short terms at low rates are where
	// 1 - (1+i)^-n cancels and a plain exp would lose digits.
	var worst float64
	for i := 1e-6; i < 0.1; i *= 1.07 {
		for _, n := range []int{1, 2, 3, 7, 12, 60, 359, 600} {
			want := refAnnuity(1, i, n)
			got := annuityFactor(i, n)
			d := math.Abs(got/want - 1)
			worst = max(worst, d)
			if d > 1e-15 {
				t.Fatalf("annuityFactor(%g, %d) = %.17g, reference %.17g", i, n, got, want)
			}
		}
	}
	t.Logf("largest relative difference: %.2g", worst)
}
