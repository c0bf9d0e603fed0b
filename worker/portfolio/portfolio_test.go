package portfolio

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.jsonl from the current generator")

func mustNew(t testing.TB, seed uint64, opts ...Option) *Generator {
	t.Helper()
	g, err := New(seed, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// generate returns loans [0, n) of seed, each a separate copy.
func generate(t testing.TB, seed uint64, n int) []loan.Loan {
	g, err := New(seed)
	if err != nil {
		panic(err)
	}
	out := make([]loan.Loan, n)
	for i := range out {
		g.Loan(uint64(i), &out[i])
	}
	return out
}

func TestEveryLoanIsValidAndRoundTripsThroughJSONLines(t *testing.T) {
	t.Parallel()
	const n = 200_000
	g := mustNew(t, 20250601)
	var buf []byte
	var l loan.Loan
	for i := range uint64(n) {
		g.Loan(i, &l)
		if err := l.Validate(); err != nil {
			t.Fatalf("loan %d is invalid: %v\n%s", i, err, loan.AppendJSON(nil, &l))
		}
		buf = g.AppendJSONL(buf, i)
	}
	r := loan.NewReader(bytes.NewReader(buf))
	check := mustNew(t, 20250601)
	count := 0
	for r.Next() {
		rec := r.Record()
		if rec.Err != nil {
			t.Fatalf("line %d rejected: %v", rec.Line, rec.Err)
		}
		check.Loan(uint64(count), &l)
		if !reflect.DeepEqual(rec.Loan, l) {
			t.Fatalf("line %d decodes to\n%+v\nwant\n%+v", rec.Line, rec.Loan, l)
		}
		count++
	}
	if r.Err() != nil || count != n {
		t.Fatalf("read %d of %d loans, err %v", count, n, r.Err())
	}
}

func TestLoanDependsOnlyOnSeedAndIndex(t *testing.T) {
	t.Parallel()
	const n = 5000
	want := generate(t, 7, n)

	t.Run("in reverse order", func(t *testing.T) {
		g := mustNew(t, 7)
		var l loan.Loan
		for i := n - 1; i >= 0; i-- {
			g.Loan(uint64(i), &l)
			if !reflect.DeepEqual(l, want[i]) {
				t.Fatalf("loan %d differs", i)
			}
		}
	})
	t.Run("in a random order, sharded over fresh generators", func(t *testing.T) {
		perm := rand.New(rand.NewPCG(1, 2)).Perm(n)
		for s := 0; s < n; s += 700 {
			g := mustNew(t, 7, Corrupt(0.3)) // corruption must not change the clean loan either
			var l loan.Loan
			for _, i := range perm[s:min(s+700, n)] {
				g.Loan(uint64(i), &l)
				if !reflect.DeepEqual(l, want[i]) {
					t.Fatalf("loan %d differs", i)
				}
			}
		}
	})
	t.Run("with a different seed, differently", func(t *testing.T) {
		other := generate(t, 8, 100)
		same := 0
		for i := range other {
			if other[i].AmountUSD == want[i].AmountUSD && other[i].Segment == want[i].Segment {
				same++
			}
		}
		if same > 10 {
			t.Errorf("%d of 100 loans agree between seeds 7 and 8", same)
		}
	})
	t.Run("keeping ids intact after many more loans", func(t *testing.T) {
		g := mustNew(t, 7)
		var l loan.Loan
		for i := range uint64(3 * n) {
			g.Loan(i, &l)
		}
		for i, w := range want {
			if id := mustNew(t, 7).ID(uint64(i)); w.ID != id {
				t.Fatalf("loan %d id %q changed, want %q", i, w.ID, id)
			}
		}
	})
}

func TestGoldenLoans(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 1)
	var got []byte
	for i := range uint64(25) {
		got = g.AppendJSONL(got, i)
	}
	path := filepath.Join("testdata", "golden.jsonl")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the generator's output for seed 1 changed; if intended, run go test ./worker/portfolio -run Golden -update\n got %s\nwant %s", got, want)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 1, IDPrefix("S1-"))
	if got := g.ID(42); got != "S1-0000000042" {
		t.Errorf("ID(42) = %q", got)
	}
	if got := g.ID(12345678901); got != "S1-12345678901" {
		t.Errorf("ID(12345678901) = %q", got)
	}
	var l loan.Loan
	g.Loan(42, &l)
	if l.ID != "S1-0000000042" {
		t.Errorf("loan id %q", l.ID)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  Option
		want string
	}{
		{"a negative corrupt fraction", Corrupt(-0.1), "corrupt fraction"},
		{"a corrupt fraction above 1", Corrupt(1.5), "corrupt fraction"},
		{"a NaN corrupt fraction", Corrupt(math.NaN()), "corrupt fraction"},
		{"an id prefix with a space", IDPrefix("a b"), "id prefix"},
		{"an id prefix with a quote", IDPrefix(`a"`), "id prefix"},
	}
	for _, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(1, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "allowed") {
				t.Errorf("New = %v, want an error about %s saying what is allowed", err, tc.want)
			}
		})
	}
}

func TestExpMatchesTheStandardLibrary(t *testing.T) {
	t.Parallel()
	for x := -8.0; x <= 8; x += 0.001 {
		if got, want := exp(x), math.Exp(x); math.Abs(got-want) > 4e-15*want {
			t.Fatalf("exp(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestGeneratingAllocatesNothingPerLoan(t *testing.T) {
	g := mustNew(t, 3)
	var l loan.Loan
	i := uint64(0)
	// Ids come from 16 KiB blocks: one allocation per ~1,300 loans.
	if n := testing.AllocsPerRun(1000, func() { g.Loan(i, &l); i++ }); n != 0 {
		t.Errorf("Loan allocates %v times per loan", n)
	}
	buf := make([]byte, 0, 1<<20)
	if n := testing.AllocsPerRun(1000, func() { buf = g.AppendJSONL(buf[:0], i); i++ }); n != 0 {
		t.Errorf("AppendJSONL allocates %v times per loan", n)
	}
}
