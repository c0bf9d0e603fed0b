package model

import (
	"math"
	"slices"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// poolQuantiles returns the alpha-quantiles over the scenarios of the
// default rate of an infinitely granular homogeneous pool with one-year PD
// pd and credit-cycle loading b over months: in scenario s that rate is
// the conditional PD 1 - exp(-h0 sum_t exp(b e_s(t) - b^2/2)).
func poolQuantiles(sc *Scenarios, pd, b float64, months int, alphas ...float64) (mean float64, qs []float64) {
	S := sc.Len()
	h0 := MonthlyHazard(pd)
	xs := make([]float64, S)
	for s := range S {
		var lam float64
		for t := 1; t <= months; t++ {
			lam += expDet(b*sc.CreditCycle(s, t) - b*b/2)
		}
		xs[s] = oneMinusExpNeg(h0 * lam)
		mean += xs[s]
	}
	slices.Sort(xs)
	for _, a := range alphas {
		qs = append(qs, xs[int(math.Ceil(a*float64(S)))-1])
	}
	return mean / float64(S), qs
}

// MODEL.md section 6: the Vasicek large-pool quantiles (PD 2%, rho 0.10:
// q99 = 8.24%, q99.9 = 12.82%) matched by a simulated homogeneous pool over
// one year, with b from MacroLoading. MacroLoading matches the 99.9% point
// in the lognormal approximation of the 12-month sum of an AR(1) factor;
// the sum is not exactly lognormal, so the tolerances are 12% at 99.9% and
// 16% at 99% (relative), and the mean is the PD less Jensen's concavity.
func TestHomogeneousPoolMatchesTheVasicekKnownAnswer(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 100_000; p.HorizonMonths = 12 })
	b := MacroLoading(0.02, 0.10, sc.Params().CycleRhoMonthly)
	mean, qs := poolQuantiles(sc, 0.02, b, 12, 0.99, 0.999)
	for i, c := range []struct{ want, tol float64 }{{0.0824, 0.16}, {0.1282, 0.12}} {
		if math.Abs(qs[i]/c.want-1) > c.tol {
			t.Errorf("q%v = %.4f, Vasicek %.4f", []float64{0.99, 0.999}[i], qs[i], c.want)
		}
	}
	if mean > 0.02*1.01 || mean < 0.02*0.97 {
		t.Errorf("pool mean default rate %v, want about 2%%", mean)
	}
	// Without the loading the pool has no tail: the channel is the test.
	if _, flat := poolQuantiles(sc, 0.02, 0, 12, 0.999); flat[0] > 0.021 {
		t.Errorf("b = 0 gave q99.9 = %v", flat[0])
	}
}

// Every band's loading tracks the Basel correlation of its class.
func TestHomogeneousPoolsTrackTheBaselCorrelationOfEachBand(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 50_000; p.HorizonMonths = 12 })
	for j := range nSeries {
		pd := bandPD[j%nBands]
		seg := segmentOf(j / nBands)
		rho := BaselCorrelation(seg, pd)
		_, qs := poolQuantiles(sc, pd, sc.loading[j], 12, 0.999)
		if want := VasicekQuantile(pd, rho, 0.999); math.Abs(qs[0]/want-1) > 0.15 {
			t.Errorf("%s PD %v (rho %.3f): q99.9 = %.5f, Vasicek %.5f", seg, pd, rho, qs[0], want)
		}
	}
}

// segmentOf is the segment at position j of loan.Segments.
func segmentOf(j int) loan.Segment { return loan.Segments[j] }
