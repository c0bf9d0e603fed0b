package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate"
)

func init() { verbs = append(verbs, newRunCmd) }

type runOptions struct {
	target  targetFlags
	req     operate.RunRequest
	loans   int64
	scen    int
	seed    int64
	rate    float64
	horizon int
	shift   float64
	watch   watchFlags
	follow  bool
	jsonOut bool
	// noAttribution sets the input key noAttribution (simulate).
	noAttribution bool
}

func newRunCmd() *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run generate|simulate [flags]",
		Short: "Start a generate or simulate execution with validated input overrides and print its ARN",
		Long: `run starts an execution of the Generate or Simulate state machine of a deployed
stack (--stack-outputs) or of a running local runtime (--local). Flags and
--set override the run parameters the stack was configured with; the input
is checked against the deployed defaults with the workers' own validation
before anything starts, so a typo fails here and not after scale-out.

The execution name is the run id: results go to runs/<name>/ in the data
bucket. --input picks what simulate reads: s3://BUCKET/.../manifest.json (an
S3 Inventory manifest), s3://BUCKET/....csv (a CSV manifest with a Key column,
or a file of loans, told apart by its header) or s3://BUCKET/PREFIX (every
object under it: loan files in CSV, JSON Lines, JSON or Parquet, optionally
gzipped; docs/loans.md). --rate-unit percent (or --set rateUnit=percent)
reads rates written as 6.5, --set allowUnknownColumns=true ignores columns
that are not loan fields. --scenario-file is checked here
(a bad file fails naming its line and column), uploaded to the data bucket
under runs/_scenarios/<sha256>/ and named in the input as scenarioKey.`,
		Example: `  # Generate a 1,000,000-loan portfolio on AWS
  pulumi stack output --json > outputs.json
  montecarlo run generate --stack-outputs outputs.json --loans 1000000

  # Simulate 10,000 scenarios at a 7% target rate and follow it
  montecarlo run simulate --stack-outputs outputs.json --scenarios 10000 --set targetRate=0.07 --watch

  # Simulate the Federal Reserve's 2025 severely adverse scenario over 9 quarters
  montecarlo run simulate --stack-outputs outputs.json --scenario-file testdata/scenarios/fed-2025-severely-adverse.csv --horizon 27

  # A 6.5% policy rate over five years, with importance sampling for the tail
  montecarlo run simulate --stack-outputs outputs.json --target-rate 0.065 --horizon 60 --tail-shift 1.5

  # Simulate your own file of loans (docs/loans.md), rates written as percentages
  montecarlo run simulate --stack-outputs outputs.json --input s3://my-bucket/tapes/2026-06.csv --rate-unit percent

  # Simulate a prefix of another bucket on the local runtime
  montecarlo run simulate --local ./montecarlo-data --input s3://loans-2026/portfolio/ --set params.gamma=1.2`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{workflow.WorkflowGenerate, workflow.WorkflowSimulate},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.req.Workflow = args[0]
			f := cmd.Flags()
			if f.Changed("loans") {
				o.req.Loans = &o.loans
			}
			if f.Changed("scenarios") {
				o.req.Scenarios = &o.scen
			}
			if f.Changed("seed") {
				o.req.Seed = &o.seed
			}
			if f.Changed("target-rate") {
				o.req.TargetRate = &o.rate
			}
			if f.Changed("horizon") {
				o.req.HorizonMonths = &o.horizon
			}
			if f.Changed("tail-shift") {
				o.req.TailShift = &o.shift
			}
			if err := checkModelFlags(f.Changed, o.rate, o.horizon, o.shift); err != nil {
				return fmt.Errorf("run: %w", err)
			}
			if o.noAttribution {
				if o.req.Workflow != workflow.WorkflowSimulate {
					return fmt.Errorf("run %s: --no-attribution applies to simulate only", o.req.Workflow)
				}
				// The input key local --no-attribution sets too.
				o.req.Set = append(o.req.Set, "noAttribution=true")
			}
			return o.run(cmd)
		},
	}
	o.target.add(cmd)
	f := cmd.Flags()
	f.Int64Var(&o.loans, "loans", 0, "loans to generate (generate; default: the stack's)")
	f.IntVar(&o.scen, "scenarios", 0, "scenarios per loan (default: the stack's)")
	f.Int64Var(&o.seed, "seed", 0, "run seed (default: the stack's)")
	addModelFlags(f, &o.rate, &o.horizon, &o.shift, &o.req.ScenarioFile, false)
	f.StringVar(&o.req.Input, "input", "", "what simulate reads: s3://BUCKET/KEY of a manifest.json, a .csv manifest or file of loans (told by its header), or s3://BUCKET/PREFIX")
	f.BoolVar(&o.noAttribution, "no-attribution", false, "skip the loss attribution by channel (simulate; 5-8% less CPU, no attribution table in the report; --set noAttribution=true)")
	f.StringVar(&o.req.RateUnit, "rate-unit", "", `how the input writes rates: "decimal" (0.065 for 6.5%) or "percent" (6.5) (simulate; default: the stack's, decimal)`)
	f.StringArrayVar(&o.req.Set, "set", nil, "override an input key: KEY=VALUE (repeatable; JSON values, params.NAME=VALUE for a model parameter); keys: "+fmt.Sprint(operate.InputKeys))
	f.StringVar(&o.req.Name, "name", "", "execution name, which is the run id (default: WORKFLOW-UTCTIME-RANDOM)")
	f.BoolVar(&o.follow, "watch", false, "follow the execution until it ends (as montecarlo watch)")
	f.BoolVar(&o.jsonOut, "json", false, "print JSON (an object for the start, JSON lines while watching)")
	o.watch.add(cmd)
	return cmd
}

func (o *runOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	t, err := o.target.connect(ctx, cmd.InOrStdin())
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	s, err := t.Start(ctx, o.req)
	if err != nil {
		return fmt.Errorf("run %s: %w", o.req.Workflow, err)
	}
	out := cmd.OutOrStdout()
	if o.jsonOut {
		if err := json.NewEncoder(out).Encode(s); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(out, s.ExecutionArn)
	}
	if !o.follow {
		return nil
	}
	return o.watch.follow(cmd, t, s.ExecutionArn, o.jsonOut)
}
