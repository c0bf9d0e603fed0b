package loan

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// The tests of this file are the observed failures of issue 12, each
// written so that it failed on the reader before it: the same input in every
// format must give the same loans and the same rejections.

const tapeHeader = "id,segment,amount,balance,current_rate,term_months,remaining_months,credit_score,annual_income"

// tapeRow is a valid personal loan of the tape.
func tapeRow(i int) string {
	return fmt.Sprintf("P-%03d,personal_unsecured,25000,18000,0.09,60,41,700,64000", i)
}

// asJSONL turns CSV text (header, rows) into JSON Lines with the same
// values, numbers as JSON numbers where they parse, so a test can run the
// same tape through both readers. A row that is not a plain CSV row is
// copied as is.
func asJSONL(csvText string) string {
	lines := strings.Split(strings.TrimSuffix(csvText, "\n"), "\n")
	head := strings.Split(lines[0], ",")
	var b strings.Builder
	for _, ln := range lines[1:] {
		cells := strings.Split(ln, ",")
		if len(cells) != len(head) || strings.Contains(ln, `"`) {
			b.WriteString(ln + "\n")
			continue
		}
		b.WriteString("{")
		for i, c := range cells {
			if i > 0 {
				b.WriteString(",")
			}
			v := `"` + c + `"`
			if _, err := parseNumber("", c); err == nil && c != "" {
				v = c
			}
			fmt.Fprintf(&b, `"%s":%s`, head[i], v)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

type outcome struct {
	recs []Record
	err  error
}

func readAll(t *testing.T, f Format, in []byte, opt ReadOptions) outcome {
	t.Helper()
	r := NewFormatReader(bytes.NewReader(in), f, opt)
	var out outcome
	for r.Next() {
		rec := *r.Record()
		rec.Raw = append([]byte(nil), rec.Raw...)
		out.recs = append(out.recs, rec)
	}
	out.err = r.Err()
	return out
}

func (o outcome) valid() int {
	n := 0
	for _, r := range o.recs {
		if r.Err == nil {
			n++
		}
	}
	return n
}

func (o outcome) rejected() []Record {
	var out []Record
	for _, r := range o.recs {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// both reads a CSV tape as CSV and as JSON Lines, plain and gzipped.
// both reads a CSV tape as CSV and as JSON Lines, plain and gzipped; check
// gets the line offset of the format (1 for CSV's header, 0 for JSON Lines).
func both(t *testing.T, csvText string, opt ReadOptions, check func(t *testing.T, o outcome, off int)) {
	t.Helper()
	for _, c := range []struct {
		name string
		f    Format
		in   []byte
		off  int
	}{
		{"csv", FormatCSV, []byte(csvText), 1},
		{"jsonl", FormatJSONL, []byte(asJSONL(csvText)), 0},
		{"csv.gz", FormatCSV, gz([]byte(csvText)), 1},
		{"jsonl.gz", FormatJSONL, gz([]byte(asJSONL(csvText))), 0},
	} {
		t.Run(c.name, func(t *testing.T) { check(t, readAll(t, c.f, c.in, opt), c.off) })
	}
}

func TestAFileWithoutARequiredColumnIsOneHeaderError(t *testing.T) {
	t.Parallel()
	// Issue 12: a file without balance ran, balance derived silently.
	head := strings.Replace(tapeHeader, ",balance", "", 1)
	in := head + "\n" + strings.Replace(tapeRow(1), ",18000", "", 1) + "\n"
	both(t, in, ReadOptions{}, func(t *testing.T, o outcome, off int) {
		var fe *FileError
		if !errors.As(o.err, &fe) || fe.Kind != KindBadHeader || len(o.recs) != 0 {
			t.Fatalf("records %d, err %v; want no record and a bad_header error", len(o.recs), o.err)
		}
		if !strings.Contains(fe.Error(), "balance") || !strings.Contains(fe.Error(), "accepted names: id, segment") {
			t.Errorf("error %q does not name balance and the accepted names", fe)
		}
	})
}

func TestAnUnknownColumnIsOneHeaderErrorUnlessAllowed(t *testing.T) {
	t.Parallel()
	// Issue 12: an unrecognised header gave 50 row errors; CSV ignored an
	// extra column while JSON Lines rejected every row naming loan.Loan.
	var b strings.Builder
	b.WriteString(tapeHeader + ",colour\n")
	for i := range 50 {
		b.WriteString(tapeRow(i) + ",red\n")
	}
	both(t, b.String(), ReadOptions{}, func(t *testing.T, o outcome, off int) {
		var fe *FileError
		if !errors.As(o.err, &fe) || fe.Kind != KindBadHeader || len(o.recs) != 0 {
			t.Fatalf("records %d, err %v; want one bad_header error", len(o.recs), o.err)
		}
		if msg := fe.Error(); !strings.Contains(msg, `"colour"`) || strings.Contains(msg, "loan.Loan") || !strings.Contains(msg, "--allow-unknown-columns") {
			t.Errorf("error %q: want the column named, the flag, no Go type", msg)
		}
	})
	both(t, b.String(), ReadOptions{AllowUnknownColumns: true}, func(t *testing.T, o outcome, off int) {
		if o.err != nil || o.valid() != 50 {
			t.Fatalf("valid %d, err %v; want 50 loans with the extra column ignored", o.valid(), o.err)
		}
	})
}

func TestAnOverlongRecordIsRejectedAndTheRestIsRead(t *testing.T) {
	t.Parallel()
	// Issue 12: one 5 MB line at row 21 silently dropped the 30 loans after it.
	var b strings.Builder
	b.WriteString(tapeHeader + "\n")
	for i := range 50 {
		if i == 20 {
			b.WriteString("X-BIG,personal_unsecured," + strings.Repeat("9", 5<<20) + "\n")
		}
		b.WriteString(tapeRow(i) + "\n")
	}
	both(t, b.String(), ReadOptions{}, func(t *testing.T, o outcome, off int) {
		rej := o.rejected()
		if o.err != nil || o.valid() != 50 || len(rej) != 1 {
			t.Fatalf("valid %d, rejected %d, err %v; want 50 and 1", o.valid(), len(rej), o.err)
		}
		if rej[0].Line != 21+off || KindOf(rej[0].Err) != KindTooLarge {
			t.Errorf("rejected line %d kind %q, want line %d too_large", rej[0].Line, KindOf(rej[0].Err), 21+off)
		}
	})
}

func TestABrokenQuoteCostsOneRecord(t *testing.T) {
	t.Parallel()
	in := tapeHeader + "\n" + tapeRow(1) + "\n" + `P-2,"personal_unsecured,1,1,0.1,12,12,700,1` + "\n" + tapeRow(3) + "\n"
	o := readAll(t, FormatCSV, []byte(in), ReadOptions{})
	if o.err != nil || o.valid() != 2 || len(o.rejected()) != 1 || o.rejected()[0].Line != 3 || KindOf(o.rejected()[0].Err) != KindBadCSV {
		t.Fatalf("valid %d rejected %v err %v; want 2 loans and line 3 as bad_csv", o.valid(), o.rejected(), o.err)
	}
}

func TestADuplicateIDRejectsTheLaterRecords(t *testing.T) {
	t.Parallel()
	in := tapeHeader + "\n" + tapeRow(1) + "\n" + tapeRow(2) + "\n" + tapeRow(1) + "\n" + tapeRow(1) + "\n"
	both(t, in, ReadOptions{}, func(t *testing.T, o outcome, off int) {
		rej := o.rejected()
		if o.valid() != 2 || len(rej) != 2 || rej[0].Line != 3+off || rej[1].Line != 4+off {
			t.Fatalf("valid %d, rejected %v; want lines 4 and 5 rejected", o.valid(), rej)
		}
		for _, r := range rej {
			if KindOf(r.Err) != KindDuplicateID || !strings.Contains(r.Err.Error(), fmt.Sprintf("line %d", 1+off)) || r.Loan.ID != "P-001" {
				t.Errorf("line %d: %v, want duplicate_id naming line 2", r.Line, r.Err)
			}
		}
	})
	// Across files sharing an IDSet, naming the first file.
	ids := NewIDSet()
	readAll(t, FormatCSV, []byte(in), ReadOptions{IDs: ids, Source: "a.csv"})
	o := readAll(t, FormatCSV, []byte(tapeHeader+"\n"+tapeRow(2)+"\n"), ReadOptions{IDs: ids, Source: "b.csv"})
	if len(o.rejected()) != 1 || !strings.Contains(o.rejected()[0].Err.Error(), "a.csv line 3") {
		t.Errorf("cross-file duplicate: %v", o.rejected())
	}
}

func TestNonUTF8RecordsAreRejected(t *testing.T) {
	t.Parallel()
	in := tapeHeader + "\n" + tapeRow(1) + "\n" + strings.Replace(tapeRow(2), "P-002", "P-\xff\xfe2", 1) + "\n" + tapeRow(3) + "\n"
	both(t, in, ReadOptions{}, func(t *testing.T, o outcome, off int) {
		rej := o.rejected()
		if o.valid() != 2 || len(rej) != 1 || rej[0].Line != 2+off || KindOf(rej[0].Err) != KindNotUTF8 {
			t.Fatalf("valid %d, rejected %v; want line 3 as not_utf8", o.valid(), rej)
		}
	})
}

func TestAnEmptyInputIsAnError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		f    Format
		in   string
	}{
		{"an empty CSV", FormatCSV, ""},
		{"a CSV header alone", FormatCSV, tapeHeader + "\n"},
		{"an empty JSON Lines", FormatJSONL, "\n\n"},
		{"an empty gzip", FormatJSONL, string(gz(nil))},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := readAll(t, c.f, []byte(c.in), ReadOptions{})
			var fe *FileError
			if !errors.As(o.err, &fe) || fe.Kind != KindEmpty {
				t.Errorf("err %v, want empty_input", o.err)
			}
		})
	}
}

func TestRatesAreDecimalsAndQuotedAsWritten(t *testing.T) {
	t.Parallel()
	// Issue 12: 0.9 became 90% beside 6.5 read as 6.5%; 150 was rejected
	// quoting 1.5.
	in := tapeHeader + "\n" +
		strings.Replace(tapeRow(1), ",0.09,", ",6.5,", 1) + "\n" +
		strings.Replace(tapeRow(2), ",0.09,", ",0.9,", 1) + "\n" +
		strings.Replace(tapeRow(3), ",0.09,", ",150,", 1) + "\n"
	both(t, in, ReadOptions{}, func(t *testing.T, o outcome, off int) {
		rej := o.rejected()
		if len(rej) != 2 {
			t.Fatalf("rejected %v, want 6.5 and 150", rej)
		}
		for i, want := range []string{`"6.5"`, `"150"`} {
			if KindOf(rej[i].Err) != KindBadRate || !strings.Contains(rej[i].Err.Error(), want) || !strings.Contains(rej[i].Err.Error(), "--rate-unit percent") {
				t.Errorf("line %d: %v, want bad_rate quoting %s", rej[i].Line, rej[i].Err, want)
			}
		}
	})
	both(t, in, ReadOptions{RateUnit: RatePercent}, func(t *testing.T, o outcome, off int) {
		if o.recs[0].Err != nil || o.recs[0].Loan.RateAnnual != 0.065 || o.recs[1].Loan.RateAnnual != 0.009 || !strings.Contains(fmt.Sprint(o.recs[2].Err), `"150"`) {
			t.Errorf("percent: %+v", o.recs)
		}
		if KindOf(o.recs[2].Err) != KindBadRate {
			t.Errorf("150%% accepted: %v", o.recs[2].Err)
		}
	})
}

func TestThousandsSeparatorsAreRejectedInEveryFormat(t *testing.T) {
	t.Parallel()
	// Issue 12: 12,000.50 passed in CSV and failed in JSON.
	csvIn := tapeHeader + "\n" + strings.Replace(tapeRow(1), ",25000,", `,"25,000.50",`, 1) + "\n" + tapeRow(2) + "\n"
	jsonIn := asJSONL(tapeHeader + "\n" + tapeRow(1) + "\n" + tapeRow(2) + "\n")
	jsonIn = strings.Replace(jsonIn, `"amount":25000`, `"amount":"25,000.50"`, 1)
	for i, o := range []outcome{readAll(t, FormatCSV, []byte(csvIn), ReadOptions{}), readAll(t, FormatJSONL, []byte(jsonIn), ReadOptions{})} {
		rej := o.rejected()
		if o.valid() != 1 || len(rej) != 1 || rej[0].Line != 2-i {
			t.Fatalf("rejected %v, want line 2", rej)
		}
		if msg := rej[0].Err.Error(); !strings.Contains(msg, `"25,000.50"`) || !strings.Contains(msg, "thousands separators") || strings.Contains(msg, "float64") {
			t.Errorf("message %q", msg)
		}
	}
}

func TestRequiredFieldsAreNeverDerivedInARecord(t *testing.T) {
	t.Parallel()
	in := tapeHeader + "\n" + strings.Replace(tapeRow(1), ",18000,", ",,", 1) + "\n" + tapeRow(2) + "\n"
	both(t, in, ReadOptions{}, func(t *testing.T, o outcome, off int) {
		rej := o.rejected()
		if len(rej) != 1 || KindOf(rej[0].Err) != KindMissingField {
			t.Fatalf("rejected %v", rej)
		}
		if rej[0].Rejection("x").Field != "balance" {
			t.Errorf("field %q", rej[0].Rejection("x").Field)
		}
	})
}

func TestJSONErrorsNameNoGoType(t *testing.T) {
	t.Parallel()
	in := asJSONL(tapeHeader + "\n" + tapeRow(1) + "\n" + tapeRow(2) + "\n")
	in = strings.Replace(in, `"term_months":60`, `"term_months":[60]`, 1) + `{"id":"P-9","colour":"red"}` + "\n"
	o := readAll(t, FormatJSONL, []byte(in), ReadOptions{})
	for _, r := range o.rejected() {
		if msg := r.Err.Error(); strings.Contains(msg, "loan.") || strings.Contains(msg, "Go ") || strings.Contains(msg, "float64") || strings.Contains(msg, "int") && strings.Contains(msg, "value of type") {
			t.Errorf("line %d: %q names a Go type", r.Line, msg)
		}
	}
	if len(o.rejected()) != 2 {
		t.Errorf("rejected %v", o.rejected())
	}
}

type pqLoan struct {
	ID              string  `parquet:"id"`
	Segment         string  `parquet:"segment"`
	Amount          float64 `parquet:"amount"`
	Balance         float64 `parquet:"balance"`
	Rate            float64 `parquet:"current_rate"`
	Term            int32   `parquet:"term_months"`
	Remaining       int32   `parquet:"remaining_months"`
	Score           int32   `parquet:"credit_score"`
	Income          float64 `parquet:"annual_income"`
	OriginationDate string  `parquet:"origination_date,optional"`
}

type pqNoBalance struct {
	ID        string  `parquet:"id"`
	Segment   string  `parquet:"segment"`
	Amount    float64 `parquet:"amount"`
	Rate      float64 `parquet:"current_rate"`
	Term      int32   `parquet:"term_months"`
	Remaining int32   `parquet:"remaining_months"`
}

func writeParquet[T any](t *testing.T, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParquetFollowsTheSameRules(t *testing.T) {
	t.Parallel()
	row := func(id string, rate float64) pqLoan {
		return pqLoan{ID: id, Segment: "personal_unsecured", Amount: 25000, Balance: 18000, Rate: rate, Term: 60, Remaining: 41, Score: 700, Income: 64000}
	}
	data := writeParquet(t, []pqLoan{row("P-1", 0.09), row("P-\xff", 0.09), row("P-1", 0.09), row("P-3", 6.5), row("P-4", 0.09)})
	for _, in := range [][]byte{data, gz(data)} {
		o := readAll(t, FormatParquet, in, ReadOptions{})
		if o.err != nil || o.valid() != 2 {
			t.Fatalf("valid %d, err %v, rejected %v", o.valid(), o.err, o.rejected())
		}
		want := []struct {
			line int
			kind Kind
		}{{2, KindNotUTF8}, {3, KindDuplicateID}, {4, KindBadRate}}
		rej := o.rejected()
		for i, w := range want {
			if i >= len(rej) || rej[i].Line != w.line || KindOf(rej[i].Err) != w.kind {
				t.Errorf("rejection %d: %v, want row %d %s", i, rej, w.line, w.kind)
			}
		}
		if !strings.Contains(rej[2].Err.Error(), `"6.5"`) {
			t.Errorf("rate message %v", rej[2].Err)
		}
	}
	o := readAll(t, FormatParquet, writeParquet(t, []pqNoBalance{{ID: "x"}}), ReadOptions{})
	var fe *FileError
	if !errors.As(o.err, &fe) || fe.Kind != KindBadHeader || !strings.Contains(fe.Error(), "balance") || len(o.recs) != 0 {
		t.Errorf("no balance column: %v, %d records", o.err, len(o.recs))
	}
	o = readAll(t, FormatParquet, writeParquet(t, []pqLoan{}), ReadOptions{})
	if !errors.As(o.err, &fe) || fe.Kind != KindEmpty {
		t.Errorf("no rows: %v", o.err)
	}
}

func TestFormatOfReadsTheExtension(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]Format{"a.csv": FormatCSV, "a.CSV.gz": FormatCSV, "x/y.jsonl": FormatJSONL, "y.ndjson.gz": FormatJSONL,
		"one.json": FormatJSON, "p.parquet": FormatParquet, "p.parquet.gz": FormatParquet, "README.md": ""} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
}
