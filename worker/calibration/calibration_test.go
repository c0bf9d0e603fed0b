package calibration

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The transcription's shape: if a row is added, dropped or retyped, these
// fail before any fit does.
func TestChargeOffTranscriptionShape(t *testing.T) {
	all, err := ChargeOffs()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, sa      string
		n           int
		first, last string
	}{
		{"CORSFRMACBN", "NSA", 20, "2006Q1", "2010Q4"},
		{"CORSFRMACBS", "SA", 19, "2006Q1", "2010Q3"},
		{"CORCREXFACBN", "NSA", 20, "2006Q1", "2010Q4"},
		{"CORSREACBS", "SA", 12, "2006Q1", "2008Q4"},
		{"CORCCACBS", "SA", 2, "2006Q1", "2006Q2"},
		{"CORCCACBN", "NSA", 2, "2006Q1", "2006Q2"},
	}
	if len(all) != len(want) {
		t.Errorf("%d series in %s, want %d", len(all), chargeOffFile, len(want))
	}
	rows := 0
	for _, w := range want {
		s, ok := all[w.id]
		if !ok {
			t.Errorf("series %s missing", w.id)
			continue
		}
		rows += len(s.Obs)
		if s.SeasonalAdjustment != w.sa || len(s.Obs) != w.n ||
			s.Obs[0].Quarter.String() != w.first || s.Obs[len(s.Obs)-1].Quarter.String() != w.last {
			t.Errorf("%s: %s, %d quarters %s-%s; want %s, %d quarters %s-%s", w.id, s.SeasonalAdjustment,
				len(s.Obs), s.Obs[0].Quarter, s.Obs[len(s.Obs)-1].Quarter, w.sa, w.n, w.first, w.last)
		}
	}
	if rows != 75 {
		t.Errorf("%d charge-off rows, want 75", rows)
	}
	// Spot values, read off the stored pages.
	spot := map[string]map[string]float64{
		"CORSFRMACBN":  {"2006Q1": 0.09, "2009Q4": 2.78, "2010Q4": 1.98},
		"CORCREXFACBN": {"2006Q1": 0.02, "2009Q4": 3.27, "2010Q4": 2.51},
		"CORSFRMACBS":  {"2009Q4": 2.80},
	}
	for id, m := range spot {
		for q, v := range m {
			found := false
			for _, o := range all[id].Obs {
				if o.Quarter.String() == q {
					found = true
					if o.Pct != v {
						t.Errorf("%s %s = %v, want %v", id, q, o.Pct, v)
					}
				}
			}
			if !found {
				t.Errorf("%s has no %s", id, q)
			}
		}
	}
}

// The unemployment series is spliced from two sources; the seam must hold.
func TestUnemploymentSeam(t *testing.T) {
	monthly, err := MonthlyUnemployment()
	if err != nil {
		t.Fatal(err)
	}
	if len(monthly) != 64 {
		t.Errorf("%d monthly rows, want 64 (2005-01..2010-04)", len(monthly))
	}
	t.Run("monthly averages agree with BLS's own quarterly averages", func(t *testing.T) {
		ted, err := QuarterlyUnemployment("BLSTED2008")
		if err != nil {
			t.Fatal(err)
		}
		for q, v := range ted {
			got, ok := MonthlyAverage(monthly, q)
			if !ok || math.Abs(got-v) > 0.05 {
				t.Errorf("%s: monthly average %.3f, BLS prints %.1f", q, got, v)
			}
		}
	})
	t.Run("the BLS vintage and the Fed's 2013 figures overlap within 0.15 points", func(t *testing.T) {
		fed, err := QuarterlyUnemployment("DFAST2013")
		if err != nil {
			t.Fatal(err)
		}
		for q := UnemploymentSplice; !(Quarter{2010, 1}).Before(q); q = q.Add(1) {
			m, ok := MonthlyAverage(monthly, q)
			if !ok {
				t.Fatalf("%s: a month is missing from the BLS table", q)
			}
			if d := math.Abs(m - fed[q]); d > 0.15 {
				t.Errorf("%s: BLS table %.2f, DFAST 2013 %.2f", q, m, fed[q])
			}
		}
	})
	t.Run("the fit's series covers 2005Q1-2010Q4 without gaps", func(t *testing.T) {
		u, err := Unemployment()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for q := (Quarter{2005, 1}); !(Quarter{2010, 4}).Before(q); q = q.Add(1) {
			if _, ok := u[q]; !ok {
				t.Errorf("no unemployment for %s", q)
			}
			n++
		}
		if len(u) != n {
			t.Errorf("%d quarters, want %d", len(u), n)
		}
		if u[Quarter{2006, 1}] < 4.5 || u[Quarter{2009, 4}] != 9.9 {
			t.Errorf("2006Q1 %.2f, 2009Q4 %.2f", u[Quarter{2006, 1}], u[Quarter{2009, 4}])
		}
	})
}

func TestOLSKnownAnswers(t *testing.T) {
	t.Run("an exact line is recovered with zero error", func(t *testing.T) {
		x := []float64{4, 5, 6, 7, 8, 9}
		y := make([]float64, len(x))
		for i := range x {
			y[i] = -3 + 0.25*x[i]
		}
		r, err := OLS(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Slope-0.25) > 1e-12 || math.Abs(r.Intercept+3) > 1e-12 || r.SE > 1e-12 || math.Abs(r.R2-1) > 1e-12 {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("a textbook example matches a hand computation", func(t *testing.T) {
		// x = 1..5, y = 2,4,5,4,5: b = 0.6, a = 2.2, SSE = 2.4, Sxx = 10,
		// SE = sqrt(2.4/3/10) = 0.28284, R^2 = 1 - 2.4/6 = 0.6.
		r, err := OLS([]float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Slope-0.6) > 1e-12 || math.Abs(r.Intercept-2.2) > 1e-12 ||
			math.Abs(r.SE-math.Sqrt(0.08)) > 1e-12 || math.Abs(r.R2-0.6) > 1e-12 {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("too few points or a constant regressor are errors", func(t *testing.T) {
		if _, err := OLS([]float64{1, 2}, []float64{1, 2}); err == nil {
			t.Error("two points: no error")
		}
		if _, err := OLS([]float64{3, 3, 3}, []float64{1, 2, 3}); err == nil {
			t.Error("constant x: no error")
		}
	})
}

// MODEL.md section 2's published orders of magnitude: cards about 0.17,
// auto 0.13, C&I 0.3. "Within an order of magnitude" of that range is
// [0.013, 3]; a fitted elasticity outside it, or not positive, or not
// distinguishable from zero, fails.
const etaFloor, etaCeiling = 0.013, 3.0

// fitCheck is an independent computation (Python, 2026-12-06) of a fit on
// the same transcription: eta, its classical and HAC standard errors.
type fitCheck struct {
	series         string
	eta, se, sehac float64
}

// checkFit fails when f differs from w by more than the rounding of w's
// three decimals: a data row changed by a cent moves some of these.
func checkFit(t *testing.T, f Fit, w fitCheck) {
	t.Helper()
	if f.Series != w.series || math.Abs(f.Eta-w.eta) > 0.0006 || math.Abs(f.SE-w.se) > 0.0006 || math.Abs(f.SEHAC-w.sehac) > 0.0006 {
		t.Errorf("%s: %s eta %.4f SE %.4f HAC SE %.4f; independent check %s %.3f (%.3f, %.3f)",
			f.Segment, f.Series, f.Eta, f.SE, f.SEHAC, w.series, w.eta, w.se, w.sehac)
	}
}

func TestFitElasticities(t *testing.T) {
	fits, err := FitElasticities()
	if err != nil {
		t.Fatal(err)
	}
	if len(fits) != len(Segments) {
		t.Fatalf("%d fits, want one per segment (%d)", len(fits), len(Segments))
	}
	for i, f := range fits {
		if f.Segment != Segments[i] {
			t.Errorf("fit %d is %s, want %s", i, f.Segment, Segments[i])
		}
		t.Run(f.Segment+" is fitted on the whole 2006-2010 transcription", func(t *testing.T) {
			if !f.Fitted || f.N != 20 || f.First != FitWindow.First || f.Last != FitWindow.Last {
				t.Errorf("fitted %v, %d quarters %s-%s, want 20 quarters %s-%s", f.Fitted, f.N, f.First, f.Last, FitWindow.First, FitWindow.Last)
			}
			if f.Eta < etaFloor || f.Eta > etaCeiling {
				t.Errorf("eta %.3f outside [%.3f, %.1f]", f.Eta, etaFloor, etaCeiling)
			}
			// Three standard errors from zero, HAC or classical.
			if f.Eta < 3*f.SEHAC || f.Eta < 3*f.SE {
				t.Errorf("eta %.3f not three standard errors from zero (SE %.3f, HAC SE %.3f)", f.Eta, f.SE, f.SEHAC)
			}
			// "Other consumer" mixes auto, student and personal loans and
			// fits loosest (R^2 0.49); every other series is above 0.7.
			if f.R2 < 0.45 {
				t.Errorf("R^2 %.2f below 0.45", f.R2)
			}
		})
	}
	want := map[string]fitCheck{
		ResidentialMortgage:  {"CORSFRMACBN", 0.484, 0.071, 0.085},
		HomeEquity:           {"CORSFRMACBN", 0.484, 0.071, 0.085},
		CommercialRealEstate: {"CORCREXFACBN", 0.619, 0.092, 0.104},
		CommercialTerm:       {"chgallnsa:c_and_i", 0.333, 0.039, 0.046},
		CommercialLine:       {"chgallnsa:c_and_i", 0.333, 0.039, 0.046},
		CreditCard:           {"chgallnsa:credit_cards", 0.181, 0.011, 0.013},
		PersonalAuto:         {"chgallnsa:other_consumer", 0.122, 0.029, 0.038},
		PersonalUnsecured:    {"chgallnsa:other_consumer", 0.122, 0.029, 0.038},
	}
	for _, f := range fits {
		checkFit(t, f, want[f.Segment])
	}
	// MODEL.md section 2's orders of magnitude (cards about 0.17, auto
	// 0.13, C&I 0.3) are within two HAC standard errors of the fits.
	for _, c := range []struct {
		seg string
		moM float64
	}{{CreditCard, 0.17}, {PersonalAuto, 0.13}, {CommercialTerm, 0.3}} {
		for _, f := range fits {
			if f.Segment == c.seg && math.Abs(f.Eta-c.moM) > 2*f.SEHAC {
				t.Errorf("%s: eta %.3f (HAC SE %.3f) is more than two SE from MODEL.md's %.2f", c.seg, f.Eta, f.SEHAC, c.moM)
			}
		}
	}
}

// The delinquency-rate fits: a PD-side elasticity per segment, pinned to an
// independent computation. Each is below the segment's charge-off slope
// (severity rises in a downturn too, and delinquency is a stock that
// responds less than the flow of charge-offs), and for the residential
// series it bounds the model's mortgage eta (model.Params.EtaMortgage).
func TestDelinquencyFits(t *testing.T) {
	del, err := DelinquencyFits()
	if err != nil {
		t.Fatal(err)
	}
	co, err := FitElasticities()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fitCheck{
		ResidentialMortgage:  {"delallnsa:residential", 0.304, 0.025, 0.030},
		HomeEquity:           {"delallnsa:residential", 0.304, 0.025, 0.030},
		CommercialRealEstate: {"delallnsa:commercial_real_estate", 0.325, 0.035, 0.044},
		CommercialTerm:       {"delallnsa:c_and_i", 0.218, 0.010, 0.014},
		CommercialLine:       {"delallnsa:c_and_i", 0.218, 0.010, 0.014},
		CreditCard:           {"delallnsa:credit_cards", 0.058, 0.014, 0.021},
		PersonalAuto:         {"delallnsa:other_consumer", 0.076, 0.010, 0.011},
		PersonalUnsecured:    {"delallnsa:other_consumer", 0.076, 0.010, 0.011},
	}
	if len(del) != len(Segments) {
		t.Fatalf("%d delinquency fits", len(del))
	}
	for i, f := range del {
		checkFit(t, f, want[f.Segment])
		if f.N != 20 || !(f.Eta > 0) || f.Eta >= co[i].Eta {
			t.Errorf("%s: delinquency eta %.3f (n %d) not positive and below the charge-off slope %.3f", f.Segment, f.Eta, f.N, co[i].Eta)
		}
	}
}

// The Fed's NSA tables (IIS copy) against the FRED transcription where they
// overlap, and their shape.
func TestFedTableTranscription(t *testing.T) {
	fed, err := FedTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(fed) != 10 {
		t.Errorf("%d series, want 10 (5 categories x charge-off, delinquency)", len(fed))
	}
	for _, m := range []string{MeasureChargeOff, MeasureDelinquency} {
		for _, c := range []string{CategoryResidential, CategoryCRE, CategoryCreditCards, CategoryOtherConsumer, CategoryCandI} {
			s, ok := fed[FedSeriesID(m, c)]
			if !ok || len(s.Obs) != 20 || s.Obs[0].Quarter != FitWindow.First || s.Obs[19].Quarter != FitWindow.Last || s.SeasonalAdjustment != "NSA" {
				t.Errorf("%s: %d quarters, want 20, 2006Q1-2010Q4, NSA", FedSeriesID(m, c), len(s.Obs))
			}
		}
	}
	// Each series' sum in basis points, computed independently from the
	// file (Python): any retyped value changes it.
	sums := map[string]int{
		"chgallnsa:residential":            2467,
		"chgallnsa:commercial_real_estate": 2448,
		"chgallnsa:credit_cards":           12771,
		"chgallnsa:other_consumer":         4015,
		"chgallnsa:c_and_i":                2304,
		"delallnsa:residential":            11697,
		"delallnsa:commercial_real_estate": 9569,
		"delallnsa:credit_cards":           9878,
		"delallnsa:other_consumer":         5824,
		"delallnsa:c_and_i":                4697,
	}
	for id, want := range sums {
		got := 0
		for _, o := range fed[id].Obs {
			got += int(math.Round(100 * o.Pct))
		}
		if got != want {
			t.Errorf("%s: values sum to %d basis points, want %d", id, got, want)
		}
	}
	at := func(s ChargeOffSeries, q Quarter) float64 {
		for _, o := range s.Obs {
			if o.Quarter == q {
				return o.Pct
			}
		}
		t.Fatalf("%s has no %s", s.ID, q)
		return 0
	}
	// Spot values, read off the decoded data set.
	for _, c := range []struct {
		id string
		q  Quarter
		v  float64
	}{
		{"chgallnsa:credit_cards", Quarter{2009, 1}, 7.62},
		{"chgallnsa:credit_cards", Quarter{2010, 2}, 10.97},
		{"chgallnsa:c_and_i", Quarter{2009, 4}, 2.65},
		{"chgallnsa:other_consumer", Quarter{2009, 2}, 3.10},
		{"delallnsa:residential", Quarter{2010, 1}, 11.36},
	} {
		if v := at(fed[c.id], c.q); v != c.v {
			t.Errorf("%s %s = %v, want %v", c.id, c.q, v, c.v)
		}
	}
	fred, err := ChargeOffs()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the Fed tables agree with the FRED copies within revisions", func(t *testing.T) {
		// The IIS copy is a 2016-17 vintage, the FRED pages 2024's; 16 of
		// the 40 real-estate values were revised, by at most 0.05.
		revised := 0
		for id, cat := range map[string]string{"CORSFRMACBN": CategoryResidential, "CORCREXFACBN": CategoryCRE} {
			for _, o := range fred[id].Obs {
				d := math.Abs(o.Pct - at(fed[FedSeriesID(MeasureChargeOff, cat)], o.Quarter))
				if d > 0.05+1e-9 {
					t.Errorf("%s %s: FRED %.2f, Fed table %.2f", id, o.Quarter, o.Pct, o.Pct-d)
				}
				if d > 1e-9 {
					revised++
				}
			}
		}
		if revised != 16 {
			t.Errorf("%d values differ, want 16", revised)
		}
		for _, o := range fred["CORCCACBN"].Obs {
			if v := at(fed[FedSeriesID(MeasureChargeOff, CategoryCreditCards)], o.Quarter); v != o.Pct {
				t.Errorf("cards %s: FRED %.2f, Fed table %.2f", o.Quarter, o.Pct, v)
			}
		}
	})
}

// Lagged unemployment gives smaller, still positive elasticities; the
// primary (contemporaneous) fit is the best-fitting of lags 0-2.
func TestFitLagSensitivity(t *testing.T) {
	for _, id := range []string{"CORSFRMACBN", "CORCREXFACBN", "chgallnsa:c_and_i", "chgallnsa:credit_cards", "chgallnsa:other_consumer"} {
		var prev Fit
		for lag := 0; lag <= 2; lag++ {
			f, err := FitSeries(id, lag)
			if err != nil {
				t.Fatal(err)
			}
			if f.N != 20 || !(f.Eta > 0) {
				t.Errorf("%s lag %d: n %d eta %.3f", id, lag, f.N, f.Eta)
			}
			if lag > 0 && (f.R2 >= prev.R2 || f.Eta >= prev.Eta) {
				t.Errorf("%s lag %d: R^2 %.2f eta %.3f not below lag %d's %.2f %.3f", id, lag, f.R2, f.Eta, lag-1, prev.R2, prev.Eta)
			}
			prev = f
		}
	}
}

// TestPrintFit prints the fitted table: go test -run TestPrintFit -v
func TestPrintFit(t *testing.T) {
	fits, err := FitElasticities()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	del, err := DelinquencyFits()
	if err != nil {
		t.Fatal(err)
	}
	for k, fs := range [][]Fit{fits, del} {
		fmt.Fprintf(&b, "\n%s\n%-24s %-32s %-4s %6s %6s %7s %5s %3s  %s\n", []string{"charge-off rates (the etas):", "delinquency rates (PD-side check):"}[k],
			"segment", "series", "SA", "eta", "SE", "HAC SE", "R2", "n", "note")
		for _, f := range fs {
			fmt.Fprintf(&b, "%-24s %-32s %-4s %6.3f %6.3f %7.3f %5.2f %3d  %s\n", f.Segment, f.Series, f.SeasonalAdjustment, f.Eta, f.SE, f.SEHAC, f.R2, f.N, f.Note)
		}
	}
	fmt.Fprintf(&b, "\nsensitivity (unemployment lagged L quarters behind the charge-off quarter):\n")
	for _, id := range []string{"CORSFRMACBN", "CORSFRMACBS", "CORCREXFACBN", "CORSREACBS", "chgallnsa:c_and_i", "chgallnsa:credit_cards", "chgallnsa:other_consumer", "delallnsa:residential"} {
		for lag := 0; lag <= 2; lag++ {
			f, err := FitSeries(id, lag)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "  %-24s %-4s L=%d  eta %.3f  SE %.3f  HAC SE %.3f  R2 %.2f  n %2d  %s-%s\n",
				id, f.SeasonalAdjustment, lag, f.Eta, f.SE, f.SEHAC, f.R2, f.N, f.First, f.Last)
		}
	}
	printJoint(t, &b)
	t.Log(b.String())
}

func TestExposureMix(t *testing.T) {
	lines, err := MixLines()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the printed lines add up as the table says", func(t *testing.T) {
		sum := lines[lineRealEstate] + lines[lineCandI] + lines[lineIndividuals] + lines[lineFarm] + lines[lineOther] - lines[lineUnearned]
		if sum != lines[lineTotal] {
			t.Errorf("components less unearned income %d, printed total %d", sum, lines[lineTotal])
		}
		if parts := lines[lineResidential] + lines[lineNonfarmNonre] + lines[lineConstruction] + lines[lineHomeEquity]; parts >= lines[lineRealEstate] {
			t.Errorf("real-estate sub-lines %d not below the total %d", parts, lines[lineRealEstate])
		}
		if lines[lineCreditCards] >= lines[lineIndividuals] {
			t.Error("credit cards not within loans to individuals")
		}
	})
	shares, err := ExposureMix()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("one share per segment, summing to 1", func(t *testing.T) {
		if len(shares) != len(Segments) {
			t.Fatalf("%d shares", len(shares))
		}
		sum := 0.0
		for i, s := range shares {
			if s.Segment != Segments[i] || !(s.Share > 0) {
				t.Errorf("share %d: %+v", i, s)
			}
			sum += s.Share
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("shares sum to %v", sum)
		}
	})
	t.Run("the printed lines map straight through to their segments", func(t *testing.T) {
		for _, c := range []struct {
			seg  string
			line string
		}{{ResidentialMortgage, lineResidential}, {HomeEquity, lineHomeEquity}, {CreditCard, lineCreditCards}} {
			for _, s := range shares {
				if s.Segment == c.seg && s.AmountMUSD != float64(lines[c.line]) {
					t.Errorf("%s: %v, file says %d", c.seg, s.AmountMUSD, lines[c.line])
				}
			}
		}
	})
	cov, err := ModelledCoverage()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nexposure mix (FDIC QBP Table II-A, 2018 Q2; modelled book = %.1f%% of total loans & leases):\n", 100*cov)
	for _, s := range shares {
		fmt.Fprintf(&b, "  %-24s %5.1f%%  $%7.0fbn  %s\n", s.Segment, 100*s.Share, s.AmountMUSD/1000, s.Basis)
	}
	t.Log(b.String())
}

func TestBaselineChargeOffs(t *testing.T) {
	q, err := RecentChargeOffs()
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 18 || q[0].Quarter != (Quarter{2020, 1}) || q[len(q)-1].Quarter != (Quarter{2024, 2}) {
		t.Fatalf("%d quarters %v-%v, want 18, 2020Q1-2024Q2", len(q), q[0].Quarter, q[len(q)-1].Quarter)
	}
	years, err := AnnualChargeOffs()
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 4 || years[0].Year != 2020 || years[3].Year != 2023 {
		t.Fatalf("complete years %+v, want 2020-2023", years)
	}
	y23 := years[3]
	// 2023 cards: (2.86 + 3.20 + 3.78 + 4.21) / 4 = 3.5125.
	if math.Abs(y23.CreditCards-3.5125) > 1e-9 || math.Abs(y23.Baseline().CreditCards-2.25*3.5125) > 1e-9 {
		t.Errorf("2023 cards %.4f, baseline %.4f", y23.CreditCards, y23.Baseline().CreditCards)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nannual charge-off rate (mean of 4 SA quarters) -> baseline = 2.25 x annual, percent:\n")
	fmt.Fprintf(&b, "  %-4s %17s %17s %17s %17s %17s %17s\n", "year", "first lien", "CRE", "C&I", "cards", "other consumer", "total")
	for _, a := range years {
		bl := a.Baseline()
		fmt.Fprintf(&b, "  %-4d %7.3f -> %6.3f %7.3f -> %6.3f %7.3f -> %6.3f %7.3f -> %6.3f %7.3f -> %6.3f %7.3f -> %6.3f\n",
			a.Year, a.FirstLien, bl.FirstLien, a.CRE, bl.CRE, a.CandI, bl.CandI, a.CreditCards, bl.CreditCards,
			a.OtherConsumer, bl.OtherConsumer, a.Total, bl.Total)
	}
	t.Log(b.String())
}

func TestSeverelyAdverseLossRates(t *testing.T) {
	rows, err := SeverelyAdverseLossRates()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 23 {
		t.Errorf("%d rows, want 23", len(rows))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		if r.Scope != "aggregate" {
			continue
		}
		lo, hi = math.Min(lo, r.LossRatePct), math.Max(hi, r.LossRatePct)
	}
	// DFAST 2013-2019 aggregate nine-quarter loan loss rates: 5.7 to 7.5.
	if lo != 5.7 || hi != 7.5 {
		t.Errorf("aggregate loss rates span %.1f-%.1f, want 5.7-7.5", lo, hi)
	}
	for _, r := range rows {
		if r.Scope == "aggregate" && r.HasLossBillions {
			t.Errorf("%s aggregate has a dollar figure the source does not print", r.Exercise)
		}
		if r.Scope != "aggregate" && !r.HasLossBillions {
			t.Errorf("%s %s has no dollar figure", r.Scope, r.LoanType)
		}
	}
}

func TestQuarterArithmetic(t *testing.T) {
	q := Quarter{2006, 1}
	if q.Add(-1) != (Quarter{2005, 4}) || q.Add(4) != (Quarter{2007, 1}) || q.Add(19) != (Quarter{2010, 4}) {
		t.Errorf("Add: %v %v %v", q.Add(-1), q.Add(4), q.Add(19))
	}
	if _, err := ParseQuarter("2006Q5"); err == nil {
		t.Error("2006Q5 parsed")
	}
	if p, err := ParseQuarter("2010Q4"); err != nil || p != (Quarter{2010, 4}) {
		t.Errorf("ParseQuarter(2010Q4) = %v, %v", p, err)
	}
}

func TestElasticitiesMap(t *testing.T) {
	m, err := Elasticities(1.15)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != len(Segments) {
		t.Fatalf("%d segments", len(m))
	}
	if m[ResidentialMortgage] != m[HomeEquity] || m[CommercialTerm] != m[CommercialLine] || m[PersonalAuto] != m[PersonalUnsecured] ||
		math.Abs(m[CreditCard]-0.2134) > 0.0006 || math.Abs(m[CommercialTerm]-0.3967) > 0.0006 {
		t.Errorf("got %v", m)
	}
}

// The auto elasticity's PD-side check: the New York Fed's auto flow into
// serious delinquency on unemployment, pinned to an independent
// computation. It is far below the "other consumer" charge-off slope the
// model's auto eta is fitted to, and further still below the default's
// overlay (docs/calibration.md): auto delinquency peaked in 2009Q2 and fell
// while unemployment stayed near 10%.
func TestAutoDelinquencyFlowFit(t *testing.T) {
	f, err := FitSeries(AutoFlowSeries, PrimaryLag)
	if err != nil {
		t.Fatal(err)
	}
	f.Segment = PersonalAuto
	if f.N != 20 || f.First != FitWindow.First || f.Last != FitWindow.Last {
		t.Errorf("%d quarters %s-%s, want the 20 of %s-%s", f.N, f.First, f.Last, FitWindow.First, FitWindow.Last)
	}
	// HAC SE with the n/(n-2) correction of the other fits: 0.0205 without.
	checkFit(t, f, fitCheck{AutoFlowSeries, 0.059, 0.017, 0.0216})
	all, err := allSeries()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, o := range all[AutoFlowSeries].Obs {
		sum += o.Pct
	}
	if math.Abs(sum-53.392233) > 1e-6 { // a retyped value changes the sum
		t.Errorf("the auto flow's 2006-2010 values sum to %.6f, want 53.392233", sum)
	}
	fits, err := FitElasticities()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fits {
		if c.Segment == PersonalAuto && !(f.Eta+2*f.SEHAC < c.Eta) {
			t.Errorf("auto flow slope %.3f (HAC SE %.3f) not two SE below the charge-off slope %.3f", f.Eta, f.SEHAC, c.Eta)
		}
	}
	t.Logf("auto flow into 90+ on unemployment: eta %.4f, SE %.4f, HAC SE %.4f, R^2 %.2f", f.Eta, f.SE, f.SEHAC, f.R2)
}
