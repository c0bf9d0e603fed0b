package model

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// Benchmarks of the inner loop, at the default horizon (H = 27) over 10,000
// scenarios. Run with
//
//	go test ./worker/model -run '^$' -bench . -benchtime 2s
//
// and compare ns/loan-scenario with the raw draw BenchmarkRawPCGUint64
// measured in the same run: issue 10's goals are the generated portfolio's
// mix at most 15 raw draws per loan-scenario, a fixed-rate loan at most 3,
// and a monthly-reset amortising loan at most 100 ns, with 0 allocs/op.
// cpu-ns figures are process CPU time, which on a shared machine excludes
// time spent waiting for a core.

var (
	sinkU uint64
	sinkF float64
)

// cpuMetric reports CPU nanoseconds per unit beside the wall-clock ns/op,
// which on a busy shared machine includes time spent waiting for a core.
func cpuMetric(b *testing.B, start time.Duration, units int, name string) {
	b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N)/float64(units), name)
}

func BenchmarkRawPCGUint64(b *testing.B) {
	var src rand.PCG
	src.Seed(1, 2)
	var s uint64
	start := processCPU()
	for b.Loop() {
		s += src.Uint64()
	}
	cpuMetric(b, start, 1, "cpu-ns/op")
	sinkU = s
}

func BenchmarkRawUniform(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var s float64
	start := processCPU()
	for b.Loop() {
		s += r.Float64()
	}
	cpuMetric(b, start, 1, "cpu-ns/op")
	sinkF = s
}

func BenchmarkRawNormFloat64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var s float64
	start := processCPU()
	for b.Loop() {
		s += r.NormFloat64()
	}
	cpuMetric(b, start, 1, "cpu-ns/op")
	sinkF = s
}

func benchLoan(b *testing.B, l loan.Loan) {
	sc := benchScenarios(b)
	ev := NewEvaluator(sc)
	if _, err := ev.Evaluate(&l); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if _, err := ev.Evaluate(&l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sc.Len()), "ns/loan-scenario")
	cpuMetric(b, start, sc.Len(), "cpu-ns/loan-scenario")
}

var benchSc struct {
	sync.Once
	sc *Scenarios
}

// benchScenarios are the default scenarios (H = 27) with 10,000 scenarios,
// built once for all benchmarks.
func benchScenarios(b *testing.B) *Scenarios {
	benchSc.Do(func() { benchSc.sc = testScenarios(b, func(p *Params) { p.Scenarios = 10_000 }) })
	return benchSc.sc
}

func BenchmarkEvaluateFixedRate(b *testing.B) { benchLoan(b, personalFixed("B1", 690)) }

func BenchmarkEvaluateFixedRateCard(b *testing.B) { benchLoan(b, cardFixed("B6", 690)) }

// BenchmarkEvaluateFixedRateMortgageLTV is a fixed-rate mortgage whose LTV
// can pass the knee: the per-month kernel.
func BenchmarkEvaluateFixedRateMortgageLTV(b *testing.B) {
	benchLoan(b, mortgageFixed("B7", 700, 0.78))
}

func BenchmarkEvaluateBalloonCRE(b *testing.B) {
	benchLoan(b, creBalloon("B8", 5, 12, 2_000_000*0.065*1.3))
}

func BenchmarkEvaluateMonthlyResetLine(b *testing.B) {
	benchLoan(b, commercialLine("B2", 5, 0.01))
}

func BenchmarkEvaluateMonthlyResetAmortising(b *testing.B) {
	benchLoan(b, personalPrime("B3", 690, 0.04))
}

// BenchmarkEvaluateMonthlyResetAmortisingRisky is the same kind of loan with
// a low score and a wide margin: it defaults in many scenarios, and each
// default rebuilds its payment path.
func BenchmarkEvaluateMonthlyResetAmortisingRisky(b *testing.B) {
	benchLoan(b, personalPrime("B5", 560, 0.08))
}

func BenchmarkEvaluateAnnualResetARM(b *testing.B) { benchLoan(b, creARM("B4", 5)) }

func BenchmarkNewScenarios(b *testing.B) {
	p := DefaultParams()
	p.Scenarios = 10_000
	p.Seed = 20260101
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewScenarios(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateGeneratedPortfolio is the average over the portfolio
// generator's mix (version 1's: about 70% fixed-rate, 13% monthly-reset
// amortising, 8% monthly-reset lines, 7% annual-reset ARMs).
func BenchmarkEvaluateGeneratedPortfolio(b *testing.B) {
	g, err := portfolio.New(1)
	if err != nil {
		b.Fatal(err)
	}
	loans := make([]loan.Loan, 1000)
	for i := range loans {
		g.Loan(uint64(i), &loans[i])
	}
	sc := benchScenarios(b)
	ev := NewEvaluator(sc)
	for i := range loans { // build the hazard tables outside the timing
		if _, err := ev.Evaluate(&loans[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	start := processCPU()
	i := 0
	for b.Loop() {
		if _, err := ev.Evaluate(&loans[i%len(loans)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sc.Len()), "ns/loan-scenario")
	cpuMetric(b, start, sc.Len(), "cpu-ns/loan-scenario")
}

// v2Mix is a book shaped like MODEL.md section 3 by exposure share of
// count, from the test builders: mortgages and home equity 25% (fixed
// mortgages, 5/1 ARMs, HELOCs), CRE 25% (balloons, ARMs), C&I term 15%,
// lines 12%, cards 10% (half prime), auto 7%, unsecured personal 6%.
func v2Mix(n int) []loan.Loan {
	r := rand.New(rand.NewPCG(7, 8))
	out := make([]loan.Loan, n)
	for i := range out {
		id := "V" + string(rune('A'+i%26)) + itoa(i)
		score := 580 + r.IntN(240)
		grade := 1 + r.IntN(9)
		u := r.Float64()
		switch {
		case u < 0.13:
			out[i] = mortgageFixed(id, score, 0.5+0.4*r.Float64())
		case u < 0.19:
			out[i] = mortgageARM(id, score, 0.5+0.4*r.Float64())
		case u < 0.25:
			out[i] = homeEquityLine(id, score)
		case u < 0.37:
			out[i] = creBalloon(id, grade, 1+r.IntN(60), 2_000_000*0.065*(1.2+0.6*r.Float64()))
		case u < 0.50:
			out[i] = creARM(id, grade)
		case u < 0.65:
			out[i] = commercialTermFixed(id, grade, float64(r.IntN(2))*300_000)
		case u < 0.77:
			out[i] = commercialLine(id, grade, 0.005+0.02*r.Float64())
		case u < 0.82:
			out[i] = cardFixed(id, score)
		case u < 0.87:
			out[i] = cardPrime(id, score, 0.1)
		case u < 0.94:
			out[i] = autoLoan(id, score)
		default:
			out[i] = personalFixed(id, score)
		}
	}
	return out
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// BenchmarkEvaluateV2Mix is the average over v2Mix, MODEL.md section 3's
// book (the generator's version 2 comes in a later issue).
func BenchmarkEvaluateV2Mix(b *testing.B) {
	loans := v2Mix(1000)
	sc := benchScenarios(b)
	ev := NewEvaluator(sc)
	for i := range loans {
		if _, err := ev.Evaluate(&loans[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	start := processCPU()
	i := 0
	for b.Loop() {
		if _, err := ev.Evaluate(&loans[i%len(loans)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(sc.Len()), "ns/loan-scenario")
	cpuMetric(b, start, sc.Len(), "cpu-ns/loan-scenario")
}

// BenchmarkEvaluateCard is a card on prime plus a margin, reset monthly:
// the margin grid (gridPath), the most common loan of the generated book.
func BenchmarkEvaluateCard(b *testing.B) { benchLoan(b, cardPrime("B8", 690, 0.14)) }
