package risk

import (
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
	t99 := tailStats(sorted, 0.99)
	if t99.VaR != 990 || t99.ES != 995.5 {
		t.Errorf("VaR99 %v ES99 %v, want 990 and 995.5", t99.VaR, t99.ES)
	}
	t999 := tailStats(sorted, 0.999)
	if t999.VaR != 999 || t999.ES != 1000 {
		t.Errorf("VaR99.9 %v ES99.9 %v, want 999 and 1000", t999.VaR, t999.ES)
	}
	if !(t99.VaRCI[0] <= t99.VaR && t99.VaR <= t99.VaRCI[1]) || !(t99.ESCI[0] < t99.ES && t99.ES < t99.ESCI[1]) {
		t.Errorf("intervals %v %v exclude their estimates", t99.VaRCI, t99.ESCI)
	}
	if t999.Exact {
		t.Error("an interval for the 99.9% point from 1,000 draws cannot be exact")
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
		ci := tailStats(xs, 0.99).VaRCI
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
		ts := tailStats(rates, c.alpha)
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
	if mean, ci := meanCI(rates); pd < ci[0] || pd > ci[1] {
		t.Errorf("mean default rate %v (CI %v), want %v", mean, ci, pd)
	}
}

func TestHistogramCountsEveryScenario(t *testing.T) {
	t.Parallel()
	sorted := []float64{0, 0, 1, 2, 3, 40}
	h := histogram(sorted)
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	if n != int64(len(sorted)) || h.Counts[histogramBins-1] != 1 || h.Counts[0] != 2 || h.BinWidthUSD != 1 {
		t.Errorf("histogram %+v", h)
	}
	if h := histogram([]float64{0, 0}); h.Counts[0] != 2 {
		t.Errorf("all-zero histogram %+v", h)
	}
}
