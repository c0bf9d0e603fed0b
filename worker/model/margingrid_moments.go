package model

import "math"

// The margin grid's sums. A margin-grid loan without a DSCR or refinancing
// term whose first reset is month 1 (every card and most home equity
// lines) has, on scenario s, the cumulative hazard alpha G_s(c) with alpha
// = h0 d^-gamma: its PDs over the scenarios depend on the loan only
// through (alpha, c). So do the sums a Result needs: the mean stressed and
// baseline PDs and the spread of the stressed PDs,
//
//	F1 = sum_s w_s p_s, F2 = sum_s w_s^2 p_s^2, F3 = sum_s w_s^2 p_s,
//	p_s = 1 - exp(-alpha G_s(c)),
//
// and the Scenarios keep them at nodes of ln(alpha) momentStep apart (in
// chunks of momentChunk, built on first use) for each margin node c_j. A
// loan interpolates them with the cubic in ln(alpha) and in c: sixteen
// nodes per sum instead of an exponential per scenario. Its relative error
// is about 1e-9 (TestGridSumsAgreeWithTheScenarios), below the margin
// grid's own. Per scenario the loan then only draws its uniform and, when
// that falls below its hazard alpha G_s(c) (1 - e^-x <= x), computes the
// PD and records a default exactly as gridPath's per-scenario loop would:
// the same defaults, the same losses.
const (
	momentStep   = 1.0 / 128 // node spacing in ln(alpha); x/momentStep is exact
	momentChunk  = 64        // nodes built together
	momentOffset = 4096      // node index of alpha = 1: ln(alpha) from -32
	// momentMinLn and momentMaxLn bound ln(alpha): a loan outside takes
	// the per-scenario sums (no node index below 0).
	momentMinLn = -30
	momentMaxLn = 8
)

// onGridSums reports whether the prepared margin-grid loan takes the
// grid's sums: first reset in month 1, no DSCR or refinancing term, alpha
// inside the nodes.
func (e *Evaluator) onGridSums(t0 int, alpha float64) bool {
	ls := &e.ln
	if e.noSums || t0 != 1 || ls.dscr != [2]bool{} || ls.refi || !(alpha > 0) {
		return false
	}
	u := math.Log(alpha)
	return u > momentMinLn && u < momentMaxLn
}

// gridSumsNode returns F1, F2 and F3 (interleaved) at the chunk's
// momentChunk nodes of alpha for margin node j of the path set.
func (e *Evaluator) gridSumsNode(ps *pathSet, base bool, cum []float64, fine bool, j, chunk int) []float64 {
	ls := &e.ln
	k := gridKey{base: base, prime: ls.prime, fine: fine, series: ls.series, t0: 1, n: ls.n, j: j, chunk: chunk + 1}
	return e.gridCached(k, func() []float64 {
		sc := e.sc
		g := e.gridNode(ps, base, cum, 1, fine, j)[:sc.s]
		w := sc.weight[:sc.s]
		out := make([]float64, 3*momentChunk)
		var x [kernelBatch]float64
		for i := range momentChunk {
			alpha := expDet(float64(chunk*momentChunk+i-momentOffset) * momentStep)
			var f1, f2, f3 float64
			for s0 := 0; s0 < sc.s; s0 += kernelBatch {
				xb := x[:min(kernelBatch, sc.s-s0)]
				gb, wb := g[s0:s0+len(xb)], w[s0:s0+len(xb)]
				for b := range xb {
					xb[b] = -alpha * gb[b]
				}
				oneMinusExpBlock(xb)
				for b, p := range xb {
					wp := wb[b] * p
					f1 += wp
					f2 += wp * wp
					f3 += wb[b] * wp
				}
			}
			out[3*i], out[3*i+1], out[3*i+2] = f1, f2, f3
		}
		return out
	})
}

// gridSums interpolates F1, F2 and F3 of the path set at (alpha, c), c
// given by gridWeights' nodes j0.. and weights wt.
func (e *Evaluator) gridSums(ps *pathSet, base bool, cum []float64, fine bool, j0 int, wt [4]float64, alpha float64) (f [3]float64) {
	pos := math.Log(alpha)/momentStep + momentOffset
	k0 := int(math.Floor(pos)) - 1
	wa := cubicWeights(pos - float64(k0))
	c0, c3 := k0/momentChunk, (k0+3)/momentChunk
	for jc := range 4 {
		var a [3]float64
		// One lookup when the four nodes share a chunk (61 times in 64).
		m0 := e.gridSumsNode(ps, base, cum, fine, j0+jc, c0)
		m3 := m0
		if c3 != c0 {
			m3 = e.gridSumsNode(ps, base, cum, fine, j0+jc, c3)
		}
		for ka := range 4 {
			k := k0 + ka
			m := m0
			if k/momentChunk != c0 {
				m = m3
			}
			i := 3 * (k % momentChunk)
			for r := range a {
				a[r] += wa[ka] * m[i+r]
			}
		}
		for r := range f {
			f[r] += wt[jc] * a[r]
		}
	}
	return f
}

// gridSumsPath is gridPath for a loan onGridSums admits: the sums from the
// grid's, and per scenario the uniform, the peak payment and, below the
// hazard, the exact PD and the default.
func (e *Evaluator) gridSumsPath(t0 int, c, invD, dg float64, fine bool, j0 int, wt [4]float64) pathStats {
	ls := &e.ln
	sc := e.sc
	S, h0 := sc.s, ls.h0
	alpha := h0 * dg
	cumS := sc.cumTable(&sc.stress, ls.series)
	cumB := sc.cumTable(&sc.base, ls.series)
	fS := e.gridSums(&sc.stress, false, cumS, fine, j0, wt, alpha)
	fB := e.gridSums(&sc.base, true, cumB, fine, j0, wt, alpha)
	mean := fS[0] / sc.wsum
	st := pathStats{maxPeak: 1, sumStress: fS[0], sumBase: fB[0]}
	// sum w^2 (p - mean)^2 from the moments; rounding can leave it a hair
	// below 0 where every p is the same.
	st.ssStress = max(0, fS[1]-2*mean*fS[2]+mean*mean*sc.w2sum)
	var gS [4][]float64
	for j := range 4 {
		gS[j] = e.gridNode(&sc.stress, false, cumS, t0, fine, j0+j)[:S]
	}
	top := e.gridMax(false, t0)[:S]
	steps := e.gridDefaultSteps(cumS)
	src := e.src
	g0, g1, g2, g3 := gS[0], gS[1], gS[2], gS[3]
	for s := range S {
		u := uniform(src.Uint64())
		st.addPeak(float64((top[s] + c) * invD))
		// gridPath's hazard, bit for bit (its hazard before the first
		// reset is 0 here).
		x := h0 * (0 + float64(dg*(float64(wt[0]*g0[s])+float64(wt[1]*g1[s])+float64(wt[2]*g2[s])+float64(wt[3]*g3[s]))))
		// 1 - e^-x <= x: no default when u is above x (with a margin far
		// above rounding).
		if !(u < x*(1+1e-12)) {
			continue
		}
		if pd := oneMinusExp(-x); u < pd {
			e.gridRecordDefault(s, u, steps, t0, c, invD)
		}
	}
	e.src = src
	return st
}

// cubicWeights are the Lagrange weights of the cubic through nodes 0..3 at
// q in [1, 2).
func cubicWeights(q float64) [4]float64 {
	q1, q2, q3 := q-1, q-2, q-3
	return [4]float64{
		-float64(float64(q1*q2)*q3) / 6,
		float64(float64(q*q2)*q3) / 2,
		-float64(float64(q*q1)*q3) / 2,
		float64(float64(q*q1)*q2) / 6,
	}
}
