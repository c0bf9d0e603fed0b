package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
)

func init() { verbs = append(verbs, newWatchCmd) }

// watchFlags are the flags of following an execution, shared by watch,
// run --watch and redrive --watch.
type watchFlags struct {
	interval time.Duration
	quiet    bool
}

func (w *watchFlags) add(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&w.interval, "interval", 5*time.Second, "time between polls while watching")
	cmd.Flags().BoolVarP(&w.quiet, "quiet", "q", false, "no progress while watching, only the outcome")
	// Checked before the verb starts anything (run --watch starts an
	// execution first); the Watcher would take zero as its default.
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if w.interval <= 0 {
			return fmt.Errorf("%s: --interval %s: want a positive duration, e.g. 5s", cmd.Name(), w.interval)
		}
		return nil
	}
}

type watchOptions struct {
	target  targetFlags
	watch   watchFlags
	jsonOut bool
}

func newWatchCmd() *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch RUN",
		Short: "Follow an execution: state, Map Run items (succeeded, failed, pending), items per second, ETA",
		Long: `watch polls an execution until it ends. While its Distributed Map runs it shows
the Map Run's item counts (loan objects for simulate, shards for generate):
succeeded, failed, running and pending of the total, the mean items per
second and the time left at that rate. On a terminal that is a progress bar;
piped, one line per change; with --json, one JSON object per poll.

RUN is a run id (the execution's name, as run and local print it) or an
execution ARN. For a run that redrive resumed or restarted, a run id
follows the latest of its executions (RUN-r1, RUN-r2, ...).

It exits 0 when the execution SUCCEEDED, and 1 otherwise, printing the
execution's error and cause (for a failed run, see montecarlo redrive).`,
		Example: `  montecarlo watch --stack-outputs outputs.json arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:simulate-20261121T201500Z-3fa9

  # JSON lines every second, from a local runtime
  montecarlo watch --local ./montecarlo-data --json --interval 1s simulate-20261121T201500Z-3fa9`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target.connect(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("watch: %w", err)
			}
			arn, err := operate.ResolveExecution(cmd.Context(), t.SFN, t.Outputs, args[0])
			if err != nil {
				return fmt.Errorf("watch: %w", err)
			}
			return o.watch.follow(cmd, t, arn, o.jsonOut)
		},
	}
	o.target.add(cmd)
	o.watch.add(cmd)
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print one JSON object per poll")
	return cmd
}

// follow watches executionArn to its end, rendering progress, and returns
// an error carrying the execution's error and cause unless it succeeded.
func (w *watchFlags) follow(cmd *cobra.Command, t *operate.Target, executionArn string, jsonOut bool) error {
	out := cmd.OutOrStdout()
	r := &progressRenderer{out: out, json: jsonOut, quiet: w.quiet, bar: !jsonOut && !w.quiet && onTerminal(out), throttle: 100 * time.Millisecond}
	watcher := &operate.Watcher{SFN: t.SFN, Interval: w.interval}
	p, err := watcher.Watch(cmd.Context(), executionArn, r.render)
	r.finish(err == nil && p.OK())
	if err != nil {
		if p.Status == "ABORTED" || p.Status == "TIMED_OUT" {
			err = fmt.Errorf("%w\n  %s", err, leftRunning(t.Outputs))
		}
		return fmt.Errorf("watch: %w", err)
	}
	if !jsonOut {
		fmt.Fprintf(out, "%s SUCCEEDED", p.Name)
		var res workflow.AggregateOutput
		if json.Unmarshal([]byte(p.Output), &res) == nil && res.ReportKey != "" {
			fmt.Fprintf(out, ": %s in %s; report: montecarlo report %s", numfmt.Plural(res.Loans, "loan"), batches(res.Batches), res.RunID)
		} else if p.Output != "" {
			fmt.Fprintf(out, ": %s", p.Output)
		}
		fmt.Fprintln(out)
	}
	return nil
}

// leftRunning says what an execution that was stopped or timed out leaves
// running, by compute variant: only a failure passes through the
// workflow's catch path, which scales the workers in.
func leftRunning(o operate.StackOutputs) string {
	if o.ComputeVariant() == workflow.ComputeLambda {
		// No service to scale in: each batch is one invocation, which ends
		// by itself within the function's timeout.
		return fmt.Sprintf("nothing is left running: the invocations already started end by themselves (within the timeout of function %s); finish the run with montecarlo redrive",
			orDefault(o.FunctionName, "FUNCTION"))
	}
	msg := fmt.Sprintf("the workers may still be running: finish the run with montecarlo redrive, or scale them in with\n  aws ecs update-service --cluster %s --service %s --desired-count 0",
		orDefault(o.ClusterName, "CLUSTER"), orDefault(o.ServiceName, "SERVICE"))
	if o.ComputeVariant() == workflow.ComputeEC2Spot {
		msg += "\n  (the capacity provider then scales the Auto Scaling group's instances in, after about 15 minutes)"
	}
	return msg
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// progressRenderer shows each look at an execution.
type progressRenderer struct {
	out              io.Writer
	json, quiet, bar bool
	pb               *progressbar.ProgressBar
	last             string
	// throttle is the least time between two drawings of the bar.
	throttle time.Duration
}

func (r *progressRenderer) render(p operate.Progress) {
	switch {
	case r.json:
		_ = json.NewEncoder(r.out).Encode(p)
	case r.quiet:
	case r.bar && p.Total > 0:
		if r.pb == nil {
			r.pb = progressbar.NewOptions64(p.Total, progressbar.OptionSetWriter(r.out), progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(false),
				progressbar.OptionFullWidth(), progressbar.OptionThrottle(r.throttle))
		}
		r.pb.Describe(barText(p))
		_ = r.pb.Set64(p.Succeeded + p.Failed)
	default:
		// A new line when the state or the counts change, not for every
		// new rate.
		key := fmt.Sprint(p.Status, p.MapRunArn, p.Succeeded, p.Failed, p.Running, p.Pending, p.Total)
		if key != r.last {
			fmt.Fprintf(r.out, "%s %s\n", p.Time.UTC().Format("15:04:05"), progressLine(p))
			r.last = key
		}
	}
}

// finish ends the bar: filled when the execution succeeded, left where it
// stopped otherwise (Ctrl-C, a failure), so it never claims work not done.
func (r *progressRenderer) finish(ok bool) {
	if r.pb == nil {
		return
	}
	if ok {
		_ = r.pb.Finish()
	} else {
		_ = r.pb.Exit()
	}
	fmt.Fprintln(r.out)
}

// itemsRate is the Map Run's rate, "12.5 items/s" (per minute below one a
// second), or "" while there is none: never "0.0 items/s".
func itemsRate(perSec float64) string {
	switch {
	case !(perSec > 0) || math.IsInf(perSec, 0):
		return ""
	case perSec*60 < 0.5:
		return ""
	case perSec < 1:
		return numfmt.Int(int64(perSec*60+0.5)) + " items/min"
	}
	return strconv.FormatFloat(perSec, 'f', 1, 64) + " items/s"
}

// progressLine is one line of progress: state, then the Map Run's counts.
func progressLine(p operate.Progress) string {
	var b strings.Builder
	b.WriteString(p.Status)
	if p.MapRunArn != "" {
		fmt.Fprintf(&b, "  items %d/%d succeeded, %d failed, %d running, %d pending", p.Succeeded, p.Total, p.Failed, p.Running, p.Pending)
		if r := itemsRate(p.ItemsPerSecond); r != "" {
			b.WriteString("  " + r)
		}
		if p.ETA > 0 {
			fmt.Fprintf(&b, "  ETA %s", roundETA(p.ETA))
		}
	}
	return b.String()
}

func barText(p operate.Progress) string {
	s := fmt.Sprintf("%s %d failed, %d running, %d pending", p.Status, p.Failed, p.Running, p.Pending)
	if r := itemsRate(p.ItemsPerSecond); r != "" {
		s += " " + r
	}
	if p.ETA > 0 {
		s += " ETA " + roundETA(p.ETA).String()
	}
	return s
}

// roundETA rounds to seconds, or to milliseconds below a second.
func roundETA(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// batches writes "1 batch", "12 batches".
func batches(n int64) string {
	if n == 1 {
		return "1 batch"
	}
	return numfmt.Int(n) + " batches"
}
