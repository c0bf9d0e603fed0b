package backtest

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/calibration"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// The back-test run (issue 11 item 4): the default generated portfolio
// under the realised 2007 Q1-2010 Q4 path, sixteen quarters: MODEL.md's
// 200,000 loans, half its scenarios (about 30 CPU-seconds). The scenario
// count barely matters here (500 and 2,000 give the same portfolio ratio to
// 0.01); the loan sample does: CRE is a quarter of the exposure in about 500
// large loans, and portfolio seed 2 gives a portfolio ratio of 0.68 where
// seed 1 gives 0.75 (CRE 1.12 against 1.38).
const (
	backtestLoans     = 200_000
	backtestScenarios = 1_000
	backtestMonths    = 48 // 2006 Q4 (t = 0) to 2010 Q4
	backtestSeed      = calibrationSeed
)

// historicalFile is the Federal Reserve's Table 1A historical rows 2006 Q4
// to 2010 Q4 (testdata/scenarios/README.md).
var historicalFile = filepath.Join("..", "..", "testdata", "scenarios", "historical-2007q1-2010q4.csv")

// backtestBand is issue 11's criterion: the portfolio's modelled
// cumulative loss within 40% of the realised one.
var backtestBand = band{0.6, 1.4}

// btRow is one line of the back-test table: the segments it adds up.
type btRow struct {
	name string
	segs []loan.Segment
}

// btRows are the model's segments, then the release's loan categories
// (which is what was realised: the release does not split first liens
// from home equity, C&I term loans from lines, or auto from other consumer
// loans), then the portfolio.
var btRows = []btRow{
	{"first-lien mortgages", []loan.Segment{loan.ResidentialMortgage}},
	{"home equity", []loan.Segment{loan.HomeEquity}},
	{"CRE", []loan.Segment{loan.CommercialRealEstate}},
	{"C&I term", []loan.Segment{loan.CommercialTerm}},
	{"C&I lines", []loan.Segment{loan.CommercialLine}},
	{"credit cards", []loan.Segment{loan.CreditCard}},
	{"auto", []loan.Segment{loan.PersonalAuto}},
	{"unsecured personal", []loan.Segment{loan.PersonalUnsecured}},
	{"residential (mortgages + home equity)", []loan.Segment{loan.ResidentialMortgage, loan.HomeEquity}},
	{"C&I (term + lines)", []loan.Segment{loan.CommercialTerm, loan.CommercialLine}},
	{"other consumer (auto + unsecured)", []loan.Segment{loan.PersonalAuto, loan.PersonalUnsecured}},
	{"portfolio", nil},
}

// realisedRate is the realised cumulative charge-off rate of the segments
// together, each segment's rate weighted by its modelled average balance
// (the denominator of Losses.Rate), so modelled and realised rates share
// one denominator and their ratio is the ratio of modelled losses to the
// losses the realised rates imply on the same balances.
func realisedRate(l Losses, realised map[loan.Segment]float64, segs ...loan.Segment) float64 {
	if len(segs) == 0 {
		segs = loan.Segments
	}
	var num, den float64
	for _, s := range segs {
		num += realised[s] * l.AvgBalanceUSD[s]
		den += l.AvgBalanceUSD[s]
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// realisedBySegment is calibration.RealisedChargeOffs over the back-test
// window, by segment.
func realisedBySegment(t *testing.T) map[loan.Segment]float64 {
	t.Helper()
	rs, err := calibration.RealisedChargeOffs(calibration.BacktestWindow.First, calibration.BacktestWindow.Last)
	if err != nil {
		t.Fatal(err)
	}
	out := map[loan.Segment]float64{}
	for _, r := range rs {
		out[loan.Segment(r.Segment)] = r.Rate
	}
	for _, s := range loan.Segments {
		if _, ok := out[s]; !ok {
			t.Fatalf("no realised charge-off for segment %s", s)
		}
	}
	return out
}

// TestBacktest2007To2010 runs the default generated portfolio under the
// realised macro path of 2007 Q1-2010 Q4 (the Federal Reserve's Table 1A,
// 48 months from 2006 Q4) and compares each segment's modelled cumulative
// loss over its average balance with the realised cumulative net
// charge-off rate over the same sixteen quarters (the sum of the release's
// annualised quarterly rates / 4; calibration.RealisedChargeOffs). It
// prints the table (go test -run TestBacktest2007To2010 -v), logs each
// row's ratio, and asserts issue 11's criterion on the portfolio: modelled
// over realised in [0.6, 1.4].
//
// The bases differ in one way the test cannot remove: the model's book is
// fixed at t = 0 and runs off over the 48 months (no new lending), while
// the banks' charge-off rates are over loan books they kept replenishing;
// each is a loss over an average balance, but of different books.
func TestBacktest2007To2010(t *testing.T) {
	t.Parallel()
	start := time.Now()
	loans, err := Generate(backtestSeed, backtestLoans)
	if err != nil {
		t.Fatal(err)
	}
	p := model.DefaultParams()
	p.Scenarios = backtestScenarios
	p.HorizonMonths = backtestMonths
	if p.Scenario, err = scenariofile.ReadFile(historicalFile, p.HorizonMonths); err != nil {
		t.Fatal(err)
	}
	res, err := Run(p, loans, 0)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	realised := realisedBySegment(t)

	var b strings.Builder
	fmt.Fprintf(&b, "\nloss over 48 months (2007 Q1-2010 Q4) / average balance; %d loans (seed %d), %d scenarios, model %s, file %s\n\n",
		len(loans), backtestSeed, p.Scenarios, model.ModelVersion, p.Scenario.Name)
	var avgTotal float64
	for _, s := range loan.Segments {
		avgTotal += res.AvgBalanceUSD[s]
	}
	b.WriteString("| segment | loans | share of average balance | modelled | realised | modelled / realised |\n|---|---|---|---|---|---|\n")
	for _, r := range btRows {
		n, avg := 0, 0.0
		for _, s := range segsOf(row{segs: r.segs}) {
			n += res.Loans[s]
			avg += res.AvgBalanceUSD[s]
		}
		m, z := res.Rate(r.segs...), realisedRate(res, realised, r.segs...)
		fmt.Fprintf(&b, "| %s | %d | %.1f%% | %.2f%% | %.3f%% | %.2f |\n", r.name, n, 100*avg/avgTotal, 100*m, 100*z, m/z)
	}
	fmt.Fprintf(&b, "\nrun %v (generate + model), %d CPUs\n", elapsed.Round(time.Second), runtime.GOMAXPROCS(0))
	t.Log(b.String())

	for _, r := range btRows {
		if r.segs == nil {
			continue
		}
		m, z := res.Rate(r.segs...), realisedRate(res, realised, r.segs...)
		t.Logf("%s: modelled / realised = %.2f (%.2f%% / %.3f%%)", r.name, m/z, 100*m, 100*z)
	}
	m, z := res.Rate(), realisedRate(res, realised)
	if ratio := m / z; math.IsNaN(ratio) || !backtestBand.has(ratio) {
		t.Errorf("portfolio: modelled cumulative loss %.2f%% over realised %.2f%% = %.2f, want within 40%% (%.1f-%.1f)",
			100*m, 100*z, ratio, backtestBand.lo, backtestBand.hi)
	}
}

// TestHistoricalFileMatchesCalibrationData checks the back-test's scenario
// file against the series worker/calibration transcribed independently
// for the elasticity fit: the quarterly unemployment rate (the Federal
// Reserve's DFAST 2014 figures for 2009-2010, the BLS quarterly averages
// for 2006 Q4 and 2007 Q4) and the house and CRE price indices (the same
// Table 1A, read for the fit), quarter by quarter.
func TestHistoricalFileMatchesCalibrationData(t *testing.T) {
	t.Parallel()
	f, err := scenariofile.ReadFile(historicalFile, backtestMonths)
	if err != nil {
		t.Fatal(err)
	}
	dfast, err := calibration.QuarterlyUnemployment("DFAST2014")
	if err != nil {
		t.Fatal(err)
	}
	bls, err := calibration.QuarterlyUnemployment("BLSTED2008")
	if err != nil {
		t.Fatal(err)
	}
	hpi, err := calibration.PriceIndex(calibration.HousePriceIndex)
	if err != nil {
		t.Fatal(err)
	}
	cre, err := calibration.PriceIndex(calibration.CREPriceIndex)
	if err != nil {
		t.Fatal(err)
	}
	jump := calibration.BacktestWindow.First.Add(-1) // 2006 Q4, t = 0
	checked := 0
	for k := 0; k <= backtestMonths/3; k++ {
		q, m := jump.Add(k), 3*k
		for _, src := range []map[calibration.Quarter]float64{dfast, bls} {
			if u, ok := src[q]; ok {
				checked++
				if math.Abs(100*f.Unemployment[m]-u) > 1e-9 {
					t.Errorf("%s: file's unemployment %.2f%%, calibration data %.2f%%", q, 100*f.Unemployment[m], u)
				}
			}
		}
		if math.Abs(f.HPI[m]-hpi[q]/hpi[jump]) > 1e-12 || math.Abs(f.CRE[m]-cre[q]/cre[jump]) > 1e-12 {
			t.Errorf("%s: file's price indices %.4f, %.4f; calibration data %.4f, %.4f (rebased to %s)",
				q, f.HPI[m], f.CRE[m], hpi[q]/hpi[jump], cre[q]/cre[jump], jump)
		}
	}
	if checked != 10 { // 2006 Q4, 2007 Q4 and 2009 Q1-2010 Q4
		t.Errorf("checked unemployment in %d quarters, want 10", checked)
	}
}
