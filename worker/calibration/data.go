// Package calibration holds the public data the credit model is calibrated
// against (MODEL.md sections 2, 3 and 6) and the code that turns it into
// parameters: the unemployment elasticities eta_seg fitted to the Federal
// Reserve's 2006-2010 charge-off rates, the exposure mix of a US bank's loan
// book, and the charge-off and stress-test loss rates behind the calibration
// bands. Every number comes from a file in testdata/, transcribed from a
// cited public page (see testdata/README.md and docs/calibration.md); the
// files are embedded so the fit reruns anywhere with `go test`.
package calibration

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:embed testdata/*.csv
var files embed.FS

// The transcribed files, relative to the embedded file system.
const (
	chargeOffFile      = "testdata/chargeoff_2006_2010.csv"
	fedTablesFile      = "testdata/fed_chargeoff_delinquency_nsa_2006_2010.csv"
	autoFlowFile       = "testdata/nyfed_auto_serious_delinquency_2006_2010.csv"
	unemploymentMonthF = "testdata/unemployment_monthly.csv"
	unemploymentQtrF   = "testdata/unemployment_quarterly.csv"
	recentChargeOffF   = "testdata/baseline_chargeoff_recent.csv"
	dfastFile          = "testdata/dfast_severely_adverse.csv"
	mixFile            = "testdata/h8_mix.csv"
)

// Quarter is a calendar quarter, Q in 1..4.
type Quarter struct {
	Year int
	Q    int
}

// String formats the quarter as the files write it, "2006Q1".
func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// Add returns the quarter n quarters later (earlier for n < 0).
func (q Quarter) Add(n int) Quarter {
	i := q.Year*4 + (q.Q - 1) + n
	return Quarter{Year: i / 4, Q: i%4 + 1}
}

// Before reports whether q is strictly earlier than r.
func (q Quarter) Before(r Quarter) bool {
	return q.Year*4+q.Q < r.Year*4+r.Q
}

// ParseQuarter reads "2006Q1".
func ParseQuarter(s string) (Quarter, error) {
	y, q, ok := strings.Cut(s, "Q")
	if !ok {
		return Quarter{}, fmt.Errorf("parse quarter %q: want YYYYQn", s)
	}
	year, err := strconv.Atoi(y)
	if err != nil {
		return Quarter{}, fmt.Errorf("parse quarter %q: %w", s, err)
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > 4 {
		return Quarter{}, fmt.Errorf("parse quarter %q: quarter must be 1..4", s)
	}
	return Quarter{Year: year, Q: n}, nil
}

// readCSV returns the header and rows of an embedded file, skipping the
// '#' source comment block at its top.
func readCSV(name string) (header []string, rows [][]string, err error) {
	raw, err := files.ReadFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comment = '#'
	r.FieldsPerRecord = 0 // every row as wide as the header
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", name, err)
		}
		if header == nil {
			header = rec
			continue
		}
		rows = append(rows, rec)
	}
	if header == nil {
		return nil, nil, fmt.Errorf("read %s: no header row", name)
	}
	return header, rows, nil
}

// column returns the index of the named column or an error naming the file.
func column(file string, header []string, name string) (int, error) {
	for i, h := range header {
		if h == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("read %s: no column %q", file, name)
}

func parseFloat(file string, line int, s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("read %s row %d: %w", file, line, err)
	}
	return v, nil
}

// quarterColumn returns the named column of a file with a "quarter"
// column, quarter to value.
func quarterColumn(file, name string) (map[Quarter]float64, error) {
	header, rows, err := readCSV(file)
	if err != nil {
		return nil, err
	}
	qi, err := column(file, header, "quarter")
	if err != nil {
		return nil, err
	}
	vi, err := column(file, header, name)
	if err != nil {
		return nil, err
	}
	out := make(map[Quarter]float64, len(rows))
	for n, row := range rows {
		q, err := ParseQuarter(row[qi])
		if err != nil {
			return nil, fmt.Errorf("read %s row %d: %w", file, n+1, err)
		}
		if out[q], err = parseFloat(file, n+1, row[vi]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
