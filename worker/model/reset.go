package model

import "github.com/montecarlo-pipeline/montecarlo/worker/loan"

// resetMonth reports whether month t of the horizon (1 is the coming month)
// of a variable-rate loan aged age months starts with a rate reset: from
// first_reset_month every reset_months when the loan gives it, else at
// the months starting at a loan age (age + t - 1) that is a positive
// multiple of reset_months (docs/loans.md, "The reset schedule").
func resetMonth(l *loan.Loan, age, t int) bool {
	if f := l.FirstResetMonth; f > 0 {
		return t >= f && (t-f)%l.ResetMonths == 0
	}
	a := age + t - 1
	return a > 0 && a%l.ResetMonths == 0
}
