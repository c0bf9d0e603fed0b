package backtest

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/calibration"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// The calibration run of MODEL.md section 6: the default generated
// portfolio, at least 200,000 loans and 2,000 scenarios.
const (
	calibrationLoans     = 200_000
	calibrationScenarios = 2_000
	calibrationSeed      = 1 // the portfolio's seed; the model runs at DefaultParams().Seed
)

// severelyAdverseFile is the Federal Reserve's 2025 severely adverse
// scenario, transcribed on the scenfile branch (testdata/scenarios/README.md).
var severelyAdverseFile = filepath.Join("..", "..", "testdata", "scenarios", "fed-2025-severely-adverse.csv")

// band is a closed interval of loss rates (decimals).
type band struct{ lo, hi float64 }

func (b band) has(x float64) bool { return x >= b.lo && x <= b.hi }

func (b band) String() string { return fmt.Sprintf("%.1f-%.1f%%", 100*b.lo, 100*b.hi) }

// row is one line of MODEL.md section 6's table: the segments it adds up
// and its bands. A row without bands is reported, not asserted.
type row struct {
	name             string
	segs             []loan.Segment
	baseline, severe band
	asserted         bool
}

var rows = []row{
	{"first-lien mortgages", []loan.Segment{loan.ResidentialMortgage}, band{0, 0.003}, band{0.01, 0.025}, true},
	{"CRE", []loan.Segment{loan.CommercialRealEstate}, band{0.004, 0.01}, band{0.06, 0.10}, true},
	{"C&I", []loan.Segment{loan.CommercialTerm, loan.CommercialLine}, band{0.008, 0.016}, band{0.05, 0.09}, true},
	{"credit cards", []loan.Segment{loan.CreditCard}, band{0.08, 0.11}, band{0.15, 0.20}, true},
	{"auto", []loan.Segment{loan.PersonalAuto}, band{0.02, 0.035}, band{0.05, 0.08}, true},
	{"home equity (no band)", []loan.Segment{loan.HomeEquity}, band{}, band{}, false},
	{"unsecured personal (no band)", []loan.Segment{loan.PersonalUnsecured}, band{}, band{}, false},
	{"portfolio", nil, band{0.012, 0.018}, band{0.05, 0.07}, true},
}

// TestCalibrationTable runs the default generated portfolio under the
// baseline (targetRate = r0), the Federal Reserve's 2025 severely adverse
// scenario file and the 8% policy rate, prints the table (go test -run
// TestCalibrationTable -v) and asserts MODEL.md section 6's bands: each
// row's baseline and severely adverse rates inside their bands, its 8%
// rate between the two, and the portfolio's 8% rate above its baseline by
// at least a third of the gap to the severely adverse rate. Rates are
// horizon losses over the average balance (model.Result.AvgBalanceUSD).
func TestCalibrationTable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	loans, err := Generate(calibrationSeed, calibrationLoans)
	if err != nil {
		t.Fatal(err)
	}
	p := model.DefaultParams()
	p.Scenarios = calibrationScenarios
	sa, err := scenariofile.ReadFile(severelyAdverseFile, p.HorizonMonths)
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		name string
		set  func(*model.Params)
	}{
		{"baseline", func(p *model.Params) { p.TargetRateAnnual = p.R0Annual }},
		{"severely adverse", func(p *model.Params) { p.Scenario = sa }},
		{"8% policy rate", func(p *model.Params) { p.TargetRateAnnual = 0.08 }},
	}
	var res [3]Losses
	for k, r := range runs {
		q := p
		r.set(&q)
		t0 := time.Now()
		if res[k], err = Run(q, loans, 0); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d loans x %d scenarios in %v", r.name, len(loans), q.Scenarios, time.Since(t0).Round(time.Second))
	}
	base, sev, hike := res[0], res[1], res[2]
	exposure := map[loan.Segment]float64{}
	var total float64
	for _, l := range loans {
		exposure[l.Segment] += l.BalanceUSD
		total += l.BalanceUSD
	}
	target, _ := portfolio.TargetMix()

	var b strings.Builder
	fmt.Fprintf(&b, "\nloss over 27 months / average balance; %d loans (seed %d), %d scenarios, model %s\n\n", len(loans), calibrationSeed, p.Scenarios, model.ModelVersion)
	b.WriteString("| segment | loans | exposure (target) | baseline | band | severely adverse | band | 8% policy rate |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		n := 0
		var e, et float64
		for _, s := range segsOf(r) {
			n += base.Loans[s]
			e += exposure[s] / total
			et += target[s]
		}
		bb, sb := "—", "—"
		if r.asserted {
			bb, sb = r.baseline.String(), r.severe.String()
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f%% (%.1f%%) | %.2f%% | %s | %.2f%% | %s | %.2f%% |\n", r.name, n, 100*e, 100*et,
			100*base.Rate(r.segs...), bb, 100*sev.Rate(r.segs...), sb, 100*hike.Rate(r.segs...))
	}
	fmt.Fprintf(&b, "\ntotal time %v\n", time.Since(start).Round(time.Second))
	t.Log(b.String())

	for _, r := range rows {
		if !r.asserted {
			continue
		}
		bl, sv, hk := base.Rate(r.segs...), sev.Rate(r.segs...), hike.Rate(r.segs...)
		if !r.baseline.has(bl) {
			t.Errorf("%s: baseline loss rate %.2f%%, band %s", r.name, 100*bl, r.baseline)
		}
		if !r.severe.has(sv) {
			t.Errorf("%s: severely adverse loss rate %.2f%%, band %s", r.name, 100*sv, r.severe)
		}
		if hk < math.Min(bl, sv) || hk > math.Max(bl, sv) {
			t.Errorf("%s: 8%% policy-rate loss rate %.2f%% is not between the baseline %.2f%% and the severely adverse %.2f%%", r.name, 100*hk, 100*bl, 100*sv)
		}
		if r.segs == nil && hk < bl+(sv-bl)/3 {
			t.Errorf("portfolio: 8%% policy-rate loss rate %.2f%% is not above the baseline %.2f%% by a third of the gap to the severely adverse %.2f%% (need %.2f%%)",
				100*hk, 100*bl, 100*sv, 100*(bl+(sv-bl)/3))
		}
	}
}

func segsOf(r row) []loan.Segment {
	if r.segs == nil {
		return loan.Segments
	}
	return r.segs
}

// bounded are the segments whose default eta is not the charge-off fit but
// bounded by the segment's delinquency-rate fit (model.Params.EtaMortgage
// says why).
var bounded = map[loan.Segment]bool{loan.ResidentialMortgage: true, loan.HomeEquity: true}

// overlays are the segments whose default eta is judgement above the fit,
// for the supervisory bands the model cannot reach at the fit with
// unemployment as the only driver (model.Params' Eta comment).
var overlays = map[loan.Segment]bool{loan.CommercialTerm: true, loan.CommercialLine: true, loan.PersonalAuto: true}

// overlaySE is how many HAC standard errors above its fit an overlay may
// sit: the 4 the project's statistical tests allow, so the data do not
// reject it.
const overlaySE = 4

// TestFittedElasticitiesAreTheDefaults keeps model.DefaultParams' eta for
// every segment equal to worker/calibration's charge-off fit net of the
// payment channel at the default gamma (NetFits; rounded to the three
// decimals params.go carries). The residential segments are
// bounded instead: positive and at most the slope of the residential
// delinquency rate, which has no loss severity in it (the charge-off slope
// has it twice: see bounded). The overlays are above their fit by less
// than overlaySE HAC standard errors.
func TestFittedElasticitiesAreTheDefaults(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	fits, err := calibration.NetFits(p.Gamma)
	if err != nil {
		t.Fatal(err)
	}
	del, err := calibration.DelinquencyFits()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, f := range fits {
		if !f.Fitted {
			t.Errorf("%s: not fitted", f.Segment)
			continue
		}
		n++
		got := p.Eta(loan.Segment(f.Segment))
		if bounded[loan.Segment(f.Segment)] {
			if d := del[i]; d.Segment != f.Segment || got <= 0 || got > d.Eta || got >= f.Eta {
				t.Errorf("DefaultParams eta for %s = %v, want in (0, %.3f]: positive and at most the delinquency-rate slope (%s; charge-off slope %.3f)",
					f.Segment, got, d.Eta, d.Series, f.Eta)
			}
			continue
		}
		if overlays[loan.Segment(f.Segment)] {
			if z := (got - f.Eta) / f.SEHAC; z <= 0 || z >= overlaySE {
				t.Errorf("DefaultParams eta for %s = %v: %.1f HAC standard errors from the fit %.3f (%s), want above it by less than %d",
					f.Segment, got, z, f.Eta, f.Series, overlaySE)
			} else {
				t.Logf("%s: overlay %v, %.1f HAC SE above the fit %.3f", f.Segment, got, z, f.Eta)
			}
			continue
		}
		if math.Abs(got-math.Round(1000*f.Eta)/1000) > 1e-12 {
			t.Errorf("DefaultParams eta for %s = %v, fitted %.3f (%s)", f.Segment, got, f.Eta, f.Series)
		}
	}
	if n != len(loan.Segments) {
		t.Fatalf("calibration fits %d segments, want %d", n, len(loan.Segments))
	}
}
