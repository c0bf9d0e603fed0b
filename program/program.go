// Package program is the Pulumi program of this repository: it reads the
// stack's `montecarlo:*` configuration, deploys one MonteCarloPipeline and
// exports its outputs. main.go at the repository root runs it
// (`pulumi up`), and the engine tests run it as an Automation API inline
// program. Keys with a default are declared, typed and documented in
// Pulumi.yaml; optional keys (no default) are documented there in a comment,
// because the Pulumi CLI requires every declared key that has no default.
// README.md ("Configuration") lists them all; a test keeps the three equal.
package program

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Namespace is the namespace of the program's keys (the project name).
const Namespace = "montecarlo"

// Run is the Pulumi program: config -> component -> stack outputs. main.go
// runs it with pulumi.Run; the engine tests (tests/engine) run the same
// function as an Automation API inline program.
func Run(ctx *pulumi.Context) error {
	p, err := DeployStack(ctx)
	if err != nil {
		return err
	}
	for name, out := range p.Outputs() {
		ctx.Export(name, out)
	}
	return nil
}

// DeployStack reads the config and registers the component. The
// component's validation errors name its Go fields; each is prefixed with
// the config key it is about.
func DeployStack(ctx *pulumi.Context) (*components.MonteCarloPipeline, error) {
	args, err := ArgsFromConfig(ctx)
	if err != nil {
		return nil, err
	}
	p, err := components.NewMonteCarloPipeline(ctx, "montecarlo", args)
	if err != nil {
		return nil, nameConfigKeys(err)
	}
	return p, nil
}

var fieldPatterns = func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	for key, field := range argsField {
		m[key] = regexp.MustCompile(`\b` + regexp.QuoteMeta(field) + `\b`)
	}
	return m
}()

// listSeparator is what may stand between the fields a message is about:
// "SpotWeight, OnDemandBase and OnDemandWeight apply to ...".
var listSeparator = regexp.MustCompile(`^(, | and |, and )$`)

// nameConfigKeys prefixes each line of a component error with the keys it
// is about: the first args field the line names, and the fields listed
// with it ("A, B and C ..."). Fields named later in the line ("... not
// allowed with TaskCPU 1024") are context, not the subject.
func nameConfigKeys(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, line := range lines {
		type hit struct {
			key        string
			start, end int
		}
		var hits []hit
		for key, re := range fieldPatterns {
			for _, loc := range re.FindAllStringIndex(line, -1) {
				hits = append(hits, hit{key, loc[0], loc[1]})
			}
		}
		if len(hits) == 0 {
			continue
		}
		slices.SortFunc(hits, func(a, b hit) int { return a.start - b.start })
		keys := []string{Namespace + ":" + hits[0].key}
		for j := 1; j < len(hits) && listSeparator.MatchString(line[hits[j-1].end:hits[j].start]); j++ {
			keys = append(keys, Namespace+":"+hits[j].key)
		}
		lines[i] = "config " + strings.Join(keys, ", ") + ": " + line
	}
	return errors.New(strings.Join(lines, "\n"))
}

// ConfigKey is one `montecarlo:` key: how it is typed and documented in
// Pulumi.yaml and which argument it sets. An unset key leaves the argument
// at its zero value, which the component reads as its documented default.
//
// A key with a Default is declared under `config:` in Pulumi.yaml with that
// default (which must be what the component does anyway; a test checks).
// A key without one is optional: unset means absent (no VPC brought, no KMS
// key, the image built, ...). The Pulumi CLI refuses a stack that leaves a
// declared key without a default unset, and the project schema has no way to
// declare an optional key (pulumi/pulumi#21797), so optional keys are
// documented in a comment of Pulumi.yaml instead of declared; the program
// checks their values itself.
type ConfigKey struct {
	Name        string
	Type        string // Pulumi.yaml type: string, integer, boolean or array
	Default     any    // the value Pulumi.yaml declares (nil: optional, not declared)
	Description string
	set         func(a *components.MonteCarloPipelineArgs, raw string) error
}

// Optional reports whether the key has no default: it is left out of
// Pulumi.yaml's `config:` and unset means absent.
func (k ConfigKey) Optional() bool { return k.Default == nil }

// argsField is the MonteCarloPipelineArgs field each key sets, by the name
// the component's validation errors use, so that DeployStack can say which
// key a component error is about.
var argsField = map[string]string{
	"namePrefix":                "NamePrefix",
	"availabilityZoneCount":     "AvailabilityZoneCount",
	"availabilityZones":         "AvailabilityZones",
	"vpcCidr":                   "VpcCidr",
	"vpcId":                     "VpcID",
	"subnetIds":                 "SubnetIDs",
	"inputBucket":               "InputBucketName",
	"kmsKeyArn":                 "KmsKeyArn",
	"scratchExpirationDays":     "ScratchExpirationDays",
	"forceDestroy":              "ForceDestroy",
	"image":                     "ImageURI",
	"imageTag":                  "ImageTag",
	"imageRetentionCount":       "ImageRetentionCount",
	"compute":                   "Compute",
	"lambdaMemoryMb":            "LambdaMemoryMB",
	"lambdaTimeoutSeconds":      "LambdaTimeoutSeconds",
	"lambdaReservedConcurrency": "LambdaReservedConcurrency",
	"lambdaVpc":                 "LambdaVpc",
	"workerCount":               "WorkerCount",
	"tasksPerWorker":            "TasksPerWorker",
	"taskCpu":                   "TaskCPU",
	"taskMemory":                "TaskMemory",
	"ec2InstanceTypes":          "EC2InstanceTypes",
	"onDemandOnly":              "OnDemandOnly",
	"spotWeight":                "SpotWeight",
	"onDemandBase":              "OnDemandBase",
	"onDemandWeight":            "OnDemandWeight",
	"containerInsights":         "ContainerInsights",
	"workerLogLevel":            "WorkerLogLevel",
	"logRetentionDays":          "LogRetentionDays",
	"stateMachineLogLevel":      "StateMachineLogLevel",
	"tracing":                   "DisableTracing",
	"batchSize":                 "BatchSize",
	"shardSize":                 "ShardSize",
	"maxConcurrency":            "MaxConcurrency",
	"toleratedFailurePercent":   "ToleratedFailurePercent",
	"taskTimeoutSeconds":        "TaskTimeoutSeconds",
	"heartbeatSeconds":          "HeartbeatSeconds",
	"workerWaitSeconds":         "WorkerWaitSeconds",
	"workerWaitMaxPolls":        "WorkerWaitMaxPolls",
	"dataset":                   "Defaults.Dataset",
	"loanCount":                 "Defaults.Loans",
	"layout":                    "Defaults.Layout",
	"scenarios":                 "Defaults.Scenarios",
	"targetRate":                "Defaults.TargetRate",
	"horizonMonths":             "Defaults.HorizonMonths",
	"seed":                      "Defaults.Seed",
}

// ConfigKeys are all keys the program reads, in the order docs list them.
var ConfigKeys = []ConfigKey{
	// Naming and network.
	{"namePrefix", "string", nil, "Prefix of the fixed resource names (state machines <prefix>-generate and <prefix>-simulate). Default: montecarlo-<stack>.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.NamePrefix = v })},
	{"availabilityZoneCount", "integer", components.DefaultAvailabilityZoneCount, "Private subnets (one per availability zone) of the created VPC, 1 to 6.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.AvailabilityZoneCount = v })},
	{"availabilityZones", "array", nil, "Availability zone names or zone IDs to use instead of the first zones (by zone ID) that offer every endpoint service the workers need (e.g. [\"use1-az1\",\"use1-az2\"]).",
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
	{"imageTag", "string", nil, "Tag of the built image (tags are mutable; tasks pin the image digest). Default: a hash of the build context.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.ImageTag = v })},
	{"imageRetentionCount", "integer", components.DefaultImageRetentionCount, "Images the repository keeps, 1 to 1000.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.ImageRetentionCount = v })},

	// Compute.
	{"compute", "string", workflow.ComputeFargateSpot, "Where the workers run: fargate-spot (an ECS service on Fargate Spot, scaled out and in per run), lambda (the same image as a container-image Lambda function; no ECS, no VPC unless lambdaVpc) or ec2-spot (the same ECS service on an Auto Scaling group of EC2 Spot instances, zero when idle). docs/compute.md says which is cheaper when.",
		str(func(a *components.MonteCarloPipelineArgs, v string) { a.Compute = v })},
	{"lambdaMemoryMb", "integer", components.DefaultLambdaMemoryMB, fmt.Sprintf("compute lambda: the function's memory in MB, %d to %d (%d is one vCPU; the kernel uses one).", components.MinLambdaMemoryMB, components.MaxLambdaMemoryMB, components.DefaultLambdaMemoryMB),
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.LambdaMemoryMB = v })},
	{"lambdaTimeoutSeconds", "integer", workflow.DefaultFunctionTimeoutSeconds, fmt.Sprintf("compute lambda: the function's timeout, up to 900; at least the batch timeout the workflow sizes batches for (%d s, or taskTimeoutSeconds).", workflow.LambdaBatchTimeoutSeconds),
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.LambdaTimeoutSeconds = v })},
	{"lambdaReservedConcurrency", "integer", 0, "compute lambda: the function's reserved concurrency, at least maxConcurrency + 1; 0: exactly that; -1: none (the account's unreserved pool).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.LambdaReservedConcurrency = v })},
	{"lambdaVpc", "boolean", false, "compute lambda: run the function in the private subnets (created, or vpcId/subnetIds), reaching S3 through the gateway endpoint.",
		boolean(func(a *components.MonteCarloPipelineArgs, v bool) { a.LambdaVpc = v })},
	{"ec2InstanceTypes", "array", nil, "compute ec2-spot: the Auto Scaling group's instance types, x86_64 C, M or R families of one size, each holding one task (e.g. [\"c6i.xlarge\",\"m6i.xlarge\"]). Default: " + strings.Join(components.DefaultEC2InstanceTypes, ", ") + ".",
		list(func(a *components.MonteCarloPipelineArgs, v []string) { a.EC2InstanceTypes = v })},
	{"workerCount", "integer", workflow.DefaultWorkerCount, "Worker tasks during a run (zero between runs), 1 to 1000 (the activity's poller limit).",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.WorkerCount = v })},
	{"tasksPerWorker", "integer", workflow.DefaultTasksPerWorker, fmt.Sprintf("Activity tasks one worker runs at once, 1 to %d.", components.MaxTasksPerWorker),
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TasksPerWorker = v })},
	{"taskCpu", "integer", components.DefaultTaskCPU, "Task CPU units (Fargate's sizes, on ec2-spot too): 256, 512, 1024, 2048, 4096, 8192 or 16384.",
		integer(func(a *components.MonteCarloPipelineArgs, v int) { a.TaskCPU = v })},
	{"taskMemory", "integer", components.DefaultTaskMemory, "Task memory in MiB, a Fargate pair with taskCpu (e.g. 1024 CPU: 2048 to 8192).",
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

// ArgsFromConfig reads every ConfigKey of the stack. It reports every bad
// value at once, each naming its key. An unset key is absent; an optional
// key set to an empty value is an error rather than a silent switch of mode
// (an empty vpcId would mean "bring your own VPC" with no VPC).
func ArgsFromConfig(ctx *pulumi.Context) (*components.MonteCarloPipelineArgs, error) {
	args := &components.MonteCarloPipelineArgs{}
	var errs []error
	for _, k := range ConfigKeys {
		raw, err := config.Try(ctx, Namespace+":"+k.Name)
		if errors.Is(err, config.ErrMissingVar) {
			continue
		}
		if err == nil && k.isDeclaredDefault(raw) {
			// The CLI passes every declared default as if the stack had
			// set it; the program cannot tell the two apart, so the
			// declared default means what unset means (the component's
			// own default, which a test keeps equal). Otherwise the
			// default availabilityZoneCount would conflict with vpcId, and
			// the default spotWeight with onDemandOnly.
			continue
		}
		if err == nil && k.Optional() && isEmpty(k.Type, raw) {
			err = fmt.Errorf("is set but empty; to leave it unset run `pulumi config rm %s:%s`", Namespace, k.Name)
		}
		if err == nil {
			err = k.set(args, raw)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("config %s:%s: %w", Namespace, k.Name, err))
		}
	}
	if args.NamePrefix == "" {
		args.NamePrefix = DefaultNamePrefix(ctx.Stack())
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return args, nil
}

var notNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// DefaultNamePrefix is "montecarlo-<stack>", made a valid name prefix, so
// that stacks in one account get their own state machine names. Stack names
// that differ only in case, in characters other than letters, digits and
// hyphens, or past the prefix's 30 characters map to the same prefix; the
// second stack's `pulumi up` then fails on the taken names, and namePrefix
// tells them apart.
func DefaultNamePrefix(stack string) string {
	p := "montecarlo-" + notNameChars.ReplaceAllString(strings.ToLower(stack), "-")
	if len(p) > components.MaxNamePrefixLength {
		p = p[:components.MaxNamePrefixLength]
	}
	return strings.TrimRight(p, "-")
}

// isDeclaredDefault reports whether raw is the key's declared default,
// written as the CLI passes it or in another spelling of the same value
// ("010", "TRUE", "0.0").
func (k ConfigKey) isDeclaredDefault(raw string) bool {
	if k.Default == nil {
		return false
	}
	raw, def := strings.TrimSpace(raw), fmt.Sprint(k.Default)
	if raw == def {
		return true
	}
	switch k.Type {
	case "integer":
		a, errA := strconv.Atoi(raw)
		b, errB := strconv.Atoi(def)
		return errA == nil && errB == nil && a == b
	case "boolean":
		a, errA := strconv.ParseBool(raw)
		b, errB := strconv.ParseBool(def)
		return errA == nil && errB == nil && a == b
	}
	a, errA := strconv.ParseFloat(raw, 64)
	b, errB := strconv.ParseFloat(def, 64)
	return errA == nil && errB == nil && a == b
}

// isEmpty reports whether raw is an empty value of an optional key's type.
func isEmpty(typ, raw string) bool {
	raw = strings.TrimSpace(raw)
	if typ == "array" {
		return raw == "" || raw == "[]" || raw == "null"
	}
	return raw == ""
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

// HasArgsField reports whether key's component errors can be named (a test
// keeps every key covered).
func HasArgsField(key string) bool { _, ok := argsField[key]; return ok }
