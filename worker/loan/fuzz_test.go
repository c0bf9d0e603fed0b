package loan

import (
	"bytes"
	"errors"
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
		var fe *FileError
		if err := r.Err(); err != nil && !errors.As(err, &fe) {
			t.Fatalf("in-memory input gave an I/O error: %v", err)
		}
	})
}

// FuzzCSVReader does the same for the CSV reader.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("loan_id,type,amount,balance,rate,term,remaining_months,credit_score\n1,personal,1000,900,0.05,36,30,700\n2,commercial,90000,80000,0.07,60,50,640\n"))
	f.Add([]byte("id,segment,amount,balance,current_rate,term_months,remaining_months,index,credit_score\nx,personal_unsecured,5,4,0.1,12,3,prime,700\n"))
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
		var fe *FileError
		if err := r.Err(); err != nil && !errors.As(err, &fe) {
			t.Fatalf("in-memory input gave an I/O error: %v", err)
		}
	})
}
