package model

import (
	"cmp"
	"slices"
)

// Band is the distribution over scenarios of one variable, month by month
// (t = 0..H): the (likelihood-weighted) mean and the 5% and 95% points.
type Band struct {
	Mean []float64 `json:"mean"`
	P5   []float64 `json:"p5"`
	P95  []float64 `json:"p95"`
}

// PathBands summarises the stressed scenario paths for reports: the policy
// rate, unemployment, and the house and commercial real estate price
// indices.
type PathBands struct {
	FedFunds     Band `json:"fed_funds"`
	Unemployment Band `json:"unemployment"`
	HPI          Band `json:"hpi"`
	CRE          Band `json:"cre"`
}

// Weight is scenario s's likelihood ratio under importance sampling
// (Params.TailShift): exp(sum_t (mu^2/2 - mu Z'_e(t))) over its shifted
// credit-cycle draws; 1 for every scenario of a plain run. Weighted
// statistics divide by the sum of the weights.
func (sc *Scenarios) Weight(s int) float64 { return sc.weight[s] }

// PathBands summarises the stressed scenarios' paths (see PathBands): per
// month the weighted mean and the weighted 5% and 95% points (the smallest
// value whose cumulative weight share reaches 5% or 95%).
func (sc *Scenarios) PathBands() PathBands {
	return PathBands{
		FedFunds:     sc.band(sc.fedFunds),
		Unemployment: sc.band(sc.unemp),
		HPI:          sc.band(sc.stress.hpi),
		CRE:          sc.band(sc.stress.cre),
	}
}

// band summarises a path array (at(t, s), t = 0..H).
func (sc *Scenarios) band(v []float64) Band {
	S, H := sc.s, sc.h
	b := Band{Mean: make([]float64, H+1), P5: make([]float64, H+1), P95: make([]float64, H+1)}
	type pt struct{ x, w float64 }
	col := make([]pt, S)
	var total float64
	for s := range S {
		total += sc.weight[s]
	}
	for t := 0; t <= H; t++ {
		var sum float64
		for s := range S {
			x := v[sc.at(t, s)]
			col[s] = pt{x, sc.weight[s]}
			sum += x * sc.weight[s]
		}
		b.Mean[t] = sum / total
		slices.SortFunc(col, func(a, c pt) int { return cmp.Compare(a.x, c.x) })
		b.P5[t], b.P95[t] = col[S-1].x, col[S-1].x
		var acc float64
		lo := true
		for _, c := range col {
			acc += c.w
			if lo && acc >= 0.05*total {
				b.P5[t], lo = c.x, false
			}
			if acc >= 0.95*total {
				b.P95[t] = c.x
				break
			}
		}
	}
	return b
}
