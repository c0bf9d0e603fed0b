package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// monthYears is dt, one month in years.
const monthYears = 1.0 / 12

// Correlation bands: the macro loading b depends on the Basel correlation,
// which depends on PD, so loans are grouped by one-year PD into bands whose
// b is taken at a representative PD. Band k holds PDs below bandUpperPD[k].
// Six bands per class keep the per-scenario tables at 12*(H+1) numbers.
var (
	bandUpperPD = [...]float64{0.001, 0.003, 0.01, 0.03, 0.1, math.Inf(1)}
	bandPD      = [...]float64{0.0005, 0.0017, 0.0055, 0.017, 0.055, 0.2}
)

const (
	nBands       = len(bandPD)
	classRetail  = 0 // Basel "other retail": personal loans
	classCorp    = 1 // Basel corporate: commercial loans
	nClasses     = 2
	nCorrSeries  = nClasses * nBands
	scenarioDraw = 2 // normals per month: rate shock, macro
)

// Scenarios are the S systematic paths shared by every loan of a run:
// per scenario and month the policy rate and the macro factor, and the
// cumulative hazard multipliers the loan loop reads. Build them once per
// (Params, seed) with NewScenarios; they are read-only afterwards and safe
// for concurrent use by many Evaluators.
//
// Memory is about 8*(H+1)*(nCorrSeries+5) bytes per scenario: 1.8 MB per
// 1,000 scenarios at H = 12.
type Scenarios struct {
	p    Params
	s, h int

	// mon[(t-1)*s + scenario]: the policy rate during month t, floored at
	// 0, with its monthly rate and logarithm, so that a monthly reset of a
	// loan costs no logarithm (log1pSplit). Month-major, like cum: the
	// monthly-reset kernel reads one month of many scenarios at a time.
	mon []monthRate
	// regular[scenario]: the policy rate is positive and below 12*splitMax
	// in every month and moves by more than 1e-9 from each month to the
	// next, so that a loan paying it plus a spread >= 0 gets a new rate at
	// every monthly reset (monthlyBatch).
	regular []bool
	// baseMon is monthRate of the policy rate held at r0 (the baseline).
	baseMon monthRate
	macro   []float64 // [s*(h+1) + t]: M(t), t = 0..H
	loading [nCorrSeries]float64
	// cum[series][t*s + scenario] = sum_{u=1..t} exp(b*M(u) - b^2/2), t =
	// 0..H: the cumulative hazard multiplier, so a piece of constant
	// payment costs one subtraction.
	cum [nCorrSeries][]float64
	// cumH[series][scenario] = cum at t = H (the last month-row of cum),
	// for the fixed-rate fast path.
	cumH [nCorrSeries][]float64
	pow  powTable
}

// NewScenarios validates p and draws its p.Scenarios scenarios from p.Seed.
// Scenario s uses its own PCG stream seeded from ScenarioSeed(p.Seed, s) and
// draws, in order: M(0), then for each month t = 1..H the rate normal Z_r(t)
// and the macro normal Z_m(t), each by inversion of one uniform (normal). The paths are (MODEL.md):
//
//	x(t) = x(t-1)*e^(-a*dt) + sigma*sqrt((1-e^(-2a*dt))/(2a))*Z_r(t), x(0) = 0
//	r(t) = max(0, phi(t) + x(t)), phi a linear ramp r0 -> target over rampMonths
//	M(t) = rho_M*M(t-1) + sqrt(1-rho_M^2)*(sqrt(1-kappa^2)*Z_m(t) - kappa*Z_r(t))
//
// M is a stationary AR(1) with unit variance at every t (M(0) is standard
// normal and each innovation has unit variance), whose innovations have
// correlation -kappa with the rate shocks: a rate surprise up comes with a
// weaker labour market. M does not depend on the deterministic ramp or on
// sigma, so the baseline (rates held at r0) reuses the very same M paths and
// delta PD isolates the effect of the rate path (common random numbers).
func NewScenarios(p Params) (*Scenarios, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("new scenarios: %w", err)
	}
	sc := &Scenarios{p: p, s: p.Scenarios, h: p.HorizonMonths, pow: newPowTable(p.Gamma)}
	S, H := sc.s, sc.h
	sc.macro = make([]float64, S*(H+1))
	sc.mon = make([]monthRate, S*H)
	sc.regular = make([]bool, S)
	sc.baseMon = newMonthRate(p.R0Annual)

	a, sigma := p.MeanReversionPerYear, p.SigmaAnnualPerSqrtYear
	decay := expDet(-a * monthYears)
	stepSD := sigma * math.Sqrt(monthYears)
	if a > 0 {
		stepSD = sigma * math.Sqrt(-math.Expm1(-2*a*monthYears)/(2*a))
	}
	rhoM := p.MacroPersistenceMonthly
	innovM := math.Sqrt(1 - rhoM*rhoM)
	ownM := math.Sqrt(1 - p.Kappa*p.Kappa)

	var src rand.PCG
	for s := 0; s < S; s++ {
		src.Seed(pcgSeeds(ScenarioSeed(p.Seed, s)))
		x := 0.0
		m := normal(&src)
		sc.macro[s*(H+1)] = m
		for t := 1; t <= H; t++ {
			zr := normal(&src)
			zm := normal(&src)
			x = float64(x*decay) + float64(stepSD*zr)
			sc.mon[(t-1)*S+s] = newMonthRate(math.Max(0, p.Phi(t)+x))
			u := float64(ownM*zm) - float64(p.Kappa*zr)
			m = float64(rhoM*m) + float64(innovM*u)
			sc.macro[s*(H+1)+t] = m
		}
	}

	for s := 0; s < S; s++ {
		ok := true
		for t := 1; t <= H; t++ {
			m := &sc.mon[(t-1)*S+s]
			ok = ok && m.ff > 0 && m.f < splitMax
			if t > 1 {
				ok = ok && math.Abs(m.ff-sc.mon[(t-2)*S+s].ff) > 1e-9
			}
		}
		sc.regular[s] = ok
	}

	for c := 0; c < nClasses; c++ {
		for k := 0; k < nBands; k++ {
			rho := CorrelationOtherRetail(bandPD[k])
			if c == classCorp {
				rho = CorrelationCorporate(bandPD[k])
			}
			sc.loading[c*nBands+k] = MacroLoading(bandPD[k], rho, rhoM)
		}
	}
	for j := range nCorrSeries {
		b := sc.loading[j]
		half := b * b / 2
		cum := make([]float64, S*(H+1))
		for s := 0; s < S; s++ {
			mrow := sc.macro[s*(H+1) : (s+1)*(H+1)]
			acc := 0.0
			for t := 1; t <= H; t++ {
				acc += expDet(float64(b*mrow[t]) - half)
				cum[t*S+s] = acc
			}
		}
		sc.cum[j], sc.cumH[j] = cum, cum[H*S:(H+1)*S]
	}
	return sc, nil
}

// monthRate is an annual rate ff with the monthly rate f = ff/12, ln(1+f)
// and f/(1+f): what log1pSplit needs of the policy rate.
type monthRate struct {
	ff, f, logF, shrunk float64
}

// newMonthRate computes the monthRate of annual rate r. math.Log1p is pure
// Go on amd64 and arm64 (no CPU-dependent path).
func newMonthRate(r float64) monthRate {
	f := r / 12
	return monthRate{ff: r, f: f, logF: math.Log1p(f), shrunk: f / (1 + f)}
}

// normal draws a standard normal by inversion, PhiInv of a uniform in
// (0, 1) from one 64-bit draw. It is slower than math/rand's ziggurat
// (about 15 ns against 4, which is 4 ms per 10,000 scenarios of a year) but
// uses only arithmetic, math.Sqrt and math.Log, none of which has a
// CPU-dependent code path, so every host draws the same scenarios; the
// ziggurat's wedge test calls math.Exp, which has one on amd64.
func normal(src *rand.PCG) float64 {
	return PhiInv((float64(src.Uint64()>>11) + 0.5) * (1.0 / (1 << 53)))
}

// Phi is the stress path of the policy rate at month t: a linear ramp from
// R0Annual at t = 0 to TargetRateAnnual at t = RampMonths, then flat.
func (p Params) Phi(t int) float64 {
	if t <= 0 {
		return p.R0Annual
	}
	if t >= p.RampMonths {
		return p.TargetRateAnnual
	}
	return p.R0Annual + (p.TargetRateAnnual-p.R0Annual)*float64(t)/float64(p.RampMonths)
}

// Params returns the parameters the scenarios were built from.
func (sc *Scenarios) Params() Params { return sc.p }

// Len is the number of scenarios S.
func (sc *Scenarios) Len() int { return sc.s }

// HorizonMonths is H.
func (sc *Scenarios) HorizonMonths() int { return sc.h }

// FedFunds is the policy rate of scenario s during month t (1..H).
func (sc *Scenarios) FedFunds(s, t int) float64 { return sc.mon[(t-1)*sc.s+s].ff }

// Macro is the macro factor M of scenario s at month t (0..H).
func (sc *Scenarios) Macro(s, t int) float64 { return sc.macro[s*(sc.h+1)+t] }

// Loading is the macro loading b applied to a loan of the segment with
// one-year PD pd12 (see MacroLoading and the correlation bands).
func (sc *Scenarios) Loading(seg loan.Segment, pd12 float64) float64 {
	return sc.loading[series(seg, pd12)]
}

// series is the index of the correlation band of a loan.
func series(seg loan.Segment, pd12 float64) int {
	c := classRetail
	if seg.Commercial() {
		c = classCorp
	}
	k := 0
	for k < nBands-1 && pd12 >= bandUpperPD[k] {
		k++
	}
	return c*nBands + k
}
