package components

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Container settings of the worker task.
const (
	// WorkerContainerName is the container's name in the task definition.
	WorkerContainerName = "worker"
	// WorkerUser is the non-root user the worker runs as (the "nonroot"
	// user of distroless images).
	WorkerUser = "65532"
	// WorkerStopTimeoutSeconds: Fargate Spot gives two minutes between
	// SIGTERM and SIGKILL; 120 s is also Fargate's maximum stopTimeout. An
	// EC2 Spot instance gets the same two-minute interruption notice, and
	// the agent drains it at once (ECS_ENABLE_SPOT_INSTANCE_DRAINING), so
	// the same timeout fits there.
	WorkerStopTimeoutSeconds = 120
	// WorkerScratchPath is the only writable path (an ephemeral task
	// volume); the root filesystem is read-only. ECS creates the volume
	// empty and root-owned unless the image declares VOLUME at the same
	// path, in which case the image's directory (distroless /tmp is 1777)
	// is copied in (ECS developer guide, "Use bind mounts").
	WorkerScratchPath = "/tmp"
)

// compute is what the rest of the component needs from ECS.
type compute struct {
	clusterName      pulumi.StringOutput
	serviceName      pulumi.StringOutput
	logGroupName     pulumi.StringOutput
	taskRoleArn      pulumi.StringOutput
	executionRoleArn pulumi.StringOutput
	// instances is the EC2 capacity (ec2-spot); empty outputs otherwise.
	instances *ec2Capacity
}

func newCompute(ctx *pulumi.Context, name string, s settings, env environment, net *network, store *storage, img *image, activityArn pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*compute, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-workers", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(s.logRetentionDays),
		Tags:            tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	insights := "disabled"
	if s.containerInsights {
		insights = "enabled"
	}
	cluster, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{
			ecs.ClusterSettingArgs{Name: pulumi.String("containerInsights"), Value: pulumi.String(insights)},
		},
		Tags: tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}
	empty := pulumi.String("").ToStringOutput()
	instances := &ec2Capacity{groupName: empty, providerName: empty, instanceRoleArn: empty}
	providerArgs := &ecs.ClusterCapacityProvidersArgs{
		ClusterName:                       cluster.Name,
		CapacityProviders:                 pulumi.StringArray{pulumi.String("FARGATE_SPOT"), pulumi.String("FARGATE")},
		DefaultCapacityProviderStrategies: clusterStrategy(s),
	}
	if s.ec2() {
		if instances, err = newEC2Capacity(ctx, name, s, env, net, cluster, parent); err != nil {
			return nil, err
		}
		providerArgs.CapacityProviders = pulumi.StringArray{instances.providerName}
		providerArgs.DefaultCapacityProviderStrategies = ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{
			ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{CapacityProvider: instances.providerName, Weight: pulumi.Int(1)},
		}
	}
	providers, err := ecs.NewClusterCapacityProviders(ctx, name, providerArgs, parent)
	if err != nil {
		return nil, err
	}

	access := bucketAccessOutput(env, store)
	taskPolicy := pulumi.All(activityArn, access).ApplyT(func(v []any) (string, error) {
		return taskRolePolicy(v[0].(string), v[1].(bucketAccess)).JSON()
	}).(pulumi.StringOutput)
	taskRole, taskRolePolicyRes, err := newRole(ctx, name+"-task", "ecs-tasks.amazonaws.com", env, s, taskPolicy, parent)
	if err != nil {
		return nil, err
	}
	execPolicy := pulumi.All(img.repositoryArn, logs.Arn).ApplyT(func(v []any) (string, error) {
		return executionRolePolicy(v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	execRole, execRolePolicyRes, err := newRole(ctx, name+"-execution", "ecs-tasks.amazonaws.com", env, s, execPolicy, parent)
	if err != nil {
		return nil, err
	}

	containers := pulumi.All(img.uri, logs.Name, activityArn, store.dataBucket, taskRole.Arn).ApplyT(func(v []any) (string, error) {
		return workerContainerDefinitions(s, env, workerInputs{
			image:       v[0].(string),
			logGroup:    v[1].(string),
			activityArn: v[2].(string),
			dataBucket:  v[3].(string),
			taskRoleArn: v[4].(string),
		})
	}).(pulumi.StringOutput)
	// The same task definition on EC2: task-level CPU and memory, awsvpc
	// (each task its own interface in the workers' security group), only
	// the launch compatibility differs.
	compatibility := "FARGATE"
	if s.ec2() {
		compatibility = "EC2"
	}
	task, err := ecs.NewTaskDefinition(ctx, name+"-worker", &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(s.prefix + "-worker"),
		Cpu:                     pulumi.String(strconv.Itoa(s.taskCPU)),
		Memory:                  pulumi.String(strconv.Itoa(s.taskMemory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String(compatibility)},
		// Fargate Spot runs only X86_64 Linux; the EC2 instance types are
		// x86_64 too (checkInstanceTypes).
		RuntimePlatform: ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String("X86_64"),
		},
		TaskRoleArn:          taskRole.Arn,
		ExecutionRoleArn:     execRole.Arn,
		ContainerDefinitions: containers,
		Volumes: ecs.TaskDefinitionVolumeArray{
			ecs.TaskDefinitionVolumeArgs{Name: pulumi.String("scratch")},
		},
		Tags: tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	strategies := serviceStrategy(s)
	var placement ecs.ServiceOrderedPlacementStrategyArray
	if s.ec2() {
		strategies = ecs.ServiceCapacityProviderStrategyArray{
			ecs.ServiceCapacityProviderStrategyArgs{CapacityProvider: instances.providerName, Weight: pulumi.Int(1)},
		}
		// Pack tasks onto as few instances as fit them, so managed scaling
		// launches no more than needed and empties instances to remove.
		placement = ecs.ServiceOrderedPlacementStrategyArray{
			ecs.ServiceOrderedPlacementStrategyArgs{Type: pulumi.String("binpack"), Field: pulumi.String("memory")},
		}
	}
	svc, err := ecs.NewService(ctx, name+"-workers", &ecs.ServiceArgs{
		Cluster:        cluster.Arn,
		TaskDefinition: task.Arn,
		// Zero between runs: the workflows scale out and back in, and
		// `pulumi up` must not undo a running workflow's scale-out.
		DesiredCount:               pulumi.Int(0),
		CapacityProviderStrategies: strategies,
		OrderedPlacementStrategies: placement,
		// Without forceNewDeployment the provider replaces the service
		// whenever the capacity provider strategy changes (Spot weight,
		// on-demand base or weight, OnDemandOnly); with it, the strategy is
		// updated in place through UpdateService, unless the service goes
		// from no strategy to one or back, which never happens here: the
		// strategy always has at least one entry. (Pulumi AWS / Terraform
		// aws_ecs_service: "capacity_provider_strategy ... can be updated
		// without destroying the service if force_new_deployment = true";
		// hashicorp/terraform-provider-aws internal/service/ecs/service.go,
		// capacityProviderStrategyCustomizeDiff.) A replacement would
		// delete the service the state machines name and briefly leave
		// runs without workers. Each update then starts a new deployment;
		// between runs the service has no tasks, and during a run its
		// workers are replaced one by one and drain their tasks on SIGTERM.
		ForceNewDeployment: pulumi.Bool(true),
		NetworkConfiguration: ecs.ServiceNetworkConfigurationArgs{
			Subnets:        net.subnetIDs,
			SecurityGroups: pulumi.StringArray{net.workerSecurityGroupID},
			AssignPublicIp: pulumi.Bool(false),
		},
		DeploymentCircuitBreaker: ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		PropagateTags:        pulumi.String("SERVICE"),
		EnableEcsManagedTags: pulumi.Bool(true),
		WaitForSteadyState:   pulumi.Bool(false),
		Tags:                 tagMap(s),
	}, parent,
		pulumi.IgnoreChanges([]string{"desiredCount"}),
		pulumi.DependsOn([]pulumi.Resource{providers, taskRolePolicyRes, execRolePolicyRes}))
	if err != nil {
		return nil, err
	}

	// The state machine roles name the service by workflow.Config.ServiceArn,
	// from the same names as their definitions.
	return &compute{
		clusterName:      cluster.Name,
		serviceName:      svc.Name,
		logGroupName:     logs.Name,
		taskRoleArn:      taskRole.Arn,
		executionRoleArn: execRole.Arn,
		instances:        instances,
	}, nil
}

// bucketAccessOutput resolves the ARNs of the buckets the roles touch.
func bucketAccessOutput(env environment, store *storage) pulumi.Output {
	return pulumi.All(store.dataBucketArn, store.inputBucket, store.dataBucket, store.kmsKeyArn).ApplyT(func(v []any) bucketAccess {
		b := bucketAccess{dataBucketArn: v[0].(string), inputBucketArn: v[0].(string), kmsKeyArn: v[3].(string)}
		if input := v[1].(string); input != v[2].(string) {
			b.inputBucketArn = env.arn("s3", "", "", input)
		}
		return b
	})
}

// clusterStrategy is the cluster's default capacity provider strategy.
func clusterStrategy(s settings) ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray {
	var out ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray
	for _, e := range strategy(s) {
		out = append(out, ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(e.provider), Weight: pulumi.Int(e.weight), Base: pulumi.Int(e.base),
		})
	}
	return out
}

// serviceStrategy is the service's capacity provider strategy.
func serviceStrategy(s settings) ecs.ServiceCapacityProviderStrategyArray {
	var out ecs.ServiceCapacityProviderStrategyArray
	for _, e := range strategy(s) {
		out = append(out, ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(e.provider), Weight: pulumi.Int(e.weight), Base: pulumi.Int(e.base),
		})
	}
	return out
}

type strategyEntry struct {
	provider     string
	weight, base int
}

// strategy places tasks on FARGATE_SPOT by weight, with an optional
// on-demand FARGATE base and weight; OnDemandOnly uses FARGATE alone.
func strategy(s settings) []strategyEntry {
	if s.onDemandOnly {
		return []strategyEntry{{provider: "FARGATE", weight: 1}}
	}
	out := []strategyEntry{{provider: "FARGATE_SPOT", weight: s.spotWeight}}
	if s.onDemandBase > 0 || s.onDemandWeight > 0 {
		out = append(out, strategyEntry{provider: "FARGATE", weight: s.onDemandWeight, base: s.onDemandBase})
	}
	return out
}

type workerInputs struct {
	image, logGroup, activityArn, dataBucket, taskRoleArn string
}

// Worker environment variables (the worker's configuration contract, see
// worker/workerconfig; task inputs name the buckets, DATA_BUCKET is for
// operators and tools).
const (
	EnvActivityArn       = "ACTIVITY_ARN"
	EnvRegion            = "AWS_REGION"
	EnvDataBucket        = "DATA_BUCKET"
	EnvWorkerConcurrency = "WORKER_CONCURRENCY"
	EnvHeartbeatSeconds  = "HEARTBEAT_SECONDS"
	EnvLogLevel          = "LOG_LEVEL"
	// EnvTaskRoleArn is the role the worker runs as, so an S3 403 can name
	// it ("role R may not read s3://bucket/key") without an STS call: the
	// created VPC has no STS endpoint.
	EnvTaskRoleArn = "TASK_ROLE_ARN"
)

type keyValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type containerDefinition struct {
	Name                   string          `json:"name"`
	Image                  string          `json:"image"`
	Essential              bool            `json:"essential"`
	User                   string          `json:"user"`
	ReadonlyRootFilesystem bool            `json:"readonlyRootFilesystem"`
	Privileged             bool            `json:"privileged"`
	StopTimeout            int             `json:"stopTimeout"`
	LinuxParameters        linuxParameters `json:"linuxParameters"`
	Environment            []keyValue      `json:"environment"`
	MountPoints            []mountPoint    `json:"mountPoints"`
	LogConfiguration       logConfig       `json:"logConfiguration"`
}

type linuxParameters struct {
	Capabilities struct {
		Drop []string `json:"drop"`
	} `json:"capabilities"`
	// InitProcessEnabled runs an init as PID 1, so SIGTERM reaches the
	// worker and zombies are reaped.
	InitProcessEnabled bool `json:"initProcessEnabled"`
}

type mountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

type logConfig struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

// workerContainerDefinitions is the task's one container: non-root,
// read-only root filesystem, no capabilities, not privileged, image pinned
// by digest, logs to the workers' log group.
func workerContainerDefinitions(s settings, env environment, in workerInputs) (string, error) {
	c := containerDefinition{
		Name:                   WorkerContainerName,
		Image:                  in.image,
		Essential:              true,
		User:                   WorkerUser,
		ReadonlyRootFilesystem: true,
		Privileged:             false,
		StopTimeout:            WorkerStopTimeoutSeconds,
		Environment: []keyValue{
			{EnvActivityArn, in.activityArn},
			{EnvRegion, env.region},
			{EnvDataBucket, in.dataBucket},
			{EnvWorkerConcurrency, strconv.Itoa(s.tasksPerWorker)},
			{EnvHeartbeatSeconds, strconv.Itoa(s.flow.HeartbeatSeconds)},
			{EnvLogLevel, s.workerLogLevel},
			{EnvTaskRoleArn, in.taskRoleArn},
		},
		MountPoints: []mountPoint{{SourceVolume: "scratch", ContainerPath: WorkerScratchPath}},
		LogConfiguration: logConfig{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         in.logGroup,
				"awslogs-region":        env.region,
				"awslogs-stream-prefix": WorkerContainerName,
				// A slow log endpoint must not stall the simulation.
				"mode":            "non-blocking",
				"max-buffer-size": "4m",
			},
		},
	}
	c.LinuxParameters.Capabilities.Drop = []string{"ALL"}
	c.LinuxParameters.InitProcessEnabled = true
	b, err := json.Marshal([]containerDefinition{c})
	if err != nil {
		return "", fmt.Errorf("marshal container definitions: %w", err)
	}
	return string(b), nil
}
