package risk

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// Headline holds the figures a report leads with; the CLI prints exactly
// these keys. Money is US dollars, rates are fractions. A tail figure
// (VaR, ES) whose status is TailInsufficient is 0 here, with a zero
// interval, and null in JSON.
type Headline struct {
	Loans            int64    `json:"loans"`
	Scenarios        int      `json:"scenarios"`
	ExposureUSD      float64  `json:"exposure"`
	ExpectedLoss     float64  `json:"expected_loss"`
	ExpectedLossCI   Interval `json:"expected_loss_ci"`
	ExpectedLossRate float64  `json:"expected_loss_rate"`
	// AvgBalanceUSD is the sum of the loans' average balances over the
	// horizon; 0 when the results carry none.
	AvgBalanceUSD float64 `json:"avg_balance"`
	// LossRateAvgBalance is ExpectedLoss over AvgBalanceUSD (the Federal
	// Reserve's basis); 0, null in JSON, when AvgBalanceUSD is 0.
	LossRateAvgBalance float64  `json:"loss_rate_avg_balance"`
	VaR99              float64  `json:"var_99"`
	VaR99CI            Interval `json:"var_99_ci"`
	VaR999             float64  `json:"var_999"`
	VaR999CI           Interval `json:"var_999_ci"`
	ES99               float64  `json:"es_99"`
	ES99CI             Interval `json:"es_99_ci"`
	ES999              float64  `json:"es_999"`
	ES999CI            Interval `json:"es_999_ci"`
	// Tail99 and Tail999 classify the 99% and 99.9% figures.
	Tail99  TailStatus `json:"tail_99"`
	Tail999 TailStatus `json:"tail_999"`
	// PDBaselineMean and PDStressedMean are means over loans;
	// the ...Exposure ones are weighted by EAD today.
	PDBaselineMean         float64 `json:"pd_baseline_mean"`
	PDStressedMean         float64 `json:"pd_stressed_mean"`
	PDBaselineMeanExposure float64 `json:"pd_baseline_mean_exposure"`
	PDStressedMeanExposure float64 `json:"pd_stressed_mean_exposure"`
	// TailWarning says which tail figures are not reported or indicative,
	// and why; empty when all are reliable.
	TailWarning string `json:"tail_warning,omitempty"`
	// Warning repeats TailWarning (the key readers of earlier reports know).
	Warning string `json:"warning,omitempty"`
}

// LossStats are the loss figures of the portfolio or one segment. Money is
// US dollars over the horizon. In an importance-sampled run every figure
// from the scenario losses is likelihood-weighted (docs/statistics.md).
type LossStats struct {
	Loans int64 `json:"loans"`
	// ExposureUSD is the sum of EAD today.
	ExposureUSD float64 `json:"exposure"`
	// AvgBalanceUSD is the sum of the loans' average balances over the
	// horizon; 0 when the results carry none.
	AvgBalanceUSD float64 `json:"avg_balance"`
	// ExpectedLoss is the mean scenario loss, with its 95% interval.
	ExpectedLoss   float64  `json:"expected_loss"`
	ExpectedLossCI Interval `json:"expected_loss_ci"`
	// ExpectedLossRate is ExpectedLoss / ExposureUSD.
	ExpectedLossRate float64 `json:"expected_loss_rate"`
	// LossRateAvgBalance is ExpectedLoss / AvgBalanceUSD, the Federal
	// Reserve's loss-rate basis; 0, null in JSON, when AvgBalanceUSD is 0.
	LossRateAvgBalance float64 `json:"loss_rate_avg_balance"`
	// ExpectedLossPerLoan is the sum of per-loan StressedPD*EAD*LGD (EAD
	// today, so a little above ExpectedLoss, which uses the amortised
	// balance at the default month).
	ExpectedLossPerLoan float64  `json:"expected_loss_per_loan_sum"`
	VaR99               float64  `json:"var_99"`
	VaR99CI             Interval `json:"var_99_ci"`
	// VaR99CIExact reports whether both ends of VaR99CI lie inside the
	// sample. When false too few scenarios lie beyond the quantile for an
	// upper bound, and VaR99CI[1] is only the largest simulated loss: the
	// interval is open above.
	VaR99CIExact bool     `json:"var_99_ci_exact"`
	ES99         float64  `json:"es_99"`
	ES99CI       Interval `json:"es_99_ci"`
	VaR999       float64  `json:"var_999"`
	VaR999CI     Interval `json:"var_999_ci"`
	// VaR999CIExact is VaR99CIExact for the 99.9% interval.
	VaR999CIExact bool     `json:"var_999_ci_exact"`
	ES999         float64  `json:"es_999"`
	ES999CI       Interval `json:"es_999_ci"`
	// Tail99 classifies VaR99 and ES99 by Tail99Scenarios, the scenarios
	// in their tail; when TailInsufficient the four figures are 0 here and
	// null in JSON. Likewise at 99.9%.
	Tail99           TailStatus `json:"tail_99"`
	Tail99Scenarios  int        `json:"tail_99_scenarios"`
	Tail999          TailStatus `json:"tail_999"`
	Tail999Scenarios int        `json:"tail_999_scenarios"`
	// TailWarning says which tail figures are not reported or indicative,
	// and why; empty when all are reliable.
	TailWarning    string  `json:"tail_warning,omitempty"`
	PDBaselineMean float64 `json:"pd_baseline_mean"`
	PDStressedMean float64 `json:"pd_stressed_mean"`
	// PDBaselineMeanExposure and PDStressedMeanExposure are the mean PDs
	// weighted by EAD today.
	PDBaselineMeanExposure float64 `json:"pd_baseline_mean_exposure"`
	PDStressedMeanExposure float64 `json:"pd_stressed_mean_exposure"`
	// DefaultRate is the share of loan-scenarios that defaulted in the
	// draws (a plain count, not likelihood-weighted).
	DefaultRate float64   `json:"default_rate"`
	Histogram   Histogram `json:"loss_histogram"`
}

// SegmentReport is LossStats for one segment.
type SegmentReport struct {
	Segment loan.Segment `json:"segment"`
	LossStats
}

// BandReport is the PD of the loans in a score band or risk grade.
type BandReport struct {
	Band           string  `json:"band"`
	Loans          int64   `json:"loans"`
	ExposureUSD    float64 `json:"exposure"`
	PDBaselineMean float64 `json:"pd_baseline_mean"`
	PDStressedMean float64 `json:"pd_stressed_mean"`
	DeltaPDMean    float64 `json:"delta_pd_mean"`
}

// Sampling describes the importance sampling of a run whose scenarios
// carry likelihood ratios (model.Params.TailShift).
type Sampling struct {
	// TailShift is the shift theta of the credit-cycle innovations.
	TailShift float64 `json:"tail_shift"`
	// EffectiveScenarios is Kish's effective sample size (sum w)^2/sum w^2
	// over all scenarios: how many plain scenarios the weighted mean is
	// worth. It is not the tail's: the tail gains what the body loses.
	EffectiveScenarios float64 `json:"effective_scenarios"`
	// MeanWeight is the mean likelihood ratio, 1 in expectation; far from
	// 1, the shift is too large for the scenario count.
	MeanWeight float64 `json:"mean_weight"`
}

// Report is everything a run reports, with the provenance every output
// records (MODEL.md, reproducibility).
type Report struct {
	Headline      Headline        `json:"headline"`
	ModelVersion  string          `json:"model_version"`
	ParamsHash    string          `json:"params_hash"`
	Seed          uint64          `json:"seed"`
	GoVersion     string          `json:"go_version"`
	GOARCH        string          `json:"goarch"`
	HorizonMonths int             `json:"horizon_months"`
	Params        model.Params    `json:"params"`
	Portfolio     LossStats       `json:"portfolio"`
	Segments      []SegmentReport `json:"segments"`
	ScoreBands    []BandReport    `json:"score_bands"`
	RiskGrades    []BandReport    `json:"risk_grades"`
	// PaymentShock is the distribution of the loans' peak payment shocks.
	PaymentShock ShockReport `json:"payment_shock"`
	// ScenarioPaths are the scenarios' macro paths month by month (mean and
	// 5-95% band of the policy rate, unemployment, house and commercial
	// real estate prices); nil when summarised without the scenarios.
	ScenarioPaths *model.PathBands `json:"scenario_paths,omitempty"`
	// ImportanceSampling is set when the scenarios carry weights other
	// than 1.
	ImportanceSampling *Sampling `json:"importance_sampling,omitempty"`
	// Attribution is the attribution of the stressed loss to the model's
	// channels on the sampled loans; nil when the run has none.
	Attribution *AttributionReport `json:"attribution,omitempty"`
	Warnings    []string           `json:"warnings,omitempty"`
}

// ScenarioSource is what SummariseScenarios needs of a run's scenarios;
// *model.Scenarios is one.
type ScenarioSource interface {
	Params() model.Params
	// Weight is scenario s's likelihood ratio (1 in a plain run).
	Weight(s int) float64
	PathBands() model.PathBands
}

// Summarise computes the report of a merged Partial built with params p,
// for a plain Monte Carlo run (every scenario weight 1) and without the
// scenario paths. An importance-sampled run (p.TailShift != 0) needs its
// weights: use SummariseScenarios.
func Summarise(pt *Partial, p model.Params) (Report, error) {
	if p.TailShift != 0 {
		return Report{}, fmt.Errorf("summarise: an importance-sampled run (tailShift %g) needs its scenario weights: use SummariseScenarios", p.TailShift)
	}
	return summarise(pt, p, nil)
}

// SummariseScenarios computes the report of a merged Partial built with
// sc's parameters, weighting each scenario by sc.Weight and adding sc's
// path bands. It is what aggregation calls: rebuilding the run's Scenarios
// from its parameters (model.NewScenarios) gives the same weights the
// workers used.
func SummariseScenarios(pt *Partial, sc ScenarioSource) (Report, error) {
	p := sc.Params()
	w := make([]float64, pt.Scenarios)
	unit := true
	for s := range w {
		w[s] = sc.Weight(s)
		if !(w[s] >= 0) || math.IsInf(w[s], 0) {
			return Report{}, fmt.Errorf("summarise: scenario %d has weight %v, want a finite weight >= 0", s, w[s])
		}
		unit = unit && w[s] == 1
	}
	if unit {
		w = nil
	}
	rep, err := summarise(pt, p, w)
	if err != nil {
		return Report{}, err
	}
	if b := sc.PathBands(); !bandsEmpty(b) {
		rep.ScenarioPaths = &b
	}
	return rep, nil
}

// summarise computes the report; weights[s] is scenario s's likelihood
// ratio, nil for every weight 1.
func summarise(pt *Partial, p model.Params, weights []float64) (Report, error) {
	switch {
	case pt.ParamsHash != p.Hash():
		return Report{}, fmt.Errorf("summarise: partial has params hash %s, params give %s", pt.ParamsHash, p.Hash())
	case pt.Seed != p.Seed:
		return Report{}, fmt.Errorf("summarise: partial has seed %d, params %d", pt.Seed, p.Seed)
	case pt.Scenarios < 1 || len(pt.Segments) != len(loan.Segments):
		return Report{}, fmt.Errorf("summarise: malformed partial (%d scenarios, %d segments)", pt.Scenarios, len(pt.Segments))
	case weights != nil && len(weights) != pt.Scenarios:
		return Report{}, fmt.Errorf("summarise: %d weights for %d scenarios", len(weights), pt.Scenarios)
	}
	if weights != nil {
		var sum float64
		for _, w := range weights {
			sum += w
		}
		if !(sum > 0) {
			return Report{}, errors.New("summarise: the scenario weights sum to 0")
		}
	}
	S := pt.Scenarios
	rep := Report{
		ModelVersion:  pt.ModelVersion,
		ParamsHash:    pt.ParamsHash,
		Seed:          pt.Seed,
		GoVersion:     runtime.Version(),
		GOARCH:        runtime.GOARCH,
		HorizonMonths: p.HorizonMonths,
		Params:        p,
	}
	total := make([]int64, S)
	var all BandPartial
	var draws int64
	var shock ShockPartial
	rep.PaymentShock.Edges = append([]float64(nil), ShockEdges...)
	for i := range pt.Segments {
		seg := &pt.Segments[i]
		if len(seg.LossCents) != S {
			return Report{}, fmt.Errorf("summarise: segment %s has %d scenario losses, want %d", seg.Segment, len(seg.LossCents), S)
		}
		for s, c := range seg.LossCents {
			total[s] += c
		}
		all.merge(&seg.BandPartial)
		draws += seg.DefaultDraws
		shock.merge(&seg.PaymentShock)
		if seg.Loans > 0 {
			rep.Segments = append(rep.Segments, SegmentReport{seg.Segment, lossStats(seg.LossCents, weights, &seg.BandPartial, seg.DefaultDraws)})
			rep.PaymentShock.Segments = append(rep.PaymentShock.Segments, SegmentShock{seg.Segment, shockStats(&seg.PaymentShock)})
		}
	}
	rep.Portfolio = lossStats(total, weights, &all, draws)
	rep.PaymentShock.ShockStats = shockStats(&shock)
	if weights != nil {
		smp := newSample(total, weights, 0)
		rep.ImportanceSampling = &Sampling{TailShift: p.TailShift, EffectiveScenarios: smp.effectiveScenarios(), MeanWeight: smp.total / float64(S)}
	}

	for i, b := range pt.ScoreBands {
		if b.Loans > 0 {
			rep.ScoreBands = append(rep.ScoreBands, bandReport(ScoreBands[i].Name, &pt.ScoreBands[i]))
		}
	}
	for i := range pt.RiskGrades {
		if pt.RiskGrades[i].Loans > 0 {
			rep.RiskGrades = append(rep.RiskGrades, bandReport(fmt.Sprintf("grade_%d", i+1), &pt.RiskGrades[i]))
		}
	}

	rep.Attribution = attributionReport(pt.Attribution)
	ps := &rep.Portfolio
	rep.Headline = Headline{
		Loans: ps.Loans, Scenarios: S, ExposureUSD: ps.ExposureUSD,
		ExpectedLoss: ps.ExpectedLoss, ExpectedLossCI: ps.ExpectedLossCI, ExpectedLossRate: ps.ExpectedLossRate,
		AvgBalanceUSD: ps.AvgBalanceUSD, LossRateAvgBalance: ps.LossRateAvgBalance,
		VaR99: ps.VaR99, VaR99CI: ps.VaR99CI, VaR999: ps.VaR999, VaR999CI: ps.VaR999CI,
		ES99: ps.ES99, ES99CI: ps.ES99CI, ES999: ps.ES999, ES999CI: ps.ES999CI,
		Tail99: ps.Tail99, Tail999: ps.Tail999,
		PDBaselineMean: ps.PDBaselineMean, PDStressedMean: ps.PDStressedMean,
		PDBaselineMeanExposure: ps.PDBaselineMeanExposure, PDStressedMeanExposure: ps.PDStressedMeanExposure,
		TailWarning: ps.TailWarning, Warning: ps.TailWarning,
	}
	if ps.TailWarning != "" {
		rep.Warnings = append(rep.Warnings, ps.TailWarning)
	}
	if ps.Loans == 0 {
		rep.Warnings = append(rep.Warnings, "no loans were evaluated")
	}
	return rep, nil
}

func lossStats(cents []int64, weights []float64, b *BandPartial, draws int64) LossStats {
	S := len(cents)
	ls := LossStats{
		Loans:               b.Loans,
		ExposureUSD:         float64(b.ExposureCents) / 100,
		AvgBalanceUSD:       float64(b.AvgBalanceCents) / 100,
		ExpectedLossPerLoan: float64(b.ExpectedLossCents) / 100,
	}
	smp := newSample(cents, weights, ls.ExposureUSD)
	ls.Histogram = smp.histogram()
	ls.ExpectedLoss, ls.ExpectedLossCI = smp.mean()
	if ls.ExposureUSD > 0 {
		ls.ExpectedLossRate = ls.ExpectedLoss / ls.ExposureUSD
	}
	if ls.AvgBalanceUSD > 0 {
		ls.LossRateAvgBalance = ls.ExpectedLoss / ls.AvgBalanceUSD
	}
	t99, t999 := smp.tailAt(0.99), smp.tailAt(0.999)
	ls.Tail99, ls.Tail99Scenarios = t99.Status, t99.Scenarios
	ls.Tail999, ls.Tail999Scenarios = t999.Status, t999.Scenarios
	if t99.Status.Reported() {
		ls.VaR99, ls.VaR99CI, ls.ES99, ls.ES99CI, ls.VaR99CIExact = t99.VaR, t99.VaRCI, t99.ES, t99.ESCI, t99.Exact
	}
	if t999.Status.Reported() {
		ls.VaR999, ls.VaR999CI, ls.ES999, ls.ES999CI, ls.VaR999CIExact = t999.VaR, t999.VaRCI, t999.ES, t999.ESCI, t999.Exact
	}
	ls.TailWarning = tailWarning(S, weights != nil, []tailLevel{{"99%", "var_99, es_99", 0.99, t99}, {"99.9%", "var_999, es_999", 0.999, t999}})
	if b.Loans > 0 {
		ls.PDBaselineMean = float64(b.BaselinePDE9) / pdScale / float64(b.Loans)
		ls.PDStressedMean = float64(b.StressedPDE9) / pdScale / float64(b.Loans)
		ls.DefaultRate = float64(draws) / float64(b.Loans) / float64(S)
	}
	if b.ExposureCents > 0 {
		ls.PDBaselineMeanExposure = float64(b.BaselinePDExposureCents) / float64(b.ExposureCents)
		ls.PDStressedMeanExposure = float64(b.StressedPDExposureCents) / float64(b.ExposureCents)
	}
	return ls
}

// tailLevel names one level's figures for tailWarning.
type tailLevel struct {
	name, keys string
	alpha      float64
	t          tail
}

// tailWarning explains the levels whose figures are not reliable: how many
// scenarios their tail holds, what that means, and how many scenarios a
// plain run needs for a reliable figure.
func tailWarning(S int, weighted bool, levels []tailLevel) string {
	var parts []string
	for _, l := range levels {
		need := func(k int) string {
			if weighted {
				return "more scenarios or a larger tail shift"
			}
			return "at least " + groupInt(int64(math.Ceil(float64(k)/(1-l.alpha)-1e-6))) + " scenarios"
		}
		held := fmt.Sprintf("the %s tail holds %s of %s scenarios", l.name, groupInt(int64(l.t.Scenarios)), groupInt(int64(S)))
		switch l.t.Status {
		case TailInsufficient:
			parts = append(parts, fmt.Sprintf("%s figures (%s) not reported: %s, fewer than the %d needed (%s)",
				l.name, l.keys, held, MinTailScenarios, need(MinTailScenarios)))
		case TailIndicative:
			parts = append(parts, fmt.Sprintf("%s figures (%s) are indicative: %s, fewer than %d (%s for a reliable figure)",
				l.name, l.keys, held, ReliableTailScenarios, need(ReliableTailScenarios)))
		}
	}
	return strings.Join(parts, "; ")
}

// groupInt writes n with thousands separators.
func groupInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func bandReport(name string, b *BandPartial) BandReport {
	r := BandReport{Band: name, Loans: b.Loans, ExposureUSD: float64(b.ExposureCents) / 100}
	r.PDBaselineMean = float64(b.BaselinePDE9) / pdScale / float64(b.Loans)
	r.PDStressedMean = float64(b.StressedPDE9) / pdScale / float64(b.Loans)
	r.DeltaPDMean = r.PDStressedMean - r.PDBaselineMean
	return r
}

// bandsEmpty reports whether the path bands hold no month at all.
func bandsEmpty(b model.PathBands) bool {
	for _, x := range []model.Band{b.FedFunds, b.Unemployment, b.HPI, b.CRE} {
		if len(x.Mean) > 0 {
			return false
		}
	}
	return true
}
