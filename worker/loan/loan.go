// Package loan defines the loan record the model consumes: its fields, how
// it is read from the input formats, how it is validated and how it is
// encoded. It imports no AWS or Pulumi code. docs/loans.md is the user's
// view of the same rules; docs/loans.schema.json is generated from Loan by
// JSONSchema.
//
// Reading: Reader reads CSV, JSON Lines, one-object JSON and Parquet, each
// optionally gzip-compressed, one record at a time (Parquet is read whole),
// with one set of rules: the header (CSV columns, the first JSON record's
// keys, the Parquet schema) is checked before any record, and a missing
// required column or an unknown column refuses the file with one
// *FileError; every cell is then read as text by the same number and name
// rules (fields.go, csv.go), required fields are never derived, optional
// ones are derived by one rule each and listed in Loan.Derived, and a bad
// record (over-long, not UTF-8, unreadable, out of range, a repeated id)
// comes back as a Record whose Err is a *FieldError with a stable Kind, the
// field at fault and what is allowed, its line kept, while reading goes on
// with the next line. Record.Rejection turns it into a line of the errors
// file. Parse, Decode and ReadObject decode one canonical JSON object
// strictly, without derivation.
//
// The common canonical JSON form is decoded by a hand-written fast path
// (about 1.2 us and two allocations per loan); anything else is decided by
// the general path, so the fast path changes speed only, never the result.
//
// Writing: AppendJSON and AppendJSONL, byte-for-byte what json.Marshal
// writes, allocation-free.
package loan

// Segment is the portfolio segment of a loan; it decides the hazard inputs
// (score or risk grade), the affordability trigger and the LGD.
type Segment string

// The segments of MODEL.md: personal or retail (unsecured, auto, first-lien
// residential mortgages, home equity, credit cards) and commercial (term,
// commercial real estate, revolving lines).
const (
	PersonalUnsecured    Segment = "personal_unsecured"
	PersonalAuto         Segment = "personal_auto"
	CommercialTerm       Segment = "commercial_term"
	CommercialRealEstate Segment = "commercial_real_estate"
	CommercialLine       Segment = "commercial_line"
	ResidentialMortgage  Segment = "residential_mortgage"
	HomeEquity           Segment = "home_equity"
	CreditCard           Segment = "credit_card"
)

// Segments lists every valid segment in a fixed order (reports iterate it).
// The version 1 segments come first, in their old order, so tables indexed
// by segment keep their first five rows.
var Segments = []Segment{PersonalUnsecured, PersonalAuto, CommercialTerm, CommercialRealEstate, CommercialLine,
	ResidentialMortgage, HomeEquity, CreditCard}

// Personal reports whether the segment is retail: its PD comes from the
// credit score and it carries the borrower's income.
func (s Segment) Personal() bool {
	switch s {
	case PersonalUnsecured, PersonalAuto, ResidentialMortgage, HomeEquity, CreditCard:
		return true
	}
	return false
}

// Revolving reports whether loans of the segment are revolving credit lines
// whose exposure at default includes part of the undrawn limit (credit
// cards, commercial lines).
func (s Segment) Revolving() bool { return s == CreditCard || s == CommercialLine }

// HasCreditLimit reports whether loans of the segment are lines with a
// credit limit: the revolving segments and home equity (HELOCs). Only
// their records may carry credit_limit.
func (s Segment) HasCreditLimit() bool { return s.Revolving() || s == HomeEquity }

// RealEstate reports whether the segment's collateral is real estate whose
// value follows a price index (mortgages and home equity: house prices; CRE:
// commercial property prices).
func (s Segment) RealEstate() bool {
	return s == ResidentialMortgage || s == HomeEquity || s == CommercialRealEstate
}

// Commercial reports whether the segment is commercial (grade-based, DSCR trigger).
func (s Segment) Commercial() bool {
	return s == CommercialTerm || s == CommercialRealEstate || s == CommercialLine
}

// RateType says whether the loan's rate is fixed for its life or resets to an index.
type RateType string

// Rate types.
const (
	Fixed    RateType = "fixed"
	Variable RateType = "variable"
)

// Index is the reference rate a variable loan resets to (MODEL.md: prime = fed
// funds + 3%, SOFR = fed funds).
type Index string

// Indices.
const (
	Prime Index = "prime"
	SOFR  Index = "sofr"
)

// Loan is one loan record. Rates are annual decimals (0.065 = 6.5%), money is
// US dollars, periods are months. JSON keys are the on-disk schema.
type Loan struct {
	ID       string   `json:"id"`
	Segment  Segment  `json:"segment"`
	RateType RateType `json:"rate_type"`

	AmountUSD       float64 `json:"amount"`           // original principal, or credit limit for lines
	BalanceUSD      float64 `json:"balance"`          // outstanding (drawn, for lines) balance today
	TermMonths      int     `json:"term_months"`      // original term
	RemainingMonths int     `json:"remaining_months"` // payments left
	InterestOnly    bool    `json:"interest_only,omitempty"`

	RateAnnual   float64 `json:"current_rate"`     // rate the loan pays today
	Index        Index   `json:"index,omitempty"`  // variable only
	MarginAnnual float64 `json:"margin,omitempty"` // variable only: rate = index + margin
	ResetMonths  int     `json:"reset_months,omitempty"`
	// FirstResetMonth is the month, counted from today (1 is the coming
	// month), of a variable loan's next reset, after which it resets every
	// ResetMonths: a 5/1 ARM 24 months old resets at month 37. 0: absent,
	// the loan resets at loan ages that are multiples of ResetMonths.
	FirstResetMonth int `json:"first_reset_month,omitempty"`
	// Caps, variable only; zero means no cap.
	PeriodicCapAnnual float64 `json:"periodic_cap,omitempty"` // max change per reset
	LifetimeCapAnnual float64 `json:"lifetime_cap,omitempty"` // max rate above the rate at origination
	// RateCeilingAnnual is a variable loan's lifetime ceiling as an absolute
	// rate; 0 means none given. A record gives either this or lifetime_cap.
	RateCeilingAnnual float64 `json:"rate_ceiling,omitempty"`
	// OriginationRateAnnual is the rate at origination; with lifetime_cap it
	// fixes the ceiling (origination_rate + lifetime_cap). When absent, the
	// ceiling of a lifetime_cap is taken over today's rate (version 1).
	OriginationRateAnnual float64 `json:"origination_rate,omitempty"`
	// BalloonMonth is the loan age in months (counted like term_months, from
	// origination) at which the remaining balance falls due; the loan pays on
	// its term_months amortisation until then. 0: no balloon.
	BalloonMonth int `json:"balloon_month,omitempty"`
	// CreditLimitUSD is a revolving loan's credit limit (credit cards and
	// commercial lines); 0: the limit is amount.
	CreditLimitUSD float64 `json:"credit_limit,omitempty"`

	CreditScore int `json:"credit_score,omitempty"` // personal: 300-850
	RiskGrade   int `json:"risk_grade,omitempty"`   // commercial: internal grade 1 (best) to 10

	IncomeAnnualUSD     float64 `json:"annual_income,omitempty"`      // personal
	OtherDebtMonthlyUSD float64 `json:"monthly_other_debt,omitempty"` // personal: other debt service
	NOIAnnualUSD        float64 `json:"annual_noi,omitempty"`         // commercial net operating income
	CollateralValueUSD  float64 `json:"collateral_value,omitempty"`   // secured loans

	OriginationDate string `json:"origination_date"` // YYYY-MM-DD

	// Derived lists the fields that were not in the source record but derived
	// from the others, each as "field: rule" (e.g. "annual_income: 12 x
	// payment / target DTI 0.30"), so reports can say which figures are
	// assumptions. Empty for complete records.
	Derived []string `json:"derived,omitempty"`
}
