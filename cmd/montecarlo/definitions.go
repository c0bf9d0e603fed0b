package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func init() { verbs = append(verbs, newDefinitionsCmd) }

// Placeholders used when no real account or region is given: the
// definitions are then for reading, validating and diffing, not deploying.
const (
	placeholderAccount = "123456789012"
	placeholderRegion  = "us-east-1"
	defaultNamePrefix  = "montecarlo"
)

// definitionsOptions are the flags of the definitions verb.
type definitionsOptions struct {
	out      string
	name     string
	cfg      workflow.Config
	jsonOut  bool
	activity string // --activity-arn; default derived from name
	function string // --function-arn; default derived from name
}

func newDefinitionsCmd() *cobra.Command {
	o := &definitionsOptions{}
	cmd := &cobra.Command{
		Use:   "definitions --out DIR",
		Short: "Write the Generate and Simulate state machine definitions (Amazon States Language) to DIR",
		Long: `definitions renders the two state machines, exactly as the Pulumi component
deploys them, to DIR/generate.asl.json and DIR/simulate.asl.json.

Without --account and --region the ARNs use the placeholders 123456789012
and us-east-1: good for reading, diffing and validating. Resource names
derive from --name: PREFIX-generate and PREFIX-simulate (state machines),
PREFIX-work (activity), PREFIX (ECS cluster), PREFIX-workers (ECS service),
PREFIX-ACCOUNT-REGION (bucket); each can be set on its own.

--compute lambda renders the Lambda flavour: every task invokes the worker
function (arn:aws:states:::lambda:invoke, default PREFIX-worker in the
account and region, or --function-arn), EXPRESS Map children, no
scale-out, worker wait or scale-in. Its batch size and timeouts default to
what fits Lambda (see components/workflow: LambdaBatchTimeoutSeconds); the
ECS and activity flags do not apply.`,
		Example: `  # Render with placeholders and validate with asl-validator
  montecarlo definitions --out build/definitions

  # The Lambda flavour
  montecarlo definitions --compute lambda --out build/definitions-lambda

  # Render for a real account, 10 workers of 4 tasks, 5,000 loans per batch
  montecarlo definitions --out build/definitions --account 210987654321 --region eu-west-1 \
      --name risk-prod --workers 10 --tasks-per-worker 4 --batch-size 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	c := &o.cfg
	f.StringVar(&o.out, "out", "", "directory to write the definitions to (created if missing; required)")
	f.StringVar(&o.name, "name", defaultNamePrefix, "prefix of the resource names")
	f.StringVar(&c.Region, "region", placeholderRegion, "AWS region of the ARNs")
	f.StringVar(&c.AccountID, "account", placeholderAccount, "AWS account id of the ARNs")
	f.StringVar(&c.Partition, "partition", workflow.DefaultPartition, "AWS partition of the ARNs")
	f.StringVar(&c.Compute, "compute", workflow.ComputeFargateSpot, `where the operations run: "fargate-spot" (ECS workers polling the activity), "ec2-spot" (the same on EC2 Spot instances) or "lambda" (the state machines invoke a function)`)
	f.StringVar(&c.AutoScalingGroupName, "auto-scaling-group", "", "compute ec2-spot: the Auto Scaling group Workers.NotStarted names (default: PREFIX-spot)")
	f.StringVar(&o.function, "function-arn", "", "compute lambda: ARN of the worker function (default: PREFIX-worker in the account and region)")
	f.IntVar(&c.FunctionTimeoutSeconds, "function-timeout-seconds", 0, "compute lambda: the function's timeout, which the control tasks wait for (default 900)")
	f.StringVar(&o.activity, "activity-arn", "", "ARN of the activity the workers poll (default: PREFIX-work in the account and region)")
	f.StringVar(&c.ClusterName, "cluster", "", "ECS cluster of the workers (default: PREFIX)")
	f.StringVar(&c.ServiceName, "service", "", "ECS service of the workers (default: PREFIX-workers)")
	f.StringVar(&c.DataBucket, "bucket", "", "S3 bucket for loans, manifests and runs (default: PREFIX-ACCOUNT-REGION)")
	f.IntVar(&c.WorkerCount, "workers", workflow.DefaultWorkerCount, "ECS tasks (workers) during a run")
	f.IntVar(&c.TasksPerWorker, "tasks-per-worker", workflow.DefaultTasksPerWorker, "activity tasks one worker runs at once")
	f.IntVar(&c.BatchSize, "batch-size", workflow.DefaultBatchSize, "target loans per simulate batch")
	f.IntVar(&c.ShardSize, "shard-size", workflow.DefaultShardSize, "loans per generated shard")
	f.IntVar(&c.MaxConcurrency, "max-concurrency", 0, "Distributed Map MaxConcurrency (default: workers x tasks per worker)")
	f.Float64Var(&c.ToleratedFailurePercent, "tolerated-failure-percent", 0, "Distributed Map ToleratedFailurePercentage")
	f.IntVar(&c.HeartbeatSeconds, "heartbeat-seconds", workflow.DefaultHeartbeatSeconds, "activity task HeartbeatSeconds")
	f.IntVar(&c.TaskTimeoutSeconds, "task-timeout-seconds", 0, "simulate task TimeoutSeconds (default: derived from the batch size)")
	f.IntVar(&c.WorkerWaitSeconds, "worker-wait-seconds", workflow.DefaultWorkerWaitSeconds, "seconds between checks for running workers")
	f.IntVar(&c.WorkerWaitMaxPolls, "worker-wait-max-polls", workflow.DefaultWorkerWaitMaxPolls, "checks for running workers before failing with Workers.NotStarted")
	f.Int64Var(&c.Defaults.Loans, "loans", workflow.DefaultLoans, "default number of loans generate writes")
	f.IntVar(&c.Defaults.Scenarios, "scenarios", workflow.DefaultScenarios, "default number of scenarios per run")
	f.Int64Var(&c.Defaults.Seed, "seed", workflow.DefaultSeed, "default run seed")
	f.StringVar(&c.Defaults.Dataset, "dataset", workflow.DefaultDataset, "default dataset name")
	f.StringVar(&c.Defaults.Layout, "layout", workflow.DefaultLayout, `default layout of generated loans: "sharded" or "per-loan"`)
	f.BoolVar(&o.jsonOut, "json", false, "print what was written as JSON")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// defaultedFlags are the flags whose zero (or empty) value the workflow
// config replaces with its default (workflow.Config.WithDefaults). Each flag
// already carries that default, so a zero was asked for and is refused
// rather than silently replaced.
var defaultedFlags = []string{"workers", "tasks-per-worker", "batch-size", "shard-size", "heartbeat-seconds",
	"worker-wait-seconds", "worker-wait-max-polls", "loans", "scenarios", "seed", "dataset", "layout", "partition"}

func (o *definitionsOptions) run(cmd *cobra.Command) error {
	var errs []error
	for _, name := range defaultedFlags {
		f := cmd.Flags().Lookup(name)
		switch v := f.Value.String(); {
		case !f.Changed:
		case v == "0":
			errs = append(errs, fmt.Errorf("--%s 0: want 1 or more (leave the flag out for the default, %s)", name, f.DefValue))
		case v == "":
			errs = append(errs, fmt.Errorf("--%s: must not be empty (leave the flag out for the default, %s)", name, f.DefValue))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("definitions: %w", err)
	}
	c := o.cfg
	p := o.name
	c.GenerateStateMachineName = p + "-generate"
	c.SimulateStateMachineName = p + "-simulate"
	if c.Compute == workflow.ComputeEC2Spot && c.AutoScalingGroupName == "" {
		c.AutoScalingGroupName = p + "-spot"
	}
	if c.Compute == workflow.ComputeLambda {
		// The flags' defaults are the activity flavour's; unset, the Lambda
		// flavour derives its own (workflow.Config.WithDefaults).
		for name, field := range map[string]*int{"batch-size": &c.BatchSize, "shard-size": &c.ShardSize} {
			if !cmd.Flags().Changed(name) {
				*field = 0
			}
		}
		if o.function == "" {
			o.function = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s-worker", c.Partition, c.Region, c.AccountID, p)
		}
		c.FunctionArn = o.function
	}
	if o.activity == "" {
		o.activity = fmt.Sprintf("arn:%s:states:%s:%s:activity:%s-work", c.Partition, c.Region, c.AccountID, p)
	}
	c.ActivityArn = o.activity
	if c.ClusterName == "" {
		c.ClusterName = p
	}
	if c.ServiceName == "" {
		c.ServiceName = p + "-workers"
	}
	if c.DataBucket == "" {
		c.DataBucket = strings.ToLower(fmt.Sprintf("%s-%s-%s", p, c.AccountID, c.Region))
	}

	defs, err := workflow.Definitions(c)
	if err != nil {
		return fmt.Errorf("definitions: %w", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("definitions: %w", err)
	}
	type written struct {
		Workflow     string `json:"workflow"`
		StateMachine string `json:"stateMachine"`
		Path         string `json:"path"`
	}
	var done []written
	for _, d := range defs {
		path := filepath.Join(o.out, d.FileName())
		if err := os.WriteFile(path, d.JSON, 0o644); err != nil {
			return fmt.Errorf("definitions: %w", err)
		}
		done = append(done, written{d.Workflow, d.Name, path})
	}
	out := cmd.OutOrStdout()
	if o.jsonOut {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(done)
	}
	for _, w := range done {
		fmt.Fprintf(out, "wrote %s (state machine %s)\n", w.Path, w.StateMachine)
	}
	return nil
}
