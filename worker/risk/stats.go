package risk

import (
	"cmp"
	"math"
	"slices"
)

// z975 is the standard normal 97.5% point, for two-sided 95% intervals.
const z975 = 1.959963984540054

// Tail classification (MODEL.md section 4): a tail figure rests on the
// scenarios beyond its quantile. Fewer than MinTailScenarios and it is not
// reported; fewer than ReliableTailScenarios and it is shown, with its
// interval, as indicative.
const (
	MinTailScenarios      = 10
	ReliableTailScenarios = 100
)

// halfCentUSD is half the resolution of the loss sums (whole cents). An
// interval that would otherwise have no width is widened by it on each
// side: no figure here is known more precisely than the cents it sums.
const halfCentUSD = 0.005

// ruleOfThree is the 95% upper bound, times S, on the probability of an
// event never seen in S independent draws (Hanley and Lippman-Hand, JAMA
// 249(13), 1983): -ln(0.05) ~ 3.
const ruleOfThree = 2.995732273553991

// Interval is a 95% confidence interval [low, high], JSON [low, high].
type Interval [2]float64

// TailStatus says how far a tail figure (VaR or expected shortfall at one
// level) can be trusted, from the number of scenarios in its tail.
type TailStatus string

// Tail statuses. The zero value, in reports written before the status
// existed, reads as TailReliable.
const (
	// TailReliable: at least ReliableTailScenarios scenarios in the tail.
	TailReliable TailStatus = "reliable"
	// TailIndicative: MinTailScenarios to ReliableTailScenarios-1; the
	// figure and its interval are shown, marked indicative.
	TailIndicative TailStatus = "indicative"
	// TailInsufficient: fewer than MinTailScenarios; the figure and its
	// interval are not reported (JSON null) and tail_warning says why.
	TailInsufficient TailStatus = "insufficient"
)

// Reported reports whether figures of this status are shown.
func (s TailStatus) Reported() bool { return s != TailInsufficient }

// classifyTail is the status of a tail holding n scenarios.
func classifyTail(n int) TailStatus {
	switch {
	case n < MinTailScenarios:
		return TailInsufficient
	case n < ReliableTailScenarios:
		return TailIndicative
	}
	return TailReliable
}

// sample is one group's scenario losses sorted ascending (ties in scenario
// order), each with its scenario's likelihood ratio. Every statistic is a
// weighted one; a plain Monte Carlo run is the case of every weight 1, and
// then each weighted formula performs exactly the operations of its
// unweighted form (multiplying by 1 is exact), so a plain run's figures do
// not depend on whether its weights were given.
//
// The weights are likelihood ratios, whose expectation under the sampling
// measure is 1, so weighted means divide by the scenario count S, not by
// the sum of the weights (Glasserman, Monte Carlo Methods in Financial
// Engineering, 2004, section 4.6): a shift towards the tail gives the
// body's few scenarios large and noisy weights, and dividing by their sum
// would carry that noise into every tail figure.
type sample struct {
	loss []float64 // US dollars, ascending
	w    []float64 // weight of loss[i]'s scenario
	// above[i] = w[i+1] + ... + w[n-1], summed from the top so small tail
	// masses keep their precision; integers, exactly, with unit weights.
	above []float64
	// total is the sum of the weights; n exactly with unit weights.
	total float64
	// unit: every weight is 1 (plain Monte Carlo), so the VaR interval can
	// use exact binomial order statistics.
	unit bool
	// capUSD bounds a scenario loss from above (the group's exposure, or the
	// largest loss seen if that is more), for intervals the sample alone
	// cannot bound.
	capUSD float64
}

// newSample sorts per-scenario losses in cents with their weights (nil:
// every weight 1). weights[s] is scenario s's.
func newSample(cents []int64, weights []float64, capUSD float64) sample {
	n := len(cents)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(cents[a], cents[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	loss, w := make([]float64, n), make([]float64, n)
	for i, k := range idx {
		loss[i] = float64(cents[k]) / 100
		w[i] = 1
		if weights != nil {
			w[i] = weights[k]
		}
	}
	return sortedSample(loss, w, capUSD)
}

// sortedSample completes a sample from ascending losses and their weights.
func sortedSample(loss, w []float64, capUSD float64) sample {
	n := len(loss)
	s := sample{loss: loss, w: w, above: make([]float64, n), unit: true, capUSD: capUSD}
	var acc float64
	for i := n - 1; i >= 0; i-- {
		s.above[i] = acc
		acc += w[i]
		s.unit = s.unit && w[i] == 1
	}
	s.total = acc
	if n > 0 {
		s.capUSD = max(capUSD, loss[n-1])
	}
	return s
}

// meanSE is the standard error of the mean of n terms whose deviations
// from their mean have sum of squares ss: sqrt(ss/(n-1)/n).
func meanSE(ss float64, n int) float64 {
	nf := float64(n)
	if n > 1 {
		ss /= nf - 1
	}
	return math.Sqrt(ss / nf)
}

// mean is the weighted mean loss sum(w L)/S with its normal 95% interval.
// When every scenario lost the same the normal interval has no width; the
// interval is then the rule of three: with 95% confidence fewer than 3/S of
// scenarios lose anything else, and a scenario loses between 0 and capUSD.
func (s *sample) mean() (float64, Interval) {
	n := len(s.loss)
	var sum float64
	for i, x := range s.loss {
		sum += s.w[i] * x
	}
	m := sum / float64(n)
	var ss float64
	for i, x := range s.loss {
		d := s.w[i]*x - m
		ss += d * d
	}
	se := meanSE(ss, n)
	ci := Interval{m - z975*se, m + z975*se}
	if !(ci[1] > ci[0]) {
		f := min(1, ruleOfThree/float64(n))
		ci = Interval{m - f*max(m, 0), m + f*max(s.capUSD-m, 0)}
	}
	return m, nonZeroWidth(ci)
}

// tail is the VaR and expected shortfall at one confidence level with
// their intervals and the number of scenarios in the tail.
type tail struct {
	VaR, ES     float64
	VaRCI, ESCI Interval
	// Exact reports whether both bounds of the VaR interval exist inside
	// the sample; when false the upper bound is only the largest loss and
	// the interval is open above.
	Exact bool
	// Scenarios is the number of scenarios in the tail: those beyond the
	// VaR scenario (in loss order, ties in scenario order).
	Scenarios int
	Status    TailStatus
}

// quantileIndex is the index of the weighted p-quantile: the first i
// whose weight above, over S, is at most 1-p (to a relative 1e-12, so that
// with unit weights and p*S an integer up to rounding it is exactly the
// ceil(p*S)-th loss).
func (s *sample) quantileIndex(p float64) int {
	n := float64(len(s.loss))
	limit := n - p*n
	limit += 1e-12 * max(n, limit)
	// above is non-increasing: find the first index at or below limit.
	i, _ := slices.BinarySearchFunc(s.above, limit, func(a, l float64) int {
		if a > l {
			return -1
		}
		return 1
	})
	return min(i, len(s.loss)-1)
}

// tailAt computes VaR_alpha, the weighted alpha-quantile: L_(j) with j the
// first index whose weight above, over S, is at most 1-alpha; and ES_alpha,
// the mean loss over the top (1-alpha) of the probability: the losses
// beyond j with their weights and L_(j) for the rest (Acerbi and Tasche,
// Journal of Banking and Finance 26(7), 2002). With unit weights and
// alpha*S an integer, the ceil(alpha*S)-th loss and the mean of the
// (1-alpha)*S largest.
//
// Intervals (docs/statistics.md):
//   - VaR, plain run: distribution-free, [L_(l), L_(u)] with B ~
//     Binomial(S, alpha) the count of losses at or below the true quantile,
//     l the largest index with P(B < l) <= 2.5% and u the smallest with
//     P(B < u) >= 97.5% (David and Nagaraja, Order Statistics, 3rd ed.,
//     section 7.1).
//   - VaR, weighted: Woodruff's (JASA 47(260), 1952): the tail probability
//     at the VaR, p = sum w 1{L > VaR}/S, has standard error se_p, the
//     sample standard deviation of w 1{L > VaR} over sqrt(S); the interval
//     is [Q(alpha - 1.96 se_p), Q(alpha + 1.96 se_p)], Q the weighted
//     quantile. With unit weights it is the normal approximation of the
//     order-statistic interval.
//   - ES: normal, ES = VaR + mean of Z = w (L - VaR)^+ / (1-alpha)
//     (Rockafellar and Uryasev 2002; the VaR's own error has no first-order
//     effect), with standard error sd(Z)/sqrt(S). With unit weights this is
//     Manistre and Hancock's (NAAJ 9(2), 2005) (Var(L | tail) + alpha
//     (ES - VaR)^2) / (S (1-alpha)).
//
// A degenerate interval (tied losses) is widened to the nearest other loss
// seen, or, when the whole tail is tied, to the VaR interval; no interval
// ever has zero width (nonZeroWidth).
func (s *sample) tailAt(alpha float64) tail {
	n := len(s.loss)
	nf := float64(n)
	var t tail
	j := s.quantileIndex(alpha)
	q := s.loss[j]
	t.VaR = q
	t.Scenarios = n - 1 - j
	t.Status = classifyTail(t.Scenarios)
	mass := nf - alpha*nf // (1-alpha)*S, exact when alpha*S rounds to an integer
	straddle := mass - s.above[j]
	if straddle <= 1e-12*max(nf, mass) {
		straddle = 0
	}
	var sum float64
	for i := j + 1; i < n; i++ {
		sum += s.w[i] * s.loss[i]
	}
	if straddle > 0 {
		sum += straddle * q
	}
	t.ES = sum / mass

	// ES interval.
	scale := nf / mass
	excess := t.ES - q // the mean of Z
	var ss float64
	for i, x := range s.loss {
		z := 0.0
		if i > j {
			z = s.w[i] * (x - q) * scale
		}
		d := z - excess
		ss += d * d
	}
	se := meanSE(ss, n)
	t.ESCI = Interval{t.ES - z975*se, t.ES + z975*se}

	// VaR interval.
	lo, hi := 0, n-1
	if s.unit {
		l, u := orderStatisticCI(n, alpha)
		t.Exact = l >= 1 && u <= n
		lo, hi = max(l, 1)-1, min(u, n)-1
	} else {
		p := s.above[j] / nf
		var ssP float64
		for i := range s.loss {
			z := 0.0
			if i > j {
				z = s.w[i]
			}
			d := z - p
			ssP += d * d
		}
		seP := meanSE(ssP, n)
		lo = s.quantileIndex(alpha - z975*seP)
		pHi := alpha + z975*seP
		t.Exact = pHi < 1
		if t.Exact {
			hi = s.quantileIndex(pHi)
		}
	}
	lo, hi = s.widen(lo, hi)
	t.VaRCI = nonZeroWidth(Interval{s.loss[lo], s.loss[hi]})
	if !(t.ESCI[1] > t.ESCI[0]) {
		// The tail is tied: ES equals VaR and is as uncertain.
		t.ESCI = t.VaRCI
	}
	t.ESCI = nonZeroWidth(t.ESCI)
	return t
}

// widen moves the order-statistic indices of an interval whose ends are
// tied losses to the next larger loss seen, or failing that the next
// smaller, so it keeps its coverage (it only grows) and gains a width.
func (s *sample) widen(lo, hi int) (int, int) {
	if s.loss[hi] > s.loss[lo] {
		return lo, hi
	}
	for k := hi + 1; k < len(s.loss); k++ {
		if s.loss[k] > s.loss[lo] {
			return lo, k
		}
	}
	for k := lo - 1; k >= 0; k-- {
		if s.loss[k] < s.loss[hi] {
			return k, hi
		}
	}
	return lo, hi
}

// nonZeroWidth returns ci, or when it has no positive width (every loss
// the same, so nothing in the sample measures a spread) ci widened by half
// a cent each side, the resolution of the loss sums.
func nonZeroWidth(ci Interval) Interval {
	if ci[1] > ci[0] {
		return ci
	}
	lo, hi := min(ci[0], ci[1]), max(ci[0], ci[1])
	return Interval{lo - halfCentUSD, hi + halfCentUSD}
}

// orderStatisticCI returns the 1-based order statistic indices (l, u) of
// the 95% interval for the alpha-quantile of S draws; u may be S+1 and l 0
// when S is too small for an exact bound.
func orderStatisticCI(S int, alpha float64) (int, int) {
	n := float64(S)
	lgN, _ := math.Lgamma(n + 1)
	la, lb := math.Log(alpha), math.Log1p(-alpha)
	logPMF := func(j int) float64 {
		x := float64(j)
		a, _ := math.Lgamma(x + 1)
		b, _ := math.Lgamma(n - x + 1)
		return lgN - a - b + x*la + (n-x)*lb
	}
	// cdf(j) = P(B <= j). l = largest index with P(B <= l-1) <= 0.025;
	// u = smallest index with P(B <= u-1) >= 0.975.
	l, u := 0, S+1
	var cdf float64
	for j := 0; j <= S; j++ {
		cdf += math.Exp(logPMF(j))
		if cdf <= 0.025 {
			l = j + 1
		}
		if cdf >= 0.975 {
			u = j + 1
			break
		}
	}
	return l, u
}

// effectiveScenarios is Kish's effective sample size (sum w)^2 / sum w^2:
// S for unit weights, fewer the more the weights vary.
func (s *sample) effectiveScenarios() float64 {
	var sq float64
	for _, w := range s.w {
		sq += w * w
	}
	if sq == 0 {
		return 0
	}
	return s.total * s.total / sq
}

// Histogram counts scenario losses in HistogramBins equal bins from the
// smallest to the largest loss. The bins span [min, max] rather than [0,
// max]: a large book never loses nothing, and bins from $0 would leave most
// of the resolution on losses no scenario had.
type Histogram struct {
	// MinUSD is the lower edge of the first bin: the smallest scenario loss.
	// Histograms written before it existed start at 0, which the field's
	// zero value reproduces.
	MinUSD      float64 `json:"min,omitempty"`
	BinWidthUSD float64 `json:"bin_width"`
	// Counts[i] is the number of scenarios with loss in [MinUSD + i*w,
	// MinUSD + (i+1)*w), the last bin closed, so the counts add up to the
	// number of scenarios. When every scenario lost the same amount (one
	// scenario, or no loan ever defaulting) BinWidthUSD is 0 and Counts[0]
	// holds them all.
	Counts []int64 `json:"counts"`
	// Probability[i] is, in an importance-sampled run, the likelihood-
	// weighted share of bin i (the counts over-represent the tail there);
	// nil in a plain run, where it is Counts[i]/S.
	Probability []float64 `json:"probability,omitempty"`
}

// HistogramBins is the number of bins of a loss histogram.
const HistogramBins = 40

// Edge returns the lower edge of bin i (the upper edge of bin i-1). The
// multiplication is kept apart from the sum so no platform fuses them and
// every reader of the histogram gets the same edges (MODEL.md).
func (h Histogram) Edge(i int) float64 { return h.MinUSD + float64(float64(i)*h.BinWidthUSD) }

func histogram(sorted []float64) Histogram {
	lo, hi := sorted[0], sorted[len(sorted)-1]
	h := Histogram{MinUSD: lo, Counts: make([]int64, HistogramBins)}
	if hi <= lo {
		h.Counts[0] = int64(len(sorted))
		return h
	}
	h.BinWidthUSD = (hi - lo) / HistogramBins
	for _, x := range sorted {
		h.Counts[h.bin(x)]++
	}
	return h
}

// histogram bins the sample; with weights other than 1 it adds each bin's
// weighted share.
func (s *sample) histogram() Histogram {
	h := histogram(s.loss)
	if s.unit {
		return h
	}
	h.Probability = make([]float64, HistogramBins)
	for i, x := range s.loss {
		b := 0
		if h.BinWidthUSD > 0 {
			b = h.bin(x)
		}
		h.Probability[b] += s.w[i] / s.total
	}
	return h
}

// bin returns the index of the bin holding x, consistent with Edge: the
// quotient (x-min)/w can land one bin off at an edge through rounding, so
// it is corrected against the edges the histogram publishes.
func (h Histogram) bin(x float64) int {
	i := min(HistogramBins-1, max(0, int((x-h.MinUSD)/h.BinWidthUSD)))
	for i > 0 && x < h.Edge(i) {
		i--
	}
	for i < HistogramBins-1 && x >= h.Edge(i+1) {
		i++
	}
	return i
}
