package model

import (
	"math"
	"testing"
)

// A HELOC in its draw period is a line (MODEL.md section 2: lines take CCF
// 0.4): its exposure at default is the drawn balance plus CCFLine times
// the undrawn limit (credit_limit, or amount when absent), in every month,
// and its loss grows with the undrawn limit. An amortising home-equity
// loan draws no more: its exposure is its balance.
func TestAHELOCsExposureIsDrawnPlusCCFTimesUndrawn(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 500 })
	p := sc.Params()
	base := homeEquityLine("H1", 640)
	base.CollateralValueUSD = 70_000 // thin equity: LGD above its floor when prices fall
	wide := base
	wide.CreditLimitUSD = 150_000
	if err := wide.Validate(); err != nil {
		t.Fatalf("a HELOC with a credit limit: %v", err)
	}
	a, b := evaluate(t, sc, base), evaluate(t, sc, wide)
	if want := base.BalanceUSD + p.CCFLine*(base.AmountUSD-base.BalanceUSD); math.Abs(a.EADUSD-want) > 1e-9 {
		t.Errorf("limit = amount: EAD %v, want %v", a.EADUSD, want)
	}
	if want := wide.BalanceUSD + p.CCFLine*(150_000-wide.BalanceUSD); math.Abs(b.EADUSD-want) > 1e-9 {
		t.Errorf("limit 150,000: EAD %v, want %v", b.EADUSD, want)
	}
	if a.StressedPD != b.StressedPD || !(b.ExpectedLossUSD > a.ExpectedLossUSD) || len(b.Losses) == 0 {
		t.Errorf("a wider limit: PD %v vs %v (want equal), EL %v vs %v (want higher), %d defaults", b.StressedPD, a.StressedPD, b.ExpectedLossUSD, a.ExpectedLossUSD, len(b.Losses))
	}
	// Every default loses EAD x LGD at its month's house price, with the same EAD.
	for _, d := range b.Losses {
		hpi := sc.stress.hpi[sc.at(d.Month, d.Scenario)]
		want := int64(math.Round(float64(b.EADUSD*p.LGD(wide.Segment, wide.CollateralValueUSD, b.EADUSD, hpi, d.Month)) * 100))
		if d.Cents != want {
			t.Fatalf("default in scenario %d month %d: %d cents, want %d", d.Scenario, d.Month, d.Cents, want)
		}
	}
	amort := base
	amort.InterestOnly = false
	if r := evaluate(t, sc, amort); r.EADUSD != amort.BalanceUSD {
		t.Errorf("an amortising home-equity loan: EAD %v, want its balance %v", r.EADUSD, amort.BalanceUSD)
	}
}
