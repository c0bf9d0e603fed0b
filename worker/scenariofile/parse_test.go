package scenariofile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FixtureDir holds the transcribed Federal Reserve scenarios (see its
// README.md), shared with other packages' tests at the repository root.
const fixtureDir = "../../testdata/scenarios"

const header = "Scenario Name,Date,Real GDP growth,Unemployment rate,3-month Treasury rate,Mortgage rate,Prime rate,House Price Index (Level),Commercial Real Estate Price Index (Level)\n"

// rows returns n consecutive quarterly rows from 2025 Q1 with simple values:
// unemployment 4+k %, 3-month rate 4 %, prices 200+10k and 100-5k.
func rows(n int) string {
	var b strings.Builder
	year, q := 2025, 1
	for k := range n {
		b.WriteString("S," + strconv.Itoa(year) + " Q" + strconv.Itoa(q) + ",1.0," + strconv.Itoa(4+k) + ",4.0,6.0,7.0," + strconv.Itoa(200+10*k) + "," + strconv.Itoa(100-5*k) + "\n")
		if q++; q > 4 {
			year, q = year+1, 1
		}
	}
	return b.String()
}

func TestParseInterpolatesQuarterlyRowsIntoMonthlyPaths(t *testing.T) {
	src := header + rows(4)
	p, err := Parse(strings.NewReader(src), "dir/my-scenario.csv", 7)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "my-scenario.csv" {
		t.Errorf("Name = %q, want the base name", p.Name)
	}
	sum := sha256.Sum256([]byte(src))
	if p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, want the hash of the bytes", p.SHA256)
	}
	if p.Months() != 7 {
		t.Fatalf("Months() = %d, want the horizon 7", p.Months())
	}
	for _, c := range []struct {
		name string
		got  []float64
		want []float64
	}{
		// Rows at t = 0, 3, 6, 9 with 4, 5, 6, 7 percent.
		{"unemployment", p.Unemployment, []float64{0.04, 0.04 + 0.01/3, 0.04 + 0.02/3, 0.05, 0.05 + 0.01/3, 0.05 + 0.02/3, 0.06, 0.06 + 0.01/3}},
		{"3-month rate", p.FedFunds, []float64{0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04}},
		{"mortgage", p.Mortgage, []float64{0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06}},
		{"prime", p.Prime, []float64{0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07}},
		// 200, 210, 220 rebased to 1 at t = 0.
		{"house prices", p.HPI, []float64{1, 1 + 1.0/60, 1 + 2.0/60, 1.05, 1.05 + 1.0/60, 1.05 + 2.0/60, 1.1, 1.1 + 1.0/60}},
		{"CRE prices", p.CRE, []float64{1, 1 - 1.0/60, 1 - 2.0/60, 0.95, 0.95 - 1.0/60, 0.95 - 2.0/60, 0.9, 0.9 - 1.0/60}},
	} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s: %d months, want %d", c.name, len(c.got), len(c.want))
			continue
		}
		for i := range c.want {
			if math.Abs(c.got[i]-c.want[i]) > 1e-12 {
				t.Errorf("%s[%d] = %v, want %v", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}

func TestParseAcceptsTheFederalReservesFormats(t *testing.T) {
	for _, c := range []struct{ name, src string }{
		{"a byte order mark and CRLF line ends", "\ufeff" + strings.ReplaceAll(header+rows(2), "\n", "\r\n")},
		{"columns in another order, other case", "prime rate,DATE,House Price Index (Level),Commercial Real Estate Price Index (Level),Unemployment rate,3-month treasury rate,Mortgage rate\n7,2025 Q1,200,100,4,4,6\n7,2025 Q2,200,100,4,4,6\n"},
		{"quarters written 2025Q4 and 2026:Q1", header + "S,2025Q4,1,4,4,6,7,200,100\nS,2026:Q1,1,4,4,6,7,200,100\n"},
		{"comment lines and blank lines", "# source: somewhere\n\n" + header + "# the jump-off quarter\n" + rows(2) + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse(strings.NewReader(c.src), "f.csv", 3); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseNamesTheLineAndColumnOfEachProblem(t *testing.T) {
	for _, c := range []struct {
		name    string
		src     string
		horizon int
		line    int
		column  string
		msg     string
	}{
		{"a missing required column is named", strings.Replace(header, ",Prime rate", "", 1) + rows(2), 3, 1, "", `header has no column "Prime rate"`},
		{"every missing column is named", "Date,Unemployment rate\n2025 Q1,4\n", 3, 1, "",
			`no columns "3-month Treasury rate", "Prime rate", "Mortgage rate", "House Price Index (Level)", "Commercial Real Estate Price Index (Level)"`},
		{"the header line counts comments", "# c\n# c\n" + strings.Replace(header, ",Mortgage rate", "", 1), 3, 3, "", `no column "Mortgage rate"`},
		{"an unparsable date", header + rows(1) + "S,2025 second quarter,1,4,4,6,7,200,100\n", 3, 3, "Date", `"2025 second quarter" is not a quarter`},
		{"a fifth quarter", header + "S,2025 Q5,1,4,4,6,7,200,100\n", 3, 2, "Date", "is not a quarter"},
		{"a skipped quarter", header + rows(1) + "S,2025 Q3,1,4,4,6,7,200,100\n", 3, 3, "Date", `"2025 Q3" does not follow 2025 Q1: rows must be consecutive quarters (want 2025 Q2)`},
		{"quarters out of order", header + "S,2025 Q2,1,4,4,6,7,200,100\nS,2025 Q1,1,4,4,6,7,200,100\n", 3, 3, "Date", "does not follow 2025 Q2"},
		{"the year wraps only after Q4", header + "S,2025 Q4,1,4,4,6,7,200,100\nS,2025 Q1,1,4,4,6,7,200,100\n", 3, 3, "Date", "want 2026 Q1"},
		{"an unparsable number", header + rows(1) + "S,2025 Q2,1,four,4,6,7,200,100\n", 3, 3, "Unemployment rate", `"four" is not a number`},
		{"a blank number", header + rows(1) + "S,2025 Q2,1,4,,6,7,200,100\n", 3, 3, "3-month Treasury rate", "blank"},
		{"a short row", header + rows(1) + "S,2025 Q2,1,4,4,6,7,200\n", 3, 3, "Commercial Real Estate Price Index (Level)", "blank"},
		{"a negative number", header + rows(1) + "S,2025 Q2,1,4,4,-6,7,200,100\n", 3, 3, "Mortgage rate", "-6 is negative"},
		{"NaN is not a number", header + rows(1) + "S,2025 Q2,1,4,4,6,NaN,200,100\n", 3, 3, "Prime rate", `"NaN" is not a number`},
		{"a zero price index at t = 0", header + "S,2025 Q1,1,4,4,6,7,0,100\n" + "S,2025 Q2,1,4,4,6,7,200,100\n", 3, 2, "House Price Index (Level)", "rebased"},
		{"fewer quarters than the horizon needs", header + rows(3), 9, 0, "", "needs 4 quarterly rows for 9 months, file has 3"},
		{"a partial quarter needs its end row", header + rows(10), 28, 0, "", "needs 11 quarterly rows for 28 months, file has 10"},
		{"a header only", header, 3, 0, "", "needs 2 quarterly rows for 3 months, file has 0"},
		{"an empty file", "", 3, 0, "", "empty"},
		{"broken quoting", header + rows(1) + "S,\"2025 Q2,1\n", 3, 3, "", "not valid CSV"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.src), "dir/bad.csv", c.horizon)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if fe.File != "bad.csv" || fe.Line != c.line || fe.Column != c.column {
				t.Errorf("error at %s line %d column %q, want bad.csv line %d column %q (%v)", fe.File, fe.Line, fe.Column, c.line, c.column, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			if c.line > 0 && !strings.Contains(err.Error(), "line "+strconv.Itoa(c.line)) {
				t.Errorf("error %q does not name line %d", err, c.line)
			}
		})
	}
}

func TestParseRejectsAHorizonBelowOneMonth(t *testing.T) {
	if _, err := Parse(strings.NewReader(header+rows(2)), "f.csv", 0); err == nil || !strings.Contains(err.Error(), "horizon 0 months") {
		t.Fatalf("err = %v, want the horizon named", err)
	}
}

func TestRowsForCountsTheJumpOffRowAndEveryStartedQuarter(t *testing.T) {
	for h, want := range map[int]int{1: 2, 3: 2, 4: 3, 27: 10, 28: 11, 120: 41} {
		if got := RowsFor(h); got != want {
			t.Errorf("RowsFor(%d) = %d, want %d", h, got, want)
		}
	}
}

func TestReadFileNamesTheFileByItsBaseName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "risk-team.csv")
	if err := os.WriteFile(path, []byte(header+rows(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadFile(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "risk-team.csv" {
		t.Errorf("Name = %q", p.Name)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.csv"), 3); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("a missing file: err = %v, want it named", err)
	}
}

// TestFederalReserveFixtures checks the transcribed 2025 scenarios against
// what the Federal Reserve's 2025 Stress Test Scenarios document says of
// them: in the severely adverse scenario unemployment rises 5.9 points from
// 4.1% to a peak of 10% in Q3 2026, house prices fall about 33% and
// commercial real estate prices 30%, and the 3-month rate drops to 0.1%; in
// the baseline the 3-month rate falls from 4.4% at the end of 2024 to 3.4%
// by Q1 2027 and prices rise about 2% a year.
func TestFederalReserveFixtures(t *testing.T) {
	const horizon = 39 // every row of the files: 2024 Q4 to 2028 Q1
	sa, err := ReadFile(filepath.Join(fixtureDir, "fed-2025-severely-adverse.csv"), horizon)
	if err != nil {
		t.Fatal(err)
	}
	base, err := ReadFile(filepath.Join(fixtureDir, "fed-2025-baseline.csv"), horizon)
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.4f, want %.4f +- %g", what, got, want, tol)
		}
	}
	peak, peakMonth := maxAt(sa.Unemployment)
	near("severely adverse: unemployment at t = 0", sa.Unemployment[0], 0.041, 1e-12)
	near("severely adverse: peak unemployment", peak, 0.10, 1e-12)
	if peakMonth != 21 { // 2026 Q3 is seven quarters after 2024 Q4
		t.Errorf("severely adverse: unemployment peaks in month %d, want 21 (2026 Q3)", peakMonth)
	}
	trough, _ := minAt(sa.HPI)
	near("severely adverse: house price fall", 1-trough, 0.334, 0.005)
	if 1-trough < 0.33 || 1-trough > 0.36 {
		t.Errorf("severely adverse: house prices fall %.1f%%, want 33-36%%", 100*(1-trough))
	}
	trough, _ = minAt(sa.CRE)
	near("severely adverse: CRE price fall", 1-trough, 0.30, 0.005)
	low, _ := minAt(sa.FedFunds)
	near("severely adverse: 3-month rate trough", low, 0.001, 1e-12)

	near("baseline: 3-month rate at t = 0", base.FedFunds[0], 0.044, 1e-12)
	near("baseline: 3-month rate in 2027 Q1 (month 27)", base.FedFunds[27], 0.034, 1e-12)
	peak, _ = maxAt(base.Unemployment)
	near("baseline: peak unemployment", peak, 0.043, 1e-12)
	growth := math.Pow(base.HPI[36], 1.0/3) - 1 // 2024 Q4 to 2027 Q4
	near("baseline: house price growth a year", growth, 0.02, 0.005)
	growth = math.Pow(base.CRE[36], 1.0/3) - 1
	near("baseline: CRE price growth a year", growth, 0.02, 0.005)
	if base.Prime[0] != sa.Prime[0] || base.HPI[0] != 1 || sa.CRE[0] != 1 {
		t.Errorf("both scenarios start from the same jump-off quarter, rebased to 1")
	}

	// The default horizon, 27 months, needs 10 of the 14 rows.
	if _, err := ReadFile(filepath.Join(fixtureDir, "fed-2025-severely-adverse.csv"), 27); err != nil {
		t.Errorf("default horizon: %v", err)
	}
	_, err = ReadFile(filepath.Join(fixtureDir, "fed-2025-severely-adverse.csv"), 40)
	if err == nil || !strings.Contains(err.Error(), "needs 15 quarterly rows for 40 months, file has 14") {
		t.Errorf("horizon 40: err = %v, want too few rows", err)
	}
}

func maxAt(xs []float64) (float64, int) {
	m, at := math.Inf(-1), -1
	for i, x := range xs {
		if x > m {
			m, at = x, i
		}
	}
	return m, at
}

func minAt(xs []float64) (float64, int) {
	m, at := math.Inf(1), -1
	for i, x := range xs {
		if x < m {
			m, at = x, i
		}
	}
	return m, at
}

// TestHistoricalFixture checks the back-test's file, the Federal Reserve's
// Table 1A rows 2006 Q4 to 2010 Q4, against facts published elsewhere:
// unemployment 4.4% in 2006 Q4 and 4.8% in 2007 Q4 (BLS, The Editor's Desk,
// 23 April 2008), a peak of 9.9% in 2009 Q4 (DFAST 2013, Figure 3); the
// prime rate at 8.25% until September 2007 and 3.25% from 16 December 2008
// (printed to one decimal: 8.3 and 3.3); the 3-month rate near zero from
// 2008 Q4. It covers 48 months (17 rows) and no more.
func TestHistoricalFixture(t *testing.T) {
	const name = "historical-2007q1-2010q4.csv"
	p, err := ReadFile(filepath.Join(fixtureDir, name), 48)
	if err != nil {
		t.Fatal(err)
	}
	if p.Months() != 48 {
		t.Fatalf("Months() = %d, want 48", p.Months())
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %.4f, want %.4f", what, got, want)
		}
	}
	near("unemployment 2006 Q4 (t = 0)", p.Unemployment[0], 0.044)
	near("unemployment 2007 Q4 (month 12)", p.Unemployment[12], 0.048)
	peak, at := maxAt(p.Unemployment)
	near("peak unemployment", peak, 0.099)
	if at != 36 {
		t.Errorf("unemployment peaks in month %d, want 36 (2009 Q4)", at)
	}
	near("prime 2006 Q4", p.Prime[0], 0.083)
	near("prime 2007 Q2 (month 6)", p.Prime[6], 0.083)
	for m := 27; m <= 48; m++ { // 2009 Q1 on
		near(fmt.Sprintf("prime month %d", m), p.Prime[m], 0.033)
	}
	if low, _ := minAt(p.FedFunds[24:]); low > 0.003 {
		t.Errorf("3-month rate from 2008 Q4: min %.4f, want near zero", low)
	}
	// Prices rebased to 2006 Q4: house prices 190.9 -> 135.6, CRE
	// 229.6 -> 171.9 (peak 251.4 in 2007 Q3).
	near("HPI 2010 Q4", p.HPI[48], 135.6/190.9)
	near("CRE 2010 Q4", p.CRE[48], 171.9/229.6)
	hi, at := maxAt(p.CRE)
	near("CRE peak", hi, 251.4/229.6)
	if at != 9 {
		t.Errorf("CRE peaks in month %d, want 9 (2007 Q3)", at)
	}
	if _, err := ReadFile(filepath.Join(fixtureDir, name), 49); err == nil || !strings.Contains(err.Error(), "needs 18 quarterly rows for 49 months, file has 17") {
		t.Errorf("horizon 49: err = %v, want too few rows", err)
	}
}
