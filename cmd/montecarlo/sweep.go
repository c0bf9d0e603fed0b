package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/report"
)

// rateList is local's --target-rate: one policy rate, or a comma-separated
// list of them, which makes the run a sweep (one run per rate). The first
// rate is also written to *first, so a single rate runs as before.
type rateList struct {
	first *float64
	rates []float64
}

var _ pflag.Value = (*rateList)(nil)

func (r *rateList) String() string {
	if len(r.rates) == 0 {
		return strconv.FormatFloat(*r.first, 'g', -1, 64)
	}
	var s []string
	for _, x := range r.rates {
		s = append(s, strconv.FormatFloat(x, 'g', -1, 64))
	}
	return strings.Join(s, ",")
}

func (r *rateList) Set(v string) error {
	var rates []float64
	for _, f := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("%q: want a rate or a comma-separated list of rates, e.g. 0.06,0.07,0.08", f)
		}
		for _, y := range rates {
			if y == x {
				return fmt.Errorf("%s is given twice", strings.TrimSpace(f))
			}
		}
		rates = append(rates, x)
	}
	r.rates, *r.first = rates, rates[0]
	return nil
}

func (r *rateList) Type() string { return "rates" }

// check checks every rate as checkModelFlags checks one, naming the flag.
func (r *rateList) check() error {
	for _, x := range r.rates {
		if math.IsNaN(x) || x <= 0 || x >= 1 {
			return fmt.Errorf("--target-rate %g: allowed an annual rate between 0 and 1 (0.08 is 8%%)", x)
		}
	}
	return nil
}

// sweepTargetRates turns local's --target-rate into a rateList.
func sweepTargetRates(cmd *cobra.Command, first *float64) *rateList {
	rl := &rateList{first: first}
	f := cmd.Flags().Lookup("target-rate")
	f.Value = rl
	f.Usage += "; a comma-separated list (0.06,0.07,0.08,0.09) runs a sweep: one run per rate on the same loans, scenarios and seed, then a sweep report drawing loss against the rate"
	return rl
}

// sweep runs the sweep and says what an interruption kept.
func (o *localOptions) sweep(cmd *cobra.Command, ctx context.Context, rt *localrun.Runtime, start time.Time) error {
	err := o.runSweep(ctx, cmd, rt, o.rates.rates, start)
	if err != nil && ctx.Err() != nil && cmd.Context().Err() == nil {
		return fmt.Errorf("local: sweep interrupted: the execution was stopped and its workers scaled in; the runs that finished are kept under %s", rt.DataDir())
	}
	if err != nil {
		return fmt.Errorf("local: sweep: %w", err)
	}
	return nil
}

// sweepRun is one run of a sweep in the --json output.
type sweepRun struct {
	RunID      string  `json:"run_id"`
	TargetRate float64 `json:"target_rate"`
	ReportPath string  `json:"report_path"`
}

// runSweep runs the pipeline once per rate (the same loans, seed and
// scenarios), then compares the runs, the lowest rate first, and writes the
// sweep report (sweep.html with the loss against the rate, sweep.md,
// sweep.json) under the data directory.
func (o *localOptions) runSweep(ctx context.Context, cmd *cobra.Command, rt *localrun.Runtime, rates []float64, start time.Time) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	sorted := slices.Clone(rates)
	slices.Sort(sorted)
	var runs []report.ComparedRun
	var out []sweepRun
	for i, rate := range sorted {
		run := o.run
		run.TargetRate = rate
		showBars := !o.jsonOut && !o.quiet && !o.verbose && onTerminal(stderr)
		if !o.jsonOut && !o.quiet {
			fmt.Fprintf(stderr, "Sweep run %d of %d: policy rate to %s\n", i+1, len(sorted), numfmt.Pct(rate, 2))
		}
		bars := newProgressBars(stderr, showBars)
		run.Progress = bars.update
		res, err := rt.Run(ctx, run)
		bars.finish()
		if err != nil {
			return err
		}
		rep, err := operate.ReadReport(ctx, operate.DirObjects{Dir: rt.DataDir()}, localrun.Bucket, res.RunID)
		if err != nil {
			return err
		}
		runs = append(runs, report.ComparedRun{RunID: res.RunID, Report: rep})
		out = append(out, sweepRun{RunID: res.RunID, TargetRate: rate, ReportPath: res.ReportPath})
	}
	c, err := report.Compare(runs)
	if err != nil {
		return err
	}
	dir := filepath.Join(rt.DataDir(), localrun.Bucket, "sweeps", "sweep-"+start.UTC().Format("20060102T150405Z"))
	files, err := writeComparison(dir, "sweep", report.SweepHTML(c), report.SweepMarkdown(c), c)
	if err != nil {
		return fmt.Errorf("write the sweep report: %w", err)
	}
	if o.jsonOut {
		return json.NewEncoder(stdout).Encode(struct {
			Runs       []sweepRun        `json:"runs"`
			Comparison report.Comparison `json:"comparison"`
			Files      []string          `json:"files"`
			WallSecs   float64           `json:"wall_seconds"`
		}{out, c, files, time.Since(start).Seconds()})
	}
	writeSweepText(stdout, c, out, files, time.Since(start))
	return nil
}

func writeSweepText(w io.Writer, c report.Comparison, runs []sweepRun, files []string, wall time.Duration) {
	fmt.Fprintf(w, "Sweep of %d policy rates over the same loans, scenarios and seed:\n\n", len(runs))
	if _, err := w.Write(report.SweepText(c)); err != nil {
		return
	}
	fmt.Fprintln(w, "\nRuns:")
	for _, r := range runs {
		fmt.Fprintf(w, "  %-8s %s  %s\n", numfmt.Pct(r.TargetRate, 2), r.RunID, r.ReportPath)
	}
	fmt.Fprintf(w, "\nSweep report (loss against the rate, and every figure compared): %s\n", files[0])
	for _, f := range files[1:] {
		fmt.Fprintf(w, "              %s\n", f)
	}
	fmt.Fprintf(w, "Wall time %s\n", numfmt.Seconds(wall.Seconds()))
}
