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

func TestCSVReadsTheSampleLayoutAndDerivesTheRest(t *testing.T) {
	t.Parallel()
	in := "Loan ID,Type,Amount,Rate,Term,Credit Score,Customer Name\n" +
		"P-1,personal,\"$25,000\",9%,60,700,Ann\n" +
		"C-7,commercial,400000,0.065,84,640,Bob Ltd\n"
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
	if pl.Segment != PersonalUnsecured || pl.RateType != Fixed || pl.AmountUSD != 25000 || pl.RateAnnual != 0.09 || pl.CreditScore != 700 {
		t.Errorf("personal loan read wrongly: %+v", pl)
	}
	age := pl.TermMonths - pl.RemainingMonths
	if want := math.Round(100*BalanceAfter(25000, 0.09, 60, age)) / 100; pl.BalanceUSD != want {
		t.Errorf("balance %v, want the amortised %v at age %d", pl.BalanceUSD, want, age)
	}
	dti := 12 * (pl.ScheduledPayment() + pl.OtherDebtMonthlyUSD) / pl.IncomeAnnualUSD
	if math.Abs(dti-DefaultTargetDTI) > 1e-3 {
		t.Errorf("derived income gives DTI %v, want %v", dti, DefaultTargetDTI)
	}
	for _, f := range []string{"segment", "rate_type", "current_rate", "remaining_months", "origination_date", "balance", "annual_income", "monthly_other_debt"} {
		if !hasDerived(pl, f) {
			t.Errorf("personal loan does not record the derivation of %s: %q", f, pl.Derived)
		}
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

	// The same file read twice derives the same loans: the age comes from the id.
	again := readCSV(t, in, CSVOptions{})
	if again[0].Loan.RemainingMonths != pl.RemainingMonths || again[0].Loan.BalanceUSD != pl.BalanceUSD {
		t.Error("derivation is not deterministic")
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
	in := "loan_id,type,amount,rate,term,credit_score\n" +
		"1,personal,abc,0.05,36,700\n" + // line 2: not a number
		"2,personal,1000,0.05,36\n" + // line 3: short row
		"3,personal,1000,,36,700\n" + // line 4: no rate
		"4,boat,1000,0.05,36,700\n" + // line 5: unknown type
		"5,personal,1000,0.05,36,901\n" + // line 6: score out of range
		"6,personal,1000,0.05,36,\"7\"00\n" + // line 7: bad quoting
		"7,personal,1000,0.05,36,700\n" // line 8: fine
	recs := readCSV(t, in, CSVOptions{})
	want := []struct {
		line int
		kind Kind
	}{{2, KindWrongType}, {3, KindBadCSV}, {4, KindBadRate}, {5, KindBadSegment}, {6, KindBadScore}, {7, KindBadCSV}, {8, ""}}
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

func TestCSVReaderRejectsAnUnreadableHeaderWithoutAnIOError(t *testing.T) {
	t.Parallel()
	recs := readCSV(t, "loan_id,ty\"pe,amount\n1,personal,1000\n", CSVOptions{})
	if len(recs) != 1 {
		t.Fatalf("got %d records, want one rejected record for the object", len(recs))
	}
	if k := KindOf(recs[0].Err); k != KindBadCSV || recs[0].Line != 1 {
		t.Errorf("record = line %d, kind %q (%v); want line 1, kind %q", recs[0].Line, k, recs[0].Err, KindBadCSV)
	}
}

// endless is an object that never ends: after head, fill bytes forever. It
// counts what was read from it.
type endless struct {
	head []byte
	fill byte
	read int
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.head)
	e.head = e.head[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.fill
	}
	e.read += len(p)
	return len(p), nil
}

func TestCSVReaderRejectsAnEndlessRecordInBoundedMemory(t *testing.T) {
	t.Parallel()
	const header = "loan_id,type,amount,rate,term,credit_score\n1,personal,1000,5%,36,700\n"
	cases := []struct {
		name string
		tail string
		fill byte
	}{
		{"an unclosed quote swallows the rest of the object", `2,"personal`, '\n'},
		{"a line break is missing for the rest of the object", `2,personal`, 'x'},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := &endless{head: []byte(header + c.tail), fill: c.fill}
			r := NewCSVReader(in, CSVOptions{})
			var kinds []Kind
			var lines []int
			for r.Next() {
				kinds = append(kinds, KindOf(r.Record().Err))
				lines = append(lines, r.Record().Line)
			}
			if r.Err() != nil {
				t.Fatalf("Err = %v, want the record rejected", r.Err())
			}
			if len(kinds) != 2 || kinds[0] != "" || kinds[1] != KindTooLarge || lines[1] != 3 {
				t.Fatalf("records: kinds %q on lines %v, want a valid loan, then too_large on line 3", kinds, lines)
			}
			if limit := MaxRecordBytes + 4*csvReadAhead; in.read > limit {
				t.Errorf("read %d bytes of the object, want at most %d", in.read, limit)
			}
		})
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

func TestCSVReadsAVersion1CreditLimitAsTheLineAmount(t *testing.T) {
	t.Parallel()
	in := "id,type,credit_limit,balance,rate,term,remaining_months,risk_grade,annual_noi,index\n" +
		"L1,line,250000,100000,0.0833,36,30,5,150000,prime\n"
	recs := readCSV(t, in, CSVOptions{})
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records %v", recs)
	}
	if l := recs[0].Loan; l.AmountUSD != 250000 || l.CreditLimitUSD != 250000 {
		t.Errorf("amount %v credit_limit %v, want 250000 both", l.AmountUSD, l.CreditLimitUSD)
	}
}
