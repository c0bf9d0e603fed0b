package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// kernelBatch is how many scenarios the general kernel (walkBatch) follows
// together, month by month: within a month the scenarios do not depend on
// each other, so the CPU overlaps their work.
const kernelBatch = 32

// Evaluator evaluates loans against a set of Scenarios. It owns scratch
// space and a random stream, so use one per goroutine; after the first few
// loans it allocates nothing. Results depend only on the scenarios, the run
// seed and the loan, never on which Evaluator or in which order loans run.
type Evaluator struct {
	sc *Scenarios
	p  Params

	src    rand.PCG
	ln     loanState
	resets []int          // months 1..n at whose start the rate resets
	losses []ScenarioLoss // this loan's defaults, returned in Result.Losses
	pdS    []float64      // the stressed conditional PD of each scenario
	depr   []float64      // (1 - auto depreciation)^t, t = 0..H
	lgdSum float64        // sum of the LGDs of this loan's defaults
	bt     batchScratch
}

// batchScratch is walkBatch's state for kernelBatch scenarios.
type batchScratch struct {
	bal, rate, i, l, pay, w, lam, q, maxPay [kernelBatch]float64
	changed                                 [kernelBatch]bool
	// lamT[b*(H+1) + t] and balT[b*(H+1) + t]: the cumulative hazard (over
	// h0) through month t and the balance at the start of month t, kept on
	// the stressed paths to find a default's month and balance.
	lamT, balT []float64
}

// NewEvaluator returns an Evaluator over sc. Its scratch space is about
// 40*S bytes.
func NewEvaluator(sc *Scenarios) *Evaluator {
	h := sc.h
	e := &Evaluator{
		sc:     sc,
		p:      sc.p,
		resets: make([]int, 0, h),
		// Room for a default in every scenario, so no loan ever grows it.
		losses: make([]ScenarioLoss, 0, sc.s),
		pdS:    make([]float64, sc.s),
		depr:   make([]float64, h+1),
	}
	e.bt.lamT = make([]float64, kernelBatch*(h+1))
	e.bt.balT = make([]float64, kernelBatch*(h+1))
	d := 1.0
	for t := range e.depr {
		e.depr[t] = d
		d *= 1 - sc.p.AutoDepreciationMonthly
	}
	return e
}

// loanState is what the scenario loop needs of a loan, computed once per loan.
type loanState struct {
	seg       loan.Segment
	pd12      float64 // one-year PD from score or grade
	h0        float64 // baseline monthly hazard
	series    int     // hazard series: segment and correlation band
	n         int     // months at risk: min(H, months to maturity or balloon)
	remaining int     // payments left on the amortisation today
	// io: the balance stays constant (interest only, lines and cards), and
	// the payment is balance * (i + minPrin).
	io      bool
	minPrin float64
	b0      float64 // balance today
	rate0   float64 // annual rate today
	a0      float64 // payment today, A(0)
	invA0   float64 // 1/a0 (0 if a0 is 0: the payment factor stays 1)

	variable    bool
	prime       bool    // resets to prime (else SOFR)
	add         float64 // rate = index + add (the margin)
	periodicCap float64 // 0: none
	rateCeil    float64 // lifetime ceiling as an absolute rate; +Inf: none
	// The margin as a monthly rate a = add/12 with ln(1+a) and a/(1+a), for
	// log1pSplit; split: 0 <= a < splitMax, so log1pSplit applies.
	a, la, ag float64
	split     bool

	ltv      bool // the LTV term can be non-zero
	ltvCRE   bool // LTV against the CRE index (else HPI)
	invColl  float64
	dscr     bool    // the DSCR term can be non-zero
	noiMonth float64 // NOI / 12
	refi     bool    // refinancing test at month n
	refiLTV  bool    // the refinancing test has an LTV term (CRE)

	table bool // constant payment and no per-loan terms: PD from the tables

	revolving bool
	ead0      float64 // revolving: drawn + CCF * undrawn
	coll      float64
}

// Evaluate computes the loan's PDs, payment shock and loss over every
// scenario. The loan is validated first (loan.Validate); an invalid loan
// returns an error wrapping its *loan.FieldError and no result.
//
// Per scenario s (MODEL.md section 2) the conditional PD is
// PD_s = 1 - exp(-sum_{t<=n} h_s(t)) * (1 - q_s), with the monthly hazard
// h_s(t) = h0 (A_s(t)/A(0))^gamma exp(eta (u_s(t)-u0)) exp(etaLTV max(0,
// LTV_s(t) - knee)) exp(b e_s(t) - b^2/2) exp(etaDSCR max(0, knee -
// DSCR_s(t))) and q_s the probability that a commercial loan maturing at
// month n fails to refinance. The loan draws one uniform U_s from its own
// stream (scenario order) and defaults in s when U_s < PD_s: in the month
// where the cumulative hazard first reaches -ln(1-U_s) (inversion), or at
// maturity when the hazard alone does not reach it (a failed
// refinancing).
func (e *Evaluator) Evaluate(l *loan.Loan) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, fmt.Errorf("evaluate loan %q: %w", l.ID, err)
	}
	if err := e.prepare(l); err != nil {
		return Result{}, fmt.Errorf("evaluate loan %q: %w", l.ID, err)
	}
	ls := &e.ln
	res := Result{
		LoanID:      l.ID,
		Segment:     l.Segment,
		CreditScore: l.CreditScore,
		RiskGrade:   l.RiskGrade,
	}
	if l.Segment.Personal() {
		res.RiskGrade = 0
	} else {
		res.CreditScore = 0
	}
	e.losses = e.losses[:0]
	e.lgdSum = 0
	e.src.Seed(pcgSeeds(LoanSeed(e.p.Seed, l.ID)))

	var sumBase, sumPeak, maxPeak, sumQ float64
	if ls.table {
		sumBase = e.tablePath()
		sumPeak, maxPeak = float64(e.sc.s), 1
	} else {
		sumBase, sumPeak, maxPeak, sumQ = e.generalPath()
	}
	sc := e.sc
	S := float64(sc.s)
	var wsum, sumStress float64
	for s, pd := range e.pdS {
		w := sc.weight[s]
		wsum += w
		sumStress += w * pd
	}
	res.InputPD12 = ls.pd12
	res.BaselinePD = sumBase / wsum
	res.StressedPD = sumStress / wsum
	res.StressedPDLow, res.StressedPDHigh = e.interval(res.StressedPD, wsum)
	res.DeltaPD = res.StressedPD - res.BaselinePD
	res.RefiFailProb = sumQ / wsum
	res.PaymentShockMean = sumPeak / S
	res.PaymentShockMax = maxPeak
	res.EADUSD = ls.b0
	if ls.revolving {
		res.EADUSD = ls.ead0
	}
	res.LGD = e.p.LGD(ls.seg, ls.coll, res.EADUSD, 1, 0)
	res.ExpectedLossUSD = res.StressedPD * res.EADUSD * res.LGD
	res.AvgBalanceUSD = e.avgBalance()
	res.DefaultDraws = len(e.losses)
	if len(e.losses) > 0 {
		res.LGDDefaultMean = e.lgdSum / float64(len(e.losses))
	}
	if l.Segment.Personal() && l.IncomeAnnualUSD > 0 {
		res.DTIOverCap = ls.a0+l.OtherDebtMonthlyUSD > e.p.DTICap*l.IncomeAnnualUSD/12
	}
	res.Losses = e.losses
	return res, nil
}

// interval is the 95% normal interval of the stressed PD, mean +- 1.96
// sd(PD_s)/sqrt(S) (MODEL.md section 2), with the sample standard
// deviation; with importance-sampling weights w_s the standard error of the
// ratio estimator, sqrt(sum w_s^2 (PD_s - mean)^2 * S/(S-1)) / sum w_s,
// which is the same at w = 1. Clamped to [0, 1]. Its width is 0 only when
// every PD_s equals the mean; with one scenario the standard deviation is
// unknown and the interval is [0, 1].
func (e *Evaluator) interval(mean, wsum float64) (lo, hi float64) {
	S := len(e.pdS)
	if S < 2 {
		return 0, 1
	}
	var ss float64
	for s, pd := range e.pdS {
		d := (pd - mean) * e.sc.weight[s]
		ss += d * d
	}
	half := 1.959963984540054 * math.Sqrt(ss*float64(S)/float64(S-1)) / wsum
	return math.Max(0, mean-half), math.Min(1, mean+half)
}

// prepare fills e.ln and e.resets for the loan.
func (e *Evaluator) prepare(l *loan.Loan) error {
	p := &e.p
	sc := e.sc
	pd12, err := p.PD12(l)
	if err != nil {
		return err
	}
	ls := &e.ln
	age := l.TermMonths - l.RemainingMonths
	maturity := l.RemainingMonths
	if l.BalloonMonth > 0 {
		maturity = l.BalloonMonth - age
	}
	*ls = loanState{
		seg:       l.Segment,
		pd12:      pd12,
		h0:        MonthlyHazard(pd12),
		series:    series(l.Segment, pd12),
		n:         min(maturity, sc.h),
		remaining: l.RemainingMonths,
		revolving: l.Segment.Revolving(),
		b0:        l.BalanceUSD,
		rate0:     l.RateAnnual,
		rateCeil:  math.Inf(1),
		coll:      l.CollateralValueUSD,
	}
	ls.io = l.InterestOnly || ls.revolving
	if l.Segment == loan.CreditCard {
		ls.minPrin = p.CardMinPrincipalMonthly
	}
	if ls.io {
		ls.a0 = float64(ls.b0 * (ls.rate0/12 + ls.minPrin))
	} else {
		ls.a0 = annuityFast(ls.b0, ls.rate0/12, ls.remaining)
	}
	if ls.a0 > 0 {
		ls.invA0 = 1 / ls.a0
	}
	if ls.revolving {
		limit := l.AmountUSD
		if l.CreditLimitUSD > 0 {
			limit = l.CreditLimitUSD
		}
		ccf := p.CCFLine
		if l.Segment == loan.CreditCard {
			ccf = p.CCFCard
		}
		ls.ead0 = ls.b0 + ccf*math.Max(0, limit-ls.b0)
	}

	e.resets = e.resets[:0]
	if l.RateType == loan.Variable {
		if l.ResetMonths < 1 {
			return fmt.Errorf("reset_months = %d, must be >= 1 for a variable-rate loan", l.ResetMonths)
		}
		ls.variable = true
		ls.prime = l.Index == loan.Prime
		ls.add = l.MarginAnnual
		ls.a = ls.add / 12
		ls.la, ls.ag = math.Log1p(ls.a), ls.a/(1+ls.a)
		// A negative margin would cancel against the index in a + f and in
		// ln(1+a) + ln(1+f), losing digits where the rate is near 0.
		ls.split = ls.a >= 0 && ls.a < splitMax
		ls.periodicCap = l.PeriodicCapAnnual
		switch {
		case l.RateCeilingAnnual > 0:
			ls.rateCeil = l.RateCeilingAnnual
		case l.LifetimeCapAnnual > 0 && l.OriginationRateAnnual > 0:
			ls.rateCeil = l.OriginationRateAnnual + l.LifetimeCapAnnual
		case l.LifetimeCapAnnual > 0:
			// Without an origination rate the cap is taken over today's
			// rate, which is exact for loans that have not reset (version 1).
			ls.rateCeil = l.RateAnnual + l.LifetimeCapAnnual
		}
		for t := 1; t <= ls.n; t++ {
			if a := age + t - 1; a > 0 && a%l.ResetMonths == 0 {
				e.resets = append(e.resets, t)
			}
		}
	}

	// The per-loan hazard terms, skipped when they cannot be non-zero in
	// any scenario and month (balances never rise: amortising or constant).
	if l.Segment.RealEstate() && ls.coll > 0 && p.EtaLTV > 0 && ls.b0 > 0 {
		ls.invColl = 1 / ls.coll
		ls.ltvCRE = l.Segment == loan.CommercialRealEstate
		minIdx := math.Min(sc.stress.minHPI, sc.base.minHPI)
		if ls.ltvCRE {
			minIdx = math.Min(sc.stress.minCRE, sc.base.minCRE)
		}
		ls.ltv = ls.b0*ls.invColl/minIdx > p.LTVKnee
	}
	if l.Segment.Commercial() {
		ls.noiMonth = l.NOIAnnualUSD / 12
		minNF := math.Min(sc.stress.minNF, sc.base.minNF)
		ls.dscr = p.EtaDSCR > 0 && ls.a0 > 0 && (len(e.resets) > 0 || ls.noiMonth*minNF*ls.invA0 < p.DSCRKnee)
		ls.refi = maturity <= sc.h && (l.BalloonMonth > 0 || ls.io) && ls.b0 > 0
		ls.refiLTV = ls.refi && ls.ltvCRE && ls.coll > 0
		if ls.refiLTV {
			ls.invColl = 1 / ls.coll
		}
	}
	ls.table = len(e.resets) == 0 && !ls.ltv && !ls.dscr && !ls.refi
	return nil
}

// LGD is the loss given default of a loan of the segment with collateral
// value collateralUSD defaulting with exposure eadUSD at month t (0: today)
// when its collateral's price index stands at priceIndex (MODEL.md section
// 2): flat for unsecured personal loans, cards and C&I; auto max(floor, 1 -
// recovery x value x (1-depreciation)^t / EAD); mortgages, home equity and
// CRE max(floor, 1 - recovery x value x index / EAD).
func (p Params) LGD(seg loan.Segment, collateralUSD, eadUSD, priceIndex float64, t int) float64 {
	recovered := func(floor, recovery, value float64) float64 {
		if eadUSD <= 0 {
			return floor
		}
		return math.Max(floor, 1-float64(recovery*value)/eadUSD)
	}
	switch seg {
	case loan.PersonalUnsecured:
		return p.LGDPersonalUnsecured
	case loan.CreditCard:
		return p.LGDCard
	case loan.PersonalAuto:
		d := 1.0
		for range t {
			d *= 1 - p.AutoDepreciationMonthly
		}
		return recovered(p.LGDAutoFloor, p.AutoRecovery, collateralUSD*d)
	case loan.ResidentialMortgage, loan.HomeEquity:
		return recovered(p.LGDMortgageFloor, p.MortgageRecovery, collateralUSD*priceIndex)
	case loan.CommercialRealEstate:
		return recovered(p.LGDCREFloor, p.CRERecovery, collateralUSD*priceIndex)
	}
	if collateralUSD > 0 {
		return p.LGDCommercialSecured
	}
	return p.LGDCommercialUnsecured
}

// avgBalance is the loan's average scheduled balance over the horizon's H
// months (at the start of each month, today's rate and payment), counting 0
// after the loan matures or its balloon falls due: a run-off book, the
// denominator of the loss rate of the same loans' losses.
func (e *Evaluator) avgBalance() float64 {
	ls := &e.ln
	bal, sum := ls.b0, 0.0
	i := ls.rate0 / 12
	for range ls.n {
		sum += bal
		if !ls.io {
			bal = max(0, bal+(float64(bal*i)-ls.a0))
		}
	}
	return sum / float64(e.sc.h)
}

// tablePath handles loans whose hazard is h0 times the segment's multiplier
// (constant payment, no LTV, DSCR or refinancing term): PD_s is one lookup
// in each of the stressed and baseline tables. It fills e.pdS and returns
// the weighted sum of the baseline PD_s.
func (e *Evaluator) tablePath() float64 {
	ls := &e.ln
	sc := e.sc
	S, n, h0 := sc.s, ls.n, ls.h0
	cumS := sc.cumTable(&sc.stress, ls.series)
	rowS := cumS[n*S : (n+1)*S]
	rowB := sc.cumTable(&sc.base, ls.series)[n*S : (n+1)*S]
	pdS, w := e.pdS[:S], sc.weight[:S]
	var sumB float64
	// The hot loop of the model: a local copy of the generator stays in
	// registers.
	src := e.src
	for s, c := range rowS {
		u := uniform(src.Uint64())
		var pd float64
		if x := h0 * c; x < smallHazard {
			pd = smallPD(x)
		} else {
			pd = oneMinusExpNeg(x)
		}
		pdS[s] = pd
		var pb float64
		if x := h0 * rowB[s]; x < smallHazard {
			pb = smallPD(x)
		} else {
			pb = oneMinusExpNeg(x)
		}
		sumB += w[s] * pb
		if u < pd {
			e.tableDefault(s, u, cumS)
		}
	}
	e.src = src
	return sumB
}

// tableDefault finds the default month of a default with uniform u on
// scenario s of a table-path loan and records the loss.
func (e *Evaluator) tableDefault(s int, u float64, cum []float64) {
	ls := &e.ln
	S := e.sc.s
	target := -math.Log1p(-u) // default when h0 * cum(t) reaches it
	month := ls.n             // rounding at the boundary: the last month at risk
	for t := 1; t <= ls.n; t++ {
		if ls.h0*cum[t*S+s] >= target {
			month = t
			break
		}
	}
	e.addLoss(s, month, advance(ls.b0, ls.rate0/12, ls.a0, month-1, ls.io))
}

// generalPath handles every other loan with walkBatch, kernelBatch
// scenarios at a time, on the baseline and then on the stressed paths. It
// fills e.pdS and returns the weighted sums of the baseline PD_s and of the
// refinancing failure probabilities, and the sum and maximum of the peak
// payment ratios.
func (e *Evaluator) generalPath() (sumBase, sumPeak, maxPeak, sumQ float64) {
	ls := &e.ln
	sc := e.sc
	S, h0 := sc.s, ls.h0
	cumS := sc.cumTable(&sc.stress, ls.series)
	cumB := sc.cumTable(&sc.base, ls.series)
	bt := &e.bt
	maxPeak = 1
	src := e.src
	for s0 := 0; s0 < S; s0 += kernelBatch {
		nb := min(kernelBatch, S-s0)
		e.walkBatch(&sc.base, cumB, s0, nb, false)
		for b := range nb {
			haz := hazardPD(h0 * bt.lam[b])
			sumBase += sc.weight[s0+b] * (haz + (1-haz)*bt.q[b])
		}
		e.walkBatch(&sc.stress, cumS, s0, nb, true)
		for b := range nb {
			s := s0 + b
			u := uniform(src.Uint64())
			haz := hazardPD(h0 * bt.lam[b])
			pd := haz + (1-haz)*bt.q[b]
			e.pdS[s] = pd
			sumQ += sc.weight[s] * bt.q[b]
			peak := 1.0
			if ls.invA0 > 0 {
				peak = max(1, bt.maxPay[b]*ls.invA0)
			}
			sumPeak += peak
			maxPeak = max(maxPeak, peak)
			if u < pd {
				e.generalDefault(s, b, u, haz)
			}
		}
	}
	e.src = src
	return sumBase, sumPeak, maxPeak, sumQ
}

// hazardPD is 1 - exp(-x) for a cumulative hazard x >= 0.
func hazardPD(x float64) float64 {
	if x < smallHazard {
		return smallPD(x)
	}
	return oneMinusExpNeg(x)
}

// walkBatch follows the loan on scenarios s0 .. s0+nb-1 of a path set,
// month by month: the payment path (resets at the index plus margin within
// the caps, a new annuity over the remaining amortisation), the balance,
// and the cumulative hazard over h0, sum_t w(t) x(t) (cum(t) - cum(t-1)),
// with w = (A(t)/A(0))^gamma and x the LTV and DSCR terms; then the
// refinancing failure probability q at month n. With keep, it stores the
// cumulative hazard and the balance of each month in lamT and balT.
//
// Each scenario's arithmetic is the same whatever the batch: results do
// not depend on which scenarios share it.
func (e *Evaluator) walkBatch(ps *pathSet, cum []float64, s0, nb int, keep bool) {
	ls := &e.ln
	p := &e.p
	bt := &e.bt
	S, H1 := e.sc.s, e.sc.h+1
	for b := range nb {
		bt.bal[b], bt.rate[b], bt.i[b], bt.pay[b] = ls.b0, ls.rate0, ls.rate0/12, ls.a0
		bt.w[b], bt.lam[b], bt.maxPay[b], bt.q[b] = 1, 0, ls.a0, 0
	}
	idx := ps.sofr
	if ls.prime {
		idx = ps.prime
	}
	var priceIdx []float64
	if ls.ltvCRE {
		priceIdx = ps.cre
	} else {
		priceIdx = ps.hpi
	}
	ltvKnee, etaLTV := p.LTVKnee, p.EtaLTV
	dscrKnee, etaDSCR := p.DSCRKnee, p.EtaDSCR
	ri := 0
	for t := 1; t <= ls.n; t++ {
		if ri < len(e.resets) && e.resets[ri] == t {
			ri++
			e.resetBatch(idx[(t-1)*S+s0:][:nb], t)
		}
		now, prev := cum[t*S+s0:][:nb], cum[(t-1)*S+s0:][:nb]
		px, nf := priceIdx[t*S+s0:][:nb], ps.nf[t*S+s0:][:nb]
		for b := range nb {
			bal := bt.bal[b]
			var z float64
			if ls.ltv {
				if ltv := float64(bal*ls.invColl) / px[b]; ltv > ltvKnee {
					z += float64(etaLTV * (ltv - ltvKnee))
				}
			}
			if ls.dscr && bt.pay[b] > 0 {
				if dscr := float64(ls.noiMonth*nf[b]) / bt.pay[b]; dscr < dscrKnee {
					z += float64(etaDSCR * (dscrKnee - dscr))
				}
			}
			f := bt.w[b]
			if z > 0 {
				f = float64(f * expDet(z))
			}
			lam := bt.lam[b] + float64(f*(now[b]-prev[b]))
			bt.lam[b] = lam
			if keep {
				bt.lamT[b*H1+t], bt.balT[b*H1+t] = lam, bal
			}
			if !ls.io { // advance(bal, i, pay, 1, false)
				bt.bal[b] = max(0, bal+(float64(bal*bt.i[b])-bt.pay[b]))
			}
		}
	}
	if ls.refi {
		n := ls.n
		for b := range nb {
			bt.q[b] = e.refiFail(ps, idx, s0+b, n, bt.bal[b])
		}
	}
}

// resetBatch resets the rate of the batch's scenarios at month t, given
// the index of that month: index + margin within the periodic cap and the
// lifetime ceiling, floored at 0 (capRate). A reset that leaves the rate
// unchanged leaves the payment unchanged (the annuity identity). The
// annuity's ln(1+i) comes from log1pSplit when no cap binds (no logarithm).
func (e *Evaluator) resetBatch(mons []monthRate, t int) {
	ls := &e.ln
	bt := &e.bt
	add, pcap, ceil := ls.add, ls.periodicCap, ls.rateCeil
	for b := range mons {
		m := &mons[b]
		free := m.ff + add
		nr := capRate(free, bt.rate[b], pcap, ceil)
		if nr == bt.rate[b] {
			bt.changed[b] = false
			continue
		}
		bt.changed[b], bt.rate[b] = true, nr
		if nr == free && ls.split && m.f < splitMax {
			bt.i[b] = m.f + ls.a
			if !ls.io {
				bt.l[b] = log1pSplit(ls.la, ls.ag, m.logF, m.shrunk)
			}
		} else {
			bt.i[b] = nr / 12
			if !ls.io {
				bt.l[b] = log1pMonthly(bt.i[b])
			}
		}
	}
	// The annuities in a loop of their own: they do not depend on one
	// another, so the CPU overlaps their long chains.
	months := ls.remaining - (t - 1)
	for b := range mons {
		if !bt.changed[b] {
			continue
		}
		var pay float64
		if ls.io {
			pay = float64(bt.bal[b] * (bt.i[b] + ls.minPrin))
		} else {
			pay = float64(bt.bal[b] * annuityFromLog(bt.i[b], bt.l[b], months))
		}
		bt.pay[b] = pay
		bt.maxPay[b] = max(bt.maxPay[b], pay)
		if ls.invA0 > 0 {
			bt.w[b] = e.sc.pow.pow(pay * ls.invA0)
		}
	}
}

// refiFail is the probability that a commercial loan owing bal at its
// maturity (month n) fails to refinance on scenario s of the path set
// (MODEL.md section 2): the new loan pays the index plus margin (a
// fixed-rate loan: today's rate moved by the policy rate's change since
// today), amortising over RefiAmortMonths, and q = min(1, kDSCR max(0,
// knee - DSCR) + kLTV max(0, LTV - knee)), the LTV term for CRE only.
func (e *Evaluator) refiFail(ps *pathSet, idx []monthRate, s, n int, bal float64) float64 {
	ls := &e.ln
	p := &e.p
	S := e.sc.s
	if bal <= 0 {
		return 0
	}
	var rate float64
	if ls.variable {
		rate = idx[(n-1)*S+s].ff + ls.add
	} else {
		rate = ls.rate0 + (ps.sofr[(n-1)*S+s].ff - e.sc.r0)
	}
	rate = math.Max(0, rate)
	pay := float64(bal * annuityFactor(rate/12, p.RefiAmortMonths))
	dscr := float64(ls.noiMonth*ps.nf[n*S+s]) / pay
	q := float64(p.RefiKDSCR * math.Max(0, p.RefiDSCRKnee-dscr))
	if ls.refiLTV {
		ltv := float64(bal*ls.invColl) / ps.cre[n*S+s]
		q += float64(p.RefiKLTV * math.Max(0, ltv-p.RefiLTVKnee))
	}
	return math.Min(1, q)
}

// generalDefault records the default with uniform u on scenario s (slot b
// of the last stressed walkBatch), whose hazard alone gives PD haz: in the
// month the cumulative hazard reaches -ln(1-u), or, when u >= haz, at
// maturity for the balance then owed (a failed refinancing).
func (e *Evaluator) generalDefault(s, b int, u, haz float64) {
	ls := &e.ln
	bt := &e.bt
	H1 := e.sc.h + 1
	if u >= haz {
		e.addLoss(s, ls.n, bt.bal[b])
		return
	}
	target := -math.Log1p(-u)
	month := ls.n // rounding at the boundary: the last month at risk
	lamT := bt.lamT[b*H1 : b*H1+ls.n+1]
	for t := 1; t <= ls.n; t++ {
		if ls.h0*lamT[t] >= target {
			month = t
			break
		}
	}
	e.addLoss(s, month, bt.balT[b*H1+month])
}

// addLoss appends the loss of a default on scenario s in the month given,
// with scheduled balance bal at its start: EAD (revolving: drawn + CCF x
// undrawn) times the LGD at that month on the stressed paths.
func (e *Evaluator) addLoss(s, month int, bal float64) {
	ls := &e.ln
	ead := bal
	if ls.revolving {
		ead = ls.ead0
	}
	idx := 1.0
	switch ls.seg {
	case loan.ResidentialMortgage, loan.HomeEquity:
		idx = e.sc.stress.hpi[month*e.sc.s+s]
	case loan.CommercialRealEstate:
		idx = e.sc.stress.cre[month*e.sc.s+s]
	}
	var lgd float64
	if ls.seg == loan.PersonalAuto {
		lgd = e.p.autoLGD(ls.coll*e.depr[month], ead)
	} else {
		lgd = e.p.LGD(ls.seg, ls.coll, ead, idx, month)
	}
	e.lgdSum += lgd
	cents := int64(math.Round(float64(ead*lgd) * 100))
	e.losses = append(e.losses, ScenarioLoss{Scenario: s, Month: month, Cents: cents})
}

// autoLGD is LGD's auto formula for a depreciated vehicle value.
func (p *Params) autoLGD(valueUSD, eadUSD float64) float64 {
	if eadUSD <= 0 {
		return p.LGDAutoFloor
	}
	return math.Max(p.LGDAutoFloor, 1-float64(p.AutoRecovery*valueUSD)/eadUSD)
}

// capRate is the uncapped reset rate nr within rate +- pcap (pcap > 0),
// at most ceil and at least 0. Comparisons rather than Go's float min and
// max, which compile to long sequences (for NaN and signed zeros; no NaN
// reaches here, and the last step turns -0 into +0 as max does).
func capRate(nr, rate, pcap, ceil float64) float64 {
	if pcap > 0 {
		if lo := rate - pcap; nr < lo {
			nr = lo
		}
		if hi := rate + pcap; nr > hi {
			nr = hi
		}
	}
	if nr > ceil {
		nr = ceil
	}
	if !(nr > 0) {
		nr = 0
	}
	return nr
}

// advance moves a balance k months forward at monthly rate i and payment
// pay: B_k = B + (B*i - A) * ((1+i)^k - 1)/i, the closed form of
// B' = B + (B*i - A) (B itself plus the interest not covered by the
// payment). Written this way, and with (1+i)^k - 1 from oneMinusExp and
// log1pMonthly rather than from powers of a rounded 1+i, it keeps full
// precision at low rates, where B*(1+i)^k - A*((1+i)^k - 1)/i cancels.
func advance(bal, i, pay float64, k int, io bool) float64 {
	switch {
	case io || k == 0:
		return bal
	case k == 1:
		return max(0, bal+(float64(bal*i)-pay))
	case i == 0:
		return max(0, bal-float64(float64(k)*pay))
	}
	grow := -oneMinusExp(float64(float64(k) * log1pMonthly(i))) // (1+i)^k - 1
	return max(0, bal+float64((float64(bal*i)-pay)*grow)/i)
}
