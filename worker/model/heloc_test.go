package model

import "testing"

// A HELOC may give its credit limit (docs/loans.md): the model accepts it,
// and model v2 takes a home-equity line's exposure at default as its drawn
// balance (CCF x undrawn applies to cards and commercial lines only), so
// the limit changes no figure. A HELOC CCF would change this test.
func TestAHELOCsCreditLimitIsAcceptedAndItsExposureIsTheDrawnBalance(t *testing.T) {
	t.Parallel()
	sc := testScenarios(t, func(p *Params) { p.Scenarios = 500 })
	without := homeEquityLine("H1", 700)
	with := without
	with.CreditLimitUSD = 120_000
	if err := with.Validate(); err != nil {
		t.Fatalf("a HELOC with a credit limit: %v", err)
	}
	a, b := evaluate(t, sc, without), evaluate(t, sc, with)
	if b.EADUSD != with.BalanceUSD || a.EADUSD != b.EADUSD || a.ExpectedLossUSD != b.ExpectedLossUSD || a.StressedPD != b.StressedPD {
		t.Errorf("with a 120,000 limit: EAD %v, EL %v, PD %v; without: EAD %v, EL %v, PD %v; want the drawn balance %v and the same figures",
			b.EADUSD, b.ExpectedLossUSD, b.StressedPD, a.EADUSD, a.ExpectedLossUSD, a.StressedPD, with.BalanceUSD)
	}
}
