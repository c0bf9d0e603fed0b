package loan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, l Loan) string {
	t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeRejectsMalformedObjects(t *testing.T) {
	t.Parallel()
	good := mustJSON(t, validPersonal())
	cases := []struct {
		name  string
		in    string
		kind  Kind
		field string
	}{
		{"text that is not JSON", "hello, world", KindNotJSON, ""},
		{"an empty record", "   ", KindNotJSON, ""},
		{"a JSON array", `[1,2,3]`, KindNotJSON, ""},
		{"a JSON null", `null`, KindNotJSON, ""},
		{"an object cut short", good[:len(good)/2], KindNotJSON, ""},
		{"a stray comma", strings.Replace(good, `,"segment"`, `,,"segment"`, 1), KindNotJSON, ""},
		{"two objects on one line", good + good, KindNotJSON, ""},
		{"an unknown key", strings.Replace(good, `{"id"`, `{"colour":"red","id"`, 1), KindUnknownField, "colour"},
		{"a misspelt key", strings.Replace(good, `"balance"`, `"balanse"`, 1), KindUnknownField, "balanse"},
		{"an amount given as a string", strings.Replace(good, `"amount":25000`, `"amount":"25000"`, 1), KindWrongType, "amount"},
		{"a fractional term", strings.Replace(good, `"term_months":60`, `"term_months":60.5`, 1), KindWrongType, "term_months"},
		{"a record over 64 KiB", strings.Replace(good, `"L0000000001"`, `"`+strings.Repeat("x", MaxRecordBytes)+`"`, 1), KindTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			t.Parallel()
			var l Loan
			err := Decode([]byte(tc.in), &l)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v, want a *FieldError", err)
			}
			if fe.Kind != tc.kind || fe.Field != tc.field {
				t.Errorf("got %s/%q (%v), want %s/%q", fe.Kind, fe.Field, err, tc.kind, tc.field)
			}
		})
	}
}

func TestDecodeResetsTheTargetLoan(t *testing.T) {
	t.Parallel()
	l := validCommercial()
	in := mustJSON(t, validPersonal())
	if err := Parse([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	if l.NOIAnnualUSD != 0 || l.RiskGrade != 0 {
		t.Errorf("fields of the previous loan leaked into the decoded one: %+v", l)
	}
}

func TestAppendJSONMatchesMarshalAndRoundTrips(t *testing.T) {
	t.Parallel()
	odd := validPersonal()
	odd.ID = `L"<&>` + "\u2028\x01é"
	odd.AmountUSD = 1e22
	odd.MarginAnnual = 1e-7
	odd.InterestOnly = true
	odd.Derived = []string{"annual_income: 12 x payment / DTI", "b"}
	for name, l := range map[string]Loan{"personal": validPersonal(), "commercial": validCommercial(), "odd": odd,
		"card": validCard(), "mortgage": validMortgage(), "balloon": validBalloon()} {
		want, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		got := AppendJSON(nil, &l)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: AppendJSON\n got %s\nwant %s", name, got, want)
		}
		var back Loan
		if err := Decode(got, &back); err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if !reflect.DeepEqual(back, l) {
			t.Errorf("%s: round trip changed the loan:\n got %+v\nwant %+v", name, back, l)
		}
	}
}

func TestReaderReportsBadLinesAndContinues(t *testing.T) {
	t.Parallel()
	p, c := validPersonal(), validCommercial()
	bad := p
	bad.BalanceUSD = 1e9
	var in bytes.Buffer
	in.WriteString("\xef\xbb\xbf" + mustJSON(t, p) + "\n")                      // 1, with a byte order mark
	in.WriteString("not json at all\n")                                         // 2
	in.WriteString("\n   \n")                                                   // 3, 4 blank
	in.WriteString(mustJSON(t, bad) + "\r\n")                                   // 5
	in.WriteString(`{"id":"` + strings.Repeat("y", 3*MaxRecordBytes) + "\"}\n") // 6: too long for the buffer
	in.WriteString(mustJSON(t, c))                                              // 7, no final newline

	type seen struct {
		line int
		id   string
		kind Kind
	}
	want := []seen{{1, p.ID, ""}, {2, "", KindNotJSON}, {5, p.ID, KindBadBalance}, {6, "", KindTooLarge}, {7, c.ID, ""}}
	var got []seen
	r := NewReader(&in)
	for r.Next() {
		rec := r.Record()
		got = append(got, seen{rec.Line, rec.Loan.ID, KindOf(rec.Err)})
		if rec.Err != nil {
			rej := rec.Rejection("shard-0001.jsonl")
			if rej.Line != rec.Line || rej.Kind == "" || rej.Reason == "" || len(rej.Raw) > RejectionRawBytes || len(rej.Raw) == 0 {
				t.Errorf("line %d: incomplete rejection %+v", rec.Line, rej)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err = %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records\n got %v\nwant %v", got, want)
	}
}

func TestReaderAcceptsARecordOfExactlyTheLimit(t *testing.T) {
	t.Parallel()
	p := validPersonal()
	base := mustJSON(t, p)
	p.ID = "L" + strings.Repeat("0", MaxIDBytes-1)
	// Pad with spaces inside the object up to exactly MaxRecordBytes.
	line := strings.Replace(mustJSON(t, p), `{"id"`, `{`+strings.Repeat(" ", MaxRecordBytes-len(mustJSON(t, p)))+`"id"`, 1)
	if len(line) != MaxRecordBytes {
		t.Fatalf("test line is %d bytes", len(line))
	}
	r := NewReader(strings.NewReader(line + "\r\n" + line + " \n" + base))
	var kinds []Kind
	for r.Next() {
		kinds = append(kinds, KindOf(r.Record().Err))
	}
	if want := []Kind{"", KindTooLarge, ""}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %q, want %q", kinds, want)
	}
}

type failingReader struct{ after io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.after.Read(p)
	if errors.Is(err, io.EOF) {
		return n, fmt.Errorf("connection reset")
	}
	return n, err
}

func TestReaderSurfacesIOErrors(t *testing.T) {
	t.Parallel()
	r := NewReader(&failingReader{strings.NewReader(mustJSON(t, validPersonal()) + "\n")})
	n := 0
	for r.Next() {
		n++
	}
	if n != 1 || r.Err() == nil || !strings.Contains(r.Err().Error(), "connection reset") {
		t.Errorf("read %d records, Err = %v; want 1 record then the I/O error", n, r.Err())
	}
}

func TestRejectionMarshalsAsOneLine(t *testing.T) {
	t.Parallel()
	rec := Record{Line: 3, Raw: []byte("bad\xffbytes"), Err: &FieldError{Kind: KindNotJSON, Problem: "x"}}
	b, err := json.Marshal(rec.Rejection("k"))
	if err != nil || bytes.ContainsRune(b, '\n') {
		t.Fatalf("%s %v", b, err)
	}
	if !strings.Contains(string(b), `"kind":"not_json"`) {
		t.Errorf("rejection %s lacks its kind", b)
	}
}

func TestReadObjectBoundsItsRead(t *testing.T) {
	t.Parallel()
	var l Loan
	if err := ReadObject(strings.NewReader(mustJSON(t, validCommercial())), &l); err != nil || l.ID != validCommercial().ID {
		t.Fatalf("ReadObject = %v, loan %q", err, l.ID)
	}
	huge := io.MultiReader(strings.NewReader(`{"id":"`), strings.NewReader(strings.Repeat("z", 10*MaxRecordBytes)))
	if err := ReadObject(huge, &l); KindOf(err) != KindTooLarge {
		t.Errorf("oversized object: %v, want too_large", err)
	}
	if err := ReadObject(&failingReader{strings.NewReader("{")}, &l); err == nil || KindOf(err) != "" {
		t.Errorf("I/O failure: %v, want a plain error, not a rejection", err)
	}
}

func TestObjectReaderRejectsAnEndlessObjectWithoutReadingIt(t *testing.T) {
	t.Parallel()
	in := &endless{head: []byte(`{"id":"`), fill: 'z'}
	r := NewObjectReader(in)
	if !r.Next() {
		t.Fatalf("Next = false, Err = %v; want one rejected record", r.Err())
	}
	if rec := r.Record(); KindOf(rec.Err) != KindTooLarge || rec.Line != 1 || len(rec.Raw) > MaxRecordBytes {
		t.Errorf("record: line %d, %d raw bytes, %v; want line 1 rejected as too_large", rec.Line, len(rec.Raw), rec.Err)
	}
	if r.Next() || r.Err() != nil {
		t.Errorf("second Next or Err = %v: want the end of input", r.Err())
	}
	if in.read > MaxRecordBytes+1 {
		t.Errorf("read %d bytes of the object, want at most %d", in.read, MaxRecordBytes+1)
	}
}
