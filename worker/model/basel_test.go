package model

import (
	"math"
	"testing"
)

func TestPhiInvKnownValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p, want float64
	}{
		{0.5, 0},
		{0.975, 1.959963984540054},
		{0.99, 2.3263478740408408},
		{0.999, 3.090232306167813},
		{0.02, -2.053748910631823},
		{1e-10, -6.361340902404056},
	}
	for _, c := range cases {
		if got := PhiInv(c.p); math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("PhiInv(%v) = %.16g, want %.16g", c.p, got, c.want)
		}
	}
}

func TestPhiInvInvertsPhi(t *testing.T) {
	t.Parallel()
	// Above x = 2, 1 - Phi(x) loses digits in float64, so test the lower side.
	for x := -8.0; x <= 2; x += 0.0625 {
		p := Phi(x)
		if got := PhiInv(p); math.Abs(got-x) > 1e-9*math.Max(1, math.Abs(x)) {
			t.Fatalf("PhiInv(Phi(%v)) = %v", x, got)
		}
	}
	if !math.IsInf(PhiInv(0), -1) || !math.IsInf(PhiInv(1), 1) || !math.IsNaN(PhiInv(1.5)) {
		t.Error("PhiInv edge cases: want -Inf at 0, +Inf at 1, NaN outside [0,1]")
	}
}

// Basel II Annex 5 illustrative risk weights (LGD 45%, M = 2.5 for corporate,
// without the 1.06 scaling factor).
func TestBaselRiskWeightsMatchAnnex5(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		{"corporate at PD 0.03% is 14.44%", RiskWeightCorporate(0.0003, 0.45, 2.5), 0.1444},
		{"corporate at PD 0.10% is 29.65%", RiskWeightCorporate(0.0010, 0.45, 2.5), 0.2965},
		{"corporate at PD 1% is 92.32%", RiskWeightCorporate(0.01, 0.45, 2.5), 0.9232},
		{"other retail at PD 1% is 45.77%", RiskWeightOtherRetail(0.01, 0.45), 0.4577},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if math.Abs(c.got-c.want) > 0.00005 {
				t.Errorf("risk weight = %.4f%%, want %.2f%%", 100*c.got, 100*c.want)
			}
		})
	}
}

func TestBaselCorrelationsSpanTheIRBRanges(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		f        func(float64) float64
		low, hig float64
	}{
		{"corporate spans 12% to 24%", CorrelationCorporate, 0.12, 0.24},
		{"other retail spans 3% to 16%", CorrelationOtherRetail, 0.03, 0.16},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := c.f(0); math.Abs(got-c.hig) > 1e-12 {
				t.Errorf("rho(0) = %v, want %v", got, c.hig)
			}
			if got := c.f(1); math.Abs(got-c.low) > 1e-12 {
				t.Errorf("rho(1) = %v, want %v", got, c.low)
			}
			prev := c.f(0)
			for pd := 0.0001; pd < 1; pd *= 1.5 {
				if r := c.f(pd); r > prev {
					t.Fatalf("rho not decreasing at PD %v", pd)
				} else {
					prev = r
				}
			}
		})
	}
}

func TestVasicekQuantileKnownAnswer(t *testing.T) {
	t.Parallel()
	if got := VasicekQuantile(0.02, 0.10, 0.99); math.Abs(got-0.0824) > 0.00005 {
		t.Errorf("q99 = %.4f%%, want 8.24%%", 100*got)
	}
	if got := VasicekQuantile(0.02, 0.10, 0.999); math.Abs(got-0.1282) > 0.00005 {
		t.Errorf("q99.9 = %.4f%%, want 12.82%%", 100*got)
	}
}

func TestMacroLoadingReproducesTheVasicekTailPoint(t *testing.T) {
	t.Parallel()
	// With b from MacroLoading, the lognormal hazard's 99.9% point is the
	// Vasicek one: 1 - exp(-L0*exp(beta*z - beta^2/2)) = q99.9.
	for _, pd := range []float64{0.001, 0.01, 0.02, 0.1, 0.3} {
		rho := CorrelationOtherRetail(pd)
		b := MacroLoading(pd, rho, 0.95)
		beta := b * math.Sqrt(horizonVarianceFactor(0.95, 12))
		z := PhiInv(0.999)
		got := -math.Expm1(math.Log1p(-pd) * math.Exp(beta*z-beta*beta/2))
		if want := VasicekQuantile(pd, rho, 0.999); math.Abs(got/want-1) > 1e-9 {
			t.Errorf("PD %v: lognormal 99.9%% point %v, Vasicek %v", pd, got, want)
		}
	}
	if got := horizonVarianceFactor(0, 12); math.Abs(got-1.0/12) > 1e-15 {
		t.Errorf("independent months: variance of the mean = %v, want 1/12", got)
	}
	if got := horizonVarianceFactor(0.999999, 12); math.Abs(got-1) > 1e-4 {
		t.Errorf("a constant factor: variance of the mean = %v, want 1", got)
	}
}
