package operate

import (
	"math"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// small is a run small enough to compute by hand: 1,000 loans, 10
// scenarios, one worker of 1 vCPU running one task with one S3 stream,
// batches and shards of 100 loans, 1,000 ns per loan-scenario.
func small() CostInput {
	return CostInput{Loans: 1000, Scenarios: 10, Workers: 1, TasksPerWorker: 1, TaskCPU: 1024, TaskMemoryMiB: 2048,
		BatchSize: 100, ShardSize: 100, S3Concurrency: 1, AZCount: 1, KernelNanos: 1000}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func TestEstimateCostMatchesTheHandComputedFigures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		layout           string
		objects, batches int64
		items            int64
		readSeconds      float64
		durationSeconds  float64
		transitions      float64
		getLoans, puts   float64
	}{
		{
			// 1,000 objects of 286 bytes, 100 per batch: 10 batches.
			// read = 1000 x (0.030 + 286/90e6) = 30.0031778 s
			// work = 0.01 (compute) + 30.0031778 + 10 x 0.2 = 32.0131778 s
			// duration = 90 + 32.0131778 + 30
			layout: workflow.LayoutPerLoan, objects: 1000, batches: 10, items: 100,
			readSeconds: 1000 * (0.030 + 286.0/90e6), durationSeconds: 90 + 0.01 + 1000*(0.030+286.0/90e6) + 2 + 30,
			// 17 parent + ceil(90/15)=6 polls x 4 + 10 children x 2
			transitions: 17 + 24 + 20, getLoans: 1000, puts: 10*2 + 6,
		},
		{
			// 10 shards of 100 loans (28,600 bytes), one shard per batch.
			layout: workflow.LayoutSharded, objects: 10, batches: 10, items: 1,
			readSeconds: 10 * (0.030 + 28600.0/90e6), durationSeconds: 90 + 0.01 + 10*(0.030+28600.0/90e6) + 2 + 30,
			transitions: 17 + 24 + 20, getLoans: 10, puts: 10*2 + 6,
		},
	}
	for _, tc := range cases {
		t.Run("the "+tc.layout+" layout", func(t *testing.T) {
			t.Parallel()
			e, err := EstimateCost(small(), tc.layout)
			if err != nil {
				t.Fatal(err)
			}
			if e.Objects != tc.objects || e.Batches != tc.batches || e.ItemsPerBatch != tc.items {
				t.Errorf("objects, batches, items = %d, %d, %d; want %d, %d, %d", e.Objects, e.Batches, e.ItemsPerBatch, tc.objects, tc.batches, tc.items)
			}
			near(t, "compute seconds", e.ComputeSeconds, 1000*10*1000/1e9)
			near(t, "read seconds", e.ReadSeconds, tc.readSeconds)
			near(t, "duration", e.Duration.Seconds(), tc.durationSeconds)
			hours := tc.durationSeconds / 3600
			near(t, "vCPU-hours", e.Line(ItemVCPU).Quantity, hours)
			near(t, "vCPU USD", e.Line(ItemVCPU).USD, hours*0.012144)
			near(t, "GB-hours", e.Line(ItemMemory).Quantity, 2*hours)
			near(t, "transitions", e.Line(ItemTransitions).Quantity, tc.transitions)
			near(t, "transition USD", e.Line(ItemTransitions).USD, tc.transitions*0.000025)
			near(t, "GETs of loan objects", e.Line(ItemGetLoans).Quantity, tc.getLoans)
			near(t, "other GETs", e.Line(ItemGetOther).Quantity, 10+4)
			near(t, "PUTs", e.Line(ItemPut).Quantity, tc.puts)
			near(t, "LISTs", e.Line(ItemList).Quantity, 1)
			near(t, "endpoint hours", e.Line(ItemVPCEHours).Quantity, 4*hours)
			var sum float64
			for _, l := range e.Lines {
				sum += l.USD
			}
			near(t, "total", e.TotalUSD, sum)
		})
	}
}

func TestShardedLayoutSavesGetsByTheShardFactor(t *testing.T) {
	t.Parallel()
	for _, shard := range []int{10, 1000, 10_000} {
		in := CostInput{Loans: 1_000_000, ShardSize: shard}
		per, err := EstimateCost(in, workflow.LayoutPerLoan)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := EstimateCost(in, workflow.LayoutSharded)
		if err != nil {
			t.Fatal(err)
		}
		got := per.Line(ItemGetLoans).Quantity / sh.Line(ItemGetLoans).Quantity
		if got != float64(shard) {
			t.Errorf("shard size %d: per-loan makes %g times the GETs of sharded, want %d", shard, got, shard)
		}
		if sh.TotalUSD >= per.TotalUSD {
			t.Errorf("shard size %d: sharded costs $%.2f, per-loan $%.2f", shard, sh.TotalUSD, per.TotalUSD)
		}
	}
}

func TestEstimateCostScalesWithTheWorkers(t *testing.T) {
	t.Parallel()
	in := CostInput{Loans: 10_000_000, Scenarios: 1000, Workers: 10}
	a, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	in.Workers = 20
	b, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	// Twice the workers halve the work; startup and shutdown stay.
	fixed := WorkerStartup + WorkerShutdown
	near(t, "work with 20 workers", (b.Duration - fixed).Seconds(), (a.Duration-fixed).Seconds()/2)
	if b.Duration >= a.Duration || b.Duration < a.Duration/2 {
		t.Errorf("durations %v (10 workers), %v (20 workers)", a.Duration, b.Duration)
	}
}

func TestCostInputRejectsOutOfRangeFieldsByName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   CostInput
		want string
	}{
		{"negative loans", CostInput{Loans: -1}, "--loans = -1"},
		{"too many scenarios", CostInput{Scenarios: workflow.MaxScenarios + 1}, "--scenarios"},
		{"a task below a quarter vCPU", CostInput{TaskCPU: 128}, "--task-cpu = 128"},
		{"negative workers", CostInput{Workers: -3}, "--workers = -3"},
		{"a negative kernel time", CostInput{KernelNanos: -1}, "--kernel-ns"},
		{"an infinite kernel time", CostInput{KernelNanos: math.Inf(1)}, "--kernel-ns = +Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := EstimateCost(tc.in, workflow.LayoutSharded)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to name %q", err, tc.want)
			}
		})
	}
	if _, err := EstimateCost(CostInput{}, "columnar"); err == nil || !strings.Contains(err.Error(), `layout "columnar"`) {
		t.Errorf("unknown layout: error = %v", err)
	}
}

func TestPricesSetOverridesOneKeyAndRejectsUnknownOnes(t *testing.T) {
	t.Parallel()
	p, err := DefaultPrices.Set("s3-get=0.001")
	if err != nil {
		t.Fatal(err)
	}
	if p.Get("s3-get") != 0.001 || DefaultPrices.Get("s3-get") != 0.0000004 {
		t.Errorf("Set changed %g (copy) and %g (default table)", p.Get("s3-get"), DefaultPrices.Get("s3-get"))
	}
	e, err := EstimateCost(CostInput{Loans: 1000, Prices: p}, workflow.LayoutPerLoan)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "GET USD at the overridden price", e.Line(ItemGetLoans).USD, 1000*0.001)
	for _, bad := range []string{"s3-gets=1", "s3-get", "s3-get=-1", "s3-get=cheap", "s3-get=NaN", "s3-get=Inf"} {
		if _, err := DefaultPrices.Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded", bad)
		}
	}
	if _, err := DefaultPrices.Set("nope=1"); err == nil || !strings.Contains(err.Error(), "fargate-spot-vcpu-hour") {
		t.Errorf("unknown key error does not list the keys: %v", err)
	}
}

func TestLambdaEstimateMatchesTheHandComputedFigures(t *testing.T) {
	t.Parallel()
	in := small()
	in.Compute = ComputeLambda
	e, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	// 10 shards of 100 loans, one per batch (a shard fits the 90 s batch).
	if e.Compute != ComputeLambda || e.Objects != 10 || e.Batches != 10 || e.ItemsPerBatch != 1 {
		t.Fatalf("compute %s objects %d batches %d items %d, want lambda, 10, 10, 1", e.Compute, e.Objects, e.Batches, e.ItemsPerBatch)
	}
	// compute 0.01 s, read 10 x (0.030 + 28,600/90e6) s on one stream:
	// each invocation is a tenth of both plus 0.1 s of overhead.
	read := 10 * (0.030 + 28600.0/90e6)
	invocation := (0.01+read)/10 + 0.1
	memGB := 1769.0 / 1024
	// 10 environments (fewer batches than the concurrency of 50) each
	// start cold (2 s), plus prepare and aggregate (1 s each).
	near(t, "GB-seconds", e.Line(ItemLambdaDuration).Quantity, (10*invocation+10*2+2*1)*memGB)
	near(t, "GB-second USD", e.Line(ItemLambdaDuration).USD, (10*invocation+10*2+2*1)*memGB*0.0000166667)
	near(t, "requests", e.Line(ItemLambdaRequests).Quantity, 12)
	near(t, "parent transitions", e.Line(ItemTransitions).Quantity, 13)
	near(t, "Express children", e.Line(ItemExpressRequests).Quantity, 10)
	// invocation + 0.2 s rounds up to 0.4 s, in one 64 MB chunk.
	near(t, "Express GB-hours", e.Line(ItemExpressDuration).Quantity, 10*0.4*(64.0/1024)/3600)
	near(t, "duration", e.Duration.Seconds(), 2+(invocation+0.2)+2)
	near(t, "Standard children instead", e.StandardChildrenUSD, 10*2*0.000025)
	if e.Line(ItemVPCEHours).Quantity != 0 || e.Line(ItemVCPU).Quantity != 0 {
		t.Errorf("a Lambda estimate charges Fargate or endpoint hours: %+v", e.Lines)
	}
	var sum float64
	for _, l := range e.Lines {
		sum += l.USD
	}
	near(t, "total", e.TotalUSD, sum)
}

func TestLambdaEstimateUsesTheMeasuredKernelAndLessMemoryIsSlower(t *testing.T) {
	t.Parallel()
	in := CostInput{Loans: 500_000, Compute: ComputeLambda, BatchSize: LambdaBatchSize(1000)}
	full, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel is the measured constant, not a copy.
	near(t, "compute seconds", full.ComputeSeconds, 500_000*1000*float64(KernelNanosPerLoanScenario)/1e9)
	in.LambdaMemoryMB = 1769 / 2
	half, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	if half.Duration <= full.Duration {
		t.Errorf("half the memory (half a vCPU) took %v, not longer than %v", half.Duration, full.Duration)
	}
}

func TestCostInputRejectsAnUnknownCompute(t *testing.T) {
	t.Parallel()
	in := small()
	in.Compute = "ec2"
	if _, err := EstimateCost(in, workflow.LayoutSharded); err == nil || !strings.Contains(err.Error(), `--compute = "ec2"`) {
		t.Errorf("err = %v, want it to name --compute", err)
	}
}
