package loan

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkReader measures decoding and validating JSON Lines, what the
// simulate operation does for every input loan.
func BenchmarkReader(b *testing.B) {
	var in []byte
	p, c := validPersonal(), validCommercial()
	for i := range 500 {
		p.ID, c.ID = fmt.Sprintf("P%09d", i), fmt.Sprintf("C%09d", i)
		in = AppendJSONL(in, &p)
		in = AppendJSONL(in, &c)
	}
	b.SetBytes(int64(len(in))) // per op: 1,000 loans
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r := NewReader(bytes.NewReader(in))
		for r.Next() {
			if r.Record().Err != nil {
				b.Fatal(r.Record().Err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "loans/s")
}

// BenchmarkValidate measures Validate on a valid loan.
func BenchmarkValidate(b *testing.B) {
	l := validCommercial()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
