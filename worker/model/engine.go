package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Evaluator evaluates loans against a set of Scenarios. It owns scratch
// space and a random stream, so use one per goroutine; after the first few
// loans it allocates nothing. Results depend only on the scenarios, the run
// seed and the loan, never on which Evaluator or in which order loans run.
type Evaluator struct {
	sc *Scenarios
	p  Params

	src     rand.PCG
	ln      loanState
	resets  []int                // months 1..n at whose start the rate resets
	base    []piece              // payment path with the rate held at r0
	cur     []piece              // payment path on the current stressed scenario
	losses  []ScenarioLoss       // this loan's defaults, returned in Result.Losses
	kern    kernelScratch        // walkHazard's per-scenario arrays
	batchSt batchState           // monthlyBatch's state
	batchF  [kernelBatch]float64 // monthlyBatch's annuity factors of one month
	// trackOver: monthlyBatch keeps the months over the affordability cap
	// (set for the rest of a loan once one of its batches had one).
	trackOver bool
	// oneByOne turns monthlyBatch off, so tests can hold it to the
	// one-scenario path.
	oneByOne bool
}

// NewEvaluator returns an Evaluator over sc. Its scratch space is about
// 24*S bytes.
func NewEvaluator(sc *Scenarios) *Evaluator {
	h := sc.h
	return &Evaluator{
		sc:     sc,
		p:      sc.p,
		resets: make([]int, 0, h),
		base:   make([]piece, 0, h+1),
		cur:    make([]piece, 0, h+1),
		// Room for a default in every scenario, so no loan ever grows it.
		losses: make([]ScenarioLoss, 0, sc.s),
		kern:   newKernelScratch(h),
	}
}

// loanState is what the scenario loop needs of a loan, computed once per loan.
type loanState struct {
	pd12      float64 // one-year PD from score or grade
	h0        float64 // baseline monthly hazard
	series    int     // correlation band (selects the hazard multipliers)
	n         int     // months at risk within the horizon: min(remaining, H)
	remaining int     // payments left today
	io        bool    // interest only (and lines): payment = balance*i
	line      bool
	b0        float64 // balance today
	rate0     float64 // annual rate today
	a0        float64 // payment today, A(0)
	invA0     float64 // 1/a0, so a payment ratio is one multiply (0 if a0 is 0)

	add         float64 // rate = fed funds + add: the index spread (prime) plus the margin
	periodicCap float64 // 0: none
	rateCeil    float64 // lifetime cap as an absolute rate; +Inf: none

	// monthly: resets every month without caps, with split: monthlyBatch
	// follows the loan.
	monthly bool

	// The spread as a monthly rate a = add/12 with ln(1+a) and a/(1+a), for
	// log1pSplit; split: 0 <= a < splitMax, so log1pSplit applies.
	a, la, ag float64
	split     bool

	aMax float64 // affordability fails when the payment exceeds this
	need int     // consecutive failing months that trigger default

	lineEAD    float64 // a line's exposure: drawn + CCF * undrawn
	lgdFlat    float64 // LGD when not collateral-dependent
	collateral float64 // > 0: secured commercial LGD formula
}

// piece is a stretch of months [start, end] with one rate and payment.
type piece struct {
	start, end int
	w          float64 // (A/A0)^gamma, the payment factor of the hazard
	ratio      float64 // A/A0
	bal        float64 // balance at the start of month start
	i          float64 // monthly rate
	pay        float64 // monthly payment
}

// Evaluate computes the loan's PDs, payment shock and loss over every
// scenario. The loan is validated first (loan.Validate); an invalid loan
// returns an error wrapping its *loan.FieldError and no result.
//
// Per scenario s: the stressed conditional PD is
// PD_s = 1 - exp(-h0 * sum_t (A_s(t)/A(0))^gamma * exp(b*M_s(t) - b^2/2)),
// or 1 if affordability fails within the horizon; the loan draws one
// uniform U_s from its own stream (scenario order) and defaults in s when
// U_s < PD_s, in the month where the cumulative hazard first exceeds
// -ln(1-U_s) (inversion, so the default month needs no second draw).
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
	e.src.Seed(pcgSeeds(LoanSeed(e.p.Seed, l.ID)))

	var sumBase, sumStress, sumPeak, maxPeak float64
	if len(e.resets) == 0 {
		sumStress = e.fixedPath()
		sumBase, sumPeak, maxPeak = sumStress, float64(e.sc.s), 1
	} else {
		sumBase, sumStress, sumPeak, maxPeak = e.variablePath()
	}
	S := float64(e.sc.s)
	res.InputPD12 = ls.pd12
	res.BaselinePD = sumBase / S
	res.StressedPD = sumStress / S
	res.StressedPDLow, res.StressedPDHigh = wilson95(res.StressedPD, e.sc.s)
	res.DeltaPD = res.StressedPD - res.BaselinePD
	res.PaymentShockMean = sumPeak / S
	res.PaymentShockMax = maxPeak
	res.EADUSD = ls.b0
	if ls.line {
		res.EADUSD = ls.lineEAD
	}
	res.LGD = e.lgd(res.EADUSD)
	res.ExpectedLossUSD = res.StressedPD * res.EADUSD * res.LGD
	res.DefaultDraws = len(e.losses)
	res.Losses = e.losses
	return res, nil
}

// prepare fills e.ln and e.resets for the loan.
func (e *Evaluator) prepare(l *loan.Loan) error {
	p := &e.p
	pd12, err := p.PD12(l)
	if err != nil {
		return err
	}
	ls := &e.ln
	*ls = loanState{
		pd12:      pd12,
		h0:        MonthlyHazard(pd12),
		series:    series(l.Segment, pd12),
		n:         min(l.RemainingMonths, e.sc.h),
		remaining: l.RemainingMonths,
		line:      l.Segment == loan.CommercialLine,
		b0:        l.BalanceUSD,
		rate0:     l.RateAnnual,
		rateCeil:  math.Inf(1),
		aMax:      math.Inf(1),
	}
	ls.io = l.InterestOnly || ls.line
	if ls.io {
		ls.a0 = float64(ls.b0*ls.rate0) / 12
	} else {
		ls.a0 = annuityFast(ls.b0, ls.rate0/12, ls.remaining)
	}
	if ls.a0 > 0 {
		ls.invA0 = 1 / ls.a0
	}
	if ls.line {
		ls.lineEAD = ls.b0 + p.CCFUndrawn*math.Max(0, l.AmountUSD-ls.b0)
	}

	switch {
	case l.Segment.Personal():
		if l.IncomeAnnualUSD > 0 {
			ls.aMax = p.DTICap*l.IncomeAnnualUSD/12 - l.OtherDebtMonthlyUSD
		}
		ls.need = p.DTIMonths
	default:
		if l.NOIAnnualUSD > 0 && p.DSCRMin > 0 {
			ls.aMax = l.NOIAnnualUSD / (12 * p.DSCRMin)
		}
		ls.need = p.DSCRMonths
	}

	switch {
	case l.Segment == loan.PersonalUnsecured:
		ls.lgdFlat = p.LGDPersonalUnsecured
	case l.Segment == loan.PersonalAuto:
		ls.lgdFlat = p.LGDSecuredRetail
	case l.CollateralValueUSD > 0:
		ls.collateral = l.CollateralValueUSD
	default:
		ls.lgdFlat = p.LGDCommercialUnsecured
	}

	e.resets = e.resets[:0]
	e.trackOver, e.kern.firstTau = false, 0
	if l.RateType == loan.Variable {
		if l.ResetMonths < 1 {
			return fmt.Errorf("reset_months = %d, must be >= 1 for a variable-rate loan", l.ResetMonths)
		}
		ls.add = l.MarginAnnual
		if l.Index == loan.Prime {
			ls.add = p.PrimeSpreadAnnual + l.MarginAnnual
		}
		ls.a = ls.add / 12
		ls.la, ls.ag = math.Log1p(ls.a), ls.a/(1+ls.a)
		// A negative spread would cancel against the index in a + f and in
		// ln(1+a) + ln(1+f), losing digits where the rate is near 0.
		ls.split = ls.a >= 0 && ls.a < splitMax
		ls.periodicCap = l.PeriodicCapAnnual
		if l.LifetimeCapAnnual > 0 {
			// The record has no origination rate; the lifetime cap is taken
			// over today's rate, which is exact for loans that have not reset.
			ls.rateCeil = l.RateAnnual + l.LifetimeCapAnnual
		}
		age := l.TermMonths - l.RemainingMonths
		for t := 1; t <= ls.n; t++ {
			if a := age + t - 1; a > 0 && a%l.ResetMonths == 0 {
				e.resets = append(e.resets, t)
			}
		}
		// monthlyBatch also needs a positive payment today (the payment
		// factor is a ratio to it) and a bit per month in a uint64.
		ls.monthly = l.ResetMonths == 1 && ls.periodicCap == 0 && math.IsInf(ls.rateCeil, 1) &&
			ls.split && len(e.resets) > 0 && ls.a0 > 0 && ls.n < 64 && !e.oneByOne
	}
	return nil
}

// lgd is the loss given default at exposure ead (MODEL.md, Loss).
func (e *Evaluator) lgd(ead float64) float64 {
	ls := &e.ln
	if ls.collateral == 0 {
		return ls.lgdFlat
	}
	if ead <= 0 {
		return e.p.LGDFloor
	}
	return math.Max(e.p.LGDFloor, 1-(1-e.p.CollateralHaircut)*ls.collateral/ead)
}

// fixedPath handles loans whose payment cannot change within the horizon:
// one piece with factor 1, so PD_s needs one multiply of the precomputed
// cumulative multiplier. The baseline equals the stressed PD. It returns the
// sum of PD_s.
func (e *Evaluator) fixedPath() float64 {
	ls := &e.ln
	e.base = append(e.base[:0], piece{start: 1, end: ls.n, w: 1, ratio: 1, bal: ls.b0, i: ls.rate0 / 12, pay: ls.a0})
	trig := 0
	if ls.a0 > ls.aMax && ls.need <= ls.n {
		trig = ls.need
	}
	S, H, h0 := e.sc.s, e.sc.h, ls.h0
	var sum float64
	switch {
	case trig > 0:
		for s := range S {
			u := uniform(e.src.Uint64())
			sum++
			e.recordDefault(s, u, e.base, trig)
		}
	case ls.n == H:
		// The hot loop of the model: a local copy of the generator stays in
		// registers.
		src := e.src
		for s, c := range e.sc.cumH[ls.series][:S] {
			u := uniform(src.Uint64())
			x := h0 * c
			var pd float64
			if x < smallHazard {
				pd = smallPD(x)
			} else {
				pd = oneMinusExpNeg(x)
			}
			sum += pd
			if u < pd {
				e.recordDefault(s, u, e.base, 0)
			}
		}
		e.src = src
	default:
		cum, n := e.sc.cum[ls.series], ls.n
		for s := range S {
			u := uniform(e.src.Uint64())
			pd := oneMinusExpNeg(h0 * cum[n*S+s])
			sum += pd
			if u < pd {
				e.recordDefault(s, u, e.base, 0)
			}
		}
	}
	return sum
}

// variablePath handles loans with at least one reset within the horizon.
func (e *Evaluator) variablePath() (sumBase, sumStress, sumPeak, maxPeak float64) {
	ls := &e.ln
	var trigBase int
	e.base, trigBase, _ = e.walk(-1, e.base)
	h0 := ls.h0
	// The baseline first, in a loop of its own (the same sum in the same
	// order as interleaved with the stressed paths, but the CPU overlaps
	// its scenarios better).
	if trigBase > 0 {
		sumBase = float64(e.sc.s)
	} else {
		for s := range e.sc.s {
			if x := h0 * e.lambda(e.base, s); x < smallHazard {
				sumBase += smallPD(x)
			} else {
				sumBase += oneMinusExpNeg(x)
			}
		}
	}
	maxPeak = 1
	st := &e.batchSt
	src := e.src // a local copy of the generator stays in registers
	for s0 := 0; s0 < e.sc.s; s0 += kernelBatch {
		nb := min(kernelBatch, e.sc.s-s0)
		if ls.monthly {
			e.monthlyBatch(s0, nb)
		}
		for b := range nb {
			s := s0 + b
			u := uniform(src.Uint64())
			var lam, peak float64
			var trig int
			batched := ls.monthly && !st[b].bad
			if c := &st[b]; batched {
				lam, trig, peak = c.lam, c.trig, c.peak
			} else {
				lam, trig, peak = e.walkHazard(s)
			}
			sumPeak += peak
			maxPeak = max(maxPeak, peak)
			pd := 1.0
			if trig == 0 {
				if x := h0 * lam; x < smallHazard {
					pd = smallPD(x)
				} else {
					pd = oneMinusExpNeg(x)
				}
			}
			sumStress += pd
			switch {
			case u >= pd:
			case batched:
				e.monthlyDefault(s, u)
			default:
				// Rebuild the path to find the default month and balance.
				e.cur, _, _ = e.walk(s, e.cur)
				e.recordDefault(s, u, e.cur, trig)
			}
		}
	}
	e.src = src
	return sumBase, sumStress, sumPeak, maxPeak
}

// resetRate is the rate after a reset at month tau from rate on scenario s
// (s < 0: the policy rate held at r0): index plus margin, within the
// periodic and lifetime caps (capRate), floored at 0. It returns the annual
// rate nr, the monthly rate i and l = ln(1+i). When no cap or floor binds,
// i and l come from the scenario's monthRate and the loan's spread
// (log1pSplit: no logarithm); otherwise i = nr/12 and l = log1pMonthly(i).
// walkHazard makes the same choice by hand.
func (e *Evaluator) resetRate(s, tau int, rate float64) (nr, i, l float64) {
	ls := &e.ln
	ff, mr := e.p.R0Annual, &e.sc.baseMon
	if s >= 0 {
		mr = &e.sc.mon[(tau-1)*e.sc.s+s]
		ff = mr.ff
	}
	free := ff + ls.add
	nr = capRate(free, rate, ls.periodicCap, ls.rateCeil)
	if nr == free && ls.split && mr.f < splitMax {
		return nr, mr.f + ls.a, log1pSplit(ls.la, ls.ag, mr.logF, mr.shrunk)
	}
	i = nr / 12
	return nr, i, log1pMonthly(i)
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

// repay is the payment after a reset at month tau to monthly rate i
// (l = ln(1+i)) on balance bal: interest only, or the annuity over the
// remaining term.
func (e *Evaluator) repay(bal, i, l float64, tau int) float64 {
	if e.ln.io {
		return float64(bal * i)
	}
	return float64(bal * annuityFromLog(i, l, e.ln.remaining-(tau-1)))
}

// walk builds the payment path over months 1..n on scenario s (s < 0: the
// policy rate held at r0) into pieces, and returns the month affordability
// triggers default (0: never within the horizon) and the peak payment ratio.
// A reset that leaves the rate unchanged leaves the payment unchanged (the
// annuity identity), so it does not start a new piece.
//
// walkHazard is the same loop integrating the hazard instead of storing the
// path; the two must stay in step (TestWalkHazardMatchesWalk).
func (e *Evaluator) walk(s int, pieces []piece) ([]piece, int, float64) {
	ls := &e.ln
	pieces = pieces[:0]
	cur := piece{start: 1, w: 1, ratio: 1, bal: ls.b0, i: ls.rate0 / 12, pay: ls.a0}
	rate, peak := ls.rate0, 1.0
	run, trig := 0, 0
	for _, tau := range e.resets {
		nr, i, l := e.resetRate(s, tau, rate)
		if nr == rate {
			continue
		}
		bal := cur.bal
		if tau > cur.start {
			cur.end = tau - 1
			pieces = append(pieces, cur)
			if trig == 0 {
				run, trig = afford(run, cur.pay > ls.aMax, cur.start, cur.end, ls.need)
			}
			bal = advance(cur.bal, cur.i, cur.pay, tau-cur.start, ls.io)
		}
		rate = nr
		pay := e.repay(bal, i, l, tau)
		ratio, w := 1.0, 1.0
		if ls.a0 > 0 {
			ratio = pay * ls.invA0
			w = e.sc.pow.pow(ratio)
		}
		peak = max(peak, ratio)
		cur = piece{start: tau, w: w, ratio: ratio, bal: bal, i: i, pay: pay}
	}
	cur.end = ls.n
	pieces = append(pieces, cur)
	if trig == 0 {
		_, trig = afford(run, cur.pay > ls.aMax, cur.start, cur.end, ls.need)
	}
	return pieces, trig, peak
}

// afford extends the run of consecutive unaffordable months by the months
// [start, end] (unaffordable if over) and returns the new run and the
// trigger month (0 if not reached).
func afford(run int, over bool, start, end, need int) (int, int) {
	if !over {
		return 0, 0
	}
	length := end - start + 1
	if run+length >= need {
		return run + length, start + need - run - 1
	}
	return run + length, 0
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

// lambda is sum over pieces of w * (multiplier sum over the piece) on
// scenario s; times h0 it is the cumulative hazard over the horizon.
func (e *Evaluator) lambda(pieces []piece, s int) float64 {
	cum, S := e.sc.cum[e.ln.series], e.sc.s
	var lam float64
	for k := range pieces {
		pc := &pieces[k]
		lam += float64(pc.w * (cum[pc.end*S+s] - cum[(pc.start-1)*S+s]))
	}
	return lam
}

// recordDefault finds the default month of a default with uniform u on
// scenario s and appends the loss.
func (e *Evaluator) recordDefault(s int, u float64, pieces []piece, trig int) {
	ls := &e.ln
	cum, S := e.sc.cum[ls.series], e.sc.s
	target := -math.Log1p(-u) // default when h0 * lambda(t) reaches it
	month, bal := ls.n, 0.0
	found := false
	var lam float64
	for k := range pieces {
		pc := &pieces[k]
		for t := pc.start; t <= pc.end; t++ {
			lt := lam + float64(pc.w*(cum[t*S+s]-cum[(pc.start-1)*S+s]))
			if (trig > 0 && t >= trig) || ls.h0*lt >= target {
				month, bal, found = t, advance(pc.bal, pc.i, pc.pay, t-pc.start, ls.io), true
				break
			}
		}
		if found {
			break
		}
		lam += float64(pc.w * (cum[pc.end*S+s] - cum[(pc.start-1)*S+s]))
	}
	if !found { // rounding at the boundary: default in the last month at risk
		last := &pieces[len(pieces)-1]
		bal = advance(last.bal, last.i, last.pay, ls.n-last.start, ls.io)
	}
	e.addLoss(s, month, bal)
}

// addLoss appends the loss of a default on scenario s in the month given,
// with scheduled balance bal at its start.
func (e *Evaluator) addLoss(s, month int, bal float64) {
	ead := bal
	if e.ln.line {
		ead = e.ln.lineEAD
	}
	cents := int64(math.Round(float64(ead*e.lgd(ead)) * 100))
	e.losses = append(e.losses, ScenarioLoss{Scenario: s, Month: month, Cents: cents})
}
