package model

import (
	"math"
	"math/big"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func TestPaymentKnownAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		principal float64
		rate      float64
		months    int
		want      float64
	}{
		{"25,000 at 9% over 60 months pays 518.96", 25_000, 0.09, 60, 518.96},
		{"200,000 at 6.5% over 360 months pays 1,264.14", 200_000, 0.065, 360, 1264.14},
		{"12,000 at 0% over 12 months pays 1,000", 12_000, 0, 12, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := Payment(c.principal, c.rate, c.months)
			if math.Round(got*100)/100 != c.want {
				t.Errorf("Payment = %.4f, want %.2f", got, c.want)
			}
			if b := Balance(c.principal, c.rate, got, c.months); math.Abs(b) > 1e-6 {
				t.Errorf("balance after the last payment = %g, want 0", b)
			}
			if b := Balance(c.principal, c.rate, got, 0); b != c.principal {
				t.Errorf("balance before any payment = %g, want %g", b, c.principal)
			}
			if fast := annuityFast(c.principal, c.rate/12, c.months); math.Abs(fast/got-1) > 1e-13 {
				t.Errorf("annuityFast = %.15g, Payment = %.15g", fast, got)
			}
		})
	}
}

// MODEL.md section 2: 2,500,000 over 240 months at 7.63% pays 20,339.02
// and owes 2,444,777.06 after 12 payments, by the closed form and by the
// model's own recursions (advance, and the month-by-month kernel step).
func TestCREAmortisationKnownAnswer(t *testing.T) {
	t.Parallel()
	pay := Payment(2_500_000, 0.0763, 240)
	if math.Round(pay*100)/100 != 20_339.02 {
		t.Errorf("payment %.4f, want 20,339.02", pay)
	}
	if b := Balance(2_500_000, 0.0763, pay, 12); math.Round(b*100)/100 != 2_444_777.06 {
		t.Errorf("balance after 12 payments %.4f, want 2,444,777.06", b)
	}
	if b := advance(2_500_000, 0.0763/12, pay, 12, false); math.Round(b*100)/100 != 2_444_777.06 {
		t.Errorf("advance: balance after 12 payments %.4f, want 2,444,777.06", b)
	}
	b := 2_500_000.0
	for range 12 {
		b = max(0, b+(float64(b*(0.0763/12))-pay))
	}
	if math.Round(b*100)/100 != 2_444_777.06 {
		t.Errorf("monthly recursion: balance after 12 payments %.4f, want 2,444,777.06", b)
	}
}

func TestBalanceFollowsTheMonthlyRecursion(t *testing.T) {
	t.Parallel()
	p, rate, n := 25_000.0, 0.09, 60
	a := Payment(p, rate, n)
	b := p
	for k := 1; k <= n; k++ {
		b = b*(1+rate/12) - a
		if got := Balance(p, rate, a, k); math.Abs(got-b) > 1e-8 {
			t.Fatalf("Balance after %d payments = %.10f, recursion gives %.10f", k, got, b)
		}
	}
}

func TestAnnuityFastMatchesPaymentAcrossRates(t *testing.T) {
	t.Parallel()
	for rate := 0.0; rate <= 0.9; rate += 0.0137 {
		for _, n := range []int{1, 7, 60, 359} {
			want := Payment(1000, rate, n)
			if got := annuityFast(1000, rate/12, n); math.Abs(got/want-1) > 1e-13 {
				t.Fatalf("rate %v n %d: annuityFast %.15g, Payment %.15g", rate, n, got, want)
			}
		}
	}
}

func TestOneMinusExpNegIsAccurate(t *testing.T) {
	t.Parallel()
	for x := 0.0; x < 50; x = x*1.01 + 1e-9 {
		want := -math.Expm1(-x)
		if got := oneMinusExpNeg(x); math.Abs(got-want) > 4.5e-16*want { // two ulps
			t.Fatalf("oneMinusExpNeg(%g) = %.17g, want %.17g", x, got, want)
		}
	}
}

func TestPowTableIsAccurateAndExactAtOne(t *testing.T) {
	t.Parallel()
	tab := newPowTable(1.15)
	if tab.pow(1) != 1 {
		t.Fatalf("pow(1) = %v, want exactly 1 so an unchanged payment leaves the hazard unchanged", tab.pow(1))
	}
	prev := 0.0
	for x := 0.25; x < 6; x += 0.001 {
		want := math.Pow(x, 1.15)
		got := tab.pow(x)
		// Linear interpolation error is h^2/8 * gamma*(gamma-1)/x^2 relative.
		if math.Abs(got/want-1) > 3e-9/(x*x) {
			t.Fatalf("pow(%v) = %v, want %v", x, got, want)
		}
		if got < prev {
			t.Fatalf("pow not monotone at %v", x)
		}
		prev = got
	}
}

func TestPDFromScoreFollowsTheScorecard(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	// logit(PD_2y) = 7.636 - 0.01552*700 = -3.228.
	pd2 := p.PD2YFromScore(700)
	if want := 1 / (1 + math.Exp(3.228)); math.Abs(pd2-want) > 1e-15 {
		t.Errorf("PD_2y(700) = %v, want %v", pd2, want)
	}
	if got, want := p.PD12FromScore(700), 1-math.Sqrt(1-pd2); got != want {
		t.Errorf("PD_12(700) = %v, want %v", got, want)
	}
	for s := loan.MinCreditScore; s < loan.MaxCreditScore; s++ {
		if p.PD12FromScore(s+1) >= p.PD12FromScore(s) {
			t.Fatalf("PD not decreasing in score at %d", s)
		}
	}
	pd := 0.02
	if got := 1 - math.Exp(-12*MonthlyHazard(pd)); math.Abs(got-pd) > 1e-15 {
		t.Errorf("12 months of h0 give PD %v, want %v", got, pd)
	}
}

func TestExpDetAgreesWithMathExpToTwoUlps(t *testing.T) {
	t.Parallel()
	for x := -700.0; x < 700; x += 0.0137 {
		want, got := math.Exp(x), expDet(x)
		// Each is within 1 ulp of the true value, so they differ by at most 2.
		if d := int64(math.Float64bits(got)) - int64(math.Float64bits(want)); d > 2 || d < -2 {
			t.Fatalf("expDet(%v) = %v, math.Exp = %v", x, got, want)
		}
	}
	for _, x := range []float64{0, 1e-300, -1e-300, 1, -1} {
		if got, want := expDet(x), math.Exp(x); got != want {
			t.Errorf("expDet(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsInf(expDet(800), 1) || expDet(-800) != 0 || !math.IsNaN(expDet(math.NaN())) {
		t.Error("expDet special cases")
	}
}

func TestOneMinusExpIsAccurateAlsoNearZero(t *testing.T) {
	t.Parallel()
	// Reference: math.Expm1 (within 1 ulp). Two ulps each way, over
	// arguments from -1e-12 (where 1 - e^x is all cancellation) to -700.
	for x := -1e-12; x > -700; x *= 1.0013 {
		want := -math.Expm1(x)
		if got := oneMinusExp(x); math.Abs(got-want) > 4.5e-16*want {
			t.Fatalf("oneMinusExp(%g) = %.17g, want %.17g", x, got, want)
		}
	}
	if got := oneMinusExp(0); got != 0 {
		t.Errorf("oneMinusExp(0) = %v, want 0", got)
	}
	if got := oneMinusExp(-800); got != 1 {
		t.Errorf("oneMinusExp(-800) = %v, want 1", got)
	}
}

func TestExpTableIsExact(t *testing.T) {
	t.Parallel()
	// 2^(j/256) raised to the 256th power is 2^j: checked in big arithmetic
	// on head + tail, which must hold to far better than float64 precision.
	for _, j := range []int{1, 37, 128, 255} {
		v := new(big.Float).SetPrec(512).SetFloat64(exp2Hi[j])
		v.Add(v, new(big.Float).SetPrec(512).SetFloat64(exp2Lo[j]))
		p := new(big.Float).SetPrec(512).SetInt64(1)
		for range 256 {
			p.Mul(p, v)
		}
		want := new(big.Float).SetPrec(512).SetMantExp(big.NewFloat(1), j)
		diff := new(big.Float).Sub(p, want)
		rel, _ := new(big.Float).Quo(diff, want).Float64()
		if math.Abs(rel) > 1e-28 {
			t.Errorf("(2^(%d/256))^256 off by %g relative", j, rel)
		}
	}
}

func TestLog1pSplitMatchesLog1p(t *testing.T) {
	t.Parallel()
	for a := 0.0; a < splitMax; a += 0.00037 {
		for f := 0.0; f < splitMax; f += 0.00041 {
			want := math.Log1p(a + f)
			got := log1pSplit(math.Log1p(a), a/(1+a), math.Log1p(f), f/(1+f))
			if math.Abs(got-want) > 4.5e-16*math.Abs(want)+1e-19 {
				t.Fatalf("log1pSplit(a=%v, f=%v) = %.17g, want %.17g", a, f, got, want)
			}
		}
	}
}

func TestExpTabAgreesWithMathExpToTwoUlps(t *testing.T) {
	t.Parallel()
	for x := -700.0; x < 700; x += 0.00731 {
		want, got := math.Exp(x), expTab(x)
		if d := int64(math.Float64bits(got)) - int64(math.Float64bits(want)); d > 2 || d < -2 {
			t.Fatalf("expTab(%v) = %v, math.Exp = %v", x, got, want)
		}
	}
	for _, x := range []float64{0, 1e-300, -1e-300, 1, -1, -800, 800} {
		if got, want := expTab(x), math.Exp(x); got != want {
			t.Errorf("expTab(%v) = %v, want %v", x, got, want)
		}
	}
}
