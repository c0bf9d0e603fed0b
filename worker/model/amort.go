package model

import "math"

// Payment is the level monthly payment that repays principal over months
// payments at annual rate rateAnnual (monthly rate i = rateAnnual/12):
// A = P*i / (1 - (1+i)^-n), or P/n when i = 0. It is 0 when months <= 0.
func Payment(principalUSD, rateAnnual float64, months int) float64 {
	if months <= 0 {
		return 0
	}
	i := rateAnnual / 12
	if i == 0 {
		return principalUSD / float64(months)
	}
	return principalUSD * i / (1 - math.Pow(1+i, -float64(months)))
}

// Balance is the balance after k payments of paymentUSD on principalUSD at
// annual rate rateAnnual: B_k = P*(1+i)^k - A*((1+i)^k - 1)/i (P - k*A when
// i = 0). With paymentUSD = Payment(P, rate, n), Balance(..., n) is 0 up to
// rounding.
func Balance(principalUSD, rateAnnual, paymentUSD float64, k int) float64 {
	i := rateAnnual / 12
	if i == 0 {
		return principalUSD - float64(k)*paymentUSD
	}
	g := math.Pow(1+i, float64(k))
	return float64(principalUSD*g) - float64(paymentUSD*(g-1))/i
}

// annuityFast is Payment for the inner loop, as principal times
// annuityFactor: the factor does not depend on the balance, so in a
// monthly-reset loop it is computed off the balance's dependency chain.
func annuityFast(principalUSD, iMonthly float64, months int) float64 {
	return principalUSD * annuityFactor(iMonthly, months)
}

// annuityFactor is A/P = i / (1 - (1+i)^-n) (1/n when i = 0, 0 when n <= 0),
// with (1+i)^-n as exp(-n*ln(1+i)) and ln(1+i) = 2*atanh(i/(2+i)) summed to
// the z^9 term, exact to a few ulps for monthly rates below 5%; larger rates
// use math.Log1p. The exp is expFast, the same on every CPU.
func annuityFactor(iMonthly float64, months int) float64 {
	if months <= 0 {
		return 0
	}
	if iMonthly == 0 {
		return 1 / float64(months)
	}
	var l float64
	if iMonthly < 0.05 && iMonthly > -0.05 {
		z := iMonthly / (2 + iMonthly)
		z2 := z * z
		// 2*(z + z^3/3 + z^5/5 + z^7/7 + z^9/9); float64() stops fused multiply-adds.
		poly := float64(z2*(1.0/9)) + 1.0/7
		poly = float64(z2*poly) + 1.0/5
		poly = float64(z2*poly) + 1.0/3
		poly = float64(z2*poly) + 1
		l = 2 * float64(z*poly)
	} else {
		l = math.Log1p(iMonthly)
	}
	v := expFast(-float64(float64(months) * l))
	return iMonthly / (1 - v)
}
