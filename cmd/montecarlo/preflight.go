package main

import (
	"encoding/json"
	"fmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/operate"
)

func init() { verbs = append(verbs, newPreflightCmd) }

type preflightOptions struct {
	stackOutputs string
	local        string
	region       string
	workers      int
	taskCPU      int
	endpointURL  string
	maxAttempts  int
	maxBackoff   time.Duration
	jsonOut      bool
}

func newPreflightCmd() *cobra.Command {
	o := &preflightOptions{}
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Check that an account and a deployed stack can run the pipeline; print the fix for each problem",
		Long: `preflight checks what a run needs and a stack cannot create for itself, and
that what the stack created is there:

  credentials           whose credentials these are (sts:GetCallerIdentity),
                        and that they are of the stack's account
  region                the region the checks run in is the stack's
  ecs-service-linked-role
                        AWSServiceRoleForECS exists; a brand-new account has
                        none and the first 'pulumi up' fails with "Unable to
                        assume the service linked role"
  ecs-service           the workers' service is active
  fargate-vcpu-quota    workerCount x taskCpu fits the account's Fargate Spot
                        (and, with an on-demand share, On-Demand) vCPU quota
  autoscaling-group     (ec2-spot) the workers' Auto Scaling group exists
  ec2-spot-vcpu-quota   (ec2-spot) the instances the workers need, by the
                        group's instance types, x their vCPUs fit the EC2
                        Spot vCPU quota (L-34B43A08)
  lambda-function       (lambda) the worker function exists, is Active and
                        its last update succeeded
  lambda-concurrency    (lambda) the batches a run invokes at once (the
                        Distributed Map's MaxConcurrency) + 1 fit the
                        function's reserved concurrency, or without one the
                        account's unreserved concurrency
  image                 the worker image (by digest) is in ECR
  state-machine:*       the generate, simulate and cleanup state machines
  activity, data-bucket the activity the workers poll and the data bucket

Which apply follows the stack's compute output: with compute lambda the
ECS checks, the Fargate quota and the activity are reported as skipped
("compute lambda runs no ECS service").

Each problem is a sentence and the command that fixes it. The exit code is
1 when any check found a problem; checks that could not run (e.g. no
permission to read IAM) are reported as unchecked, with the command that
checks by hand, and do not fail.

Without --stack-outputs or --local only the account checks run: use that
before the first 'pulumi up' (give --region, --workers and --task-cpu).
Against a local runtime (--local DIR) the state machines, the activity and
the bucket are checked; the AWS-only checks are skipped.`,
		Example: `  pulumi stack output --json > outputs.json
  montecarlo preflight --stack-outputs outputs.json
  montecarlo preflight --region us-east-1 --workers 50 --task-cpu 1024
  montecarlo preflight --local ./mc-data --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.maxAttempts < 1 {
				return fmt.Errorf("preflight: --max-attempts %d: want 1 or more", o.maxAttempts)
			}
			if o.workers < 0 || o.taskCPU < 0 {
				return fmt.Errorf("preflight: --workers and --task-cpu must not be negative")
			}
			opts := operate.PreflightOptions{
				StackOutputs: o.stackOutputs, LocalDir: o.local, Stdin: cmd.InOrStdin(), Region: o.region,
				WorkerCount: o.workers, TaskCPU: o.taskCPU, EndpointURL: o.endpointURL,
				MaxAttempts: o.maxAttempts, MaxBackoff: o.maxBackoff,
			}
			t, err := operate.ConnectPreflight(cmd.Context(), opts)
			if err != nil {
				return fmt.Errorf("preflight: %w", err)
			}
			r, err := operate.Preflight(cmd.Context(), t, opts)
			if err != nil {
				return fmt.Errorf("preflight: %w", err)
			}
			out := cmd.OutOrStdout()
			if o.jsonOut {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				printPreflight(out, r)
			}
			if !r.OK() {
				return fmt.Errorf("preflight: %s; run each fix above, then preflight again", numfmt.Plural(int64(r.Problems), "problem"))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.stackOutputs, "stack-outputs", "", "JSON `FILE` of 'pulumi stack output --json' (or - for stdin)")
	f.StringVar(&o.local, "local", "", "data directory `DIR` of a running 'montecarlo local'")
	f.StringVar(&o.region, "region", "", "AWS `REGION` (default: the region of the stack's state machines, else the AWS configuration's)")
	f.IntVar(&o.workers, "workers", 0, "worker `COUNT` for the quota check (default: the deployed Simulate state machine's scale-out; compute lambda: the batches invoked at once, default the Map's MaxConcurrency)")
	f.IntVar(&o.taskCPU, "task-cpu", 0, "task CPU `UNITS` for the quota check, 1024 = 1 vCPU (default: the deployed task definition's)")
	f.StringVar(&o.endpointURL, "endpoint-url", "", "send every AWS call to this loopback `URL` (emulators and tests)")
	f.IntVar(&o.maxAttempts, "max-attempts", 4, "attempts per AWS call")
	f.DurationVar(&o.maxBackoff, "max-backoff", 5*time.Second, "longest wait between attempts of an AWS call")
	f.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	_ = f.MarkHidden("endpoint-url")
	return cmd
}

// printPreflight prints one line per check and, under a problem or an
// unchecked check, the command to run.
func printPreflight(w io.Writer, r operate.PreflightReport) {
	head := "preflight of " + r.Target
	if r.Account != "" {
		head += ", account " + r.Account
	}
	if r.Region != "" {
		head += ", region " + r.Region
	}
	fmt.Fprintln(w, head)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(c.Status), c.Name, c.Detail)
		if c.Fix != "" && c.Status != operate.CheckOK {
			fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
		}
	}
	_ = tw.Flush()
	if r.OK() {
		fmt.Fprintln(w, "no problems")
	}
}
