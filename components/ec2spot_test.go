package components

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate"
)

// ec2Args are testArgs with compute ec2-spot.
func ec2Args() *MonteCarloPipelineArgs {
	a := testArgs()
	a.Compute = workflow.ComputeEC2Spot
	return a
}

const (
	testClusterName = "mc-a1b2c3d"
	testGroupName   = "mc-spot-a1b2c3d"
)

func TestEC2SpotLaunchTemplateRequiresIMDSv2HasNoPublicIPAndEncryptsItsRootVolume(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, mode.dryRun, ec2Args())
			lt := m.one(t, "aws:ec2/launchTemplate:LaunchTemplate")
			if got := lt.Str("imageId"); got != "resolve:ssm:"+ECSOptimizedAMIParameter {
				t.Errorf("imageId = %q, want the ECS-optimised AL2023 AMI's SSM parameter", got)
			}
			md, _ := lt.Value("metadataOptions").(map[string]any)
			if md["httpTokens"] != "required" || md["httpEndpoint"] != "enabled" || md["httpPutResponseHopLimit"] != float64(1) {
				t.Errorf("metadataOptions = %v, want IMDSv2 required, one hop", md)
			}
			nics, _ := lt.Value("networkInterfaces").([]any)
			if len(nics) != 1 {
				t.Fatalf("networkInterfaces = %v, want one", nics)
			}
			nic, _ := nics[0].(map[string]any)
			if nic["associatePublicIpAddress"] != "false" {
				t.Errorf("associatePublicIpAddress = %v, want \"false\"", nic["associatePublicIpAddress"])
			}
			if !mode.dryRun && !slices.Equal(toStrings(nic["securityGroups"]), []string{"mc-workers-id"}) {
				t.Errorf("instance security groups = %v, want the workers' group only", nic["securityGroups"])
			}
			bdms, _ := lt.Value("blockDeviceMappings").([]any)
			if len(bdms) == 0 {
				t.Fatal("no block device mappings: the root volume would be the AMI's, unencrypted by default")
			}
			for _, b := range bdms {
				bm, _ := b.(map[string]any)
				ebs, _ := bm["ebs"].(map[string]any)
				if ebs["encrypted"] != "true" {
					t.Errorf("volume %v: encrypted = %v, want \"true\"", bm["deviceName"], ebs["encrypted"])
				}
			}
			if bdms[0].(map[string]any)["deviceName"] != "/dev/xvda" {
				t.Errorf("first mapping %v, want the AL2023 root device /dev/xvda", bdms[0])
			}
			if mode.dryRun {
				return
			}
			raw, err := base64.StdEncoding.DecodeString(lt.Str("userData"))
			if err != nil {
				t.Fatalf("userData is not base64: %v", err)
			}
			for _, want := range []string{"ECS_CLUSTER=" + testClusterName + "\n", "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n", "ECS_AWSVPC_BLOCK_IMDS=true\n"} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("user data lacks %q:\n%s", want, raw)
				}
			}
		})
	}
}

func TestEC2SpotGroupIsAllSpotOverOneSizeClassFromZero(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, ec2Args())
	g := m.one(t, "aws:autoscaling/group:Group")
	mip, _ := g.Value("mixedInstancesPolicy").(map[string]any)
	dist, _ := mip["instancesDistribution"].(map[string]any)
	if dist["onDemandBaseCapacity"] != float64(0) || dist["onDemandPercentageAboveBaseCapacity"] != float64(0) {
		t.Errorf("instancesDistribution = %v, want no on-demand base and 0%% on-demand above it (100%% Spot)", dist)
	}
	if dist["spotAllocationStrategy"] != "capacity-optimized" {
		t.Errorf("spotAllocationStrategy = %v, want capacity-optimized", dist["spotAllocationStrategy"])
	}
	lt, _ := mip["launchTemplate"].(map[string]any)
	var types []string
	for _, o := range lt["overrides"].([]any) {
		types = append(types, o.(map[string]any)["instanceType"].(string))
	}
	if !slices.Equal(types, DefaultEC2InstanceTypes) {
		t.Errorf("instance types = %v, want %v", types, DefaultEC2InstanceTypes)
	}
	if len(types) < 3 {
		t.Errorf("%d instance types: capacity-optimized needs several Spot pools", len(types))
	}
	spec, _ := lt["launchTemplateSpecification"].(map[string]any)
	if spec["launchTemplateId"] != "lt-mc-instances" {
		t.Errorf("launch template = %v, want the component's", spec)
	}
	if g.Value("minSize") != float64(0) || g.Value("maxSize") != float64(workflow.DefaultWorkerCount) {
		t.Errorf("min %v max %v, want 0 (none when idle) and WorkerCount %d", g.Value("minSize"), g.Value("maxSize"), workflow.DefaultWorkerCount)
	}
	if g.Has("desiredCapacity") || !slices.Contains(g.IgnoreChanges, "desiredCapacity") {
		t.Errorf("desiredCapacity %v, ignoreChanges %v: managed scaling owns the desired capacity", g.Value("desiredCapacity"), g.IgnoreChanges)
	}
	if g.Value("protectFromScaleIn") != true {
		t.Error("protectFromScaleIn must be true for managed termination protection")
	}
	if got := sorted(toStrings(g.Value("vpcZoneIdentifiers"))); !slices.Equal(got, []string{"mc-private-0-id", "mc-private-1-id"}) {
		t.Errorf("group subnets = %v, want the private subnets", got)
	}
}

func TestEC2SpotCapacityProviderManagesScalingAndTerminationAndPlacesTheService(t *testing.T) {
	t.Parallel()
	m, p := mustDeploy(t, false, ec2Args())
	cp := m.one(t, "aws:ecs/capacityProvider:CapacityProvider")
	asg, _ := cp.Value("autoScalingGroupProvider").(map[string]any)
	if !strings.HasSuffix(asg["autoScalingGroupArn"].(string), "autoScalingGroupName/"+testGroupName) {
		t.Errorf("capacity provider group = %v, want %s", asg["autoScalingGroupArn"], testGroupName)
	}
	if asg["managedTerminationProtection"] != "ENABLED" || asg["managedDraining"] != "ENABLED" {
		t.Errorf("managedTerminationProtection %v managedDraining %v, want ENABLED", asg["managedTerminationProtection"], asg["managedDraining"])
	}
	ms, _ := asg["managedScaling"].(map[string]any)
	if ms["status"] != "ENABLED" || ms["targetCapacity"] != float64(100) {
		t.Errorf("managedScaling = %v, want ENABLED at target 100", ms)
	}

	providers := m.one(t, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
	if got := toStrings(providers.Value("capacityProviders")); !slices.Equal(got, []string{"mc-spot-a1b2c3d"}) {
		t.Errorf("cluster capacity providers = %v, want only the EC2 Spot provider", got)
	}
	svc := m.one(t, "aws:ecs/service:Service")
	strat, _ := svc.Value("capacityProviderStrategies").([]any)
	if len(strat) != 1 || strat[0].(map[string]any)["capacityProvider"] != "mc-spot-a1b2c3d" {
		t.Errorf("service strategy = %v, want the EC2 Spot provider alone", strat)
	}
	nc, _ := svc.Value("networkConfiguration").(map[string]any)
	if nc["assignPublicIp"] != false {
		t.Errorf("service assignPublicIp = %v, want false", nc["assignPublicIp"])
	}
	if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
		t.Errorf("service ignoreChanges = %v: the workflows own the desired count", svc.IgnoreChanges)
	}
	task := m.one(t, "aws:ecs/taskDefinition:TaskDefinition")
	if got := toStrings(task.Value("requiresCompatibilities")); !slices.Equal(got, []string{"EC2"}) || task.Str("networkMode") != "awsvpc" {
		t.Errorf("task definition %v %q, want EC2 and awsvpc", got, task.Str("networkMode"))
	}

	for out, tc := range map[string]struct {
		o    pulumi.StringOutput
		want string
	}{
		"autoScalingGroupName": {p.AutoScalingGroupName, testGroupName},
		"capacityProviderName": {p.CapacityProviderName, "mc-spot-a1b2c3d"},
		"instanceRoleArn":      {p.InstanceRoleArn, "arn:aws:iam::" + testAccount + ":role/mc-instance-a1b2c3d"},
		"compute":              {p.Compute, "ec2-spot"},
	} {
		if got := awaitString(t, tc.o); got != tc.want {
			t.Errorf("output %s = %q, want %q", out, got, tc.want)
		}
	}
}

func TestEC2SpotWorkersNotStartedNamesTheAutoScalingGroup(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, ec2Args())
	sm := m.named(t, "aws:sfn/stateMachine:StateMachine", "mc-simulate")
	if def := sm.Str("definition"); !strings.Contains(def, "Auto Scaling group "+testGroupName) {
		t.Errorf("simulate definition does not name the Auto Scaling group %s when workers never start", testGroupName)
	}
}

func TestEC2SpotAddsTheECSEndpointsAndOnlyIt(t *testing.T) {
	t.Parallel()
	lambdaVpc := lambdaArgs()
	lambdaVpc.LambdaVpc = true
	for name, tc := range map[string]struct {
		args *MonteCarloPipelineArgs
		want []string
	}{
		"ec2-spot":          {ec2Args(), append(slices.Clone(InterfaceEndpointServices), EC2InterfaceEndpointServices...)},
		"fargate-spot":      {testArgs(), InterfaceEndpointServices},
		"lambda in the VPC": {lambdaVpc, InterfaceEndpointServices},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, tc.args)
			var got []string
			for _, e := range m.byType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				if e.Str("vpcEndpointType") != "Interface" {
					continue
				}
				got = append(got, strings.TrimPrefix(e.Str("serviceName"), "com.amazonaws."+testRegion+"."))
				if e.Value("privateDnsEnabled") != true || !slices.Equal(toStrings(e.Value("securityGroupIds")), []string{"mc-endpoints-id"}) {
					t.Errorf("%s endpoint: private DNS %v, groups %v; want private DNS and the endpoint group", e.Str("serviceName"), e.Value("privateDnsEnabled"), e.Value("securityGroupIds"))
				}
			}
			if !slices.Equal(sorted(got), sorted(tc.want)) {
				t.Errorf("interface endpoints = %v, want %v", sorted(got), sorted(tc.want))
			}
		})
	}
}

func TestEC2SpotInstanceRoleHasOnlyWhatTheECSAgentNeeds(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, ec2Args())
	role := m.named(t, "aws:iam/role:Role", "mc-instance")
	var trust policy
	role.JSON(t, "assumeRolePolicy", &trust)
	if len(trust.Statement) != 1 || trust.Statement[0].Principal.(map[string]any)["Service"] != "ec2.amazonaws.com" ||
		!slices.Equal(trust.Statement[0].Action, stringList{"sts:AssumeRole"}) {
		t.Errorf("instance role trust = %+v, want ec2.amazonaws.com to assume it, nothing else", trust)
	}
	profile := m.one(t, "aws:iam/instanceProfile:InstanceProfile")
	if profile.Str("role") != "mc-instance-a1b2c3d" {
		t.Errorf("instance profile role = %q, want the instance role", profile.Str("role"))
	}

	pol := rolePolicy(t, m, "mc-instance")
	clusterArn := "arn:aws:ecs:" + testRegion + ":" + testAccount + ":cluster/" + testClusterName
	instances := "arn:aws:ecs:" + testRegion + ":" + testAccount + ":container-instance/" + testClusterName + "/*"
	want := map[string][]string{
		clusterArn: {"ecs:DeregisterContainerInstance", "ecs:RegisterContainerInstance", "ecs:SubmitAttachmentStateChanges", "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange"},
		instances:  {"ecs:Poll", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState"},
		"*":        {"ecs:DiscoverPollEndpoint"},
	}
	got := map[string][]string{}
	for _, st := range pol.Statement {
		if st.Effect != "Allow" || len(st.Condition) != 0 {
			t.Errorf("statement %q: effect %s condition %v", st.Sid, st.Effect, st.Condition)
		}
		for _, r := range st.Resource {
			got[r] = append(got[r], st.Action...)
		}
	}
	for r := range got {
		got[r] = sorted(got[r])
	}
	if len(got) != len(want) {
		t.Errorf("instance role grants on %v, want only %v", keys(got), keys(want))
	}
	for r, actions := range want {
		if !slices.Equal(got[r], actions) {
			t.Errorf("instance role on %s = %v, want %v", r, got[r], actions)
		}
	}
}

// The task and execution roles are the same on EC2 as on Fargate: the
// instance role adds the agent's permissions, and nothing is granted to
// the workers for running on instances.
func TestEC2SpotLeavesTheTaskAndExecutionRolesUnchanged(t *testing.T) {
	t.Parallel()
	fargate, _ := mustDeploy(t, false, testArgs())
	ec2, _ := mustDeploy(t, false, ec2Args())
	for _, role := range []string{"mc-task", "mc-execution"} {
		a := fargate.named(t, "aws:iam/rolePolicy:RolePolicy", role).Str("policy")
		b := ec2.named(t, "aws:iam/rolePolicy:RolePolicy", role).Str("policy")
		if a != b {
			t.Errorf("%s policy differs on ec2-spot:\n%s\nfargate-spot:\n%s", role, b, a)
		}
	}
	// Fargate-spot creates none of the EC2 capacity.
	for _, typ := range []string{"aws:ec2/launchTemplate:LaunchTemplate", "aws:autoscaling/group:Group", "aws:ecs/capacityProvider:CapacityProvider", "aws:iam/instanceProfile:InstanceProfile"} {
		if n := len(fargate.byType(typ)); n != 0 {
			t.Errorf("fargate-spot created %d %s", n, typ)
		}
	}
	if got := toStrings(fargate.one(t, "aws:ecs/taskDefinition:TaskDefinition").Value("requiresCompatibilities")); !slices.Equal(got, []string{"FARGATE"}) {
		t.Errorf("fargate-spot task definition compatibilities = %v, want FARGATE", got)
	}
}

func TestEC2SpotSettingsAreValidatedNamingTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(*MonteCarloPipelineArgs)
		want string
	}{
		{"the Fargate strategy", func(a *MonteCarloPipelineArgs) { a.SpotWeight = 2; a.OnDemandBase = 1 },
			`OnDemandBase and SpotWeight: only for Compute "fargate-spot"`},
		{"mixed sizes", func(a *MonteCarloPipelineArgs) { a.EC2InstanceTypes = []string{"c6i.xlarge", "c6i.2xlarge"} }, "must all be one size"},
		{"a Graviton type", func(a *MonteCarloPipelineArgs) { a.EC2InstanceTypes = []string{"c7g.xlarge"} }, `"c7g.xlarge" is not an x86_64 C, M or R type`},
		{"a type listed twice", func(a *MonteCarloPipelineArgs) { a.EC2InstanceTypes = []string{"m5.large", "m5.large"} }, "m5.large is listed twice"},
		{"a type too small for the task", func(a *MonteCarloPipelineArgs) { a.TaskCPU, a.TaskMemory = 4096, 8192 },
			"c6i.xlarge (4 vCPUs, 7372 MiB usable) cannot hold a task of TaskCPU 4096 and TaskMemory 8192"},
		{"Lambda fields", func(a *MonteCarloPipelineArgs) { a.LambdaVpc = true }, `LambdaVpc: only for Compute "lambda"; leave unset with Compute "ec2-spot"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := ec2Args()
			tc.args(args)
			_, _, err := deploy(t, true, args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("instance types with another compute", func(t *testing.T) {
		t.Parallel()
		args := testArgs()
		args.EC2InstanceTypes = []string{"c6i.xlarge"}
		if _, _, err := deploy(t, true, args); err == nil || !strings.Contains(err.Error(), `EC2InstanceTypes: only for Compute "ec2-spot"`) {
			t.Errorf("err = %v, want EC2InstanceTypes refused with fargate-spot", err)
		}
	})
	t.Run("a reserved capacity provider prefix", func(t *testing.T) {
		t.Parallel()
		if _, err := resolveSettings("ecs-mc", *ec2Args()); err == nil || !strings.Contains(err.Error(), `must not start with "ecs"`) {
			t.Errorf("err = %v, want the ECS-reserved prefix refused", err)
		}
	})
	t.Run("larger instances for a larger task", func(t *testing.T) {
		t.Parallel()
		args := ec2Args()
		args.TaskCPU, args.TaskMemory = 4096, 8192
		args.EC2InstanceTypes = []string{"m6i.2xlarge", "m5.2xlarge", "c6i.2xlarge"}
		if _, _, err := deploy(t, true, args); err != nil {
			t.Errorf("deploy: %v", err)
		}
	})
}

// The cost estimate (operate, which does not import Pulumi) repeats the
// component's EC2 figures; they must not drift apart.
func TestCostModelMatchesTheEC2Capacity(t *testing.T) {
	t.Parallel()
	if !slices.Equal(operate.DefaultEC2InstanceTypes, DefaultEC2InstanceTypes) {
		t.Errorf("operate.DefaultEC2InstanceTypes = %v, components.DefaultEC2InstanceTypes = %v", operate.DefaultEC2InstanceTypes, DefaultEC2InstanceTypes)
	}
	for _, typ := range DefaultEC2InstanceTypes {
		shape, _, err := parseInstanceType(typ)
		if err != nil {
			t.Fatal(err)
		}
		if c := operate.EC2InstanceTypes[typ]; c.VCPUs != shape.vCPUs || c.MemoryMiB != shape.memoryMiB {
			t.Errorf("%s: operate has %d vCPUs / %d MiB, the component %d / %d", typ, c.VCPUs, c.MemoryMiB, shape.vCPUs, shape.memoryMiB)
		}
	}
	if operate.EC2RootVolumeGiB != rootVolumeGiB {
		t.Errorf("operate.EC2RootVolumeGiB = %d, rootVolumeGiB = %d", operate.EC2RootVolumeGiB, rootVolumeGiB)
	}
	if want := len(InterfaceEndpointServices) + len(EC2InterfaceEndpointServices); operate.EC2InterfaceEndpoints != want {
		t.Errorf("operate.EC2InterfaceEndpoints = %d, the created VPC has %d", operate.EC2InterfaceEndpoints, want)
	}
}
