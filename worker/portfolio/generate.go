package portfolio

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/worker/calibration"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Portfolio composition and pricing. docs/portfolio.md is the reference for
// every figure here and says, for each, where it comes from or that it is
// judgement.

// segments is the order of the segment draw, ExposureMix's order.
var segments = [...]loan.Segment{
	loan.ResidentialMortgage, loan.HomeEquity, loan.CommercialRealEstate, loan.CommercialTerm,
	loan.CommercialLine, loan.CreditCard, loan.PersonalAuto, loan.PersonalUnsecured,
}

// segmentMeanBalance is each segment's mean balance today under the
// distributions below, in the order of segments, measured over 100,000
// loans of the segment (TestMeanBalances re-measures it and fails if a
// distribution changes without this table). The segment draw's count
// shares are the exposure shares divided by these means, so the book
// matches ExposureMix by exposure (drawn balance), not by count.
var segmentMeanBalance = [len(segments)]float64{
	311_800,   // residential_mortgage
	62_750,    // home_equity
	2_540_000, // commercial_real_estate
	325_700,   // commercial_term
	144_400,   // commercial_line
	2_922,     // credit_card
	17_060,    // personal_auto
	7_990,     // personal_unsecured
}

// segmentCum is the cumulative count distribution of the segment draw.
var segmentCum = mustSegmentCum()

// TargetMix returns the target exposure share of each segment (ExposureMix)
// and the count share the generator draws it with.
func TargetMix() (exposure, count map[loan.Segment]float64) {
	exposure, count = map[loan.Segment]float64{}, map[loan.Segment]float64{}
	shares, err := exposureShares()
	if err != nil {
		panic(err)
	}
	for k, seg := range segments {
		exposure[seg] = shares[k]
		p := segmentCum[k]
		if k > 0 {
			p -= segmentCum[k-1]
		}
		count[seg] = p
	}
	return exposure, count
}

func exposureShares() ([len(segments)]float64, error) {
	var out [len(segments)]float64
	mix, err := calibration.ExposureMix()
	if err != nil {
		return out, err
	}
	for k, seg := range segments {
		found := false
		for _, s := range mix {
			if s.Segment == string(seg) {
				out[k], found = s.Share, true
			}
		}
		if !found {
			return out, fmt.Errorf("portfolio: calibration.ExposureMix has no segment %q", seg)
		}
	}
	return out, nil
}

func mustSegmentCum() []float64 {
	shares, err := exposureShares()
	if err != nil {
		panic(err) // embedded data, tested in calibration
	}
	w := make([]float64, len(segments))
	for k := range segments {
		w[k] = shares[k] / segmentMeanBalance[k]
	}
	var sum float64
	for _, x := range w {
		sum += x
	}
	for k := range w {
		w[k] /= sum
	}
	return cumulative(w...)
}

// Discrete distributions.
var (
	unsecuredTerms = choice{[]int{24, 36, 48, 60}, cumulative(0.15, 0.35, 0.20, 0.30)}
	autoTerms      = choice{[]int{48, 60, 72, 84}, cumulative(0.15, 0.30, 0.45, 0.10)}
	termLoanTerms  = choice{[]int{36, 60, 84, 120}, cumulative(0.20, 0.40, 0.25, 0.15)}
	lineTerms      = choice{[]int{12, 24, 36, 60}, cumulative(0.20, 0.15, 0.25, 0.40)}
	creBalloons    = choice{[]int{60, 84, 120}, cumulative(0.35, 0.25, 0.40)}
	creAmortTerms  = choice{[]int{300, 360}, cumulative(0.70, 0.30)}
	riskGrades     = choice{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, cumulative(0.03, 0.08, 0.15, 0.21, 0.20, 0.14, 0.10, 0.05, 0.03, 0.01)}
)

// Scores: mean, standard deviation and floor of the (clamped) normal draw,
// by segment.
type scoreDist struct{ mean, sd, lo float64 }

var (
	mortgageScore  = scoreDist{770, 46, 620}  // FR Y-14M first-lien originations: p25 739, p50 770
	helocScore     = scoreDist{765, 45, 640}  // judgement: HELOCs are prime
	cardScore      = scoreDist{760, 100, 300} // FR Y-14M card accounts, current score: p25 692, p50 ~760
	autoScore      = scoreDist{720, 85, 300}  // judgement near NY Fed HHDC 2024Q3 (37% of auto originations above 760)
	unsecuredScore = scoreDist{745, 65, 300}  // judgement: bank personal loans, prime-leaning
)

// Shares and bounds used in more than one place, and by the tests.
const (
	mortgageARMShare          = 0.20 // judgement
	armFixedMonths            = 60   // 5/1: fixed 5 years, then annual resets
	armMargin                 = 0.0275
	armInitialCap             = 0.02 // 2/1/5 caps
	armPeriodicCap            = 0.01
	armLifetimeCap            = 0.05
	armDiscount               = 0.005 // 5/1 ARM start rate below the 30-year fixed (PMMS, judgement)
	mortgageMaxAgeMonths      = 180   // judgement: 15 years of vintages
	mortgageDTIMin            = 0.20  // back-end DTI = min + span x Beta(3,2): 20-50%, median ~38%
	mortgageDTISpan           = 0.30
	helocTermMonths           = 360 // 10-year draw + 20-year repayment
	helocDrawMonths           = 120
	helocRateCeiling          = 0.18 // judgement: the usual HELOC lifetime ceiling
	helocMaxCLTV              = 0.85 // judgement: combined LTV limit at origination
	cardTermMonths            = 360  // open-ended; recorded so it never matures inside any horizon
	cardMaxAgeMonths          = 120
	cardMinPrincipal          = 0.01       // minimum payment: interest + 1% of the balance (Params.CardMinPrincipalMonthly)
	cardShareMin, cardShareHi = 0.05, 0.30 // judgement: a card's share of its holder's debt service
	cardZeroShare             = 0.25       // judgement: share of active accounts with (almost) no balance
	cardScoreUtilCorr         = 0.2        // judgement: corr(-score, utilisation rank)
	personalDTIMin            = 0.10       // DTI = min + span x Beta(2,4): 10-50%
	personalDTISpan           = 0.40
	shareMin, shareHi         = 0.20, 0.60 // this loan's share of the borrower's debt service
	mortgageShareMin          = 0.60       // a first mortgage's share of debt service: 60-90%
	mortgageShareHi           = 0.90
	dscrMin, dscrSpan         = 1.25, 0.75 // DSCR = dscrMin + dscrSpan x U^1.5: 1.25-2.0, mean 1.55
	unsecuredVariableShare    = 0.15
	termVariableShare         = 0.75
	creVariableShare          = 0.70
	termSecuredShare          = 0.60
	lineSecuredShare          = 0.50
	lineRefiAmortMonths       = 300  // lines' NOI is sized on a 25-year term-out of the drawn balance
	lineRateBuffer            = 0.01 // judgement: ... at a rate 1 point above today's
	creMaturingShare          = 0.40 // share of CRE loans whose balloon falls due inside creMaturingMonths
	creMaturingMonths         = 27
	creLTVMin, creLTVSpan     = 0.60, 0.20 // LTV at origination U(0.60, 0.80), inside the supervisory 80-85% limits
	creValueMin               = 0.75       // value today / value at origination: U(0.75, 1.10)
	creDSCRSpan               = 0.50       // CRE DSCR = 1.25 + 0.50 x U^1.5: 1.25-1.75, mean 1.45
	creValueSpan              = 0.35
	autoDepreciation          = 0.15                 // per year
	autoLTVMin, autoLTVSpan   = 0.90, 0.35           // LTV at origination U(0.90, 1.25): taxes, fees and negative equity financed
	lnAutoRetention           = -0.16251892949777494 // ln(1 - autoDepreciation), a literal so no math.Log runs
)

// DTICap is the largest debt-to-income ratio the generator writes: every
// personal loan's (payment + other debt) / monthly income is below it
// (MODEL.md: no loan breaches its own covenant on day one; the model's
// Params.DTICap is 0.55).
const DTICap = 0.50

// DSCRCovenant is the smallest debt-service coverage the generator writes:
// every commercial loan's NOI / (12 x today's payment) is at least this.
const DSCRCovenant = 1.25

// Annual averages by origination year (index 0 = 2010), for the rate a
// fixed loan kept from origination and the value its collateral gained.
var (
	// pmms30 is Freddie Mac's Primary Mortgage Market Survey 30-year fixed
	// rate, annual average (2012: 3.66%, as Freddie Mac reported it; the
	// other years approximate to about 0.05 point). 2025: January-May.
	pmms30 = [...]float64{0.0469, 0.0445, 0.0366, 0.0398, 0.0417, 0.0385, 0.0365, 0.0399, 0.0454, 0.0394, 0.0311, 0.0296, 0.0534, 0.0681, 0.0672, 0.0680}
	// hpi is the national house price index, annual level relative to 2025
	// (S&P CoreLogic Case-Shiller U.S. National, approximate; judgement
	// grade: it sets how much equity old mortgages have gained).
	hpi = [...]float64{0.44, 0.43, 0.44, 0.47, 0.50, 0.52, 0.55, 0.58, 0.61, 0.63, 0.66, 0.76, 0.88, 0.92, 0.97, 1.00}
	// ust10 is the 10-year Treasury yield, annual average (FRED DGS10,
	// approximate), the base of a fixed CRE loan's rate.
	ust10 = [...]float64{0.0321, 0.0279, 0.0180, 0.0235, 0.0254, 0.0214, 0.0184, 0.0233, 0.0291, 0.0214, 0.0089, 0.0145, 0.0295, 0.0396, 0.0421, 0.0440}
)

const firstYear = 2010

// byYear returns table[year of a loan aged age months].
func byYear(table []float64, age int) float64 {
	y, _ := originationYM(age)
	k := min(max(y-firstYear, 0), len(table)-1)
	return table[k]
}

// Loan fills l with loan i, overwriting every field. It never allocates per
// loan (ids are carved from a shared block, dates come from a table), so a
// caller can reuse one loan.Loan for millions of loans.
func (g *Generator) Loan(i uint64, l *loan.Loan) {
	g.reseed(i)
	*l = loan.Loan{ID: g.id(i)}
	g.fill(segments[g.pick(segmentCum)], l)
}

// fill draws a loan of the segment from the current stream.
func (g *Generator) fill(seg loan.Segment, l *loan.Loan) {
	l.Segment = seg
	switch seg {
	case loan.ResidentialMortgage:
		g.mortgage(l)
	case loan.HomeEquity:
		g.heloc(l)
	case loan.CreditCard:
		g.card(l)
	case loan.PersonalUnsecured:
		g.personal(l, unsecuredTerms, 12_000, 0.6, 1_000, 100_000)
	case loan.PersonalAuto:
		g.personal(l, autoTerms, 28_000, 0.45, 5_000, 150_000)
	case loan.CommercialTerm:
		g.commercial(l, termLoanTerms, 400_000, 0.9, 50_000, 10_000_000)
	case loan.CommercialLine:
		g.commercial(l, lineTerms, 250_000, 0.8, 25_000, 5_000_000)
	case loan.CommercialRealEstate:
		g.cre(l)
	}
}

func (g *Generator) score(d scoreDist) int {
	return int(clamp(math.Round(d.mean+d.sd*g.normal()), d.lo, loan.MaxCreditScore))
}

// setAge sets term, remaining months and origination date for a loan that
// has made age payments.
func (g *Generator) setAge(l *loan.Loan, term, age int) {
	l.TermMonths = term
	l.RemainingMonths = term - age
	l.OriginationDate = originationDate(age, g.intn(28))
}

// borrower sets income and other debt so that (payment + other debt) /
// monthly income is dti, this loan being share of the debt service.
func borrower(l *loan.Loan, payment, dti, share float64) {
	l.OtherDebtMonthlyUSD = roundTo(payment*(1-share)/share, 0.01)
	l.IncomeAnnualUSD = math.Max(1, math.Ceil(12*(payment+l.OtherDebtMonthlyUSD)/dti))
}

func (g *Generator) mortgage(l *loan.Loan) {
	age := g.mortgageAge()
	g.setAge(l, 360, age)
	l.AmountUSD = roundTo(clamp(300_000*exp(0.55*g.normal()), 50_000, 2_500_000), 1000)
	l.CreditScore = g.score(mortgageScore)
	ltv := clamp(0.78+0.12*g.normal(), 0.30, 0.97)
	value := l.AmountUSD / ltv * (hpi[len(hpi)-1] / byYear(hpi[:], age))
	l.CollateralValueUSD = math.Round(value)
	market := byYear(pmms30[:], age)
	rate := math.Max(0.02, market+0.0003*(780-float64(l.CreditScore))/10+0.0025*g.normal())
	if g.uniform() < mortgageARMShare {
		orig := round6(math.Max(0.02, rate-armDiscount))
		l.RateType, l.Index, l.MarginAnnual = loan.Variable, loan.SOFR, armMargin
		l.OriginationRateAnnual, l.LifetimeCapAnnual = orig, armLifetimeCap
		if age < armFixedMonths {
			// Still in the fixed period: the first reset falls at age 60.
			l.RateAnnual, l.ResetMonths, l.PeriodicCapAnnual = orig, armFixedMonths, armInitialCap
		} else {
			l.RateAnnual = round6(math.Min(orig+armLifetimeCap, SOFRAnnual+armMargin))
			l.ResetMonths, l.PeriodicCapAnnual = 12, armPeriodicCap
		}
	} else {
		l.RateType, l.RateAnnual = loan.Fixed, round6(rate)
	}
	payment, balance := loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
	l.BalanceUSD = roundTo(balance, 0.01)
	payment = loan.Payment(l.BalanceUSD, l.RateAnnual, l.RemainingMonths)
	dti := mortgageDTIMin + mortgageDTISpan*g.orderStat(3, 4)
	share := mortgageShareMin + (mortgageShareHi-mortgageShareMin)*g.uniform()
	borrower(l, payment, dti, share)
}

// mortgageVintage is the share of today's first-lien book by origination
// year, 2010 to 2025 (judgement after the NY Fed Household Debt and Credit
// report's annual mortgage originations, with older vintages run off by
// prepayment: the 2020-2021 refinancing wave is a third of the book). Ages
// are uniform within a year; 2025 has five months (to DefaultAsOf).
var mortgageVintage = cumulative(0.025, 0.025, 0.03, 0.03, 0.03, 0.045, 0.05, 0.045, 0.04, 0.05, 0.14, 0.17, 0.09, 0.06, 0.07, 0.03)

// mortgageAge draws a loan age in months from mortgageVintage.
func (g *Generator) mortgageAge() int {
	k := g.pick(mortgageVintage)
	year := firstYear + k
	// Ages whose origination falls in year: from age (asOf - Dec year) to
	// age (asOf - Jan year).
	y0, m0 := originationYM(0)
	youngest := (y0-year)*12 + (m0 - 12)
	if youngest < 0 {
		youngest = 0
	}
	oldest := (y0-year)*12 + (m0 - 1)
	return youngest + g.intn(oldest-youngest+1)
}

func (g *Generator) heloc(l *loan.Loan) {
	age := g.intn(helocDrawMonths)
	g.setAge(l, helocTermMonths, age)
	limit := roundTo(clamp(100_000*exp(0.6*g.normal()), 10_000, 1_000_000), 1000)
	l.AmountUSD = limit
	l.CreditScore = g.score(helocScore)
	// The property: a first lien at firstLTV of its value, and the line's
	// limit taking the combined LTV to cltv. The line's collateral is the
	// equity behind the first lien.
	firstLTV := 0.30 + 0.35*g.uniform()
	cltv := firstLTV + 0.10 + (helocMaxCLTV-firstLTV-0.10)*g.uniform()
	value := limit / (cltv - firstLTV)
	l.CollateralValueUSD = math.Round(value * (1 - firstLTV))
	util := 0.15 + 0.75*g.uniform()
	l.BalanceUSD = roundTo(limit*util, 0.01)
	if l.Segment.Revolving() {
		l.CreditLimitUSD = limit
	}
	margin := clamp(0.005+0.0001*(800-float64(l.CreditScore))+0.0025*g.normal(), -0.005, 0.04)
	g.variable(l, loan.Prime, margin, 1, 0, 0)
	l.RateCeilingAnnual = helocRateCeiling
	l.InterestOnly = true
	payment := l.BalanceUSD * l.RateAnnual / 12
	dti := personalDTIMin + personalDTISpan*g.orderStat(2, 5)
	share := shareMin + (shareHi-shareMin)*g.uniform()
	borrower(l, payment, dti, share)
}

func (g *Generator) card(l *loan.Loan) {
	age := g.intn(cardMaxAgeMonths)
	g.setAge(l, cardTermMonths, age)
	limit := roundTo(clamp(5_000*exp(0.9*g.normal()), 500, 50_000), 100)
	l.AmountUSD = limit
	l.CreditLimitUSD = limit
	// Utilisation and score are drawn together: zu sets the utilisation's
	// rank, the score loads negatively on it.
	zu, zs := g.normal(), g.normal()
	util := cardUtilisation(cardZeroShare + (1-cardZeroShare)*normalCDF(zu))
	l.BalanceUSD = math.Max(0.01, roundTo(limit*util, 0.01))
	z := -cardScoreUtilCorr*zu + math.Sqrt(1-cardScoreUtilCorr*cardScoreUtilCorr)*zs
	l.CreditScore = int(clamp(math.Round(cardScore.mean+cardScore.sd*z), cardScore.lo, loan.MaxCreditScore))
	margin := clamp(0.115+0.0003*float64(loan.MaxCreditScore-l.CreditScore)+0.01*g.normal(), 0.05, loan.MaxMarginAnnual)
	g.variable(l, loan.Prime, margin, 1, 0, 0)
	payment := l.BalanceUSD * (l.RateAnnual/12 + cardMinPrincipal)
	dti := personalDTIMin + personalDTISpan*g.orderStat(2, 5)
	share := cardShareMin + (cardShareHi-cardShareMin)*g.uniform()
	borrower(l, payment, dti, share)
}

// cardUtil is the inverse distribution function of card utilisation, linear
// between the FR Y-14M percentiles of active accounts (2024 Q2: p50 7.60%,
// p75 51.77%, p90 94.14%); the 2% floor is judgement. The percentiles are
// of active accounts, some with no balance; the book holds accounts with a
// balance, so utilisation is drawn above the cardZeroShare quantile.
var cardUtil = [...][2]float64{{0, 0.02}, {0.50, 0.0760}, {0.75, 0.5177}, {0.90, 0.9414}, {1, 1}}

func cardUtilisation(q float64) float64 {
	for k := 1; k < len(cardUtil); k++ {
		if q <= cardUtil[k][0] {
			a, b := cardUtil[k-1], cardUtil[k]
			return a[1] + (b[1]-a[1])*(q-a[0])/(b[0]-a[0])
		}
	}
	return 1
}

// normalCDF is the exact distribution function of normal()'s draws (the
// Irwin-Hall distribution of a sum of four uniforms, standardised), so that
// normalCDF(g.normal()) is exactly uniform: F(s) = sum_{k <= s} (-1)^k
// C(4,k) (s-k)^4 / 24 for the sum s in [0, 4].
func normalCDF(z float64) float64 {
	s := z/math.Sqrt(3) + 2
	if s <= 0 {
		return 0
	}
	if s >= 4 {
		return 1
	}
	binom := [...]float64{1, 4, 6, 4, 1}
	var f float64
	sign := 1.0
	for k := 0; k <= int(s); k++ {
		d := s - float64(k)
		f += sign * binom[k] * d * d * d * d
		sign = -sign
	}
	return f / 24
}

func (g *Generator) personal(l *loan.Loan, terms choice, median, sigma, lo, hi float64) {
	term := terms.draw(g)
	age := g.intn(term)
	g.setAge(l, term, age)
	l.AmountUSD = roundTo(clamp(median*exp(sigma*g.normal()), lo, hi), 100)
	noise := g.normal()
	if l.Segment == loan.PersonalUnsecured {
		l.CreditScore = g.score(unsecuredScore)
		gap := float64(loan.MaxCreditScore - l.CreditScore)
		margin := roundTo(clamp(0.01+0.0006*gap+0.0075*noise, 0, loan.MaxMarginAnnual), 0.0001)
		l.RateType, l.RateAnnual = loan.Fixed, round6(PrimeAnnual+margin)
		if g.uniform() < unsecuredVariableShare {
			l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, loan.Prime, margin, 1
		}
	} else {
		l.CreditScore = g.score(autoScore)
		gap := float64(loan.MaxCreditScore - l.CreditScore)
		l.RateType = loan.Fixed
		l.RateAnnual = round6(math.Max(0.02, FedFundsAnnual+0.015+0.00025*gap+0.005*noise))
		ltv := autoLTVMin + autoLTVSpan*g.uniform()
		// Depreciated value: (1 - 15%)^(age/12), through exp so no CPU-dependent math.Exp.
		value := l.AmountUSD / ltv * exp(float64(age)/12*lnAutoRetention)
		l.CollateralValueUSD = math.Max(1, math.Round(value))
	}
	// The level payment is the same whether computed at origination or from
	// today's balance over the remaining months (MODEL.md's amortisation).
	payment, balance := loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
	l.BalanceUSD = roundTo(balance, 0.01)
	dti := personalDTIMin + personalDTISpan*g.orderStat(2, 5)
	share := shareMin + (shareHi-shareMin)*g.uniform()
	borrower(l, payment, dti, share)
}

func (g *Generator) commercial(l *loan.Loan, terms choice, median, sigma, lo, hi float64) {
	term := terms.draw(g)
	age := g.intn(term)
	g.setAge(l, term, age)
	l.AmountUSD = roundTo(clamp(median*exp(sigma*g.normal()), lo, hi), 1000)
	l.RiskGrade = riskGrades.draw(g)
	grade := float64(l.RiskGrade)
	noise := 0.0025 * g.normal()
	u := g.uniform() // rate type
	switch l.Segment {
	case loan.CommercialTerm:
		if u < termVariableShare {
			g.variable(l, loan.SOFR, 0.015+0.0025*grade+noise, 1, 0, 0)
		} else {
			l.RateType, l.RateAnnual = loan.Fixed, round6(FedFundsAnnual+0.0175+0.003*grade+noise)
		}
		if g.uniform() < termSecuredShare {
			l.CollateralValueUSD = math.Round(l.AmountUSD * (0.8 + 0.7*g.uniform()))
		}
	case loan.CommercialLine:
		g.variable(l, loan.Prime, 0.005+0.0025*grade+noise, 1, 0, 0)
		l.InterestOnly = true
		l.CreditLimitUSD = l.AmountUSD
		if g.uniform() < lineSecuredShare {
			l.CollateralValueUSD = math.Round(l.AmountUSD * (0.5 + 0.5*g.uniform()))
		}
	}
	var payment, sizing float64
	if l.InterestOnly {
		l.BalanceUSD = roundTo(l.AmountUSD*(0.10+0.80*g.orderStat(2, 4)), 0.01)
		payment = l.ScheduledPayment()
		// Underwritten on a 25-year term-out of the drawn balance (MODEL.md's
		// refinancing terms) at today's rate plus lineRateBuffer, which also
		// covers today's interest-only payment.
		sizing = loan.Payment(l.BalanceUSD, l.RateAnnual+lineRateBuffer, lineRefiAmortMonths)
	} else {
		_, balance := loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
		l.BalanceUSD = roundTo(balance, 0.01)
		payment = l.ScheduledPayment()
		sizing = payment
	}
	l.NOIAnnualUSD = noi(g.dscr(), math.Max(payment, sizing))
}

func (g *Generator) cre(l *loan.Loan) {
	balloon := creBalloons.draw(g)
	term := creAmortTerms.draw(g)
	// Months to the balloon: inside the maturity window for
	// creMaturingShare of loans, otherwise uniform over the rest.
	var toBalloon int
	if g.uniform() < creMaturingShare {
		toBalloon = 1 + g.intn(creMaturingMonths)
	} else {
		toBalloon = creMaturingMonths + 1 + g.intn(balloon-creMaturingMonths)
	}
	age := balloon - toBalloon
	g.setAge(l, term, age)
	l.BalloonMonth = balloon
	l.AmountUSD = roundTo(clamp(2_000_000*exp(0.8*g.normal()), 250_000, 50_000_000), 1000)
	l.RiskGrade = riskGrades.draw(g)
	grade := float64(l.RiskGrade)
	noise := 0.0025 * g.normal()
	if g.uniform() < creVariableShare {
		g.variable(l, loan.SOFR, 0.02+0.0025*grade+noise, 1, 0, 0)
	} else {
		l.RateType = loan.Fixed
		l.RateAnnual = round6(math.Max(0.02, byYear(ust10[:], age)+0.0175+0.002*grade+noise))
	}
	ltv := creLTVMin + creLTVSpan*g.uniform()
	// Value today: the origination value moved by -25% to +10% (judgement:
	// office down, industrial and multifamily up since origination).
	l.CollateralValueUSD = math.Round(l.AmountUSD / ltv * (creValueMin + creValueSpan*g.uniform()))
	_, balance := loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
	l.BalanceUSD = roundTo(balance, 0.01)
	v := g.uniform()
	l.NOIAnnualUSD = noi(dscrMin+creDSCRSpan*v*math.Sqrt(v), l.ScheduledPayment())
}

// dscr draws a debt-service coverage ratio, dscrMin + dscrSpan x U^1.5.
func (g *Generator) dscr() float64 {
	v := g.uniform()
	return dscrMin + dscrSpan*v*math.Sqrt(v)
}

// noi is the annual net operating income giving coverage dscr over the
// monthly payment, rounded up to the dollar so the coverage stays at least
// dscr.
func noi(dscr, payment float64) float64 { return math.Max(1, math.Ceil(dscr*12*payment)) }

func (g *Generator) variable(l *loan.Loan, index loan.Index, margin float64, reset int, periodicCap, lifetimeCap float64) {
	level := PrimeAnnual
	if index == loan.SOFR {
		level = SOFRAnnual
	}
	margin = roundTo(clamp(margin, loan.MinMarginAnnual, loan.MaxMarginAnnual), 0.0001)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, index, margin, reset
	l.PeriodicCapAnnual, l.LifetimeCapAnnual = periodicCap, lifetimeCap
	l.RateAnnual = round6(math.Max(0, level+margin))
}

// uniform returns a float64 in [0, 1) from the top 53 bits.
func (g *Generator) uniform() float64 { return float64(g.pcg.Uint64()>>11) * 0x1p-53 }

// intn returns an integer in [0, n) (n small; the modulo bias of a 64-bit
// draw is below 1e-16).
func (g *Generator) intn(n int) int { return int(g.pcg.Uint64() % uint64(n)) }

// normal is an approximately standard normal draw: the Irwin-Hall sum of four
// uniforms, centred and scaled to unit variance. It is bounded (+-3.46),
// which suits generated data (no 10-sigma loan amounts), costs four uniforms,
// and, unlike a ziggurat, never calls math.Exp or math.Log, so it is the same
// on every CPU.
func (g *Generator) normal() float64 {
	s := g.uniform() + g.uniform() + g.uniform() + g.uniform()
	return (s - 2) * math.Sqrt(3)
}

// orderStat draws Beta(k, n+1-k) as the k-th smallest of n uniforms (n <= 8).
func (g *Generator) orderStat(k, n int) float64 {
	var u [8]float64
	for j := range n {
		x := g.uniform()
		// insertion into the sorted prefix
		i := j
		for i > 0 && u[i-1] > x {
			u[i] = u[i-1]
			i--
		}
		u[i] = x
	}
	return u[k-1]
}

func (g *Generator) pick(cum []float64) int {
	u := g.uniform()
	for k, c := range cum {
		if u < c {
			return k
		}
	}
	return len(cum) - 1
}

// choice is a discrete distribution over values.
type choice struct {
	values []int
	cum    []float64
}

func (c choice) draw(g *Generator) int { return c.values[g.pick(c.cum)] }

func cumulative(p ...float64) []float64 {
	out := make([]float64, len(p))
	s := 0.0
	for k, x := range p {
		s += x
		out[k] = s
	}
	out[len(out)-1] = 1 // absorb rounding so every draw lands somewhere
	return out
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// roundTo rounds to a multiple of unit. Units below 1 divide by the exact
// reciprocal (100 for cents) rather than multiply by 0.01, which is inexact:
// 264049 * 0.01 prints as 2640.4900000000002.
func roundTo(x, unit float64) float64 {
	if unit < 1 {
		inv := math.Round(1 / unit)
		return math.Round(x*inv) / inv
	}
	return math.Round(x/unit) * unit
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// exp is e^x by range reduction to |r| <= ln2/2 and a degree-12 Taylor
// polynomial (relative error below 1e-15 on the arguments used here). It
// exists because math.Exp on amd64 chooses an FMA path at run time by CPU,
// which would make loan amounts differ in the last bit between machines.
func exp(x float64) float64 {
	k := math.Floor(x*math.Log2E + 0.5)
	r := x - k*math.Ln2
	p := 1 / 479001600.0 // 1/12!
	for _, c := range [...]float64{1 / 39916800.0, 1 / 3628800.0, 1 / 362880.0, 1 / 40320.0, 1 / 5040.0, 1 / 720.0, 1 / 120.0, 1 / 24.0, 1 / 6.0, 1 / 2.0, 1, 1} {
		p = p*r + c
	}
	return math.Ldexp(p, int(k))
}

// maxAgeMonths bounds the origination-date table: the oldest generated loan.
const maxAgeMonths = 300

// originationYM is the year and month of origination of a loan that has
// made age payments: age+1 months before DefaultAsOf (a loan originated in
// May 2025 makes its first payment in June).
func originationYM(age int) (year, month int) {
	y, m := loan.DefaultAsOf.Year(), int(loan.DefaultAsOf.Month())-age-1
	for m < 1 {
		m += 12
		y--
	}
	return y, m
}

// dates[age][day-1] is the origination date of a loan that has made age
// payments, on that day. The strings are built once so that generating a
// loan allocates no date.
var dates = sync.OnceValue(func() *[maxAgeMonths][28]string {
	var t [maxAgeMonths][28]string
	for age := range maxAgeMonths {
		yy, mm := originationYM(age)
		for d := range 28 {
			b := strconv.AppendInt(nil, int64(yy), 10)
			b = append(b, '-', byte('0'+mm/10), byte('0'+mm%10), '-', byte('0'+(d+1)/10), byte('0'+(d+1)%10))
			t[age][d] = string(b)
		}
	}
	return &t
})

func originationDate(age, day int) string { return dates()[age][day] }
