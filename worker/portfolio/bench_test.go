package portfolio

import (
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// BenchmarkGenerate measures generating loans in memory (no encoding), the
// target being at least 1,000,000 loans per second per core.
func BenchmarkGenerate(b *testing.B) {
	g := mustNew(b, 1)
	var l loan.Loan
	b.ReportAllocs()
	i := uint64(0)
	cpu0 := cpuTime()
	for b.Loop() {
		g.Loan(i, &l)
		i++
	}
	reportRates(b, cpu0)
}

// BenchmarkEncodeJSONL measures generating and encoding JSON Lines records,
// what the generate operation does before writing to S3.
func BenchmarkEncodeJSONL(b *testing.B) {
	g := mustNew(b, 1)
	buf := make([]byte, 0, 1<<20)
	b.ReportAllocs()
	i := uint64(0)
	var bytes int64
	cpu0 := cpuTime()
	for b.Loop() {
		if len(buf) > 1<<20-1024 {
			bytes += int64(len(buf))
			buf = buf[:0]
		}
		buf = g.AppendJSONL(buf, i)
		i++
	}
	bytes += int64(len(buf))
	b.SetBytes(bytes / int64(b.N))
	reportRates(b, cpu0)
}

// BenchmarkAppendJSON measures the encoder alone on an already generated loan.
func BenchmarkAppendJSON(b *testing.B) {
	g := mustNew(b, 1)
	var l loan.Loan
	g.Loan(5, &l)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = loan.AppendJSONL(buf[:0], &l)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "loans/s")
}

// reportRates reports loans per wall-clock second and per CPU second (see
// cpuTime) for a single-goroutine benchmark.
func reportRates(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "loans/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "loans/cpu-s")
	}
}
