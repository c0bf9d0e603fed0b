package components

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Defaults applied to zero-valued MonteCarloPipelineArgs fields.
const (
	DefaultAvailabilityZoneCount = 2
	DefaultVpcCidr               = "10.64.0.0/16"
	DefaultScratchExpirationDays = 7
	DefaultImageRetentionCount   = 10
	// DefaultTaskCPU and DefaultTaskMemory: 1 vCPU / 2 GiB per worker, so
	// the default two workers fit the 6 Fargate Spot vCPUs a new account
	// gets.
	DefaultTaskCPU              = 1024
	DefaultTaskMemory           = 2048
	DefaultSpotWeight           = 1
	DefaultWorkerLogLevel       = "info"
	DefaultLogRetentionDays     = 30
	DefaultStateMachineLogLevel = "ERROR"
	// DefaultLambdaMemoryMB: Lambda gives a function one full vCPU at
	// 1,769 MB (Lambda developer guide, "Configure Lambda function memory").
	// A batch runs the kernel on one goroutine, so more memory buys no
	// speed, and less slows the kernel below what the batch sizing assumes
	// (see MinLambdaMemoryMB).
	DefaultLambdaMemoryMB = lambdaOneVCPUMemoryMB
)

// Lambda limits (Lambda developer guide, "Lambda quotas").
const (
	// MaxLambdaMemoryMB is Lambda's largest memory size.
	MaxLambdaMemoryMB = 10240
	// lambdaOneVCPUMemoryMB is the memory at which a function has one vCPU;
	// below it the CPU share is proportional to memory.
	lambdaOneVCPUMemoryMB = 1769
	// MinLambdaMemoryMB is the least memory at which the kernel still runs
	// within what the workflow's batch sizing budgets per loan-scenario on
	// a Lambda vCPU (workflow.DefaultLambdaLoanScenarioNanos, twice the
	// measured workflow.MeasuredLoanScenarioNanos): at a CPU share of
	// memory/1,769 the kernel takes measured x 1,769/memory, which must not
	// exceed the budget. 885 MB at today's figures.
	MinLambdaMemoryMB = (lambdaOneVCPUMemoryMB*workflow.MeasuredLoanScenarioNanos + workflow.DefaultLambdaLoanScenarioNanos - 1) / workflow.DefaultLambdaLoanScenarioNanos
	// UnreservedConcurrency (LambdaReservedConcurrency = -1) leaves the
	// function on the account's unreserved concurrency pool.
	UnreservedConcurrency = -1
)

// Limits enforced by validation (the workflow tuning limits are
// components/workflow's: see workflow.Config.Validate).
const (
	MaxNamePrefixLength  = 30
	MaxAvailabilityZones = 6
	// MaxTasksPerWorker is the worker's WORKER_CONCURRENCY limit
	// (worker/workerconfig.MaxConcurrency; a test keeps them equal), below
	// the workflow's own bound.
	MaxTasksPerWorker = 64
	// MaxCapacityWeight and MaxCapacityBase are the ECS capacity provider
	// strategy limits.
	MaxCapacityWeight = 1000
	MaxCapacityBase   = 100000
)

// AllowedLogRetentionDays are the values CloudWatch Logs accepts for
// retentionInDays (PutRetentionPolicy API reference). "Never expire" is not
// offered: every log group has a retention.
var AllowedLogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var namePrefixPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// settings are the validated args with defaults applied.
type settings struct {
	prefix string

	azCount   int
	zones     []string
	vpcCidr   netip.Prefix
	byoVpc    bool
	vpcID     pulumi.StringInput
	subnetIDs pulumi.StringArrayInput

	inputBucket    pulumi.StringInput // nil: the data bucket
	kmsKeyArn      pulumi.StringInput // nil: SSE-S3
	scratchDays    int
	forceDestroy   bool
	prebuiltImage  pulumi.StringInput // nil: build
	buildContext   string
	dockerfile     string
	imageTag       string
	imageRetention int

	taskCPU           int
	taskMemory        int
	workerCount       int // workflow default applied
	tasksPerWorker    int // workflow default applied
	onDemandOnly      bool
	spotWeight        int
	onDemandBase      int
	onDemandWeight    int
	containerInsights bool
	workerLogLevel    string

	logRetentionDays int
	smLogLevel       string
	tracing          bool

	compute        string // workflow.ComputeFargateSpot, ComputeLambda or ComputeEC2Spot
	lambdaMemoryMB int
	lambdaTimeout  int // seconds; the workflow's FunctionTimeoutSeconds
	lambdaReserved int // UnreservedConcurrency: none
	lambdaVpc      bool

	ec2InstanceTypes []string // ec2-spot: the Auto Scaling group's types, one size class

	flow workflow.Config // defaulted tuning and state machine names; the rest is filled in at deploy time
	tags map[string]string
}

// resolveSettings applies defaults and validates every field, reporting all
// problems at once.
func resolveSettings(name string, a MonteCarloPipelineArgs) (settings, error) {
	var errs []error
	bad := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }

	s := settings{
		prefix:            orString(a.NamePrefix, name),
		azCount:           orInt(a.AvailabilityZoneCount, DefaultAvailabilityZoneCount),
		zones:             a.AvailabilityZones,
		byoVpc:            a.VpcID != nil,
		vpcID:             a.VpcID,
		subnetIDs:         a.SubnetIDs,
		inputBucket:       a.InputBucketName,
		kmsKeyArn:         a.KmsKeyArn,
		scratchDays:       orInt(a.ScratchExpirationDays, DefaultScratchExpirationDays),
		forceDestroy:      a.ForceDestroy,
		prebuiltImage:     a.ImageURI,
		buildContext:      orString(a.BuildContext, "."),
		imageTag:          a.ImageTag,
		imageRetention:    orInt(a.ImageRetentionCount, DefaultImageRetentionCount),
		taskCPU:           orInt(a.TaskCPU, DefaultTaskCPU),
		taskMemory:        orInt(a.TaskMemory, DefaultTaskMemory),
		onDemandOnly:      a.OnDemandOnly,
		spotWeight:        a.SpotWeight,
		onDemandBase:      a.OnDemandBase,
		onDemandWeight:    a.OnDemandWeight,
		containerInsights: a.ContainerInsights,
		workerLogLevel:    strings.ToLower(orString(a.WorkerLogLevel, DefaultWorkerLogLevel)),
		logRetentionDays:  orInt(a.LogRetentionDays, DefaultLogRetentionDays),
		smLogLevel:        strings.ToUpper(orString(a.StateMachineLogLevel, DefaultStateMachineLogLevel)),
		tracing:           !a.DisableTracing,
		compute:           orString(a.Compute, workflow.ComputeFargateSpot),
		lambdaMemoryMB:    orInt(a.LambdaMemoryMB, DefaultLambdaMemoryMB),
		lambdaVpc:         a.LambdaVpc,
		ec2InstanceTypes:  a.EC2InstanceTypes,
		tags:              a.Tags,
	}
	s.dockerfile = orString(a.Dockerfile, strings.TrimSuffix(s.buildContext, "/")+"/Dockerfile")
	if s.spotWeight == 0 && s.onDemandWeight == 0 && !s.onDemandOnly {
		s.spotWeight = DefaultSpotWeight
	}

	// Child resources are autonamed from the component name (S3 buckets and
	// ECR repositories accept only lowercase), and the fixed names from the
	// prefix: both follow the same rule.
	if !namePrefixPattern.MatchString(name) || len(name) > MaxNamePrefixLength {
		bad("component name %q must be lowercase letters, digits and hyphens, start with a letter and have at most %d characters", name, MaxNamePrefixLength)
	}
	if a.NamePrefix != "" && (!namePrefixPattern.MatchString(s.prefix) || len(s.prefix) > MaxNamePrefixLength) {
		bad("NamePrefix %q must be lowercase letters, digits and hyphens, start with a letter and have at most %d characters", s.prefix, MaxNamePrefixLength)
	}

	// Compute variant: it decides which resources exist, so the fields of
	// the other variant are refused rather than silently ignored.
	if !slices.Contains(workflow.Computes, s.compute) {
		bad("Compute %q must be one of %s", a.Compute, strings.Join(workflow.Computes, ", "))
	}
	if s.lambda() {
		if set := setFields(map[string]bool{
			"TaskCPU": a.TaskCPU != 0, "TaskMemory": a.TaskMemory != 0, "WorkerCount": a.WorkerCount != 0,
			"TasksPerWorker": a.TasksPerWorker != 0, "OnDemandOnly": a.OnDemandOnly, "SpotWeight": a.SpotWeight != 0,
			"OnDemandBase": a.OnDemandBase != 0, "OnDemandWeight": a.OnDemandWeight != 0, "ContainerInsights": a.ContainerInsights,
			"HeartbeatSeconds": a.HeartbeatSeconds != 0, "WorkerWaitSeconds": a.WorkerWaitSeconds != 0, "WorkerWaitMaxPolls": a.WorkerWaitMaxPolls != 0,
		}); set != "" {
			bad("%s: only for Compute %q or %q (the ECS workers); leave unset with Compute %q", set, workflow.ComputeFargateSpot, workflow.ComputeEC2Spot, workflow.ComputeLambda)
		}
		if !s.lambdaVpc {
			if set := setFields(map[string]bool{
				"VpcID": s.byoVpc, "SubnetIDs": a.SubnetIDs != nil, "AvailabilityZoneCount": a.AvailabilityZoneCount != 0,
				"AvailabilityZones": len(a.AvailabilityZones) != 0, "VpcCidr": a.VpcCidr != "",
			}); set != "" {
				bad("%s: unused, the function runs outside any VPC unless LambdaVpc is set", set)
			}
		}
		if s.lambdaMemoryMB < MinLambdaMemoryMB || s.lambdaMemoryMB > MaxLambdaMemoryMB {
			bad("LambdaMemoryMB %d is out of range %d..%d (below %d MB the function's CPU share is too small for the workflow's batch sizing; %d MB is one vCPU)", s.lambdaMemoryMB, MinLambdaMemoryMB, MaxLambdaMemoryMB, MinLambdaMemoryMB, lambdaOneVCPUMemoryMB)
		}
	} else if slices.Contains(workflow.Computes, s.compute) {
		if set := setFields(map[string]bool{
			"LambdaMemoryMB": a.LambdaMemoryMB != 0, "LambdaTimeoutSeconds": a.LambdaTimeoutSeconds != 0,
			"LambdaReservedConcurrency": a.LambdaReservedConcurrency != 0, "LambdaVpc": a.LambdaVpc,
		}); set != "" {
			bad("%s: only for Compute %q; leave unset with Compute %q", set, workflow.ComputeLambda, s.compute)
		}
	}
	if s.ec2() {
		// The Fargate capacity provider strategy has no meaning on an
		// Auto Scaling group that is all Spot.
		if set := setFields(map[string]bool{
			"OnDemandOnly": a.OnDemandOnly, "SpotWeight": a.SpotWeight != 0,
			"OnDemandBase": a.OnDemandBase != 0, "OnDemandWeight": a.OnDemandWeight != 0,
		}); set != "" {
			bad("%s: only for Compute %q (the Fargate capacity providers); leave unset with Compute %q, whose instances are all Spot", set, workflow.ComputeFargateSpot, workflow.ComputeEC2Spot)
		}
		// The capacity provider is autonamed from the component name, and
		// ECS refuses provider names with these prefixes.
		for _, reserved := range []string{"aws", "ecs", "fargate"} {
			if strings.HasPrefix(name, reserved) {
				bad("component name %q: with Compute %q it must not start with %q (ECS reserves the prefix for capacity provider names)", name, workflow.ComputeEC2Spot, reserved)
			}
		}
		if len(s.ec2InstanceTypes) == 0 {
			s.ec2InstanceTypes = DefaultEC2InstanceTypes
		}
		if err := checkInstanceTypes(s.ec2InstanceTypes, s.taskCPU, s.taskMemory); err != nil {
			errs = append(errs, err)
		}
	} else if len(a.EC2InstanceTypes) != 0 && slices.Contains(workflow.Computes, s.compute) {
		bad("EC2InstanceTypes: only for Compute %q; leave unset with Compute %q", workflow.ComputeEC2Spot, s.compute)
	}

	// Network.
	if s.byoVpc {
		if a.SubnetIDs == nil {
			bad("SubnetIDs is required with VpcID (bring-your-own VPC)")
		}
		if a.AvailabilityZoneCount != 0 || len(a.AvailabilityZones) != 0 || a.VpcCidr != "" {
			bad("AvailabilityZoneCount, AvailabilityZones and VpcCidr apply only to the created VPC; leave them empty with VpcID")
		}
	} else {
		if a.SubnetIDs != nil {
			bad("SubnetIDs needs VpcID: subnets can only be brought with their VPC")
		}
		if s.azCount < 1 || s.azCount > MaxAvailabilityZones {
			bad("AvailabilityZoneCount %d is out of range 1..%d", s.azCount, MaxAvailabilityZones)
		}
		if len(a.AvailabilityZones) > 0 {
			if a.AvailabilityZoneCount == 0 {
				s.azCount = len(a.AvailabilityZones)
			} else if len(a.AvailabilityZones) != s.azCount {
				bad("AvailabilityZones lists %d zones but AvailabilityZoneCount is %d", len(a.AvailabilityZones), s.azCount)
			}
		}
		cidr, err := netip.ParsePrefix(orString(a.VpcCidr, DefaultVpcCidr))
		switch {
		case err != nil || !cidr.Addr().Is4():
			bad("VpcCidr %q must be an IPv4 CIDR block such as %s", a.VpcCidr, DefaultVpcCidr)
		case cidr.Bits() < 16 || cidr.Bits() > 24:
			bad("VpcCidr %q must be a /16 to /24 block (AWS allows /16../28 and each subnet is 4 bits longer)", a.VpcCidr)
		default:
			s.vpcCidr = cidr.Masked()
		}
	}

	// Storage and image.
	if s.scratchDays < 1 || s.scratchDays > 3650 {
		bad("ScratchExpirationDays %d is out of range 1..3650", s.scratchDays)
	}
	if s.imageRetention < 1 || s.imageRetention > 1000 {
		bad("ImageRetentionCount %d is out of range 1..1000", s.imageRetention)
	}
	if s.prebuiltImage != nil && (a.BuildContext != "" || a.Dockerfile != "" || a.ImageTag != "") {
		bad("BuildContext, Dockerfile and ImageTag apply only when the component builds the image; leave them empty with ImageURI")
	}
	// A prebuilt image given as a plain string (as a program reads it from
	// config) is checked now, with the other settings, so a bad one fails
	// before any resource is registered; an Output is checked when known.
	if uri, ok := a.ImageURI.(pulumi.String); ok {
		if _, err := parseECRImage(string(uri)); err != nil {
			errs = append(errs, err)
		}
	}
	if a.ImageTag != "" && !imageTagPattern.MatchString(a.ImageTag) {
		bad("ImageTag %q must match %s (Docker tag syntax)", a.ImageTag, imageTagPattern)
	}

	// Compute.
	if err := ValidateFargateSize(s.taskCPU, s.taskMemory); err != nil {
		errs = append(errs, err)
	}
	if s.spotWeight < 0 || s.spotWeight > MaxCapacityWeight {
		bad("SpotWeight %d is out of range 0..%d", s.spotWeight, MaxCapacityWeight)
	}
	if s.onDemandWeight < 0 || s.onDemandWeight > MaxCapacityWeight {
		bad("OnDemandWeight %d is out of range 0..%d", s.onDemandWeight, MaxCapacityWeight)
	}
	if s.onDemandBase < 0 || s.onDemandBase > MaxCapacityBase {
		bad("OnDemandBase %d is out of range 0..%d", s.onDemandBase, MaxCapacityBase)
	}
	if s.onDemandOnly && (a.SpotWeight != 0 || a.OnDemandBase != 0 || a.OnDemandWeight != 0) {
		bad("SpotWeight, OnDemandBase and OnDemandWeight apply to the Spot strategy; leave them 0 with OnDemandOnly")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, s.workerLogLevel) {
		bad("WorkerLogLevel %q must be one of debug, info, warn, error", a.WorkerLogLevel)
	}

	// Logging.
	if !slices.Contains(AllowedLogRetentionDays, s.logRetentionDays) {
		bad("LogRetentionDays %d must be one of CloudWatch's values %v", s.logRetentionDays, AllowedLogRetentionDays)
	}
	if !slices.Contains([]string{"ALL", "ERROR", "FATAL"}, s.smLogLevel) {
		bad("StateMachineLogLevel %q must be one of ALL, ERROR, FATAL (state machines always log)", a.StateMachineLogLevel)
	}

	// Workflow tuning: workflow.Config owns the defaults and the rules (one
	// source of truth with the local runtime). Its names and ARNs are only
	// known at deploy time, so the tuning is checked now against a probe
	// holding well-formed stand-ins for them, and the real config is
	// validated again when the definitions are built.
	f := workflow.Config{
		WorkerCount:             a.WorkerCount,
		TasksPerWorker:          a.TasksPerWorker,
		BatchSize:               a.BatchSize,
		ShardSize:               a.ShardSize,
		MaxConcurrency:          a.MaxConcurrency,
		ToleratedFailurePercent: a.ToleratedFailurePercent,
		TaskTimeoutSeconds:      a.TaskTimeoutSeconds,
		HeartbeatSeconds:        a.HeartbeatSeconds,
		WorkerWaitSeconds:       a.WorkerWaitSeconds,
		WorkerWaitMaxPolls:      a.WorkerWaitMaxPolls,
		Retry:                   a.Retry,
		Defaults:                a.Defaults,
		Compute:                 s.compute,
	}
	timeoutReported := false
	if s.lambda() {
		s.lambdaTimeout = orInt(a.LambdaTimeoutSeconds, workflow.DefaultFunctionTimeoutSeconds)
		if s.lambdaTimeout < 1 || s.lambdaTimeout > workflow.LambdaMaxTimeoutSeconds {
			bad("LambdaTimeoutSeconds %d is out of range 1..%d (Lambda's maximum)", s.lambdaTimeout, workflow.LambdaMaxTimeoutSeconds)
			timeoutReported = true
		} else {
			// The definitions' control tasks wait for it and the batch
			// tasks must fit in it (workflow.Config.Validate checks both).
			f.FunctionTimeoutSeconds = s.lambdaTimeout
		}
	}
	f = f.WithDefaults()
	if s.lambda() {
		// The batch tasks' timeouts are what the batch sizing assumes
		// (workflow.LambdaBatchTimeoutSeconds unless TaskTimeoutSeconds is
		// set): the function must be allowed to run that long.
		for _, t := range []struct {
			name    string
			seconds int
		}{{"TaskTimeoutSeconds", f.TaskTimeoutSeconds}, {"the generate batch timeout", f.GenerateTimeoutSeconds}} {
			if f.FunctionTimeoutSeconds != 0 && t.seconds > f.FunctionTimeoutSeconds {
				bad("LambdaTimeoutSeconds %d is shorter than %s (%d s), which the batch sizing assumes a batch may take", f.FunctionTimeoutSeconds, t.name, t.seconds)
				timeoutReported = true
			}
		}
		s.lambdaReserved = a.LambdaReservedConcurrency
		if s.lambdaReserved == 0 {
			s.lambdaReserved = f.MaxConcurrency + 1
		}
		if s.lambdaReserved != UnreservedConcurrency && s.lambdaReserved < f.MaxConcurrency+1 {
			bad("LambdaReservedConcurrency %d is below MaxConcurrency + 1 = %d (the batches the Distributed Map invokes at once, plus one control invocation), so invocations would be throttled; raise it, or %d for the account's unreserved pool", s.lambdaReserved, f.MaxConcurrency+1, UnreservedConcurrency)
		}
	}
	f.GenerateStateMachineName, f.SimulateStateMachineName = StateMachineNames(s.prefix)
	probe := tuningProbe(f)
	if timeoutReported {
		// Reported above by its config name; the probe judges the rest.
		probe.FunctionTimeoutSeconds = workflow.LambdaMaxTimeoutSeconds
	}
	if err := probe.Validate(); err != nil {
		errs = append(errs, err)
	}
	s.workerCount, s.tasksPerWorker = f.WorkerCount, f.TasksPerWorker
	if s.tasksPerWorker > MaxTasksPerWorker {
		bad("TasksPerWorker %d is above %d, the most tasks one worker runs at once (WORKER_CONCURRENCY)", s.tasksPerWorker, MaxTasksPerWorker)
	}
	s.flow = f

	if len(errs) > 0 {
		return settings{}, errors.Join(errs...)
	}
	return s, nil
}

// ValidateFargateSize reports whether cpu (units) and memory (MiB) are a
// combination Fargate accepts, per the "Task CPU and memory" table of the
// Amazon ECS developer guide.
func ValidateFargateSize(cpu, memoryMiB int) error {
	type span struct{ min, max, step int }
	table := map[int]span{
		256:   {512, 2048, 0}, // 512, 1024, 2048
		512:   {1024, 4096, 1024},
		1024:  {2048, 8192, 1024},
		2048:  {4096, 16384, 1024},
		4096:  {8192, 30720, 1024},
		8192:  {16384, 61440, 4096},
		16384: {32768, 122880, 8192},
	}
	sp, ok := table[cpu]
	if !ok {
		return fmt.Errorf("TaskCPU %d must be one of 256, 512, 1024, 2048, 4096, 8192, 16384", cpu)
	}
	if cpu == 256 {
		if memoryMiB == 512 || memoryMiB == 1024 || memoryMiB == 2048 {
			return nil
		}
		return fmt.Errorf("TaskMemory %d is not allowed with TaskCPU 256: use 512, 1024 or 2048", memoryMiB)
	}
	if memoryMiB < sp.min || memoryMiB > sp.max || (memoryMiB-sp.min)%sp.step != 0 {
		return fmt.Errorf("TaskMemory %d is not allowed with TaskCPU %d: use %d..%d in steps of %d", memoryMiB, cpu, sp.min, sp.max, sp.step)
	}
	return nil
}

var imageTagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// tuningProbe fills the deploy-time identifiers of a config with well-formed
// stand-ins, so that Validate judges only the tuning. The probe is never
// used to build anything.
func tuningProbe(c workflow.Config) workflow.Config {
	c.Region, c.AccountID = "us-east-1", "000000000000"
	c.ActivityArn = "arn:aws:states:us-east-1:000000000000:activity:probe"
	c.ClusterName, c.ServiceName, c.DataBucket = "probe", "probe", "probe-bucket"
	c.FunctionArn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
	c.AutoScalingGroupName = "probe"
	return c
}

// setFields lists the names whose value is true, sorted, as "A, B and C"
// (the form the program's config-key naming reads as one subject).
func setFields(fields map[string]bool) string {
	var names []string
	for n, set := range fields {
		if set {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// ec2 reports whether the settings deploy the EC2 Spot compute variant.
func (s settings) ec2() bool { return s.compute == workflow.ComputeEC2Spot }

// lambda reports whether the settings deploy the Lambda compute variant.
func (s settings) lambda() bool { return s.compute == workflow.ComputeLambda }

// needsNetwork reports whether the component creates or uses a VPC: the
// Fargate workers always run in one, the function only when asked.
func (s settings) needsNetwork() bool { return !s.lambda() || s.lambdaVpc }
