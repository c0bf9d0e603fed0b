package scenariofile

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Column names as the Federal Reserve prints them in its scenario tables
// (e.g. 2025-Table_3A_Supervisory_Severely_Adverse_Domestic.csv). Every
// other column (Scenario Name, Real GDP growth, BBB corporate yield, ...) is
// ignored.
const (
	ColDate         = "Date"
	ColUnemployment = "Unemployment rate"
	ColTreasury3M   = "3-month Treasury rate"
	ColPrime        = "Prime rate"
	ColMortgage     = "Mortgage rate"
	ColHPI          = "House Price Index (Level)"
	ColCRE          = "Commercial Real Estate Price Index (Level)"
)

// RequiredColumns are the columns a scenario file must have, in the order
// errors list them.
var RequiredColumns = []string{ColDate, ColUnemployment, ColTreasury3M, ColPrime, ColMortgage, ColHPI, ColCRE}

// MonthsPerQuarter is the spacing of the file's rows: row k is month 3k.
const MonthsPerQuarter = 3

// MaxFileBytes bounds what Parse reads: a scenario of 40 quarters is about
// 4 KB, so a file this large is not a scenario file.
const MaxFileBytes = 4 << 20

// RowsFor returns how many quarterly rows (t = 0 included) a horizon of
// horizonMonths months needs: the row at t = 0 and one per started quarter.
func RowsFor(horizonMonths int) int {
	return (horizonMonths+MonthsPerQuarter-1)/MonthsPerQuarter + 1
}

// Error is a problem with a scenario file, naming the file and, when it is
// about one cell, its line (1-based, as an editor shows it) and column.
type Error struct {
	File   string // base name of the file
	Line   int    // 0 when the problem is not on one line
	Column string // "" when the problem is not in one column
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario file %s", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// ReadFile parses the scenario file at path for a horizon of horizonMonths
// months (see Parse); Name is the file's base name.
func ReadFile(path string, horizonMonths int) (*Path, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario file: %w", err)
	}
	defer f.Close()
	return Parse(f, filepath.Base(path), horizonMonths)
}

// Parse reads a CSV scenario file with the Federal Reserve's column names
// (RequiredColumns; others ignored) and returns its monthly paths for
// months t = 0..horizonMonths. Its first data row is t = 0 (today) and each
// further row the next quarter ("2026 Q1" follows "2025 Q4"); months between
// rows are linearly interpolated. Rates and unemployment are in percent, as
// the Federal Reserve prints them, and become decimals; the price indices are
// rebased to 1 at t = 0. Lines starting with '#' are comments (our fixtures
// carry their source in them). name names the file in Path.Name and in
// errors; SHA256 is the hash of every byte read, comments included.
//
// Errors are *Error values naming the line and column: a missing required
// column, an unparsable date, quarters that do not follow each other, a
// blank, unparsable or negative number, a zero price index at t = 0, and
// fewer rows than RowsFor(horizonMonths).
func Parse(r io.Reader, name string, horizonMonths int) (*Path, error) {
	name = filepath.Base(name)
	fail := func(line int, col, format string, args ...any) error {
		return &Error{File: name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
	}
	if horizonMonths < 1 {
		return nil, fail(0, "", "horizon %d months: want 1 or more", horizonMonths)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario file %s: %w", name, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fail(0, "", "larger than %d bytes: not a scenario file", MaxFileBytes)
	}
	sum := sha256.Sum256(data)

	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fail(0, "", "empty: want a header row with the columns %s", quoteAll(RequiredColumns))
	}
	if err != nil {
		return nil, csvErr(name, err)
	}
	headerLine, _ := cr.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	idx := make(map[string]int, len(RequiredColumns))
	var missing []string
	for _, c := range RequiredColumns {
		i, ok := col[strings.ToLower(c)]
		if !ok {
			missing = append(missing, c)
			continue
		}
		idx[c] = i
	}
	if len(missing) > 0 {
		what := "column"
		if len(missing) > 1 {
			what = "columns"
		}
		return nil, fail(headerLine, "", "header has no %s %s (required: %s)", what, quoteAll(missing), quoteAll(RequiredColumns))
	}

	need := RowsFor(horizonMonths)
	type row struct{ unemp, t3m, prime, mortgage, hpi, cre float64 }
	var rows []row
	var prevYear, prevQuarter int
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		cell := func(c string) (string, error) {
			i := idx[c]
			if i >= len(rec) || strings.TrimSpace(rec[i]) == "" {
				return "", fail(line, c, "blank: want a value")
			}
			return strings.TrimSpace(rec[i]), nil
		}
		d, err := cell(ColDate)
		if err != nil {
			return nil, err
		}
		year, quarter, ok := parseQuarter(d)
		if !ok {
			return nil, fail(line, ColDate, "%q is not a quarter: want YEAR Qn, e.g. \"2026 Q1\"", d)
		}
		if len(rows) > 0 {
			wantYear, wantQuarter := prevYear, prevQuarter+1
			if wantQuarter > 4 {
				wantYear, wantQuarter = wantYear+1, 1
			}
			if year != wantYear || quarter != wantQuarter {
				return nil, fail(line, ColDate, "%q does not follow %d Q%d: rows must be consecutive quarters (want %d Q%d)",
					d, prevYear, prevQuarter, wantYear, wantQuarter)
			}
		}
		prevYear, prevQuarter = year, quarter
		num := func(c string) (float64, error) {
			s, err := cell(c)
			if err != nil {
				return 0, err
			}
			v, perr := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
			if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fail(line, c, "%q is not a number", s)
			}
			if v < 0 {
				return 0, fail(line, c, "%s is negative: want 0 or more", s)
			}
			return v, nil
		}
		var rw row
		for _, f := range []struct {
			col string
			dst *float64
		}{{ColUnemployment, &rw.unemp}, {ColTreasury3M, &rw.t3m}, {ColPrime, &rw.prime}, {ColMortgage, &rw.mortgage}, {ColHPI, &rw.hpi}, {ColCRE, &rw.cre}} {
			if *f.dst, err = num(f.col); err != nil {
				return nil, err
			}
		}
		if len(rows) == 0 {
			for _, f := range []struct {
				col string
				v   float64
			}{{ColHPI, rw.hpi}, {ColCRE, rw.cre}} {
				if f.v == 0 {
					return nil, fail(line, f.col, "0 at t = 0: the index is rebased to its first row, which must be positive")
				}
			}
		}
		rows = append(rows, rw)
	}
	if len(rows) < need {
		return nil, fail(0, "", "needs %d quarterly rows for %d months, file has %d (the first row is t = 0, then one row a quarter)",
			need, horizonMonths, len(rows))
	}

	p := &Path{
		Name: name, SHA256: hex.EncodeToString(sum[:]),
		FedFunds: make([]float64, horizonMonths+1), Prime: make([]float64, horizonMonths+1),
		Mortgage: make([]float64, horizonMonths+1), Unemployment: make([]float64, horizonMonths+1),
		HPI: make([]float64, horizonMonths+1), CRE: make([]float64, horizonMonths+1),
	}
	const percent = 100
	hpi0, cre0 := rows[0].hpi, rows[0].cre
	for t := 0; t <= horizonMonths; t++ {
		k, rem := t/MonthsPerQuarter, t%MonthsPerQuarter
		a := rows[k]
		b := a
		if rem > 0 {
			b = rows[k+1]
		}
		w := float64(rem) / MonthsPerQuarter
		lerp := func(x, y float64) float64 { return x + w*(y-x) }
		p.FedFunds[t] = lerp(a.t3m, b.t3m) / percent
		p.Prime[t] = lerp(a.prime, b.prime) / percent
		p.Mortgage[t] = lerp(a.mortgage, b.mortgage) / percent
		p.Unemployment[t] = lerp(a.unemp, b.unemp) / percent
		p.HPI[t] = lerp(a.hpi, b.hpi) / hpi0
		p.CRE[t] = lerp(a.cre, b.cre) / cre0
	}
	return p, nil
}

// quarterRE is "2026 Q1", "2026Q1" or "2026:Q1" (the Federal Reserve's CSV
// files, tables and FRED write it these ways).
var quarterRE = regexp.MustCompile(`^(\d{4})\s*[:]?\s*[Qq]([1-4])$`)

func parseQuarter(s string) (year, quarter int, ok bool) {
	m := quarterRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	quarter, _ = strconv.Atoi(m[2])
	return year, quarter, true
}

// csvErr turns a CSV syntax error into an *Error naming its line.
func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: pe.Line, Msg: "not valid CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("read scenario file %s: %w", name, err)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
