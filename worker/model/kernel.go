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
	H := e.sc.h
	row := e.sc.cum[ls.series][s*(H+1) : (s+1)*(H+1)]
	ffs := e.sc.fedFunds[s*H : (s+1)*H]

	// Pass 1: e.resetRate at each reset, by hand; a reset that leaves the
	// rate unchanged starts no piece.
	k := &e.kern
	resets := e.resets
	starts, rates, logs := k.start[:len(resets)], k.i[:len(resets)], k.l[:len(resets)]
	mons := e.sc.mon[s*H : (s+1)*H]
	add, pcap, ceil := ls.add, ls.periodicCap, ls.rateCeil
	a, la, ag, split := ls.a, ls.la, ls.ag, ls.split
	io := ls.io
	rate := ls.rate0
	np := 0
	for _, tau := range resets {
		free := ffs[tau-1] + add
		nr := capRate(free, rate, pcap, ceil)
		if nr == rate {
			continue
		}
		rate = nr
		starts[np] = tau
		if m := &mons[tau-1]; nr == free && split && m.f < splitMax {
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
					q = float64(r2*q) + float64(r*(1.0/6)) + 0.5
					p := float64(r2*q) + r
					hi, lo := exp2Hi[k&expTableMask], exp2Lo[k&expTableMask]
					scale := math.Float64frombits(uint64((k>>expTableBits)+1023) << 52)
					om = (1 - float64(hi*scale)) - float64(scale*(lo+float64(hi*p)))
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
				if tau-start == 1 {
					bal = max(0, bal+(float64(bal*i)-pay))
				} else {
					bal = advanceMonths(bal, i, pay, tau-start)
				}
			}
		}
		i = rates[j]
		if io { // e.repay(bal, i, tau)
			pay = bal * i
		} else {
			pay = bal * factors[j]
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
				lam += float64(w * (row[tau-1] - row[start-1]))
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
				lam += float64(w * (row[tau-1] - row[start-1]))
			}
			start = tau
		}
	}
	lam += float64(w * (row[ls.n] - row[start-1]))
	return lam, trig, peak
}

// advanceMonths is advance for an amortising loan and k > 1, out of line.
func advanceMonths(bal, i, pay float64, k int) float64 { return advance(bal, i, pay, k, false) }
