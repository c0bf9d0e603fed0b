package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/operate"
)

func init() { verbs = append(verbs, newRedriveCmd) }

type redriveOptions struct {
	target  targetFlags
	watch   watchFlags
	follow  bool
	jsonOut bool
}

func newRedriveCmd() *cobra.Command {
	o := &redriveOptions{}
	cmd := &cobra.Command{
		Use:   "redrive RUN",
		Short: "Finish a failed, timed-out or aborted execution: redrive it, or resume its run",
		Long: `redrive finishes an execution that did not succeed, in one of two ways, and
says which and why:

  redriven   Step Functions RedriveExecution continues the same execution
             from the state it stopped in, keeping the results of the steps
             that succeeded (a Distributed Map re-runs only its unfinished
             items). Used when the execution stopped in a working state:
             stopped (ABORTED) or timed out mid-run, or an uncaught error.

  resumed    the workflows catch every failure after scale-out, scale the
  restarted  workers in and end in their Fail state; redriving that would
             only re-run the Fail state. So redrive starts a new execution
             (named after the failed one, "-r1", "-r2", ...) with the
             original input. For simulate, when the run was recorded
             (runs/RUN_ID/manifest.json) it adds "runId": prepare checks the
             parameters are unchanged and simulate skips the batches already
             done (resumed). Otherwise the run starts afresh (restarted).

RUN is a run id (the execution's name) or an execution ARN; a run id that
was resumed before names its latest execution.`,
		Example: `  montecarlo redrive --stack-outputs outputs.json --watch simulate-20261121T201500Z-3fa9
  montecarlo redrive --stack-outputs outputs.json arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:simulate-20261121T201500Z-3fa9`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target.connect(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("redrive: %w", err)
			}
			arn, err := operate.ResolveExecution(cmd.Context(), t.SFN, t.Outputs, args[0])
			if err != nil {
				return fmt.Errorf("redrive: %w", err)
			}
			r, err := t.Redrive(cmd.Context(), arn)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if o.jsonOut {
				if err := json.NewEncoder(out).Encode(r); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "%s: %s\n%s\n", r.Action, r.Reason, r.ExecutionArn)
			}
			if !o.follow {
				return nil
			}
			return o.watch.follow(cmd, t, r.ExecutionArn, o.jsonOut)
		},
	}
	o.target.add(cmd)
	o.watch.add(cmd)
	cmd.Flags().BoolVar(&o.follow, "watch", false, "follow the redriven or new execution until it ends")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print what was done as JSON (JSON lines while watching)")
	return cmd
}
