package portfolio

import (
	"bytes"
	"maps"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func TestRejectedRecordsAreExactlyTheCorruptedOnes(t *testing.T) {
	t.Parallel()
	const n, fraction = 60_000, 0.05
	g := mustNew(t, 11, Corrupt(fraction))
	var buf []byte
	kinds := map[CorruptKind]int{}
	corrupted := map[int]loan.Kind{} // line -> expected rejection
	for i := range uint64(n) {
		buf = g.AppendJSONL(buf, i)
		if c := g.Corruption(i); c.Corrupted() {
			kinds[c.Kind]++
			corrupted[int(i)+1] = c.Reject
		}
	}
	proportion(t, "corrupted share", len(corrupted), n, fraction)
	for _, k := range CorruptKinds() {
		if kinds[k] == 0 {
			t.Errorf("corruption %s never chosen in %d records", k, n)
		}
	}

	rejected := map[int]loan.Kind{}
	valid := 0
	r := loan.NewReader(bytes.NewReader(buf))
	for r.Next() {
		rec := r.Record()
		if rec.Err != nil {
			rejected[rec.Line] = loan.KindOf(rec.Err)
		} else {
			valid++
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if valid+len(rejected) != n {
		t.Errorf("read %d valid + %d rejected records, want %d lines", valid, len(rejected), n)
	}
	if !maps.Equal(rejected, corrupted) {
		for line, want := range corrupted {
			if got := rejected[line]; got != want {
				t.Errorf("line %d: rejected as %q, corrupted to be rejected as %q", line, got, want)
			}
		}
		for line, got := range rejected {
			if _, ok := corrupted[line]; !ok {
				t.Errorf("line %d: clean record rejected as %q", line, got)
			}
		}
	}
	byKind := map[loan.Kind]int{}
	for _, k := range rejected {
		byKind[k]++
	}
	if want := g.CorruptedIn(0, n); !maps.Equal(byKind, want) {
		t.Errorf("rejections by kind %v, CorruptedIn says %v", byKind, want)
	}
}

func TestEveryCorruptionIsRejectedAsASingleObjectToo(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 12, Corrupt(1))
	seen := map[CorruptKind]bool{}
	var l loan.Loan
	for i := uint64(0); len(seen) < len(corruptKinds) && i < 10_000; i++ {
		c := g.Corruption(i)
		if !c.Corrupted() {
			t.Fatalf("record %d clean with Corrupt(1)", i)
		}
		seen[c.Kind] = true
		obj := g.AppendJSON(nil, i)
		if got := loan.KindOf(loan.Parse(obj, &l)); got != c.Reject {
			t.Errorf("record %d (%s) parsed as %q, want %q: %.200s", i, c.Kind, got, c.Reject, obj)
		}
	}
	if len(seen) != len(corruptKinds) {
		t.Errorf("saw %d of %d corruptions", len(seen), len(corruptKinds))
	}
}

func TestNoCorruptionByDefault(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 13)
	if got := g.CorruptedIn(0, 10_000); len(got) != 0 {
		t.Errorf("corrupted without the option: %v", got)
	}
}
