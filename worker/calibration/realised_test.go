package calibration

import (
	"math"
	"strings"
	"testing"
)

// TestRealisedChargeOffs checks the back-test's realised cumulative
// charge-offs, 2007Q1-2010Q4, against sums done by hand on the transcribed
// files (sum of the 16 annualised quarterly rates / 4), the segment mapping
// FitElasticities uses, and a one-quarter window.
func TestRealisedChargeOffs(t *testing.T) {
	got, err := RealisedChargeOffs(BacktestWindow.First, BacktestWindow.Last)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{ // percent
		ResidentialMortgage:  6.075,  // CORSFRMACBN: 0.15+0.18+...+1.98 = 24.30
		HomeEquity:           6.075,  // same series
		CommercialRealEstate: 6.075,  // CORCREXFACBN: 0.06+0.12+...+2.51 = 24.30
		CommercialTerm:       5.475,  // chgallnsa c_and_i: 21.90
		CommercialLine:       5.475,  // same series
		CreditCard:           28.395, // chgallnsa credit_cards: 113.58
		PersonalAuto:         8.9875, // chgallnsa other_consumer: 35.95
		PersonalUnsecured:    8.9875, // same series
	}
	if len(got) != len(Segments) {
		t.Fatalf("%d segments, want %d", len(got), len(Segments))
	}
	for i, r := range got {
		if r.Segment != Segments[i] {
			t.Errorf("row %d: segment %s, want %s", i, r.Segment, Segments[i])
		}
		if r.Series != segmentMap[r.Segment].series {
			t.Errorf("%s: series %s, want the fit's %s", r.Segment, r.Series, segmentMap[r.Segment].series)
		}
		if r.N != 16 {
			t.Errorf("%s: %d quarters, want 16", r.Segment, r.N)
		}
		if math.Abs(100*r.Rate-want[r.Segment]) > 1e-9 {
			t.Errorf("%s: realised %.4f%%, want %.4f%%", r.Segment, 100*r.Rate, want[r.Segment])
		}
	}

	one, err := RealisedChargeOffs(Quarter{2010, 1}, Quarter{2010, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range one {
		if r.Segment == CreditCard && math.Abs(r.Rate-0.105/4) > 1e-12 {
			t.Errorf("cards 2010Q1: %v, want 10.50%% / 4", r.Rate)
		}
		if r.Segment == CommercialTerm && math.Abs(r.Rate-0.0187/4) > 1e-12 {
			t.Errorf("C&I 2010Q1: %v, want 1.87%% / 4", r.Rate)
		}
	}

	if _, err := RealisedChargeOffs(Quarter{2010, 4}, Quarter{2011, 1}); err == nil || !strings.Contains(err.Error(), "has no 2011Q1") {
		t.Errorf("a quarter past the data: err %v, want it named", err)
	}
	if _, err := RealisedChargeOffs(Quarter{2008, 1}, Quarter{2007, 4}); err == nil {
		t.Error("last before first: no error")
	}
}
