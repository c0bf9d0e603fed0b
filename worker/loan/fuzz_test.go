package loan

import (
	"bytes"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the JSON Lines reader: it must never
// panic, must number lines increasingly, and must hand out only records that
// are either rejected with a Kind or valid.
func FuzzReader(f *testing.F) {
	p, c := validPersonal(), validCommercial()
	f.Add(AppendJSONL(AppendJSONL(nil, &p), &c))
	f.Add([]byte("not json\n{\"id\":1}\r\n\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		last := 0
		for r.Next() {
			rec := r.Record()
			if rec.Line <= last {
				t.Fatalf("line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Err != nil {
				if KindOf(rec.Err) == "" {
					t.Fatalf("line %d rejected without a kind: %v", rec.Line, rec.Err)
				}
				continue
			}
			if err := rec.Loan.Validate(); err != nil {
				t.Fatalf("line %d accepted but invalid: %v", rec.Line, err)
			}
		}
		if r.Err() != nil {
			t.Fatalf("in-memory input gave an I/O error: %v", r.Err())
		}
	})
}

// FuzzCSVReader does the same for the CSV reader.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("loan_id,type,amount,rate,term,credit_score\n1,personal,1000,5%,36,700\n2,commercial,90000,0.07,60,640\n"))
	f.Add([]byte("id,segment,amount,current_rate,term_months,remaining_months,index,credit_score\nx,personal_unsecured,5,0.1,12,3,prime,700\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewCSVReader(bytes.NewReader(data), CSVOptions{})
		for r.Next() {
			rec := r.Record()
			if rec.Err != nil {
				if KindOf(rec.Err) == "" {
					t.Fatalf("line %d rejected without a kind: %v", rec.Line, rec.Err)
				}
				continue
			}
			if err := rec.Loan.Validate(); err != nil {
				t.Fatalf("line %d accepted but invalid: %v", rec.Line, err)
			}
		}
		if r.Err() != nil {
			t.Fatalf("in-memory input gave an I/O error: %v", r.Err())
		}
	})
}
