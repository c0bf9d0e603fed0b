package model

import "github.com/montecarlo-pipeline/montecarlo/worker/loan"

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
	// BaselinePD is the mean conditional PD over the horizon on the baseline
	// paths (the policy rate's mean held at r0, the same draws); weighted by
	// Scenarios.Weight under importance sampling, like every mean here.
	BaselinePD float64 `json:"baseline_pd" parquet:"baseline_pd"`
	// StressedPD is the mean conditional PD on the stressed paths.
	StressedPD float64 `json:"stressed_pd" parquet:"stressed_pd"`
	// StressedPDLow and StressedPDHigh are the 95% interval of StressedPD,
	// mean +- 1.96 sd(PD_s)/sqrt(S) (MODEL.md section 2), clamped to [0, 1].
	// Zero width only when every scenario's PD is the same ([0, 1] with a
	// single scenario).
	StressedPDLow  float64 `json:"stressed_pd_low" parquet:"stressed_pd_low"`
	StressedPDHigh float64 `json:"stressed_pd_high" parquet:"stressed_pd_high"`
	// DeltaPD is StressedPD - BaselinePD. Both use the same draws (common
	// random numbers), so it measures the stress with little noise.
	DeltaPD float64 `json:"delta_pd" parquet:"delta_pd"`
	// RefiFailProb is the mean probability, over the stressed scenarios, that
	// a commercial loan maturing or with a balloon inside the horizon fails
	// to refinance (0 for other loans); StressedPD includes it.
	RefiFailProb float64 `json:"refi_fail_prob" parquet:"refi_fail_prob"`
	// PaymentShockMean is the mean over scenarios of the peak payment ratio
	// max_t A(t)/A(0) (1 for fixed-rate loans); PaymentShockMax is its
	// largest value over the scenarios.
	PaymentShockMean float64 `json:"payment_shock_mean" parquet:"payment_shock_mean"`
	PaymentShockMax  float64 `json:"payment_shock_max" parquet:"payment_shock_max"`
	// EADUSD is the exposure if the loan defaulted today: the balance, or for
	// a line the drawn amount plus CCFUndrawn of the undrawn. Scenario losses
	// use the scheduled balance at the simulated default month instead.
	EADUSD float64 `json:"ead" parquet:"ead"`
	// AvgBalanceUSD is the loan's average balance over the horizon, the
	// denominator of the Federal Reserve's loss rates (MODEL.md section 4):
	// the mean over the H months of the scheduled balance at the start of
	// each month (today's rate and payment; revolving loans their drawn
	// balance), 0 after the loan matures or its balloon falls due (a
	// run-off book, whose losses are the same loans' losses).
	AvgBalanceUSD float64 `json:"avg_balance" parquet:"avg_balance"`
	// LGD is the loss given default at EADUSD with today's collateral value.
	LGD float64 `json:"lgd" parquet:"lgd"`
	// LGDDefaultMean is the mean LGD of the loan's simulated defaults (at
	// their default months, on their scenarios' price indices); 0 if none.
	LGDDefaultMean float64 `json:"lgd_default_mean" parquet:"lgd_default_mean"`
	// DTIOverCap reports a personal loan whose debt-to-income ratio today is
	// above Params.DTICap: data to report, not a default (MODEL.md).
	DTIOverCap bool `json:"dti_over_cap" parquet:"dti_over_cap"`
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
	Scenario int // scenario index, 0..S-1
	// Month is the default month, 1..H; 0 where the loss cannot depend on
	// it and the model skips inverting the hazard (a card: revolving, so
	// its EAD is the same every month, and a flat LGD).
	Month int
	Cents int64 // EAD * LGD at the default month, rounded to the cent
}
