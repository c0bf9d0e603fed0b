package risk

import (
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// The payment-shock histogram has fixed bins, chosen once so partials from
// any batch add bin by bin: ShockBins bins of ShockBinWidthE6 from
// ShockFirstEdgeE6 (ratio 1.00 to 2.50 in steps of 0.05), an underflow bin
// before them and an overflow bin after. Ratios are held in integer
// micro-units (1.05 is 1,050,000), so each loan's bin follows from integer
// arithmetic and the edges are exact.
const (
	shockScale       = 1e6
	ShockFirstEdgeE6 = 1_000_000
	ShockBinWidthE6  = 50_000
	ShockBins        = 30
	// ShockCounts is the length of a payment-shock count vector: the
	// underflow bin, ShockBins bins, the overflow bin.
	ShockCounts = ShockBins + 2
	// maxShock caps a ratio before it is summed: 1e8 loans at the cap sum
	// to 1e17 micro-units, inside int64.
	maxShock = 1000
)

// ShockEdges are the ratios at the edges of the payment-shock bins, 1.00 to
// 2.50: Counts[0] holds loans below ShockEdges[0], Counts[i] for 1 <= i <=
// ShockBins those in [ShockEdges[i-1], ShockEdges[i]), and the last count
// those at or above ShockEdges[ShockBins].
var ShockEdges = func() []float64 {
	e := make([]float64, ShockBins+1)
	for i := range e {
		e[i] = float64(ShockFirstEdgeE6+i*ShockBinWidthE6) / shockScale
	}
	return e
}()

// ShockThresholds are the ratios whose exceedance share the report gives
// (a payment up 10%, 25%, 50%). Each is a bin edge, so the shares are exact.
var ShockThresholds = []float64{1.10, 1.25, 1.50}

// ShockPartial sums the peak payment shocks of a set of loans. The shock of
// a loan is model.Result.PaymentShockMean: its peak payment ratio max_t
// A(t)/A(0), averaged over the scenarios (1 for a fixed-rate loan), the
// figure of the per-loan output's payment_shock column.
type ShockPartial struct {
	// Counts[b] is the number of loans whose shock falls in bin b (see
	// ShockEdges). Nil in partials written before the field existed.
	Counts Counts `json:"counts,omitempty"`
	// SumE6 is the sum of the loans' shocks in micro-units, for the mean.
	SumE6 int64 `json:"sum_e6"`
	// WorstSumE6 is the sum of model.Result.PaymentShockMax (the peak ratio
	// in the loan's worst scenario) in micro-units.
	WorstSumE6 int64 `json:"worst_sum_e6"`
}

func (s *ShockPartial) add(r *model.Result) {
	if len(s.Counts) != ShockCounts {
		s.Counts = make(Counts, ShockCounts)
	}
	m := shockE6(r.PaymentShockMean)
	s.Counts[shockBin(m)]++
	s.SumE6 += m
	s.WorstSumE6 += shockE6(r.PaymentShockMax)
}

func (s *ShockPartial) merge(o *ShockPartial) {
	if len(o.Counts) > 0 {
		if len(s.Counts) != ShockCounts {
			s.Counts = make(Counts, ShockCounts)
		}
		for i, c := range o.Counts {
			s.Counts[i] += c
		}
	}
	s.SumE6 += o.SumE6
	s.WorstSumE6 += o.WorstSumE6
}

func (s ShockPartial) clone() ShockPartial {
	if s.Counts != nil {
		s.Counts = append(Counts(nil), s.Counts...)
	}
	return s
}

// shockE6 converts a ratio to micro-units. A NaN or negative ratio (no
// model output has one) counts as 0, in the underflow bin, rather than
// poisoning the sums; ratios are capped at maxShock, far above any
// plausible shock.
func shockE6(ratio float64) int64 {
	if !(ratio > 0) {
		return 0
	}
	return int64(math.Round(min(ratio, maxShock) * shockScale))
}

// shockBin is the bin of a shock in micro-units.
func shockBin(m int64) int {
	if m < ShockFirstEdgeE6 {
		return 0
	}
	return 1 + int(min((m-ShockFirstEdgeE6)/ShockBinWidthE6, ShockBins))
}

// ShockStats summarise the peak payment shocks of the portfolio or one
// segment. Shares and means are over the loans counted in the histogram.
type ShockStats struct {
	Loans int64 `json:"loans"`
	// Mean is the mean over loans of the peak payment ratio (each loan's
	// mean over scenarios of max_t A(t)/A(0)).
	Mean float64 `json:"mean"`
	// MeanWorst is the mean over loans of the peak ratio in each loan's
	// worst scenario.
	MeanWorst float64 `json:"mean_worst"`
	// Counts is the histogram on ShockEdges (underflow first, overflow last).
	Counts []int64 `json:"counts"`
	// Above is the share of loans at or above each of ShockThresholds.
	Above []ShockShare `json:"above"`
}

// ShockShare is the number and share of loans whose peak payment ratio is at
// or above Ratio.
type ShockShare struct {
	Ratio float64 `json:"ratio"`
	Loans int64   `json:"loans"`
	Share float64 `json:"share"`
}

// SegmentShock is ShockStats for one segment.
type SegmentShock struct {
	Segment loan.Segment `json:"segment"`
	ShockStats
}

// ShockReport is the distribution of peak payment shocks: the fixed bin
// edges, the portfolio's figures and each segment's.
type ShockReport struct {
	// Edges are ShockEdges, repeated so the JSON is self-describing.
	Edges []float64 `json:"edges"`
	ShockStats
	Segments []SegmentShock `json:"segments"`
}

func shockStats(s *ShockPartial) ShockStats {
	st := ShockStats{Counts: make([]int64, ShockCounts)}
	copy(st.Counts, s.Counts)
	for _, c := range st.Counts {
		st.Loans += c
	}
	if st.Loans > 0 {
		st.Mean = float64(s.SumE6) / shockScale / float64(st.Loans)
		st.MeanWorst = float64(s.WorstSumE6) / shockScale / float64(st.Loans)
	}
	for _, th := range ShockThresholds {
		first := shockBin(shockE6(th))
		sh := ShockShare{Ratio: th}
		for _, c := range st.Counts[first:] {
			sh.Loans += c
		}
		if st.Loans > 0 {
			sh.Share = float64(sh.Loans) / float64(st.Loans)
		}
		st.Above = append(st.Above, sh)
	}
	return st
}
