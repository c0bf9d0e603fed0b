package risk

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

func TestSummariseHeadlineHasTheKeysTheCLIPrints(t *testing.T) {
	t.Parallel()
	sc := scenarios(t, func(p *model.Params) { p.Scenarios = 500 })
	pt, results := runBatches(t, sc, generated(t, 5, 2000), 500, 2)
	rep, err := Summarise(pt, sc.Params())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(rep.Headline)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"expected_loss", "expected_loss_rate", "var_99", "var_999", "es_99", "es_999",
		"pd_baseline_mean", "pd_stressed_mean", "expected_loss_ci", "var_99_ci", "var_999_ci", "es_99_ci", "es_999_ci", "warning",
		"tail_99", "tail_999", "tail_warning", "loss_rate_avg_balance", "pd_baseline_mean_exposure", "pd_stressed_mean_exposure"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("headline JSON %s lacks %q", raw, k)
		}
	}
	h := rep.Headline
	// 500 scenarios: 5 beyond the 99% point, none beyond the 99.9% one.
	for _, k := range []string{"var_99", "es_99", "var_999", "es_999", "var_99_ci", "es_999_ci"} {
		if keys[k] != nil {
			t.Errorf("headline %s = %v, want null from a tail of fewer than 10 scenarios", k, keys[k])
		}
	}
	if h.Tail99 != TailInsufficient || h.Tail999 != TailInsufficient || h.VaR99 != 0 || h.ES999 != 0 {
		t.Errorf("tails %s and %s, VaR99 %v, ES99.9 %v; want both insufficient and not reported", h.Tail99, h.Tail999, h.VaR99, h.ES999)
	}
	if !strings.Contains(h.TailWarning, "5 of 500 scenarios") || !strings.Contains(h.TailWarning, "at least 10,000 scenarios") || h.Warning != h.TailWarning || len(rep.Warnings) == 0 {
		t.Errorf("tail warning %q (warning %q) does not say why", h.TailWarning, h.Warning)
	}
	if !(0 < h.ExpectedLoss && h.ExpectedLossCI[0] < h.ExpectedLoss && h.ExpectedLoss < h.ExpectedLossCI[1]) {
		t.Errorf("EL %v, interval %v", h.ExpectedLoss, h.ExpectedLossCI)
	}
	if !(h.PDStressedMeanExposure > 0 && h.PDBaselineMeanExposure > 0 && h.PDStressedMeanExposure < 1) {
		t.Errorf("exposure-weighted PDs %v and %v", h.PDBaselineMeanExposure, h.PDStressedMeanExposure)
	}
	// Per-loan sums agree with the partial.
	var base, stress, baseEAD, stressEAD, ead, avg float64
	for _, r := range results {
		base += r.BaselinePD
		stress += r.StressedPD
		baseEAD += r.BaselinePD * r.EADUSD
		stressEAD += r.StressedPD * r.EADUSD
		ead += r.EADUSD
		avg += r.AvgBalanceUSD
	}
	// The partial sums PD x EAD in whole cents: each loan's term is off by
	// at most half a cent.
	tol := 0.005 * float64(len(results)) / ead
	if d := h.PDStressedMeanExposure - stressEAD/ead; math.Abs(d) > tol {
		t.Errorf("exposure-weighted stressed PD %v, per-loan %v", h.PDStressedMeanExposure, stressEAD/ead)
	}
	if d := h.PDBaselineMeanExposure - baseEAD/ead; math.Abs(d) > tol {
		t.Errorf("exposure-weighted baseline PD %v, per-loan %v", h.PDBaselineMeanExposure, baseEAD/ead)
	}
	if math.Abs(h.AvgBalanceUSD-avg) > 0.01*float64(len(results)) {
		t.Errorf("average balance %v, per-loan sum %v", h.AvgBalanceUSD, avg)
	}
	if avg == 0 && (keys["loss_rate_avg_balance"] != nil || h.LossRateAvgBalance != 0) {
		t.Errorf("loss rate over a zero average balance is %v, want null", keys["loss_rate_avg_balance"])
	}
	if avg > 0 && math.Abs(h.LossRateAvgBalance-h.ExpectedLoss/h.AvgBalanceUSD) > 1e-12 {
		t.Errorf("loss rate over average balance %v, want %v", h.LossRateAvgBalance, h.ExpectedLoss/h.AvgBalanceUSD)
	}
	n := float64(len(results))
	if d := h.PDStressedMean - stress/n; d > 1e-9 || d < -1e-9 {
		t.Errorf("stressed PD mean %v, per-loan mean %v", h.PDStressedMean, stress/n)
	}
	if d := h.PDBaselineMean - base/n; d > 1e-9 || d < -1e-9 {
		t.Errorf("baseline PD mean %v, per-loan mean %v", h.PDBaselineMean, base/n)
	}
	// The mean scenario loss estimates the same thing as the sum of per-loan
	// expected losses, less amortisation before default: within 15%.
	if r := h.ExpectedLoss / rep.Portfolio.ExpectedLossPerLoan; r < 0.75 || r > 1.05 {
		t.Errorf("scenario mean loss %v vs per-loan expected loss %v", h.ExpectedLoss, rep.Portfolio.ExpectedLossPerLoan)
	}
	var segLoans int64
	for _, s := range rep.Segments {
		segLoans += s.Loans
		var hist int64
		for _, c := range s.Histogram.Counts {
			hist += c
		}
		if hist != int64(sc.Len()) {
			t.Errorf("segment %s histogram counts %d scenarios, want %d", s.Segment, hist, sc.Len())
		}
	}
	// The payment-shock distribution counts every loan, and its mean is the
	// per-loan mean to the micro-unit rounding.
	var shock float64
	for _, r := range results {
		shock += r.PaymentShockMean
	}
	ps := rep.PaymentShock
	if ps.Loans != 2000 || math.Abs(ps.Mean-shock/n) > 1e-6 {
		t.Errorf("payment shock over %d loans, mean %v; per-loan mean %v over 2000", ps.Loans, ps.Mean, shock/n)
	}
	if !(ps.Mean > 1 && ps.Above[0].Loans > 0 && ps.Counts[1] > 0) {
		t.Errorf("a generated book with variable-rate loans shows no payment shock: %+v", ps.ShockStats)
	}
	if segLoans != h.Loans || h.Loans != 2000 {
		t.Errorf("segments count %d loans, headline %d, want 2000", segLoans, h.Loans)
	}
	if len(rep.ScoreBands) == 0 || len(rep.RiskGrades) == 0 {
		t.Error("no PD by score band or grade")
	}
	if rep.ParamsHash != sc.Params().Hash() || rep.ModelVersion != model.ModelVersion || rep.GoVersion == "" {
		t.Error("report lacks provenance")
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report does not marshal: %v", err)
	}
}

func TestSummariseRefusesAPartialOfOtherParams(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios = 10
	q := p
	q.Gamma = 2
	if _, err := Summarise(NewPartial(p), q); err == nil {
		t.Fatal("Summarise accepted a partial built with other parameters")
	}
	rep, err := Summarise(NewPartial(p), p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Headline.Loans != 0 || rep.Headline.ExpectedLoss != 0 {
		t.Errorf("empty partial summarised as %+v", rep.Headline)
	}
}

// TestSanityOnADefaultLikePortfolio runs 100,000 loans of the portfolio
// generator with the default parameters except S = 200 scenarios (to keep
// the test quick: the loss rate is a mean, well estimated by 200 scenarios)
// and a nine-quarter horizon, H = 27, the horizon of the figure it is
// checked against. MODEL.md's sanity scale: the Federal Reserve's severely
// adverse stress tests lose about 6-7% over nine quarters; 0.1% or 40% would
// mean the model or the data is wrong. We accept 0.5% to 20%: this portfolio
// is about 90% commercial real estate by exposure, at loan-to-values whose
// LGD is the 10% floor, and has no credit cards, so it sits below the Fed's
// bank-wide figure.
func TestSanityOnADefaultLikePortfolio(t *testing.T) {
	t.Parallel()
	sc := scenarios(t, func(p *model.Params) { p.Scenarios = 200; p.HorizonMonths = 27 })
	pt, _ := runBatches(t, sc, generated(t, 1, 100_000), 10_000, 2)
	rep, err := Summarise(pt, sc.Params())
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Headline
	t.Logf("100,000 loans, S = 200, H = 27: exposure $%.0f, expected loss $%.0f (rate %.3f%%, CI %.0f-%.0f), VaR99 $%.0f, ES99 $%.0f; PD baseline %.4f%%, stressed %.4f%%",
		h.ExposureUSD, h.ExpectedLoss, 100*h.ExpectedLossRate, h.ExpectedLossCI[0], h.ExpectedLossCI[1], h.VaR99, h.ES99, 100*h.PDBaselineMean, 100*h.PDStressedMean)
	for _, s := range rep.Segments {
		t.Logf("  %-22s loans %6d  EL rate %.3f%%  PD %.4f%% -> %.4f%%", s.Segment, s.Loans, 100*s.ExpectedLossRate, 100*s.PDBaselineMean, 100*s.PDStressedMean)
	}
	if h.ExpectedLossRate < 0.005 || h.ExpectedLossRate > 0.20 {
		t.Errorf("stressed expected loss rate %.3f%% outside the plausible 0.5%%-20%%", 100*h.ExpectedLossRate)
	}
	if !(h.PDStressedMean > h.PDBaselineMean) {
		t.Errorf("stressed PD %v not above baseline %v", h.PDStressedMean, h.PDBaselineMean)
	}
}
