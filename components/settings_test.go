package components

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func TestInvalidArgsAreRejectedWithTheFieldAndTheAllowedValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(a *MonteCarloPipelineArgs)
		want string
	}{
		{"an upper-case name prefix", func(a *MonteCarloPipelineArgs) { a.NamePrefix = "MonteCarlo" }, "NamePrefix"},
		{"a name prefix too long for derived names", func(a *MonteCarloPipelineArgs) { a.NamePrefix = strings.Repeat("a", 31) }, "at most 30 characters"},
		{"zero availability zones requested as negative", func(a *MonteCarloPipelineArgs) { a.AvailabilityZoneCount = -1 }, "AvailabilityZoneCount -1 is out of range 1..6"},
		{"seven availability zones", func(a *MonteCarloPipelineArgs) { a.AvailabilityZoneCount = 7 }, "AvailabilityZoneCount 7 is out of range 1..6"},
		{"zone list and count that disagree", func(a *MonteCarloPipelineArgs) {
			a.AvailabilityZoneCount = 3
			a.AvailabilityZones = []string{"eu-west-1a"}
		}, "AvailabilityZones lists 1 zones but AvailabilityZoneCount is 3"},
		{"a VPC CIDR that is not a CIDR", func(a *MonteCarloPipelineArgs) { a.VpcCidr = "10.0.0.0" }, "VpcCidr"},
		{"a VPC CIDR too small for subnets", func(a *MonteCarloPipelineArgs) { a.VpcCidr = "10.0.0.0/26" }, "/16 to /24"},
		{"subnets without their VPC", func(a *MonteCarloPipelineArgs) { a.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-1")} }, "SubnetIDs needs VpcID"},
		{"a VPC without subnets", func(a *MonteCarloPipelineArgs) { a.VpcID = pulumi.String("vpc-1") }, "SubnetIDs is required with VpcID"},
		{"a brought VPC with a zone count", func(a *MonteCarloPipelineArgs) {
			a.VpcID = pulumi.String("vpc-1")
			a.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-1")}
			a.AvailabilityZoneCount = 2
		}, "apply only to the created VPC"},
		{"scratch kept for ever", func(a *MonteCarloPipelineArgs) { a.ScratchExpirationDays = 4000 }, "ScratchExpirationDays 4000 is out of range 1..3650"},
		{"no images kept", func(a *MonteCarloPipelineArgs) { a.ImageRetentionCount = -2 }, "ImageRetentionCount -2 is out of range 1..1000"},
		{"a prebuilt image with a build context", func(a *MonteCarloPipelineArgs) {
			a.ImageURI = pulumi.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/w@" + testDigest)
			a.BuildContext = "."
		}, "leave them empty with ImageURI"},
		{"an image tag with a slash", func(a *MonteCarloPipelineArgs) { a.ImageTag = "v1/2" }, "ImageTag"},
		{"a CPU Fargate does not offer", func(a *MonteCarloPipelineArgs) { a.TaskCPU = 3000 }, "TaskCPU 3000 must be one of 256, 512, 1024, 2048, 4096, 8192, 16384"},
		{"too much memory for a quarter vCPU", func(a *MonteCarloPipelineArgs) { a.TaskCPU, a.TaskMemory = 256, 4096 }, "TaskMemory 4096 is not allowed with TaskCPU 256: use 512, 1024 or 2048"},
		{"too little memory for 4 vCPUs", func(a *MonteCarloPipelineArgs) { a.TaskCPU, a.TaskMemory = 4096, 4096 }, "use 8192..30720 in steps of 1024"},
		{"8 vCPUs with memory off the 4 GiB steps", func(a *MonteCarloPipelineArgs) { a.TaskCPU, a.TaskMemory = 8192, 17408 }, "use 16384..61440 in steps of 4096"},
		{"more workers than activity pollers", func(a *MonteCarloPipelineArgs) { a.WorkerCount = 1001 }, "WorkerCount = 1001: want 1 to 1000"},
		{"negative tasks per worker", func(a *MonteCarloPipelineArgs) { a.TasksPerWorker = -1 }, "TasksPerWorker = -1: want 1 to 100"},
		{"more tasks per worker than the worker runs", func(a *MonteCarloPipelineArgs) { a.TasksPerWorker = 65 }, "TasksPerWorker 65 is above 64"},
		{"a spot weight beyond ECS's limit", func(a *MonteCarloPipelineArgs) { a.SpotWeight = 1001 }, "SpotWeight 1001 is out of range 0..1000"},
		{"a negative on-demand base", func(a *MonteCarloPipelineArgs) { a.OnDemandBase = -1 }, "OnDemandBase -1 is out of range 0..100000"},
		{"an on-demand weight beyond ECS's limit", func(a *MonteCarloPipelineArgs) { a.OnDemandWeight = 5000 }, "OnDemandWeight 5000 is out of range 0..1000"},
		{"a spot weight with on-demand only", func(a *MonteCarloPipelineArgs) { a.OnDemandOnly, a.SpotWeight = true, 2 }, "leave them 0 with OnDemandOnly"},
		{"an unknown worker log level", func(a *MonteCarloPipelineArgs) { a.WorkerLogLevel = "trace" }, "WorkerLogLevel \"trace\" must be one of debug, info, warn, error"},
		{"a retention CloudWatch does not offer", func(a *MonteCarloPipelineArgs) { a.LogRetentionDays = 10 }, "LogRetentionDays 10 must be one of CloudWatch's values"},
		{"state machine logging off", func(a *MonteCarloPipelineArgs) { a.StateMachineLogLevel = "OFF" }, "StateMachineLogLevel \"OFF\" must be one of ALL, ERROR, FATAL"},
		{"a batch too large", func(a *MonteCarloPipelineArgs) { a.BatchSize = 1_000_001 }, "BatchSize = 1000001: want 1 to 1000000"},
		{"a negative shard size", func(a *MonteCarloPipelineArgs) { a.ShardSize = -5 }, "ShardSize = -5: want 1 to 1000000"},
		{"concurrency beyond the Distributed Map's limit", func(a *MonteCarloPipelineArgs) { a.MaxConcurrency = 10001 }, "MaxConcurrency = 10001: want 1 to 10000"},
		{"derived concurrency beyond the limit", func(a *MonteCarloPipelineArgs) { a.WorkerCount, a.TasksPerWorker = 1000, 64 }, "MaxConcurrency = 64000: want 1 to 10000"},
		{"tolerated failure over 100%", func(a *MonteCarloPipelineArgs) { a.ToleratedFailurePercent = 101 }, "ToleratedFailurePercent = 101: want 0 to 100"},
		{"a heartbeat too short", func(a *MonteCarloPipelineArgs) { a.HeartbeatSeconds = 5 }, "HeartbeatSeconds = 5: want 10 to"},
		{"a timeout not above the heartbeat", func(a *MonteCarloPipelineArgs) { a.HeartbeatSeconds, a.TaskTimeoutSeconds = 600, 500 }, "HeartbeatSeconds = 600: must be less than TaskTimeoutSeconds (500)"},
		{"a timeout too short for a batch", func(a *MonteCarloPipelineArgs) { a.TaskTimeoutSeconds = 150 }, "TaskTimeoutSeconds = 150"},
		{"a worker wait over an hour", func(a *MonteCarloPipelineArgs) { a.WorkerWaitSeconds = 3601 }, "WorkerWaitSeconds = 3601: want 1 to 3600"},
		{"too many worker polls", func(a *MonteCarloPipelineArgs) { a.WorkerWaitMaxPolls = 1001 }, "WorkerWaitMaxPolls = 1001: want 1 to 1000"},
		{"too many retries", func(a *MonteCarloPipelineArgs) { a.Retry.MaxAttempts = 100 }, "Retry.MaxAttempts = 100: want 1 to 99"},
		{"a shrinking backoff", func(a *MonteCarloPipelineArgs) { a.Retry.BackoffRate = 0.5 }, "Retry.BackoffRate = 0.5: want 1 to 10"},
		{"negative loans", func(a *MonteCarloPipelineArgs) { a.Defaults.Loans = -1 }, "Defaults.Loans = -1: want 1 to"},
		{"too many scenarios", func(a *MonteCarloPipelineArgs) { a.Defaults.Scenarios = 20_000_000 }, "Defaults.Scenarios = 20000000: want 1 to 10000000"},
		{"an unknown layout", func(a *MonteCarloPipelineArgs) { a.Defaults.Layout = "csv" }, "Defaults.Layout = \"csv\": want"},
		{"a target rate given in percent", func(a *MonteCarloPipelineArgs) { a.Defaults.TargetRate = 8 }, "Defaults.TargetRate = 8: want an annual rate between 0 and 1"},
		{"a horizon past the model's 120 months", func(a *MonteCarloPipelineArgs) { a.Defaults.HorizonMonths = 121 }, "Defaults.HorizonMonths = 121: want 1 to 120"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := testArgs()
			if tc.edit != nil {
				tc.edit(args)
			}
			if args.ImageURI != nil && args.ImageTag == "test" {
				args.ImageTag = ""
			}
			for _, mode := range modes {
				m, _, err := deploy(t, mode.dryRun, args)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%s: err = %v, want it to contain %q", mode.name, err, tc.want)
				}
				if n := len(m.resources); n != 0 {
					t.Errorf("%s: %d resources registered before validation failed", mode.name, n)
				}
			}
		})
	}
}

func TestComponentNameMustSuitBucketAndRepositoryNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Risk", "risk_team", "9risk", strings.Repeat("r", 31)} {
		m := &mocks{}
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			_, err := NewMonteCarloPipeline(ctx, name, testArgs())
			return err
		}, pulumi.WithMocks("montecarlo", "test", m))
		if err == nil || !strings.Contains(err.Error(), "component name") {
			t.Errorf("name %q: err = %v, want a component name error", name, err)
		}
	}
}

func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, err := resolveSettings("mc", MonteCarloPipelineArgs{WorkerCount: -1, BatchSize: -1, LogRetentionDays: 2})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, field := range []string{"WorkerCount", "BatchSize", "LogRetentionDays"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not mention %s", err, field)
		}
	}
}

func TestFargateSizesFollowTheAWSTable(t *testing.T) {
	t.Parallel()
	valid := [][2]int{{256, 512}, {256, 2048}, {512, 1024}, {512, 4096}, {1024, 2048}, {1024, 8192}, {2048, 4096}, {2048, 16384}, {4096, 8192}, {4096, 30720}, {8192, 16384}, {8192, 61440}, {16384, 32768}, {16384, 122880}}
	invalid := [][2]int{{256, 3072}, {512, 512}, {512, 5120}, {1024, 1024}, {1024, 9216}, {2048, 3072}, {2048, 17408}, {4096, 31744}, {8192, 18432}, {16384, 36864}, {16384, 131072}, {128, 512}}
	for _, v := range valid {
		if err := ValidateFargateSize(v[0], v[1]); err != nil {
			t.Errorf("cpu %d memory %d rejected: %v", v[0], v[1], err)
		}
	}
	for _, v := range invalid {
		if err := ValidateFargateSize(v[0], v[1]); err == nil {
			t.Errorf("cpu %d memory %d accepted", v[0], v[1])
		}
	}
}

func TestNilAndZeroArgsMeanTheDocumentedDefaults(t *testing.T) {
	// Not parallel: it changes the working directory so that the default
	// build context (".") is a small tree with a Dockerfile.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, args := range []*MonteCarloPipelineArgs{nil, {}} {
		for _, mode := range modes {
			m, p := mustDeploy(t, mode.dryRun, args)
			if n := len(m.byType("aws:ec2/subnet:Subnet")); n != DefaultAvailabilityZoneCount {
				t.Errorf("%s: %d subnets, want %d", mode.name, n, DefaultAvailabilityZoneCount)
			}
			td := m.one(t, "aws:ecs/taskDefinition:TaskDefinition")
			if td.Str("cpu") != "1024" || td.Str("memory") != "2048" {
				t.Errorf("%s: task size %s/%s, want %d/%d", mode.name, td.Str("cpu"), td.Str("memory"), DefaultTaskCPU, DefaultTaskMemory)
			}
			tag := m.one(t, "awsx:ecr:Image").Str("imageTag")
			if !strings.HasPrefix(tag, "ctx-") {
				t.Errorf("%s: default image tag %q, want a context hash", mode.name, tag)
			}
			svc := m.one(t, "aws:ecs/service:Service")
			strategy := svc.Value("capacityProviderStrategies").([]any)
			if len(strategy) != 1 || strategy[0].(map[string]any)["capacityProvider"] != "FARGATE_SPOT" {
				t.Errorf("%s: strategy %v, want FARGATE_SPOT only", mode.name, strategy)
			}
			if mode.dryRun {
				continue
			}
			for name, out := range map[string]pulumi.Output{
				"activityArn": p.ActivityArn, "dataBucketName": p.DataBucketName, "clusterName": p.ClusterName,
				"serviceName": p.ServiceName, "imageUri": p.ImageURI, "logGroupName": p.LogGroupName, "vpcId": p.VpcID,
				"taskRoleArn": p.TaskRoleArn, "executionRoleArn": p.ExecutionRoleArn, "stateMachineRoleArn": p.StateMachineRoleArn,
				"generateStateMachineRoleArn": p.GenerateStateMachineRoleArn,
				"stateMachineLogGroupName":    p.StateMachineLogGroupName, "workerSecurityGroupId": p.WorkerSecurityGroupID,
			} {
				if v := awaitString(t, out); v == "" {
					t.Errorf("output %s is empty", name)
				}
			}
		}
	}
}

func TestSettingsReachTheResourcesTheyControl(t *testing.T) {
	t.Parallel()
	args := &MonteCarloPipelineArgs{
		ImageTag:              "v7",
		AvailabilityZoneCount: 3,
		VpcCidr:               "10.9.0.0/20",
		TaskCPU:               2048,
		TaskMemory:            6144,
		TasksPerWorker:        6,
		HeartbeatSeconds:      90,
		WorkerLogLevel:        "debug",
		SpotWeight:            3,
		OnDemandBase:          1,
		OnDemandWeight:        1,
		ContainerInsights:     true,
		LogRetentionDays:      90,
		ScratchExpirationDays: 2,
		ImageRetentionCount:   5,
		ForceDestroy:          true,
		Tags:                  map[string]string{"team": "risk"},
		Defaults:              workflow.RunDefaults{Loans: 1000},
	}
	m, _ := mustDeploy(t, false, args)

	vpc := m.one(t, "aws:ec2/vpc:Vpc")
	if vpc.Str("cidrBlock") != "10.9.0.0/20" {
		t.Errorf("VPC CIDR %s", vpc.Str("cidrBlock"))
	}
	var cidrs []string
	for _, sn := range m.byType("aws:ec2/subnet:Subnet") {
		cidrs = append(cidrs, sn.Str("cidrBlock"))
	}
	if got := sorted(cidrs); strings.Join(got, ",") != "10.9.0.0/24,10.9.1.0/24,10.9.2.0/24" {
		t.Errorf("subnet CIDRs %v", got)
	}
	td := m.one(t, "aws:ecs/taskDefinition:TaskDefinition")
	if td.Str("cpu") != "2048" || td.Str("memory") != "6144" {
		t.Errorf("task size %s/%s", td.Str("cpu"), td.Str("memory"))
	}
	var defs []map[string]any
	td.JSON(t, "containerDefinitions", &defs)
	env := envOf(defs[0])
	for k, want := range map[string]string{
		EnvWorkerConcurrency: "6", EnvHeartbeatSeconds: "90", EnvLogLevel: "debug", EnvRegion: testRegion,
		EnvActivityArn: testActivityArn, EnvDataBucket: "mc-data-a1b2c3d",
	} {
		if env[k] != want {
			t.Errorf("worker %s = %q, want %q", k, env[k], want)
		}
	}
	svc := m.one(t, "aws:ecs/service:Service")
	strategy := map[string]map[string]any{}
	for _, e := range svc.Value("capacityProviderStrategies").([]any) {
		entry := e.(map[string]any)
		strategy[entry["capacityProvider"].(string)] = entry
	}
	if strategy["FARGATE_SPOT"]["weight"] != 3.0 || strategy["FARGATE"]["base"] != 1.0 || strategy["FARGATE"]["weight"] != 1.0 {
		t.Errorf("capacity provider strategy %v", strategy)
	}
	cluster := m.one(t, "aws:ecs/cluster:Cluster")
	if s := cluster.Value("settings").([]any)[0].(map[string]any); s["value"] != "enabled" {
		t.Errorf("container insights %v", s)
	}
	if cluster.Value("tags").(map[string]any)["team"] != "risk" {
		t.Errorf("cluster tags %v", cluster.Value("tags"))
	}
	for _, g := range m.byType("aws:cloudwatch/logGroup:LogGroup") {
		if g.Value("retentionInDays") != 90.0 {
			t.Errorf("log group %s retention %v", g.Name, g.Value("retentionInDays"))
		}
	}
	if b := m.one(t, "aws:s3/bucketV2:BucketV2"); b.Value("forceDestroy") != true {
		t.Errorf("bucket forceDestroy %v", b.Value("forceDestroy"))
	}
	if r := m.one(t, "aws:ecr/repository:Repository"); r.Value("forceDelete") != true {
		t.Errorf("repository forceDelete %v", r.Value("forceDelete"))
	}
	var lc struct {
		Rules []struct {
			Selection struct{ CountNumber int }
		}
	}
	m.one(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy").JSON(t, "policy", &lc)
	if lc.Rules[len(lc.Rules)-1].Selection.CountNumber != 5 {
		t.Errorf("ECR keeps %d images, want 5", lc.Rules[len(lc.Rules)-1].Selection.CountNumber)
	}
	if img := m.one(t, "awsx:ecr:Image"); img.Str("imageTag") != "v7" {
		t.Errorf("image tag %s", img.Str("imageTag"))
	}
}

func TestOnDemandOnlyUsesFargateAlone(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.OnDemandOnly = true
	m, _ := mustDeploy(t, true, args)
	strategy := m.one(t, "aws:ecs/service:Service").Value("capacityProviderStrategies").([]any)
	if len(strategy) != 1 || strategy[0].(map[string]any)["capacityProvider"] != "FARGATE" {
		t.Errorf("strategy %v, want FARGATE only", strategy)
	}
}

func TestBringYourOwnVPCCreatesOnlyTheWorkerSecurityGroup(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.VpcID = pulumi.String("vpc-0abc")
	args.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-1"), pulumi.String("subnet-2")}
	for _, mode := range modes {
		m, p := mustDeploy(t, mode.dryRun, args)
		for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/vpcEndpoint:VpcEndpoint"} {
			if n := len(m.byType(typ)); n != 0 {
				t.Errorf("%s: brought VPC but %d %s created", mode.name, n, typ)
			}
		}
		sg := m.one(t, "aws:ec2/securityGroup:SecurityGroup")
		if sg.Str("vpcId") != "vpc-0abc" {
			t.Errorf("%s: worker group in %s", mode.name, sg.Str("vpcId"))
		}
		eg := m.one(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
		if eg.Value("fromPort") != 443.0 || eg.Value("toPort") != 443.0 {
			t.Errorf("%s: egress %v, want HTTPS only", mode.name, eg.Inputs)
		}
		nc := m.one(t, "aws:ecs/service:Service").Value("networkConfiguration").(map[string]any)
		if got := toStrings(nc["subnets"]); strings.Join(got, ",") != "subnet-1,subnet-2" {
			t.Errorf("%s: service subnets %v", mode.name, got)
		}
		if got := awaitString(t, p.VpcID); got != "vpc-0abc" {
			t.Errorf("%s: vpcId %s", mode.name, got)
		}
	}
}

func TestPinnedZonesAreUsedWithoutLookingThemUp(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.AvailabilityZones = []string{"eu-west-1c", "eu-west-1a"}
	m, _ := mustDeploy(t, true, args)
	var zones []string
	for _, sn := range m.byType("aws:ec2/subnet:Subnet") {
		zones = append(zones, sn.Str("availabilityZone"))
	}
	if strings.Join(sorted(zones), ",") != "eu-west-1a,eu-west-1c" {
		t.Errorf("zones %v", zones)
	}
	for _, inv := range m.invokes {
		if strings.Contains(inv, "getAvailabilityZones") {
			t.Errorf("zones were pinned but looked up")
		}
	}
}
