package loan

import "math"

// Payment is the level monthly payment that repays principal over months
// payments at an annual rate (MODEL.md): A = P*i / (1 - (1+i)^-n) with
// i = rate/12, and A = P/n at a zero rate. It returns 0 when months < 1.
// The power has an integer exponent, which math.Pow computes by repeated
// squaring without calling Exp, so the result is the same on every CPU.
func Payment(principalUSD, rateAnnual float64, months int) float64 {
	if months < 1 {
		return 0
	}
	i := rateAnnual / 12
	if i == 0 {
		return principalUSD / float64(months)
	}
	return principalUSD * i / (1 - math.Pow(1+i, -float64(months)))
}

// BalanceAfter is the balance of a level-payment loan after paid payments
// (MODEL.md): B_k = P*(1+i)^k - A*((1+i)^k - 1)/i, clamped at 0 against
// rounding. B_n is 0.
func BalanceAfter(principalUSD, rateAnnual float64, months, paid int) float64 {
	if paid <= 0 {
		return principalUSD
	}
	if paid >= months {
		return 0
	}
	a := Payment(principalUSD, rateAnnual, months)
	i := rateAnnual / 12
	if i == 0 {
		return math.Max(0, principalUSD-a*float64(paid))
	}
	g := math.Pow(1+i, float64(paid))
	return math.Max(0, principalUSD*g-a*(g-1)/i)
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
