package portfolio

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// The distribution tests draw 200,000 loans at a fixed seed and accept
// statistics within 5 standard errors of the documented targets.
const statN = 200_000

// sample is shared by the parallel tests (read only), so the 200,000 loans
// are drawn and held once.
var sampleOnce = sync.OnceValue(func() []loan.Loan { return generate(nil, 99, statN) })

func sample(*testing.T) []loan.Loan { return sampleOnce() }

// within fails unless got is within 5 standard errors se of want.
func within(t *testing.T, what string, got, want, se float64) {
	t.Helper()
	if math.Abs(got-want) > 5*se {
		t.Errorf("%s = %.5f, want %.5f within 5 SE (%.5f)", what, got, want, 5*se)
	}
}

func proportion(t *testing.T, what string, hits, n int, p float64) {
	t.Helper()
	within(t, what, float64(hits)/float64(n), p, math.Sqrt(p*(1-p)/float64(n)))
}

func TestSegmentAndRateTypeMix(t *testing.T) {
	t.Parallel()
	loans := sample(t)
	count := map[loan.Segment]int{}
	variable := map[loan.Segment]int{}
	secured := map[loan.Segment]int{}
	for _, l := range loans {
		count[l.Segment]++
		if l.RateType == loan.Variable {
			variable[l.Segment]++
		}
		if l.CollateralValueUSD > 0 {
			secured[l.Segment]++
		}
	}
	for k, seg := range segments {
		p := segmentCum[k]
		if k > 0 {
			p -= segmentCum[k-1]
		}
		proportion(t, string(seg)+" share", count[seg], statN, p)
	}
	proportion(t, "variable share of personal_unsecured", variable[loan.PersonalUnsecured], count[loan.PersonalUnsecured], unsecuredVariableShare)
	proportion(t, "variable share of commercial_term", variable[loan.CommercialTerm], count[loan.CommercialTerm], termVariableShare)
	proportion(t, "variable share of commercial_real_estate", variable[loan.CommercialRealEstate], count[loan.CommercialRealEstate], creVariableShare)
	if variable[loan.PersonalAuto] != 0 || variable[loan.CommercialLine] != count[loan.CommercialLine] {
		t.Errorf("auto loans must all be fixed (%d variable) and lines all variable (%d of %d)",
			variable[loan.PersonalAuto], variable[loan.CommercialLine], count[loan.CommercialLine])
	}
	proportion(t, "secured share of commercial_term", secured[loan.CommercialTerm], count[loan.CommercialTerm], termSecuredShare)
	proportion(t, "secured share of commercial_line", secured[loan.CommercialLine], count[loan.CommercialLine], lineSecuredShare)
	if secured[loan.PersonalUnsecured] != 0 || secured[loan.PersonalAuto] != count[loan.PersonalAuto] || secured[loan.CommercialRealEstate] != count[loan.CommercialRealEstate] {
		t.Errorf("collateral: unsecured %d (want 0), auto %d of %d, CRE %d of %d (want all)",
			secured[loan.PersonalUnsecured], secured[loan.PersonalAuto], count[loan.PersonalAuto], secured[loan.CommercialRealEstate], count[loan.CommercialRealEstate])
	}
}

func TestDebtToIncomeIsRealistic(t *testing.T) {
	t.Parallel()
	var n, band, above55 int
	var sum float64
	for _, l := range sample(t) {
		if !l.Segment.Personal() {
			continue
		}
		dti := (l.ScheduledPayment() + l.OtherDebtMonthlyUSD) / (l.IncomeAnnualUSD / 12)
		// Rounding income to dollars and debt to cents moves DTI by far less than 1e-3.
		if dti < dtiMin-1e-3 || dti > dtiMin+dtiSpan+1e-3 {
			t.Fatalf("loan %s has DTI %.4f outside 10-60%%", l.ID, dti)
		}
		n++
		sum += dti
		if dti >= 0.15 && dti <= 0.45 {
			band++
		}
		if dti > 0.55 {
			above55++
		}
	}
	// DTI = 0.10 + 0.50 B, B ~ Beta(2,4): mean 1/3, variance 8/252.
	within(t, "mean DTI", sum/float64(n), dtiMin+dtiSpan/3, dtiSpan*math.Sqrt(8.0/252)/math.Sqrt(float64(n)))
	// P(0.1 <= B <= 0.7) with the Beta(2,4) CDF 1 - (1-x)^5 - 5x(1-x)^4.
	cdf := func(x float64) float64 { return 1 - math.Pow(1-x, 5) - 5*x*math.Pow(1-x, 4) }
	proportion(t, "share of DTI within 15-45%", band, n, cdf(0.7)-cdf(0.1))
	proportion(t, "share of DTI above 55%", above55, n, 1-cdf(0.9))
}

func TestDebtServiceCoverageIsWithinTheBand(t *testing.T) {
	t.Parallel()
	var n int
	var sum float64
	for _, l := range sample(t) {
		if !l.Segment.Commercial() {
			continue
		}
		dscr := l.NOIAnnualUSD / (12 * l.ScheduledPayment())
		if dscr < dscrMin-1e-3 || dscr > dscrMin+dscrSpan+1e-3 {
			t.Fatalf("loan %s has DSCR %.4f outside 1.15-2.0", l.ID, dscr)
		}
		n++
		sum += dscr
	}
	// 1.15 + 0.85 U^1.5: E[U^1.5] = 0.4, Var[U^1.5] = 1/4 - 0.16 = 0.09.
	within(t, "mean DSCR", sum/float64(n), dscrMin+dscrSpan*0.4, dscrSpan*0.3/math.Sqrt(float64(n)))
}

func TestLoansAreInternallyConsistent(t *testing.T) {
	t.Parallel()
	asOf := loan.DefaultAsOf.Year()*12 + int(loan.DefaultAsOf.Month()) - 1
	for _, l := range sample(t) {
		age := l.TermMonths - l.RemainingMonths
		var y, m int
		if _, err := fmt.Sscanf(l.OriginationDate, "%4d-%2d", &y, &m); err != nil || asOf-(y*12+m-1) != age+1 {
			t.Fatalf("loan %s: originated %s but has made %d payments at %s", l.ID, l.OriginationDate, age, loan.DefaultAsOf.Format("2006-01"))
		}
		if l.InterestOnly {
			if l.BalanceUSD < 0.1*l.AmountUSD-0.01 || l.BalanceUSD > 0.9*l.AmountUSD+0.01 {
				t.Fatalf("line %s drawn %.0f of %.0f", l.ID, l.BalanceUSD, l.AmountUSD)
			}
		} else if want := math.Round(100*loan.BalanceAfter(l.AmountUSD, l.RateAnnual, l.TermMonths, age)) / 100; l.BalanceUSD != want {
			t.Fatalf("loan %s balance %v, want the scheduled %v after %d payments", l.ID, l.BalanceUSD, want, age)
		}
		if l.RateType == loan.Variable {
			level := map[loan.Index]float64{loan.Prime: PrimeAnnual, loan.SOFR: SOFRAnnual}[l.Index]
			if math.Abs(l.RateAnnual-(level+l.MarginAnnual)) > 1e-9 {
				t.Fatalf("loan %s rate %v is not index %s %v + margin %v", l.ID, l.RateAnnual, l.Index, level, l.MarginAnnual)
			}
		}
	}
}

func TestWorseCreditPaysMore(t *testing.T) {
	t.Parallel()
	// Mean margin of variable loans by risk grade, and mean rate of fixed
	// personal loans by score band, must rise with risk.
	var marginSum, marginN [11]float64
	var rateSum, rateN [6]float64 // score bands <600, 600s, 650s, 700s, 750s, >=800
	for _, l := range sample(t) {
		switch {
		case l.Segment == loan.CommercialTerm && l.RateType == loan.Variable:
			marginSum[l.RiskGrade] += l.MarginAnnual
			marginN[l.RiskGrade]++
		case l.Segment == loan.PersonalUnsecured:
			b := max(0, min(5, (l.CreditScore-550)/50))
			rateSum[b] += l.RateAnnual
			rateN[b]++
		}
	}
	for g := 2; g <= 10; g++ {
		if marginSum[g]/marginN[g] <= marginSum[g-1]/marginN[g-1] {
			t.Errorf("grade %d mean margin %.4f is not above grade %d's %.4f", g, marginSum[g]/marginN[g], g-1, marginSum[g-1]/marginN[g-1])
		}
	}
	for b := 1; b < 6; b++ {
		if rateSum[b]/rateN[b] >= rateSum[b-1]/rateN[b-1] {
			t.Errorf("score band %d mean rate %.4f is not below band %d's %.4f", b, rateSum[b]/rateN[b], b-1, rateSum[b-1]/rateN[b-1])
		}
	}
}

func TestCreditScoresAndGrades(t *testing.T) {
	t.Parallel()
	var n, sum float64
	grades := map[int]int{}
	commercial := 0
	for _, l := range sample(t) {
		if l.Segment.Personal() {
			n++
			sum += float64(l.CreditScore)
		} else {
			grades[l.RiskGrade]++
			commercial++
		}
	}
	// Clamping at 850 lowers the mean by under 0.3 points, well inside 5 SE.
	within(t, "mean credit score", sum/n, scoreMean, scoreSD/math.Sqrt(n))
	for k, g := range riskGrades.values {
		p := riskGrades.cum[k]
		if k > 0 {
			p -= riskGrades.cum[k-1]
		}
		proportion(t, "share of risk grade "+string(rune('0'+g%10)), grades[g], commercial, p)
	}
}
