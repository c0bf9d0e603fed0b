package portfolio

import (
	"fmt"
	"math"
	"slices"
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

// bySegment draws n loans of one segment from seed's streams (loan i's
// stream, the segment forced), for per-segment statistics.
func bySegment(seg loan.Segment, seed uint64, n int) []loan.Loan {
	g, err := New(seed)
	if err != nil {
		panic(err)
	}
	out := make([]loan.Loan, n)
	for i := range out {
		g.reseed(uint64(i))
		out[i] = loan.Loan{ID: g.ID(uint64(i))}
		g.fill(seg, &out[i])
	}
	return out
}

// TestExposureMix is issue 11's mix test: by balance (exposure), not count,
// the generated book matches calibration.ExposureMix within 5 standard
// errors of the ratio estimator and within 1.5 percentage points.
func TestExposureMix(t *testing.T) {
	t.Parallel()
	loans := sample(t)
	target, _ := TargetMix()
	var total float64
	for _, l := range loans {
		total += l.BalanceUSD
	}
	n := float64(len(loans))
	mean := total / n
	for _, seg := range segments {
		var x float64
		for _, l := range loans {
			if l.Segment == seg {
				x += l.BalanceUSD
			}
		}
		r := x / total
		// Var(R) ~ Var(x_i - R y_i) / (n ybar^2), x_i = y_i 1[segment].
		var ss float64
		for _, l := range loans {
			d := -r * l.BalanceUSD
			if l.Segment == seg {
				d += l.BalanceUSD
			}
			ss += d * d
		}
		se := math.Sqrt(ss/(n-1)/n) / mean
		t.Logf("%-24s exposure share %.4f, target %.4f (SE %.4f)", seg, r, target[seg], se)
		within(t, string(seg)+" exposure share", r, target[seg], se)
		if math.Abs(r-target[seg]) > 0.015 {
			t.Errorf("%s exposure share %.4f is more than 1.5 points from the target %.4f", seg, r, target[seg])
		}
	}
}

// TestMeanBalances keeps segmentMeanBalance, from which the count shares
// are derived, equal to what the distributions give (within 1.5%).
func TestMeanBalances(t *testing.T) {
	t.Parallel()
	const n = 60_000
	for k, seg := range segments {
		var sum float64
		for _, l := range bySegment(seg, 5, n) {
			sum += l.BalanceUSD
		}
		got := sum / n
		if math.Abs(got/segmentMeanBalance[k]-1) > 0.015 {
			t.Errorf("%s mean balance %.0f, segmentMeanBalance says %.0f: update the table", seg, got, segmentMeanBalance[k])
		}
	}
}

// payment is the monthly debt service the model charges the loan today:
// interest only for lines and HELOCs, interest plus the minimum principal
// for cards, the level payment otherwise.
func payment(l *loan.Loan) float64 {
	if l.Segment == loan.CreditCard {
		return l.BalanceUSD * (l.RateAnnual/12 + cardMinPrincipal)
	}
	return l.ScheduledPayment()
}

// TestNoCovenantIsBreachedOnDayOne: every personal loan's debt-to-income is
// below DTICap (and so below the model's 55% cap), every commercial loan's
// debt-service coverage at today's payment is at least 1.25.
func TestNoCovenantIsBreachedOnDayOne(t *testing.T) {
	t.Parallel()
	for _, l := range sample(t) {
		if l.Segment.Personal() {
			dti := (payment(&l) + l.OtherDebtMonthlyUSD) / (l.IncomeAnnualUSD / 12)
			if dti >= DTICap || !(dti > 0) {
				t.Fatalf("%s (%s) has DTI %.4f, want below %.2f", l.ID, l.Segment, dti, DTICap)
			}
			continue
		}
		dscr := l.NOIAnnualUSD / (12 * l.ScheduledPayment())
		if dscr < DSCRCovenant {
			t.Fatalf("%s (%s) has DSCR %.4f, want at least %.2f", l.ID, l.Segment, dscr, DSCRCovenant)
		}
	}
}

func TestDebtToIncomeIsRealistic(t *testing.T) {
	t.Parallel()
	var mortgage []float64
	for _, l := range sample(t) {
		if l.Segment == loan.ResidentialMortgage {
			mortgage = append(mortgage, (payment(&l)+l.OtherDebtMonthlyUSD)/(l.IncomeAnnualUSD/12))
		}
	}
	slices.Sort(mortgage)
	// FR Y-14M back-end DTI at origination, median 37-38% (2022-2023).
	if med := mortgage[len(mortgage)/2]; med < 0.35 || med > 0.41 {
		t.Errorf("median mortgage back-end DTI %.3f, want 0.35-0.41", med)
	}
}

// TestCREMaturityProfile: every CRE loan is a 5-, 7- or 10-year balloon
// falling due after today, and creMaturingShare of them fall due inside
// 27 months.
func TestCREMaturityProfile(t *testing.T) {
	t.Parallel()
	var n, inside int
	var balIn, bal float64
	for _, l := range sample(t) {
		if l.Segment != loan.CommercialRealEstate {
			continue
		}
		age := l.TermMonths - l.RemainingMonths
		if !slices.Contains(creBalloons.values, l.BalloonMonth) || l.BalloonMonth <= age {
			t.Fatalf("%s: balloon month %d at age %d", l.ID, l.BalloonMonth, age)
		}
		n++
		bal += l.BalanceUSD
		if l.BalloonMonth-age <= creMaturingMonths {
			inside++
			balIn += l.BalanceUSD
		}
	}
	proportion(t, "share of CRE loans maturing inside 27 months", inside, n, creMaturingShare)
	t.Logf("CRE maturing inside %d months: %.1f%% of loans, %.1f%% of balance", creMaturingMonths, 100*float64(inside)/float64(n), 100*balIn/bal)
}

func TestProducts(t *testing.T) {
	t.Parallel()
	count := map[loan.Segment]int{}
	variable := map[loan.Segment]int{}
	secured := map[loan.Segment]int{}
	for _, l := range sample(t) {
		count[l.Segment]++
		if l.RateType == loan.Variable {
			variable[l.Segment]++
		}
		if l.CollateralValueUSD > 0 {
			secured[l.Segment]++
		}
		switch l.Segment {
		case loan.ResidentialMortgage:
			if l.TermMonths != 360 || (l.RateType == loan.Variable && (l.Index != loan.SOFR || l.OriginationRateAnnual == 0 || l.LifetimeCapAnnual != armLifetimeCap)) {
				t.Fatalf("%s: not a 30-year fixed or 5/1 SOFR ARM: %s", l.ID, loan.AppendJSON(nil, &l))
			}
		case loan.HomeEquity:
			if l.Index != loan.Prime || l.ResetMonths != 1 || !l.InterestOnly || l.RateCeilingAnnual != helocRateCeiling {
				t.Fatalf("%s: not a HELOC on prime: %s", l.ID, loan.AppendJSON(nil, &l))
			}
		case loan.CreditCard:
			if l.Index != loan.Prime || l.ResetMonths != 1 || l.CreditLimitUSD != l.AmountUSD || l.BalanceUSD > l.CreditLimitUSD || l.RemainingMonths <= 120 {
				t.Fatalf("%s: not a prime-plus card with a limit: %s", l.ID, loan.AppendJSON(nil, &l))
			}
		case loan.CommercialLine:
			if l.Index != loan.Prime || !l.InterestOnly || l.CreditLimitUSD != l.AmountUSD {
				t.Fatalf("%s: not a prime line with a limit: %s", l.ID, loan.AppendJSON(nil, &l))
			}
		case loan.CommercialTerm, loan.CommercialRealEstate:
			if l.RateType == loan.Variable && l.Index != loan.SOFR {
				t.Fatalf("%s: a floating %s loan not on SOFR", l.ID, l.Segment)
			}
		}
	}
	proportion(t, "5/1 ARM share of mortgages", variable[loan.ResidentialMortgage], count[loan.ResidentialMortgage], mortgageARMShare)
	proportion(t, "variable share of personal_unsecured", variable[loan.PersonalUnsecured], count[loan.PersonalUnsecured], unsecuredVariableShare)
	proportion(t, "SOFR share of commercial_term", variable[loan.CommercialTerm], count[loan.CommercialTerm], termVariableShare)
	proportion(t, "SOFR share of commercial_real_estate", variable[loan.CommercialRealEstate], count[loan.CommercialRealEstate], creVariableShare)
	proportion(t, "secured share of commercial_term", secured[loan.CommercialTerm], count[loan.CommercialTerm], termSecuredShare)
	proportion(t, "secured share of commercial_line", secured[loan.CommercialLine], count[loan.CommercialLine], lineSecuredShare)
	for _, seg := range []loan.Segment{loan.HomeEquity, loan.CreditCard, loan.CommercialLine} {
		if variable[seg] != count[seg] {
			t.Errorf("%s: %d of %d variable, want all", seg, variable[seg], count[seg])
		}
	}
	for _, seg := range []loan.Segment{loan.ResidentialMortgage, loan.HomeEquity, loan.CommercialRealEstate, loan.PersonalAuto} {
		if secured[seg] != count[seg] {
			t.Errorf("%s: %d of %d secured, want all", seg, secured[seg], count[seg])
		}
	}
	if variable[loan.PersonalAuto] != 0 {
		t.Errorf("%d variable auto loans, want none", variable[loan.PersonalAuto])
	}
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
		switch {
		case l.InterestOnly || l.Segment == loan.CreditCard:
			if l.BalanceUSD <= 0 || l.BalanceUSD > l.AmountUSD {
				t.Fatalf("%s drawn %.2f of %.0f", l.ID, l.BalanceUSD, l.AmountUSD)
			}
		default:
			if want := math.Round(100*loan.BalanceAfter(l.AmountUSD, l.RateAnnual, l.TermMonths, age)) / 100; l.BalanceUSD != want {
				t.Fatalf("loan %s balance %v, want the scheduled %v after %d payments", l.ID, l.BalanceUSD, want, age)
			}
		}
		if l.RateType == loan.Variable {
			level := map[loan.Index]float64{loan.Prime: PrimeAnnual, loan.SOFR: SOFRAnnual}[l.Index]
			arm := l.Segment == loan.ResidentialMortgage
			switch {
			case arm && age < armFixedMonths:
				if l.RateAnnual != l.OriginationRateAnnual || l.ResetMonths != armFixedMonths {
					t.Fatalf("ARM %s in its fixed period pays %v, not its start rate %v", l.ID, l.RateAnnual, l.OriginationRateAnnual)
				}
			case arm:
				if want := math.Min(l.OriginationRateAnnual+l.LifetimeCapAnnual, level+l.MarginAnnual); math.Abs(l.RateAnnual-want) > 1e-9 {
					t.Fatalf("ARM %s pays %v, want the capped index + margin %v", l.ID, l.RateAnnual, want)
				}
			default:
				if math.Abs(l.RateAnnual-(level+l.MarginAnnual)) > 1e-9 {
					t.Fatalf("loan %s rate %v is not index %s %v + margin %v", l.ID, l.RateAnnual, l.Index, level, l.MarginAnnual)
				}
			}
		}
	}
}

func TestWorseCreditPaysMore(t *testing.T) {
	t.Parallel()
	// Mean margin of floating term loans by risk grade, and mean rate of
	// fixed personal loans by score band, must rise with risk.
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
	scores := map[loan.Segment][]int{}
	grades := map[int]int{}
	commercial := 0
	for _, l := range sample(t) {
		if l.Segment.Personal() {
			scores[l.Segment] = append(scores[l.Segment], l.CreditScore)
		} else {
			grades[l.RiskGrade]++
			commercial++
		}
	}
	// Medians, which the clamps leave alone: the means of the normal draws.
	for seg, d := range map[loan.Segment]scoreDist{loan.ResidentialMortgage: mortgageScore, loan.HomeEquity: helocScore,
		loan.CreditCard: cardScore, loan.PersonalAuto: autoScore, loan.PersonalUnsecured: unsecuredScore} {
		s := scores[seg]
		slices.Sort(s)
		med := float64(s[len(s)/2])
		// SE of a median: 1.2533 sd / sqrt(n).
		within(t, string(seg)+" median score", med, d.mean, 1.2533*d.sd/math.Sqrt(float64(len(s)))+0.5)
	}
	for k, g := range riskGrades.values {
		p := riskGrades.cum[k]
		if k > 0 {
			p -= riskGrades.cum[k-1]
		}
		proportion(t, "share of risk grade "+fmt.Sprint(g), grades[g], commercial, p)
	}
}

func TestCardUtilisationMatchesTheY14Percentiles(t *testing.T) {
	t.Parallel()
	var u []float64
	for _, l := range sample(t) {
		if l.Segment == loan.CreditCard {
			u = append(u, l.BalanceUSD/l.CreditLimitUSD)
		}
	}
	slices.Sort(u)
	// normalCDF makes the utilisation rank exactly uniform: percentiles
	// land within sampling error of their targets.
	// Drawn above the zero-balance share: percentile q of the book is
	// percentile z + (1-z) q of the Y-14M table.
	for _, q := range cardUtil[1:4] {
		p := (q[0] - cardZeroShare) / (1 - cardZeroShare)
		got := u[int(p*float64(len(u)))]
		want := q[1]
		lo, hi := cardUtilisation(q[0]-0.005), cardUtilisation(q[0]+0.005)
		if got < lo || got > hi {
			t.Errorf("card utilisation p%.0f = %.4f, want %.4f (%.4f-%.4f)", 100*q[0], got, want, lo, hi)
		}
	}
}

func TestNormalCDFIsTheDrawsDistribution(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 3)
	g.reseed(0)
	const n = 200_000
	var below [5]int
	qs := [...]float64{0.05, 0.25, 0.5, 0.75, 0.95}
	for range n {
		u := normalCDF(g.normal())
		for k, q := range qs {
			if u < q {
				below[k]++
			}
		}
	}
	for k, q := range qs {
		proportion(t, fmt.Sprintf("P(normalCDF(Z) < %.2f)", q), below[k], n, q)
	}
	if normalCDF(0) != 0.5 || normalCDF(-4) != 0 || normalCDF(4) != 1 {
		t.Errorf("normalCDF(0, -4, 4) = %v, %v, %v", normalCDF(0), normalCDF(-4), normalCDF(4))
	}
}
