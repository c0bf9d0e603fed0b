package loan

import (
	"math"
	"strings"
	"testing"
)

func TestPaymentKnownAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		principal, rate float64
		months          int
		want            float64
	}{
		{25000, 0.09, 60, 518.96},     // MODEL.md
		{200000, 0.065, 360, 1264.14}, // MODEL.md
		{1200, 0, 12, 100},
	}
	for _, c := range cases {
		if got := Payment(c.principal, c.rate, c.months); math.Abs(got-c.want) > 0.005 {
			t.Errorf("Payment(%v, %v, %d) = %.4f, want %.2f", c.principal, c.rate, c.months, got, c.want)
		}
		if b := BalanceAfter(c.principal, c.rate, c.months, c.months-1); math.Abs(b-Payment(c.principal, c.rate, c.months)/(1+c.rate/12)) > 1e-6 {
			t.Errorf("balance before the last payment %v is not the last payment discounted one month", b)
		}
		if b := BalanceAfter(c.principal, c.rate, c.months, c.months); b != 0 {
			t.Errorf("B_n = %v, want 0", b)
		}
	}
	// Re-amortising the balance over the remaining term gives back the same payment.
	b := BalanceAfter(200000, 0.065, 360, 100)
	if got, want := Payment(b, 0.065, 260), Payment(200000, 0.065, 360); math.Abs(got-want) > 1e-6 {
		t.Errorf("payment on the balance after 100 months = %v, want %v", got, want)
	}
}

func readCSV(t *testing.T, in string, opt CSVOptions) []*Record {
	t.Helper()
	r := NewCSVReader(strings.NewReader(in), opt)
	var out []*Record
	for r.Next() {
		rec := *r.Record()
		rec.Raw = append([]byte(nil), rec.Raw...)
		out = append(out, &rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	return out
}

func hasDerived(l Loan, field string) bool {
	for _, d := range l.Derived {
		if strings.HasPrefix(d, field+":") {
			return true
		}
	}
	return false
}

func TestCSVReadsATapeWithAliasesAndDerivesTheOptionalFields(t *testing.T) {
	t.Parallel()
	in := "Loan ID,Type,Amount,Balance,Rate,Term,Remaining Term,Credit Score\n" +
		"P-1,personal,25000,18000,0.09,60,41,700\n" +
		"C-7,commercial,400000,350000,0.065,84,70,640\n"
	recs := readCSV(t, in, CSVOptions{})
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	p, c := recs[0], recs[1]
	if p.Err != nil || c.Err != nil {
		t.Fatalf("rejected: %v / %v", p.Err, c.Err)
	}
	if p.Line != 2 || c.Line != 3 {
		t.Errorf("lines %d, %d; want 2, 3", p.Line, c.Line)
	}
	pl := p.Loan
	if pl.Segment != PersonalUnsecured || pl.RateType != Fixed || pl.AmountUSD != 25000 || pl.BalanceUSD != 18000 || pl.RateAnnual != 0.09 || pl.CreditScore != 700 {
		t.Errorf("personal loan read wrongly: %+v", pl)
	}
	dti := 12 * (pl.ScheduledPayment() + pl.OtherDebtMonthlyUSD) / pl.IncomeAnnualUSD
	if math.Abs(dti-DefaultTargetDTI) > 1e-3 {
		t.Errorf("derived income gives DTI %v, want %v", dti, DefaultTargetDTI)
	}
	for _, f := range []string{"segment", "rate_type", "origination_date", "annual_income", "monthly_other_debt"} {
		if !hasDerived(pl, f) {
			t.Errorf("personal loan does not record the derivation of %s: %q", f, pl.Derived)
		}
	}
	if hasDerived(pl, "balance") || hasDerived(pl, "current_rate") || hasDerived(pl, "remaining_months") {
		t.Errorf("given fields noted as derived: %q", pl.Derived)
	}
	cl := c.Loan
	if cl.Segment != CommercialTerm || cl.RiskGrade != 4 {
		t.Errorf("commercial loan: segment %s grade %d, want commercial_term grade 4 (from score 640)", cl.Segment, cl.RiskGrade)
	}
	if dscr := cl.NOIAnnualUSD / (12 * cl.ScheduledPayment()); math.Abs(dscr-DefaultTargetDSCR) > 1e-3 {
		t.Errorf("derived NOI gives DSCR %v, want %v", dscr, DefaultTargetDSCR)
	}
	if hasDerived(cl, "annual_income") || !hasDerived(cl, "risk_grade") || !hasDerived(cl, "annual_noi") {
		t.Errorf("commercial derivations %q", cl.Derived)
	}
}

func TestCSVUsesGivenFieldsInsteadOfDeriving(t *testing.T) {
	t.Parallel()
	in := "id,segment,amount,balance,current_rate,term_months,origination_date,credit_score,annual_income,monthly_other_debt,collateral_value\n" +
		"A-1,personal_auto,30000,21000,0.07,60,2024-06-15,720,80000,500,26000\n"
	recs := readCSV(t, in, CSVOptions{})
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("%+v", recs)
	}
	l := recs[0].Loan
	if l.RemainingMonths != 49 || l.BalanceUSD != 21000 || l.IncomeAnnualUSD != 80000 || l.CollateralValueUSD != 26000 {
		t.Errorf("given fields overridden: %+v", l)
	}
	if len(l.Derived) != 2 || !hasDerived(l, "rate_type") || !hasDerived(l, "remaining_months") {
		t.Errorf("derivations %q, want only rate_type and remaining_months (11 payments made from 2024-06-15 to 2025-06-01)", l.Derived)
	}
}

func TestCSVRejectsBadRowsAndContinues(t *testing.T) {
	t.Parallel()
	in := "loan_id,type,amount,balance,rate,term,remaining_months,credit_score\n" +
		"1,personal,abc,500,0.05,36,30,700\n" + // line 2: not a number
		"2,personal,1000,500,0.05,36,30\n" + // line 3: short row
		"3,personal,1000,500,,36,30,700\n" + // line 4: no rate
		"4,boat,1000,500,0.05,36,30,700\n" + // line 5: unknown type
		"5,personal,1000,500,0.05,36,30,901\n" + // line 6: score out of range
		"6,personal,1000,500,0.05,36,30,\"7\"00\n" + // line 7: bad quoting
		"7,personal,1000,500,0.05,36,30,700\n" // line 8: fine
	recs := readCSV(t, in, CSVOptions{})
	want := []struct {
		line int
		kind Kind
	}{{2, KindWrongType}, {3, KindBadCSV}, {4, KindMissingField}, {5, KindBadSegment}, {6, KindBadScore}, {7, KindBadCSV}, {8, ""}}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if recs[i].Line != w.line || KindOf(recs[i].Err) != w.kind {
			t.Errorf("record %d: line %d kind %q (%v), want line %d kind %q", i, recs[i].Line, KindOf(recs[i].Err), recs[i].Err, w.line, w.kind)
		}
	}
}

func TestPowIntAgreesWithPow(t *testing.T) {
	t.Parallel()
	for _, x := range []float64{1.0001, 1 + 0.065/12, 1 + 0.36/12, 0.99} {
		for n := 0; n <= 600; n++ {
			if got, want := powInt(x, n), math.Pow(x, float64(n)); math.Abs(got-want) > 1e-14*want {
				t.Fatalf("powInt(%v, %d) = %v, want %v", x, n, got, want)
			}
		}
	}
}

func TestCSVReadsTheVersion2Fields(t *testing.T) {
	t.Parallel()
	in := "id,segment,rate_type,amount,balance,term_months,remaining_months,current_rate,index,margin,reset_months,credit_limit,credit_score,annual_income,origination_date,rate_ceiling,origination_rate,balloon_month,risk_grade,annual_noi,collateral_value,interest_only\n" +
		"C1,credit_card,variable,12000,3400,60,60,0.2233,prime,0.15,1,12000,690,58000,2021-05-10,0.3,,,,,,\n" +
		"M1,mortgage,fixed,400000,371000,360,300,0.065,,,,,745,150000,2021-01-15,,0.065,,,,520000,\n" +
		"B1,commercial_real_estate,fixed,2500000,2100000,300,280,0.0683,,,,,,,2024-02-01,,,60,4,310000,3600000,false\n"
	recs := readCSV(t, in, CSVOptions{})
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for _, r := range recs {
		if r.Err != nil {
			t.Fatalf("line %d: %v", r.Line, r.Err)
		}
	}
	if l := recs[0].Loan; l.CreditLimitUSD != 12000 || l.RateCeilingAnnual != 0.3 || l.Segment != CreditCard {
		t.Errorf("card: %+v", l)
	}
	if l := recs[1].Loan; l.Segment != ResidentialMortgage || l.OriginationRateAnnual != 0.065 || l.CreditLimitUSD != 0 {
		t.Errorf("mortgage: %+v", l)
	}
	if l := recs[2].Loan; l.BalloonMonth != 60 {
		t.Errorf("balloon: %+v", l)
	}
}
