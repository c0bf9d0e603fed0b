package component

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Args are the component's inputs: every field of MonteCarloPipelineArgs a
// user sets, named as the stack config keys of program.ConfigKeys (plus the
// few that are not config keys: buildContext, dockerfile, retry, tags).
//
// The Input-typed fields take values from other resources (a VPC and its
// subnets, a bucket, a KMS key, an image); they are Inputs in the component
// too. The plain fields decide how many resources exist or are validated
// before any is registered, so they must be known at preview, as in the
// component. Unset (or zero) means the component's default.
type Args struct {
	NamePrefix            string                  `pulumi:"namePrefix,optional"`
	AvailabilityZoneCount int                     `pulumi:"availabilityZoneCount,optional"`
	AvailabilityZones     []string                `pulumi:"availabilityZones,optional"`
	VpcCidr               string                  `pulumi:"vpcCidr,optional"`
	VpcID                 pulumi.StringInput      `pulumi:"vpcId,optional"`
	SubnetIDs             pulumi.StringArrayInput `pulumi:"subnetIds,optional"`

	InputBucket           pulumi.StringInput `pulumi:"inputBucket,optional"`
	KmsKeyArn             pulumi.StringInput `pulumi:"kmsKeyArn,optional"`
	ScratchExpirationDays int                `pulumi:"scratchExpirationDays,optional"`
	ForceDestroy          bool               `pulumi:"forceDestroy,optional"`

	Image               pulumi.StringInput `pulumi:"image,optional"`
	BuildContext        string             `pulumi:"buildContext,optional"`
	Dockerfile          string             `pulumi:"dockerfile,optional"`
	ImageTag            string             `pulumi:"imageTag,optional"`
	ImageRetentionCount int                `pulumi:"imageRetentionCount,optional"`

	WorkerCount       int    `pulumi:"workerCount,optional"`
	TasksPerWorker    int    `pulumi:"tasksPerWorker,optional"`
	TaskCPU           int    `pulumi:"taskCpu,optional"`
	TaskMemory        int    `pulumi:"taskMemory,optional"`
	OnDemandOnly      bool   `pulumi:"onDemandOnly,optional"`
	SpotWeight        int    `pulumi:"spotWeight,optional"`
	OnDemandBase      int    `pulumi:"onDemandBase,optional"`
	OnDemandWeight    int    `pulumi:"onDemandWeight,optional"`
	ContainerInsights bool   `pulumi:"containerInsights,optional"`
	WorkerLogLevel    string `pulumi:"workerLogLevel,optional"`

	Compute                   string `pulumi:"compute,optional"`
	LambdaMemoryMB            int    `pulumi:"lambdaMemoryMb,optional"`
	LambdaTimeoutSeconds      int    `pulumi:"lambdaTimeoutSeconds,optional"`
	LambdaReservedConcurrency int    `pulumi:"lambdaReservedConcurrency,optional"`
	LambdaVpc                 bool   `pulumi:"lambdaVpc,optional"`
	// EC2InstanceTypes decides how many launch template overrides exist:
	// a plain list, as AvailabilityZones.
	EC2InstanceTypes []string `pulumi:"ec2InstanceTypes,optional"`

	LogRetentionDays     int    `pulumi:"logRetentionDays,optional"`
	StateMachineLogLevel string `pulumi:"stateMachineLogLevel,optional"`
	Tracing              *bool  `pulumi:"tracing,optional"`

	BatchSize               int          `pulumi:"batchSize,optional"`
	ShardSize               int          `pulumi:"shardSize,optional"`
	MaxConcurrency          int          `pulumi:"maxConcurrency,optional"`
	ToleratedFailurePercent float64      `pulumi:"toleratedFailurePercent,optional"`
	TaskTimeoutSeconds      int          `pulumi:"taskTimeoutSeconds,optional"`
	HeartbeatSeconds        int          `pulumi:"heartbeatSeconds,optional"`
	WorkerWaitSeconds       int          `pulumi:"workerWaitSeconds,optional"`
	WorkerWaitMaxPolls      int          `pulumi:"workerWaitMaxPolls,optional"`
	Retry                   *RetryPolicy `pulumi:"retry,optional"`

	Dataset       string  `pulumi:"dataset,optional"`
	LoanCount     int     `pulumi:"loanCount,optional"`
	Layout        string  `pulumi:"layout,optional"`
	Scenarios     int     `pulumi:"scenarios,optional"`
	TargetRate    float64 `pulumi:"targetRate,optional"`
	HorizonMonths int     `pulumi:"horizonMonths,optional"`
	Seed          int     `pulumi:"seed,optional"`

	Tags map[string]string `pulumi:"tags,optional"`
}

// RetryPolicy is workflow.RetryPolicy: the Retry of every activity task on
// a lost worker.
type RetryPolicy struct {
	MaxAttempts     int     `pulumi:"maxAttempts,optional"`
	IntervalSeconds int     `pulumi:"intervalSeconds,optional"`
	BackoffRate     float64 `pulumi:"backoffRate,optional"`
	MaxDelaySeconds int     `pulumi:"maxDelaySeconds,optional"`
}

// Annotate describes each input (InputDescription: the config key's
// description, or the provider's table for the others).
func (a *Args) Annotate(an infer.Annotator) {
	for name, field := range a.fields() {
		an.Describe(field, InputDescription(name))
	}
}

// Annotate describes the retry policy's fields.
func (r *RetryPolicy) Annotate(an infer.Annotator) {
	an.Describe(r, RetryDescriptions[""])
	an.Describe(&r.MaxAttempts, RetryDescriptions["maxAttempts"])
	an.Describe(&r.IntervalSeconds, RetryDescriptions["intervalSeconds"])
	an.Describe(&r.BackoffRate, RetryDescriptions["backoffRate"])
	an.Describe(&r.MaxDelaySeconds, RetryDescriptions["maxDelaySeconds"])
}

// fields maps each input's schema name to its field.
func (a *Args) fields() map[string]any {
	return map[string]any{
		"namePrefix": &a.NamePrefix, "availabilityZoneCount": &a.AvailabilityZoneCount,
		"availabilityZones": &a.AvailabilityZones, "vpcCidr": &a.VpcCidr, "vpcId": &a.VpcID,
		"subnetIds": &a.SubnetIDs, "inputBucket": &a.InputBucket, "kmsKeyArn": &a.KmsKeyArn,
		"scratchExpirationDays": &a.ScratchExpirationDays, "forceDestroy": &a.ForceDestroy,
		"image": &a.Image, "buildContext": &a.BuildContext, "dockerfile": &a.Dockerfile,
		"imageTag": &a.ImageTag, "imageRetentionCount": &a.ImageRetentionCount,
		"workerCount": &a.WorkerCount, "tasksPerWorker": &a.TasksPerWorker, "taskCpu": &a.TaskCPU,
		"taskMemory": &a.TaskMemory, "onDemandOnly": &a.OnDemandOnly, "spotWeight": &a.SpotWeight,
		"onDemandBase": &a.OnDemandBase, "onDemandWeight": &a.OnDemandWeight,
		"containerInsights": &a.ContainerInsights, "workerLogLevel": &a.WorkerLogLevel,
		"compute": &a.Compute, "lambdaMemoryMb": &a.LambdaMemoryMB, "lambdaTimeoutSeconds": &a.LambdaTimeoutSeconds,
		"lambdaReservedConcurrency": &a.LambdaReservedConcurrency, "lambdaVpc": &a.LambdaVpc,
		"ec2InstanceTypes": &a.EC2InstanceTypes,
		"logRetentionDays": &a.LogRetentionDays, "stateMachineLogLevel": &a.StateMachineLogLevel,
		"tracing": &a.Tracing, "batchSize": &a.BatchSize, "shardSize": &a.ShardSize,
		"maxConcurrency": &a.MaxConcurrency, "toleratedFailurePercent": &a.ToleratedFailurePercent,
		"taskTimeoutSeconds": &a.TaskTimeoutSeconds, "heartbeatSeconds": &a.HeartbeatSeconds,
		"workerWaitSeconds": &a.WorkerWaitSeconds, "workerWaitMaxPolls": &a.WorkerWaitMaxPolls,
		"retry": &a.Retry, "dataset": &a.Dataset, "loanCount": &a.LoanCount, "layout": &a.Layout,
		"scenarios": &a.Scenarios, "targetRate": &a.TargetRate, "horizonMonths": &a.HorizonMonths,
		"seed": &a.Seed, "tags": &a.Tags,
	}
}

// ToComponent is the MonteCarloPipelineArgs the inputs stand for.
func (a Args) ToComponent() *components.MonteCarloPipelineArgs {
	c := &components.MonteCarloPipelineArgs{
		NamePrefix:                a.NamePrefix,
		AvailabilityZoneCount:     a.AvailabilityZoneCount,
		AvailabilityZones:         a.AvailabilityZones,
		VpcCidr:                   a.VpcCidr,
		VpcID:                     a.VpcID,
		SubnetIDs:                 a.SubnetIDs,
		InputBucketName:           a.InputBucket,
		KmsKeyArn:                 a.KmsKeyArn,
		ScratchExpirationDays:     a.ScratchExpirationDays,
		ForceDestroy:              a.ForceDestroy,
		ImageURI:                  a.Image,
		BuildContext:              a.BuildContext,
		Dockerfile:                a.Dockerfile,
		ImageTag:                  a.ImageTag,
		ImageRetentionCount:       a.ImageRetentionCount,
		TaskCPU:                   a.TaskCPU,
		TaskMemory:                a.TaskMemory,
		WorkerCount:               a.WorkerCount,
		TasksPerWorker:            a.TasksPerWorker,
		OnDemandOnly:              a.OnDemandOnly,
		SpotWeight:                a.SpotWeight,
		OnDemandBase:              a.OnDemandBase,
		OnDemandWeight:            a.OnDemandWeight,
		ContainerInsights:         a.ContainerInsights,
		WorkerLogLevel:            a.WorkerLogLevel,
		Compute:                   a.Compute,
		LambdaMemoryMB:            a.LambdaMemoryMB,
		LambdaTimeoutSeconds:      a.LambdaTimeoutSeconds,
		LambdaReservedConcurrency: a.LambdaReservedConcurrency,
		LambdaVpc:                 a.LambdaVpc,
		EC2InstanceTypes:          a.EC2InstanceTypes,
		LogRetentionDays:          a.LogRetentionDays,
		StateMachineLogLevel:      a.StateMachineLogLevel,
		DisableTracing:            a.Tracing != nil && !*a.Tracing,
		BatchSize:                 a.BatchSize,
		ShardSize:                 a.ShardSize,
		MaxConcurrency:            a.MaxConcurrency,
		ToleratedFailurePercent:   a.ToleratedFailurePercent,
		TaskTimeoutSeconds:        a.TaskTimeoutSeconds,
		HeartbeatSeconds:          a.HeartbeatSeconds,
		WorkerWaitSeconds:         a.WorkerWaitSeconds,
		WorkerWaitMaxPolls:        a.WorkerWaitMaxPolls,
		Defaults: workflow.RunDefaults{
			Dataset:       a.Dataset,
			Loans:         int64(a.LoanCount),
			Scenarios:     a.Scenarios,
			Seed:          int64(a.Seed),
			Layout:        a.Layout,
			TargetRate:    a.TargetRate,
			HorizonMonths: a.HorizonMonths,
		},
		Tags: a.Tags,
	}
	if a.Retry != nil {
		c.Retry = workflow.RetryPolicy(*a.Retry)
	}
	return c
}
