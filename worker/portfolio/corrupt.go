package portfolio

import (
	"bytes"
	"math"
	"strconv"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// CorruptKind names one way the Corrupt option damages a record.
type CorruptKind string

// The corruptions. Each breaks exactly one thing in an otherwise valid
// record, so each is rejected with exactly one known loan.Kind (see
// Corruption.Reject).
const (
	CorruptGarbage            CorruptKind = "garbage"               // a line of non-UTF-8 text, not JSON   -> not_utf8
	CorruptTruncated          CorruptKind = "truncated"             // the record cut in half              -> not_json
	CorruptOversize           CorruptKind = "oversize"              // padded past 64 KiB with whitespace  -> too_large
	CorruptUnknownField       CorruptKind = "unknown_field"         // an extra "colour" key               -> unknown_field
	CorruptWrongType          CorruptKind = "wrong_type"            // amount written as a string          -> wrong_type
	CorruptMissingID          CorruptKind = "missing_id"            // id ""                               -> missing_id
	CorruptNegativeAmount     CorruptKind = "negative_amount"       // amount < 0                          -> bad_amount
	CorruptBalanceAboveAmount CorruptKind = "balance_above_amount"  // balance 125% of amount (or limit)   -> bad_balance
	CorruptZeroTerm           CorruptKind = "zero_term"             // term_months 0                       -> bad_term
	CorruptRemainingAboveTerm CorruptKind = "remaining_above_term"  // remaining = term + 12               -> bad_remaining_months
	CorruptRateAsPercent      CorruptKind = "rate_as_percent"       // 7.33 instead of 0.0733              -> bad_rate
	CorruptUnknownSegment     CorruptKind = "unknown_segment"       // segment "personal_crypto"           -> unknown_segment
	CorruptUnknownRateType    CorruptKind = "unknown_rate_type"     // rate_type "floating"                -> unknown_rate_type
	CorruptMissingIndex       CorruptKind = "missing_index"         // variable without an index           -> bad_index
	CorruptBadMargin          CorruptKind = "bad_margin"            // variable with a 35% margin          -> bad_margin
	CorruptScoreOrGrade       CorruptKind = "score_or_grade"        // score 900 / grade 11                -> bad_credit_score / bad_risk_grade
	CorruptMissingIncomeOrNOI CorruptKind = "missing_income_or_noi" // income 0 / NOI 0                    -> bad_income / bad_noi
	CorruptBadDate            CorruptKind = "bad_date"              // origination 2024-02-30              -> bad_origination_date
	CorruptNegativeCollateral CorruptKind = "negative_collateral"   // collateral < 0                      -> bad_collateral
)

var corruptKinds = [...]CorruptKind{
	CorruptGarbage, CorruptTruncated, CorruptOversize, CorruptUnknownField, CorruptWrongType,
	CorruptMissingID, CorruptNegativeAmount, CorruptBalanceAboveAmount, CorruptZeroTerm,
	CorruptRemainingAboveTerm, CorruptRateAsPercent, CorruptUnknownSegment, CorruptUnknownRateType,
	CorruptMissingIndex, CorruptBadMargin, CorruptScoreOrGrade, CorruptMissingIncomeOrNOI,
	CorruptBadDate, CorruptNegativeCollateral,
}

// CorruptKinds lists every corruption, in the order they are chosen from.
func CorruptKinds() []CorruptKind { return append([]CorruptKind(nil), corruptKinds[:]...) }

// Corruption says whether and how record i is damaged.
type Corruption struct {
	Kind   CorruptKind // "" for a clean record
	Reject loan.Kind   // the Kind the decoder or Validate rejects it with; "" for a clean record
}

// Corrupted reports whether the record is damaged.
func (c Corruption) Corrupted() bool { return c.Kind != "" }

// Corruption returns how record i is damaged under the Corrupt option: a
// pure function of (seed, i, fraction), independent of the loan's own random
// stream, so choosing a fraction does not change the clean loans.
func (g *Generator) Corruption(i uint64) Corruption {
	if g.threshold == 0 {
		return Corruption{}
	}
	h := splitmix64(splitmix64(g.seed^tagCorrupt) ^ splitmix64(^i))
	if h >= g.threshold && g.threshold != math.MaxUint64 {
		return Corruption{}
	}
	k := corruptKinds[splitmix64(h)%uint64(len(corruptKinds))]
	return Corruption{Kind: k, Reject: rejectKind(k, g.segment(i).Personal())}
}

// CorruptedIn counts the corrupted records among [start, end) by the Kind
// they are rejected with, the figure a fault test compares with the rejected
// records.
func (g *Generator) CorruptedIn(start, end uint64) map[loan.Kind]int {
	out := map[loan.Kind]int{}
	for i := start; i < end; i++ {
		if c := g.Corruption(i); c.Corrupted() {
			out[c.Reject]++
		}
	}
	return out
}

// segment is the first draw of loan i: its segment, without the rest.
func (g *Generator) segment(i uint64) loan.Segment {
	g.reseed(i)
	return segments[g.pick(segmentCum)]
}

func rejectKind(k CorruptKind, personal bool) loan.Kind {
	switch k {
	case CorruptGarbage:
		return loan.KindNotUTF8 // its \xff is checked before its syntax
	case CorruptTruncated:
		return loan.KindNotJSON
	case CorruptOversize:
		return loan.KindTooLarge
	case CorruptUnknownField:
		return loan.KindUnknownField
	case CorruptWrongType:
		return loan.KindWrongType
	case CorruptMissingID:
		return loan.KindMissingID
	case CorruptNegativeAmount:
		return loan.KindBadAmount
	case CorruptBalanceAboveAmount:
		return loan.KindBadBalance
	case CorruptZeroTerm:
		return loan.KindBadTerm
	case CorruptRemainingAboveTerm:
		return loan.KindBadRemaining
	case CorruptRateAsPercent:
		return loan.KindBadRate
	case CorruptUnknownSegment:
		return loan.KindBadSegment
	case CorruptUnknownRateType:
		return loan.KindBadRateType
	case CorruptMissingIndex:
		return loan.KindBadIndex
	case CorruptBadMargin:
		return loan.KindBadMargin
	case CorruptScoreOrGrade:
		if personal {
			return loan.KindBadScore
		}
		return loan.KindBadGrade
	case CorruptMissingIncomeOrNOI:
		if personal {
			return loan.KindBadIncome
		}
		return loan.KindBadNOI
	case CorruptBadDate:
		return loan.KindBadDate
	case CorruptNegativeCollateral:
		return loan.KindBadCollateral
	}
	return ""
}

// AppendJSON appends record i as one JSON object (the one-object-per-loan
// layout), damaged if the Corrupt option selects it. It allocates nothing
// per clean record once dst has room.
func (g *Generator) AppendJSON(dst []byte, i uint64) []byte {
	l := &g.scratch
	g.Loan(i, l)
	c := g.Corruption(i)
	if !c.Corrupted() {
		return loan.AppendJSON(dst, l)
	}
	return g.appendCorrupt(dst, i, l, c.Kind)
}

// AppendJSONL appends record i as one JSON Lines line (with its newline),
// damaged if the Corrupt option selects it.
func (g *Generator) AppendJSONL(dst []byte, i uint64) []byte {
	return append(g.AppendJSON(dst, i), '\n')
}

// oversizePad takes a record past loan.MaxRecordBytes with whitespace only,
// so size is its one problem.
const oversizePad = loan.MaxRecordBytes + 64

func (g *Generator) appendCorrupt(dst []byte, i uint64, l *loan.Loan, k CorruptKind) []byte {
	switch k {
	case CorruptGarbage:
		dst = append(dst, "#corrupt record "...)
		dst = strconv.AppendUint(dst, i, 10)
		return append(dst, " \x7f\xff~~ not a loan"...)
	case CorruptTruncated:
		g.buf = loan.AppendJSON(g.buf[:0], l)
		return append(dst, g.buf[:len(g.buf)/2]...)
	case CorruptOversize:
		g.buf = loan.AppendJSON(g.buf[:0], l)
		dst = append(dst, '{')
		for range oversizePad {
			dst = append(dst, ' ')
		}
		return append(dst, g.buf[1:]...)
	case CorruptUnknownField:
		g.buf = loan.AppendJSON(g.buf[:0], l)
		dst = append(dst, `{"colour":"red",`...)
		return append(dst, g.buf[1:]...)
	case CorruptWrongType:
		g.buf = loan.AppendJSON(g.buf[:0], l)
		key := []byte(`,"amount":`)
		at := bytes.Index(g.buf, key) + len(key)
		end := at + bytes.IndexByte(g.buf[at:], ',')
		dst = append(dst, g.buf[:at]...)
		dst = append(dst, '"')
		dst = append(dst, g.buf[at:end]...)
		dst = append(dst, '"')
		return append(dst, g.buf[end:]...)
	case CorruptMissingID:
		l.ID = ""
	case CorruptNegativeAmount:
		l.AmountUSD = -l.AmountUSD
	case CorruptBalanceAboveAmount:
		l.BalanceUSD = roundTo(1.25*l.AmountUSD, 0.01)
	case CorruptZeroTerm:
		l.TermMonths = 0
	case CorruptRemainingAboveTerm:
		l.RemainingMonths = l.TermMonths + 12
	case CorruptRateAsPercent:
		l.RateAnnual = round6(100 * l.RateAnnual)
	case CorruptUnknownSegment:
		l.Segment = "personal_crypto"
	case CorruptUnknownRateType:
		l.RateType = "floating"
	case CorruptMissingIndex:
		l.RateType, l.Index = loan.Variable, ""
	case CorruptBadMargin:
		l.RateType, l.Index, l.MarginAnnual = loan.Variable, loan.Prime, 0.35
		if l.ResetMonths == 0 {
			l.ResetMonths = 1
		}
	case CorruptScoreOrGrade:
		if l.Segment.Personal() {
			l.CreditScore = 900
		} else {
			l.RiskGrade = 11
		}
	case CorruptMissingIncomeOrNOI:
		// Written as an explicit 0: an absent key is an optional field the
		// readers derive (docs/loans.md), a zero is a bad value.
		key := `{"annual_noi":0,`
		l.NOIAnnualUSD = 0
		if l.Segment.Personal() {
			key = `{"annual_income":0,`
			l.IncomeAnnualUSD = 0
		}
		g.buf = loan.AppendJSON(g.buf[:0], l)
		dst = append(dst, key...)
		return append(dst, g.buf[1:]...)
	case CorruptBadDate:
		l.OriginationDate = "2024-02-30"
	case CorruptNegativeCollateral:
		l.CollateralValueUSD = -math.Max(1000, l.CollateralValueUSD)
	}
	return loan.AppendJSON(dst, l)
}
