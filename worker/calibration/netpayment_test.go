package calibration

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The net-of-payment fits, pinned to scripts/fit-check.py (an independent
// computation from the same files). A segment without variable-rate loans
// in its mix, or without a mix, fits as FitElasticities does; the others
// fit steeper, since the payments that fell in 2008-2009 had lowered their
// charge-offs while unemployment rose.
func TestNetFits(t *testing.T) {
	net, err := NetFits(1.15)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := FitElasticities()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fitCheck{
		ResidentialMortgage:  {"CORSFRMACBN", 0.484, 0.071, 0.085},
		HomeEquity:           {"CORSFRMACBN", 0.484, 0.071, 0.085},
		CommercialRealEstate: {"CORCREXFACBN", 0.6781, 0.0975, 0.1107},
		CommercialTerm:       {"chgallnsa:c_and_i", 0.3967, 0.0420, 0.0493},
		CommercialLine:       {"chgallnsa:c_and_i", 0.3967, 0.0420, 0.0493},
		CreditCard:           {"chgallnsa:credit_cards", 0.2134, 0.0130, 0.0143},
		PersonalAuto:         {"chgallnsa:other_consumer", 0.1225, 0.0292, 0.0383},
		PersonalUnsecured:    {"chgallnsa:other_consumer", 0.1225, 0.0292, 0.0383},
	}
	if len(net) != len(Segments) {
		t.Fatalf("%d net fits, want %d", len(net), len(Segments))
	}
	for i, f := range net {
		checkFit(t, f, want[f.Segment])
		hasMix := len(paymentMix[f.Segment]) > 0
		if f.NetOfPayment != hasMix || f.N != 20 {
			t.Errorf("%s: NetOfPayment %v (mix %v), %d quarters", f.Segment, f.NetOfPayment, hasMix, f.N)
		}
		switch r := raw[i]; {
		case !hasMix && f.Eta != r.Eta:
			t.Errorf("%s: no payment mix, yet net eta %v differs from the raw fit %v", f.Segment, f.Eta, r.Eta)
		case hasMix && !(f.Eta > r.Eta):
			t.Errorf("%s: net eta %.4f not above the raw %.4f", f.Segment, f.Eta, r.Eta)
		}
	}
	// With gamma 0 the payment channel is off and every fit is the raw one.
	off, err := NetFits(0)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range off {
		if math.Abs(f.Eta-raw[i].Eta) > 1e-12 {
			t.Errorf("%s at gamma 0: %v, raw %v", f.Segment, f.Eta, raw[i].Eta)
		}
	}
}

// PaymentMultiplier: 1 in the first quarter and for a book without
// variable-rate loans; a card's by hand.
func TestPaymentMultiplierKnownAnswers(t *testing.T) {
	for _, seg := range Segments {
		m, err := PaymentMultiplier(seg, 1.15)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 20 || math.Abs(m[FitWindow.First]-1) > 1e-15 {
			t.Errorf("%s: %d quarters, first %v", seg, len(m), m[FitWindow.First])
		}
	}
	m, err := PaymentMultiplier(CreditCard, 1.15)
	if err != nil {
		t.Fatal(err)
	}
	pay := func(prime float64) float64 { return (prime/100+0.142)/12 + 0.01 }
	if want := math.Pow(pay(3.3)/pay(7.4), 1.15); math.Abs(m[Quarter{2009, 1}]-want) > 1e-15 {
		t.Errorf("cards 2009Q1: %v, want %v", m[Quarter{2009, 1}], want)
	}
	res, err := PaymentMultiplier(ResidentialMortgage, 1.15)
	if err != nil {
		t.Fatal(err)
	}
	for q, v := range res {
		if v != 1 {
			t.Errorf("residential %s: %v, want 1 (no mix)", q, v)
		}
	}
	for seg, mix := range paymentMix {
		var sum float64
		for _, leg := range mix {
			sum += leg.share
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%s: shares sum to %v", seg, sum)
		}
	}
}

// The rates transcription: 20 quarters, the same prime and 3-month rates
// as the back-test's scenario file (the same Federal Reserve table) where
// they overlap, and a pinned sum.
func TestRatesTranscription(t *testing.T) {
	prime, err := Rates(IndexPrime)
	if err != nil {
		t.Fatal(err)
	}
	bill, err := Rates(IndexTreasury3M)
	if err != nil {
		t.Fatal(err)
	}
	var sp, sb float64
	for q := FitWindow.First; !FitWindow.Last.Before(q); q = q.Add(1) {
		p, ok1 := prime[q]
		b, ok2 := bill[q]
		if !ok1 || !ok2 {
			t.Fatalf("%s missing", q)
		}
		sp, sb = sp+p, sb+b
	}
	if len(prime) != 20 || math.Abs(sp-111) > 1e-9 || math.Abs(sb-43) > 1e-9 {
		t.Errorf("%d quarters, prime sum %v (want 111), 3-month sum %v (want 43)", len(prime), sp, sb)
	}
	raw, err := os.ReadFile("../../testdata/scenarios/historical-2007q1-2010q4.csv")
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cells := strings.Split(line, ",")
		if header == nil {
			header = cells
			continue
		}
		col := func(name string) string {
			for i, h := range header {
				if h == name {
					return cells[i]
				}
			}
			t.Fatalf("no column %q", name)
			return ""
		}
		q, err := ParseQuarter(strings.ReplaceAll(col("Date"), " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		p, err1 := strconv.ParseFloat(col("Prime rate"), 64)
		b, err2 := strconv.ParseFloat(col("3-month Treasury rate"), 64)
		if err1 != nil || err2 != nil || p != prime[q] || b != bill[q] {
			t.Errorf("%s: prime %v and 3-month %v here, %v and %v in the scenario file (%v, %v)", q, prime[q], bill[q], p, b, err1, err2)
		}
		n++
	}
	if n != 17 {
		t.Errorf("compared %d quarters, want 17 (2006Q4-2010Q4)", n)
	}
}
