// Package components holds the MonteCarloPipeline Pulumi component: the
// network, storage, image, compute and workflow resources that run the
// Monte Carlo loan-default simulation on Step Functions and Fargate Spot,
// on a container-image Lambda function (Compute "lambda", lambda.go), or on
// EC2 Spot instances through an ECS capacity provider (Compute "ec2-spot",
// ec2spot.go).
//
// The component never reads stack configuration; the program (main.go at the
// repository root, or any stack that embeds the component) reads config and
// passes MonteCarloPipelineArgs in. Plain Go fields decide how many resources
// exist (AZ count, bring-your-own network, Spot or not, build or prebuilt
// image, KMS or not) and every tuning value is validated before any resource
// is registered, so bad config fails at `pulumi preview`.
package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// TypeToken is the Pulumi type of the component resource.
const TypeToken = "montecarlo:index:MonteCarloPipeline"

// MonteCarloPipelineArgs configures a MonteCarloPipeline. The zero value (and
// a nil pointer) means the documented defaults; see the Default* constants.
type MonteCarloPipelineArgs struct {
	// NamePrefix names the deterministic physical resources: the state
	// machines are "<NamePrefix>-generate", "<NamePrefix>-simulate" and
	// "<NamePrefix>-cleanup".
	// Default: the component name. Lowercase letters, digits and hyphens,
	// starting with a letter, at most MaxNamePrefixLength characters (so
	// every derived name is valid for S3, ECR, ECS, IAM and Step Functions).
	NamePrefix string

	// Network. Leave VpcID nil to create a VPC with private subnets only
	// (no NAT, no internet gateway) and VPC endpoints for S3, ECR, CloudWatch
	// Logs and Step Functions.
	//
	// AvailabilityZoneCount is how many private subnets (one per zone) to
	// create: 1..MaxAvailabilityZones, default DefaultAvailabilityZoneCount.
	AvailabilityZoneCount int
	// AvailabilityZones pins the zones by name (e.g. "us-east-1a"); its
	// length must equal AvailabilityZoneCount when both are set. Default: the
	// first AvailabilityZoneCount available zones of the region.
	AvailabilityZones []string
	// VpcCidr is the created VPC's IPv4 block, /16 to /24. Subnets are the
	// first blocks four bits longer. Default DefaultVpcCidr.
	VpcCidr string
	// VpcID brings your own VPC. SubnetIDs is then required and no VPC,
	// subnet, route table or endpoint is created: the subnets must already
	// reach ECR, S3, CloudWatch Logs and Step Functions (endpoints or NAT),
	// and the worker security group allows HTTPS egress to anywhere.
	VpcID pulumi.StringInput
	// SubnetIDs are the private subnets the workers run in (with VpcID).
	SubnetIDs pulumi.StringArrayInput

	// Storage. A data bucket is always created (loans, manifests, runs).
	//
	// InputBucketName is a bucket you own holding input loans, read-only to
	// the pipeline. Default: the data bucket.
	InputBucketName pulumi.StringInput
	// KmsKeyArn encrypts the data bucket with SSE-KMS (bucket key on) and
	// grants the roles that read or write it use of the key. Default: nil,
	// SSE-S3 (AES256).
	KmsKeyArn pulumi.StringInput
	// ScratchExpirationDays expires objects under ScratchPrefix (Distributed
	// Map result manifests, plans). 1..3650, default DefaultScratchExpirationDays.
	ScratchExpirationDays int
	// ForceDestroy lets `pulumi destroy` delete a non-empty data bucket and
	// ECR repository. Default false: results are not thrown away by accident.
	ForceDestroy bool

	// Image. Leave ImageURI nil to build the worker image from BuildContext
	// (linux/amd64, the only platform Fargate Spot runs) and push it to a
	// repository the component creates.
	//
	// ImageURI is a prebuilt ECR image pinned by digest
	// ("<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<hex>").
	ImageURI pulumi.StringInput
	// BuildContext is the Docker build context. Default ".", the repository
	// root when `pulumi up` runs there.
	BuildContext string
	// Dockerfile is the Dockerfile path. Default "<BuildContext>/Dockerfile".
	Dockerfile string
	// ImageTag tags the pushed image. The repository's tags are immutable,
	// so a tag must never be reused for different content. Default: a hash
	// of the build context's files (see ContextTag).
	ImageTag string
	// ImageRetentionCount is how many images the ECR lifecycle policy keeps.
	// 1..1000, default DefaultImageRetentionCount.
	ImageRetentionCount int

	// Compute.
	//
	// Compute is where the operations run: "fargate-spot" (the default,
	// workflow.ComputeFargateSpot: an ECS service on Fargate Spot polling
	// the activity, scaled out and in by the workflows) or "lambda"
	// (workflow.ComputeLambda: the same image as a container-image Lambda
	// function the state machines invoke; no ECS cluster, service,
	// capacity providers, activity or cleanup, and no VPC unless
	// LambdaVpc) or "ec2-spot" (workflow.ComputeEC2Spot: the same service
	// and task definition placed by an ECS capacity provider on an Auto
	// Scaling group of Spot instances, ec2spot.go). The fields below are
	// each for one variant; setting one of another variant is an error.
	Compute string
	// LambdaMemoryMB is the function's memory (lambda): MinLambdaMemoryMB
	// to MaxLambdaMemoryMB, default DefaultLambdaMemoryMB (one vCPU).
	LambdaMemoryMB int
	// LambdaTimeoutSeconds is the function's timeout (lambda), 1 to 900;
	// default workflow.DefaultFunctionTimeoutSeconds (900, for the control
	// operations, which read whole listings). It must not be shorter than
	// the batch tasks' timeouts the workflow sizes batches for
	// (workflow.LambdaBatchTimeoutSeconds, or TaskTimeoutSeconds).
	LambdaTimeoutSeconds int
	// LambdaReservedConcurrency is the function's reserved concurrency
	// (lambda): at least MaxConcurrency + 1, default exactly that; -1
	// (UnreservedConcurrency) reserves none (accounts with a small
	// concurrency quota).
	LambdaReservedConcurrency int
	// EC2InstanceTypes are the instance types of the Auto Scaling group
	// (ec2-spot): x86_64 C, M or R families of one size (all "xlarge", say),
	// so that managed scaling may launch any of them for the same tasks and
	// capacity-optimized allocation has several Spot pools to choose from.
	// Every type must hold one task of TaskCPU and TaskMemory. Default
	// DefaultEC2InstanceTypes.
	EC2InstanceTypes []string
	// LambdaVpc runs the function in the private subnets (created, or
	// VpcID/SubnetIDs) with the workers' security group, reaching S3
	// through the gateway endpoint (lambda). Default false: no VPC.
	LambdaVpc bool

	// TaskCPU is the Fargate task CPU in units (1024 = 1 vCPU): 256, 512,
	// 1024, 2048, 4096, 8192 or 16384. Default DefaultTaskCPU.
	TaskCPU int
	// TaskMemory is the task memory in MiB; it must be a Fargate pair with
	// TaskCPU (see ValidateFargateSize). Default DefaultTaskMemory.
	TaskMemory int
	// WorkerCount is the number of worker tasks during a run (the service
	// scales to zero between runs). 1..workflow.MaxWorkers (the activity's
	// poller limit), default workflow.DefaultWorkerCount.
	WorkerCount int
	// TasksPerWorker is how many activity tasks one worker runs at once.
	// 1..workflow.MaxTasksPerWorker, default workflow.DefaultTasksPerWorker.
	TasksPerWorker int
	// OnDemandOnly runs every task on FARGATE instead of FARGATE_SPOT.
	OnDemandOnly bool
	// SpotWeight is the FARGATE_SPOT weight of the capacity provider
	// strategy, 0..1000, default 1.
	SpotWeight int
	// OnDemandBase is how many tasks run on on-demand FARGATE before the
	// weights apply, 0..100000, default 0.
	OnDemandBase int
	// OnDemandWeight is the FARGATE weight, 0..1000, default 0.
	OnDemandWeight int
	// ContainerInsights turns on ECS Container Insights (extra CloudWatch cost).
	ContainerInsights bool
	// WorkerLogLevel is the worker's LOG_LEVEL: debug, info, warn or error.
	// Default "info".
	WorkerLogLevel string

	// Logging.
	//
	// LogRetentionDays is the retention of every log group; one of
	// CloudWatch's allowed values (AllowedLogRetentionDays). Default 30.
	LogRetentionDays int
	// StateMachineLogLevel is ALL, ERROR or FATAL. Default "ERROR" (ALL logs
	// every state transition of every child execution: a cost lever).
	StateMachineLogLevel string
	// DisableTracing turns X-Ray tracing of the state machines off.
	DisableTracing bool

	// Workflow tuning, passed to components/workflow, which owns the
	// defaults (workflow.Default*, applied by workflow.Config.WithDefaults)
	// and the allowed ranges (workflow.Config.Validate). Zero means the
	// default.
	BatchSize               int     // target loans per simulate batch
	ShardSize               int     // loans per generated shard (and JSON Lines object)
	MaxConcurrency          int     // Distributed Map children at once; 0: WorkerCount*TasksPerWorker, at most 10,000
	ToleratedFailurePercent float64 // 0..100, default 0
	TaskTimeoutSeconds      int     // simulate task timeout; 0: derived from the batch size; must exceed HeartbeatSeconds
	HeartbeatSeconds        int     // activity heartbeat timeout; workers beat at a third of it
	WorkerWaitSeconds       int     // between checks that the workers are running
	WorkerWaitMaxPolls      int     // checks before the run fails with Workers.NotStarted
	Retry                   workflow.RetryPolicy
	// Defaults are the run parameters used where an execution's input is
	// silent (loans, scenarios, seed, layout, target rate, horizon).
	Defaults workflow.RunDefaults

	// Tags are added to every taggable resource.
	Tags map[string]string
}

// MonteCarloPipeline is the deployed pipeline. Its exported fields are the
// component's outputs.
type MonteCarloPipeline struct {
	pulumi.ResourceState

	// GenerateStateMachineArn is the ARN of the Generate workflow.
	GenerateStateMachineArn pulumi.StringOutput `pulumi:"generateStateMachineArn"`
	// SimulateStateMachineArn is the ARN of the Simulate workflow.
	SimulateStateMachineArn pulumi.StringOutput `pulumi:"simulateStateMachineArn"`
	// ActivityArn is the activity the workers poll.
	ActivityArn pulumi.StringOutput `pulumi:"activityArn"`
	// DataBucketName holds loans, manifests and run results.
	DataBucketName pulumi.StringOutput `pulumi:"dataBucketName"`
	// InputBucketName is where input loans are read from.
	InputBucketName pulumi.StringOutput `pulumi:"inputBucketName"`
	// ClusterName is the ECS cluster of the workers.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// ServiceName is the ECS service the workflows scale out and in.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// ImageURI is the worker image, pinned by digest.
	ImageURI pulumi.StringOutput `pulumi:"imageUri"`
	// RepositoryURL is the ECR repository (empty with a prebuilt image).
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	// LogGroupName is the workers' log group.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// StateMachineLogGroupName is the state machines' log group.
	StateMachineLogGroupName pulumi.StringOutput `pulumi:"stateMachineLogGroupName"`
	// VpcID is the VPC the workers run in.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// SubnetIDs are the private subnets of the workers.
	SubnetIDs pulumi.StringArrayOutput `pulumi:"subnetIds"`
	// WorkerSecurityGroupID is the workers' security group.
	WorkerSecurityGroupID pulumi.StringOutput `pulumi:"workerSecurityGroupId"`
	// TaskRoleArn is the role the worker code runs as.
	TaskRoleArn pulumi.StringOutput `pulumi:"taskRoleArn"`
	// ExecutionRoleArn is the role ECS uses to pull the image and write logs.
	ExecutionRoleArn pulumi.StringOutput `pulumi:"executionRoleArn"`
	// StateMachineRoleArn is the role the Simulate state machine runs as
	// (the output's name predates one role per state machine, when both
	// workflows shared it).
	StateMachineRoleArn pulumi.StringOutput `pulumi:"stateMachineRoleArn"`
	// GenerateStateMachineRoleArn is the role the Generate state machine
	// runs as. Each state machine has its own role, which may start, stop
	// and redrive only its own executions.
	GenerateStateMachineRoleArn pulumi.StringOutput `pulumi:"generateStateMachineRoleArn"`
	// CleanupStateMachineArn is the ARN of the cleanup state machine, which
	// an EventBridge rule starts when a run ends ABORTED, TIMED_OUT or
	// FAILED: it scales the workers in unless another run is in progress.
	// Start it by hand (input {}) to stop workers left running.
	CleanupStateMachineArn pulumi.StringOutput `pulumi:"cleanupStateMachineArn"`
	// Compute is the compute variant: "fargate-spot", "lambda" or
	// "ec2-spot". The outputs of the other variants are empty strings (with
	// lambda: activityArn, clusterName, serviceName, logGroupName,
	// taskRoleArn, executionRoleArn, cleanupStateMachineArn, and the
	// network's without LambdaVpc; without ec2-spot: autoScalingGroupName,
	// capacityProviderName, instanceRoleArn).
	Compute pulumi.StringOutput `pulumi:"compute"`
	// FunctionName is the worker function's name (lambda).
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// FunctionArn is the worker function's ARN (lambda).
	FunctionArn pulumi.StringOutput `pulumi:"functionArn"`
	// FunctionRoleArn is the role the worker function runs as (lambda).
	FunctionRoleArn pulumi.StringOutput `pulumi:"functionRoleArn"`
	// FunctionLogGroupName is the function's log group (lambda),
	// /aws/lambda/<functionName>.
	FunctionLogGroupName pulumi.StringOutput `pulumi:"functionLogGroupName"`
	// AutoScalingGroupName is the group of Spot instances the workers run
	// on (ec2-spot); Workers.NotStarted names it.
	AutoScalingGroupName pulumi.StringOutput `pulumi:"autoScalingGroupName"`
	// CapacityProviderName is the ECS capacity provider on that group
	// (ec2-spot).
	CapacityProviderName pulumi.StringOutput `pulumi:"capacityProviderName"`
	// InstanceRoleArn is the role of the container instances, what the ECS
	// agent needs (ec2-spot).
	InstanceRoleArn pulumi.StringOutput `pulumi:"instanceRoleArn"`
}

// NewMonteCarloPipeline validates args, applies defaults and registers the
// component and all its resources.
func NewMonteCarloPipeline(ctx *pulumi.Context, name string, args *MonteCarloPipelineArgs, opts ...pulumi.ResourceOption) (*MonteCarloPipeline, error) {
	if args == nil {
		args = &MonteCarloPipelineArgs{}
	}
	s, err := resolveSettings(name, *args)
	if err != nil {
		return nil, fmt.Errorf("montecarlo pipeline %q: %w", name, err)
	}

	p := &MonteCarloPipeline{}
	if err := ctx.RegisterComponentResource(TypeToken, name, p, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(p)

	env, err := lookupEnvironment(ctx, parent)
	if err != nil {
		return nil, err
	}

	net := noNetwork()
	if s.needsNetwork() {
		if net, err = newNetwork(ctx, name, s, env, parent); err != nil {
			return nil, err
		}
	}
	store, err := newStorage(ctx, name, s, parent)
	if err != nil {
		return nil, err
	}
	img, err := newImage(ctx, name, s, env, parent)
	if err != nil {
		return nil, err
	}
	empty := pulumi.String("").ToStringOutput()
	comp := &compute{clusterName: empty, serviceName: empty, logGroupName: empty, taskRoleArn: empty, executionRoleArn: empty,
		instances: &ec2Capacity{groupName: empty, providerName: empty, instanceRoleArn: empty}}
	fn := &function{name: empty, arn: empty, roleArn: empty, logGroupName: empty}
	activityArn := empty
	if s.lambda() {
		if fn, err = newFunction(ctx, name, s, env, net, store, img, parent); err != nil {
			return nil, err
		}
	} else {
		if activityArn, err = newActivity(ctx, name, s, parent); err != nil {
			return nil, err
		}
		if comp, err = newCompute(ctx, name, s, env, net, store, img, activityArn, parent); err != nil {
			return nil, err
		}
	}
	w := workers{activityArn: activityArn, clusterName: comp.clusterName, serviceName: comp.serviceName, functionArn: fn.arn, autoScalingGroupName: comp.instances.groupName}
	flow, err := newOrchestration(ctx, name, s, env, store, w, parent)
	if err != nil {
		return nil, err
	}

	p.GenerateStateMachineArn = flow.generateArn
	p.SimulateStateMachineArn = flow.simulateArn
	p.ActivityArn = activityArn
	p.DataBucketName = store.dataBucket
	p.InputBucketName = store.inputBucket
	p.ClusterName = comp.clusterName
	p.ServiceName = comp.serviceName
	p.ImageURI = img.uri
	p.RepositoryURL = img.repositoryURL
	p.LogGroupName = comp.logGroupName
	p.StateMachineLogGroupName = flow.logGroupName
	p.VpcID = net.vpcID
	p.SubnetIDs = net.subnetIDs
	p.WorkerSecurityGroupID = net.workerSecurityGroupID
	p.TaskRoleArn = comp.taskRoleArn
	p.ExecutionRoleArn = comp.executionRoleArn
	p.StateMachineRoleArn = flow.simulateRoleArn
	p.GenerateStateMachineRoleArn = flow.generateRoleArn
	p.CleanupStateMachineArn = flow.cleanupArn
	p.Compute = pulumi.String(s.compute).ToStringOutput()
	p.FunctionName = fn.name
	p.FunctionArn = fn.arn
	p.FunctionRoleArn = fn.roleArn
	p.FunctionLogGroupName = fn.logGroupName
	p.AutoScalingGroupName = comp.instances.groupName
	p.CapacityProviderName = comp.instances.providerName
	p.InstanceRoleArn = comp.instances.instanceRoleArn

	if err := ctx.RegisterResourceOutputs(p, p.Outputs()); err != nil {
		return nil, err
	}
	return p, nil
}

// environment is what the component learns from the provider at deploy
// time: it is known in preview too (invokes run during preview).
type environment struct {
	partition string // "aws", "aws-cn", ...
	region    string
	accountID string
	dnsSuffix string // "amazonaws.com"
	zones     []string
}

// serviceName is the VPC endpoint service name of an AWS service in the
// region, e.g. com.amazonaws.us-east-1.ecr.api.
func (e environment) serviceName(svc string) string {
	prefix := "com.amazonaws"
	if e.partition == "aws-cn" {
		prefix = "cn.com.amazonaws"
	}
	return prefix + "." + e.region + "." + svc
}

// arn builds an ARN in the environment's partition.
func (e environment) arn(service, region, account, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", e.partition, service, region, account, resource)
}

func lookupEnvironment(ctx *pulumi.Context, parent pulumi.ResourceOrInvokeOption) (environment, error) {
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return environment{}, fmt.Errorf("look up region: %w", err)
	}
	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return environment{}, fmt.Errorf("look up account: %w", err)
	}
	part, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return environment{}, fmt.Errorf("look up partition: %w", err)
	}
	env := environment{
		partition: part.Partition,
		region:    region.Name,
		accountID: caller.AccountId,
		dnsSuffix: part.DnsSuffix,
	}
	if env.partition == "" {
		env.partition = "aws"
	}
	if env.dnsSuffix == "" {
		env.dnsSuffix = "amazonaws.com"
	}
	return env, nil
}

// Outputs are the component's outputs by their stack-output names: what
// RegisterResourceOutputs records and what a program exports for `montecarlo
// run` and stack references.
func (p *MonteCarloPipeline) Outputs() pulumi.Map {
	return pulumi.Map{
		"generateStateMachineArn":     p.GenerateStateMachineArn,
		"simulateStateMachineArn":     p.SimulateStateMachineArn,
		"activityArn":                 p.ActivityArn,
		"dataBucketName":              p.DataBucketName,
		"inputBucketName":             p.InputBucketName,
		"clusterName":                 p.ClusterName,
		"serviceName":                 p.ServiceName,
		"imageUri":                    p.ImageURI,
		"repositoryUrl":               p.RepositoryURL,
		"logGroupName":                p.LogGroupName,
		"stateMachineLogGroupName":    p.StateMachineLogGroupName,
		"vpcId":                       p.VpcID,
		"subnetIds":                   p.SubnetIDs,
		"workerSecurityGroupId":       p.WorkerSecurityGroupID,
		"taskRoleArn":                 p.TaskRoleArn,
		"executionRoleArn":            p.ExecutionRoleArn,
		"stateMachineRoleArn":         p.StateMachineRoleArn,
		"generateStateMachineRoleArn": p.GenerateStateMachineRoleArn,
		"cleanupStateMachineArn":      p.CleanupStateMachineArn,
		"compute":                     p.Compute,
		"functionName":                p.FunctionName,
		"functionArn":                 p.FunctionArn,
		"functionRoleArn":             p.FunctionRoleArn,
		"functionLogGroupName":        p.FunctionLogGroupName,
		"autoScalingGroupName":        p.AutoScalingGroupName,
		"capacityProviderName":        p.CapacityProviderName,
		"instanceRoleArn":             p.InstanceRoleArn,
	}
}
