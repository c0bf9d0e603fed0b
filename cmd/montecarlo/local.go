package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

func init() { verbs = append(verbs, newLocalCmd) }

// localOptions are the flags of the local verb.
type localOptions struct {
	run       localrun.Run
	opts      localrun.Options
	jsonOut   bool
	quiet     bool
	verbose   bool
	serve     bool
	cpuProf   string
	chaosSeed uint64
}

func newLocalCmd() *cobra.Command {
	o := &localOptions{}
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run the whole pipeline on this machine: generate a portfolio, simulate it, print the results",
		Long: `local runs the real pipeline end to end with no AWS account: a local S3
over --data-dir, a local Step Functions that executes the very state machines
the Pulumi component deploys, and an ECS stand-in that runs the worker code
in this process. Generate writes a fictitious portfolio of --loans loans,
Simulate runs the credit model over every loan in --scenarios scenarios of
the Fed raising rates to 8%, and the headline figures of the report are
printed with the report's path.

Results are plain files: <data-dir>/montecarlo-local/runs/<run id>/ holds
report.json, report.html, per-loan results as Parquet (results/), per-scenario
loss partials (partials/) and rejected records with their reasons (errors/).

Progress bars show on a terminal only; --json prints one JSON object as the
last line of stdout instead.

While it runs, <data-dir>/.montecarlo/endpoints.json names the local
endpoints, so the other verbs reach it with --local <data-dir>. With --serve
it starts the pipeline and keeps it up, idle, until interrupted: start runs
with 'montecarlo run generate|simulate --local <data-dir>' and follow them with 'watch'.`,
		Example: `  # The default run: 500,000 loans, 1,000 scenarios
  go run ./cmd/montecarlo local

  # A quick run, machine-readable
  montecarlo local --loans 20000 --scenarios 100 --json

  # The Federal Reserve's 2025 severely adverse scenario instead of the rate ramp
  montecarlo local --loans 20000 --scenarios 200 --scenario-file testdata/scenarios/fed-2025-severely-adverse.csv

  # A 6.5% policy rate over five years, importance sampling for the tail
  montecarlo local --target-rate 0.065 --horizon 60 --tail-shift 1.5

  # Chaos: kill 20% of the simulate tasks' workers, corrupt 1% of the records
  montecarlo local --loans 20000 --scenarios 100 --chaos-kill 0.2 --chaos-corrupt 0.01

  # Keep a local pipeline up for the run and watch verbs
  montecarlo local --serve --data-dir ./montecarlo-data`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.execute(cmd) },
	}
	f := cmd.Flags()
	f.Int64Var(&o.run.Loans, "loans", workflow.DefaultLoans, fmt.Sprintf("loans to generate (1 to %d)", workflow.MaxLoans))
	f.IntVar(&o.run.Scenarios, "scenarios", workflow.DefaultScenarios, fmt.Sprintf("scenarios per loan (1 to %d)", workflow.MaxScenarios))
	f.Int64Var(&o.run.Seed, "seed", workflow.DefaultSeed, "seed of the portfolio and the scenarios (a positive integer): the same seed gives the same figures")
	addModelFlags(f, &o.run.TargetRate, &o.run.HorizonMonths, &o.run.TailShift, &o.run.ScenarioFile, true)
	f.StringVar(&o.run.Layout, "layout", workflow.DefaultLayout, `layout of the generated loans: "sharded" (JSON Lines, 10,000 loans per object) or "per-loan" (one JSON object per loan)`)
	f.IntVar(&o.opts.Workers, "workers", localrun.DefaultWorkers, fmt.Sprintf("workers the ECS stand-in runs during a run (1 to %d)", localrun.MaxWorkers))
	f.IntVar(&o.opts.TasksPerWorker, "tasks-per-worker", localrun.DefaultTasksPerWorker, fmt.Sprintf("activity tasks each worker runs at once (1 to %d)", workflow.MaxTasksPerWorker))
	f.IntVar(&o.opts.BatchSize, "batch-size", workflow.DefaultBatchSize, fmt.Sprintf("target loans per simulate batch (1 to %d; a sharded input batches whole shards)", workflow.MaxBatchSize))
	f.IntVar(&o.opts.ShardSize, "shard-size", workflow.DefaultShardSize, fmt.Sprintf("loans per generated shard and JSON Lines object (1 to %d)", workflow.MaxShardSize))
	f.StringVar(&o.opts.DataDir, "data-dir", s3local.DefaultDir, "directory of the local S3 buckets; results are plain files under it")
	f.Float64Var(&o.opts.TimeScale, "time-scale", localrun.DefaultTimeScale, fmt.Sprintf("speed of the modelled clock: heartbeat timeouts, retry intervals and waits are multiplied by it (%g to %g)", localrun.MinTimeScale, localrun.MaxTimeScale))
	f.Float64Var(&o.opts.ChaosKill, "chaos-kill", 0, "probability (0 to 1, exclusive) that a simulate task's worker dies abruptly at a random point of the task")
	f.Float64Var(&o.opts.ChaosCorrupt, "chaos-corrupt", 0, "fraction (0 to 1, exclusive) of generated records the generator corrupts; each is rejected with its reason")
	f.Uint64Var(&o.chaosSeed, "chaos-seed", 1, "seed of the --chaos-kill decisions")
	f.BoolVar(&o.jsonOut, "json", false, "print the results as one JSON object, the last line of stdout")
	f.BoolVar(&o.quiet, "quiet", false, "no progress bars")
	f.BoolVar(&o.verbose, "verbose", false, "JSON logs of the emulator, the ECS stand-in and the workers on stderr")
	f.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the whole run to this file (read it with go tool pprof)")
	f.BoolVar(&o.serve, "serve", false, "start the local pipeline and keep it up, without a run, until interrupted (Ctrl-C)")
	return cmd
}

// validate checks the flags before anything starts, naming the flag and
// what it allows.
func (o *localOptions) validate() error {
	var errs []error
	intRange := func(flag string, v, lo, hi int64) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("--%s %d: allowed %d to %d", flag, v, lo, hi))
		}
	}
	intRange("loans", o.run.Loans, 1, workflow.MaxLoans)
	intRange("scenarios", int64(o.run.Scenarios), 1, workflow.MaxScenarios)
	intRange("seed", o.run.Seed, 1, math.MaxInt64)
	intRange("workers", int64(o.opts.Workers), 1, localrun.MaxWorkers)
	intRange("tasks-per-worker", int64(o.opts.TasksPerWorker), 1, workflow.MaxTasksPerWorker)
	intRange("batch-size", int64(o.opts.BatchSize), 1, workflow.MaxBatchSize)
	intRange("shard-size", int64(o.opts.ShardSize), 1, workflow.MaxShardSize)
	if o.run.Layout != workflow.LayoutSharded && o.run.Layout != workflow.LayoutPerLoan {
		errs = append(errs, fmt.Errorf("--layout %q: allowed %q or %q", o.run.Layout, workflow.LayoutSharded, workflow.LayoutPerLoan))
	}
	if v := o.opts.TimeScale; math.IsNaN(v) || v < localrun.MinTimeScale || v > localrun.MaxTimeScale {
		errs = append(errs, fmt.Errorf("--time-scale %g: allowed %g to %g", v, localrun.MinTimeScale, localrun.MaxTimeScale))
	}
	for _, p := range []struct {
		flag string
		v    float64
	}{{"chaos-kill", o.opts.ChaosKill}, {"chaos-corrupt", o.opts.ChaosCorrupt}} {
		if math.IsNaN(p.v) || p.v < 0 || p.v >= 1 {
			errs = append(errs, fmt.Errorf("--%s %g: allowed 0 to 1 (exclusive)", p.flag, p.v))
		}
	}
	if o.opts.DataDir == "" {
		errs = append(errs, errors.New("--data-dir: must not be empty"))
	}
	always := func(string) bool { return true }
	if err := checkModelFlags(always, o.run.TargetRate, o.run.HorizonMonths, o.run.TailShift); err != nil {
		errs = append(errs, err)
	} else if o.run.ScenarioFile != "" {
		// Parsed now, before the emulator or any worker starts; Run parses
		// it again when it uploads it.
		if _, err := scenariofile.ReadFile(o.run.ScenarioFile, o.run.HorizonMonths); err != nil {
			errs = append(errs, fmt.Errorf("--scenario-file: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (o *localOptions) execute(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the run shuts down cleanly (scale in, abort the
	// execution); unregistering then restores the default action, so a
	// second Ctrl-C quits at once (signal.NotifyContext docs). Objects are
	// written atomically, so even that loses no finished work.
	context.AfterFunc(ctx, stop)

	o.opts.ChaosSeed = o.chaosSeed
	// The timeouts are derived for the scenarios this run asks for.
	o.opts.Scenarios = o.run.Scenarios
	if o.verbose {
		o.opts.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	}
	if o.cpuProf != "" {
		stopProfile, err := startCPUProfile(o.cpuProf)
		if err != nil {
			return fmt.Errorf("local: --cpuprofile: %w", err)
		}
		defer stopProfile()
	}
	start := time.Now()
	rt, err := localrun.Start(ctx, o.opts)
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	// Close scales the workers in through the interruption path, also
	// after Ctrl-C or a failed run.
	defer rt.Close()
	if err := writeEndpoints(rt); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	defer func() { _ = operate.RemoveLocalEndpoints(rt.DataDir()) }()
	if o.serve {
		return serveLocal(ctx, stdout, rt)
	}

	showBars := !o.jsonOut && !o.quiet && !o.verbose && onTerminal(stderr)
	bars := newProgressBars(stderr, showBars)
	o.run.Progress = bars.update
	res, err := rt.Run(ctx, o.run)
	bars.finish()
	if err != nil && ctx.Err() != nil && cmd.Context().Err() == nil {
		// Ctrl-C or SIGTERM: the cause is only "context canceled"; say what
		// the user needs to know instead.
		return fmt.Errorf("local: interrupted: the execution was stopped and its workers scaled in; "+
			"what was written is kept under %s, and a rerun with the same flags reuses the generated loans", rt.DataDir())
	}
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	if err := rt.Close(); err != nil {
		return fmt.Errorf("local: stop the local runtime: %w", err)
	}
	wall := time.Since(start)
	if o.jsonOut {
		return writeLocalJSON(stdout, res, wall)
	}
	writeLocalText(stdout, res, wall)
	return nil
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeEndpoints describes the running runtime in its data directory, for
// the verbs that take --local.
func writeEndpoints(rt *localrun.Runtime) error {
	sfnURL, s3URL := rt.Endpoints()
	return operate.WriteLocalEndpoints(rt.DataDir(), operate.LocalEndpointsFor(rt.Config(), sfnURL, s3URL))
}

// serveLocal keeps the runtime up until ctx ends (Ctrl-C).
func serveLocal(ctx context.Context, w io.Writer, rt *localrun.Runtime) error {
	sfnURL, s3URL := rt.Endpoints()
	fmt.Fprintf(w, "Local pipeline up (Ctrl-C to stop):\n  Step Functions  %s\n  S3              %s (bucket %s)\n  data            %s\n",
		sfnURL, s3URL, localrun.Bucket, rt.DataDir())
	fmt.Fprintf(w, "Start runs:       montecarlo run generate --local %[1]s, then montecarlo run simulate --local %[1]s\n", rt.DataDir())
	<-ctx.Done()
	fmt.Fprintln(w, "Stopping: scaling workers in.")
	return nil
}

// localJSON is the --json output: exactly these keys, in this order.
type localJSON struct {
	Loans            int64   `json:"loans"`
	LoansProcessed   int64   `json:"loans_processed"`
	LoansRejected    int64   `json:"loans_rejected"`
	Scenarios        int     `json:"scenarios"`
	Seed             int64   `json:"seed"`
	ExpectedLoss     float64 `json:"expected_loss"`
	ExpectedLossRate float64 `json:"expected_loss_rate"`
	VaR99            float64 `json:"var_99"`
	VaR999           float64 `json:"var_999"`
	ES99             float64 `json:"es_99"`
	ES999            float64 `json:"es_999"`
	PDBaselineMean   float64 `json:"pd_baseline_mean"`
	PDStressedMean   float64 `json:"pd_stressed_mean"`
	ReportPath       string  `json:"report_path"`
	WallSeconds      float64 `json:"wall_seconds"`
	LoansPerSecond   float64 `json:"loans_per_second"`
}

func writeLocalJSON(w io.Writer, res localrun.Result, wall time.Duration) error {
	h := res.Headline
	out := localJSON{
		Loans: res.Loans, LoansProcessed: res.LoansProcessed, LoansRejected: res.LoansRejected,
		Scenarios: res.Scenarios, Seed: res.Seed,
		ExpectedLoss: h.ExpectedLoss, ExpectedLossRate: h.ExpectedLossRate,
		VaR99: h.VaR99, VaR999: h.VaR999, ES99: h.ES99, ES999: h.ES999,
		PDBaselineMean: h.PDBaselineMean, PDStressedMean: h.PDStressedMean,
		ReportPath:     res.ReportPath,
		WallSeconds:    wall.Seconds(),
		LoansPerSecond: float64(res.Loans) / wall.Seconds(),
	}
	// One line: encoding/json writes no newlines inside the object.
	return json.NewEncoder(w).Encode(out)
}

func writeLocalText(w io.Writer, res localrun.Result, wall time.Duration) {
	p := message.NewPrinter(language.English)
	h := res.Headline
	p.Fprintf(w, "Generated %d loans in %.1fs (dataset %s)\n", res.Loans, res.Generate.Seconds(), res.Dataset)
	p.Fprintf(w, "Simulated them in %d scenarios in %.1fs (run %s, %d batches)\n\n", res.Scenarios, res.Simulate.Seconds(), res.RunID, res.Batches)
	p.Fprintf(w, "  loans processed      %14d\n", res.LoansProcessed)
	p.Fprintf(w, "  loans rejected       %14d\n", res.LoansRejected)
	p.Fprintf(w, "  exposure             %14.0f USD\n", h.ExposureUSD)
	p.Fprintf(w, "  expected loss        %14.0f USD  (%.3f%% of exposure)\n", h.ExpectedLoss, 100*h.ExpectedLossRate)
	p.Fprintf(w, "  VaR 99%%              %14.0f USD\n", h.VaR99)
	p.Fprintf(w, "  VaR 99.9%%            %14.0f USD\n", h.VaR999)
	p.Fprintf(w, "  ES 99%%               %14.0f USD\n", h.ES99)
	p.Fprintf(w, "  ES 99.9%%             %14.0f USD\n", h.ES999)
	p.Fprintf(w, "  mean PD, baseline    %14.3f%%\n", 100*h.PDBaselineMean)
	p.Fprintf(w, "  mean PD, stressed    %14.3f%%\n", 100*h.PDStressedMean)
	if h.Warning != "" {
		p.Fprintf(w, "\n  warning: %s\n", h.Warning)
	}
	p.Fprintf(w, "\nReport: %s\n", res.ReportPath)
	if res.ReportHTMLPath != "" {
		p.Fprintf(w, "        %s\n", res.ReportHTMLPath)
	}
	if res.LoansRejected > 0 {
		p.Fprintf(w, "Rejected records, with their reasons: %s\n", res.ErrorsDir)
	}
	if res.WorkersKilled > 0 {
		p.Fprintf(w, "Chaos: %d workers killed mid-task and replaced; their batches were retried\n", res.WorkersKilled)
	}
	p.Fprintf(w, "Wall time %.1fs: %.0f loans per second\n", wall.Seconds(), float64(res.Loans)/wall.Seconds())
}

// progressBars draws one bar per workflow, in loans, from Map Run counters.
type progressBars struct {
	w       io.Writer
	visible bool
	bars    map[string]*progressbar.ProgressBar
	current *progressbar.ProgressBar
}

func newProgressBars(w io.Writer, visible bool) *progressBars {
	return &progressBars{w: w, visible: visible, bars: map[string]*progressbar.ProgressBar{}}
}

func (b *progressBars) update(p localrun.Progress) {
	if !b.visible {
		return
	}
	bar := b.bars[p.Workflow]
	if bar == nil {
		if b.current != nil {
			_ = b.current.Finish()
			fmt.Fprintln(b.w)
		}
		bar = progressbar.NewOptions64(max(p.Loans, 1),
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-8s", p.Workflow)),
			progressbar.OptionSetItsString("loans"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
		b.bars[p.Workflow], b.current = bar, bar
	}
	_ = bar.Set64(p.LoansDone())
}

func (b *progressBars) finish() {
	if b.visible && b.current != nil {
		_ = b.current.Finish()
		fmt.Fprintln(b.w)
	}
}
