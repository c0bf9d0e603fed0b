package localrun

import (
	"context"
	"testing"
	"time"
)

// BenchmarkLocalRun measures a whole run, Generate and Simulate, on loopback:
// every task through the emulator's HTTP API, every object through local S3.
// Each iteration generates a fresh portfolio (its own seed) so generation is
// measured too. The figure to watch is loans/s; the model's own speed is
// worker/model's benchmarks, and `montecarlo local --cpuprofile` shows the
// share of a real run spent outside it.
//
//	go test -run '^$' -bench LocalRun -benchtime 3x ./local/runtime
func BenchmarkLocalRun(b *testing.B) {
	const loans, scenarios = 50_000, 200
	rt, err := Start(context.Background(), Options{DataDir: b.TempDir(), Scenarios: scenarios})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	var wall time.Duration
	seed := int64(1)
	for b.Loop() {
		res, err := rt.Run(context.Background(), Run{Loans: loans, Scenarios: scenarios, Seed: seed})
		if err != nil {
			b.Fatal(err)
		}
		seed++
		wall += res.Wall
	}
	b.ReportMetric(float64(loans)*float64(b.N)/wall.Seconds(), "loans/s")
	b.ReportMetric(float64(loans)*scenarios*float64(b.N)/wall.Seconds(), "loan-scenarios/s")
}
