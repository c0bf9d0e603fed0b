package model

import (
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Result is one loan's outcome over the S scenarios. PDs are over the horizon
// (H months); money is US dollars. The json and parquet tags name the
// columns of the per-loan output.
type Result struct {
	LoanID      string       `json:"loan_id" parquet:"loan_id"`
	Segment     loan.Segment `json:"segment" parquet:"segment"`
	CreditScore int          `json:"credit_score,omitempty" parquet:"credit_score"` // personal loans, for PD by score band
	RiskGrade   int          `json:"risk_grade,omitempty" parquet:"risk_grade"`     // commercial loans

	// InputPD12 is the one-year PD from the score or grade (floored).
	InputPD12 float64 `json:"input_pd_12m" parquet:"input_pd_12m"`
	// BaselinePD is the mean conditional PD with the policy rate held at r0.
	BaselinePD float64 `json:"baseline_pd" parquet:"baseline_pd"`
	// StressedPD is the mean conditional PD on the stressed rate paths.
	StressedPD float64 `json:"stressed_pd" parquet:"stressed_pd"`
	// StressedPDLow and StressedPDHigh are the 95% Wilson interval of
	// StressedPD taken as a proportion over S scenario draws. The
	// conditional Monte Carlo estimate varies less than a proportion of S
	// Bernoulli draws, so the interval is conservative.
	StressedPDLow  float64 `json:"stressed_pd_low" parquet:"stressed_pd_low"`
	StressedPDHigh float64 `json:"stressed_pd_high" parquet:"stressed_pd_high"`
	// DeltaPD is StressedPD - BaselinePD. Both use the same macro paths, so
	// it measures the rate path alone with little noise.
	DeltaPD float64 `json:"delta_pd" parquet:"delta_pd"`
	// PaymentShockMean is the mean over scenarios of the peak payment ratio
	// max_t A(t)/A(0) (1 for fixed-rate loans); PaymentShockMax is its
	// largest value over the scenarios.
	PaymentShockMean float64 `json:"payment_shock_mean" parquet:"payment_shock_mean"`
	PaymentShockMax  float64 `json:"payment_shock_max" parquet:"payment_shock_max"`
	// EADUSD is the exposure if the loan defaulted today: the balance, or for
	// a line the drawn amount plus CCFUndrawn of the undrawn. Scenario losses
	// use the scheduled balance at the simulated default month instead.
	EADUSD float64 `json:"ead" parquet:"ead"`
	// AvgBalanceUSD is the loan's average balance over the horizon (the
	// denominator of the Federal Reserve's loss rates; MODEL.md section 4).
	AvgBalanceUSD float64 `json:"avg_balance" parquet:"avg_balance"`
	// LGD is the loss given default at EADUSD.
	LGD float64 `json:"lgd" parquet:"lgd"`
	// ExpectedLossUSD is StressedPD * EADUSD * LGD.
	ExpectedLossUSD float64 `json:"expected_loss" parquet:"expected_loss"`
	// DefaultDraws counts the scenarios in which the loan's Bernoulli draw
	// defaulted.
	DefaultDraws int `json:"default_draws" parquet:"default_draws"`

	// Losses lists the stressed scenarios in which the loan defaulted, in
	// scenario order, with the loss in cents. It is a view into the
	// Evaluator's scratch space, valid until its next Evaluate call: add it
	// to a risk.Partial (or copy it) before evaluating the next loan.
	Losses []ScenarioLoss `json:"-" parquet:"-"`
}

// ScenarioLoss is a loan's loss in one scenario where it defaulted.
type ScenarioLoss struct {
	Scenario int   // scenario index, 0..S-1
	Month    int   // default month, 1..H
	Cents    int64 // EAD * LGD at the default month, rounded to the cent
}

// wilson95 is the 95% Wilson score interval of a proportion p over n trials.
func wilson95(p float64, n int) (lo, hi float64) {
	const z = 1.959963984540054
	nf := float64(n)
	z2n := z * z / nf
	den := 1 + z2n
	center := (p + z2n/2) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2n/(4*nf))
	return math.Max(0, center-half), math.Min(1, center+half)
}
