package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate"
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
		Use:   "watch EXECUTION_ARN",
		Short: "Follow an execution: state, Map Run items (succeeded, failed, pending), items per second, ETA",
		Long: `watch polls an execution until it ends. While its Distributed Map runs it shows
the Map Run's item counts (loan objects for simulate, shards for generate):
succeeded, failed, running and pending of the total, the mean items per
second and the time left at that rate. On a terminal that is a progress bar;
piped, one line per change; with --json, one JSON object per poll.

It exits 0 when the execution SUCCEEDED, and 1 otherwise, printing the
execution's error and cause (for a failed run, see montecarlo redrive).`,
		Example: `  montecarlo watch --stack-outputs outputs.json arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:simulate-20261121T201500Z-3fa9

  # JSON lines every second, from a local runtime
  montecarlo watch --local ./montecarlo-data --json --interval 1s EXECUTION_ARN`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target.connect(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("watch: %w", err)
			}
			return o.watch.follow(cmd, t, args[0], o.jsonOut)
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
	r := &progressRenderer{out: out, json: jsonOut, quiet: w.quiet, bar: !jsonOut && !w.quiet && onTerminal(out)}
	watcher := &operate.Watcher{SFN: t.SFN, Interval: w.interval}
	p, err := watcher.Watch(cmd.Context(), executionArn, r.render)
	r.finish()
	if err != nil {
		if p.Status == "ABORTED" || p.Status == "TIMED_OUT" {
			// Only a failure passes through the workflow's catch path,
			// which scales the workers in.
			err = fmt.Errorf("%w\n  the workers may still be running: finish the run with montecarlo redrive, or scale them in with\n  aws ecs update-service --cluster %s --service %s --desired-count 0",
				err, orDefault(t.Outputs.ClusterName, "CLUSTER"), orDefault(t.Outputs.ServiceName, "SERVICE"))
		}
		return fmt.Errorf("watch: %w", err)
	}
	if !jsonOut {
		fmt.Fprintf(out, "%s SUCCEEDED", p.Name)
		var res workflow.AggregateOutput
		if json.Unmarshal([]byte(p.Output), &res) == nil && res.ReportKey != "" {
			message.NewPrinter(language.English).Fprintf(out, ": %d loans in %d batches; report: montecarlo report %s", res.Loans, res.Batches, res.RunID)
		} else if p.Output != "" {
			fmt.Fprintf(out, ": %s", p.Output)
		}
		fmt.Fprintln(out)
	}
	return nil
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
}

func (r *progressRenderer) render(p operate.Progress) {
	switch {
	case r.json:
		_ = json.NewEncoder(r.out).Encode(p)
	case r.quiet:
	case r.bar && p.Total > 0:
		if r.pb == nil {
			r.pb = progressbar.NewOptions64(p.Total, progressbar.OptionSetWriter(r.out), progressbar.OptionShowCount(),
				progressbar.OptionSetItsString("items"), progressbar.OptionShowIts(), progressbar.OptionSetPredictTime(false),
				progressbar.OptionFullWidth(), progressbar.OptionThrottle(100*time.Millisecond))
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

func (r *progressRenderer) finish() {
	if r.pb != nil {
		_ = r.pb.Finish()
		fmt.Fprintln(r.out)
	}
}

// progressLine is one line of progress: state, then the Map Run's counts.
func progressLine(p operate.Progress) string {
	var b strings.Builder
	b.WriteString(p.Status)
	if p.MapRunArn != "" {
		fmt.Fprintf(&b, "  items %d/%d succeeded, %d failed, %d running, %d pending", p.Succeeded, p.Total, p.Failed, p.Running, p.Pending)
		fmt.Fprintf(&b, "  %.1f items/s", p.ItemsPerSecond)
		if p.ETA > 0 {
			fmt.Fprintf(&b, "  ETA %s", roundETA(p.ETA))
		}
	}
	return b.String()
}

func barText(p operate.Progress) string {
	s := fmt.Sprintf("%s %d failed, %d running, %d pending", p.Status, p.Failed, p.Running, p.Pending)
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
