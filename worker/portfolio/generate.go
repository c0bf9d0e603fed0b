package portfolio

import (
	"math"
	"strconv"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Portfolio composition and pricing; the package comment's table is the
// reference for every figure here.
var (
	segments   = [...]loan.Segment{loan.PersonalUnsecured, loan.PersonalAuto, loan.CommercialTerm, loan.CommercialRealEstate, loan.CommercialLine}
	segmentCum = cumulative(0.40, 0.30, 0.12, 0.10, 0.08)

	unsecuredTerms = choice{[]int{24, 36, 48, 60}, cumulative(0.15, 0.35, 0.20, 0.30)}
	autoTerms      = choice{[]int{36, 48, 60, 72}, cumulative(0.15, 0.25, 0.35, 0.25)}
	termLoanTerms  = choice{[]int{36, 60, 84, 120}, cumulative(0.20, 0.40, 0.25, 0.15)}
	creTerms       = choice{[]int{120, 180, 240, 300}, cumulative(0.30, 0.20, 0.25, 0.25)}
	lineTerms      = choice{[]int{12, 24, 36, 60}, cumulative(0.25, 0.25, 0.30, 0.20)}
	riskGrades     = choice{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, cumulative(0.03, 0.07, 0.14, 0.20, 0.20, 0.15, 0.10, 0.06, 0.03, 0.02)}
)

// Shares and bounds used in more than one place, and by the tests.
const (
	scoreMean, scoreSD = 705, 65

	unsecuredVariableShare = 0.15
	termVariableShare      = 0.60
	creVariableShare       = 0.70
	termSecuredShare       = 0.60
	lineSecuredShare       = 0.50

	dtiMin, dtiSpan   = 0.10, 0.50 // DTI = dtiMin + dtiSpan x Beta(2,4)
	shareMin, shareHi = 0.20, 0.60 // this loan's share of the borrower's debt service
	dscrMin, dscrSpan = 1.15, 0.85 // DSCR = dscrMin + dscrSpan x U^1.5

	creARMPeriodicCap = 0.02
	creARMLifetimeCap = 0.05
	autoDepreciation  = 0.15                 // per year
	lnAutoRetention   = -0.16251892949777494 // ln(1 - autoDepreciation), a literal so no math.Log runs
)

// Loan fills l with loan i, overwriting every field. It never allocates per
// loan (ids are carved from a shared block, dates come from a table), so a
// caller can reuse one loan.Loan for millions of loans.
func (g *Generator) Loan(i uint64, l *loan.Loan) {
	g.reseed(i)
	*l = loan.Loan{ID: g.id(i)}
	seg := segments[g.pick(segmentCum)]
	l.Segment = seg
	switch seg {
	case loan.PersonalUnsecured:
		g.personal(l, unsecuredTerms, 12_000, 0.6, 1_000, 100_000)
	case loan.PersonalAuto:
		g.personal(l, autoTerms, 28_000, 0.4, 5_000, 120_000)
	case loan.CommercialTerm:
		g.commercial(l, termLoanTerms, 400_000, 0.9, 50_000, 10_000_000)
	case loan.CommercialRealEstate:
		g.commercial(l, creTerms, 2_500_000, 0.8, 250_000, 50_000_000)
	case loan.CommercialLine:
		g.commercial(l, lineTerms, 250_000, 0.8, 25_000, 5_000_000)
	}
}

func (g *Generator) personal(l *loan.Loan, terms choice, median, sigma, lo, hi float64) {
	l.TermMonths = terms.draw(g)
	l.AmountUSD = roundTo(clamp(median*exp(sigma*g.normal()), lo, hi), 100)
	age := g.intn(l.TermMonths)
	l.RemainingMonths = l.TermMonths - age
	l.OriginationDate = originationDate(age, g.intn(28))
	l.CreditScore = int(clamp(math.Round(scoreMean+scoreSD*g.normal()), loan.MinCreditScore, loan.MaxCreditScore))
	gap := float64(loan.MaxCreditScore - l.CreditScore)
	noise := g.normal()
	if l.Segment == loan.PersonalUnsecured {
		margin := roundTo(clamp(0.01+0.0006*gap+0.0075*noise, 0, loan.MaxMarginAnnual), 0.0001)
		l.RateType, l.RateAnnual = loan.Fixed, round6(PrimeAnnual+margin)
		if g.uniform() < unsecuredVariableShare {
			l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, loan.Prime, margin, 1
		}
	} else {
		l.RateType = loan.Fixed
		l.RateAnnual = round6(math.Max(0.02, FedFundsAnnual+0.005+0.0005*gap+0.005*noise))
		ltv := 0.80 + 0.30*g.uniform()
		// Depreciated value: (1 - 15%)^(age/12), through exp so no CPU-dependent math.Exp.
		value := l.AmountUSD / ltv * exp(float64(age)/12*lnAutoRetention)
		l.CollateralValueUSD = math.Max(1, math.Round(value))
	}
	// The level payment is the same whether computed at origination or from
	// today's balance over the remaining months (MODEL.md's amortisation).
	payment, balance := loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
	l.BalanceUSD = roundTo(balance, 0.01)
	dti := dtiMin + dtiSpan*g.beta24()
	share := shareMin + (shareHi-shareMin)*g.uniform()
	l.OtherDebtMonthlyUSD = roundTo(payment*(1-share)/share, 0.01)
	l.IncomeAnnualUSD = math.Max(1, math.Round(12*(payment+l.OtherDebtMonthlyUSD)/dti))
}

func (g *Generator) commercial(l *loan.Loan, terms choice, median, sigma, lo, hi float64) {
	l.TermMonths = terms.draw(g)
	l.AmountUSD = roundTo(clamp(median*exp(sigma*g.normal()), lo, hi), 1000)
	age := g.intn(l.TermMonths)
	l.RemainingMonths = l.TermMonths - age
	l.OriginationDate = originationDate(age, g.intn(28))
	l.RiskGrade = riskGrades.draw(g)
	grade := float64(l.RiskGrade)
	noise := 0.0025 * g.normal()
	u := g.uniform() // rate type
	switch l.Segment {
	case loan.CommercialTerm:
		if u < termVariableShare {
			g.variable(l, loan.Prime, 0.0025*grade+noise, 1, 0, 0)
		} else {
			l.RateType, l.RateAnnual = loan.Fixed, round6(FedFundsAnnual+0.0175+0.003*grade+noise)
		}
		if g.uniform() < termSecuredShare {
			l.CollateralValueUSD = math.Round(l.AmountUSD * (0.8 + 0.7*g.uniform()))
		}
	case loan.CommercialRealEstate:
		if u < creVariableShare {
			g.variable(l, loan.SOFR, 0.018+0.003*grade+noise, 12, creARMPeriodicCap, creARMLifetimeCap)
		} else {
			l.RateType, l.RateAnnual = loan.Fixed, round6(FedFundsAnnual+0.015+0.003*grade+noise)
		}
		l.CollateralValueUSD = math.Round(l.AmountUSD / (0.55 + 0.20*g.uniform()))
	case loan.CommercialLine:
		g.variable(l, loan.Prime, 0.005+0.0025*grade+noise, 1, 0, 0)
		l.InterestOnly = true
		if g.uniform() < lineSecuredShare {
			l.CollateralValueUSD = math.Round(l.AmountUSD * (0.5 + 0.5*g.uniform()))
		}
	}
	var payment float64
	if l.InterestOnly {
		l.BalanceUSD = roundTo(l.AmountUSD*(0.10+0.80*g.uniform()), 0.01)
		payment = l.ScheduledPayment()
	} else {
		var balance float64
		payment, balance = loan.Amortize(l.AmountUSD, l.RateAnnual, l.TermMonths, age)
		l.BalanceUSD = roundTo(balance, 0.01)
	}
	v := g.uniform()
	dscr := dscrMin + dscrSpan*v*math.Sqrt(v)
	l.NOIAnnualUSD = math.Max(1, math.Round(dscr*12*payment))
}

func (g *Generator) variable(l *loan.Loan, index loan.Index, margin float64, reset int, periodicCap, lifetimeCap float64) {
	level := PrimeAnnual
	if index == loan.SOFR {
		level = SOFRAnnual
	}
	margin = roundTo(clamp(margin, 0, loan.MaxMarginAnnual), 0.0001)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, index, margin, reset
	l.PeriodicCapAnnual, l.LifetimeCapAnnual = periodicCap, lifetimeCap
	l.RateAnnual = round6(level + margin)
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

// beta24 draws Beta(2,4) as the second smallest of five uniforms (order
// statistic k of n uniforms is Beta(k, n+1-k)).
func (g *Generator) beta24() float64 {
	lo1, lo2 := 2.0, 2.0 // smallest, second smallest
	for k := 0; k < 5; k++ {
		u := g.uniform()
		switch {
		case u < lo1:
			lo1, lo2 = u, lo1
		case u < lo2:
			lo2 = u
		}
	}
	return lo2
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

// maxAgeMonths bounds the origination-date table: the longest generated term.
const maxAgeMonths = 300

// dates[age][day-1] is the origination date of a loan that has made age
// payments: age+1 months before DefaultAsOf (a loan originated in May 2025
// makes its first payment in June), on that day. The strings are built once
// so that generating a loan allocates no date.
var dates = sync.OnceValue(func() *[maxAgeMonths][28]string {
	var t [maxAgeMonths][28]string
	y, m := loan.DefaultAsOf.Year(), int(loan.DefaultAsOf.Month())
	for age := range maxAgeMonths {
		yy, mm := y, m-age-1
		for mm < 1 {
			mm += 12
			yy--
		}
		for d := range 28 {
			b := strconv.AppendInt(nil, int64(yy), 10)
			b = append(b, '-', byte('0'+mm/10), byte('0'+mm%10), '-', byte('0'+(d+1)/10), byte('0'+(d+1)%10))
			t[age][d] = string(b)
		}
	}
	return &t
})

func originationDate(age, day int) string { return dates()[age][day] }
