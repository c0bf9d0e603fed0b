package model

import (
	"math"
	"slices"
	"testing"
)

// In a large homogeneous pool the loss rate in scenario s is the conditional
// PD_s, so the distribution of PD_s over scenarios is the pool's loss
// distribution. With b from MacroLoading it must track Vasicek's with the
// Basel correlation: exactly at 99.9% in the lognormal approximation, and
// within the error of that approximation (the 12-month average of an AR(1)
// factor is not exactly lognormal) at 50% and 99%. Measured: 99.9% within
// +10%, 99% within -14%.
func TestHomogeneousPoolTracksTheVasicekDistribution(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 100_000 })
	S := sc.Len()
	xs := make([]float64, S)
	q := func(a float64) float64 { return xs[int(math.Ceil(a*float64(S)))-1] }
	for j := range nCorrSeries {
		pd := bandPD[j%nBands]
		rho, class := CorrelationOtherRetail(pd), "retail"
		if j >= nBands {
			rho, class = CorrelationCorporate(pd), "corporate"
		}
		h0 := MonthlyHazard(pd)
		var mean float64
		for s, c := range sc.cumH[j] {
			xs[s] = oneMinusExpNeg(h0 * c)
			mean += xs[s]
		}
		mean /= float64(S)
		slices.Sort(xs)
		for _, c := range []struct {
			alpha, tol float64
		}{{0.999, 0.12}, {0.99, 0.16}} {
			want := VasicekQuantile(pd, rho, c.alpha)
			if got := q(c.alpha); math.Abs(got/want-1) > c.tol {
				t.Errorf("%s PD %v (rho %.3f): q%v = %.5f, Vasicek %.5f", class, pd, rho, c.alpha, got, want)
			}
		}
		// The mean is the PD less the concavity of 1 - exp(-x) (Jensen),
		// which is below 3% of the PD even at PD 20%.
		if mean > pd*1.01 || mean < pd*0.97 {
			t.Errorf("%s PD %v: pool mean default rate %v", class, pd, mean)
		}
	}
}
