package risk

import (
	"fmt"
	"runtime"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// MinScenarios999 is the scenario count below which 99.9% figures are
// flagged: with fewer, the 99.9% tail holds under 100 scenarios (MODEL.md).
const MinScenarios999 = 100_000

// Headline holds the figures a report leads with; the CLI prints exactly
// these keys. Money is US dollars, rates are fractions.
type Headline struct {
	Loans            int64    `json:"loans"`
	Scenarios        int      `json:"scenarios"`
	ExposureUSD      float64  `json:"exposure"`
	ExpectedLoss     float64  `json:"expected_loss"`
	ExpectedLossCI   Interval `json:"expected_loss_ci"`
	ExpectedLossRate float64  `json:"expected_loss_rate"`
	VaR99            float64  `json:"var_99"`
	VaR99CI          Interval `json:"var_99_ci"`
	VaR999           float64  `json:"var_999"`
	VaR999CI         Interval `json:"var_999_ci"`
	ES99             float64  `json:"es_99"`
	ES99CI           Interval `json:"es_99_ci"`
	ES999            float64  `json:"es_999"`
	ES999CI          Interval `json:"es_999_ci"`
	PDBaselineMean   float64  `json:"pd_baseline_mean"`
	PDStressedMean   float64  `json:"pd_stressed_mean"`
	// Warning is set when the 99.9% figures rest on too few scenarios.
	Warning string `json:"warning,omitempty"`
}

// LossStats are the loss figures of the portfolio or one segment.
type LossStats struct {
	Loans int64 `json:"loans"`
	// ExposureUSD is the sum of EAD today.
	ExposureUSD float64 `json:"exposure"`
	// ExpectedLoss is the mean scenario loss, with its 95% interval.
	ExpectedLoss   float64  `json:"expected_loss"`
	ExpectedLossCI Interval `json:"expected_loss_ci"`
	// ExpectedLossRate is ExpectedLoss / ExposureUSD.
	ExpectedLossRate float64 `json:"expected_loss_rate"`
	// ExpectedLossPerLoan is the sum of per-loan StressedPD*EAD*LGD (EAD
	// today, so a little above ExpectedLoss, which uses the amortised
	// balance at the default month).
	ExpectedLossPerLoan float64  `json:"expected_loss_per_loan_sum"`
	VaR99               float64  `json:"var_99"`
	VaR99CI             Interval `json:"var_99_ci"`
	// VaR99CIExact reports whether both ends of VaR99CI are order
	// statistics inside the sample. When false there are too few scenarios
	// beyond the quantile for a distribution-free upper bound, and
	// VaR99CI[1] is only the largest simulated loss: the interval is open
	// above. It depends only on the scenario count: false below 368
	// scenarios. (The lower bound always exists for the levels reported
	// here.)
	VaR99CIExact bool     `json:"var_99_ci_exact"`
	ES99         float64  `json:"es_99"`
	ES99CI       Interval `json:"es_99_ci"`
	VaR999       float64  `json:"var_999"`
	VaR999CI     Interval `json:"var_999_ci"`
	// VaR999CIExact is VaR99CIExact for the 99.9% interval; it is false
	// below 3,688 scenarios.
	VaR999CIExact  bool     `json:"var_999_ci_exact"`
	ES999          float64  `json:"es_999"`
	ES999CI        Interval `json:"es_999_ci"`
	PDBaselineMean float64  `json:"pd_baseline_mean"`
	PDStressedMean float64  `json:"pd_stressed_mean"`
	// DefaultRate is the share of loan-scenarios that defaulted in the draws.
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
	Warnings     []string    `json:"warnings,omitempty"`
}

// Summarise computes the report of a merged Partial built with params p.
func Summarise(pt *Partial, p model.Params) (Report, error) {
	switch {
	case pt.ParamsHash != p.Hash():
		return Report{}, fmt.Errorf("summarise: partial has params hash %s, params give %s", pt.ParamsHash, p.Hash())
	case pt.Seed != p.Seed:
		return Report{}, fmt.Errorf("summarise: partial has seed %d, params %d", pt.Seed, p.Seed)
	case pt.Scenarios < 1 || len(pt.Segments) != len(loan.Segments):
		return Report{}, fmt.Errorf("summarise: malformed partial (%d scenarios, %d segments)", pt.Scenarios, len(pt.Segments))
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
			rep.Segments = append(rep.Segments, SegmentReport{seg.Segment, lossStats(seg.LossCents, &seg.BandPartial, seg.DefaultDraws, S)})
			rep.PaymentShock.Segments = append(rep.PaymentShock.Segments, SegmentShock{seg.Segment, shockStats(&seg.PaymentShock)})
		}
	}
	rep.Portfolio = lossStats(total, &all, draws, S)
	rep.PaymentShock.ShockStats = shockStats(&shock)

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

	ps := &rep.Portfolio
	rep.Headline = Headline{
		Loans: ps.Loans, Scenarios: S, ExposureUSD: ps.ExposureUSD,
		ExpectedLoss: ps.ExpectedLoss, ExpectedLossCI: ps.ExpectedLossCI, ExpectedLossRate: ps.ExpectedLossRate,
		VaR99: ps.VaR99, VaR99CI: ps.VaR99CI, VaR999: ps.VaR999, VaR999CI: ps.VaR999CI,
		ES99: ps.ES99, ES99CI: ps.ES99CI, ES999: ps.ES999, ES999CI: ps.ES999CI,
		PDBaselineMean: ps.PDBaselineMean, PDStressedMean: ps.PDStressedMean,
	}
	if S < MinScenarios999 {
		rep.Headline.Warning = fmt.Sprintf("99.9%% figures (var_999, es_999) rest on %d scenarios, %d in the tail; at least %d scenarios are needed for a reliable 99.9%% figure",
			S, S/1000, MinScenarios999)
		rep.Warnings = append(rep.Warnings, rep.Headline.Warning)
	}
	if ps.Loans == 0 {
		rep.Warnings = append(rep.Warnings, "no loans were evaluated")
	}
	return rep, nil
}

func lossStats(cents []int64, b *BandPartial, draws int64, S int) LossStats {
	sorted := sortedUSD(cents)
	ls := LossStats{
		Loans:               b.Loans,
		ExposureUSD:         float64(b.ExposureCents) / 100,
		ExpectedLossPerLoan: float64(b.ExpectedLossCents) / 100,
		Histogram:           histogram(sorted),
	}
	ls.ExpectedLoss, ls.ExpectedLossCI = meanCI(sorted)
	if ls.ExposureUSD > 0 {
		ls.ExpectedLossRate = ls.ExpectedLoss / ls.ExposureUSD
	}
	t99, t999 := tailStats(sorted, 0.99), tailStats(sorted, 0.999)
	ls.VaR99, ls.VaR99CI, ls.ES99, ls.ES99CI = t99.VaR, t99.VaRCI, t99.ES, t99.ESCI
	ls.VaR999, ls.VaR999CI, ls.ES999, ls.ES999CI = t999.VaR, t999.VaRCI, t999.ES, t999.ESCI
	ls.VaR99CIExact, ls.VaR999CIExact = t99.Exact, t999.Exact
	if b.Loans > 0 {
		ls.PDBaselineMean = float64(b.BaselinePDE9) / pdScale / float64(b.Loans)
		ls.PDStressedMean = float64(b.StressedPDE9) / pdScale / float64(b.Loans)
		ls.DefaultRate = float64(draws) / float64(b.Loans) / float64(S)
	}
	return ls
}

func bandReport(name string, b *BandPartial) BandReport {
	r := BandReport{Band: name, Loans: b.Loans, ExposureUSD: float64(b.ExposureCents) / 100}
	r.PDBaselineMean = float64(b.BaselinePDE9) / pdScale / float64(b.Loans)
	r.PDStressedMean = float64(b.StressedPDE9) / pdScale / float64(b.Loans)
	r.DeltaPDMean = r.PDStressedMean - r.PDBaselineMean
	return r
}
