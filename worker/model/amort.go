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
	return float64(principalUSD * annuityFactor(iMonthly, months))
}

// annuityFactor is A/P = i / (1 - (1+i)^-n) (1/n when i = 0, 0 when n <= 0).
func annuityFactor(iMonthly float64, months int) float64 {
	return annuityFromLog(iMonthly, log1pMonthly(iMonthly), months)
}

// annuityFromLog is annuityFactor given l = ln(1+i): i / (1 - e^(-n*l)),
// with oneMinusExp, so without math.Exp's CPU-dependent FMA path and
// accurate also when n*l is small.
func annuityFromLog(i, l float64, months int) float64 {
	if months <= 0 {
		return 0
	}
	if i == 0 {
		return 1 / float64(months)
	}
	return i / oneMinusExp(-float64(float64(months)*l))
}

// log1pMonthly is ln(1+i) for a monthly rate: 2*atanh(i/(2+i)) summed to the
// z^9 term, exact to a few ulps for |i| < 0.05, and math.Log1p (pure Go on
// every platform but s390x) beyond.
func log1pMonthly(i float64) float64 {
	if !(i < 0.05 && i > -0.05) {
		return math.Log1p(i)
	}
	z := i / (2 + i)
	z2 := z * z
	// 2*(z + z^3/3 + z^5/5 + z^7/7 + z^9/9); float64() stops fused multiply-adds.
	poly := float64(z2*(1.0/9)) + 1.0/7
	poly = float64(z2*poly) + 1.0/5
	poly = float64(z2*poly) + 1.0/3
	poly = float64(z2*poly) + 1
	return 2 * float64(z*poly)
}

// log1pSplit is ln(1 + a + f) from la = ln(1+a), lf = ln(1+f) and the
// shrunk rates ag = a/(1+a), fg = f/(1+f): 1+a+f = (1+a)(1+f)(1-e) with
// e = ag*fg, and ln(1-e) = -e(1 + e/2 + e^2/3 + e^3/4 + e^4/5 + ...). With
// 0 <= a, f < splitMax, e < 0.0025, the truncation is below 1e-17 of the
// result, and no term cancels another. The monthly-reset kernel uses it with f the policy rate of a
// scenario month (ln(1+f) precomputed once per scenario) and a the loan's
// spread, so a monthly reset costs no logarithm.
func log1pSplit(la, ag, lf, fg float64) float64 {
	e := float64(ag * fg)
	// q = 1 + e/2 + e^2/3 + e^3/4 + e^4/5 in Estrin's form: the monthly
	// kernel is bound by the latency of this chain, not by its operations.
	e2 := e * e
	q := float64(e*(1.0/2)) + 1
	q2 := float64(e*(1.0/4)) + 1.0/3
	q2 = float64(e2*(1.0/5)) + q2
	q = float64(e2*q2) + q
	return (la + lf) - float64(e*q)
}

// splitMax bounds the monthly rates log1pSplit takes.
const splitMax = 0.05
