package risk

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

func TestShockBinEdges(t *testing.T) {
	t.Parallel()
	if len(ShockEdges) != ShockBins+1 || ShockEdges[0] != 1.00 || ShockEdges[1] != 1.05 || ShockEdges[2] != 1.10 || ShockEdges[ShockBins] != 2.50 {
		t.Fatalf("edges %v, want 1.00 to 2.50 in steps of 0.05", ShockEdges)
	}
	for _, tc := range []struct {
		ratio float64
		bin   int
	}{
		{math.NaN(), 0}, {-1, 0}, {0, 0}, {0.5, 0}, {0.9999994, 0},
		{0.9999995, 1}, // rounds to 1.000000
		{1, 1}, {1.0499994, 1}, {1.0499995, 2}, {1.05, 2}, {1.0999994, 2}, {1.10, 3},
		{1.25, 6}, {1.5, 11}, {2.4999994, ShockBins}, {2.5, ShockBins + 1}, {40, ShockBins + 1}, {math.Inf(1), ShockBins + 1},
	} {
		t.Run(fmt.Sprintf("a ratio of %v falls in bin %d", tc.ratio, tc.bin), func(t *testing.T) {
			t.Parallel()
			if got := shockBin(shockE6(tc.ratio)); got != tc.bin {
				t.Fatalf("bin %d, want %d", got, tc.bin)
			}
			if tc.bin >= 1 && tc.bin <= ShockBins {
				lo, hi := ShockEdges[tc.bin-1], ShockEdges[tc.bin]
				if r := math.Round(tc.ratio*1e6) / 1e6; r < lo || r >= hi {
					t.Errorf("ratio %v is outside its bin's edges [%v, %v)", tc.ratio, lo, hi)
				}
			}
		})
	}
}

// shockResults returns n results with random segments and shocks, a third
// of them fixed-rate (shock exactly 1) and a few beyond the last edge.
func shockResults(seed uint64, n int) []model.Result {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]model.Result, n)
	for i := range out {
		shock := 1.0
		switch r.IntN(3) {
		case 0:
		case 1:
			shock = 1 + 0.6*r.Float64()
		default:
			shock = 1 + r.ExpFloat64()
		}
		out[i] = model.Result{
			LoanID: fmt.Sprint("L", i), Segment: loan.Segments[r.IntN(len(loan.Segments))],
			PaymentShockMean: shock, PaymentShockMax: shock * (1 + 0.2*r.Float64()),
		}
	}
	return out
}

func TestShockHistogramMergesExactlyInAnyOrder(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios = 3
	results := shockResults(5, 5000)
	whole := NewPartial(p)
	for i := range results {
		if err := whole.Add(&results[i]); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	for trial := range 5 {
		// Random batches, merged in a random order.
		var parts []*Partial
		for start := 0; start < len(results); {
			end := min(len(results), start+1+r.IntN(700))
			pt := NewPartial(p)
			for i := start; i < end; i++ {
				if err := pt.Add(&results[i]); err != nil {
					t.Fatal(err)
				}
			}
			parts = append(parts, pt)
			start = end
		}
		r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		got, err := Merge(parts...)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("trial %d: %d batches merged in a shuffled order differ from one batch", trial, len(parts))
		}
	}

	rep, err := Summarise(whole, p)
	if err != nil {
		t.Fatal(err)
	}
	ps := rep.PaymentShock
	// Counted directly from the results, independent of the bin code.
	var sum, worst int64
	var above [3]int64
	want := make([]int64, ShockCounts)
	for _, res := range results {
		m := int64(math.Round(res.PaymentShockMean * 1e6))
		sum += m
		worst += int64(math.Round(res.PaymentShockMax * 1e6))
		switch {
		case m >= 2_500_000:
			want[ShockCounts-1]++
		default:
			want[1+(m-1_000_000)/50_000]++
		}
		for k, th := range []int64{1_100_000, 1_250_000, 1_500_000} {
			if m >= th {
				above[k]++
			}
		}
	}
	if !reflect.DeepEqual(ps.Counts, want) {
		t.Errorf("counts %v, want %v", ps.Counts, want)
	}
	if ps.Loans != int64(len(results)) || ps.Mean != float64(sum)/1e6/float64(len(results)) || ps.MeanWorst != float64(worst)/1e6/float64(len(results)) {
		t.Errorf("loans %d mean %v worst %v, want %d, %v, %v", ps.Loans, ps.Mean, ps.MeanWorst, len(results), float64(sum)/1e6/float64(len(results)), float64(worst)/1e6/float64(len(results)))
	}
	for k, a := range ps.Above {
		if a.Ratio != ShockThresholds[k] || a.Loans != above[k] || a.Share != float64(above[k])/float64(len(results)) {
			t.Errorf("above %v: %d loans (%v), want %d", a.Ratio, a.Loans, a.Share, above[k])
		}
	}
	if !reflect.DeepEqual(ps.Edges, ShockEdges) {
		t.Errorf("report edges %v", ps.Edges)
	}
	var segLoans int64
	for _, s := range ps.Segments {
		segLoans += s.Loans
		if !(s.Mean >= 1 && s.Mean < ps.MeanWorst*2) {
			t.Errorf("segment %s mean shock %v", s.Segment, s.Mean)
		}
	}
	if segLoans != ps.Loans || len(ps.Segments) != len(rep.Segments) {
		t.Errorf("segments count %d loans in %d segments, want %d in %d", segLoans, len(ps.Segments), ps.Loans, len(rep.Segments))
	}
}

func TestShockHistogramSurvivesJSONAndOldPartialsStillDecode(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios = 4
	results := shockResults(6, 300)
	pt := NewPartial(p)
	for i := range results {
		if err := pt.Add(&results[i]); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := json.Marshal(pt)
	if err != nil {
		t.Fatal(err)
	}
	var back Partial
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, pt) {
		t.Fatal("JSON round trip changed the payment-shock histogram")
	}

	t.Run("a partial written before the histogram existed decodes and merges", func(t *testing.T) {
		t.Parallel()
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, s := range m["segments"].([]any) {
			delete(s.(map[string]any), "payment_shock")
		}
		old, _ := json.Marshal(m)
		var o Partial
		if err := json.Unmarshal(old, &o); err != nil {
			t.Fatal(err)
		}
		if err := o.Merge(pt); err != nil {
			t.Fatal(err)
		}
		rep, err := Summarise(&o, p)
		if err != nil {
			t.Fatal(err)
		}
		// Only the new partial's loans are in the histogram.
		if rep.PaymentShock.Loans != int64(len(results)) || rep.Portfolio.Loans != 2*int64(len(results)) {
			t.Errorf("histogram counts %d loans of %d", rep.PaymentShock.Loans, rep.Portfolio.Loans)
		}
	})
	t.Run("a histogram of the wrong length is rejected", func(t *testing.T) {
		t.Parallel()
		bad := NewPartial(p)
		bad.Segments[0].PaymentShock.Counts = make(Counts, 5)
		if err := NewPartial(p).Merge(bad); err == nil || !strings.Contains(err.Error(), "payment-shock bins") {
			t.Errorf("Merge = %v, want an error about payment-shock bins", err)
		}
		var c Counts
		long, _ := json.Marshal(make(Counts, ShockCounts+1))
		if err := json.Unmarshal(long, &c); err == nil {
			t.Error("decoded a count vector longer than the histogram")
		}
	})
}

func TestAddAllocatesNothingOnceEachSegmentHasALoan(t *testing.T) {
	p := model.DefaultParams()
	p.Scenarios = 10
	pt := NewPartial(p)
	results := shockResults(8, 200)
	for i := range results {
		results[i].Losses = []model.ScenarioLoss{{Scenario: i % 10, Month: 1, Cents: 100}}
		if err := pt.Add(&results[i]); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	if allocs := testing.AllocsPerRun(1000, func() {
		_ = pt.Add(&results[i%len(results)])
		i++
	}); allocs != 0 {
		t.Errorf("Add allocates %v times per loan", allocs)
	}
}
