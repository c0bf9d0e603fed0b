package risk

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

func TestTailStatsOnKnownLosses(t *testing.T) {
	t.Parallel()
	sorted := make([]float64, 1000)
	for i := range sorted {
		sorted[i] = float64(i + 1)
	}
	t99 := tailOf(sorted, 0.99)
	if t99.VaR != 990 || t99.ES != 995.5 {
		t.Errorf("VaR99 %v ES99 %v, want 990 and 995.5", t99.VaR, t99.ES)
	}
	t999 := tailOf(sorted, 0.999)
	if t999.VaR != 999 || t999.ES != 1000 {
		t.Errorf("VaR99.9 %v ES99.9 %v, want 999 and 1000", t999.VaR, t999.ES)
	}
	if !(t99.VaRCI[0] <= t99.VaR && t99.VaR <= t99.VaRCI[1]) || !(t99.ESCI[0] < t99.ES && t99.ES < t99.ESCI[1]) {
		t.Errorf("intervals %v %v exclude their estimates", t99.VaRCI, t99.ESCI)
	}
	if t999.Exact {
		t.Error("an interval for the 99.9% point from 1,000 draws cannot be exact")
	}
	if t99.Scenarios != 10 || t99.Status != TailIndicative || t999.Scenarios != 1 || t999.Status != TailInsufficient {
		t.Errorf("tails hold %d (%s) and %d (%s) scenarios, want 10 (indicative) and 1 (insufficient)", t99.Scenarios, t99.Status, t999.Scenarios, t999.Status)
	}
}

func TestOrderStatisticIndicesMatchTheNormalApproximation(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		S     int
		alpha float64
	}{{10_000, 0.99}, {100_000, 0.999}, {1_000_000, 0.999}} {
		l, u := orderStatisticCI(c.S, c.alpha)
		mu := float64(c.S) * c.alpha
		sd := math.Sqrt(mu * (1 - c.alpha))
		if math.Abs(float64(l)-(mu-1.96*sd)) > 2.5 || math.Abs(float64(u)-(mu+1.96*sd)) > 2.5 {
			t.Errorf("S %d alpha %v: indices (%d, %d), normal approximation (%.1f, %.1f)", c.S, c.alpha, l, u, mu-1.96*sd, mu+1.96*sd)
		}
	}
}

func TestVaRIntervalCoversTheTrueQuantile95PercentOfTheTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	const reps, S = 2000, 1000
	// Exponential losses: the true 99% quantile is -ln(0.01).
	truth := -math.Log(0.01)
	covered := 0
	xs := make([]float64, S)
	for range reps {
		for i := range xs {
			xs[i] = r.ExpFloat64()
		}
		slices.Sort(xs)
		ci := tailOf(xs, 0.99).VaRCI
		if ci[0] <= truth && truth <= ci[1] {
			covered++
		}
	}
	got := float64(covered) / reps
	// Order-statistic intervals are conservative: at least 95%, and not by
	// much (a binomial of 2000 trials has a standard error of 0.5%).
	if got < 0.95-4.5*0.0049 || got > 0.985 {
		t.Errorf("coverage %.3f, want about 0.95-0.97", got)
	}
}

func TestSimulatedVasicekPoolMatchesTheAnalyticQuantiles(t *testing.T) {
	t.Parallel()
	// A homogeneous pool of 2,000 loans with PD 2% and asset correlation 10%:
	// in each scenario a systematic Z, per loan an idiosyncratic eps, default
	// when sqrt(rho)*Z + sqrt(1-rho)*eps < PhiInv(PD). The default rate's
	// quantiles must match Vasicek's large-pool formula (8.24% and 12.82%)
	// up to the finite pool, whose binomial noise is about 0.6% at 8%.
	const pd, rho, loans, S = 0.02, 0.10, 2000, 10_000
	r := rand.New(rand.NewPCG(21, 22))
	c := model.PhiInv(pd)
	rates := make([]float64, S)
	for s := range rates {
		// Conditional on Z each loan defaults with p(Z); draw the count as a
		// binomial by inversion on the loans.
		z := r.NormFloat64()
		p := model.Phi((c - math.Sqrt(rho)*z) / math.Sqrt(1-rho))
		n := 0
		for range loans {
			if r.Float64() < p {
				n++
			}
		}
		rates[s] = float64(n) / loans
	}
	slices.Sort(rates)
	for _, c := range []struct {
		alpha, want float64
	}{{0.99, 0.0824}, {0.999, 0.1282}} {
		ts := tailOf(rates, c.alpha)
		analytic := model.VasicekQuantile(pd, rho, c.alpha)
		if math.Abs(analytic-c.want) > 0.00005 {
			t.Fatalf("analytic q%v = %v, want %v", c.alpha, analytic, c.want)
		}
		// Widen the order-statistic interval by the finite pool's noise.
		noise := 2 * math.Sqrt(analytic*(1-analytic)/loans)
		if analytic < ts.VaRCI[0]-noise || analytic > ts.VaRCI[1]+noise {
			t.Errorf("q%v: simulated %v (CI %v), analytic %v", c.alpha, ts.VaR, ts.VaRCI, analytic)
		}
	}
	if mean, ci := meanOf(rates); pd < ci[0] || pd > ci[1] {
		t.Errorf("mean default rate %v (CI %v), want %v", mean, ci, pd)
	}
}

func TestHistogramBinsFromTheSmallestToTheLargestLoss(t *testing.T) {
	t.Parallel()
	spread := make([]float64, 0, 1000)
	for i := range 1000 {
		spread = append(spread, 1e6+float64(i)*12.34)
	}
	for _, tc := range []struct {
		name      string
		sorted    []float64
		min, w    float64
		wantFirst int64 // Counts[0]
		wantLast  int64 // Counts[HistogramBins-1]
	}{
		{"losses from 0 to 40 bin from 0 in steps of 1", []float64{0, 0, 1, 2, 3, 40}, 0, 1, 2, 1},
		{"a book that never loses less than 100 bins from 100", []float64{100, 100.5, 120, 140}, 100, 1, 2, 1},
		{"an edge value opens its bin and the largest closes the last", []float64{10, 20, 30, 50}, 10, 1, 1, 1},
		{"every scenario losing nothing is one full bin of width 0", []float64{0, 0, 0}, 0, 0, 3, 0},
		{"every scenario losing the same is one full bin at that loss", []float64{7.5, 7.5}, 7.5, 0, 2, 0},
		{"a single scenario is one full bin at its loss", []float64{1234.56}, 1234.56, 0, 1, 0},
		{"a thousand spread losses", spread, 1e6, 999 * 12.34 / HistogramBins, 25, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := histogram(tc.sorted)
			if h.MinUSD != tc.min || math.Abs(h.BinWidthUSD-tc.w) > 1e-9*tc.w || len(h.Counts) != HistogramBins {
				t.Fatalf("min %v width %v bins %d, want %v, %v, %d", h.MinUSD, h.BinWidthUSD, len(h.Counts), tc.min, tc.w, HistogramBins)
			}
			if h.Counts[0] != tc.wantFirst || h.Counts[HistogramBins-1] != tc.wantLast {
				t.Errorf("first bin %d, last %d, want %d and %d (%v)", h.Counts[0], h.Counts[HistogramBins-1], tc.wantFirst, tc.wantLast, h.Counts)
			}
			var n int64
			for _, c := range h.Counts {
				n += c
			}
			if n != int64(len(tc.sorted)) {
				t.Errorf("counts add to %d, want %d scenarios", n, len(tc.sorted))
			}
			if h.BinWidthUSD == 0 {
				return
			}
			// Every count agrees with the published edges.
			for i := range HistogramBins {
				lo, hi := h.Edge(i), h.Edge(i+1)
				var want int64
				for _, x := range tc.sorted {
					if x >= lo && (x < hi || i == HistogramBins-1) {
						want++
					}
				}
				if h.Counts[i] != want {
					t.Errorf("bin %d [%v, %v) counts %d, the edges give %d", i, lo, hi, h.Counts[i], want)
				}
			}
		})
	}
}

func TestVaRIntervalSaysWhenItIsOpenAbove(t *testing.T) {
	t.Parallel()
	// u <= S needs 1 - alpha^S >= 97.5%: S >= ln(0.025)/ln(alpha), that is
	// 367.04 at 99% and 3,687.03 at 99.9%.
	for _, tc := range []struct {
		S     int
		alpha float64
		exact bool
	}{
		{1, 0.99, false}, {367, 0.99, false}, {368, 0.99, true}, {10_000, 0.99, true},
		{3687, 0.999, false}, {3688, 0.999, true}, {100_000, 0.999, true},
	} {
		t.Run(fmt.Sprintf("%d scenarios at %v", tc.S, tc.alpha), func(t *testing.T) {
			t.Parallel()
			sorted := make([]float64, tc.S)
			for i := range sorted {
				sorted[i] = float64(i)
			}
			ts := tailOf(sorted, tc.alpha)
			if ts.Exact != tc.exact {
				t.Fatalf("exact = %v, want %v (interval %v)", ts.Exact, tc.exact, ts.VaRCI)
			}
			if !ts.Exact && tc.S > 1 && ts.VaRCI[1] != sorted[tc.S-1] {
				t.Errorf("open interval %v does not end at the largest loss %v", ts.VaRCI, sorted[tc.S-1])
			}
			if tc.S >= 10_000 && ts.VaRCI[1] >= sorted[tc.S-1] {
				t.Errorf("exact interval %v reaches the largest loss", ts.VaRCI)
			}
		})
	}
}
