package loan

import (
	"errors"
	"fmt"
)

// Kind is a stable, machine-readable code for why a record was rejected. The
// worker writes it into the rejected-records file beside the human-readable
// reason, reports count rejections by it, and tests compare it, so the
// strings never change once published.
type Kind string

// Decoder kinds: the bytes are not a loan object at all.
const (
	KindNotJSON      Kind = "not_json"      // not a single well-formed JSON object
	KindTooLarge     Kind = "too_large"     // record longer than MaxRecordBytes
	KindUnknownField Kind = "unknown_field" // a key the schema does not define
	KindWrongType    Kind = "wrong_type"    // a value of the wrong JSON type (e.g. "amount":"12k")
	KindBadCSV       Kind = "bad_csv"       // CSV row that cannot be read (column count, quoting)
	KindNotUTF8      Kind = "not_utf8"      // bytes that are not UTF-8 text
)

// File kinds: the file as a whole is refused (a *FileError), before or
// instead of its records.
const (
	KindBadHeader Kind = "bad_header"  // a required column missing, an unknown column, a field twice
	KindEmpty     Kind = "empty_input" // no loan record at all
	KindBadFile   Kind = "bad_file"    // not a readable file of its format (gzip, Parquet)
)

// Validation kinds: the object decoded but a field is missing, out of range or
// inconsistent with another field.
const (
	KindMissingID      Kind = "missing_id"
	KindMissingField   Kind = "missing_field" // a required field without a value
	KindDuplicateID    Kind = "duplicate_id"  // an id an earlier record already gave
	KindBadID          Kind = "bad_id"
	KindBadSegment     Kind = "unknown_segment"
	KindBadRateType    Kind = "unknown_rate_type"
	KindBadAmount      Kind = "bad_amount"
	KindBadBalance     Kind = "bad_balance"
	KindBadTerm        Kind = "bad_term"
	KindBadRemaining   Kind = "bad_remaining_months"
	KindBadRate        Kind = "bad_rate"
	KindBadIndex       Kind = "bad_index"
	KindBadMargin      Kind = "bad_margin"
	KindBadReset       Kind = "bad_reset_months"
	KindBadCap         Kind = "bad_cap"
	KindFixedVariable  Kind = "fixed_with_variable_terms"
	KindBadScore       Kind = "bad_credit_score"
	KindBadGrade       Kind = "bad_risk_grade"
	KindBadIncome      Kind = "bad_income"
	KindBadOtherDebt   Kind = "bad_other_debt"
	KindBadNOI         Kind = "bad_noi"
	KindBadCollateral  Kind = "bad_collateral"
	KindBadDate        Kind = "bad_origination_date"
	KindBadBalloon     Kind = "bad_balloon_month"
	KindBadCreditLimit Kind = "bad_credit_limit"
	KindBadFirstReset  Kind = "bad_first_reset_month"
)

// Kinds lists every rejection kind in a fixed order, so reports can print a
// row for each even when its count is zero.
var Kinds = []Kind{
	KindNotJSON, KindTooLarge, KindUnknownField, KindWrongType, KindBadCSV, KindNotUTF8,
	KindMissingID, KindMissingField, KindDuplicateID, KindBadID, KindBadSegment, KindBadRateType, KindBadAmount,
	KindBadBalance, KindBadTerm, KindBadRemaining, KindBadRate, KindBadIndex,
	KindBadMargin, KindBadReset, KindBadCap, KindFixedVariable, KindBadScore,
	KindBadGrade, KindBadIncome, KindBadOtherDebt, KindBadNOI, KindBadCollateral,
	KindBadDate, KindBadBalloon, KindBadCreditLimit, KindBadFirstReset,
}

// FieldError says why one record was rejected: which field (the JSON key, or
// empty when the record as a whole is unreadable), what is wrong with it and
// what would have been accepted.
type FieldError struct {
	Kind    Kind
	Field   string // JSON key, e.g. "balance"; "" for whole-record problems
	Problem string // what was found, e.g. "is 15000, above amount 10000"
	Allowed string // what is accepted, e.g. "0 to amount"
}

// Error formats the reason the way it is written to the rejected-records file:
// "balance is 15000, above the original amount 10000 (allowed: 0 to amount)
// [bad_balance]"; whole-record problems read "record is not valid JSON ...".
func (e *FieldError) Error() string {
	var s string
	if e.Field != "" {
		s = e.Field + " "
	} else {
		s = "record "
	}
	s += e.Problem
	if e.Allowed != "" {
		s += " (allowed: " + e.Allowed + ")"
	}
	return s + " [" + string(e.Kind) + "]"
}

// KindOf returns the Kind of a rejection error, or "" when err is nil or not a
// *FieldError (an I/O error, say).
func KindOf(err error) Kind {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return ""
}

// fieldErr builds a *FieldError; formatting happens only on the failure path,
// so validating a good record allocates nothing.
func fieldErr(kind Kind, field, allowed, format string, args ...any) *FieldError {
	return &FieldError{Kind: kind, Field: field, Problem: fmt.Sprintf(format, args...), Allowed: allowed}
}
