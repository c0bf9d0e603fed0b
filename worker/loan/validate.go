package loan

import (
	"math"
	"strconv"
)

// Limits a valid record must respect. They are wide on purpose: they reject
// records that are wrong (a rate of 650%, a 900 credit score, a balance above
// the limit), not records that are merely unusual.
const (
	MaxIDBytes         = 128   // an id longer than this is a corrupted record, not an id
	MaxAmountUSD       = 1e10  // $10 billion: larger than any single loan we hold
	MaxTermMonths      = 600   // 50 years
	MaxResetMonths     = 120   // a 10-year reset period
	MinMarginAnnual    = -0.02 // sub-index pricing exists but is rare and small
	MaxMarginAnnual    = 0.20  // anything wider is a rate typed into the margin field
	MinCreditScore     = 300   // FICO range
	MaxCreditScore     = 850   // FICO range
	MinRiskGrade       = 1     // internal grade, 1 = best
	MaxRiskGrade       = 10    // internal grade, 10 = worst
	MaxIncomeUSD       = 1e9   // annual
	MaxOtherDebtUSD    = 1e8   // monthly
	MaxNOIUSD          = 1e10  // annual
	MaxCollateralUSD   = 1e11  // current market value
	MinOriginationYear = 1950  // older records are typos
	MaxOriginationYear = 2100
)

// Validate reports the first problem with the record as a *FieldError, or nil
// when the model can use it. Checks run in a fixed order (identity, segment
// and rate type, amounts and terms, rate terms, borrower fields, collateral,
// date) so the same record always gets the same Kind; a record with several
// problems is rejected once, for the first. A valid record allocates nothing.
func (l *Loan) Validate() error {
	if err := l.validateIdentity(); err != nil {
		return err
	}
	if err := l.validateSize(); err != nil {
		return err
	}
	if err := l.validateRateTerms(); err != nil {
		return err
	}
	if err := l.validateBorrower(); err != nil {
		return err
	}
	if !finite(l.CollateralValueUSD) || l.CollateralValueUSD < 0 || l.CollateralValueUSD > MaxCollateralUSD {
		return fieldErr(KindBadCollateral, "collateral_value", "0 to 1e11", "is %v", l.CollateralValueUSD)
	}
	if l.Segment.Secured() && l.CollateralValueUSD == 0 {
		return fieldErr(KindBadCollateral, "collateral_value", "> 0 for secured segments (personal_auto, commercial_real_estate, residential_mortgage, home_equity)",
			"is missing for a %s loan", l.Segment)
	}
	if !validDate(l.OriginationDate) {
		return fieldErr(KindBadDate, "origination_date",
			"a calendar date YYYY-MM-DD with year "+strconv.Itoa(MinOriginationYear)+"-"+strconv.Itoa(MaxOriginationYear),
			"is %q", l.OriginationDate)
	}
	return nil
}

func (l *Loan) validateIdentity() error {
	if l.ID == "" {
		return fieldErr(KindMissingID, "id", "a non-empty string", "is missing")
	}
	if len(l.ID) > MaxIDBytes {
		return fieldErr(KindBadID, "id", "at most 128 bytes", "is %d bytes long", len(l.ID))
	}
	for i := 0; i < len(l.ID); i++ {
		if c := l.ID[i]; c < 0x20 || c == 0x7f {
			return fieldErr(KindBadID, "id", "printable characters only", "contains control character %#02x at byte %d", c, i)
		}
	}
	if !l.Segment.Valid() {
		return fieldErr(KindBadSegment, "segment", segmentList, "is %q", l.Segment)
	}
	if l.RateType != Fixed && l.RateType != Variable {
		return fieldErr(KindBadRateType, "rate_type", `"fixed" or "variable"`, "is %q", l.RateType)
	}
	return nil
}

func (l *Loan) validateSize() error {
	if !finite(l.AmountUSD) || l.AmountUSD <= 0 || l.AmountUSD > MaxAmountUSD {
		return fieldErr(KindBadAmount, "amount", "> 0 and at most 1e10", "is %v", l.AmountUSD)
	}
	if !finite(l.BalanceUSD) || l.BalanceUSD < 0 {
		return fieldErr(KindBadBalance, "balance", "0 to amount", "is %v", l.BalanceUSD)
	}
	if l.BalanceUSD > l.AmountUSD {
		what := "original amount"
		if l.Segment == CommercialLine {
			what = "credit limit" // a line's drawn balance above its limit
		}
		return fieldErr(KindBadBalance, "balance", "0 to amount", "is %v, above the %s %v", l.BalanceUSD, what, l.AmountUSD)
	}
	if l.TermMonths < 1 || l.TermMonths > MaxTermMonths {
		return fieldErr(KindBadTerm, "term_months", "1 to 600", "is %d", l.TermMonths)
	}
	if l.RemainingMonths < 1 || l.RemainingMonths > l.TermMonths {
		return fieldErr(KindBadRemaining, "remaining_months", "1 to term_months", "is %d with term_months %d", l.RemainingMonths, l.TermMonths)
	}
	if l.BalloonMonth != 0 {
		// The balloon falls due after today (age term-remaining) and no later
		// than the amortisation term.
		age := l.TermMonths - l.RemainingMonths
		if l.BalloonMonth <= age || l.BalloonMonth > l.TermMonths {
			return fieldErr(KindBadBalloon, "balloon_month",
				"absent, or a loan age in months after today's age (term_months - remaining_months) and at most term_months",
				"is %d with term_months %d and remaining_months %d", l.BalloonMonth, l.TermMonths, l.RemainingMonths)
		}
	}
	if l.CreditLimitUSD != 0 {
		switch {
		case !l.Segment.HasCreditLimit():
			return fieldErr(KindBadCreditLimit, "credit_limit", "absent except on lines of credit (credit_card, commercial_line, home_equity)",
				"is %v on a %s loan", l.CreditLimitUSD, l.Segment)
		case !finite(l.CreditLimitUSD) || l.CreditLimitUSD < 0 || l.CreditLimitUSD > MaxAmountUSD:
			return fieldErr(KindBadCreditLimit, "credit_limit", "balance to 1e10", "is %v", l.CreditLimitUSD)
		case l.CreditLimitUSD < l.BalanceUSD:
			return fieldErr(KindBadCreditLimit, "credit_limit", "balance to 1e10", "is %v, below the drawn balance %v", l.CreditLimitUSD, l.BalanceUSD)
		}
	}
	return nil
}

func (l *Loan) validateRateTerms() error {
	if !finite(l.RateAnnual) || l.RateAnnual < 0 || l.RateAnnual >= 1 {
		return fieldErr(KindBadRate, "current_rate", "an annual decimal in [0, 1), e.g. 0.065 for 6.5%", "is %v", l.RateAnnual)
	}
	if !finite(l.OriginationRateAnnual) || l.OriginationRateAnnual < 0 || l.OriginationRateAnnual >= 1 {
		return fieldErr(KindBadRate, "origination_rate", "absent, or an annual decimal in [0, 1)", "is %v", l.OriginationRateAnnual)
	}
	if l.RateType == Fixed {
		// A fixed loan carrying reset terms is ambiguous: either the rate type or
		// the terms are wrong, and guessing would change its simulated payments.
		switch {
		case l.Index != "":
			return fieldErr(KindFixedVariable, "index", "empty for a fixed-rate loan", "is %q on a fixed-rate loan", l.Index)
		case l.MarginAnnual != 0:
			return fieldErr(KindFixedVariable, "margin", "0 or absent for a fixed-rate loan", "is %v on a fixed-rate loan", l.MarginAnnual)
		case l.ResetMonths != 0:
			return fieldErr(KindFixedVariable, "reset_months", "0 or absent for a fixed-rate loan", "is %d on a fixed-rate loan", l.ResetMonths)
		case l.FirstResetMonth != 0:
			return fieldErr(KindFixedVariable, "first_reset_month", "absent for a fixed-rate loan", "is %d on a fixed-rate loan", l.FirstResetMonth)
		case l.PeriodicCapAnnual != 0:
			return fieldErr(KindFixedVariable, "periodic_cap", "0 or absent for a fixed-rate loan", "is %v on a fixed-rate loan", l.PeriodicCapAnnual)
		case l.LifetimeCapAnnual != 0:
			return fieldErr(KindFixedVariable, "lifetime_cap", "0 or absent for a fixed-rate loan", "is %v on a fixed-rate loan", l.LifetimeCapAnnual)
		case l.RateCeilingAnnual != 0:
			return fieldErr(KindFixedVariable, "rate_ceiling", "0 or absent for a fixed-rate loan", "is %v on a fixed-rate loan", l.RateCeilingAnnual)
		}
		return nil
	}
	if l.Index != Prime && l.Index != SOFR {
		if l.Index == "" {
			return fieldErr(KindBadIndex, "index", `"prime" or "sofr" for a variable-rate loan`, "is missing on a variable-rate loan")
		}
		return fieldErr(KindBadIndex, "index", `"prime" or "sofr"`, "is %q", l.Index)
	}
	if !finite(l.MarginAnnual) || l.MarginAnnual < MinMarginAnnual || l.MarginAnnual > MaxMarginAnnual {
		return fieldErr(KindBadMargin, "margin", "an annual decimal from -0.02 to 0.20", "is %v", l.MarginAnnual)
	}
	if l.ResetMonths < 1 || l.ResetMonths > MaxResetMonths {
		return fieldErr(KindBadReset, "reset_months", "1 to 120 for a variable-rate loan", "is %d", l.ResetMonths)
	}
	if l.FirstResetMonth < 0 || l.FirstResetMonth > l.RemainingMonths {
		return fieldErr(KindBadFirstReset, "first_reset_month", firstResetAllowed, "is %d with remaining_months %d", l.FirstResetMonth, l.RemainingMonths)
	}
	if !finite(l.PeriodicCapAnnual) || l.PeriodicCapAnnual < 0 || l.PeriodicCapAnnual >= 1 {
		return fieldErr(KindBadCap, "periodic_cap", "an annual decimal in [0, 1); 0 means no cap", "is %v", l.PeriodicCapAnnual)
	}
	if !finite(l.LifetimeCapAnnual) || l.LifetimeCapAnnual < 0 || l.LifetimeCapAnnual >= 1 {
		return fieldErr(KindBadCap, "lifetime_cap", "an annual decimal in [0, 1); 0 means no cap", "is %v", l.LifetimeCapAnnual)
	}
	if l.RateCeilingAnnual != 0 {
		switch {
		case !finite(l.RateCeilingAnnual) || l.RateCeilingAnnual < 0 || l.RateCeilingAnnual >= 1:
			return fieldErr(KindBadCap, "rate_ceiling", "absent, or an annual decimal in [current_rate, 1)", "is %v", l.RateCeilingAnnual)
		case l.LifetimeCapAnnual != 0:
			return fieldErr(KindBadCap, "rate_ceiling", "absent when lifetime_cap is given (a record states its ceiling one way)",
				"is %v with lifetime_cap %v", l.RateCeilingAnnual, l.LifetimeCapAnnual)
		case l.RateCeilingAnnual < l.RateAnnual:
			return fieldErr(KindBadCap, "rate_ceiling", "absent, or an annual decimal in [current_rate, 1)",
				"is %v, below current_rate %v", l.RateCeilingAnnual, l.RateAnnual)
		}
	}
	if l.LifetimeCapAnnual != 0 && l.OriginationRateAnnual != 0 && l.OriginationRateAnnual+l.LifetimeCapAnnual < l.RateAnnual {
		return fieldErr(KindBadCap, "lifetime_cap", "at least current_rate - origination_rate",
			"is %v with origination_rate %v, below current_rate %v", l.LifetimeCapAnnual, l.OriginationRateAnnual, l.RateAnnual)
	}
	return nil
}

func (l *Loan) validateBorrower() error {
	if l.Segment.Personal() {
		if l.CreditScore < MinCreditScore || l.CreditScore > MaxCreditScore {
			if l.CreditScore == 0 {
				return fieldErr(KindBadScore, "credit_score", "300 to 850 for personal loans", "is missing on a personal loan")
			}
			return fieldErr(KindBadScore, "credit_score", "300 to 850 for personal loans", "is %d", l.CreditScore)
		}
		if l.RiskGrade != 0 {
			return fieldErr(KindBadGrade, "risk_grade", "absent on personal loans (they use credit_score)", "is %d on a personal loan", l.RiskGrade)
		}
		if !finite(l.IncomeAnnualUSD) || l.IncomeAnnualUSD <= 0 || l.IncomeAnnualUSD > MaxIncomeUSD {
			if l.IncomeAnnualUSD == 0 {
				return fieldErr(KindBadIncome, "annual_income", "> 0 and at most 1e9 for personal loans", "is missing on a personal loan")
			}
			return fieldErr(KindBadIncome, "annual_income", "> 0 and at most 1e9 for personal loans", "is %v", l.IncomeAnnualUSD)
		}
		if !finite(l.OtherDebtMonthlyUSD) || l.OtherDebtMonthlyUSD < 0 || l.OtherDebtMonthlyUSD > MaxOtherDebtUSD {
			return fieldErr(KindBadOtherDebt, "monthly_other_debt", "0 to 1e8", "is %v", l.OtherDebtMonthlyUSD)
		}
		return nil
	}
	// Commercial.
	if l.RiskGrade < MinRiskGrade || l.RiskGrade > MaxRiskGrade {
		if l.RiskGrade == 0 {
			return fieldErr(KindBadGrade, "risk_grade", "1 (best) to 10 (worst) for commercial loans", "is missing on a commercial loan")
		}
		return fieldErr(KindBadGrade, "risk_grade", "1 (best) to 10 (worst) for commercial loans", "is %d", l.RiskGrade)
	}
	// A guarantor's score may ride along on a commercial loan; the model ignores
	// it, but it must still be a score.
	if l.CreditScore != 0 && (l.CreditScore < MinCreditScore || l.CreditScore > MaxCreditScore) {
		return fieldErr(KindBadScore, "credit_score", "300 to 850, or absent", "is %d", l.CreditScore)
	}
	if !finite(l.NOIAnnualUSD) || l.NOIAnnualUSD <= 0 || l.NOIAnnualUSD > MaxNOIUSD {
		if l.NOIAnnualUSD == 0 {
			return fieldErr(KindBadNOI, "annual_noi", "> 0 and at most 1e10 for commercial loans", "is missing on a commercial loan")
		}
		return fieldErr(KindBadNOI, "annual_noi", "> 0 and at most 1e10 for commercial loans", "is %v", l.NOIAnnualUSD)
	}
	if l.IncomeAnnualUSD != 0 || l.OtherDebtMonthlyUSD != 0 {
		if !finite(l.IncomeAnnualUSD) || l.IncomeAnnualUSD < 0 || !finite(l.OtherDebtMonthlyUSD) || l.OtherDebtMonthlyUSD < 0 {
			return fieldErr(KindBadIncome, "annual_income", "absent, or >= 0, on commercial loans", "is %v", l.IncomeAnnualUSD)
		}
	}
	return nil
}

// Valid reports whether s is one of Segments.
func (s Segment) Valid() bool { return s.Personal() || s.Commercial() }

// Secured reports whether loans in the segment must carry collateral: auto
// loans (the vehicle), commercial real estate, residential mortgages and home
// equity (the property). Commercial term loans and lines may be secured or
// not; a collateral value above zero says which.
func (s Segment) Secured() bool { return s == PersonalAuto || s.RealEstate() }

const segmentList = `one of "personal_unsecured", "personal_auto", "commercial_term", "commercial_real_estate", "commercial_line", "residential_mortgage", "home_equity", "credit_card"`

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// validDate checks YYYY-MM-DD by hand: time.Parse would do, but this runs once
// per loan on the hot path and needs no allocation or time zone.
func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < MinOriginationYear || y > MaxOriginationYear || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days in month m (1-12) of year y, Gregorian.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// firstResetAllowed is what a first_reset_month may be.
const firstResetAllowed = "absent, or 1 to remaining_months: the month of the next reset counted from today (1 is the coming month), variable-rate loans only"

// errFirstReset rejects a first_reset_month: problem says what was found.
func errFirstReset(problem string) *FieldError {
	return &FieldError{Kind: KindBadFirstReset, Field: "first_reset_month", Problem: problem, Allowed: firstResetAllowed}
}
