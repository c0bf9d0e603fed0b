package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func testScenarios(t testing.TB, mutate func(*Params)) *Scenarios {
	t.Helper()
	p := DefaultParams()
	p.Seed = 20260101
	if mutate != nil {
		mutate(&p)
	}
	sc, err := NewScenarios(p)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// meanVar returns the sample mean and (unbiased) variance.
func meanVar(xs []float64) (float64, float64) {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, v / float64(len(xs)-1)
}

func TestRatePathMeanIsTheStressPathAndVarianceIsOU(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20_000; p.HorizonMonths = 24 })
	p := sc.Params()
	S := sc.Len()
	col := make([]float64, S)
	for _, month := range []int{1, 3, 6, 12, 24} {
		for s := range S {
			col[s] = sc.FedFunds(s, month)
		}
		mean, v := meanVar(col)
		tYears := float64(month) / 12
		a, sigma := p.MeanReversionPerYear, p.SigmaAnnualPerSqrtYear
		wantVar := sigma * sigma / (2 * a) * (1 - math.Exp(-2*a*tYears))
		if se := math.Sqrt(wantVar / float64(S)); math.Abs(mean-p.Phi(month)) > 4.5*se {
			t.Errorf("month %d: E[r] = %.6f, phi = %.6f (%.1f standard errors)", month, mean, p.Phi(month), (mean-p.Phi(month))/se)
		}
		if se := wantVar * math.Sqrt(2/float64(S-1)); math.Abs(v-wantVar) > 4.5*se {
			t.Errorf("month %d: Var r = %.3g, OU variance %.3g (%.1f standard errors)", month, v, wantVar, (v-wantVar)/se)
		}
	}
}

func TestStressPathRampsFromR0ToTarget(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	if p.Phi(0) != p.R0Annual || p.Phi(12) != p.TargetRateAnnual || p.Phi(40) != p.TargetRateAnnual {
		t.Errorf("phi(0), phi(12), phi(40) = %v, %v, %v", p.Phi(0), p.Phi(12), p.Phi(40))
	}
	if got, want := p.Phi(6), (p.R0Annual+p.TargetRateAnnual)/2; math.Abs(got-want) > 1e-15 {
		t.Errorf("phi(6) = %v, want the midpoint %v", got, want)
	}
	p.RampMonths = 0
	if p.Phi(1) != p.TargetRateAnnual {
		t.Errorf("with no ramp phi(1) = %v, want the target", p.Phi(1))
	}
}

func TestZeroSigmaGivesTheStressPathExactly(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 50; p.SigmaAnnualPerSqrtYear = 0 })
	for s := range sc.Len() {
		for month := 1; month <= sc.HorizonMonths(); month++ {
			if sc.FedFunds(s, month) != sc.Params().Phi(month) {
				t.Fatalf("scenario %d month %d: r = %v, phi = %v", s, month, sc.FedFunds(s, month), sc.Params().Phi(month))
			}
		}
	}
}

func TestRateIsFlooredAtZero(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) {
		p.Scenarios = 2000
		p.R0Annual, p.TargetRateAnnual, p.SigmaAnnualPerSqrtYear = 0.001, 0.001, 0.05
	})
	neg := 0
	for s := range sc.Len() {
		for month := 1; month <= sc.HorizonMonths(); month++ {
			if r := sc.FedFunds(s, month); r < 0 {
				t.Fatalf("negative rate %v", r)
			} else if r == 0 {
				neg++
			}
		}
	}
	if neg == 0 {
		t.Error("no month hit the floor although the rate sits 0.1% above it with 5% volatility")
	}
}

func TestMacroFactorHasUnitVarianceAndTheDocumentedCorrelation(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20_000 })
	p := sc.Params()
	S := sc.Len()
	col := make([]float64, S)
	for month := 0; month <= sc.HorizonMonths(); month++ {
		for s := range S {
			col[s] = sc.Macro(s, month)
		}
		mean, v := meanVar(col)
		if se := 1 / math.Sqrt(float64(S)); math.Abs(mean) > 4.5*se {
			t.Errorf("month %d: E[M] = %.4f (%.1f standard errors)", month, mean, mean/se)
		}
		if se := math.Sqrt(2 / float64(S-1)); math.Abs(v-1) > 4.5*se {
			t.Errorf("month %d: Var M = %.4f, want 1 (%.1f standard errors)", month, v, (v-1)/se)
		}
	}
	// corr(M innovation, rate innovation) = -kappa.
	rhoM := p.MacroPersistenceMonthly
	decay := math.Exp(-p.MeanReversionPerYear / 12)
	var sxy, sxx, syy float64
	month := 2 // rates far above the floor: r - phi is the OU state x.
	for s := range S {
		dm := sc.Macro(s, month) - rhoM*sc.Macro(s, month-1)
		dx := (sc.FedFunds(s, month) - p.Phi(month)) - decay*(sc.FedFunds(s, month-1)-p.Phi(month-1))
		sxy += dm * dx
		sxx += dm * dm
		syy += dx * dx
	}
	corr := sxy / math.Sqrt(sxx*syy)
	if se := (1 - p.Kappa*p.Kappa) / math.Sqrt(float64(S)); math.Abs(corr+p.Kappa) > 4.5*se {
		t.Errorf("corr(M innovation, rate innovation) = %.4f, want %.4f", corr, -p.Kappa)
	}
}

func TestHazardMultiplierHasMeanOne(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20_000 })
	S, H := sc.Len(), sc.HorizonMonths()
	for j := range nCorrSeries {
		b := sc.loading[j]
		col := make([]float64, S)
		for month := 1; month <= H; month += 5 {
			for s := range S {
				col[s] = sc.cum[j][month*S+s] - sc.cum[j][(month-1)*S+s]
			}
			mean, _ := meanVar(col)
			se := math.Sqrt(math.Expm1(b*b) / float64(S))
			if math.Abs(mean-1) > 4.5*se {
				t.Errorf("series %d (b = %.3f) month %d: mean exp(bM - b^2/2) = %.4f (%.1f standard errors)", j, b, month, mean, (mean-1)/se)
			}
		}
		if b <= 0 || b > 2 {
			t.Errorf("series %d: loading %v outside (0, 2]", j, b)
		}
	}
}

func TestScenariosAreReproducibleAndIndependentOfTheirCount(t *testing.T) {
	t.Parallel()
	a := testScenarios(t, func(p *Params) { p.Scenarios = 30 })
	b := testScenarios(t, func(p *Params) { p.Scenarios = 10 })
	c := testScenarios(t, func(p *Params) { p.Scenarios = 10; p.Seed++ })
	for s := range 10 {
		for month := 1; month <= a.HorizonMonths(); month++ {
			if a.FedFunds(s, month) != b.FedFunds(s, month) || a.Macro(s, month) != b.Macro(s, month) {
				t.Fatalf("scenario %d month %d differs between S = 30 and S = 10", s, month)
			}
		}
	}
	if b.Macro(3, 4) == c.Macro(3, 4) {
		t.Error("a different seed gave the same macro path")
	}
}

func TestNewScenariosRejectsInvalidParams(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	p.Scenarios = 0
	if _, err := NewScenarios(p); err == nil {
		t.Fatal("NewScenarios accepted zero scenarios")
	}
}

func TestNormalDrawsAreStandardNormal(t *testing.T) {
	t.Parallel()
	var src rand.PCG
	src.Seed(5, 6)
	const n = 200_000
	xs := make([]float64, n)
	below := 0
	for i := range xs {
		xs[i] = normal(&src)
		if xs[i] < -2.3263478740408408 {
			below++
		}
	}
	mean, v := meanVar(xs)
	if math.Abs(mean) > 4.5/math.Sqrt(n) || math.Abs(v-1) > 4.5*math.Sqrt(2.0/n) {
		t.Errorf("mean %v variance %v", mean, v)
	}
	if p, se := float64(below)/n, math.Sqrt(0.01*0.99/n); math.Abs(p-0.01) > 4.5*se {
		t.Errorf("P(Z < q1%%) = %v, want 0.01", p)
	}
}
