package loan

import (
	"encoding/json"
	"math"
	"strconv"
)

// AppendJSON appends l as one JSON object (no trailing newline) and returns
// the extended buffer. The bytes are exactly what encoding/json's Marshal
// produces for the struct (same key order, omitempty rules and number
// format), so either can read what the other wrote, but this is about ten
// times faster and allocates nothing once dst has room: the generator writes
// millions of records with it. Non-finite numbers, which no valid loan has,
// are written as null.
func AppendJSON(dst []byte, l *Loan) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, l.ID)
	dst = append(dst, `,"segment":`...)
	dst = appendString(dst, string(l.Segment))
	dst = append(dst, `,"rate_type":`...)
	dst = appendString(dst, string(l.RateType))
	dst = append(dst, `,"amount":`...)
	dst = appendFloat(dst, l.AmountUSD)
	dst = append(dst, `,"balance":`...)
	dst = appendFloat(dst, l.BalanceUSD)
	dst = append(dst, `,"term_months":`...)
	dst = strconv.AppendInt(dst, int64(l.TermMonths), 10)
	dst = append(dst, `,"remaining_months":`...)
	dst = strconv.AppendInt(dst, int64(l.RemainingMonths), 10)
	if l.InterestOnly {
		dst = append(dst, `,"interest_only":true`...)
	}
	dst = append(dst, `,"current_rate":`...)
	dst = appendFloat(dst, l.RateAnnual)
	if l.Index != "" {
		dst = append(dst, `,"index":`...)
		dst = appendString(dst, string(l.Index))
	}
	dst = appendOptFloat(dst, `,"margin":`, l.MarginAnnual)
	dst = appendOptInt(dst, `,"reset_months":`, l.ResetMonths)
	dst = appendOptInt(dst, `,"first_reset_month":`, l.FirstResetMonth)
	dst = appendOptFloat(dst, `,"periodic_cap":`, l.PeriodicCapAnnual)
	dst = appendOptFloat(dst, `,"lifetime_cap":`, l.LifetimeCapAnnual)
	dst = appendOptFloat(dst, `,"rate_ceiling":`, l.RateCeilingAnnual)
	dst = appendOptFloat(dst, `,"origination_rate":`, l.OriginationRateAnnual)
	dst = appendOptInt(dst, `,"balloon_month":`, l.BalloonMonth)
	dst = appendOptFloat(dst, `,"credit_limit":`, l.CreditLimitUSD)
	dst = appendOptInt(dst, `,"credit_score":`, l.CreditScore)
	dst = appendOptInt(dst, `,"risk_grade":`, l.RiskGrade)
	dst = appendOptFloat(dst, `,"annual_income":`, l.IncomeAnnualUSD)
	dst = appendOptFloat(dst, `,"monthly_other_debt":`, l.OtherDebtMonthlyUSD)
	dst = appendOptFloat(dst, `,"annual_noi":`, l.NOIAnnualUSD)
	dst = appendOptFloat(dst, `,"collateral_value":`, l.CollateralValueUSD)
	dst = append(dst, `,"origination_date":`...)
	dst = appendString(dst, l.OriginationDate)
	if len(l.Derived) > 0 {
		dst = append(dst, `,"derived":[`...)
		for i, d := range l.Derived {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, d)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// AppendJSONL appends l as one JSON Lines record: AppendJSON and a newline.
func AppendJSONL(dst []byte, l *Loan) []byte {
	return append(AppendJSON(dst, l), '\n')
}

func appendOptFloat(dst []byte, key string, f float64) []byte {
	if f == 0 {
		return dst
	}
	return appendFloat(append(dst, key...), f)
}

func appendOptInt(dst []byte, key string, n int) []byte {
	if n == 0 {
		return dst
	}
	return strconv.AppendInt(append(dst, key...), int64(n), 10)
}

// appendFloat formats like encoding/json's float64 encoder: the shortest
// representation that parses back to the same float64, in 'f' form except
// for very small or very large magnitudes, with "e-07" shortened to "e-7".
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendString writes s as a JSON string. Ids, segments and dates are plain
// ASCII and take the fast path; anything that needs escaping goes through
// encoding/json so the escaping rules (HTML-safe, U+2028, invalid UTF-8) are
// exactly Marshal's.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
