package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

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
	tables map[tableKey]pathStats // tablePath's memo
	// generic sends every loan that is not on the table path to
	// generalPath, so tests can hold fixedTermsPath and monthlyReset to it.
	generic bool
	// noGrid keeps margin-grid loans on monthlyReset, so tests can hold the
	// grid to it.
	noGrid bool
	// noSums keeps margin-grid loans on gridPath's per-scenario sums, so
	// tests can hold the grid's sums (gridSumsPath) to them.
	noSums   bool
	grid     map[gridKey][]float64 // the margin-grid nodes this Evaluator has read
	gt       gridTerms             // gridPath's DSCR and refinancing terms
	fixedBal []float64             // fixedTermsPath: the balance at the start of month t
}

// batchScratch is walkBatch's state for kernelBatch scenarios.
type batchScratch struct {
	bal, rate, i, l, pay, w, lam, q, maxPay [kernelBatch]float64
	changed                                 [kernelBatch]bool
	// lamT[t*kernelBatch + b] and balT[t*kernelBatch + b]: the cumulative hazard (over
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
		tables: make(map[tableKey]pathStats),
		grid:   make(map[gridKey][]float64),
	}
	e.fixedBal = make([]float64, h+2)
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

	// ltv and dscr: the LTV or DSCR term can be non-zero on the stressed
	// (0) or baseline (1) paths.
	ltv      [2]bool
	ltvCRE   bool // LTV against the CRE index (else HPI)
	invColl  float64
	dscr     [2]bool
	noiMonth float64 // NOI / 12
	refi     bool    // refinancing test at month n
	refiLTV  bool    // the refinancing test has an LTV term (CRE)

	table     bool // constant payment and no per-loan terms: PD from the tables
	balPath   bool // e.fixedBal holds the loan's scheduled balances
	baseTable bool // the same on the baseline paths only
	// fixedTerms: constant payment with an LTV, DSCR or refinancing term:
	// fixedTermsPath.
	fixedTerms bool
	// monthly: resets every month to the index plus a margin in [0,
	// splitMax), no caps, amortising or interest only: monthlyReset.
	monthly bool
	// onGrid: a monthly-reset interest-only loan without per-loan terms,
	// whose hazard the margin grid gives (gridPath).
	onGrid bool
	// gridSums: the margin-grid loan took the grid's sums (gridSumsPath),
	// so e.pdS is not filled.
	gridSums bool

	revolving bool
	lineEAD   bool    // EAD is ead0 in every month: a revolving line or a HELOC drawing
	ead0      float64 // lineEAD: drawn + CCF * undrawn
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

	var st pathStats
	switch {
	case ls.table:
		st = e.tablePath()
	case ls.fixedTerms:
		st = e.fixedTermsPath()
	case ls.onGrid:
		st = e.gridPath()
	default:
		st = e.generalPath()
	}
	sc := e.sc
	S := float64(sc.s)
	res.InputPD12 = ls.pd12
	res.BaselinePD = st.sumBase / sc.wsum
	res.StressedPD = st.sumStress / sc.wsum
	res.StressedPDLow, res.StressedPDHigh = interval(res.StressedPD, st.ssStress, sc.wsum, sc.s)
	res.DeltaPD = res.StressedPD - res.BaselinePD
	res.RefiFailProb = st.sumQ / sc.wsum
	sumPeak, maxPeak := st.sumPeak, st.maxPeak
	res.PaymentShockMean = sumPeak / S
	res.PaymentShockMax = maxPeak
	res.EADUSD = ls.b0
	if ls.lineEAD {
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

// pathStats are the sums over the scenarios that make a Result: weighted
// by Scenarios.Weight (w), the stressed and baseline PDs, the squared
// deviations w^2 (PD_s - mean)^2 of the stressed PDs and the refinancing
// failure probabilities; unweighted, the sum and maximum of the peak
// payment ratios.
type pathStats struct {
	sumStress, ssStress, sumBase, sumQ float64
	sumPeak, maxPeak                   float64
}

// interval is the 95% normal interval of the stressed PD, mean +- 1.96
// sd(PD_s)/sqrt(S) (MODEL.md section 2), with the sample standard
// deviation; with importance-sampling weights w_s the standard error of the
// ratio estimator, sqrt(sum w_s^2 (PD_s - mean)^2 * S/(S-1)) / sum w_s,
// which is the same at w = 1. ss is sum w_s^2 (PD_s - mean)^2. Clamped to
// [0, 1]. Its width is 0 only when every PD_s equals the mean; with one
// scenario the standard deviation is unknown and the interval is [0, 1].
func interval(mean, ss, wsum float64, S int) (lo, hi float64) {
	if S < 2 {
		return 0, 1
	}
	half := 1.959963984540054 * math.Sqrt(ss*float64(S)/float64(S-1)) / wsum
	return math.Max(0, mean-half), math.Min(1, mean+half)
}

// squaredDeviations is sum_s w_s^2 (pd[s] - mean)^2.
func (e *Evaluator) squaredDeviations(pd []float64, mean float64) float64 {
	var ss float64
	w := e.sc.weight
	for s, x := range pd {
		d := (x - mean) * w[s]
		ss += d * d
	}
	return ss
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
	// A line's exposure at default adds CCF x its undrawn limit (MODEL.md
	// section 2): cards, commercial lines, and home equity lines in their
	// draw period (interest only; an amortising HELOC draws no more).
	ls.lineEAD = ls.revolving || (l.Segment == loan.HomeEquity && l.InterestOnly)
	if ls.lineEAD {
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
			if resetMonth(l, age, t) {
				e.resets = append(e.resets, t)
			}
		}
	}

	// The per-loan hazard terms, skipped when they cannot be non-zero in
	// any scenario and month (balances never rise: amortising or constant).
	if l.Segment.RealEstate() && ls.coll > 0 && p.EtaLTV > 0 && ls.b0 > 0 {
		ls.invColl = 1 / ls.coll
		ls.ltvCRE = l.Segment == loan.CommercialRealEstate
		for k, ps := range []*pathSet{&sc.stress, &sc.base} {
			minIdx := ps.minHPI
			if ls.ltvCRE {
				minIdx = ps.minCRE
			}
			ls.ltv[k] = ls.b0*ls.invColl/minIdx > p.LTVKnee
		}
	}
	if l.Segment.Commercial() {
		ls.noiMonth = l.NOIAnnualUSD / 12
		for k, ps := range []*pathSet{&sc.stress, &sc.base} {
			ls.dscr[k] = p.EtaDSCR > 0 && ls.a0 > 0 && (len(e.resets) > 0 || ls.noiMonth*ps.minNF*ls.invA0 < p.DSCRKnee)
		}
		ls.refi = maturity <= sc.h && (l.BalloonMonth > 0 || ls.io) && ls.b0 > 0
		ls.refiLTV = ls.refi && ls.ltvCRE && ls.coll > 0
		if ls.refiLTV {
			ls.invColl = 1 / ls.coll
		}
	}
	ls.baseTable = len(e.resets) == 0 && !ls.ltv[1] && !ls.dscr[1] && !ls.refi
	ls.table = ls.baseTable && !ls.ltv[0] && !ls.dscr[0]
	ls.fixedTerms = len(e.resets) == 0 && !ls.table && !e.generic
	ls.monthly = ls.variable && l.ResetMonths == 1 && ls.periodicCap == 0 && math.IsInf(ls.rateCeil, 1) &&
		ls.split && len(e.resets) > 0 && ls.a0 > 0 && !e.generic
	ls.onGrid = e.onMarginGrid()
	return nil
}

// LGD is the loss given default of a loan of the segment with collateral
// value collateralUSD defaulting with exposure eadUSD at month t (0: today)
// when its collateral's price index stands at priceIndex (MODEL.md section
// 2): flat for unsecured personal loans, cards and C&I; auto max(floor, 1 -
// recovery x value x (1-depreciation)^t / EAD); mortgages, home equity and
// CRE max(floor, 1 - recovery x value x index / EAD).
func (p Params) LGD(seg loan.Segment, collateralUSD, eadUSD, priceIndex float64, t int) float64 {
	d := 1.0
	if seg == loan.PersonalAuto {
		for range t {
			d *= 1 - p.AutoDepreciationMonthly
		}
	}
	return p.lgd(seg, collateralUSD, eadUSD, priceIndex, d)
}

// lgd is LGD with the auto depreciation factor (1-d)^t given; a pointer
// receiver, so the loss of each default does not copy Params.
func (p *Params) lgd(seg loan.Segment, collateralUSD, eadUSD, priceIndex, depreciation float64) float64 {
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
		return recovered(p.LGDAutoFloor, p.AutoRecovery, collateralUSD*depreciation)
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
// (constant payment, no LTV, DSCR or refinancing term): PD_s = 1 -
// exp(-h0 cum_s(n)), one lookup in each of the stressed and baseline
// tables. The sums over the scenarios depend only on (series, n, h0), so
// the Evaluator keeps them (tableStats): loans of one score, segment and
// term share them, and a loan pays one draw, one lookup and a multiply per
// scenario, plus the exact PD only when the draw is below h0 cum_s(n) >=
// PD_s. The results are the same as without the memo, bit for bit.
func (e *Evaluator) tablePath() pathStats {
	ls := &e.ln
	sc := e.sc
	S, n, h0 := sc.s, ls.n, ls.h0
	cumS := sc.cumTable(&sc.stress, ls.series)
	key := tableKey{ls.series, n, h0}
	st, ok := e.tables[key]
	if !ok {
		// The Scenarios' memo, shared by every Evaluator (a run's tasks
		// each start new ones, and a book's scores and terms repeat across
		// them), then this Evaluator's, which needs no lock.
		if st, ok = sc.tables.get(key); !ok {
			st = e.tableStats(cumS, sc.cumTable(&sc.base, ls.series))
			sc.tables.put(key, st)
		}
		if len(e.tables) >= maxTableStats {
			clear(e.tables)
		}
		e.tables[key] = st
	}
	// The hot loop of the model: a local copy of the generator stays in
	// registers. 1 - exp(-x) <= x also in floating point (smallPD is x
	// times a factor of at most 1), so u >= x means no default.
	src := e.src
	for s0 := 0; s0 < S; s0 += kernelBatch {
		for b, c := range cumS[sc.at(n, s0):][:min(kernelBatch, S-s0)] {
			u := uniform(src.Uint64())
			if x := h0 * c; u < x && u < hazardPD(x) {
				e.tableDefault(s0+b, u, cumS)
			}
		}
	}
	e.src = src
	return st
}

// tableKey identifies the scenario sums of a table-path loan.
type tableKey struct {
	series, n int
	h0        float64
}

// maxTableStats bounds the Evaluator's memo of table sums (about 1,700
// distinct scores and grades by segment and band, times the terms seen);
// the Scenarios' shared memo holds up to four times as many (48 bytes
// each), and past that the sums are computed again: the same bits.
const maxTableStats = 1 << 14

// tableMemo is the Scenarios' memo of table-path sums.
type tableMemo struct {
	mu sync.RWMutex
	m  map[tableKey]pathStats
}

func (t *tableMemo) get(k tableKey) (pathStats, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	st, ok := t.m[k]
	return st, ok
}

func (t *tableMemo) put(k tableKey, st pathStats) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[tableKey]pathStats)
	}
	if len(t.m) < 4*maxTableStats {
		t.m[k] = st
	}
}

// tableStats computes the sums over the scenarios of a table-path loan
// from the stressed and baseline tables.
func (e *Evaluator) tableStats(cumS, cumB []float64) pathStats {
	sc := e.sc
	h0, n, S := e.ln.h0, e.ln.n, sc.s
	w := sc.weight
	pdS := e.pdS[:S]
	st := pathStats{sumPeak: float64(S), maxPeak: 1}
	for s := range S {
		k := sc.at(n, s)
		pd := hazardPD(h0 * cumS[k])
		pdS[s] = pd
		st.sumStress += w[s] * pd
		st.sumBase += w[s] * hazardPD(h0*cumB[k])
	}
	st.ssStress = e.squaredDeviations(pdS, st.sumStress/e.sc.wsum)
	return st
}

// tableDefault finds the default month of a default with uniform u on
// scenario s of a table-path loan and records the loss.
func (e *Evaluator) tableDefault(s int, u float64, cum []float64) {
	ls := &e.ln
	target := -math.Log1p(-u) // default when h0 * cum(t) reaches it
	// The first month t in 1..n with h0*cum(t) >= target, by bisection (cum
	// is increasing in t); n if none (rounding at the boundary: the last
	// month at risk).
	k := e.sc.at(0, s)
	lo, hi := 1, ls.n
	for lo < hi {
		mid := (lo + hi) / 2
		if ls.h0*cum[k+mid*kernelBatch] >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	month := lo
	if !ls.balPath {
		e.scheduledBalances()
	}
	e.addLoss(s, month, e.fixedBal[month])
}

// scheduledBalances fills e.fixedBal[t], t = 1..n+1, with the balance at
// the start of month t at today's rate and payment (the month-by-month
// recursion of walkBatch).
func (e *Evaluator) scheduledBalances() {
	ls := &e.ln
	bal := e.fixedBal[:ls.n+2]
	bal[1] = ls.b0
	for t := 1; t <= ls.n; t++ {
		bal[t+1] = bal[t]
		if !ls.io {
			bal[t+1] = max(0, bal[t]+(float64(bal[t]*(ls.rate0/12))-ls.a0))
		}
	}
	ls.balPath = true
}

// generalPath handles every other loan with walkBatch, kernelBatch
// scenarios at a time, on the baseline and then on the stressed paths.
func (e *Evaluator) generalPath() pathStats {
	ls := &e.ln
	sc := e.sc
	S, h0 := sc.s, ls.h0
	var sumBase, sumStress, sumPeak, maxPeak, sumQ float64
	cumS := sc.cumTable(&sc.stress, ls.series)
	cumB := sc.cumTable(&sc.base, ls.series)
	bt := &e.bt
	maxPeak = 1
	if ls.baseTable {
		for s := range S {
			sumBase += sc.weight[s] * hazardPD(h0*cumB[sc.at(ls.n, s)])
		}
	}
	src := e.src
	for s0 := 0; s0 < S; s0 += kernelBatch {
		nb := min(kernelBatch, S-s0)
		if !ls.baseTable {
			e.walkBatch(&sc.base, 1, cumB, s0, nb, false)
			for b := range nb {
				haz := hazardPD(h0 * bt.lam[b])
				sumBase += sc.weight[s0+b] * (haz + (1-haz)*bt.q[b])
			}
		}
		e.walkBatch(&sc.stress, 0, cumS, s0, nb, true)
		for b := range nb {
			s := s0 + b
			u := uniform(src.Uint64())
			haz := hazardPD(h0 * bt.lam[b])
			pd := haz + (1-haz)*bt.q[b]
			e.pdS[s] = pd
			sumStress += sc.weight[s] * pd
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
	return pathStats{sumStress: sumStress, ssStress: e.squaredDeviations(e.pdS, sumStress/sc.wsum), sumBase: sumBase,
		sumQ: sumQ, sumPeak: sumPeak, maxPeak: maxPeak}
}

// fixedTermsPath handles loans with a constant payment and an LTV, DSCR or
// refinancing term. Their balance path is the same in every scenario, so a
// scenario whose lowest price index and NOI factor keep the loan clear of
// both knees has the table's hazard (the terms are exactly 1 there); the
// others are followed month by month (fixedLam). The equations are
// walkBatch's (TestFixedTermsPathAgreesWithTheGenericWalk).
func (e *Evaluator) fixedTermsPath() pathStats {
	ls := &e.ln
	sc := e.sc
	S, n, h0 := sc.s, ls.n, ls.h0
	e.scheduledBalances()
	bal := e.fixedBal[:n+2]
	cumS := sc.cumTable(&sc.stress, ls.series)
	cumB := sc.cumTable(&sc.base, ls.series)
	st := pathStats{sumPeak: float64(S), maxPeak: 1}
	w := sc.weight
	for s := range S {
		lam, _ := e.fixedLam(&sc.base, 1, cumB, s, -1)
		haz := hazardPD(h0 * lam)
		var q float64
		if ls.refi {
			q = e.refiFail(&sc.base, sc.base.index(ls.prime), s, n, bal[n+1])
		}
		st.sumBase += w[s] * (haz + (1-haz)*q)
	}
	src := e.src
	for s := range S {
		u := uniform(src.Uint64())
		lam, _ := e.fixedLam(&sc.stress, 0, cumS, s, -1)
		haz := hazardPD(h0 * lam)
		pd := haz
		if ls.refi {
			q := e.refiFail(&sc.stress, sc.stress.index(ls.prime), s, n, bal[n+1])
			pd = haz + (1-haz)*q
			st.sumQ += w[s] * q
		}
		e.pdS[s] = pd
		st.sumStress += w[s] * pd
		if u < pd {
			if u >= haz { // a failed refinancing
				e.addLoss(s, n, bal[n+1])
				continue
			}
			_, month := e.fixedLam(&sc.stress, 0, cumS, s, -math.Log1p(-u))
			e.addLoss(s, month, bal[month])
		}
	}
	e.src = src
	st.ssStress = e.squaredDeviations(e.pdS, st.sumStress/sc.wsum)
	return st
}

// fixedLam is the cumulative hazard over h0 of a fixedTermsPath loan on
// scenario s of path set k through month n; with target >= 0, the first
// month where h0 times it reaches target instead (n if none: rounding at
// the boundary).
func (e *Evaluator) fixedLam(ps *pathSet, k int, cum []float64, s int, target float64) (float64, int) {
	ls := &e.ln
	p := &e.p
	n := ls.n
	ltv := ls.ltv[k]
	if ltv {
		minIdx := ps.sMinHPI[s]
		if ls.ltvCRE {
			minIdx = ps.sMinCRE[s]
		}
		ltv = float64(ls.b0*ls.invColl)/minIdx > p.LTVKnee
	}
	dscr := ls.dscr[k] && float64(ls.noiMonth*ps.sMinNF[s])/ls.a0 < p.DSCRKnee
	if !ltv && !dscr {
		if target < 0 {
			return cum[e.sc.at(n, s)], n
		}
		for t := 1; t <= n; t++ {
			if ls.h0*cum[e.sc.at(t, s)] >= target {
				return 0, t
			}
		}
		return 0, n
	}
	priceIdx := ps.hpi
	if ls.ltvCRE {
		priceIdx = ps.cre
	}
	// The loop's constants in locals, and the scenario's month t at
	// m = at(t, s), stepping by kernelBatch: this loop runs per scenario.
	ltvKnee, etaLTV, dscrKnee, etaDSCR := p.LTVKnee, p.EtaLTV, p.DSCRKnee, p.EtaDSCR
	balColl, noi, a0, h0 := ls.invColl, ls.noiMonth, ls.a0, ls.h0
	bal, nf := e.fixedBal, ps.nf
	var lam float64
	m := e.sc.at(0, s)
	for t := 1; t <= n; t++ {
		prev := cum[m]
		m += kernelBatch
		var z float64
		if ltv {
			if r := float64(bal[t]*balColl) / priceIdx[m]; r > ltvKnee {
				z += float64(etaLTV * (r - ltvKnee))
			}
		}
		if dscr {
			if r := float64(noi*nf[m]) / a0; r < dscrKnee {
				z += float64(etaDSCR * (dscrKnee - r))
			}
		}
		f := 1.0
		if z > 0 {
			// f = expTab(z) from its inlined parts, as in walkBatch (same
			// bits).
			if !(z < -expMinArg) {
				f = expDet(z)
			} else {
				r, k := expReduce(z)
				hi, lo := expHead(k)
				f = (hi + (lo + float64(hi*expPoly(r)))) * expScale(k)
			}
		}
		lam += float64(f * (cum[m] - prev))
		if target >= 0 && h0*lam >= target {
			return lam, t
		}
	}
	return lam, n
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
func (e *Evaluator) walkBatch(ps *pathSet, k int, cum []float64, s0, nb int, keep bool) {
	ls := &e.ln
	p := &e.p
	bt := &e.bt
	base := (s0 / kernelBatch) * e.sc.blk // s0 is a multiple of kernelBatch
	for b := range nb {
		bt.bal[b], bt.rate[b], bt.i[b], bt.pay[b] = ls.b0, ls.rate0, ls.rate0/12, ls.a0
		bt.w[b], bt.lam[b], bt.maxPay[b], bt.q[b] = 1, 0, ls.a0, 0
	}
	idx := ps.index(ls.prime)
	var priceIdx []float64
	if ls.ltvCRE {
		priceIdx = ps.cre
	} else {
		priceIdx = ps.hpi
	}
	ltv, dscr := ls.ltv[k], ls.dscr[k]
	ltvKnee, etaLTV := p.LTVKnee, p.EtaLTV
	dscrKnee, etaDSCR := p.DSCRKnee, p.EtaDSCR
	io := ls.io
	ri := 0
	for t := 1; t <= ls.n; t++ {
		if ri < len(e.resets) && e.resets[ri] == t {
			ri++
			if ls.monthly {
				e.monthlyReset(idx[base+t*kernelBatch:][:nb], t)
			} else {
				e.resetBatch(idx[base+t*kernelBatch:][:nb], t)
			}
		}
		now, prev := cum[base+t*kernelBatch:][:nb], cum[base+(t-1)*kernelBatch:][:nb]
		bal, lam, w, i, pay := bt.bal[:nb], bt.lam[:nb], bt.w[:nb], bt.i[:nb], bt.pay[:nb]
		// This month's rows of lamT and balT, sliced once so the stores
		// below need no bounds check.
		lamT, balT := bt.lamT[t*kernelBatch:][:nb], bt.balT[t*kernelBatch:][:nb]
		if !ltv && !dscr {
			// The common case in a loop without branches.
			for b := range bal {
				l := lam[b] + float64(w[b]*(now[b]-prev[b]))
				lam[b] = l
				if keep {
					lamT[b], balT[b] = l, bal[b]
				}
				if !io { // advance(bal, i, pay, 1, false)
					bal[b] = floorZero(bal[b] + (float64(bal[b]*i[b]) - pay[b]))
				}
			}
			continue
		}
		px, nf := priceIdx[base+t*kernelBatch:][:nb], ps.nf[base+t*kernelBatch:][:nb]
		for b := range bal {
			x := bal[b]
			var z float64
			if ltv {
				if r := float64(x*ls.invColl) / px[b]; r > ltvKnee {
					z += float64(etaLTV * (r - ltvKnee))
				}
			}
			if dscr && pay[b] > 0 {
				if r := float64(ls.noiMonth*nf[b]) / pay[b]; r < dscrKnee {
					z += float64(etaDSCR * (dscrKnee - r))
				}
			}
			f := w[b]
			if z > 0 {
				// f *= expTab(z) from its inlined parts: a call cost as
				// much as its arithmetic (same operations, same bits; z > 0
				// > expMinArg).
				var e float64
				if !(z < -expMinArg) {
					e = expDet(z)
				} else {
					r, k := expReduce(z)
					hi, lo := expHead(k)
					e = (hi + (lo + float64(hi*expPoly(r)))) * expScale(k)
				}
				f = float64(f * e)
			}
			l := lam[b] + float64(f*(now[b]-prev[b]))
			lam[b] = l
			if keep {
				lamT[b], balT[b] = l, x
			}
			if !io { // advance(bal, i, pay, 1, false)
				bal[b] = floorZero(x + (float64(x*i[b]) - pay[b]))
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

// monthlyReset is resetBatch for a loan that resets every month to its
// index plus a margin without caps: every month a new rate and annuity (a
// reset that leaves the rate unchanged recomputes the same payment up to
// rounding), in loops without calls that the CPU overlaps: the
// logarithms from log1pSplit, then oneMinusExpBlock, then the payment
// factor (A/A(0))^gamma from the table by hand.
func (e *Evaluator) monthlyReset(mons []monthRate, t int) {
	ls := &e.ln
	bt := &e.bt
	nb := len(mons)
	a, la, ag := ls.a, ls.la, ls.ag
	// bt.rate is left alone: only resetBatch's caps read it.
	bal, i, pay, w, maxPay := bt.bal[:nb], bt.i[:nb], bt.pay[:nb], bt.w[:nb], bt.maxPay[:nb]
	if ls.io {
		for b := range mons {
			i[b] = mons[b].f + a
			pay[b] = float64(bal[b] * (i[b] + ls.minPrin))
		}
	} else {
		months := ls.remaining - (t - 1)
		negMonths := -float64(months)
		x := bt.l[:nb]
		for b := range mons {
			m := &mons[b]
			i[b] = m.f + a
			if m.f < splitMax {
				x[b] = float64(negMonths * log1pSplit(la, ag, m.logF, m.shrunk))
			} else {
				x[b] = float64(negMonths * log1pMonthly(i[b]))
			}
		}
		oneMinusExpBlock(x) // 1 - (1+i)^-n; |x| < 600*ln(1.6), far inside its range
		for b := range mons {
			om := x[b]
			f := i[b] / om
			if i[b] == 0 {
				f = 1 / float64(months)
			}
			pay[b] = float64(bal[b] * f)
		}
	}
	toTable := ls.invA0 * powTableSteps
	// The table as an array, and k masked (a no-op for 0 <= f < steps*max,
	// a power of 2), so tab[k+1] needs no bounds check.
	tab := (*[powTableSteps*powTableMax + 2]float64)(e.sc.pow.y)
	for b := range mons {
		maxPay[b] = maxNaN(maxPay[b], pay[b])
		// e.sc.pow.pow(pay*invA0) by hand: f = pay*invA0*steps is exactly
		// (pay*invA0)*steps, scaling by a power of 2 commuting with rounding.
		if f := float64(pay[b] * toTable); f >= 0 && f < powTableSteps*powTableMax {
			k := int(f) & (powTableSteps*powTableMax - 1)
			y0 := tab[k]
			w[b] = y0 + float64((f-float64(k))*(tab[k+1]-y0))
		} else {
			w[b] = e.sc.pow.outside(pay[b] * ls.invA0)
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
// today), amortising over RefiAmortMonths (a line renews as a line,
// interest only: judgement), and q = min(1, kDSCR max(0, knee - DSCR) +
// kLTV max(0, LTV - knee)), the LTV term for CRE only.
func (e *Evaluator) refiFail(ps *pathSet, idx []monthRate, s, n int, bal float64) float64 {
	ls := &e.ln
	p := &e.p
	if bal <= 0 {
		return 0
	}
	var rate float64
	if ls.variable {
		rate = idx[e.sc.at(n, s)].ff + ls.add
	} else {
		rate = ls.rate0 + (ps.sofr[e.sc.at(n, s)].ff - e.sc.r0)
	}
	rate = math.Max(0, rate)
	var pay float64
	if ls.revolving {
		pay = float64(bal * (rate / 12)) // a line renews as a line, interest only
	} else {
		pay = float64(bal * annuityFactor(rate/12, p.RefiAmortMonths))
	}
	if !(pay > 0) {
		return 0
	}
	dscr := float64(ls.noiMonth*ps.nf[e.sc.at(n, s)]) / pay
	q := float64(p.RefiKDSCR * math.Max(0, p.RefiDSCRKnee-dscr))
	if ls.refiLTV {
		ltv := float64(bal*ls.invColl) / ps.cre[e.sc.at(n, s)]
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
	if u >= haz {
		e.addLoss(s, ls.n, bt.bal[b])
		return
	}
	target := -math.Log1p(-u)
	month := ls.n // rounding at the boundary: the last month at risk
	for t := 1; t <= ls.n; t++ {
		if ls.h0*bt.lamT[t*kernelBatch+b] >= target {
			month = t
			break
		}
	}
	e.addLoss(s, month, bt.balT[month*kernelBatch+b])
}

// addLoss appends the loss of a default on scenario s in the month given,
// with scheduled balance bal at its start: EAD (a line: drawn + CCF x
// undrawn) times the LGD at that month on the stressed paths.
func (e *Evaluator) addLoss(s, month int, bal float64) {
	ls := &e.ln
	ead := bal
	if ls.lineEAD {
		ead = ls.ead0
	}
	idx := 1.0
	switch {
	case e.p.LGDTodayPrices: // today's index: Params.LGDTodayPrices
	case ls.seg == loan.ResidentialMortgage, ls.seg == loan.HomeEquity:
		idx = e.sc.stress.hpi[e.sc.at(month, s)]
	case ls.seg == loan.CommercialRealEstate:
		idx = e.sc.stress.cre[e.sc.at(month, s)]
	}
	lgd := e.p.lgd(ls.seg, ls.coll, ead, idx, e.depr[month])
	e.lgdSum += lgd
	cents := int64(math.Round(float64(ead*lgd) * 100))
	e.losses = append(e.losses, ScenarioLoss{Scenario: s, Month: month, Cents: cents})
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

// floorZero is max(0, x) as Go's max computes it (NaN stays NaN, -0 becomes
// +0) in two instructions instead of max's long sequence, which the
// per-month balance update paid for every scenario-month.
func floorZero(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return x
}

// maxNaN is max(m, x) for m > 0 (no signed zeros to order), NaN if either
// is, without the long sequence of Go's max.
func maxNaN(m, x float64) float64 {
	if x > m || x != x {
		return x
	}
	return m
}
