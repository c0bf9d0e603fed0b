package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// monthYears is dt, one month in years.
const monthYears = 1.0 / 12

// Correlation bands: the credit-cycle loading b depends on the Basel
// correlation, which depends on PD, so loans are grouped by one-year PD into
// bands whose b is taken at a representative PD. Band k holds PDs below
// bandUpperPD[k].
var (
	bandUpperPD = [...]float64{0.001, 0.003, 0.01, 0.03, 0.1, math.Inf(1)}
	bandPD      = [...]float64{0.0005, 0.0017, 0.0055, 0.017, 0.055, 0.2}
)

const (
	nBands = len(bandPD)
	// nSegments is len(loan.Segments); segIndex maps a segment to its place.
	nSegments = 8
	nSeries   = nSegments * nBands
	// scenarioDraws is the number of normals a scenario draws per month:
	// the rate shock Z_r, the credit-cycle normal Z_e, the house-price
	// normal Z_h and the commercial-property normal Z_c.
	scenarioDraws = 4
)

// segIndex is the position of seg in loan.Segments (-1 if invalid).
func segIndex(seg loan.Segment) int {
	switch seg {
	case loan.PersonalUnsecured:
		return 0
	case loan.PersonalAuto:
		return 1
	case loan.CommercialTerm:
		return 2
	case loan.CommercialRealEstate:
		return 3
	case loan.CommercialLine:
		return 4
	case loan.ResidentialMortgage:
		return 5
	case loan.HomeEquity:
		return 6
	case loan.CreditCard:
		return 7
	}
	return -1
}

// Eta is the hazard elasticity to unemployment (per point) of a segment.
func (p Params) Eta(seg loan.Segment) float64 {
	switch seg {
	case loan.PersonalUnsecured:
		return p.EtaPersonal
	case loan.PersonalAuto:
		return p.EtaAuto
	case loan.CommercialTerm:
		return p.EtaCommercialTerm
	case loan.CommercialRealEstate:
		return p.EtaCRE
	case loan.CommercialLine:
		return p.EtaCommercialLine
	case loan.ResidentialMortgage:
		return p.EtaMortgage
	case loan.HomeEquity:
		return p.EtaHomeEquity
	case loan.CreditCard:
		return p.EtaCard
	}
	return 0
}

// BaselCorrelation is the IRB asset correlation of the segment's Basel
// class at PD pd: residential mortgage (15%, para. 328) for mortgages and
// home equity, qualifying revolving retail (4%, para. 329) for cards, other
// retail (para. 330) for personal and auto loans, corporate (para. 272) for
// commercial loans.
func BaselCorrelation(seg loan.Segment, pd float64) float64 {
	switch {
	case seg == loan.ResidentialMortgage || seg == loan.HomeEquity:
		return 0.15
	case seg == loan.CreditCard:
		return 0.04
	case seg.Commercial():
		return CorrelationCorporate(pd)
	}
	return CorrelationOtherRetail(pd)
}

// pathSet is one set of monthly paths per scenario: the stressed paths or
// the baseline ones (the same draws with the policy rate's mean held at
// r0). Arrays are in blocks of kernelBatch scenarios, month-major within a
// block, at Scenarios.at(t, s): a kernel batch reads one month of its
// scenarios contiguously, and all its months from one contiguous block (a
// single stream for the prefetcher, where a month-major layout over all S
// scenarios made one stream per month).
type pathSet struct {
	// sofr and prime: the index rates during month t = 1..H at at(t, s)
	// (t = 0 unused), each with its monthly rate and logarithm (monthRate).
	sofr, prime []monthRate
	// du is u - u0, unemployment over today's, t = 0..H.
	du []float64
	// hpi and cre are the house and commercial property price indices
	// (1 at t = 0); nf is the NOI factor 1 - nu*(u - u0), floored at 0.05.
	hpi, cre, nf []float64
	// minHPI, minCRE and minNF are the smallest values over every
	// scenario and month 1..H: a loan that cannot cross a knee even then
	// skips the per-month LTV or DSCR term.
	minHPI, minCRE, minNF float64
	// sMinHPI, sMinCRE and sMinNF are the same per scenario, over months
	// 1..H: a scenario where a loan cannot cross a knee reads its hazard
	// from the tables (fixedTermsPath).
	sMinHPI, sMinCRE, sMinNF []float64
	// ffLo and ffHi are the lowest and highest annual index rate over every
	// scenario and month 1..H, [0] SOFR and [1] prime: the margin grid's
	// domain and whether a rate ceiling can bind.
	ffLo, ffHi [2]float64

	// cum[series][at(t, s)] = sum_{v=1..t} exp(eta*(u(v)-u0) + b*e(v) -
	// b^2/2): the cumulative hazard multiplier of a series (segment and PD
	// band), built on first use (cumTable).
	once [nSeries]sync.Once
	cum  [nSeries][]float64
}

// Scenarios are the S systematic paths shared by every loan of a run
// (MODEL.md section 1): per scenario and month the policy rate and the
// indices, unemployment, the house and commercial property price indices
// and the credit-cycle residual e, for the stressed paths and the baseline
// (common random numbers). Build them once per (Params, seed) with
// NewScenarios; they are read-only afterwards (the hazard tables are built
// on first use, under a sync.Once) and safe for concurrent use by many
// Evaluators.
//
// Memory is about 200*(H+1) bytes per scenario, plus 8*(H+1) bytes per
// scenario for each hazard table in use (one per segment, PD band and path
// set): about 6 MB per 1,000 scenarios at H = 27 for a portfolio of every
// segment and band.
type Scenarios struct {
	p    Params
	s, h int

	stress, base pathSet
	// blk is the length of a block of kernelBatch scenarios, (H+1)*kernelBatch.
	blk int
	// e is the credit-cycle residual, at(t, s), t = 0..H, shared by both
	// path sets.
	e []float64
	// fedFunds is the stressed policy rate, at(t, s), t = 0..H (for
	// reports and tests; the kernels read sofr).
	fedFunds []float64
	unemp    []float64 // stressed unemployment u, at(t, s)
	// weight[s] is the likelihood ratio of scenario s (1 without TailShift).
	weight []float64
	wsum   float64 // sum of the weights (S in a plain run)
	w2sum  float64 // sum of the squared weights

	r0, u0  float64 // today's policy rate and unemployment (the file's t = 0 with a scenario file)
	loading [nSeries]float64
	eta     [nSegments]float64 // per segment, per unit (not per point) of u
	pow     powTable
	grid    gridNodes // the margin grid (gridPath), built on first use
	tables  tableMemo // tablePath's sums, shared by every Evaluator
}

// NewScenarios validates p and draws its p.Scenarios scenarios from p.Seed.
// Scenario s uses its own PCG stream seeded from ScenarioSeed(p.Seed, s) and
// draws, in order: e(0), then for each month t = 1..H the normals Z_r, Z_e,
// Z_h and Z_c, each by inversion of one uniform (normal). The paths
// (MODEL.md section 1, dt = 1/12):
//
//	x(t) = x(t-1) e^(-a dt) + sigma sqrt((1-e^(-2a dt))/(2a)) Z_r, x(0) = 0
//	r(t) = max(0, phi(t) + x(t))       phi: the ramp r0 -> target, or the file's rate
//	g(t) = g(t-1) + (r(t) - r0 - g(t-1))/tau
//	e(t) = rho e(t-1) + sqrt(1-rho^2) (kappa Z_r + sqrt(1-kappa^2) (Z_e + mu))
//	u(t) = max(0, u0 + beta_u g(t) + sigma_u e(t))     (file: U(t) + sigma_u e(t))
//	W_h(t) = W_h(t-1) + sigma_h Z_h
//	W_c(t) = W_c(t-1) + sigma_h (c Z_h + sqrt(1-c^2) Z_c)      c = priceNoiseCorr
//	HPI(t) = exp(-beta_h g(t) + W_h(t))                (file: HPI_file(t) e^W_h)
//	CRE(t) = NOI(t) capRate0/(capRate0 + lambda g(t)) e^W_c   (file: CRE_file(t) e^W_c)
//	NOI(t) = max(0.05, 1 - nu (u(t) - u0))
//
// e is a unit-variance AR(1) (e(0) standard normal) whose innovations have
// correlation +kappa with the rate shocks: higher is worse. mu is the
// importance-sampling shift of Z_e, TailShift/sqrt(1-kappa^2), so that the
// standardised innovation of e has mean TailShift; scenario s's likelihood
// ratio is prod_t exp(-mu Z'_e(t) + mu^2/2) over the shifted draws Z'_e.
//
// The baseline paths take the same draws with phi held at r0 (with a file:
// the model's own equations from the file's first row, r0 = its rate and u0
// = its unemployment at t = 0, prime spread its prime minus its rate there).
// Prime is the policy rate plus PrimeSpreadAnnual (with a file: the file's
// prime plus x, floored at 0), SOFR the policy rate.
func NewScenarios(p Params) (*Scenarios, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("new scenarios: %w", err)
	}
	S, H := p.Scenarios, p.HorizonMonths
	sc := &Scenarios{p: p, s: S, h: H, pow: newPowTable(p.Gamma), r0: p.R0Annual, u0: p.U0}
	file := p.Scenario
	primeSpread0 := p.PrimeSpreadAnnual
	if file != nil {
		sc.r0, sc.u0 = file.FedFunds[0], file.Unemployment[0]
		primeSpread0 = max(0, file.Prime[0]-file.FedFunds[0])
	}
	sc.blk = (H + 1) * kernelBatch
	size := (S + kernelBatch - 1) / kernelBatch * sc.blk
	for _, ps := range []*pathSet{&sc.stress, &sc.base} {
		ps.sofr = make([]monthRate, size)
		ps.prime = make([]monthRate, size)
		ps.du = make([]float64, size)
		ps.hpi = make([]float64, size)
		ps.cre = make([]float64, size)
		ps.nf = make([]float64, size)
		ps.minHPI, ps.minCRE, ps.minNF = 1, 1, 1
		ps.ffLo, ps.ffHi = [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		ps.sMinHPI, ps.sMinCRE, ps.sMinNF = make([]float64, S), make([]float64, S), make([]float64, S)
		for s := range S {
			ps.sMinHPI[s], ps.sMinCRE[s], ps.sMinNF[s] = 1, 1, 1
		}
	}
	sc.e = make([]float64, size)
	sc.fedFunds = make([]float64, size)
	sc.unemp = make([]float64, size)
	sc.weight = make([]float64, S)
	for j, seg := range loan.Segments {
		sc.eta[j] = 100 * p.Eta(seg)
	}

	a, sigma := p.MeanReversionPerYear, p.SigmaAnnualPerSqrtYear
	decay := expDet(-a * monthYears)
	stepSD := sigma * math.Sqrt(monthYears)
	if a > 0 {
		stepSD = sigma * math.Sqrt(-math.Expm1(-2*a*monthYears)/(2*a))
	}
	rho := p.CycleRhoMonthly
	innov := math.Sqrt(1 - rho*rho)
	own := math.Sqrt(1 - p.Kappa*p.Kappa)
	mu := p.TailShift / own
	halfMu2 := mu * mu / 2
	cc := p.PriceNoiseCorr
	ccOwn := math.Sqrt(1 - cc*cc)
	invTau := 1 / p.TransmissionMonths

	phi := make([]float64, H+1) // p.Phi, once: Params is large to copy per call
	for t := range phi {
		phi[t] = p.Phi(t)
	}
	var src rand.PCG
	for s := 0; s < S; s++ {
		src.Seed(pcgSeeds(ScenarioSeed(p.Seed, s)))
		e := normal(&src)
		k0 := sc.at(0, s)
		sc.e[k0] = e
		sc.fedFunds[k0], sc.unemp[k0] = sc.r0, sc.u0
		for _, ps := range []*pathSet{&sc.stress, &sc.base} {
			ps.hpi[k0], ps.cre[k0], ps.nf[k0] = 1, 1, 1
		}
		var x, gS, gB, wh, wc, logLR float64
		for t := 1; t <= H; t++ {
			zr := normal(&src)
			ze := normal(&src)
			zh := normal(&src)
			zc := normal(&src)
			if mu != 0 {
				ze += mu
				logLR += halfMu2 - float64(mu*ze)
			}
			x = float64(x*decay) + float64(stepSD*zr)
			e = float64(rho*e) + float64(innov*(float64(p.Kappa*zr)+float64(own*ze)))
			wh += float64(p.SigmaH * zh)
			wc += float64(p.SigmaH * (float64(cc*zh) + float64(ccOwn*zc)))
			k := sc.at(t, s)
			sc.e[k] = e

			// Stressed paths.
			var rS float64
			if file != nil {
				rS = math.Max(0, file.FedFunds[t]+x)
			} else {
				rS = math.Max(0, phi[t]+x)
			}
			gS += (rS - sc.r0 - gS) * invTau
			var uS, hpiS, creS float64
			if file != nil {
				uS = math.Max(0, file.Unemployment[t]+float64(p.SigmaU*e))
			} else {
				uS = math.Max(0, sc.u0+float64(p.BetaU*gS)+float64(p.SigmaU*e))
			}
			nfS := math.Max(0.05, 1-float64(p.NOINu*(uS-sc.u0)))
			if file != nil {
				hpiS = file.HPI[t] * expTab(wh)
				creS = file.CRE[t] * expTab(wc)
			} else {
				hpiS = expTab(wh - float64(p.BetaH*gS))
				creS = nfS * p.CapRate0 / (p.CapRate0 + float64(p.CapRateLambda*gS)) * expTab(wc)
			}
			primeS := rS + p.PrimeSpreadAnnual
			if file != nil {
				primeS = math.Max(0, file.Prime[t]+x)
			}
			sc.fedFunds[k], sc.unemp[k] = rS, uS
			sc.stress.set(k, s, rS, primeS, uS-sc.u0, hpiS, creS, nfS)

			// Baseline paths: the same draws, the rate's mean held at r0.
			rB := math.Max(0, sc.r0+x)
			gB += (rB - sc.r0 - gB) * invTau
			uB := math.Max(0, sc.u0+float64(p.BetaU*gB)+float64(p.SigmaU*e))
			nfB := math.Max(0.05, 1-float64(p.NOINu*(uB-sc.u0)))
			hpiB := expTab(wh - float64(p.BetaH*gB))
			creB := nfB * p.CapRate0 / (p.CapRate0 + float64(p.CapRateLambda*gB)) * expTab(wc)
			sc.base.set(k, s, rB, rB+primeSpread0, uB-sc.u0, hpiB, creB, nfB)
		}
		sc.weight[s] = 1
		if mu != 0 {
			sc.weight[s] = expTab(logLR)
		}
		sc.wsum += sc.weight[s]
		sc.w2sum += sc.weight[s] * sc.weight[s]
	}

	for c, seg := range loan.Segments {
		for k := range nBands {
			corr := BaselCorrelation(seg, bandPD[k])
			sc.loading[c*nBands+k] = MacroLoading(bandPD[k], corr, rho)
		}
	}
	return sc, nil
}

// index is the prime or the SOFR rate path.
func (ps *pathSet) index(prime bool) []monthRate {
	if prime {
		return ps.prime
	}
	return ps.sofr
}

// set stores a month of scenario s at k = at(t, s).
func (ps *pathSet) set(k, s int, sofr, prime, du, hpi, cre, nf float64) {
	ps.sofr[k] = newMonthRate(sofr)
	ps.prime[k] = newMonthRate(prime)
	ps.du[k], ps.hpi[k], ps.cre[k], ps.nf[k] = du, hpi, cre, nf
	ps.ffLo = [2]float64{min(ps.ffLo[0], sofr), min(ps.ffLo[1], prime)}
	ps.ffHi = [2]float64{max(ps.ffHi[0], sofr), max(ps.ffHi[1], prime)}
	ps.minHPI = min(ps.minHPI, hpi)
	ps.minCRE = min(ps.minCRE, cre)
	ps.minNF = min(ps.minNF, nf)
	ps.sMinHPI[s] = min(ps.sMinHPI[s], hpi)
	ps.sMinCRE[s] = min(ps.sMinCRE[s], cre)
	ps.sMinNF[s] = min(ps.sMinNF[s], nf)
}

// cumTable returns the cumulative hazard multiplier of a series (segment
// c, PD band k) on the path set, building it on first use:
// cum[at(t, s)] = sum_{v=1..t} exp(eta_c*(u(v) - u0) + b*e(v) - b^2/2).
// The sum of the two terms goes through one expTab: the multiplier of
// MODEL.md's hazard, exp(eta (u-u0)) * exp(b e - b^2/2), up to rounding.
func (sc *Scenarios) cumTable(ps *pathSet, series int) []float64 {
	ps.once[series].Do(func() {
		S, H := sc.s, sc.h
		eta := sc.eta[series/nBands]
		b := sc.loading[series]
		half := b * b / 2
		cum := make([]float64, len(ps.du))
		for s := range S {
			var acc float64
			for t := 1; t <= H; t++ {
				k := sc.at(t, s)
				acc += expTab(float64(eta*ps.du[k]) + (float64(b*sc.e[k]) - half))
				cum[k] = acc
			}
		}
		ps.cum[series] = cum
	})
	return ps.cum[series]
}

// monthRate is an annual rate ff with the monthly rate f = ff/12, ln(1+f)
// and f/(1+f): what log1pSplit needs of an index rate.
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
// (0, 1) from one 64-bit draw. It is slower than math/rand's ziggurat but
// uses only arithmetic, math.Sqrt and math.Log, none of which has a
// CPU-dependent code path, so every host draws the same scenarios; the
// ziggurat's wedge test calls math.Exp, which has one on amd64.
func normal(src *rand.PCG) float64 {
	return PhiInv((float64(src.Uint64()>>11) + 0.5) * (1.0 / (1 << 53)))
}

// Phi is the stress path of the policy rate at month t: a linear ramp from
// R0Annual at t = 0 to TargetRateAnnual at t = RampMonths, then flat (with
// a scenario file, the file's rate).
func (p Params) Phi(t int) float64 {
	if p.Scenario != nil {
		return p.Scenario.FedFunds[t]
	}
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

// FedFunds is the stressed policy rate of scenario s at month t (0..H).
func (sc *Scenarios) FedFunds(s, t int) float64 { return sc.fedFunds[sc.at(t, s)] }

// BaselineFedFunds is the baseline policy rate of scenario s at month t (1..H).
func (sc *Scenarios) BaselineFedFunds(s, t int) float64 { return sc.base.sofr[sc.at(t, s)].ff }

// Unemployment is the stressed unemployment rate of scenario s at month t (0..H).
func (sc *Scenarios) Unemployment(s, t int) float64 { return sc.unemp[sc.at(t, s)] }

// BaselineUnemployment is the baseline unemployment rate of scenario s at month t (0..H).
func (sc *Scenarios) BaselineUnemployment(s, t int) float64 { return sc.u0 + sc.base.du[sc.at(t, s)] }

// HPI is the stressed house price index of scenario s at month t (0..H).
func (sc *Scenarios) HPI(s, t int) float64 { return sc.stress.hpi[sc.at(t, s)] }

// CRE is the stressed commercial property price index of scenario s at month t (0..H).
func (sc *Scenarios) CRE(s, t int) float64 { return sc.stress.cre[sc.at(t, s)] }

// CreditCycle is the credit-cycle residual e of scenario s at month t (0..H).
func (sc *Scenarios) CreditCycle(s, t int) float64 { return sc.e[sc.at(t, s)] }

// Loading is the credit-cycle loading b applied to a loan of the segment
// with one-year PD pd12 (see MacroLoading and the correlation bands).
func (sc *Scenarios) Loading(seg loan.Segment, pd12 float64) float64 {
	return sc.loading[series(seg, pd12)]
}

// at is the index of month t of scenario s in the path arrays: blocks of
// kernelBatch scenarios, month-major within a block.
func (sc *Scenarios) at(t, s int) int {
	return (s/kernelBatch)*sc.blk + t*kernelBatch + s%kernelBatch
}

// series is the index of the hazard series of a loan: its segment and
// correlation band.
func series(seg loan.Segment, pd12 float64) int {
	k := 0
	for k < nBands-1 && pd12 >= bandUpperPD[k] {
		k++
	}
	return segIndex(seg)*nBands + k
}
