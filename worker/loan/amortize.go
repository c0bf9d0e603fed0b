package loan

import "math"

// Payment is the level monthly payment that repays principal over months
// payments at an annual rate (MODEL.md): A = P*i / (1 - (1+i)^-n) with
// i = rate/12, and A = P/n at a zero rate. It returns 0 when months < 1.
func Payment(principalUSD, rateAnnual float64, months int) float64 {
	a, _ := Amortize(principalUSD, rateAnnual, months, 0)
	return a
}

// BalanceAfter is the balance of a level-payment loan after paid payments
// (MODEL.md): B_k = P*(1+i)^k - A*((1+i)^k - 1)/i, clamped at 0 against
// rounding. B_n is 0.
func BalanceAfter(principalUSD, rateAnnual float64, months, paid int) float64 {
	_, b := Amortize(principalUSD, rateAnnual, months, paid)
	return b
}

// Amortize returns both the level payment of a loan of principal over months
// payments and its balance after paid of them, sharing the work. Powers are
// taken by repeated squaring (powInt): multiplications only, so the result is
// the same on every CPU (math.Exp, which math.Pow uses for fractional
// exponents, picks an FMA path by CPU on amd64) and several times faster than
// math.Pow.
func Amortize(principalUSD, rateAnnual float64, months, paid int) (paymentUSD, balanceUSD float64) {
	if months < 1 {
		return 0, principalUSD
	}
	paid = max(0, paid)
	i := rateAnnual / 12
	if i == 0 {
		a := principalUSD / float64(months)
		return a, math.Max(0, principalUSD-a*float64(min(paid, months)))
	}
	q := 1 + i
	a := principalUSD * i / (1 - 1/powInt(q, months))
	switch {
	case paid == 0:
		return a, principalUSD
	case paid >= months:
		return a, 0
	}
	g := powInt(q, paid)
	return a, math.Max(0, principalUSD*g-a*(g-1)/i)
}

// powInt returns x^n for n >= 0 by repeated squaring; for the terms here
// (n <= 600) the relative error is a few ulps.
func powInt(x float64, n int) float64 {
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r *= x
		}
		x *= x
		n >>= 1
	}
	return r
}

// ScheduledPayment is the loan's monthly payment today at its current rate:
// interest only for interest-only loans and lines, otherwise the level payment
// that repays the balance over the remaining months.
func (l *Loan) ScheduledPayment() float64 {
	if l.InterestOnly {
		return l.BalanceUSD * l.RateAnnual / 12
	}
	return Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
}
