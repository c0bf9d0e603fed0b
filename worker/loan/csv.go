package loan

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The sample this project replaces wrote one small CSV file per loan (a
// header and one row: loan id, type "personal" or "commercial", amount, rate,
// term, credit score). Its exact column names are not published with the
// blog post, so the reader goes by header names, accepts the usual spellings
// (see csvColumns) as well as this package's own JSON keys, ignores columns it
// does not know, and derives what the model needs but the file lacks,
// recording every derivation in Loan.Derived.

// DefaultAsOf is the date records are valued at when a CSV row gives no
// origination date or remaining term: June 2025, when the effective fed funds
// rate was the r0 = 4.33% of MODEL.md.
var DefaultAsOf = time.Date(2025, time.June, 1, 0, 0, 0, 0, time.UTC)

// Defaults for CSVOptions' derivation targets.
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

// CSVOptions tunes how missing fields are derived. Zero values mean the
// documented defaults.
type CSVOptions struct {
	AsOf       time.Time // valuation date; zero means DefaultAsOf
	TargetDTI  float64   // 0 means DefaultTargetDTI
	TargetDSCR float64   // 0 means DefaultTargetDSCR
}

type csvField int

const (
	colIgnored csvField = iota
	colID
	colSegment
	colRateType
	colAmount
	colBalance
	colTerm
	colTermYears
	colRemaining
	colInterestOnly
	colRate
	colIndex
	colMargin
	colReset
	colPeriodicCap
	colLifetimeCap
	colScore
	colGrade
	colIncome
	colOtherDebt
	colNOI
	colCollateral
	colOrigination
	colRateCeiling
	colOriginationRate
	colBalloon
	colCreditLimit
	nCSVFields // the number of fields, for arrays indexed by field
)

// csvColumns maps normalised header names (lower case, spaces and dashes as
// underscores) to fields.
var csvColumns = map[string]csvField{
	"id": colID, "loan_id": colID, "loanid": colID, "loan_number": colID,
	"segment": colSegment, "type": colSegment, "loan_type": colSegment, "category": colSegment,
	"rate_type": colRateType,
	"amount":    colAmount, "loan_amount": colAmount, "principal": colAmount, "original_amount": colAmount, "credit_limit": colCreditLimit, "limit": colCreditLimit,
	"balance": colBalance, "current_balance": colBalance, "outstanding_balance": colBalance,
	"term_months": colTerm, "term": colTerm, "loan_term": colTerm, "months": colTerm,
	"term_years":       colTermYears,
	"remaining_months": colRemaining, "remaining_term": colRemaining,
	"interest_only": colInterestOnly,
	"current_rate":  colRate, "rate": colRate, "interest_rate": colRate, "apr": colRate,
	"index": colIndex, "margin": colMargin, "reset_months": colReset,
	"periodic_cap": colPeriodicCap, "lifetime_cap": colLifetimeCap,
	"rate_ceiling": colRateCeiling, "origination_rate": colOriginationRate, "balloon_month": colBalloon,
	"credit_score": colScore, "score": colScore, "fico": colScore, "fico_score": colScore,
	"risk_grade": colGrade, "grade": colGrade, "rating": colGrade,
	"annual_income": colIncome, "income": colIncome,
	"monthly_other_debt": colOtherDebt, "other_debt": colOtherDebt,
	"annual_noi": colNOI, "noi": colNOI, "net_operating_income": colNOI,
	"collateral_value": colCollateral, "collateral": colCollateral,
	"origination_date": colOrigination, "origination": colOrigination, "start_date": colOrigination,
}

// csvSegments maps the sample's loan types and common spellings to segments.
var csvSegments = map[string]Segment{
	"personal": PersonalUnsecured, "commercial": CommercialTerm,
	"auto": PersonalAuto, "cre": CommercialRealEstate, "commercial_real_estate": CommercialRealEstate,
	"line": CommercialLine, "line_of_credit": CommercialLine,
	"mortgage": ResidentialMortgage, "first_lien_mortgage": ResidentialMortgage,
	"heloc": HomeEquity, "home_equity_line": HomeEquity,
	"card": CreditCard, "credit_cards": CreditCard,
}

var (
	numberNoise      = strings.NewReplacer("$", "", ",", "", "%", "", " ", "") // "$25,000", "9 %"
	headerSeparators = strings.NewReplacer(" ", "_", "-", "_")                 // "Loan ID", "credit-score"
)

// CSVReader reads header-named CSV rows (the sample's one-row files, or many
// rows) into loans, deriving missing fields, with the same Next/Record/Err
// shape as Reader. A bad row is a rejected Record; reading goes on. A record
// longer than MaxRecordBytes (an unclosed quote or a missing line break) is
// rejected too, but ends the object: where the next row starts is unknowable.
type CSVReader struct {
	cr     *csv.Reader
	limit  *recordLimit
	line   int // the line the last record started on
	opt    CSVOptions
	cols   []csvField
	names  []string
	rec    Record
	err    error
	done   bool
	raw    []byte
	seen   [nCSVFields]bool
	values [nCSVFields]string
}

// NewCSVReader returns a reader over CSV input whose first row is a header.
func NewCSVReader(r io.Reader, opt CSVOptions) *CSVReader {
	if opt.AsOf.IsZero() {
		opt.AsOf = DefaultAsOf
	}
	if opt.TargetDTI == 0 {
		opt.TargetDTI = DefaultTargetDTI
	}
	if opt.TargetDSCR == 0 {
		opt.TargetDSCR = DefaultTargetDSCR
	}
	limit := &recordLimit{r: r}
	cr := csv.NewReader(limit)
	cr.FieldsPerRecord = -1 // checked against the header ourselves, so the row is still reported
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	return &CSVReader{cr: cr, limit: limit, opt: opt}
}

// errRecordTooLong stops encoding/csv inside a record longer than
// MaxRecordBytes.
var errRecordTooLong = errors.New("csv record longer than MaxRecordBytes")

// csvReadAhead is the bufio.Reader size encoding/csv reads through.
const csvReadAhead = 4096

// recordLimit sits under encoding/csv, which keeps a record in memory however
// long it grows: it fails the read once the bytes handed over since the end
// of the last record exceed MaxRecordBytes plus csv's read-ahead, which only
// a record longer than MaxRecordBytes can cause. So a 10 GB object with an
// unclosed quote costs the reader no more memory than a valid one.
type recordLimit struct {
	r    io.Reader
	read int64 // bytes handed to csv
	mark int64 // csv's InputOffset after the last record
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.read-l.mark > MaxRecordBytes+csvReadAhead {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// Next reads the next data row into Record; false at the end or on an I/O
// error (see Err).
func (r *CSVReader) Next() bool {
	for !r.done {
		row, err := r.cr.Read()
		r.limit.mark = r.cr.InputOffset()
		if errors.Is(err, io.EOF) {
			r.done = true
			return false
		}
		if errors.Is(err, errRecordTooLong) {
			r.done = true
			r.rec = Record{Line: r.line + 1, Err: &FieldError{Kind: KindTooLarge,
				Problem: "is more than 65536 bytes long (an unclosed quote or a missing line break?); the rest of the object was not read",
				Allowed: "at most 65536 bytes per record"}}
			return true
		}
		var perr *csv.ParseError
		if err != nil && !errors.As(err, &perr) {
			r.done, r.err = true, fmt.Errorf("read csv: %w", err)
			return false
		}
		var line int
		if perr != nil {
			line = perr.StartLine // FieldPos panics on a row that failed to parse
		} else {
			line, _ = r.cr.FieldPos(0)
		}
		r.line = line
		if r.cols == nil {
			if perr != nil {
				// Without a header no row can be read: the object is one
				// rejected record (bad data, not I/O, so its batch goes on).
				r.done = true
				r.rec = Record{Line: line, Err: &FieldError{Kind: KindBadCSV, Problem: "has a header row that is not valid CSV: " + perr.Err.Error(), Allowed: "RFC 4180 CSV with a header row"}}
				return true
			}
			r.header(row)
			continue
		}
		r.rec = Record{Line: line}
		r.raw = r.raw[:0]
		for i, f := range row {
			if i > 0 {
				r.raw = append(r.raw, ',')
			}
			r.raw = append(r.raw, f...)
		}
		r.rec.Raw = r.raw
		switch {
		case perr != nil:
			r.rec.Err = &FieldError{Kind: KindBadCSV, Problem: "is not valid CSV: " + perr.Err.Error(), Allowed: "RFC 4180 CSV"}
		case len(row) == 1 && strings.TrimSpace(row[0]) == "":
			continue // blank line
		case len(row) != len(r.cols):
			r.rec.Err = &FieldError{Kind: KindBadCSV, Problem: fmt.Sprintf("has %d fields", len(row)), Allowed: fmt.Sprintf("%d fields, one per header column", len(r.cols))}
		case len(r.raw) > MaxRecordBytes:
			r.rec.Err = &FieldError{Kind: KindTooLarge, Problem: fmt.Sprintf("is %d bytes long", len(r.raw)), Allowed: "at most 65536 bytes per record"}
		default:
			r.rec.Err = r.fill(row)
		}
		return true
	}
	return false
}

// Record returns the record read by the last successful Next.
func (r *CSVReader) Record() *Record { return &r.rec }

// Err returns the I/O error that stopped the reader, if any.
func (r *CSVReader) Err() error { return r.err }

func (r *CSVReader) header(row []string) {
	r.cols = make([]csvField, len(row))
	r.names = make([]string, len(row))
	for i, h := range row {
		h = strings.TrimPrefix(h, "\xef\xbb\xbf")
		h = strings.ToLower(strings.TrimSpace(h))
		h = headerSeparators.Replace(h)
		r.names[i] = h
		r.cols[i] = csvColumns[h]
	}
}

// fill maps one row onto the loan, derives what is missing and validates.
func (r *CSVReader) fill(row []string) error {
	l := &r.rec.Loan
	r.seen = [nCSVFields]bool{}
	for i, v := range row {
		if c := r.cols[i]; c != colIgnored && strings.TrimSpace(v) != "" {
			r.seen[c], r.values[c] = true, strings.TrimSpace(v)
		}
	}
	var err error
	num := func(c csvField, key string) float64 {
		if !r.seen[c] || err != nil {
			return 0
		}
		s := numberNoise.Replace(r.values[c])
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil {
			err = &FieldError{Kind: KindWrongType, Field: key, Problem: fmt.Sprintf("is %q, not a number", r.values[c]), Allowed: "a number"}
		}
		return f
	}
	integer := func(c csvField, key string) int {
		f := num(c, key)
		if err == nil && f != math.Trunc(f) {
			err = &FieldError{Kind: KindWrongType, Field: key, Problem: fmt.Sprintf("is %q, not a whole number", r.values[c]), Allowed: "a whole number"}
		}
		return int(f)
	}
	l.ID = r.values[colID]
	if !r.seen[colID] {
		l.ID = ""
	}
	if r.seen[colSegment] {
		v := strings.ToLower(r.values[colSegment])
		l.Segment = Segment(v)
		if s, ok := csvSegments[strings.ReplaceAll(v, " ", "_")]; ok && !Segment(v).Valid() {
			l.Segment = s
			l.Derived = append(l.Derived, fmt.Sprintf("segment: %s from loan type %q", s, r.values[colSegment]))
		}
	}
	l.RateType = RateType(strings.ToLower(r.values[colRateType]))
	if !r.seen[colRateType] {
		l.RateType = ""
	}
	l.AmountUSD = num(colAmount, "amount")
	if limit := num(colCreditLimit, "credit_limit"); r.seen[colCreditLimit] {
		// Version 1 read credit_limit as the amount of a line; it still is
		// when there is no amount column, and it is the record's
		// credit_limit on revolving segments.
		if !r.seen[colAmount] {
			l.AmountUSD = limit
		}
		if l.Segment.Revolving() {
			l.CreditLimitUSD = limit
		}
	}
	l.BalanceUSD = num(colBalance, "balance")
	l.TermMonths = integer(colTerm, "term_months")
	if !r.seen[colTerm] && r.seen[colTermYears] {
		l.TermMonths = 12 * integer(colTermYears, "term_years")
	}
	l.RemainingMonths = integer(colRemaining, "remaining_months")
	if r.seen[colInterestOnly] {
		b, perr := strconv.ParseBool(strings.ToLower(r.values[colInterestOnly]))
		if perr != nil && err == nil {
			err = &FieldError{Kind: KindWrongType, Field: "interest_only", Problem: fmt.Sprintf("is %q", r.values[colInterestOnly]), Allowed: "true or false"}
		}
		l.InterestOnly = b
	}
	l.RateAnnual = num(colRate, "current_rate")
	l.Index = Index(strings.ToLower(r.values[colIndex]))
	if !r.seen[colIndex] {
		l.Index = ""
	}
	l.MarginAnnual = num(colMargin, "margin")
	l.ResetMonths = integer(colReset, "reset_months")
	l.PeriodicCapAnnual = num(colPeriodicCap, "periodic_cap")
	l.LifetimeCapAnnual = num(colLifetimeCap, "lifetime_cap")
	l.RateCeilingAnnual = num(colRateCeiling, "rate_ceiling")
	l.OriginationRateAnnual = num(colOriginationRate, "origination_rate")
	l.BalloonMonth = integer(colBalloon, "balloon_month")
	l.CreditScore = integer(colScore, "credit_score")
	l.RiskGrade = integer(colGrade, "risk_grade")
	l.IncomeAnnualUSD = num(colIncome, "annual_income")
	l.OtherDebtMonthlyUSD = num(colOtherDebt, "monthly_other_debt")
	l.NOIAnnualUSD = num(colNOI, "annual_noi")
	l.CollateralValueUSD = num(colCollateral, "collateral_value")
	if r.seen[colOrigination] {
		l.OriginationDate = r.values[colOrigination]
	}
	if err != nil {
		return err
	}
	if !r.seen[colRate] {
		return fieldErr(KindBadRate, "current_rate", "an annual rate, as a decimal (0.065) or a percentage (6.5)", "is missing")
	}
	r.derive(l)
	return l.Validate()
}

// derive fills what the model needs and the row lacks. Each step runs only
// when its inputs are usable; otherwise Validate reports the root cause.
func (r *CSVReader) derive(l *Loan) {
	note := func(format string, args ...any) { l.Derived = append(l.Derived, fmt.Sprintf(format, args...)) }
	pct := strings.Contains(r.values[colRate], "%")
	if pct || l.RateAnnual >= 1 {
		note("current_rate: %v%% read as a percentage", l.RateAnnual)
		l.RateAnnual /= 100
	}
	if l.RateType == "" {
		l.RateType = Fixed
		if l.Index != "" {
			l.RateType = Variable
		}
		note("rate_type: %s (no rate type column)", l.RateType)
	}
	if l.RateType == Variable && l.ResetMonths == 0 && !r.seen[colReset] {
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
	age := 0
	switch {
	case r.seen[colRemaining]:
		age = l.TermMonths - l.RemainingMonths
	case validDate(l.OriginationDate):
		y, _ := digits(l.OriginationDate[0:4])
		m, _ := digits(l.OriginationDate[5:7])
		// Payments made: the first falls due the month after origination.
		age = (r.opt.AsOf.Year()-y)*12 + int(r.opt.AsOf.Month()) - m - 1
		age = max(0, min(age, l.TermMonths-1))
		l.RemainingMonths = l.TermMonths - age
		note("remaining_months: %d = term %d - %d payments made between origination %s and %s", l.RemainingMonths, l.TermMonths, age, l.OriginationDate, r.opt.AsOf.Format("2006-01-02"))
	default:
		// A stable pseudo-random age spreads the sample's loans over their
		// lives the same way on every run; an age of 0 for all would make
		// every loan brand new.
		h := fnv.New64a()
		h.Write([]byte(l.ID))
		age = int(h.Sum64() % uint64(l.TermMonths))
		l.RemainingMonths = l.TermMonths - age
		note("remaining_months: %d = term %d - age %d months drawn from a hash of the id", l.RemainingMonths, l.TermMonths, age)
	}
	if l.OriginationDate == "" && age >= 0 {
		l.OriginationDate = r.opt.AsOf.AddDate(0, -age-1, 0).Format("2006-01-02")
		note("origination_date: %s = %s - (%d payments made + 1) months", l.OriginationDate, r.opt.AsOf.Format("2006-01-02"), age)
	}
	if !r.seen[colBalance] && age >= 0 {
		if l.InterestOnly {
			l.BalanceUSD = l.AmountUSD
			note("balance: %v = amount (interest only / fully drawn)", l.BalanceUSD)
		} else {
			l.BalanceUSD = math.Round(100*BalanceAfter(l.AmountUSD, l.RateAnnual, l.TermMonths, age)) / 100
			note("balance: %v amortised from amount %v at rate %v after %d of %d payments", l.BalanceUSD, l.AmountUSD, l.RateAnnual, age, l.TermMonths)
		}
	}
	if l.Segment.Commercial() && l.RiskGrade == 0 && l.CreditScore >= MinCreditScore && l.CreditScore <= MaxCreditScore {
		l.RiskGrade = max(MinRiskGrade, min(MaxRiskGrade, 1+(800-l.CreditScore)/50))
		note("risk_grade: %d = 1 + (800 - credit_score %d)/50, clamped to 1-10", l.RiskGrade, l.CreditScore)
	}
	if l.RemainingMonths < 1 || l.RemainingMonths > l.TermMonths {
		return
	}
	pay := l.ScheduledPayment()
	if l.Segment.Personal() {
		if !r.seen[colOtherDebt] {
			note("monthly_other_debt: 0 (not in source)")
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
