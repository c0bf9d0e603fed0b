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
		switch i % 12 {
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
		case 5:
			out[i] = commercialTermFixed(id, grade, float64(i%2)*300_000)
		case 6:
			out[i] = cardFixed(id, score)
		case 7:
			out[i] = cardPrime(id, score, 0.10)
		case 8:
			out[i] = mortgageFixed(id, score, 0.55+float64(i%5)*0.08)
		case 9:
			out[i] = mortgageARM(id, score, 0.7)
		case 10:
			out[i] = homeEquityLine(id, score)
		default:
			out[i] = creBalloon(id, grade, 6+i%20, 2_000_000*0.065*1.3)
		}
	}
	return out
}

// cardFixed is a fixed-rate credit card: revolving, interest plus the
// minimum principal each month, drawn 4,000 of a 10,000 limit.
func cardFixed(id string, score int) loan.Loan {
	return loan.Loan{
		ID: id, Segment: loan.CreditCard, RateType: loan.Fixed,
		AmountUSD: 10_000, CreditLimitUSD: 10_000, BalanceUSD: 4_000, TermMonths: 60, RemainingMonths: 48,
		RateAnnual: 0.22, CreditScore: score, IncomeAnnualUSD: 60_000, OtherDebtMonthlyUSD: 300,
		OriginationDate: "2023-03-01",
	}
}

// cardPrime is a prime-based card that resets every month, its rate today
// prime at r0 plus its margin.
func cardPrime(id string, score int, margin float64) loan.Loan {
	p := DefaultParams()
	l := cardFixed(id, score)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, loan.Prime, margin, 1
	l.RateAnnual = p.R0Annual + p.PrimeSpreadAnnual + margin
	return l
}

// mortgageFixed is a fixed 30-year first-lien mortgage with loan-to-value
// ltv today.
func mortgageFixed(id string, score int, ltv float64) loan.Loan {
	bal, rate, rem := 300_000.0, 0.065, 330
	pay := Payment(bal, rate, rem)
	return loan.Loan{
		ID: id, Segment: loan.ResidentialMortgage, RateType: loan.Fixed,
		AmountUSD: 320_000, BalanceUSD: bal, TermMonths: 360, RemainingMonths: rem,
		RateAnnual: rate, CreditScore: score, CollateralValueUSD: bal / ltv,
		IncomeAnnualUSD: 12 * (pay + 500) / 0.33, OtherDebtMonthlyUSD: 500,
		OriginationDate: "2023-09-01",
	}
}

// mortgageARM is a 5/1 ARM on SOFR past its fixed period, resetting every
// 12 months within a 2% periodic cap and a rate ceiling.
func mortgageARM(id string, score int, ltv float64) loan.Loan {
	p := DefaultParams()
	l := mortgageFixed(id, score, ltv)
	l.RateType, l.Index, l.MarginAnnual, l.ResetMonths = loan.Variable, loan.SOFR, 0.0275, 12
	l.TermMonths, l.RemainingMonths = 360, 290 // age 70: resets at ages 72, 84, 96
	l.RateAnnual = p.R0Annual + 0.0275
	l.PeriodicCapAnnual, l.RateCeilingAnnual = 0.02, 0.1125
	return l
}

// homeEquityLine is a HELOC on prime, interest only, resetting monthly.
func homeEquityLine(id string, score int) loan.Loan {
	p := DefaultParams()
	rate := p.R0Annual + p.PrimeSpreadAnnual + 0.01
	return loan.Loan{
		ID: id, Segment: loan.HomeEquity, RateType: loan.Variable, Index: loan.Prime,
		MarginAnnual: 0.01, ResetMonths: 1, InterestOnly: true,
		AmountUSD: 80_000, BalanceUSD: 60_000, TermMonths: 120, RemainingMonths: 100,
		RateAnnual: rate, CreditScore: score, CollateralValueUSD: 150_000,
		IncomeAnnualUSD: 90_000, OtherDebtMonthlyUSD: 1500,
		OriginationDate: "2024-07-01",
	}
}

// creBalloon is an interest-only fixed-rate CRE loan whose balloon falls
// due balloonIn months from today, with annual NOI noi.
func creBalloon(id string, grade, balloonIn int, noi float64) loan.Loan {
	return loan.Loan{
		ID: id, Segment: loan.CommercialRealEstate, RateType: loan.Fixed, InterestOnly: true,
		AmountUSD: 2_000_000, BalanceUSD: 2_000_000, TermMonths: 120, RemainingMonths: 60,
		BalloonMonth: 60 + balloonIn, RateAnnual: 0.065, RiskGrade: grade,
		NOIAnnualUSD: noi, CollateralValueUSD: 3_200_000, OriginationDate: "2021-12-01",
	}
}
