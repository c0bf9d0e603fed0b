package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
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

// zeroVol sets every volatility of the scenarios to zero.
func zeroVol(p *Params) {
	p.SigmaAnnualPerSqrtYear, p.SigmaU, p.SigmaH = 0, 0, 0
}

func TestCreditCycleHasUnitVariance(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 20_000 })
	S := sc.Len()
	col := make([]float64, S)
	for month := 0; month <= sc.HorizonMonths(); month += 3 {
		for s := range S {
			col[s] = sc.CreditCycle(s, month)
		}
		mean, v := meanVar(col)
		if se := 1 / math.Sqrt(float64(S)); math.Abs(mean) > 4.5*se {
			t.Errorf("month %d: E[e] = %.4f (%.1f standard errors)", month, mean, mean/se)
		}
		if se := math.Sqrt(2 / float64(S-1)); math.Abs(v-1) > 4.5*se {
			t.Errorf("month %d: Var e = %.4f, want 1 (%.1f standard errors)", month, v, (v-1)/se)
		}
	}
}

// rateAndMultiplier returns, over the scenarios, the rate innovation of
// month 2 (rates far above the floor: r - phi is the OU state x) and the
// card hazard multiplier of that month.
func rateAndMultiplier(sc *Scenarios) (dx, mult []float64) {
	p := sc.Params()
	S := sc.Len()
	decay := math.Exp(-p.MeanReversionPerYear / 12)
	j := series(loan.CreditCard, 0.02)
	cum := sc.cumTable(&sc.stress, j)
	const month = 2
	for s := range S {
		dx = append(dx, (sc.FedFunds(s, month)-p.Phi(month))-decay*(sc.FedFunds(s, month-1)-p.Phi(month-1)))
		mult = append(mult, cum[sc.at(month, s)]-cum[sc.at(month-1, s)])
	}
	return dx, mult
}

func corr(x, y []float64) float64 {
	mx, _ := meanVar(x)
	my, _ := meanVar(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// MODEL.md section 6: corr(rate innovation, hazard multiplier) > 0 when
// kappa > 0 (version 1 measured -0.135: the wrong sign). The innovations of
// e have correlation +kappa with Z_r, and e(2) carries sqrt(1-rho^2) of it.
func TestRateInnovationRaisesTheHazardMultiplier(t *testing.T) {
	t.Parallel()
	const S = 20_000
	for _, kappa := range []float64{0.3, -0.3} {
		sc := testScenarios(t, func(p *Params) { p.Scenarios = S; p.Kappa = kappa })
		c := corr(rateAndMultiplier(sc))
		se := 1 / math.Sqrt(S)
		if kappa > 0 && !(c > 4.5*se) {
			t.Errorf("kappa %v: corr(rate innovation, hazard multiplier) = %.4f, want > 0 beyond noise (%.4f)", kappa, c, 4.5*se)
		}
		if kappa < 0 && !(c < -4.5*se) {
			t.Errorf("kappa %v: corr = %.4f, want < 0", kappa, c)
		}
	}
	// The innovation of e itself has correlation +kappa with Z_r.
	sc := testScenarios(t, func(p *Params) { p.Scenarios = S; p.SigmaU = 0 })
	p := sc.Params()
	decay := math.Exp(-p.MeanReversionPerYear / 12)
	var de, dx []float64
	for s := range S {
		de = append(de, sc.CreditCycle(s, 2)-p.CycleRhoMonthly*sc.CreditCycle(s, 1))
		dx = append(dx, (sc.FedFunds(s, 2)-p.Phi(2))-decay*(sc.FedFunds(s, 1)-p.Phi(1)))
	}
	if c, se := corr(de, dx), (1-p.Kappa*p.Kappa)/math.Sqrt(S); math.Abs(c-p.Kappa) > 4.5*se {
		t.Errorf("corr(e innovation, rate innovation) = %.4f, want kappa %.4f", c, p.Kappa)
	}
}

func TestHazardMultiplierHasMeanOneWithoutUnemploymentMoves(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) {
		p.Scenarios = 20_000
		zeroVol(p)
		p.TargetRateAnnual = p.R0Annual
	})
	S, H := sc.Len(), sc.HorizonMonths()
	for j := range nSeries {
		b := sc.loading[j]
		cum := sc.cumTable(&sc.stress, j)
		col := make([]float64, S)
		for month := 1; month <= H; month += 7 {
			for s := range S {
				col[s] = cum[sc.at(month, s)] - cum[sc.at(month-1, s)]
			}
			mean, _ := meanVar(col)
			se := math.Sqrt(math.Expm1(b*b) / float64(S))
			if math.Abs(mean-1) > 4.5*se {
				t.Errorf("series %d (b = %.3f) month %d: mean exp(b e - b^2/2) = %.4f (%.1f standard errors)", j, b, month, mean, (mean-1)/se)
			}
		}
		if b <= 0 || b > 2 {
			t.Errorf("series %d: loading %v outside (0, 2]", j, b)
		}
	}
}

// With every volatility zero the paths are MODEL.md's deterministic stress
// path: g from the ramp, u = u0 + betaU g, HPI = exp(-betaH g), CRE = NOI
// factor x capRate0/capRate; the baseline stays at today's values.
func TestZeroVolatilityPathsFollowTheTransmissionEquations(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 5; zeroVol(p) })
	p := sc.Params()
	g := 0.0
	for month := 1; month <= sc.HorizonMonths(); month++ {
		g += (p.Phi(month) - p.R0Annual - g) / p.TransmissionMonths
		u := p.U0 + p.BetaU*g
		nf := 1 - p.NOINu*(u-p.U0)
		want := map[string]float64{
			"fed funds": p.Phi(month), "unemployment": u, "HPI": math.Exp(-p.BetaH * g),
			"CRE":                nf * p.CapRate0 / (p.CapRate0 + p.CapRateLambda*g),
			"baseline fed funds": p.R0Annual, "baseline unemployment": p.U0,
		}
		for s := range sc.Len() {
			got := map[string]float64{
				"fed funds": sc.FedFunds(s, month), "unemployment": sc.Unemployment(s, month), "HPI": sc.HPI(s, month),
				"CRE": sc.CRE(s, month), "baseline fed funds": sc.BaselineFedFunds(s, month), "baseline unemployment": sc.BaselineUnemployment(s, month),
			}
			for k, w := range want {
				if math.Abs(got[k]-w) > 1e-12*math.Max(1, math.Abs(w)) {
					t.Fatalf("scenario %d month %d: %s = %v, want %v", s, month, k, got[k], w)
				}
			}
		}
	}
	if g < 0.03 {
		t.Errorf("g(27) = %v: the 8%% ramp should leave a rate gap of over 3 points", g)
	}
}

func TestPriceNoiseIsCorrelatedAsDocumented(t *testing.T) {
	t.Parallel()
	const S = 20_000
	sc := testScenarios(t, func(p *Params) { p.Scenarios = S; p.SigmaAnnualPerSqrtYear, p.SigmaU = 0, 0 })
	var dh, dc []float64
	for s := range S {
		dh = append(dh, math.Log(sc.HPI(s, 1)))
		dc = append(dc, math.Log(sc.CRE(s, 1)))
	}
	p := sc.Params()
	if c, se := corr(dh, dc), (1-p.PriceNoiseCorr*p.PriceNoiseCorr)/math.Sqrt(S); math.Abs(c-p.PriceNoiseCorr) > 4.5*se {
		t.Errorf("corr(house, CRE price innovations) = %.4f, want %.2f", c, p.PriceNoiseCorr)
	}
	_, v := meanVar(dh)
	// Month 1: W_h = sigma_h Z_h and g(1) is deterministic.
	if se := p.SigmaH * p.SigmaH * math.Sqrt(2.0/S); math.Abs(v-p.SigmaH*p.SigmaH) > 4.5*se {
		t.Errorf("Var log HPI(1) = %.3g, want sigma_h^2 = %.3g", v, p.SigmaH*p.SigmaH)
	}
}

func TestScenarioFileReplacesTheMeansAndKeepsTheNoise(t *testing.T) {
	t.Parallel()
	file := flatPath(27, 0.05)
	for t := range file.FedFunds {
		file.FedFunds[t] = 0.05 - 0.001*float64(t)
		file.Unemployment[t] = 0.04 + 0.001*float64(t)
		file.HPI[t] = 1 - 0.005*float64(t)
		file.CRE[t] = 1 - 0.01*float64(t)
	}
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 3; zeroVol(p); p.Scenario = file })
	for s := range 3 {
		for month := 0; month <= 27; month++ {
			if sc.FedFunds(s, month) != file.FedFunds[month] || sc.Unemployment(s, month) != file.Unemployment[month] ||
				math.Abs(sc.HPI(s, month)-file.HPI[month]) > 1e-15 || math.Abs(sc.CRE(s, month)-file.CRE[month]) > 1e-15 {
				t.Fatalf("scenario %d month %d: paths differ from the file at zero volatility", s, month)
			}
		}
		// The baseline starts from the file's first row and stays there.
		if sc.BaselineFedFunds(s, 10) != 0.05 || sc.BaselineUnemployment(s, 10) != 0.04 {
			t.Errorf("baseline %v %v, want the file's t = 0 values", sc.BaselineFedFunds(s, 10), sc.BaselineUnemployment(s, 10))
		}
	}
	noisy := testScenarios(t, func(p *Params) { p.Scenarios = 3; p.Scenario = file })
	if noisy.Unemployment(1, 5) == file.Unemployment[5] || noisy.FedFunds(1, 5) == file.FedFunds[5] {
		t.Error("the stochastic parts are not added around the file's paths")
	}
}

func TestScenariosAreReproducibleAndIndependentOfTheirCount(t *testing.T) {
	t.Parallel()
	a := testScenarios(t, func(p *Params) { p.Scenarios = 30 })
	b := testScenarios(t, func(p *Params) { p.Scenarios = 10 })
	c := testScenarios(t, func(p *Params) { p.Scenarios = 10; p.Seed++ })
	for s := range 10 {
		for month := 1; month <= a.HorizonMonths(); month++ {
			if a.FedFunds(s, month) != b.FedFunds(s, month) || a.CreditCycle(s, month) != b.CreditCycle(s, month) ||
				a.HPI(s, month) != b.HPI(s, month) || a.CRE(s, month) != b.CRE(s, month) {
				t.Fatalf("scenario %d month %d differs between S = 30 and S = 10", s, month)
			}
		}
	}
	if b.CreditCycle(3, 4) == c.CreditCycle(3, 4) {
		t.Error("a different seed gave the same credit-cycle path")
	}
}

func TestPlainRunsWeighEveryScenarioOne(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 100 })
	for s := range sc.Len() {
		if sc.Weight(s) != 1 {
			t.Fatalf("Weight(%d) = %v in a plain run", s, sc.Weight(s))
		}
	}
}

// Under the tail shift the likelihood ratios have mean 1, the shifted
// credit cycle is worse on average, and the weighted mean of e(H) is the
// plain one (0).
func TestTailShiftWeightsAreLikelihoodRatios(t *testing.T) {
	t.Parallel()
	const S = 40_000
	sc := testScenarios(t, func(p *Params) { p.Scenarios = S; p.TailShift = 0.2 })
	H := sc.HorizonMonths()
	var w, w2, we, e float64
	for s := range S {
		ws := sc.Weight(s)
		w += ws
		w2 += ws * ws
		we += ws * sc.CreditCycle(s, H)
		e += sc.CreditCycle(s, H)
	}
	mean := w / S
	sd := math.Sqrt(w2/S - mean*mean)
	if se := sd / math.Sqrt(S); math.Abs(mean-1) > 4.5*se {
		t.Errorf("mean weight %.4f, want 1 (se %.4f)", mean, se)
	}
	// The shift accumulates: E[e(H)] = sqrt(1-rho^2) theta (1-rho^H)/(1-rho).
	p := sc.Params()
	rho := p.CycleRhoMonthly
	want := math.Sqrt(1-rho*rho) * p.TailShift * (1 - math.Pow(rho, float64(H))) / (1 - rho)
	if se := 1 / math.Sqrt(S); math.Abs(e/S-want) > 4.5*se {
		t.Errorf("mean shifted e(H) = %.3f, want %.3f", e/S, want)
	}
	m := we / w
	var ss float64
	for s := range S {
		d := sc.Weight(s) * (sc.CreditCycle(s, H) - m)
		ss += d * d
	}
	if se := math.Sqrt(ss) / w; math.Abs(m) > 4.5*se {
		t.Errorf("weighted mean e(H) = %.4f, want 0 (se %.4f)", m, se)
	}
}

func TestPathBandsSummariseTheStressedPaths(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 2000 })
	pb := sc.PathBands()
	H := sc.HorizonMonths()
	for name, b := range map[string]Band{"fed funds": pb.FedFunds, "unemployment": pb.Unemployment, "HPI": pb.HPI, "CRE": pb.CRE} {
		if len(b.Mean) != H+1 || len(b.P5) != H+1 || len(b.P95) != H+1 {
			t.Fatalf("%s: band lengths %d %d %d, want %d", name, len(b.Mean), len(b.P5), len(b.P95), H+1)
		}
		for month := 1; month <= H; month++ {
			if !(b.P5[month] < b.Mean[month] && b.Mean[month] < b.P95[month]) {
				t.Errorf("%s month %d: P5 %v mean %v P95 %v out of order", name, month, b.P5[month], b.Mean[month], b.P95[month])
			}
		}
	}
	if m := pb.FedFunds.Mean[H]; math.Abs(m-0.08) > 0.002 {
		t.Errorf("mean fed funds at H = %v, want about the 8%% target", m)
	}
	if pb.HPI.Mean[H] >= 1 || pb.Unemployment.Mean[H] <= 0.042 {
		t.Errorf("the 8%% stress should lower house prices and raise unemployment: HPI %v u %v", pb.HPI.Mean[H], pb.Unemployment.Mean[H])
	}
	// The 5% point of the rate over 2,000 scenarios against its normal value.
	p := sc.Params()
	v := p.SigmaAnnualPerSqrtYear * p.SigmaAnnualPerSqrtYear / 2 * (1 - math.Exp(-2*float64(H)/12))
	if want := 0.08 - 1.6449*math.Sqrt(v); math.Abs(pb.FedFunds.P5[H]-want) > 0.001 {
		t.Errorf("P5 fed funds at H = %v, want about %v", pb.FedFunds.P5[H], want)
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
