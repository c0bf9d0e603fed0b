package risk

import (
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// TestImportanceSampledVaR999LiesInThePlainRunsInterval is issue 10's
// check of importance sampling end to end: on a small portfolio, the 99.9%
// VaR and the expected loss of 10,000 scenarios shifted into the tail agree
// with a 100,000-scenario plain run within 4 standard errors of their
// difference.
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
	loans := generated(t, 7, 300)
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
	// Two independent estimates of one quantile: their difference is
	// compared with both standard errors (read off each 95% interval), as
	// for the expected loss below. Requiring the importance-sampled point
	// inside the plain run's interval ignored its own error (its interval
	// is about four times as wide) and passed or failed with the portfolio.
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
