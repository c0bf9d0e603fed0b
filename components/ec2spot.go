package components

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultEC2InstanceTypes are the Auto Scaling group's types by default
// (ec2-spot): current x86_64 compute- and general-purpose families, all
// "xlarge" (4 vCPUs), so that any of them holds the default task (1 vCPU,
// 2 GiB) three times (memory and the awsvpc interfaces allow three) and
// capacity-optimized allocation has six Spot pools per zone to choose from.
var DefaultEC2InstanceTypes = []string{"c6i.xlarge", "c6a.xlarge", "c5.xlarge", "c5a.xlarge", "m6i.xlarge", "m5.xlarge"}

// ECSOptimizedAMIParameter is the public SSM parameter holding the current
// ECS-optimised Amazon Linux 2023 (x86_64) AMI (ECS developer guide,
// "Retrieving Amazon ECS-optimized Linux AMI metadata"). The launch template
// names it as "resolve:ssm:<parameter>", so EC2 resolves it at each launch:
// new instances get the patched AMI without a `pulumi up`, and the stack
// needs no SSM lookup.
const ECSOptimizedAMIParameter = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"

// Container instance settings.
const (
	// rootVolumeGiB is the root volume: the ECS-optimised AL2023 AMI's
	// snapshot is 30 GiB, and the worker image and its scratch volume fit.
	rootVolumeGiB = 30
	// instanceWarmupSeconds: how long managed scaling waits before a new
	// instance's metrics count. An instance registers with ECS within about
	// a minute of launch.
	instanceWarmupSeconds = 60
	// usableMemoryFraction is the share of an instance's nominal memory a
	// task may plan on: ECS registers the memory the OS reports after the
	// kernel and agent, a few hundred MiB less (judgement, 2026-12-06, from
	// c5.xlarge registering about 7,400 of 8,192 MiB).
	usableMemoryFraction = 0.9
)

// instanceFamilyPattern is an x86_64 C, M or R family of the fifth
// generation or later (c5, c6i, m5a, r6id, c7i-flex ...): no "g"
// (Graviton) letter, since the worker image is linux/amd64 only.
var instanceFamilyPattern = regexp.MustCompile(`^([cmr])([5-9])([a-fh-z]*)(-flex)?$`)

// vCPUsBySize are the vCPUs of a size in the C, M and R families.
var vCPUsBySize = map[string]int{"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64}

// gibPerVCPU is the memory per vCPU of the C, M and R families.
var gibPerVCPU = map[string]int{"c": 2, "m": 4, "r": 8}

// instanceShape is what an instance type offers a task.
type instanceShape struct{ vCPUs, memoryMiB int }

// parseInstanceType reads a C, M or R x86_64 type such as "c6i.xlarge".
func parseInstanceType(t string) (shape instanceShape, size string, err error) {
	family, size, ok := strings.Cut(t, ".")
	m := instanceFamilyPattern.FindStringSubmatch(family)
	vcpus := vCPUsBySize[size]
	if !ok || m == nil || vcpus == 0 {
		return instanceShape{}, "", fmt.Errorf("EC2InstanceTypes: %q is not an x86_64 C, M or R type of size large to 16xlarge (such as c6i.xlarge; Graviton types do not run the linux/amd64 image)", t)
	}
	return instanceShape{vCPUs: vcpus, memoryMiB: vcpus * gibPerVCPU[m[1]] * 1024}, size, nil
}

// checkInstanceTypes checks that the types are distinct, of one size class,
// and each holds one task of taskCPU units and taskMemoryMiB.
func checkInstanceTypes(types []string, taskCPU, taskMemoryMiB int) error {
	var errs []string
	seen := map[string]bool{}
	sizes := map[string]bool{}
	for _, t := range types {
		shape, size, err := parseInstanceType(t)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if seen[t] {
			errs = append(errs, fmt.Sprintf("EC2InstanceTypes: %s is listed twice", t))
		}
		seen[t], sizes[size] = true, true
		usable := int(float64(shape.memoryMiB) * usableMemoryFraction)
		if taskCPU > shape.vCPUs*1024 || taskMemoryMiB > usable {
			errs = append(errs, fmt.Sprintf("EC2InstanceTypes: %s (%d vCPUs, %d MiB usable) cannot hold a task of TaskCPU %d and TaskMemory %d", t, shape.vCPUs, usable, taskCPU, taskMemoryMiB))
		}
	}
	if len(sizes) > 1 {
		errs = append(errs, fmt.Sprintf("EC2InstanceTypes %v must all be one size (all xlarge, say), so that managed scaling's instance count means the same capacity whichever type Spot gives", types))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// ec2Capacity is what the rest of the component needs from the EC2 Spot
// capacity (ec2-spot).
type ec2Capacity struct {
	groupName       pulumi.StringOutput
	providerName    pulumi.StringOutput
	instanceRoleArn pulumi.StringOutput
}

// newEC2Capacity creates the container instances of compute ec2-spot: the
// instance role and profile, a launch template (ECS-optimised AL2023,
// IMDSv2 only, no public IP, encrypted root volume), an Auto Scaling group
// that is all Spot over the instance types, from zero to WorkerCount
// instances, and the ECS capacity provider whose managed scaling sizes the
// group to the service's tasks (zero when the workflows scale the service
// in) and whose managed termination protection keeps an instance running
// tasks from being scaled in.
func newEC2Capacity(ctx *pulumi.Context, name string, s settings, env environment, net *network, cluster *ecs.Cluster, parent pulumi.ResourceOrInvokeOption) (*ec2Capacity, error) {
	policy := cluster.Name.ApplyT(func(c string) (string, error) {
		return instanceRolePolicy(env, c).JSON()
	}).(pulumi.StringOutput)
	role, rolePolicy, err := newInstanceRole(ctx, name+"-instance", s, policy, parent)
	if err != nil {
		return nil, err
	}
	profile, err := iam.NewInstanceProfile(ctx, name+"-instance", &iam.InstanceProfileArgs{
		Role: role.Name,
		Tags: tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	userData := cluster.Name.ApplyT(func(c string) string {
		return base64.StdEncoding.EncodeToString([]byte(instanceUserData(c)))
	}).(pulumi.StringOutput)
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-instances", &ec2.LaunchTemplateArgs{
		Description: pulumi.String("Monte Carlo workers' ECS container instances (compute ec2-spot)"),
		ImageId:     pulumi.String("resolve:ssm:" + ECSOptimizedAMIParameter),
		IamInstanceProfile: ec2.LaunchTemplateIamInstanceProfileArgs{
			Arn: profile.Arn,
		},
		// IMDSv2 only, and one hop: the agent (host network) reaches it,
		// containers behind a bridge do not; awsvpc tasks are blocked by
		// ECS_AWSVPC_BLOCK_IMDS.
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
			InstanceMetadataTags:    pulumi.String("disabled"),
		},
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{
			ec2.LaunchTemplateNetworkInterfaceArgs{
				DeviceIndex:              pulumi.Int(0),
				AssociatePublicIpAddress: pulumi.String("false"),
				DeleteOnTermination:      pulumi.String("true"),
				// The instance's own traffic (agent, image pull, logs)
				// needs what a task's does: HTTPS to the endpoints and S3.
				SecurityGroups: pulumi.StringArray{net.workerSecurityGroupID},
			},
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{
			ec2.LaunchTemplateBlockDeviceMappingArgs{
				DeviceName: pulumi.String("/dev/xvda"),
				Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
					Encrypted:           pulumi.String("true"),
					VolumeType:          pulumi.String("gp3"),
					VolumeSize:          pulumi.Int(rootVolumeGiB),
					DeleteOnTermination: pulumi.String("true"),
				},
			},
		},
		UserData:             userData,
		UpdateDefaultVersion: pulumi.Bool(true),
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tagsWithName(s, name+"-worker-instance")},
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tagsWithName(s, name+"-worker-instance")},
		},
		Tags: tagMap(s),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return nil, err
	}

	var overrides autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArray
	for _, t := range s.ec2InstanceTypes {
		overrides = append(overrides, autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs{InstanceType: pulumi.String(t)})
	}
	tags := autoscaling.GroupTagArray{
		// ECS tags the group it manages; declaring the tag keeps the
		// next preview from seeing it as drift (ECS developer guide,
		// "Auto Scaling group capacity providers").
		autoscaling.GroupTagArgs{Key: pulumi.String("AmazonECSManaged"), Value: pulumi.String("true"), PropagateAtLaunch: pulumi.Bool(true)},
	}
	for k, v := range s.tags {
		tags = append(tags, autoscaling.GroupTagArgs{Key: pulumi.String(k), Value: pulumi.String(v), PropagateAtLaunch: pulumi.Bool(true)})
	}
	group, err := autoscaling.NewGroup(ctx, name+"-spot", &autoscaling.GroupArgs{
		// Zero when idle; at most one instance per worker, which every
		// allowed type holds (checkInstanceTypes).
		MinSize:            pulumi.Int(0),
		MaxSize:            pulumi.Int(s.workerCount),
		VpcZoneIdentifiers: net.subnetIDs,
		// Managed termination protection needs every instance protected
		// from scale-in; ECS lifts the protection of an empty instance.
		ProtectFromScaleIn: pulumi.Bool(true),
		// `pulumi destroy` of a stack whose instances are still protected
		// (a run in progress) would otherwise wait for them forever.
		ForceDelete: pulumi.Bool(true),
		MixedInstancesPolicy: autoscaling.GroupMixedInstancesPolicyArgs{
			InstancesDistribution: autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs{
				OnDemandBaseCapacity:                pulumi.Int(0),
				OnDemandPercentageAboveBaseCapacity: pulumi.Int(0),
				SpotAllocationStrategy:              pulumi.String("capacity-optimized"),
			},
			LaunchTemplate: autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs{
				LaunchTemplateSpecification: autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs{
					LaunchTemplateId: lt.ID(),
					Version:          pulumi.String("$Latest"),
				},
				Overrides: overrides,
			},
		},
		Tags: tags,
	}, parent, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	if err != nil {
		return nil, err
	}

	provider, err := ecs.NewCapacityProvider(ctx, name+"-spot", &ecs.CapacityProviderArgs{
		AutoScalingGroupProvider: ecs.CapacityProviderAutoScalingGroupProviderArgs{
			AutoScalingGroupArn:          group.Arn,
			ManagedTerminationProtection: pulumi.String("ENABLED"),
			ManagedDraining:              pulumi.String("ENABLED"),
			ManagedScaling: ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs{
				Status: pulumi.String("ENABLED"),
				// 100: no idle headroom; instances exist only for tasks.
				TargetCapacity:         pulumi.Int(100),
				MinimumScalingStepSize: pulumi.Int(1),
				MaximumScalingStepSize: pulumi.Int(s.workerCount),
				InstanceWarmupPeriod:   pulumi.Int(instanceWarmupSeconds),
			},
		},
		Tags: tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}
	return &ec2Capacity{groupName: group.Name, providerName: provider.Name, instanceRoleArn: role.Arn}, nil
}

// instanceUserData configures the ECS agent: join the cluster; on a Spot
// interruption notice set the instance DRAINING, so its tasks get SIGTERM
// and hand their batches back (Worker.Interrupted) within the two minutes;
// keep awsvpc tasks away from the instance metadata (and so the instance
// role's credentials); let a stopping container use the task's stopTimeout.
func instanceUserData(cluster string) string {
	return fmt.Sprintf(`#!/bin/bash
cat >> /etc/ecs/ecs.config <<'EOF'
ECS_CLUSTER=%s
ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
ECS_AWSVPC_BLOCK_IMDS=true
ECS_CONTAINER_STOP_TIMEOUT=%ds
EOF
`, cluster, WorkerStopTimeoutSeconds)
}

// instanceRolePolicy is what the ECS agent on a container instance needs and
// nothing more: register and deregister in its one cluster, report state
// changes there, take tasks and send telemetry as a container instance of
// that cluster, set itself DRAINING on a Spot interruption, and find the
// poll endpoint (the one action with no resource, allow-listed). No ECR or
// CloudWatch Logs: with a task execution role the agent pulls the image and
// writes the task's logs with that role's credentials (ECS developer guide,
// "Amazon ECS task execution IAM role"). Compare the managed
// AmazonEC2ContainerServiceforEC2Role, which grants these on "*" and adds
// ecs:CreateCluster, ECR and Logs.
func instanceRolePolicy(env environment, clusterName string) PolicyDocument {
	clusterArn := env.arn("ecs", env.region, env.accountID, "cluster/"+clusterName)
	instancesArn := env.arn("ecs", env.region, env.accountID, "container-instance/"+clusterName+"/*")
	return PolicyDocument{Version: policyVersion, Statement: []Statement{
		{
			Sid: "AgentCluster", Effect: "Allow",
			Action: []string{
				"ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance",
				"ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange", "ecs:SubmitAttachmentStateChanges",
			},
			Resource: []string{clusterArn},
		},
		{
			Sid: "AgentInstances", Effect: "Allow",
			Action:   []string{"ecs:Poll", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState"},
			Resource: []string{instancesArn},
		},
		wildcardStatement("AgentDiscoverPollEndpoint", "ecs:DiscoverPollEndpoint"),
	}}
}

// newInstanceRole creates the container instances' role. Its trust has no
// aws:SourceAccount condition, unlike the other roles': EC2 assumes an
// instance profile's role without the source keys, and only a principal of
// this account allowed iam:PassRole can attach the role to an instance, so
// there is no cross-service confused deputy to guard against (see
// prowler-cloud/prowler#2810, closed as a false positive for
// ec2.amazonaws.com).
func newInstanceRole(ctx *pulumi.Context, name string, s settings, policy pulumi.StringInput, parent pulumi.ResourceOrInvokeOption) (*iam.Role, *iam.RolePolicy, error) {
	trust, err := PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "ec2.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
	}}}.JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{AssumeRolePolicy: pulumi.String(trust), Tags: tagMap(s)}, parent)
	if err != nil {
		return nil, nil, err
	}
	rp, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.ID(), Policy: policy}, parent)
	if err != nil {
		return nil, nil, err
	}
	return role, rp, nil
}
