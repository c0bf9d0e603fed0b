package model

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Hand-built loans for the tests: each valid under loan.Validate, with
// payments from the amortisation formula and affordable at origination.

func personalFixed(id string, score int) loan.Loan {
	bal, rate, rem := 20_000.0, 0.11, 48
	pay := Payment(bal, rate, rem)
	return loan.Loan{
		ID: id, Segment: loan.PersonalUnsecured, RateType: loan.Fixed,
		AmountUSD: 25_000, BalanceUSD: bal, TermMonths: 60, RemainingMonths: rem,
		RateAnnual: rate, CreditScore: score,
		IncomeAnnualUSD: 12 * (pay + 400) / 0.30, OtherDebtMonthlyUSD: 400,
		OriginationDate: "2024-06-15",
	}
}

// personalPrime is a monthly-reset prime loan whose rate today equals prime
// at r0 plus its margin, so its payment changes only if the policy rate does.
func personalPrime(id string, score int, margin float64) loan.Loan {
	p := DefaultParams()
	rate := p.R0Annual + p.PrimeSpreadAnnual + margin
	l := personalFixed(id, score)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths, l.RateAnnual = loan.Variable, loan.Prime, margin, 1, rate
	pay := Payment(l.BalanceUSD, rate, l.RemainingMonths)
	l.IncomeAnnualUSD = 12 * (pay + l.OtherDebtMonthlyUSD) / 0.30
	return l
}

func autoLoan(id string, score int) loan.Loan {
	l := personalFixed(id, score)
	l.Segment, l.CollateralValueUSD = loan.PersonalAuto, 18_000
	return l
}

func commercialLine(id string, grade int, margin float64) loan.Loan {
	p := DefaultParams()
	rate := p.R0Annual + p.PrimeSpreadAnnual + margin
	drawn := 100_000.0
	return loan.Loan{
		ID: id, Segment: loan.CommercialLine, RateType: loan.Variable, Index: loan.Prime,
		AmountUSD: 250_000, BalanceUSD: drawn, TermMonths: 36, RemainingMonths: 30,
		InterestOnly: true, RateAnnual: rate, MarginAnnual: margin, ResetMonths: 1,
		RiskGrade: grade, NOIAnnualUSD: 1.5 * 12 * drawn * rate / 12,
		OriginationDate: "2025-01-10",
	}
}

func creARM(id string, grade int) loan.Loan {
	p := DefaultParams()
	margin := 0.025
	rate := p.R0Annual + margin
	bal, rem := 2_000_000.0, 200
	pay := Payment(bal, rate, rem)
	return loan.Loan{
		ID: id, Segment: loan.CommercialRealEstate, RateType: loan.Variable, Index: loan.SOFR,
		AmountUSD: 2_500_000, BalanceUSD: bal, TermMonths: 240, RemainingMonths: rem,
		RateAnnual: rate, MarginAnnual: margin, ResetMonths: 12,
		PeriodicCapAnnual: 0.02, LifetimeCapAnnual: 0.05,
		RiskGrade: grade, NOIAnnualUSD: 1.4 * 12 * pay, CollateralValueUSD: 3_000_000,
		OriginationDate: "2022-09-01",
	}
}

func commercialTermFixed(id string, grade int, collateral float64) loan.Loan {
	bal, rate, rem := 400_000.0, 0.075, 50
	pay := Payment(bal, rate, rem)
	return loan.Loan{
		ID: id, Segment: loan.CommercialTerm, RateType: loan.Fixed,
		AmountUSD: 500_000, BalanceUSD: bal, TermMonths: 60, RemainingMonths: rem,
		RateAnnual: rate, RiskGrade: grade, NOIAnnualUSD: 1.5 * 12 * pay,
		CollateralValueUSD: collateral, OriginationDate: "2024-08-01",
	}
}

// mixedPortfolio is a deterministic mix of the loan kinds above.
func mixedPortfolio(n int) []loan.Loan {
	out := make([]loan.Loan, n)
	for i := range out {
		id := fmt.Sprintf("T%06d", i)
		score := 560 + (i*37)%260
		grade := 1 + (i*7)%10
		switch i % 6 {
		case 0:
			out[i] = personalFixed(id, score)
		case 1:
			out[i] = personalPrime(id, score, 0.02+float64(i%5)*0.01)
		case 2:
			out[i] = autoLoan(id, score)
		case 3:
			out[i] = commercialLine(id, grade, 0.01)
		case 4:
			out[i] = creARM(id, grade)
		default:
			out[i] = commercialTermFixed(id, grade, float64(i%2)*300_000)
		}
	}
	return out
}
