// Command montecarlo-pipeline is the Pulumi program of this repository:
// `pulumi up` in the repository root reads the stack's `montecarlo:*`
// configuration, deploys one MonteCarloPipeline and exports its outputs.
// Every key is declared, typed and documented in Pulumi.yaml; README.md ("Deploy")
// explains them.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// configNamespace is the namespace of the program's keys (the project name).
const configNamespace = "montecarlo"

func main() {
	pulumi.Run(program)
}

// program builds the stack: config -> component -> stack outputs.
func program(ctx *pulumi.Context) error {
	p, err := deployStack(ctx)
	if err != nil {
		return err
	}
	for name, out := range p.Outputs() {
		ctx.Export(name, out)
	}
	return nil
}

// deployStack reads the config and registers the component.
func deployStack(ctx *pulumi.Context) (*components.MonteCarloPipeline, error) {
	args, err := argsFromConfig(ctx)
	if err != nil {
		return nil, err
	}
	return components.NewMonteCarloPipeline(ctx, "montecarlo", args)
}

// configKey is one `montecarlo:` key: how it is typed and documented in
// Pulumi.yaml and which argument it sets. An absent key leaves the argument
// at its zero value, which the component reads as its documented default.
type configKey struct {
	Name        string
	Type        string // Pulumi.yaml type: string, integer, boolean or array
	Default     any    // the value Pulumi.yaml declares (nil: none)
	Description string
	set         func(a *components.MonteCarloPipelineArgs, raw string) error
}

// configKeys are all keys the program reads, in the order docs list them.
var configKeys = []configKey{
	// Naming and network.
	{"namePrefix", "string", nil, "Prefix of the fixed resource names (state machines <prefix>-generate and <prefix>-simulate). Default: montecarlo-<stack>.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.NamePrefix = v })},
	{"availabilityZoneCount", "integer", components.DefaultAvailabilityZoneCount, "Private subnets (one per availability zone) of the created VPC, 1 to 6.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.AvailabilityZoneCount = v })},
	{"availabilityZones", "array", nil, "Availability zone names to use instead of the region's first ones (e.g. [\"us-east-1a\",\"us-east-1b\"]).",
		list(func(a *components.MonteCarloPipelineArgs, v []string) { a.AvailabilityZones = v })},
	{"vpcCidr", "string", components.DefaultVpcCidr, "IPv4 block of the created VPC, /16 to /24.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.VpcCidr = v })},
	{"vpcId", "string", nil, "Bring your own VPC (with subnetIds): nothing of the network is created but the workers' security group.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.VpcID = pulumi.String(v) })},
	{"subnetIds", "array", nil, "Private subnets of vpcId the workers run in; they must reach ECR, S3, CloudWatch Logs and Step Functions.",
		list(func(a *components.MonteCarloPipelineArgs, v []string) { a.SubnetIDs = pulumi.ToStringArray(v) })},

	// Storage and image.
	{"inputBucket", "string", nil, "A bucket you own holding input loans, read-only to the pipeline. Default: the data bucket.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.InputBucketName = pulumi.String(v) })},
	{"kmsKeyArn", "string", nil, "KMS key for SSE-KMS on the data bucket. Default: SSE-S3.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.KmsKeyArn = pulumi.String(v) })},
	{"scratchExpirationDays", "integer", components.DefaultScratchExpirationDays, "Days before objects under scratch/ expire, 1 to 3650.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.ScratchExpirationDays = v })},
	{"forceDestroy", "boolean", false, "Let `pulumi destroy` delete a non-empty data bucket and image repository.",
		boolean(func(a *components.MonteCarloPipelineArgs, v bool) { a.ForceDestroy = v })},
	{"image", "string", nil, "A prebuilt worker image in ECR pinned by digest (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<hex>). Default: build ./Dockerfile for linux/amd64 and push it.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.ImageURI = pulumi.String(v) })},
	{"imageTag", "string", nil, "Tag of the built image (the repository's tags are immutable). Default: a hash of the build context.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.ImageTag = v })},
	{"imageRetentionCount", "integer", components.DefaultImageRetentionCount, "Images the repository keeps, 1 to 1000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.ImageRetentionCount = v })},

	// Compute.
	{"workerCount", "integer", workflow.DefaultWorkerCount, "Worker tasks during a run (zero between runs), 1 to 1000 (the activity's poller limit).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.WorkerCount = v })},
	{"tasksPerWorker", "integer", workflow.DefaultTasksPerWorker, fmt.Sprintf("Activity tasks one worker runs at once, 1 to %d.", components.MaxTasksPerWorker),
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TasksPerWorker = v })},
	{"taskCpu", "integer", components.DefaultTaskCPU, "Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TaskCPU = v })},
	{"taskMemory", "integer", components.DefaultTaskMemory, "Fargate task memory in MiB, a valid pair with taskCpu (e.g. 1024 CPU: 2048 to 8192).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TaskMemory = v })},
	{"onDemandOnly", "boolean", false, "Run every worker on on-demand FARGATE instead of FARGATE_SPOT.",
		boolean(func(a *components.MonteCarloPipelineArgs, v bool) { a.OnDemandOnly = v })},
	{"spotWeight", "integer", components.DefaultSpotWeight, "FARGATE_SPOT weight of the capacity provider strategy, 0 to 1000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.SpotWeight = v })},
	{"onDemandBase", "integer", 0, "Workers placed on on-demand FARGATE before the weights apply, 0 to 100000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.OnDemandBase = v })},
	{"onDemandWeight", "integer", 0, "FARGATE weight of the capacity provider strategy, 0 to 1000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.OnDemandWeight = v })},
	{"containerInsights", "boolean", false, "ECS Container Insights on the cluster (extra CloudWatch cost).",
		boolean(func(a *components.MonteCarloPipelineArgs, v bool) { a.ContainerInsights = v })},
	{"workerLogLevel", "string", components.DefaultWorkerLogLevel, "Worker LOG_LEVEL: debug, info, warn or error.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.WorkerLogLevel = v })},

	// Logging.
	{"logRetentionDays", "integer", components.DefaultLogRetentionDays, "Retention of every log group; one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.LogRetentionDays = v })},
	{"stateMachineLogLevel", "string", components.DefaultStateMachineLogLevel, "State machine log level: ALL, ERROR or FATAL.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.StateMachineLogLevel = v })},
	{"tracing", "boolean", true, "X-Ray tracing of the state machines.",
		boolean(func(a *components.MonteCarloPipelineArgs, v bool) { a.DisableTracing = !v })},

	// Workflow tuning.
	{"batchSize", "integer", workflow.DefaultBatchSize, "Target loans per simulate batch, 1 to 1000000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.BatchSize = v })},
	{"shardSize", "integer", workflow.DefaultShardSize, "Loans per generated shard and JSON Lines object, 1 to 1000000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.ShardSize = v })},
	{"maxConcurrency", "integer", 0, "Distributed Map children at once, 1 to 10000; 0: workerCount x tasksPerWorker, so batches never queue.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.MaxConcurrency = v })},
	{"toleratedFailurePercent", "string", "0", "Percentage of batches that may fail before a run fails, 0 to 100.",
		float(func(a *components.MonteCarloPipelineArgs, v float64) { a.ToleratedFailurePercent = v })},
	{"taskTimeoutSeconds", "integer", 0, "Simulate task timeout; 0: derived from the batch size with margin. Must exceed heartbeatSeconds.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TaskTimeoutSeconds = v })},
	{"heartbeatSeconds", "integer", workflow.DefaultHeartbeatSeconds, "Activity heartbeat timeout; workers beat every third of it.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.HeartbeatSeconds = v })},
	{"workerWaitSeconds", "integer", workflow.DefaultWorkerWaitSeconds, "Seconds between checks that the workers are running after scale-out, 1 to 3600.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.WorkerWaitSeconds = v })},
	{"workerWaitMaxPolls", "integer", workflow.DefaultWorkerWaitMaxPolls, "Checks before a run fails with Workers.NotStarted, 1 to 1000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.WorkerWaitMaxPolls = v })},

	// Run defaults (an execution's input may override each).
	{"dataset", "string", workflow.DefaultDataset, "Dataset name Generate writes and Simulate reads (datasets/<name>/).",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.Defaults.Dataset = v })},
	{"loanCount", "integer", workflow.DefaultLoans, "Loans Generate writes.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.Defaults.Loans = int64(v) })},
	{"layout", "string", workflow.DefaultLayout, "Loan layout Generate writes: sharded (JSON Lines, shardSize loans per object) or per-loan.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.Defaults.Layout = v })},
	{"scenarios", "integer", workflow.DefaultScenarios, "Monte Carlo scenarios per run (a 99.9% loss figure needs 100000).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.Defaults.Scenarios = v })},
	{"targetRate", "string", "0.08", "Annual policy rate the stress path reaches (0.08 is 8%).",
		float(func(a *components.MonteCarloPipelineArgs, v float64) { a.Defaults.TargetRate = v })},
	{"horizonMonths", "integer", workflow.DefaultHorizonMonths, "Months simulated per loan, 1 to 120 (the model's limit; 27 is the Federal Reserve's nine quarters).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.Defaults.HorizonMonths = v })},
	{"seed", "integer", workflow.DefaultSeed, "Run seed: the same seed gives the same results.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.Defaults.Seed = int64(v) })},
}

// argsFromConfig reads every configKey of the stack. It reports every bad
// value at once, each naming its key.
func argsFromConfig(ctx *pulumi.Context) (*components.MonteCarloPipelineArgs, error) {
	args := &components.MonteCarloPipelineArgs{}
	var errs []error
	for _, k := range configKeys {
		raw, err := config.Try(ctx, configNamespace+":"+k.Name)
		if errors.Is(err, config.ErrMissingVar) {
			continue
		}
		if err == nil {
			err = k.set(args, raw)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("config %s:%s: %w", configNamespace, k.Name, err))
		}
	}
	if args.NamePrefix == "" {
		args.NamePrefix = defaultNamePrefix(ctx.Stack())
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return args, nil
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// defaultNamePrefix is "montecarlo-<stack>", made a valid name prefix, so
// that stacks in one account get their own state machine names. Stack names
// that differ only in case, in characters other than letters, digits and
// hyphens, or past the prefix's 30 characters map to the same prefix; the
// second stack's `pulumi up` then fails on the taken names, and namePrefix
// tells them apart.
func defaultNamePrefix(stack string) string {
	p := "montecarlo-" + notNameChars.ReplaceAllString(strings.ToLower(stack), "-")
	if len(p) > components.MaxNamePrefixLength {
		p = p[:components.MaxNamePrefixLength]
	}
	return strings.TrimRight(p, "-")
}

func str(set func(*components.MonteCarloPipelineArgs, string)) func(*components.MonteCarloPipelineArgs, string) error {
	return func(a *components.MonteCarloPipelineArgs, raw string) error {
		set(a, raw)
		return nil
	}
}

func integer(set func(*components.MonteCarloPipelineArgs, int)) func(*components.MonteCarloPipelineArgs, string) error {
	return func(a *components.MonteCarloPipelineArgs, raw string) error {
		v, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		set(a, v)
		return nil
	}
}

func float(set func(*components.MonteCarloPipelineArgs, float64)) func(*components.MonteCarloPipelineArgs, string) error {
	return func(a *components.MonteCarloPipelineArgs, raw string) error {
		v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		set(a, v)
		return nil
	}
}

func boolean(set func(*components.MonteCarloPipelineArgs, bool)) func(*components.MonteCarloPipelineArgs, string) error {
	return func(a *components.MonteCarloPipelineArgs, raw string) error {
		v, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		set(a, v)
		return nil
	}
}

// list reads an array key: Pulumi stores it as a JSON array.
func list(set func(*components.MonteCarloPipelineArgs, []string)) func(*components.MonteCarloPipelineArgs, string) error {
	return func(a *components.MonteCarloPipelineArgs, raw string) error {
		v, err := parseStringList(raw)
		if err != nil {
			return err
		}
		set(a, v)
		return nil
	}
}

func parseStringList(raw string) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, fmt.Errorf("%q is not a JSON array of strings (pulumi config set --path 'montecarlo:key[0]' value)", raw)
	}
	return v, nil
}
