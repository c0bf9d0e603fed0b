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

	"github.com/spf13/cobra"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
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
	rates     *rateList  // --target-rate; more than one rate is a sweep
	input     string     // --input: the user's loans instead of a generated portfolio
	in        inputFlags // how --input is read
	limit     float64    // the rejected share the outcome is held to; < 0: none
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

With --compute lambda the state machines are the Lambda flavour and every
task invokes the worker function through a local Lambda Invoke endpoint
(the real Invoke protocol, through the AWS SDK), which runs the same
handler the image serves inside Lambda; the figures are the same.

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

  # A sweep: one run per policy rate, then loss against the rate (sweep.html)
  montecarlo local --loans 20000 --target-rate 0.06,0.07,0.08,0.09
  # Your own loans (docs/loans.md), 1,000 scenarios, a 7% policy rate
  montecarlo local --input examples/loans/sample.csv --target-rate 0.07
  # The Lambda compute variant, a fifth of the invocations killed: same figures
  montecarlo local --compute lambda --loans 20000 --scenarios 100 --chaos-kill 0.2

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
	o.rates = sweepTargetRates(cmd, &o.run.TargetRate)
	f.BoolVar(&o.run.NoAttribution, "no-attribution", false, "skip the loss attribution by channel (5-8% less CPU; the report has no attribution table)")
	f.StringVar(&o.run.Layout, "layout", workflow.DefaultLayout, `layout of the generated loans: "sharded" (JSON Lines, 10,000 loans per object) or "per-loan" (one JSON object per loan)`)
	f.StringVar(&o.opts.Compute, "compute", workflow.ComputeFargateSpot, `where the operations run: "fargate-spot" (workers polling the activity, started by the ECS stand-in) or "lambda" (the state machines invoke the worker function through a local Lambda Invoke endpoint; --workers x --tasks-per-worker batches at once)`)
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
	f.StringVar(&o.input, "input", "", "a file or folder of your loans to simulate instead of generating a portfolio (docs/loans.md)")
	o.in.add(f)
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
	if c := o.opts.Compute; c != workflow.ComputeFargateSpot && c != workflow.ComputeLambda {
		errs = append(errs, fmt.Errorf("--compute %q: allowed %q or %q", c, workflow.ComputeFargateSpot, workflow.ComputeLambda))
	}
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
	if err := o.in.validate(); err != nil {
		errs = append(errs, err)
	}
	if o.opts.DataDir == "" {
		errs = append(errs, errors.New("--data-dir: must not be empty"))
	}
	always := func(string) bool { return true }
	if err := o.rates.check(); len(o.rates.rates) > 1 && err != nil {
		errs = append(errs, err)
	} else if err := checkModelFlags(always, o.run.TargetRate, o.run.HorizonMonths, o.run.TailShift); err != nil {
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
	if err := o.checkInput(stderr); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	o.limit = o.maxRejected(cmd.Flags().Changed("max-rejected"))
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
	if len(o.rates.rates) > 1 {
		return o.sweep(cmd, ctx, rt, start)
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
	segs, err := reportSegments(res.ReportPath)
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	if o.jsonOut {
		if err := writeLocalJSON(stdout, res, segs, wall, o.limit); err != nil {
			return err
		}
	} else {
		writeLocalText(stdout, res, segs, wall)
	}
	return o.checkOutcome(res)
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

// localJSON is the --json output: exactly these keys, in this order. A
// tail figure whose tail holds too few scenarios is null, and tail_warning
// says why ("" when every tail figure is reliable).
type localJSON struct {
	Loans            int64          `json:"loans"`
	LoansProcessed   int64          `json:"loans_processed"`
	LoansRejected    int64          `json:"loans_rejected"`
	Scenarios        int            `json:"scenarios"`
	Seed             int64          `json:"seed"`
	ExpectedLoss     float64        `json:"expected_loss"`
	ExpectedLossRate float64        `json:"expected_loss_rate"`
	VaR99            *float64       `json:"var_99"`
	VaR999           *float64       `json:"var_999"`
	ES99             *float64       `json:"es_99"`
	ES999            *float64       `json:"es_999"`
	PDBaselineMean   float64        `json:"pd_baseline_mean"`
	PDStressedMean   float64        `json:"pd_stressed_mean"`
	TailWarning      string         `json:"tail_warning"`
	Segments         []localSegment `json:"segments"`
	ReportPath       string         `json:"report_path"`
	WallSeconds      float64        `json:"wall_seconds"`
	LoansPerSecond   float64        `json:"loans_per_second"`

	// Outcome says what happened to the input's records (loans read,
	// simulated, rejected, the errors file) and whether the run failed.
	Outcome outcomeJSON `json:"outcome"`
}

// localSegment is one segment of the --json output. loss_rate_avg_balance
// is null when the results carry no average balance.
type localSegment struct {
	Segment                string   `json:"segment"`
	Loans                  int64    `json:"loans"`
	Exposure               float64  `json:"exposure"`
	ExpectedLoss           float64  `json:"expected_loss"`
	ExpectedLossRate       float64  `json:"expected_loss_rate"`
	LossRateAvgBalance     *float64 `json:"loss_rate_avg_balance"`
	PDBaselineMean         float64  `json:"pd_baseline_mean"`
	PDStressedMean         float64  `json:"pd_stressed_mean"`
	PDBaselineMeanExposure float64  `json:"pd_baseline_mean_exposure"`
	PDStressedMeanExposure float64  `json:"pd_stressed_mean_exposure"`
}

// reportSegments reads the per-segment figures of the report at path.
func reportSegments(path string) ([]risk.SegmentReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the report: %w", err)
	}
	var rep struct {
		Segments []risk.SegmentReport `json:"segments"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("decode the report %s: %w", path, err)
	}
	return rep.Segments, nil
}

// reported is x when a figure of status s is reported, else nil (null).
func reported(s risk.TailStatus, x float64) *float64 {
	if !s.Reported() {
		return nil
	}
	return &x
}

func writeLocalJSON(w io.Writer, res localrun.Result, segs []risk.SegmentReport, wall time.Duration, maxRejected float64) error {
	h := res.Headline
	out := localJSON{
		Loans: res.Loans, LoansProcessed: res.LoansProcessed, LoansRejected: res.LoansRejected,
		Scenarios: res.Scenarios, Seed: res.Seed,
		ExpectedLoss: h.ExpectedLoss, ExpectedLossRate: h.ExpectedLossRate,
		VaR99: reported(h.Tail99, h.VaR99), VaR999: reported(h.Tail999, h.VaR999),
		ES99: reported(h.Tail99, h.ES99), ES999: reported(h.Tail999, h.ES999),
		PDBaselineMean: h.PDBaselineMean, PDStressedMean: h.PDStressedMean,
		TailWarning:    h.TailWarning,
		Segments:       []localSegment{},
		ReportPath:     res.ReportPath,
		Outcome:        newOutcome(res, maxRejected),
		WallSeconds:    wall.Seconds(),
		LoansPerSecond: float64(res.Loans) / wall.Seconds(),
	}
	for _, s := range segs {
		ls := localSegment{
			Segment: string(s.Segment), Loans: s.Loans, Exposure: s.ExposureUSD,
			ExpectedLoss: s.ExpectedLoss, ExpectedLossRate: s.ExpectedLossRate,
			PDBaselineMean: s.PDBaselineMean, PDStressedMean: s.PDStressedMean,
			PDBaselineMeanExposure: s.PDBaselineMeanExposure, PDStressedMeanExposure: s.PDStressedMeanExposure,
		}
		if s.AvgBalanceUSD > 0 {
			ls.LossRateAvgBalance = &s.LossRateAvgBalance
		}
		out.Segments = append(out.Segments, ls)
	}
	// One line: encoding/json writes no newlines inside the object.
	return json.NewEncoder(w).Encode(out)
}

func writeLocalText(w io.Writer, res localrun.Result, segs []risk.SegmentReport, wall time.Duration) {
	p := message.NewPrinter(language.English)
	h := res.Headline
	if res.Input != "" {
		p.Fprintf(w, "Read %s from %s\n", numfmt.Plural(res.Loans, "loan record"), res.Input)
	} else {
		p.Fprintf(w, "Generated %s in %s (dataset %s)\n", numfmt.Plural(res.Loans, "loan"), numfmt.Seconds(res.Generate.Seconds()), res.Dataset)
	}
	p.Fprintf(w, "Simulated them in %s in %s (run %s, %s)\n\n", numfmt.Plural(int64(res.Scenarios), "scenario"), numfmt.Seconds(res.Simulate.Seconds()), res.RunID, batches(res.Batches))
	p.Fprintf(w, "  loans processed      %14s\n", numfmt.Int(res.LoansProcessed))
	p.Fprintf(w, "  loans rejected       %14s\n", numfmt.Int(res.LoansRejected))
	p.Fprintf(w, "  exposure             %14s\n", numfmt.USD(h.ExposureUSD))
	p.Fprintf(w, "  expected loss        %14s  (%s of exposure)\n", numfmt.USD(h.ExpectedLoss), numfmt.Pct(h.ExpectedLossRate, 3))
	tailFig := func(label string, s risk.TailStatus, x float64) {
		switch s {
		case risk.TailInsufficient:
			p.Fprintf(w, "  %-20s %14s\n", label, "not reported")
		case risk.TailIndicative:
			p.Fprintf(w, "  %-20s %14s  (indicative)\n", label, numfmt.USD(x))
		default:
			p.Fprintf(w, "  %-20s %14s\n", label, numfmt.USD(x))
		}
	}
	tailFig("VaR 99%", h.Tail99, h.VaR99)
	tailFig("VaR 99.9%", h.Tail999, h.VaR999)
	tailFig("ES 99%", h.Tail99, h.ES99)
	tailFig("ES 99.9%", h.Tail999, h.ES999)
	p.Fprintf(w, "  mean PD, baseline    %14s  (%s by exposure)\n", numfmt.Pct(h.PDBaselineMean, 3), numfmt.Pct(h.PDBaselineMeanExposure, 3))
	p.Fprintf(w, "  mean PD, stressed    %14s  (%s by exposure)\n", numfmt.Pct(h.PDStressedMean, 3), numfmt.Pct(h.PDStressedMeanExposure, 3))
	if len(segs) > 0 {
		p.Fprintf(w, "\n  %-24s %10s %16s %9s %11s %9s\n", "segment", "loans", "expected loss", "EL/EAD", "EL/avg bal", "PD str.")
		for _, s := range segs {
			avg := "n/a"
			if s.AvgBalanceUSD > 0 {
				avg = numfmt.Pct(s.LossRateAvgBalance, 3)
			}
			p.Fprintf(w, "  %-24s %10s %16s %9s %11s %9s\n", s.Segment, numfmt.Int(s.Loans), numfmt.USD(s.ExpectedLoss), numfmt.Pct(s.ExpectedLossRate, 3), avg, numfmt.Pct(s.PDStressedMean, 3))
		}
	}
	if h.TailWarning != "" {
		p.Fprintf(w, "\n  note: %s\n", h.TailWarning)
	}
	p.Fprintf(w, "\nReport: %s\n", res.ReportPath)
	if res.ReportHTMLPath != "" {
		p.Fprintf(w, "        %s\n", res.ReportHTMLPath)
	}
	writeDerived(p, w, res.DerivedByField)
	if res.WorkersKilled > 0 {
		if res.Compute == workflow.ComputeLambda {
			p.Fprintf(w, "Chaos: %s killed mid-batch (Runtime.ExitError); their batches were retried\n", numfmt.Plural(res.WorkersKilled, "invocation"))
		} else {
			p.Fprintf(w, "Chaos: %s killed mid-task and replaced; their batches were retried\n", numfmt.Plural(res.WorkersKilled, "worker"))
		}
	}
	p.Fprintf(w, "Wall time %s: %s loans per second\n", numfmt.Seconds(wall.Seconds()), numfmt.Int(int64(float64(res.Loans)/wall.Seconds()+0.5)))
	p.Fprintln(w, closingLine(res))
}
