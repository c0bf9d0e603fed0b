package loan

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// validPersonal and validCommercial are complete, consistent records; each
// validation case breaks exactly one thing in a copy.
func validPersonal() Loan {
	return Loan{
		ID: "L0000000001", Segment: PersonalUnsecured, RateType: Variable,
		AmountUSD: 25000, BalanceUSD: 18000.55, TermMonths: 60, RemainingMonths: 41,
		RateAnnual: 0.1433, Index: Prime, MarginAnnual: 0.07, ResetMonths: 1,
		CreditScore: 700, IncomeAnnualUSD: 64000, OtherDebtMonthlyUSD: 900,
		OriginationDate: "2023-11-01",
	}
}

func validCommercial() Loan {
	return Loan{
		ID: "L0000000002", Segment: CommercialRealEstate, RateType: Variable,
		AmountUSD: 2.5e6, BalanceUSD: 2.1e6, TermMonths: 240, RemainingMonths: 200,
		RateAnnual: 0.0683, Index: SOFR, MarginAnnual: 0.025, ResetMonths: 12,
		PeriodicCapAnnual: 0.02, LifetimeCapAnnual: 0.05,
		RiskGrade: 4, NOIAnnualUSD: 310000, CollateralValueUSD: 3.6e6,
		OriginationDate: "2022-02-28",
	}
}

// validCard, validMortgage and validBalloon use the version 2 fields.
func validCard() Loan {
	return Loan{
		ID: "L0000000003", Segment: CreditCard, RateType: Variable,
		AmountUSD: 12000, CreditLimitUSD: 12000, BalanceUSD: 3400, TermMonths: 60, RemainingMonths: 60,
		RateAnnual: 0.2233, Index: Prime, MarginAnnual: 0.15, ResetMonths: 1,
		CreditScore: 690, IncomeAnnualUSD: 58000, OriginationDate: "2021-05-10",
	}
}

func validMortgage() Loan {
	return Loan{
		ID: "L0000000004", Segment: ResidentialMortgage, RateType: Variable,
		AmountUSD: 400000, BalanceUSD: 371000, TermMonths: 360, RemainingMonths: 300,
		RateAnnual: 0.0708, Index: SOFR, MarginAnnual: 0.0275, ResetMonths: 12,
		PeriodicCapAnnual: 0.02, LifetimeCapAnnual: 0.05, OriginationRateAnnual: 0.0525,
		CreditScore: 745, IncomeAnnualUSD: 150000, CollateralValueUSD: 520000,
		OriginationDate: "2021-01-15",
	}
}

func validBalloon() Loan {
	l := validCommercial()
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths, l.PeriodicCapAnnual, l.LifetimeCapAnnual = Fixed, "", 0, 0, 0, 0
	l.TermMonths, l.RemainingMonths, l.BalloonMonth = 300, 280, 60 // 20 months old, balloon in 40
	return l
}

// validHELOC is a home-equity line drawn 371,000 of its 450,000 limit.
func validHELOC() Loan {
	l := validMortgage()
	l.Segment, l.InterestOnly, l.Index, l.ResetMonths = HomeEquity, true, Prime, 1
	l.LifetimeCapAnnual, l.PeriodicCapAnnual, l.RateCeilingAnnual = 0, 0, 0.18
	l.CreditLimitUSD = 450000
	return l
}

func TestACreditLimitIsAllowedOnLinesOfCreditOnly(t *testing.T) {
	t.Parallel()
	for _, seg := range []Segment{CreditCard, CommercialLine, HomeEquity} {
		if !seg.HasCreditLimit() {
			t.Errorf("%s: HasCreditLimit() = false, want true (a line of credit)", seg)
		}
	}
	for _, seg := range []Segment{PersonalUnsecured, PersonalAuto, ResidentialMortgage, CommercialTerm, CommercialRealEstate} {
		if seg.HasCreditLimit() {
			t.Errorf("%s: HasCreditLimit() = true, want false (a term loan)", seg)
		}
	}
	if h := validHELOC(); h.Validate() != nil {
		err := h.Validate()
		t.Errorf("a HELOC with a credit limit: %v", err)
	}
	l := validPersonal()
	l.CreditLimitUSD = 30000
	if err := l.Validate(); err == nil || !strings.Contains(err.Error(), "credit_card, commercial_line, home_equity") || !strings.Contains(err.Error(), "personal_unsecured") {
		t.Errorf("a credit limit on a term loan: %v, want the segment named and the segments allowed", err)
	}
}

func TestValidateAcceptsCompleteRecords(t *testing.T) {
	t.Parallel()
	heloc := validMortgage()
	heloc.Segment, heloc.InterestOnly, heloc.Index, heloc.ResetMonths = HomeEquity, true, Prime, 1
	heloc.LifetimeCapAnnual, heloc.PeriodicCapAnnual, heloc.RateCeilingAnnual = 0, 0, 0.18
	helocLimit := heloc
	helocLimit.CreditLimitUSD = 450000 // a HELOC is a line: its limit, at least the drawn balance
	for name, l := range map[string]Loan{"personal": validPersonal(), "commercial": validCommercial(),
		"card": validCard(), "mortgage": validMortgage(), "balloon": validBalloon(), "heloc": heloc, "heloc with a credit limit": helocLimit} {
		if err := l.Validate(); err != nil {
			t.Errorf("%s: valid record rejected: %v", name, err)
		}
	}
	fixed := validPersonal()
	fixed.RateType, fixed.Index, fixed.MarginAnnual, fixed.ResetMonths = Fixed, "", 0, 0
	if err := fixed.Validate(); err != nil {
		t.Errorf("fixed personal rejected: %v", err)
	}
	leap := validCommercial()
	leap.OriginationDate = "2024-02-29"
	if err := leap.Validate(); err != nil {
		t.Errorf("leap day rejected: %v", err)
	}
}

func TestValidateRejectsEachProblemWithItsKind(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		base   func() Loan
		mutate func(*Loan)
		kind   Kind
		field  string
	}{
		{"a missing id", validPersonal, func(l *Loan) { l.ID = "" }, KindMissingID, "id"},
		{"an id with a newline", validPersonal, func(l *Loan) { l.ID = "L1\nL2" }, KindBadID, "id"},
		{"an id over 128 bytes", validPersonal, func(l *Loan) { l.ID = strings.Repeat("x", 129) }, KindBadID, "id"},
		{"an unknown segment", validPersonal, func(l *Loan) { l.Segment = "crypto" }, KindBadSegment, "segment"},
		{"an unknown rate type", validPersonal, func(l *Loan) { l.RateType = "floating" }, KindBadRateType, "rate_type"},
		{"a zero amount", validPersonal, func(l *Loan) { l.AmountUSD = 0 }, KindBadAmount, "amount"},
		{"a negative amount", validPersonal, func(l *Loan) { l.AmountUSD = -5 }, KindBadAmount, "amount"},
		{"a NaN amount", validPersonal, func(l *Loan) { l.AmountUSD = nan }, KindBadAmount, "amount"},
		{"a balance above the amount", validPersonal, func(l *Loan) { l.BalanceUSD = 30000 }, KindBadBalance, "balance"},
		{"a line drawn above its limit", validCommercial, func(l *Loan) {
			l.Segment, l.Index, l.ResetMonths, l.PeriodicCapAnnual, l.LifetimeCapAnnual = CommercialLine, Prime, 1, 0, 0
			l.BalanceUSD = l.AmountUSD * 1.01
		}, KindBadBalance, "balance"},
		{"a negative balance", validPersonal, func(l *Loan) { l.BalanceUSD = -1 }, KindBadBalance, "balance"},
		{"a zero term", validPersonal, func(l *Loan) { l.TermMonths = 0 }, KindBadTerm, "term_months"},
		{"a negative term", validPersonal, func(l *Loan) { l.TermMonths = -12 }, KindBadTerm, "term_months"},
		{"a term over 50 years", validPersonal, func(l *Loan) { l.TermMonths = 601; l.RemainingMonths = 10 }, KindBadTerm, "term_months"},
		{"remaining months above the term", validPersonal, func(l *Loan) { l.RemainingMonths = 61 }, KindBadRemaining, "remaining_months"},
		{"zero remaining months", validPersonal, func(l *Loan) { l.RemainingMonths = 0 }, KindBadRemaining, "remaining_months"},
		{"a NaN rate", validPersonal, func(l *Loan) { l.RateAnnual = nan }, KindBadRate, "current_rate"},
		{"an infinite rate", validPersonal, func(l *Loan) { l.RateAnnual = inf }, KindBadRate, "current_rate"},
		{"a rate written as a percentage", validPersonal, func(l *Loan) { l.RateAnnual = 14.33 }, KindBadRate, "current_rate"},
		{"a negative rate", validPersonal, func(l *Loan) { l.RateAnnual = -0.01 }, KindBadRate, "current_rate"},
		{"a rate of exactly 1", validPersonal, func(l *Loan) { l.RateAnnual = 1 }, KindBadRate, "current_rate"},
		{"a variable loan without an index", validPersonal, func(l *Loan) { l.Index = "" }, KindBadIndex, "index"},
		{"a variable loan with an unknown index", validPersonal, func(l *Loan) { l.Index = "libor" }, KindBadIndex, "index"},
		{"a margin above 20%", validPersonal, func(l *Loan) { l.MarginAnnual = 0.25 }, KindBadMargin, "margin"},
		{"a NaN margin", validPersonal, func(l *Loan) { l.MarginAnnual = nan }, KindBadMargin, "margin"},
		{"a variable loan without reset months", validPersonal, func(l *Loan) { l.ResetMonths = 0 }, KindBadReset, "reset_months"},
		{"a negative periodic cap", validCommercial, func(l *Loan) { l.PeriodicCapAnnual = -0.01 }, KindBadCap, "periodic_cap"},
		{"a lifetime cap of 100%", validCommercial, func(l *Loan) { l.LifetimeCapAnnual = 1 }, KindBadCap, "lifetime_cap"},
		{"a fixed loan with an index", validPersonal, func(l *Loan) { l.RateType = Fixed }, KindFixedVariable, "index"},
		{"a fixed loan with a margin", validPersonal, func(l *Loan) { l.RateType, l.Index = Fixed, "" }, KindFixedVariable, "margin"},
		{"a fixed loan with a lifetime cap", validCommercial, func(l *Loan) {
			l.RateType, l.Index, l.MarginAnnual, l.ResetMonths, l.PeriodicCapAnnual = Fixed, "", 0, 0, 0
		}, KindFixedVariable, "lifetime_cap"},
		{"a personal score above 850", validPersonal, func(l *Loan) { l.CreditScore = 851 }, KindBadScore, "credit_score"},
		{"a personal score below 300", validPersonal, func(l *Loan) { l.CreditScore = 299 }, KindBadScore, "credit_score"},
		{"a personal loan without a score", validPersonal, func(l *Loan) { l.CreditScore = 0 }, KindBadScore, "credit_score"},
		{"a personal loan with a risk grade", validPersonal, func(l *Loan) { l.RiskGrade = 3 }, KindBadGrade, "risk_grade"},
		{"a commercial grade of 0", validCommercial, func(l *Loan) { l.RiskGrade = 0 }, KindBadGrade, "risk_grade"},
		{"a commercial grade of 11", validCommercial, func(l *Loan) { l.RiskGrade = 11 }, KindBadGrade, "risk_grade"},
		{"a commercial guarantor score of 900", validCommercial, func(l *Loan) { l.CreditScore = 900 }, KindBadScore, "credit_score"},
		{"a personal loan without income", validPersonal, func(l *Loan) { l.IncomeAnnualUSD = 0 }, KindBadIncome, "annual_income"},
		{"a negative income", validPersonal, func(l *Loan) { l.IncomeAnnualUSD = -1 }, KindBadIncome, "annual_income"},
		{"negative other debt", validPersonal, func(l *Loan) { l.OtherDebtMonthlyUSD = -1 }, KindBadOtherDebt, "monthly_other_debt"},
		{"a commercial loan without NOI", validCommercial, func(l *Loan) { l.NOIAnnualUSD = 0 }, KindBadNOI, "annual_noi"},
		{"a negative NOI", validCommercial, func(l *Loan) { l.NOIAnnualUSD = -100 }, KindBadNOI, "annual_noi"},
		{"negative collateral", validPersonal, func(l *Loan) { l.CollateralValueUSD = -1 }, KindBadCollateral, "collateral_value"},
		{"real estate without collateral", validCommercial, func(l *Loan) { l.CollateralValueUSD = 0 }, KindBadCollateral, "collateral_value"},
		{"a balloon already past", validBalloon, func(l *Loan) { l.BalloonMonth = 20 }, KindBadBalloon, "balloon_month"},
		{"a balloon after the term", validBalloon, func(l *Loan) { l.BalloonMonth = 301 }, KindBadBalloon, "balloon_month"},
		{"a credit limit on a term loan", validPersonal, func(l *Loan) { l.CreditLimitUSD = 30000 }, KindBadCreditLimit, "credit_limit"},
		{"a credit limit on a first-lien mortgage", validMortgage, func(l *Loan) { l.CreditLimitUSD = 500000 }, KindBadCreditLimit, "credit_limit"},
		{"a HELOC's credit limit below its drawn balance", validHELOC, func(l *Loan) { l.CreditLimitUSD = 300000 }, KindBadCreditLimit, "credit_limit"},
		{"a HELOC's credit limit above 1e10", validHELOC, func(l *Loan) { l.CreditLimitUSD = 2e10 }, KindBadCreditLimit, "credit_limit"},
		{"a credit limit below the balance", validCard, func(l *Loan) { l.CreditLimitUSD = 3000 }, KindBadCreditLimit, "credit_limit"},
		{"a NaN credit limit", validCard, func(l *Loan) { l.CreditLimitUSD = nan }, KindBadCreditLimit, "credit_limit"},
		{"a rate ceiling on a fixed loan", validBalloon, func(l *Loan) { l.RateCeilingAnnual = 0.1 }, KindFixedVariable, "rate_ceiling"},
		{"a rate ceiling below today's rate", validCard, func(l *Loan) { l.RateCeilingAnnual = 0.2 }, KindBadCap, "rate_ceiling"},
		{"a rate ceiling beside a lifetime cap", validMortgage, func(l *Loan) { l.RateCeilingAnnual = 0.12 }, KindBadCap, "rate_ceiling"},
		{"a lifetime cap already exceeded", validMortgage, func(l *Loan) { l.LifetimeCapAnnual = 0.01 }, KindBadCap, "lifetime_cap"},
		{"an origination rate in percent", validMortgage, func(l *Loan) { l.OriginationRateAnnual = 5.25 }, KindBadRate, "origination_rate"},
		{"a mortgage without collateral", validMortgage, func(l *Loan) { l.CollateralValueUSD = 0 }, KindBadCollateral, "collateral_value"},
		{"a month 13", validPersonal, func(l *Loan) { l.OriginationDate = "2023-13-01" }, KindBadDate, "origination_date"},
		{"February 30", validPersonal, func(l *Loan) { l.OriginationDate = "2023-02-30" }, KindBadDate, "origination_date"},
		{"February 29 in a common year", validPersonal, func(l *Loan) { l.OriginationDate = "2023-02-29" }, KindBadDate, "origination_date"},
		{"a US-style date", validPersonal, func(l *Loan) { l.OriginationDate = "11/01/2023" }, KindBadDate, "origination_date"},
		{"a missing date", validPersonal, func(l *Loan) { l.OriginationDate = "" }, KindBadDate, "origination_date"},
		{"a year 1900", validPersonal, func(l *Loan) { l.OriginationDate = "1900-01-01" }, KindBadDate, "origination_date"},
	}
	for _, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			t.Parallel()
			l := tc.base()
			tc.mutate(&l)
			err := l.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError of kind %s", err, tc.kind)
			}
			if fe.Kind != tc.kind || fe.Field != tc.field {
				t.Errorf("got kind %s field %q (%v), want kind %s field %q", fe.Kind, fe.Field, err, tc.kind, tc.field)
			}
			if KindOf(err) != tc.kind {
				t.Errorf("KindOf = %s, want %s", KindOf(err), tc.kind)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.field+" ") || !strings.Contains(msg, "allowed: ") || !strings.HasSuffix(msg, "["+string(tc.kind)+"]") {
				t.Errorf("message %q should name the field, say what is allowed and end with the kind", msg)
			}
		})
	}
}

func TestKindsAreUniqueAndListed(t *testing.T) {
	t.Parallel()
	seen := map[Kind]bool{}
	for _, k := range Kinds {
		if seen[k] {
			t.Errorf("kind %s listed twice", k)
		}
		seen[k] = true
	}
	if len(seen) < 12 {
		t.Errorf("only %d kinds", len(seen))
	}
}

func TestValidateAllocatesNothingForAValidLoan(t *testing.T) {
	l := validCommercial()
	if n := testing.AllocsPerRun(100, func() { _ = l.Validate() }); n != 0 {
		t.Errorf("Validate allocates %v times per valid loan, want 0", n)
	}
}
