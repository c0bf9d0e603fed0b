package risk

import (
	"math"
	"slices"
)

// z975 is the standard normal 97.5% point, for two-sided 95% intervals.
const z975 = 1.959963984540054

// Interval is a 95% confidence interval [low, high], JSON [low, high].
type Interval [2]float64

// tail is the VaR and expected shortfall at one confidence level, with
// their intervals, computed from the sorted scenario losses.
type tail struct {
	VaR, ES     float64
	VaRCI, ESCI Interval
	// Exact reports whether both order-statistic bounds of the VaR interval
	// exist among the S losses; with too few scenarios the upper bound is the
	// largest loss and the interval is open above.
	Exact bool
}

// tailStats computes VaR_alpha = L_(k), k = ceil(alpha*S) (1-based, losses
// ascending) and ES_alpha = the mean of the ceil((1-alpha)*S) largest losses.
//
// The VaR interval is distribution-free: with B ~ Binomial(S, alpha) the
// number of losses at or below the true quantile, [L_(l), L_(u)] covers it
// with probability P(l <= B < u) >= 95%, taking l the largest index with
// P(B < l) <= 2.5% and u the smallest with P(B < u) >= 97.5% (order
// statistic confidence interval, e.g. David and Nagaraja, Order Statistics,
// 3rd ed., section 7.1).
//
// The ES interval is the asymptotic normal one of Manistre and Hancock
// (North American Actuarial Journal 9(2), 2005): Var(ES) ~ (Var(L | L >=
// VaR) + alpha*(ES - VaR)^2) / (S*(1-alpha)).
func tailStats(sorted []float64, alpha float64) tail {
	S := len(sorted)
	k := min(S, max(1, int(math.Ceil(alpha*float64(S)-1e-9))))
	var t tail
	t.VaR = sorted[k-1]
	m := max(1, int(math.Ceil((1-alpha)*float64(S)-1e-9)))
	m = min(m, S)
	top := sorted[S-m:]
	var sum float64
	for _, x := range top {
		sum += x
	}
	t.ES = sum / float64(m)
	var v float64
	for _, x := range top {
		v += (x - t.ES) * (x - t.ES)
	}
	if m > 1 {
		v /= float64(m - 1)
	}
	se := math.Sqrt((v + alpha*(t.ES-t.VaR)*(t.ES-t.VaR)) / (float64(S) * (1 - alpha)))
	t.ESCI = Interval{t.ES - z975*se, t.ES + z975*se}

	l, u := orderStatisticCI(S, alpha)
	t.Exact = l >= 1 && u <= S
	t.VaRCI = Interval{sorted[max(l, 1)-1], sorted[min(u, S)-1]}
	return t
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

// meanCI is the sample mean with its normal 95% interval.
func meanCI(xs []float64) (float64, Interval) {
	n := float64(len(xs))
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= n
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) > 1 {
		v /= n - 1
	}
	se := math.Sqrt(v / n)
	return m, Interval{m - z975*se, m + z975*se}
}

// sortedUSD converts per-scenario cents to dollars, sorted ascending.
func sortedUSD(cents []int64) []float64 {
	out := make([]float64, len(cents))
	for i, c := range cents {
		out[i] = float64(c) / 100
	}
	slices.Sort(out)
	return out
}
