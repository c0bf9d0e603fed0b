package operate

import (
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// BenchmarkKernelAtRunDefaults measures what KernelNanosPerLoanScenario and
// LoanJSONBytes record: the model over the portfolio generator's mix at the
// workflow's default horizon, and the size of one loan's JSON. Run with
//
//	go test ./operate -run '^$' -bench KernelAtRunDefaults -benchtime 2s
func BenchmarkKernelAtRunDefaults(b *testing.B) {
	g, err := portfolio.New(1)
	if err != nil {
		b.Fatal(err)
	}
	loans := make([]loan.Loan, 1000)
	var bytes int
	for i := range loans {
		g.Loan(uint64(i), &loans[i])
		bytes += len(loan.AppendJSON(nil, &loans[i]))
	}
	p := model.DefaultParams()
	p.Scenarios = 10_000
	p.HorizonMonths = workflow.DefaultHorizonMonths
	sc, err := model.NewScenarios(p)
	if err != nil {
		b.Fatal(err)
	}
	ev := model.NewEvaluator(sc)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := ev.Evaluate(&loans[i%len(loans)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(p.Scenarios), "ns/loan-scenario")
	b.ReportMetric(float64(bytes)/float64(len(loans)), "json-bytes/loan")
}
