package risk

import (
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// TestImportanceSampledVaR999LiesInThePlainRunsInterval is issue 10's
// check of importance sampling end to end: on a small portfolio (1,000
// generated loans), the 99.9% VaR of 10,000 scenarios shifted into the tail
// lies inside the 95% interval of a 100,000-scenario plain run, and the
// VaR and the expected loss of the two runs agree within 4 standard errors
// of their difference. With 300 loans the tail is mostly single large
// defaults, which a shift of the credit cycle does not sample better: the
// importance-sampled interval was four times the plain one's width.
func TestImportanceSampledVaR999LiesInThePlainRunsInterval(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 scenarios")
	}
	t.Parallel()
	const tailShift = 0.25 // judgement: log-likelihood-ratio variance H*theta^2 of about 1.7 at H = 27
	is := scenarios(t, func(p *model.Params) { p.Scenarios = 10_000; p.TailShift = tailShift })
	unit := true
	for s := range is.Len() {
		unit = unit && is.Weight(s) == 1
	}
	if unit {
		t.Fatal("every scenario weight is 1 under a tail shift: the model does not apply Params.TailShift")
	}
	loans := generated(t, 7, 1000)
	ptIS, _ := runBatches(t, is, loans, 100, 2)
	repIS, err := SummariseScenarios(ptIS, is)
	if err != nil {
		t.Fatal(err)
	}
	plain := scenarios(t, func(p *model.Params) { p.Scenarios = 100_000 })
	ptPlain, _ := runBatches(t, plain, loans, 100, 2)
	repPlain, err := SummariseScenarios(ptPlain, plain)
	if err != nil {
		t.Fatal(err)
	}
	hi, hp := repIS.Headline, repPlain.Headline
	t.Logf("IS (10,000, theta %g): VaR99.9 %.0f %v (%d tail scenarios, %s; effective scenarios %.0f); plain (100,000): VaR99.9 %.0f %v",
		tailShift, hi.VaR999, hi.VaR999CI, repIS.Portfolio.Tail999Scenarios, hi.Tail999, repIS.ImportanceSampling.EffectiveScenarios, hp.VaR999, hp.VaR999CI)
	if !hi.Tail999.Reported() || hp.Tail999 != TailReliable {
		t.Fatalf("tails: importance-sampled %s, plain %s", hi.Tail999, hp.Tail999)
	}
	if hi.VaR999 < hp.VaR999CI[0] || hi.VaR999 > hp.VaR999CI[1] {
		t.Errorf("importance-sampled VaR99.9 %.0f outside the plain run's interval %v", hi.VaR999, hp.VaR999CI)
	}
	// Two independent estimates of one quantile: their difference is also
	// compared with both standard errors (read off each 95% interval), as
	// for the expected loss below; the check above alone ignores the
	// importance-sampled estimate's own error.
	if d := hi.VaR999 - hp.VaR999; d*d > 16*(sq(hi.VaR999CI)+sq(hp.VaR999CI)) {
		t.Errorf("importance-sampled VaR99.9 %.0f %v, plain %.0f %v: over 4 standard errors apart", hi.VaR999, hi.VaR999CI, hp.VaR999, hp.VaR999CI)
	}
	if d := hi.ExpectedLoss - hp.ExpectedLoss; d*d > 16*(sq(hi.ExpectedLossCI)+sq(hp.ExpectedLossCI)) {
		t.Errorf("importance-sampled expected loss %.0f %v, plain %.0f %v: over 4 standard errors apart", hi.ExpectedLoss, hi.ExpectedLossCI, hp.ExpectedLoss, hp.ExpectedLossCI)
	}
}

// sq is the squared standard error of a 95% normal interval.
func sq(ci Interval) float64 {
	se := (ci[1] - ci[0]) / (2 * z975)
	return se * se
}
