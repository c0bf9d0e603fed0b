package model

import "math"

// kernelScratch holds walkHazard's per-scenario arrays, one entry per piece
// of the payment path (at most one per month of the horizon).
type kernelScratch struct {
	start []int     // first month of the piece
	i     []float64 // monthly rate of the piece
	l     []float64 // ln(1+i) (amortising loans)
	f     []float64 // annuity factor A/balance of the piece (amortising loans)
	pay   []float64 // payment of the piece

	firstTau int     // firstBalance's memo (0: none), reset per loan
	firstBal float64 // its balance
}

func newKernelScratch(h int) kernelScratch {
	return kernelScratch{start: make([]int, h), i: make([]float64, h), l: make([]float64, h), f: make([]float64, h), pay: make([]float64, h)}
}

// walkHazard follows walk's path on stressed scenario s and returns
// sum over pieces of w*(multiplier sum over the piece) (times h0, the
// cumulative hazard), the trigger month and the peak payment ratio, without
// storing the path. It computes exactly what walk computes, operation for
// operation (TestWalkHazardMatchesWalk), but in three passes over the
// pieces: the rate path, then the annuity factors, then the balance and
// hazard. A monthly-reset loan needs an annuity (a log and an exp) every
// month; the annuities of different months do not depend on each other,
// so in a loop of their own the CPU overlaps several of them, where one
// loop interleaving them with the balance recursion ran at the latency of
// each. The passes call nothing, so Go keeps their locals in registers.
func (e *Evaluator) walkHazard(s int) (lam float64, trig int, peak float64) {
	ls := &e.ln
	cum, S := e.sc.cum[ls.series], e.sc.s

	// Pass 1: e.resetRate at each reset, by hand; a reset that leaves the
	// rate unchanged starts no piece.
	k := &e.kern
	resets := e.resets
	starts, rates, logs := k.start[:len(resets)], k.i[:len(resets)], k.l[:len(resets)]
	mons := e.sc.mon
	add, pcap, ceil := ls.add, ls.periodicCap, ls.rateCeil
	a, la, ag, split := ls.a, ls.la, ls.ag, ls.split
	io := ls.io
	rate := ls.rate0
	np := 0
	for _, tau := range resets {
		m := &mons[(tau-1)*S+s]
		free := m.ff + add
		nr := capRate(free, rate, pcap, ceil)
		if nr == rate {
			continue
		}
		rate = nr
		starts[np] = tau
		if nr == free && split && m.f < splitMax {
			rates[np] = m.f + a
			if !io {
				logs[np] = log1pSplit(la, ag, m.logF, m.shrunk)
			}
		} else {
			i := nr / 12
			rates[np] = i
			if !io {
				logs[np] = log1pMonthly(i)
			}
		}
		np++
	}
	starts, rates, logs = starts[:np], rates[:np], logs[:np]

	// Pass 2: the annuity factors, annuityFromLog with oneMinusExp by hand.
	factors := k.f[:np]
	if !io {
		remPlus1 := ls.remaining + 1
		for j, i := range rates {
			months := remPlus1 - starts[j] // ls.remaining - (tau-1)
			var f float64
			switch {
			case months <= 0:
			case i == 0:
				f = 1 / float64(months)
			default:
				x := -float64(float64(months) * logs[j])
				var om float64 // oneMinusExp(x)
				if x > expMinArg {
					fm := float64(x*expInvStep) + expRound
					kf := fm - expRound
					k := int64(math.Float64bits(fm) - expRoundBits)
					r := float64(x-float64(kf*expStepHi)) - float64(kf*expStepLo)
					r2 := r * r
					q := float64(r*(1.0/120)) + 1.0/24
					q = float64(r2*q) + (float64(r*(1.0/6)) + 0.5)
					p := float64(r2*q) + r
					hi, lo := exp2Hi[k&expTableMask], exp2Lo[k&expTableMask]
					scale := math.Float64frombits(uint64((k>>expTableBits)+1023) << 52)
					hs := float64(hi * scale)
					om = ((1 - hs) - float64(scale*lo)) - float64(hs*p)
				} else {
					om = 1 - expDet(x)
				}
				f = i / om
			}
			factors[j] = f
		}
	}

	// Pass 3: balance and payment of each piece, and affordability.
	pays := k.pay[:np]
	aMax, need := ls.aMax, ls.need
	start, bal, i, pay := 1, ls.b0, ls.rate0/12, ls.a0
	run := 0
	for j, tau := range starts {
		if tau > start {
			if trig == 0 {
				run, trig = afford(run, pay > aMax, start, tau-1, need)
			}
			if !io { // advance(bal, i, pay, tau-start, false)
				switch {
				case tau-start == 1:
					bal = max(0, bal+(float64(bal*i)-pay))
				case j == 0:
					// The first piece is today's rate and payment on every
					// scenario: its balance at month tau is computed once.
					bal = e.firstBalance(tau)
				default:
					bal = advanceMonths(bal, i, pay, tau-start)
				}
			}
		}
		i = rates[j]
		if io { // e.repay(bal, i, tau)
			pay = float64(bal * i)
		} else {
			pay = float64(bal * factors[j])
		}
		pays[j] = pay
		start = tau
	}
	if trig == 0 {
		_, trig = afford(run, pay > aMax, start, ls.n, need)
	}

	// Pass 4: payment factor (A/A0)^gamma, hazard and peak.
	peak = 1
	invA0 := ls.invA0
	w := 1.0
	start = 1
	if invA0 > 0 {
		tab := e.sc.pow.y
		for j, tau := range starts {
			if tau > start {
				lam += float64(w * (cum[(tau-1)*S+s] - cum[(start-1)*S+s]))
			}
			ratio := pays[j] * invA0
			// e.sc.pow.pow(ratio), by hand: the compiler will not inline it.
			if f := ratio * powTableSteps; f >= 0 && f < powTableSteps*powTableMax {
				k := int(f)
				y := tab[k : k+2 : k+2]
				w = y[0] + float64((f-float64(k))*(y[1]-y[0]))
			} else {
				w = e.sc.pow.outside(ratio)
			}
			if ratio > peak {
				peak = ratio
			}
			start = tau
		}
	} else if np > 0 {
		// A(0) = 0: the payment factor stays 1, so lam is one sum; added
		// piece by piece all the same, as walk does.
		for _, tau := range starts {
			if tau > start {
				lam += float64(w * (cum[(tau-1)*S+s] - cum[(start-1)*S+s]))
			}
			start = tau
		}
	}
	lam += float64(w * (cum[ls.n*S+s] - cum[(start-1)*S+s]))
	return lam, trig, peak
}

// firstBalance is the balance at the start of month tau > 2 of an
// amortising loan still at today's rate and payment: advance(b0, rate0/12,
// a0, tau-1), remembered for the last tau asked (most scenarios of a loan
// ask the same).
func (e *Evaluator) firstBalance(tau int) float64 {
	k := &e.kern
	if k.firstTau != tau {
		ls := &e.ln
		k.firstTau, k.firstBal = tau, advance(ls.b0, ls.rate0/12, ls.a0, tau-1, false)
	}
	return k.firstBal
}

// advanceMonths is advance for an amortising loan and k > 1, out of line.
func advanceMonths(bal, i, pay float64, k int) float64 { return advance(bal, i, pay, k, false) }

// kernelBatch is how many scenarios monthlyBatch advances together.
const kernelBatch = 32

// scenState is monthlyBatch's state and result for one scenario.
type scenState struct {
	bal, lam float64
	maxPay   float64 // the largest payment so far
	over     uint64  // bit t: the payment of month t exceeds the affordability cap
	peak     float64 // result: max(1, maxPay/A(0))
	// trig is the result's trigger: 0 if affordability never fails, else
	// non-zero (not the month: recordDefault gets that from walk).
	trig int
	// bad marks a scenario whose path the batch does not follow (see
	// monthlyBatch): walkHazard redoes it.
	bad bool
}

// batchState is monthlyBatch's state for kernelBatch scenarios.
type batchState [kernelBatch]scenState

// monthlyBatch is walkHazard for the commonest variable loan, one that
// resets every month with no caps (prime lines and prime amortising
// loans), on scenarios s0 .. s0+nb-1 at once, month by month. Within a
// month the scenarios do not depend on each other, so the CPU overlaps
// their annuities, payment factors and balance updates, where walkHazard,
// one scenario at a time, waits on each month's chain of a log, an exp and
// a division before the next month's balance; and a month of consecutive
// scenarios is contiguous in the month-major Scenarios.
//
// It performs walk's operations in walk's order, so the results are
// identical (TestWalkHazardMatchesWalk), for the paths it follows: every
// month a new rate (a regular scenario, and a first reset that changes
// today's rate) and payments within the power table (A/A(0) <
// powTableMax, checked once from the largest payment); it marks any other
// scenario bad. Affordability is a bit per month, and a run of need
// consecutive bits sets the trigger. Most loans never pass the cap, so the
// bits are kept only once a batch of the loan has had a payment over it
// (e.trackOver; the scenarios of that batch go to walkHazard): the results
// are the same either way.
func (e *Evaluator) monthlyBatch(s0, nb int) {
	ls := &e.ln
	S := e.sc.s
	cum, mons := e.sc.cum[ls.series], e.sc.mon
	t0, n := e.resets[0], ls.n
	sts := e.batchSt[:nb]

	// Months 1 .. t0-1 (a loan whose first payment is still ahead): one
	// piece at today's rate and payment, the same on every scenario.
	bal0, over0 := ls.b0, uint64(0)
	if t0 > 1 {
		bal0 = advance(ls.b0, ls.rate0/12, ls.a0, t0-1, ls.io)
		if ls.a0 > ls.aMax {
			over0 = (1<<t0 - 1) &^ 1 // months 1 .. t0-1
		}
	}
	first, zero := cum[(t0-1)*S+s0:][:nb], cum[s0:][:nb]
	m0, regular := mons[(t0-1)*S+s0:][:nb], e.sc.regular[s0:][:nb]
	for b := range sts {
		sts[b] = scenState{bal: bal0, over: over0, bad: !regular[b] || m0[b].ff+ls.add == ls.rate0}
		if t0 > 1 {
			sts[b].lam = first[b] - zero[b]
		}
	}

	a, la, ag, io, aMax := ls.a, ls.la, ls.ag, ls.io, ls.aMax
	track := e.trackOver || over0 != 0
	// f = pay*invA0*powTableSteps is exactly pow's f = (pay*invA0)*powTableSteps:
	// scaling by a power of 2 commutes with rounding.
	toTable := ls.invA0 * powTableSteps
	const lastK = powTableSteps*powTableMax - 1
	tab := e.sc.pow.y
	fac := e.batchF[:len(sts)]
	for t := t0; t <= n; t++ {
		mt := mons[(t-1)*S+s0:][:len(sts)]
		now, prev := cum[t*S+s0:][:len(sts)], cum[(t-1)*S+s0:][:len(sts)]
		if io {
			for b := range fac {
				fac[b] = mt[b].f + a // i: the payment is balance * i
			}
		} else {
			// The annuity factors of the month, in loops of their own: they
			// do not depend on one another or on the balances, and in short
			// loops the CPU overlaps several of their long chains (the
			// logarithms, then the exps and divisions). This is
			// annuityFromLog(i, log1pSplit(...), months) with oneMinusExp by
			// hand, as walkHazard's pass 2; i > 0 and months >= 1 here, and
			// |x| < 60, far inside oneMinusExp's range.
			negMonths := -float64(ls.remaining - (t - 1))
			for b := range fac {
				m := &mt[b]
				fac[b] = float64(negMonths * log1pSplit(la, ag, m.logF, m.shrunk)) // x = -(months*l), exactly
			}
			for b, x := range fac {
				fm := float64(x*expInvStep) + expRound
				kf := fm - expRound
				j := int64(math.Float64bits(fm) - expRoundBits)
				r := float64(x-float64(kf*expStepHi)) - float64(kf*expStepLo)
				r2 := r * r
				q := float64(r*(1.0/120)) + 1.0/24
				q = float64(r2*q) + (float64(r*(1.0/6)) + 0.5)
				p := float64(r2*q) + r
				hi, lo := exp2Hi[j&expTableMask], exp2Lo[j&expTableMask]
				scale := math.Float64frombits(uint64((j>>expTableBits)+1023) << 52)
				hs := float64(hi * scale)
				om := ((1 - hs) - float64(scale*lo)) - float64(hs*p)
				fac[b] = (mt[b].f + a) / om
			}
		}
		for b := range sts {
			c := &sts[b]
			bal := c.bal
			pay := float64(bal * fac[b])  // float64(): pay is subtracted below, so no fused multiply-add
			c.maxPay = max(c.maxPay, pay) // branch-free: payments rise and fall at random
			if track {
				var over uint64 // branch-free too
				if pay > aMax {
					over = 1
				}
				c.over |= over << t
			}
			if !io {
				// advance(bal, i, pay, 1, false)
				next := bal + (float64(bal*(mt[b].f+a)) - pay)
				if next < 0 {
					next = 0
				}
				c.bal = next
			}
			// e.sc.pow.pow(pay*invA0), by hand; a ratio beyond the table
			// reads its last entry here and marks the scenario bad below.
			f := float64(pay * toTable)
			kk := int(f)
			if uint(kk) > lastK { // also a NaN or infinite f of a bad scenario
				kk = lastK
			}
			y := tab[kk : kk+2 : kk+2]
			w := y[0] + float64((f-float64(kk))*(y[1]-y[0]))
			c.lam += float64(w * (now[b] - prev[b]))
		}
	}
	for b := range sts {
		c := &sts[b]
		c.peak = max(1, c.maxPay*ls.invA0) // max of the ratios: x*invA0 is monotone
		if !(c.peak < powTableMax) {
			c.bad = true
		}
		if !track && c.maxPay > aMax {
			// Untracked months over the cap: walkHazard redoes the
			// scenario, and later batches of the loan track them.
			c.bad = true
			e.trackOver = true
		}
		// A run of need consecutive unaffordable months: bit t of run is
		// set when months t .. t+k are all over.
		run := c.over
		for k := 1; k < ls.need && run != 0; k++ {
			run &= c.over >> k
		}
		c.trig = 0
		if run != 0 {
			c.trig = 1
		}
	}
}

// monthlyDefault is walk followed by recordDefault for a scenario
// monthlyBatch followed (every month a new rate from the split logarithm),
// with the same operations in the same order, so the same default month
// and loss (TestMonthlyBatchGivesTheOneByOneResults), but month by month
// without building the path and only up to the default: risky loans
// default in many scenarios. The trigger month is known by the month it
// completes, which is all recordDefault's test t >= trig needs.
func (e *Evaluator) monthlyDefault(s int, u float64) {
	ls := &e.ln
	S := e.sc.s
	cum := e.sc.cum[ls.series]
	t0, n := e.resets[0], ls.n
	target := -math.Log1p(-u) // default when h0 * lambda(t) reaches it
	run, trig := 0, 0
	var lam float64
	bal := ls.b0
	if t0 > 1 { // the piece [1, t0-1] at today's rate, payment factor 1
		run, trig = afford(0, ls.a0 > ls.aMax, 1, t0-1, ls.need)
		for t := 1; t < t0; t++ {
			if lt := cum[t*S+s] - cum[s]; (trig > 0 && t >= trig) || ls.h0*lt >= target {
				e.addLoss(s, t, advance(ls.b0, ls.rate0/12, ls.a0, t-1, ls.io))
				return
			}
		}
		lam = cum[(t0-1)*S+s] - cum[s]
		bal = advance(ls.b0, ls.rate0/12, ls.a0, t0-1, ls.io)
	}
	for t := t0; t <= n; t++ {
		m := &e.sc.mon[(t-1)*S+s]
		i := m.f + ls.a
		var pay float64
		if ls.io {
			pay = float64(bal * i)
		} else { // e.repay(bal, i, l, t)
			x := -float64(float64(ls.remaining-(t-1)) * log1pSplit(ls.la, ls.ag, m.logF, m.shrunk))
			pay = float64(bal * (i / oneMinusExp(x)))
		}
		if trig == 0 {
			run, trig = afford(run, pay > ls.aMax, t, t, ls.need)
		}
		lt := lam + float64(e.sc.pow.pow(pay*ls.invA0)*(cum[t*S+s]-cum[(t-1)*S+s]))
		if (trig > 0 && t >= trig) || ls.h0*lt >= target || t == n {
			// At n without reaching the target: rounding at the boundary,
			// the default is in the last month at risk all the same.
			e.addLoss(s, t, bal)
			return
		}
		lam = lt
		if !ls.io { // advance(bal, i, pay, 1, false)
			bal = max(0, bal+(float64(bal*i)-pay))
		}
	}
}
