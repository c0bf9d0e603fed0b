package loan

import (
	"strings"
)

// field is one column of the loan format: one key of Loan's JSON schema.
// Every reader (CSV, JSON Lines, JSON, Parquet) maps its columns or keys
// onto fields by name first, so the same rules apply whatever the format.
type field int

const (
	colIgnored field = iota
	colID
	colSegment
	colRateType
	colAmount
	colBalance
	colTerm
	colRemaining
	colInterestOnly
	colRate
	colIndex
	colMargin
	colReset
	colFirstReset
	colPeriodicCap
	colLifetimeCap
	colRateCeiling
	colOriginationRate
	colBalloon
	colCreditLimit
	colScore
	colGrade
	colIncome
	colOtherDebt
	colNOI
	colCollateral
	colOrigination
	colDerived // output only: accepted on input and ignored
	nFields    // the number of fields, for arrays indexed by field
)

// fieldKeys are the canonical names, the JSON keys of Loan, in schema order.
var fieldKeys = [nFields]string{
	colID: "id", colSegment: "segment", colRateType: "rate_type", colAmount: "amount", colBalance: "balance",
	colTerm: "term_months", colRemaining: "remaining_months", colInterestOnly: "interest_only",
	colRate: "current_rate", colIndex: "index", colMargin: "margin", colReset: "reset_months",
	colFirstReset:  "first_reset_month",
	colPeriodicCap: "periodic_cap", colLifetimeCap: "lifetime_cap", colRateCeiling: "rate_ceiling",
	colOriginationRate: "origination_rate", colBalloon: "balloon_month", colCreditLimit: "credit_limit",
	colScore: "credit_score", colGrade: "risk_grade", colIncome: "annual_income", colOtherDebt: "monthly_other_debt",
	colNOI: "annual_noi", colCollateral: "collateral_value", colOrigination: "origination_date", colDerived: "derived",
}

// rateFields hold annual rates: decimals by default, converted from
// percentages with RatePercent.
var rateFields = []field{colRate, colMargin, colPeriodicCap, colLifetimeCap, colRateCeiling, colOriginationRate}

// numericField marks the fields whose values are numbers: JSON must give
// them as JSON numbers.
var numericField = func() [nFields]bool {
	var m [nFields]bool
	for _, f := range []field{colAmount, colBalance, colTerm, colRemaining, colRate, colMargin, colReset, colFirstReset, colPeriodicCap,
		colLifetimeCap, colRateCeiling, colOriginationRate, colBalloon, colCreditLimit, colScore, colGrade,
		colIncome, colOtherDebt, colNOI, colCollateral} {
		m[f] = true
	}
	return m
}()

// requiredFields must be present, with a value, in every record of every
// segment. They are never derived: a file without one is refused at its
// header. remaining_months may be replaced by origination_date (see
// requiredOneOf).
var requiredFields = []field{colID, colSegment, colAmount, colBalance, colTerm, colRate}

// requiredOneOf: at least one of these must be given; the other is derived.
var requiredOneOf = [2]field{colRemaining, colOrigination}

// fieldAliases are the other spellings accepted for a field, normalised
// (lower case, spaces and dashes as underscores). They are the usual
// column names of loan tapes and of the sample this project replaces.
var fieldAliases = map[string]field{
	"loan_id": colID, "loanid": colID, "loan_number": colID,
	"type": colSegment, "loan_type": colSegment, "category": colSegment,
	"loan_amount": colAmount, "principal": colAmount, "original_amount": colAmount,
	"limit":           colCreditLimit,
	"current_balance": colBalance, "outstanding_balance": colBalance,
	"term": colTerm, "loan_term": colTerm,
	"remaining_term": colRemaining,
	"rate":           colRate, "interest_rate": colRate, "apr": colRate,
	"score": colScore, "fico": colScore, "fico_score": colScore,
	"grade": colGrade, "rating": colGrade,
	"income":     colIncome,
	"other_debt": colOtherDebt,
	"noi":        colNOI, "net_operating_income": colNOI,
	"collateral":  colCollateral,
	"origination": colOrigination, "start_date": colOrigination,
}

// fieldByName maps a normalised name to its field, canonical names first.
var fieldByName = func() map[string]field {
	m := make(map[string]field, len(fieldAliases)+int(nFields))
	for n, f := range fieldAliases {
		m[n] = f
	}
	for f := colID; f < nFields; f++ {
		m[fieldKeys[f]] = f
	}
	return m
}()

var headerSeparators = strings.NewReplacer(" ", "_", "-", "_") // "Loan ID", "credit-score"

// normalName is how a column name or JSON key is looked up: trimmed, lower
// case, spaces and dashes as underscores, a byte order mark dropped.
func normalName(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	return headerSeparators.Replace(strings.ToLower(strings.TrimSpace(h)))
}

// FieldNames returns the canonical field names in schema order (the JSON
// keys of Loan that a record may carry).
func FieldNames() []string {
	out := make([]string, 0, nFields-1)
	for f := colID; f < nFields; f++ {
		out = append(out, fieldKeys[f])
	}
	return out
}

// FieldAliases returns the accepted other spellings of each canonical name.
func FieldAliases() map[string][]string {
	out := map[string][]string{}
	for a, f := range fieldAliases {
		out[fieldKeys[f]] = append(out[fieldKeys[f]], a)
	}
	return out
}

// RequiredFields returns the names every record must give, whatever its
// segment: one of the last two ("remaining_months or origination_date")
// may stand for the other.
func RequiredFields() []string {
	var out []string
	for _, f := range requiredFields {
		out = append(out, fieldKeys[f])
	}
	return append(out, fieldKeys[requiredOneOf[0]]+" or "+fieldKeys[requiredOneOf[1]])
}

// acceptedNames is the list quoted by a header error.
func acceptedNames() string {
	return strings.Join(FieldNames()[:nFields-2], ", ") // "derived" is output only
}

// IsLoanHeader reports whether a CSV header names loan fields (at least
// two of the required ones) rather than, say, the columns of a manifest:
// how `run simulate --input s3://.../file.csv` tells a loans file from a
// list of objects.
func IsLoanHeader(names []string) bool {
	n := 0
	for _, h := range names {
		f := fieldByName[normalName(h)]
		for _, r := range requiredFields {
			if f == r {
				n++
			}
		}
	}
	return n >= 2
}
