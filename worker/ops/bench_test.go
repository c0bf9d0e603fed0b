package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
)

// defaultBatch prepares a run at the defaults of a deployed pipeline:
// DefaultScenarios scenarios over DefaultHorizonMonths, and the batch
// prepare makes of a dataset of layout at DefaultBatchSize (a sharded
// dataset batches one DefaultShardSize shard of 10,000 loans; a per-loan
// one, 1,000 one-loan objects). It returns the first batch's input.
func defaultBatch(tb testing.TB, e *env, layout string) workflow.SimulateInput {
	tb.Helper()
	loans, shard := int64(workflow.DefaultShardSize), workflow.DefaultShardSize
	if layout == workflow.LayoutPerLoan {
		loans, shard = workflow.DefaultBatchSize, workflow.DefaultBatchSize
	}
	e.generate("ds", loans, shard, layout, 1)
	sr := testRun{id: "bench", scenarios: workflow.DefaultScenarios, seed: 1, batchLoans: workflow.DefaultBatchSize}
	var prep workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", sr), &prep)
	items := e.items(prep.Input)[:prep.MaxItemsPerBatch]
	var in workflow.SimulateInput
	if err := json.Unmarshal([]byte(`{"Items":[`+joinRaw(items)+`],"BatchInput":{"run":`+mustJSON(prep.Run)+`}}`), &in); err != nil {
		tb.Fatal(err)
	}
	return in
}

// BenchmarkSimulate measures the simulate operation on the local S3
// endpoint at the default batch size: it reads the batch's objects over
// HTTP, decodes, runs the model, writes Parquet, errors and partial.
// Metrics: loans/s (wall), kernel-ns/loan-scen (time in Evaluate and
// Partial.Add, summed over evaluators, per loan-scenario) and
// outside-kernel-% (the share of the evaluators' time not spent in the
// model kernel: I/O, decoding, encoding, waiting).
//
//	go test ./worker/ops -run '^$' -bench Simulate -benchtime 3x
func BenchmarkSimulate(b *testing.B) {
	for _, tc := range []struct {
		layout     string
		evaluators int
	}{
		{workflow.LayoutSharded, 1},
		{workflow.LayoutSharded, runtime.GOMAXPROCS(0)},
		{workflow.LayoutPerLoan, runtime.GOMAXPROCS(0)},
	} {
		b.Run(fmt.Sprintf("%s/evaluators=%d", tc.layout, tc.evaluators), func(b *testing.B) {
			e := newEnv(b, s3local.Options{}, nil)
			in := defaultBatch(b, e, tc.layout)
			o := newOps(Deps{Store: e.st, S3Concurrency: 8, Evaluators: tc.evaluators, Logger: slog.New(slog.DiscardHandler)})
			ctx := context.Background()
			var wall, kernel time.Duration
			var loans int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				e.put(workflow.PartialKey(in.BatchInput.Run.RunID, workflow.BatchID(in.Items, in.BatchInput.Run.InputBucket)), []byte("{}"))
				b.StartTimer()
				out, st, err := o.simulate(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if st.Skipped {
					b.Fatal("the batch was skipped, not simulated")
				}
				wall += st.Wall
				kernel += st.Kernel
				loans += out.Loans
			}
			b.ReportMetric(float64(loans)/wall.Seconds(), "loans/s")
			b.ReportMetric(float64(kernel.Nanoseconds())/float64(loans)/workflow.DefaultScenarios, "kernel-ns/loan-scen")
			b.ReportMetric(100*(1-kernel.Seconds()/(wall.Seconds()*float64(tc.evaluators))), "outside-kernel-%")
		})
	}
}

// memoryChildEnv makes the test binary run one default batch and print
// its peak resident memory, so the figure is the worker's alone, not the
// test runner's.
const memoryChildEnv = "OPS_PEAK_MEMORY_CHILD"

// maxWorkerMemory is the goal for one simulate task at the default batch
// size: well inside the smallest Fargate task (512 MiB) with two tasks
// per worker.
const maxWorkerMemory = 256 << 20

// TestSimulatePeakMemoryAtTheDefaultBatchSize runs one default batch
// (10,000 loans, 1,000 scenarios, 27 months) in a fresh process and
// checks its peak resident set (VmHWM), which includes the in-process
// local S3 endpoint and the generator, so it bounds the worker's.
func TestSimulatePeakMemoryAtTheDefaultBatchSize(t *testing.T) {
	if os.Getenv(memoryChildEnv) == "1" {
		e := newEnv(t, s3local.Options{}, nil)
		in := defaultBatch(t, e, workflow.LayoutSharded)
		runtime.GC()
		before := vmHWM(t)
		var out workflow.SimulateOutput
		e.mustCall(workflow.OpSimulate, json.RawMessage(mustJSON(in)), &out)
		if out.Loans != workflow.DefaultShardSize {
			t.Fatalf("simulated %d loans, want %d", out.Loans, workflow.DefaultShardSize)
		}
		fmt.Printf("peak-before-simulate %d\npeak %d\n", before, vmHWM(t))
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status (VmHWM) on this system")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSimulatePeakMemoryAtTheDefaultBatchSize$", "-test.count=1")
	cmd.Env = append(os.Environ(), memoryChildEnv+"=1")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, outb)
	}
	figures := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(string(outb)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && strings.HasPrefix(f[0], "peak") {
			figures[f[0]], _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	peak := figures["peak"]
	if peak == 0 {
		t.Fatalf("child printed no peak:\n%s", outb)
	}
	t.Logf("peak resident memory: %.1f MiB (%.1f MiB before the batch)", float64(peak)/(1<<20), float64(figures["peak-before-simulate"])/(1<<20))
	if peak > maxWorkerMemory {
		t.Errorf("peak resident memory %.1f MiB at the default batch size, want under %d MiB", float64(peak)/(1<<20), maxWorkerMemory>>20)
	}
}

// vmHWM returns the process's peak resident set size in bytes.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
