package model

import (
	"math"
	"slices"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func TestResetMonthsFollowFirstResetMonthOrTheLoanAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name              string
		age, reset, first int
		want              []int
	}{
		{"a 5/1 ARM two years old resets at month 37, then yearly", 24, 12, 37, []int{37, 49, 61}},
		{"without first_reset_month the same ARM resets at ages 24, 36, ...", 24, 12, 0, []int{1, 13, 25, 37, 49, 61}},
		{"a new loan does not reset at age 0", 0, 12, 0, []int{13, 25, 37, 49, 61}},
		{"a monthly loan with a six-month teaser", 0, 1, 6, []int{6, 7, 8}},
		{"a first reset past the horizon gives none", 24, 12, 70, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l := &loan.Loan{ResetMonths: c.reset, FirstResetMonth: c.first}
			var got []int
			for m := 1; m <= 64; m++ {
				if resetMonth(l, c.age, m) {
					got = append(got, m)
				}
			}
			if c.reset == 1 {
				got = got[:min(3, len(got))]
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("resets at months %v, want %v", got, c.want)
			}
		})
	}
}

// hybridARM is a 5/1 ARM 24 months old, still at its 3% start rate: its
// first reset, at loan age 60, is month 37.
func hybridARM(first int) loan.Loan {
	l := mortgageFixed("ARM", 720, 0.8)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths, l.FirstResetMonth = loan.Variable, loan.SOFR, 0.0275, 12, first
	l.RateAnnual, l.OriginationRateAnnual, l.PeriodicCapAnnual, l.LifetimeCapAnnual = 0.03, 0.03, 0.02, 0.05
	l.TermMonths, l.RemainingMonths = 360, 336
	return l
}

func TestFirstResetMonthMovesAnARMsPaymentShockAndPD(t *testing.T) {
	t.Parallel()
	// sigma = 0: the rate path is the ramp phi, so the payment after the
	// reset is known: SOFR phi(37) + 2.75%, within 2% of the 3% start.
	det := testScenarios(t, func(p *Params) { p.Scenarios = 20; p.HorizonMonths = 48; p.SigmaAnnualPerSqrtYear = 0 })
	p := det.Params()
	in, out, ageRule := hybridARM(37), hybridARM(49+12), hybridARM(0)
	for _, l := range []loan.Loan{in, out, ageRule} {
		if err := l.Validate(); err != nil {
			t.Fatalf("first_reset_month %d: %v", l.FirstResetMonth, err)
		}
	}
	a0 := Payment(in.BalanceUSD, in.RateAnnual, in.RemainingMonths)
	rate := math.Min(p.Phi(37)+in.MarginAnnual, in.RateAnnual+in.PeriodicCapAnnual)
	bal36 := Balance(in.BalanceUSD, in.RateAnnual, a0, 36)
	want := Payment(bal36, rate, in.RemainingMonths-36) / a0
	rIn, rOut, rAge := evaluate(t, det, in), evaluate(t, det, out), evaluate(t, det, ageRule)
	if math.Abs(rIn.PaymentShockMax-want) > 1e-9 || want < 1.2 {
		t.Errorf("first reset at month 37: payment shock %v, want %v (rate %v from 3%%)", rIn.PaymentShockMax, want, rate)
	}
	if rOut.PaymentShockMax != 1 {
		t.Errorf("first reset at month 61, past the 48-month horizon: payment shock %v, want 1 (no reset)", rOut.PaymentShockMax)
	}
	if rAge.PaymentShockMax == rIn.PaymentShockMax {
		t.Errorf("without first_reset_month (resets at ages 24, 36, ...) the shock %v should differ from the month-37 reset's", rAge.PaymentShockMax)
	}

	// With rate volatility the reset inside the horizon raises the
	// stressed PD over the same loan whose reset falls outside it.
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000; p.HorizonMonths = 48 })
	pdIn, pdOut := evaluate(t, sc, in).StressedPD, evaluate(t, sc, out).StressedPD
	if !(pdIn > pdOut) {
		t.Errorf("stressed PD %v with the reset at month 37, %v with it at month 61: want the first higher", pdIn, pdOut)
	}
}
