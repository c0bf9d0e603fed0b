package model

import (
	"math"
	"sync"
	"sync/atomic"
)

// The margin grid is the fast path of the most common loan of a bank's book
// by count, the credit card, and of any interest-only loan that resets every
// month to its index plus a margin with no cap, ceiling, LTV, DSCR or
// refinancing term. Such a loan pays bal*(f_t + c) in month t >= t0 (its
// first reset), f_t the index's monthly rate and c = margin/12 + minimum
// principal, against bal*d today, d = rate0/12 + minimum principal; its
// payment factor is ((f_t + c)/d)^gamma and its cumulative hazard over h0
// on scenario s through month n is
//
//	lam_s = cum_s(t0-1) + d^-gamma * G_s(c),
//	G_s(c) = sum_{t=t0..n} (f_t + c)^gamma (cum_s(t) - cum_s(t-1)).
//
// G_s depends on the loan only through c, smoothly, so the Scenarios keep it
// at the nodes c_j = j*marginGridStep (per path set, index, hazard series,
// t0 and n; built on first use) and a loan interpolates it with the cubic
// through the four nodes around its c: a few multiplies per scenario
// instead of walking 2n months. The interpolation's relative error is below
// about 1e-8 (TestMarginGridAgreesWithTheWalk), the
// size of the payment table's own error; the default month of a default is
// still found by walking that one scenario.
const (
	// marginGridStep is the node spacing in c, 1/2048 a month (0.59% a
	// year): c/marginGridStep is exact.
	marginGridStep = 1.0 / 2048
	// marginGridFine is where the coarse grid starts (|c| of 1/256 a month,
	// 4.7% a year); below it the nodes are marginGridStep/4 apart, which
	// keeps commercial lines and home equity lines (small margins, f + c
	// near 1% a month) at the cards' error.
	marginGridFine = 8 * marginGridStep
	// marginGridMinSteps is the smallest index rate plus c a loan's paths
	// may reach, in steps of its grid (0.004 a month, 4.8% a year, on the
	// coarse grid, a quarter of it on the fine): below it (f + c)^gamma
	// bends too sharply for the cubic. marginGridMaxC bounds c, 72% a year.
	marginGridMinSteps = 8
	marginGridMaxC     = 0.06
	// marginGridMaxScenarios bounds the grid's memory (8*S bytes a node,
	// about 1,000 nodes for a book of cards in every band, and 16*S*H bytes
	// of gridSteps per series: about 130 MB at S = 10,000 and H = 27):
	// larger runs walk every loan. The choice depends only on the run, never on what the
	// cache holds, so results do not depend on the order loans arrive in.
	marginGridMaxScenarios = 10_000
)

// gridKey names one node of the margin grid, or with j = -1 the index's
// maximum over months t0..n (gridMax), with j = -2 gridSteps' table, with
// series = -3 the powers (f + c_j)^gamma of node j (gridPowers).
type gridKey struct {
	base   bool // baseline path set (else stressed)
	prime  bool // prime index (else SOFR)
	fine   bool // the fine grid (c = j*marginGridStep/4)
	series int
	t0, n  int
	j      int
	chunk  int // gridSumsNode's chunk + 1 (0: not a sums node)
}

// gridNodes are the Scenarios' margin-grid nodes, built on first use and
// shared by every Evaluator.
type gridNodes struct {
	mu    sync.Mutex
	nodes map[gridKey]*gridNode
	// powBytes is what gridPowers' tables hold, at most gridPowersMaxBytes.
	powBytes atomic.Int64
}

// gridPowersMaxBytes bounds the memory of gridPowers' tables (8*S*H bytes
// each; at S = 1,000 and H = 27 this holds about 300).
const gridPowersMaxBytes = 64 << 20

type gridNode struct {
	once sync.Once
	v    []float64
}

// gridCached returns the node of key k, building it with build on first
// use; the Evaluator keeps its own map of nodes it has seen, so the shared
// map's lock is taken once per node and goroutine.
func (e *Evaluator) gridCached(k gridKey, build func() []float64) []float64 {
	if v, ok := e.grid[k]; ok {
		return v
	}
	g := &e.sc.grid
	g.mu.Lock()
	if g.nodes == nil {
		g.nodes = make(map[gridKey]*gridNode)
	}
	nd := g.nodes[k]
	if nd == nil {
		nd = &gridNode{}
		g.nodes[k] = nd
	}
	g.mu.Unlock()
	nd.once.Do(func() { nd.v = build() })
	e.grid[k] = nd.v
	return nd.v
}

// gridNode returns G_s(c_j) for every scenario s of the path set, in
// scenario order, c_j = j*marginGridStep (fine: a quarter of it).
func (e *Evaluator) gridNode(ps *pathSet, base bool, cum []float64, t0 int, fine bool, j int) []float64 {
	ls := &e.ln
	k := gridKey{base: base, prime: ls.prime, fine: fine, series: ls.series, t0: t0, n: ls.n, j: j}
	return e.gridCached(k, func() []float64 {
		sc := e.sc
		c := float64(j) * gridSpacing(fine)
		idx := ps.index(ls.prime)
		pw := e.gridPowers(ps, base, fine, j)
		v := make([]float64, sc.s)
		for s := range v {
			var acc float64
			for t := t0; t <= ls.n; t++ {
				m := sc.at(t, s)
				var p float64
				if pw != nil {
					p = pw[s*sc.h+t-1]
				} else {
					p = powDet(idx[m].f+c, sc.p.Gamma)
				}
				acc += float64(p * (cum[m] - cum[m-kernelBatch]))
			}
			v[s] = acc
		}
		return v
	})
}

// gridPowers returns (f_t + c_j)^gamma for every scenario s and month t =
// 1..H of the path set at s*H + t-1, or nil once the tables hold
// gridPowersMaxBytes. Nodes of the same c_j for other hazard series, first
// resets and maturities (a book of lines has many) read their powers here
// instead of computing them again; the values are powDet's either way, so
// whether a table exists never changes a result.
func (e *Evaluator) gridPowers(ps *pathSet, base, fine bool, j int) []float64 {
	ls := &e.ln
	k := gridKey{base: base, prime: ls.prime, fine: fine, series: -3, j: j}
	return e.gridCached(k, func() []float64 {
		sc := e.sc
		size := int64(8 * sc.s * sc.h)
		if sc.grid.powBytes.Add(size) > gridPowersMaxBytes {
			sc.grid.powBytes.Add(-size)
			return nil
		}
		c := float64(j) * gridSpacing(fine)
		idx := ps.index(ls.prime)
		v := make([]float64, sc.s*sc.h)
		for s := range sc.s {
			for t := 1; t <= sc.h; t++ {
				v[s*sc.h+t-1] = powDet(idx[sc.at(t, s)].f+c, sc.p.Gamma)
			}
		}
		return v
	})
}

// gridMax returns, per scenario s in order, the largest monthly index rate
// over months t0..n on the stressed (or baseline) paths: the peak payment,
// and where a line's DSCR term cannot bind.
func (e *Evaluator) gridMax(base bool, t0 int) []float64 {
	ls := &e.ln
	k := gridKey{base: base, prime: ls.prime, series: -1, t0: t0, n: ls.n, j: -1}
	return e.gridCached(k, func() []float64 {
		sc := e.sc
		ps := &sc.stress
		if base {
			ps = &sc.base
		}
		idx := ps.index(ls.prime)
		v := make([]float64, sc.s)
		for s := range v {
			top := math.Inf(-1)
			for t := t0; t <= ls.n; t++ {
				top = max(top, idx[sc.at(t, s)].f)
			}
			v[s] = top
		}
		return v
	})
}

// gridWeights returns the nodes around c, as the first of four on the fine
// (step marginGridStep/4, |c| below marginGridFine) or the coarse grid, and the
// cubic's Lagrange weights on them. Lines at small margins sit where
// (f + c)^gamma bends most; the fine step keeps their error at the cards'.
func gridWeights(c float64) (fine bool, j int, w [4]float64) {
	fine = onFineGrid(c)
	x := c / gridSpacing(fine)
	j = int(math.Floor(x)) - 1
	return fine, j, cubicWeights(x - float64(j)) // x - j in [1, 2)
}

// onFineGrid reports whether c's nodes are on the fine grid.
func onFineGrid(c float64) bool { return math.Abs(c) < marginGridFine }

// gridSpacing is the distance between nodes of the fine or coarse grid.
func gridSpacing(fine bool) float64 {
	if fine {
		return marginGridStep / 4
	}
	return marginGridStep
}

// onMarginGrid reports whether the prepared loan takes gridPath: variable,
// interest only, reset every month from its first reset t0 to the index
// plus a margin without a periodic cap, no LTV term, a DSCR or
// refinancing term only if revolving (a commercial line: gridTerms),
// |c| <= marginGridMaxC, and on every path an index plus margin above 0
// (no floor) and below the lifetime ceiling (if any), and f + c at least
// marginGridMinSteps steps of c's grid (the cubic's error grows as
// (step/(f + c))^4).
func (e *Evaluator) onMarginGrid() bool {
	ls := &e.ln
	sc := e.sc
	// A DSCR or refinancing term only on a revolving loan: gridTerms adds
	// them, and a revolving loan's default needs no month.
	terms := ls.dscr != [2]bool{} || ls.refi
	if !ls.variable || !ls.io || !(ls.a0 > 0) || ls.periodicCap != 0 ||
		ls.ltv != [2]bool{} || (terms && !ls.revolving) || e.generic || e.noGrid ||
		sc.s > marginGridMaxScenarios || len(e.resets) == 0 {
		return false
	}
	t0 := e.resets[0]
	c := ls.a + ls.minPrin
	if len(e.resets) != ls.n-t0+1 || !(math.Abs(c) <= marginGridMaxC) || !(ls.rate0/12+ls.minPrin > 0) {
		return false
	}
	step := gridSpacing(onFineGrid(c))
	k := 0
	if ls.prime {
		k = 1
	}
	for _, ps := range []*pathSet{&sc.stress, &sc.base} {
		if !(ps.ffLo[k]+ls.add > 0) || ps.ffHi[k]+ls.add >= ls.rateCeil || ps.ffLo[k]/12+c < marginGridMinSteps*step {
			return false
		}
	}
	return true
}

// gridPath evaluates a margin-grid loan: per scenario its stressed and
// baseline PDs from the interpolated grid (plus, for a line, its DSCR
// term's correction and its refinancing test: gridTerms), its peak payment
// from the index's running maximum, and its default (one uniform, scenario
// order, as every path).
func (e *Evaluator) gridPath() pathStats {
	ls := &e.ln
	sc := e.sc
	S, h0 := sc.s, ls.h0
	t0 := e.resets[0]
	c := ls.a + ls.minPrin
	invD := 1 / (ls.rate0/12 + ls.minPrin)
	dg := powDet(invD, sc.p.Gamma) // d^-gamma
	fine, j0, wt := gridWeights(c)
	if ls.gridSums = e.onGridSums(t0, h0*dg); ls.gridSums {
		return e.gridSumsPath(t0, c, invD, dg, fine, j0, wt)
	}
	cumS := sc.cumTable(&sc.stress, ls.series)
	cumB := sc.cumTable(&sc.base, ls.series)
	var gS, gB [4][]float64
	for j := range 4 {
		gS[j] = e.gridNode(&sc.stress, false, cumS, t0, fine, j0+j)[:S]
		gB[j] = e.gridNode(&sc.base, true, cumB, t0, fine, j0+j)[:S]
	}
	top := e.gridMax(false, t0)[:S]
	terms := e.newGridTerms(t0, cumS, cumB)
	steps := e.gridDefaultSteps(cumS)
	w, pdS := sc.weight[:S], e.pdS[:S]
	st := pathStats{maxPeak: 1}
	src := e.src
	bt := &e.bt
	for s0 := 0; s0 < S; s0 += kernelBatch {
		nb := min(kernelBatch, S-s0)
		// Three loops over the block, none waiting on another scenario's
		// result, so the CPU overlaps their long chains: the cumulative
		// hazards, then 1 - e^-x, then the draws and sums in scenario order.
		xS, xB := bt.lam[:nb], bt.q[:nb]
		// The block's slices of the nodes, so the loop needs no bounds checks.
		s0g, s1g, s2g, s3g := gS[0][s0:s0+nb], gS[1][s0:s0+nb], gS[2][s0:s0+nb], gS[3][s0:s0+nb]
		b0g, b1g, b2g, b3g := gB[0][s0:s0+nb], gB[1][s0:s0+nb], gB[2][s0:s0+nb], gB[3][s0:s0+nb]
		for b := range xS {
			var preS, preB float64 // the hazard before the first reset; cum(0) is 0
			if t0 > 1 {
				k := sc.at(t0-1, s0+b)
				preS, preB = cumS[k], cumB[k]
			}
			xS[b] = preS + float64(dg*(float64(wt[0]*s0g[b])+float64(wt[1]*s1g[b])+float64(wt[2]*s2g[b])+float64(wt[3]*s3g[b])))
			xB[b] = preB + float64(dg*(float64(wt[0]*b0g[b])+float64(wt[1]*b1g[b])+float64(wt[2]*b2g[b])+float64(wt[3]*b3g[b])))
		}
		terms.addDSCR(xS, xB, s0)
		// -h0 x (negation is exact), then 1 - e^-(h0 x) without hazardPD's
		// branch, which x straddles from one scenario to the next
		// (mispredicted, it cost more than the series it saves);
		// oneMinusExp is as exact for small x.
		for b := range xS {
			xS[b], xB[b] = -h0*xS[b], -h0*xB[b]
		}
		oneMinusExpBlock(xS)
		oneMinusExpBlock(xB)
		qS, qB := terms.refi(s0, nb)
		for b := range nb {
			s := s0 + b
			haz, pd, pdB := xS[b], xS[b], xB[b]
			if qS != nil {
				pd = haz + (1-haz)*qS[b]
				pdB += (1 - pdB) * qB[b]
				st.sumQ += w[s] * qS[b]
			}
			u := uniform(src.Uint64())
			pdS[s] = pd
			st.sumStress += w[s] * pd
			st.sumBase += w[s] * pdB
			st.addPeak(float64((top[s] + c) * invD))
			if u < pd {
				e.gridRecordDefault(s, u, steps, t0, c, invD)
			}
		}
	}
	e.src = src
	st.ssStress = e.squaredDeviations(e.pdS, st.sumStress/sc.wsum)
	return st
}

// gridDefaultSteps returns gridSteps' table for a loan whose defaults
// need their month, nil for a revolving loan: its loss is the same
// whatever month it defaults in (EAD drawn + CCF x undrawn, a flat LGD),
// so its defaults skip the month's search, a third of a card's time.
func (e *Evaluator) gridDefaultSteps(cum []float64) []float64 {
	if e.ln.revolving {
		return nil
	}
	return e.gridSteps(cum)
}

// gridRecordDefault records a margin-grid loan's default with uniform u on
// scenario s: a revolving loan's in month 0 (the month changes nothing,
// and a failed refinancing's loss is the hazard default's), any other's
// in the month gridDefault finds on steps (gridDefaultSteps).
func (e *Evaluator) gridRecordDefault(s int, u float64, steps []float64, t0 int, c, invD float64) {
	if e.ln.revolving {
		e.addLoss(s, 0, e.ln.b0)
		return
	}
	e.gridDefault(s, u, steps, t0, c, invD)
}

// addPeak adds one scenario's peak payment ratio, at least 1, to the sum
// and the maximum: max by comparisons, since Go's max handles NaN and
// signed zeros in a long sequence and neither reaches here (the grid's
// index rates and margins are finite, the ratio is at least 1).
func (st *pathStats) addPeak(peak float64) {
	if !(peak > 1) {
		peak = 1
	}
	st.sumPeak += peak
	if peak > st.maxPeak {
		st.maxPeak = peak
	}
}

// gridSteps returns, for every scenario s and month t = 1..H of the
// stressed paths, the index's monthly rate and the series' hazard
// multiplier of the month, cum(t) - cum(t-1), as the pair at 2(s H + t - 1):
// gridDefault's walk reads one scenario's months from consecutive memory
// instead of one cache line a month.
func (e *Evaluator) gridSteps(cum []float64) []float64 {
	ls := &e.ln
	k := gridKey{prime: ls.prime, series: ls.series, j: -2}
	return e.gridCached(k, func() []float64 {
		sc := e.sc
		H := sc.h
		idx := sc.stress.index(ls.prime)
		v := make([]float64, 2*sc.s*H)
		for s := range sc.s {
			row := v[2*s*H : 2*(s+1)*H]
			for t := 1; t <= H; t++ {
				m := sc.at(t, s)
				row[2*(t-1)], row[2*(t-1)+1] = idx[m].f, cum[m]-cum[m-kernelBatch]
			}
		}
		return v
	})
}

// gridDefault records the default with uniform u on scenario s of a
// margin-grid loan: in the first month where h0 times its cumulative hazard,
// walked month by month, reaches -ln(1-u) (the last month at risk if
// rounding keeps it short), for the drawn balance (EAD: drawn + CCF x
// undrawn, the same in every month). steps is gridSteps' table.
func (e *Evaluator) gridDefault(s int, u float64, steps []float64, t0 int, c, invD float64) {
	ls := &e.ln
	sc := e.sc
	target := -math.Log1p(-u)
	n := ls.n
	row := steps[2*s*sc.h : 2*(s*sc.h+n)]
	month := n
	var lam float64
	for t := 1; t <= n; t++ {
		f, d := row[2*(t-1)], row[2*(t-1)+1]
		w := 1.0
		if t >= t0 {
			w = sc.pow.pow(float64((f + c) * invD))
		}
		lam += float64(w * d)
		if ls.h0*lam >= target {
			month = t
			break
		}
	}
	e.addLoss(s, month, ls.b0)
}
