package model

import (
	"fmt"
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// PD2YFromScore is the two-year default probability of a FICO score:
// logit(PD_2y) = ScoreIntercept - ScoreSlopePerPoint*score (MODEL.md).
func (p Params) PD2YFromScore(score int) float64 {
	return 1 / (1 + expDet(-(p.ScoreIntercept - float64(p.ScoreSlopePerPoint*float64(score)))))
}

// PD12FromScore is the one-year PD of a score, assuming a constant hazard
// over two years: PD_12 = 1 - sqrt(1 - PD_2y).
func (p Params) PD12FromScore(score int) float64 {
	return 1 - math.Sqrt(1-p.PD2YFromScore(score))
}

// PD12 is the baseline one-year PD of a loan: from its credit score for
// personal loans, from its risk grade for commercial ones, floored at PDFloor.
func (p Params) PD12(l *loan.Loan) (float64, error) {
	var pd float64
	switch {
	case l.Segment.Personal():
		if l.CreditScore < loan.MinCreditScore || l.CreditScore > loan.MaxCreditScore {
			return 0, fmt.Errorf("credit_score = %d, must be in [%d, %d] for segment %s", l.CreditScore, loan.MinCreditScore, loan.MaxCreditScore, l.Segment)
		}
		pd = p.PD12FromScore(l.CreditScore)
	case l.Segment.Commercial():
		if l.RiskGrade < loan.MinRiskGrade || l.RiskGrade > loan.MaxRiskGrade {
			return 0, fmt.Errorf("risk_grade = %d, must be in [%d, %d] for segment %s", l.RiskGrade, loan.MinRiskGrade, loan.MaxRiskGrade, l.Segment)
		}
		pd = p.GradePD12[l.RiskGrade-1]
	default:
		return 0, fmt.Errorf("segment = %q, must be one of %v", l.Segment, loan.Segments)
	}
	return math.Max(pd, p.PDFloor), nil
}

// MonthlyHazard is the constant monthly hazard with one-year PD pd12:
// h0 = -ln(1 - PD_12)/12, so that 1 - exp(-12*h0) = PD_12.
func MonthlyHazard(pd12 float64) float64 {
	return -math.Log1p(-pd12) / 12
}
