package model

// A commercial line on the margin grid carries two terms a card does not:
// the DSCR term exp(etaDSCR max(0, knee - DSCR_s(t))) of its hazard and
// the refinancing test at its maturity inside the horizon. gridTerms adds
// them to what the grid gives.
//
// The DSCR term is exactly 1 in every month of a scenario where the line's
// NOI at the scenario's lowest NOI factor covers knee times its largest
// payment, and there the grid's hazard is the walk's. In the other
// scenarios the month-by-month walk adds sum_t w(t) (e^z(t) - 1) (cum(t) -
// cum(t-1)) over the months where the term is above 1: the walk's hazard
// less the grid's, continuous in every input, so a small change of margin
// or NOI cannot jump the hazard by the grid's interpolation error.
//
// Only revolving loans take the grid with these terms: their loss is the
// same in every month, so no default needs the DSCR term's month.

// gridTerms are one line's DSCR and refinancing terms on the grid, per
// path set (0 stressed, 1 baseline).
type gridTerms struct {
	e    *Evaluator
	t0   int
	dscr [2]bool // the DSCR term can bind on the path set
	// top[k][s] is the largest index rate of scenario s: no payment is
	// above max(a0, b0*(top + c)), so a scenario whose lowest NOI covers
	// knee times that has no DSCR term.
	top [2][]float64
	cum [2][]float64
	ps  [2]*pathSet
	// qS and qB hold a block's refinancing failure probabilities.
	qS, qB [kernelBatch]float64
}

// newGridTerms prepares the prepared loan's terms; a card's are empty.
func (e *Evaluator) newGridTerms(t0 int, cumS, cumB []float64) *gridTerms {
	ls := &e.ln
	sc := e.sc
	g := &e.gt
	*g = gridTerms{e: e, t0: t0, dscr: ls.dscr, cum: [2][]float64{cumS, cumB}, ps: [2]*pathSet{&sc.stress, &sc.base}}
	for k := range 2 {
		if g.dscr[k] {
			g.top[k] = e.gridMax(k == 1, t0)[:sc.s]
		}
	}
	return g
}

// addDSCR adds the DSCR term's correction to the cumulative hazards over
// h0 of the block's scenarios s0.. on the stressed (xS) and baseline (xB)
// paths.
func (g *gridTerms) addDSCR(xS, xB []float64, s0 int) {
	if g.dscr == [2]bool{} {
		return
	}
	e := g.e
	ls := &e.ln
	p := &e.p
	c := ls.a + ls.minPrin
	for k, x := range [2][]float64{xS, xB} {
		if !g.dscr[k] {
			continue
		}
		minNF := g.ps[k].sMinNF[s0 : s0+len(x)]
		top := g.top[k][s0 : s0+len(x)]
		for b := range x {
			// The largest payment, with a relative margin far above
			// rounding, so a scenario passed here has no month at the knee.
			pay := float64(ls.b0 * (top[b] + c))
			if g.t0 > 1 {
				pay = max(pay, ls.a0)
			}
			if float64(ls.noiMonth*minNF[b]) > float64(float64(p.DSCRKnee*pay)*(1+1e-9)) {
				continue
			}
			x[b] += g.dscrWalk(k, s0+b)
		}
	}
}

// dscrWalk is sum_t w(t) (e^z(t) - 1) (cum(t) - cum(t-1)) on scenario s of
// path set k, with walkBatch's payment, payment factor w and DSCR term z.
func (g *gridTerms) dscrWalk(k, s int) float64 {
	e := g.e
	ls := &e.ln
	p := &e.p
	sc := e.sc
	ps, cum := g.ps[k], g.cum[k]
	idx := ps.index(ls.prime)
	var add float64
	for t := 1; t <= ls.n; t++ {
		m := sc.at(t, s)
		pay := ls.a0
		if t >= g.t0 {
			pay = float64(ls.b0 * (float64(idx[m].f+ls.a) + ls.minPrin))
		}
		if !(pay > 0) {
			continue
		}
		r := float64(ls.noiMonth*ps.nf[m]) / pay
		if !(r < p.DSCRKnee) {
			continue // the term is 1: nothing to add
		}
		w := 1.0
		if t >= g.t0 {
			w = sc.pow.pow(float64(pay * ls.invA0))
		}
		z := float64(p.EtaDSCR * (p.DSCRKnee - r))
		add += float64(float64(w*(expTab(z)-1)) * (cum[m] - cum[m-kernelBatch]))
	}
	return add
}

// refi returns the refinancing failure probabilities of the block's
// scenarios s0..s0+nb-1 on the stressed and baseline paths (refiFail, for
// the constant drawn balance), or nils when the line does not mature
// inside the horizon.
func (g *gridTerms) refi(s0, nb int) (qS, qB []float64) {
	e := g.e
	ls := &e.ln
	if !ls.refi {
		return nil, nil
	}
	for k, q := range [2][]float64{g.qS[:nb], g.qB[:nb]} {
		ps := g.ps[k]
		idx := ps.index(ls.prime)
		for b := range q {
			q[b] = e.refiFail(ps, idx, s0+b, ls.n, ls.b0)
		}
	}
	return g.qS[:nb], g.qB[:nb]
}
