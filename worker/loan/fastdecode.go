package loan

import "strconv"

// decodeFast decodes the plain form of a loan object that AppendJSON and most
// writers produce: exact keys, each at most once, ASCII strings without
// escapes, JSON numbers, no nulls. It returns false whenever the input is
// anything else, and Decode then asks encoding/json, whose answer (result or
// error) is authoritative. So the fast path never changes what is accepted or
// how, only how long it takes: about 10 times less than encoding/json, with
// one allocation (the id) per loan. FuzzDecodeFast checks the agreement.
func decodeFast(b []byte, l *Loan) bool {
	_, ok := decodeFastBits(b, l)
	return ok
}

// fastBit is the bit decodeFastBits sets for each field it read.
var fastBit = [nFields]uint32{
	colID: 1 << 0, colSegment: 1 << 1, colRateType: 1 << 2, colAmount: 1 << 3, colBalance: 1 << 4,
	colTerm: 1 << 5, colRemaining: 1 << 6, colInterestOnly: 1 << 7, colRate: 1 << 8, colIndex: 1 << 9,
	colMargin: 1 << 10, colReset: 1 << 11, colPeriodicCap: 1 << 12, colLifetimeCap: 1 << 13,
	colScore: 1 << 14, colGrade: 1 << 15, colIncome: 1 << 16, colOtherDebt: 1 << 17, colNOI: 1 << 18,
	colCollateral: 1 << 19, colOrigination: 1 << 20, colDerived: 1 << 21, colRateCeiling: 1 << 22,
	colOriginationRate: 1 << 23, colBalloon: 1 << 24, colCreditLimit: 1 << 25,
	colFirstReset: 1 << 26,
}

// decodeFastBits is decodeFast that also returns which keys it read, as
// fastBit bits.
func decodeFastBits(b []byte, l *Loan) (uint32, bool) {
	s := fastScanner{b: b}
	s.ws()
	if !s.eat('{') {
		return 0, false
	}
	s.ws()
	var seen uint32
	if s.eat('}') {
		return seen, s.end()
	}
	for {
		key, ok := s.str()
		if !ok {
			return 0, false
		}
		s.ws()
		if !s.eat(':') {
			return 0, false
		}
		s.ws()
		bit, ok := s.field(string(key), l) // string(key) in a switch does not allocate
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		s.ws()
		if s.eat('}') {
			return seen, s.end()
		}
		if !s.eat(',') {
			return 0, false
		}
		s.ws()
	}
}

type fastScanner struct {
	b []byte
	p int
}

func (s *fastScanner) ws() {
	for s.p < len(s.b) {
		switch s.b[s.p] {
		case ' ', '\t', '\r', '\n':
			s.p++
		default:
			return
		}
	}
}

func (s *fastScanner) eat(c byte) bool {
	if s.p < len(s.b) && s.b[s.p] == c {
		s.p++
		return true
	}
	return false
}

func (s *fastScanner) end() bool {
	s.ws()
	return s.p == len(s.b)
}

// str reads a string of printable ASCII without escapes.
func (s *fastScanner) str() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.p
	for s.p < len(s.b) {
		c := s.b[s.p]
		if c == '"' {
			s.p++
			return s.b[start : s.p-1], true
		}
		if c < 0x20 || c > 0x7e || c == '\\' {
			return nil, false
		}
		s.p++
	}
	return nil, false
}

// number reads a token matching the JSON number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and reports whether it is
// an integer (no fraction or exponent).
func (s *fastScanner) number() (tok []byte, integer, ok bool) {
	start := s.p
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.p < len(s.b) && s.b[s.p] >= '1' && s.b[s.p] <= '9':
		s.digits()
	default:
		return nil, false, false
	}
	integer = true
	if s.eat('.') {
		integer = false
		if s.digits() == 0 {
			return nil, false, false
		}
	}
	if s.p < len(s.b) && (s.b[s.p] == 'e' || s.b[s.p] == 'E') {
		s.p++
		integer = false
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return nil, false, false
		}
	}
	return s.b[start:s.p], integer, true
}

func (s *fastScanner) digits() int {
	n := 0
	for s.p < len(s.b) && s.b[s.p] >= '0' && s.b[s.p] <= '9' {
		s.p++
		n++
	}
	return n
}

func (s *fastScanner) float() (float64, bool) {
	tok, _, ok := s.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(tok), 64) // the conversion does not escape: no allocation
	return f, err == nil
}

func (s *fastScanner) int() (int, bool) {
	tok, integer, ok := s.number()
	if !ok || !integer || len(tok) > 18 { // 18 digits cannot overflow int64
		return 0, false
	}
	n, neg := 0, false
	for _, c := range tok {
		if c == '-' {
			neg = true
			continue
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// field decodes the value of one key into l and returns the key's bit for
// duplicate detection; ok is false for an unknown key or an unusual value.
func (s *fastScanner) field(key string, l *Loan) (bit uint32, ok bool) {
	switch key {
	case "id":
		v, ok := s.str()
		l.ID = string(v)
		return 1 << 0, ok
	case "segment":
		v, ok := s.str()
		l.Segment = Segment(intern(v))
		return 1 << 1, ok
	case "rate_type":
		v, ok := s.str()
		l.RateType = RateType(intern(v))
		return 1 << 2, ok
	case "amount":
		l.AmountUSD, ok = s.float()
		return 1 << 3, ok
	case "balance":
		l.BalanceUSD, ok = s.float()
		return 1 << 4, ok
	case "term_months":
		l.TermMonths, ok = s.int()
		return 1 << 5, ok
	case "remaining_months":
		l.RemainingMonths, ok = s.int()
		return 1 << 6, ok
	case "interest_only":
		switch {
		case s.lit("true"):
			l.InterestOnly = true
		case s.lit("false"):
			l.InterestOnly = false
		default:
			return 0, false
		}
		return 1 << 7, true
	case "current_rate":
		l.RateAnnual, ok = s.float()
		return 1 << 8, ok
	case "index":
		v, ok := s.str()
		l.Index = Index(intern(v))
		return 1 << 9, ok
	case "margin":
		l.MarginAnnual, ok = s.float()
		return 1 << 10, ok
	case "reset_months":
		l.ResetMonths, ok = s.int()
		return 1 << 11, ok
	case "periodic_cap":
		l.PeriodicCapAnnual, ok = s.float()
		return 1 << 12, ok
	case "lifetime_cap":
		l.LifetimeCapAnnual, ok = s.float()
		return 1 << 13, ok
	case "credit_score":
		l.CreditScore, ok = s.int()
		return 1 << 14, ok
	case "risk_grade":
		l.RiskGrade, ok = s.int()
		return 1 << 15, ok
	case "annual_income":
		l.IncomeAnnualUSD, ok = s.float()
		return 1 << 16, ok
	case "monthly_other_debt":
		l.OtherDebtMonthlyUSD, ok = s.float()
		return 1 << 17, ok
	case "annual_noi":
		l.NOIAnnualUSD, ok = s.float()
		return 1 << 18, ok
	case "collateral_value":
		l.CollateralValueUSD, ok = s.float()
		return 1 << 19, ok
	case "origination_date":
		v, ok := s.str()
		l.OriginationDate = intern(v)
		return 1 << 20, ok
	case "derived":
		return 1 << 21, s.strings(&l.Derived)
	case "rate_ceiling":
		l.RateCeilingAnnual, ok = s.float()
		return 1 << 22, ok
	case "origination_rate":
		l.OriginationRateAnnual, ok = s.float()
		return 1 << 23, ok
	case "balloon_month":
		l.BalloonMonth, ok = s.int()
		return 1 << 24, ok
	case "credit_limit":
		l.CreditLimitUSD, ok = s.float()
		return 1 << 25, ok
	case "first_reset_month":
		l.FirstResetMonth, ok = s.int()
		return 1 << 26, ok
	}
	return 0, false
}

func (s *fastScanner) lit(word string) bool {
	if len(s.b)-s.p >= len(word) && string(s.b[s.p:s.p+len(word)]) == word {
		s.p += len(word)
		return true
	}
	return false
}

// strings reads an array of plain strings; encoding/json makes [] an empty,
// non-nil slice, and so does this.
func (s *fastScanner) strings(dst *[]string) bool {
	if !s.eat('[') {
		return false
	}
	out := make([]string, 0, 4)
	s.ws()
	if s.eat(']') {
		*dst = out
		return true
	}
	for {
		v, ok := s.str()
		if !ok {
			return false
		}
		out = append(out, string(v))
		s.ws()
		if s.eat(']') {
			*dst = out
			return true
		}
		if !s.eat(',') {
			return false
		}
		s.ws()
	}
}

// intern returns the constant for the schema's enumerated values, so that
// decoding a loan allocates only its id; other strings are copied.
func intern(v []byte) string {
	switch string(v) {
	case string(PersonalUnsecured):
		return string(PersonalUnsecured)
	case string(PersonalAuto):
		return string(PersonalAuto)
	case string(CommercialTerm):
		return string(CommercialTerm)
	case string(CommercialRealEstate):
		return string(CommercialRealEstate)
	case string(CommercialLine):
		return string(CommercialLine)
	case string(ResidentialMortgage):
		return string(ResidentialMortgage)
	case string(HomeEquity):
		return string(HomeEquity)
	case string(CreditCard):
		return string(CreditCard)
	case string(Fixed):
		return string(Fixed)
	case string(Variable):
		return string(Variable)
	case string(Prime):
		return string(Prime)
	case string(SOFR):
		return string(SOFR)
	}
	return string(v)
}
