package loan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file holds the rules every reader applies to a record once its
// columns or keys are mapped onto fields (fields.go): how a value is
// parsed, which fields are required, and how the optional ones are
// derived when absent. docs/loans.md documents them field by field.

// DefaultAsOf is the date records are valued at when a record gives an
// origination date but no remaining term (or the reverse): June 2025, when
// the effective fed funds rate was the r0 = 4.33% of MODEL.md.
var DefaultAsOf = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

// Derivation targets.
const (
	// DefaultTargetDTI is the debt-to-income ratio assumed for a personal loan
	// without an income: 30%, the middle of the 15-45% band most borrowers
	// fall in (see the portfolio package's DTI distribution).
	DefaultTargetDTI = 0.30
	// DefaultTargetDSCR is the debt-service coverage assumed for a commercial
	// loan without NOI: 1.35, a typical origination covenant.
	DefaultTargetDSCR = 1.35
	// Loan-to-value at origination assumed for secured loans without a
	// collateral value.
	defaultAutoLTV = 0.90
	defaultCRELTV  = 0.65
)

// segmentAliases maps the sample's loan types and common spellings to
// segments.
var segmentAliases = map[string]Segment{
	"personal": PersonalUnsecured, "commercial": CommercialTerm,
	"auto": PersonalAuto, "cre": CommercialRealEstate,
	"line": CommercialLine, "line_of_credit": CommercialLine,
	"mortgage": ResidentialMortgage, "first_lien_mortgage": ResidentialMortgage,
	"heloc": HomeEquity, "home_equity_line": HomeEquity,
	"card": CreditCard, "credit_cards": CreditCard,
}

// SegmentAliases returns the other accepted spellings of each segment.
func SegmentAliases() map[Segment][]string {
	out := map[Segment][]string{}
	for a, s := range segmentAliases {
		out[s] = append(out[s], a)
	}
	return out
}

// requiredPresent reports whether the always-required fields have values.
func (r *Reader) requiredPresent() bool {
	for _, f := range requiredFields {
		if !r.seen[f] {
			return false
		}
	}
	return r.seen[requiredOneOf[0]] || r.seen[requiredOneOf[1]]
}

// parseNumber reads a plain decimal number: digits, one point, an optional
// sign and exponent. Thousands separators, currency and percent signs are
// refused, quoting the value as written, in every format alike.
func parseNumber(key, v string) (float64, *FieldError) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
			continue
		}
		why := "not a number"
		switch c {
		case ',':
			why = "thousands separators are not accepted"
		case '$':
			why = "currency signs are not accepted"
		case '%':
			why = "percent signs are not accepted"
		case ' ', '_':
			why = "digit groups are not accepted"
		}
		return 0, &FieldError{Kind: KindWrongType, Field: key, Problem: fmt.Sprintf("is %q: %s", v, why), Allowed: "a plain number such as 12000.50"}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &FieldError{Kind: KindWrongType, Field: key, Problem: fmt.Sprintf("is %q, not a number", v), Allowed: "a plain number such as 12000.50"}
	}
	return f, nil
}

// fill maps r.values onto l, checks the required fields and the rates as
// written, derives the optional fields that are absent and validates.
func (r *Reader) fill(l *Loan) error {
	var err *FieldError
	num := func(c field) float64 {
		if !r.seen[c] || err != nil {
			return 0
		}
		f, perr := parseNumber(fieldKeys[c], r.values[c])
		if perr != nil {
			err = perr
		}
		return f
	}
	integer := func(c field) int {
		f := num(c)
		if err == nil && r.seen[c] && (f != math.Trunc(f) || math.Abs(f) > 1e15) {
			err = &FieldError{Kind: KindWrongType, Field: fieldKeys[c], Problem: fmt.Sprintf("is %q, not a whole number", r.values[c]), Allowed: "a whole number"}
		}
		return int(f)
	}
	rate := func(c field) float64 {
		f := num(c)
		if err != nil || !r.seen[c] {
			return f
		}
		if r.opt.RateUnit == RatePercent {
			// Shifting the exponent converts 0.9 to exactly the double
			// nearest 0.009, which dividing by 100 does not.
			if !strings.ContainsAny(r.values[c], "eE") {
				f, _ = strconv.ParseFloat(r.values[c]+"e-2", 64)
			} else {
				f /= 100
			}
			if f > 1 {
				err = &FieldError{Kind: KindBadRate, Field: fieldKeys[c],
					Problem: fmt.Sprintf("is %q, above 100%% (read as a percentage with --rate-unit percent)", r.values[c]),
					Allowed: "an annual percentage such as 6.5"}
			}
			return f
		}
		if f > 1 {
			err = &FieldError{Kind: KindBadRate, Field: fieldKeys[c],
				Problem: fmt.Sprintf("is %q, above 1: rates are decimals (0.065 for 6.5%%)", r.values[c]),
				Allowed: "an annual decimal such as 0.065; --rate-unit percent reads 6.5 as 6.5%"}
		}
		return f
	}
	l.ID = r.values[colID]
	if !r.seen[colID] {
		return fieldErr(KindMissingID, "id", "a non-empty string", "is missing")
	}
	for _, f := range requiredFields {
		if !r.seen[f] {
			return &FieldError{Kind: KindMissingField, Field: fieldKeys[f], Problem: "is missing", Allowed: "a value in every record: required, never derived"}
		}
	}
	if !r.seen[colRemaining] && !r.seen[colOrigination] {
		return &FieldError{Kind: KindMissingField, Field: "remaining_months", Problem: "is missing, and so is origination_date",
			Allowed: "remaining_months, or origination_date to derive it from"}
	}
	v := strings.ToLower(r.values[colSegment])
	l.Segment = Segment(v)
	if s, ok := segmentAliases[strings.ReplaceAll(v, " ", "_")]; ok {
		l.Segment = s
		l.Derived = append(l.Derived, fmt.Sprintf("segment: %s from loan type %q", s, r.values[colSegment]))
	}
	if r.seen[colRateType] {
		l.RateType = RateType(strings.ToLower(r.values[colRateType]))
	}
	l.AmountUSD = num(colAmount)
	l.CreditLimitUSD = num(colCreditLimit)
	l.BalanceUSD = num(colBalance)
	l.TermMonths = integer(colTerm)
	l.RemainingMonths = integer(colRemaining)
	if r.seen[colInterestOnly] && err == nil {
		b, perr := strconv.ParseBool(strings.ToLower(r.values[colInterestOnly]))
		if perr != nil {
			err = &FieldError{Kind: KindWrongType, Field: "interest_only", Problem: fmt.Sprintf("is %q", r.values[colInterestOnly]), Allowed: "true or false"}
		}
		l.InterestOnly = b
	}
	l.RateAnnual = rate(colRate)
	if r.seen[colIndex] {
		l.Index = Index(strings.ToLower(r.values[colIndex]))
	}
	l.MarginAnnual = rate(colMargin)
	l.ResetMonths = integer(colReset)
	l.FirstResetMonth = integer(colFirstReset)
	if r.seen[colFirstReset] && l.FirstResetMonth == 0 && err == nil {
		// 0 would read as absent (the age rule): a written 0 is refused
		// rather than silently given today's rule.
		err = errFirstReset("is 0")
	}
	l.PeriodicCapAnnual = rate(colPeriodicCap)
	l.LifetimeCapAnnual = rate(colLifetimeCap)
	l.RateCeilingAnnual = rate(colRateCeiling)
	l.OriginationRateAnnual = rate(colOriginationRate)
	l.BalloonMonth = integer(colBalloon)
	l.CreditScore = integer(colScore)
	l.RiskGrade = integer(colGrade)
	l.IncomeAnnualUSD = num(colIncome)
	l.OtherDebtMonthlyUSD = num(colOtherDebt)
	l.NOIAnnualUSD = num(colNOI)
	l.CollateralValueUSD = num(colCollateral)
	if r.seen[colOrigination] {
		l.OriginationDate = r.values[colOrigination]
	}
	if err != nil {
		return err
	}
	r.derive(l)
	return l.Validate()
}

// derive fills the optional fields the record lacks, each by one rule,
// and notes it in l.Derived as "field: rule with its values". Each rule
// runs only when its inputs are usable; otherwise Validate reports the
// root cause. Required fields are never derived.
func (r *Reader) derive(l *Loan) {
	note := func(format string, args ...any) { l.Derived = append(l.Derived, fmt.Sprintf(format, args...)) }
	if !r.seen[colRateType] {
		l.RateType = Fixed
		if l.Index != "" {
			l.RateType = Variable
		}
		note("rate_type: %s (variable when an index is given, else fixed)", l.RateType)
	}
	if l.RateType == Variable && !r.seen[colReset] {
		switch l.Index {
		case Prime:
			l.ResetMonths = 1
			note("reset_months: 1 (prime-based loans reset monthly)")
		case SOFR:
			l.ResetMonths = 12
			note("reset_months: 12 (SOFR ARM)")
		}
	}
	if l.Segment == CommercialLine && !r.seen[colInterestOnly] {
		l.InterestOnly = true
		note("interest_only: true (lines pay interest on the drawn balance)")
	}
	if l.TermMonths < 1 || l.AmountUSD <= 0 || !finite(l.RateAnnual) {
		return
	}
	switch {
	case r.seen[colRemaining] && !r.seen[colOrigination]:
		age := l.TermMonths - l.RemainingMonths
		if age >= 0 {
			l.OriginationDate = r.opt.AsOf.AddDate(0, -age-1, 0).Format("2006-01-02")
			note("origination_date: %s = %s - (%d payments made + 1) months", l.OriginationDate, r.opt.AsOf.Format("2006-01-02"), age)
		}
	case !r.seen[colRemaining] && validDate(l.OriginationDate):
		y, _ := digits(l.OriginationDate[0:4])
		m, _ := digits(l.OriginationDate[5:7])
		// Payments made: the first falls due the month after origination.
		age := (r.opt.AsOf.Year()-y)*12 + int(r.opt.AsOf.Month()) - m - 1
		age = max(0, min(age, l.TermMonths-1))
		l.RemainingMonths = l.TermMonths - age
		note("remaining_months: %d = term %d - %d payments made between origination %s and %s", l.RemainingMonths, l.TermMonths, age, l.OriginationDate, r.opt.AsOf.Format("2006-01-02"))
	}
	if l.Segment.Commercial() && !r.seen[colGrade] && l.CreditScore >= MinCreditScore && l.CreditScore <= MaxCreditScore {
		l.RiskGrade = max(MinRiskGrade, min(MaxRiskGrade, 1+(800-l.CreditScore)/50))
		note("risk_grade: %d = 1 + (800 - credit_score %d)/50, clamped to 1-10", l.RiskGrade, l.CreditScore)
	}
	if l.RemainingMonths < 1 || l.RemainingMonths > l.TermMonths {
		return
	}
	pay := l.ScheduledPayment()
	if l.Segment.Personal() {
		if !r.seen[colOtherDebt] {
			note("monthly_other_debt: 0 (not given)")
		}
		if !r.seen[colIncome] {
			l.IncomeAnnualUSD = math.Round(12 * (pay + l.OtherDebtMonthlyUSD) / r.opt.TargetDTI)
			note("annual_income: %v = 12 x (payment %.2f + other debt %v) / target DTI %v", l.IncomeAnnualUSD, pay, l.OtherDebtMonthlyUSD, r.opt.TargetDTI)
		}
	}
	if l.Segment.Commercial() && !r.seen[colNOI] {
		l.NOIAnnualUSD = math.Round(r.opt.TargetDSCR * 12 * pay)
		note("annual_noi: %v = target DSCR %v x 12 x payment %.2f", l.NOIAnnualUSD, r.opt.TargetDSCR, pay)
	}
	if !r.seen[colCollateral] {
		switch l.Segment {
		case PersonalAuto:
			l.CollateralValueUSD = math.Round(l.AmountUSD / defaultAutoLTV)
			note("collateral_value: %v = amount / LTV %v", l.CollateralValueUSD, defaultAutoLTV)
		case CommercialRealEstate:
			l.CollateralValueUSD = math.Round(l.AmountUSD / defaultCRELTV)
			note("collateral_value: %v = amount / LTV %v", l.CollateralValueUSD, defaultCRELTV)
		}
	}
}

// DerivedField returns the field a Loan.Derived note is about ("balance"
// for "balance: 1200 ..."), the key reports count derivations by.
func DerivedField(note string) string {
	f, _, _ := strings.Cut(note, ":")
	return f
}
