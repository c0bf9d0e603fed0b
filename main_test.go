package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"gopkg.in/yaml.v3"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/program"
)

var update = flag.Bool("update", false, "rewrite Pulumi.yaml and docs/deploy.md's configuration table from program.ConfigKeys")

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
	testDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// mocks records resources and answers the provider's invokes.
type mocks struct {
	mu        sync.Mutex
	resources []recorded
}

type recorded struct {
	typ, name string
	inputs    resource.PropertyMap
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.resources = append(m.resources, recorded{args.TypeToken, args.Name, args.Inputs})
	m.mu.Unlock()
	outs := args.Inputs.Copy()
	set := func(k string, v any) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	physical := args.Name + "-x1"
	id := args.Name + "-id"
	switch args.TypeToken {
	case "aws:s3/bucketV2:BucketV2":
		set("bucket", physical)
		set("arn", "arn:aws:s3:::"+physical)
	case "aws:ecr/repository:Repository":
		set("arn", "arn:aws:ecr:"+testRegion+":"+testAccount+":repository/"+physical)
		set("repositoryUrl", testAccount+".dkr.ecr."+testRegion+".amazonaws.com/"+physical)
		set("name", physical)
	case "awsx:ecr:Image":
		set("imageUri", args.Inputs["repositoryUrl"].StringValue()+"@"+testDigest)
	case "aws:ecs/cluster:Cluster", "aws:ecs/service:Service", "aws:iam/role:Role",
		"aws:autoscaling/group:Group", "aws:ecs/capacityProvider:CapacityProvider", "aws:iam/instanceProfile:InstanceProfile":
		set("name", physical)
		set("arn", "arn:aws:x:"+testRegion+":"+testAccount+":"+physical)
	case "aws:cloudwatch/logGroup:LogGroup":
		set("name", physical)
		set("arn", "arn:aws:logs:"+testRegion+":"+testAccount+":log-group:"+physical)
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", "arn:aws:ecs:"+testRegion+":"+testAccount+":task-definition/"+physical+":1")
	case "aws:sfn/activity:Activity":
		id = "arn:aws:states:" + testRegion + ":" + testAccount + ":activity:" + physical
	case "aws:sfn/stateMachine:StateMachine":
		set("arn", "arn:aws:states:"+testRegion+":"+testAccount+":stateMachine:"+args.Inputs["name"].StringValue())
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		set("prefixListId", "pl-1")
	case "aws:lambda/function:Function":
		set("arn", "arn:aws:lambda:"+testRegion+":"+testAccount+":function:"+args.Inputs["name"].StringValue())
	}
	return id, outs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": testRegion}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": testAccount}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com"}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{
			"names":   []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			"zoneIds": []string{"use1-az1", "use1-az2", "use1-az4"},
		}), nil
	case "aws:ec2/getVpcEndpointService:getVpcEndpointService":
		// Every interface endpoint service is offered in every zone.
		name := args.Args["serviceName"].StringValue()
		return resource.NewPropertyMapFromMap(map[string]any{
			"serviceName": name, "serviceType": "Interface", "availabilityZones": []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		}), nil
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// find returns the input of a recorded resource, as plain Go values.
func (m *mocks) find(typ, name string) (resource.PropertyMap, bool) {
	for _, r := range m.resources {
		if r.typ == typ && r.name == name {
			return r.inputs, true
		}
	}
	return nil, false
}

func (m *mocks) count(typ string) int {
	n := 0
	for _, r := range m.resources {
		if r.typ == typ {
			n++
		}
	}
	return n
}

// withConfig sets the run's config and dry-run flag, as the engine does.
func withConfig(cfg map[string]string, dryRun bool) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.DryRun = dryRun
	}
}

// runProgram runs the program under mocks with the given config.
func runProgram(t *testing.T, cfg map[string]string, dryRun bool) (*mocks, *components.MonteCarloPipeline, error) {
	t.Helper()
	m := &mocks{}
	var p *components.MonteCarloPipeline
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var err error
		p, err = program.DeployStack(ctx)
		return err
	}, pulumi.WithMocks("montecarlo", "dev", m), withConfig(cfg, dryRun))
	return m, p, err
}

// devConfig reads Pulumi.dev.yaml's config as the engine passes it: every
// value a string, arrays as JSON.
func devConfig(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stack struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &stack); err != nil {
		t.Fatalf("Pulumi.dev.yaml: %v", err)
	}
	out := map[string]string{}
	for k, v := range stack.Config {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func TestProgramRunsWithTheDevStackConfig(t *testing.T) {
	cfg := devConfig(t)
	// The default image tag hashes the repository's build context; a unit
	// test must not depend on the Dockerfile or walk the tree.
	cfg["montecarlo:imageTag"] = "unit-test"
	for _, dryRun := range []bool{true, false} {
		m, p, err := runProgram(t, cfg, dryRun)
		if err != nil {
			t.Fatalf("dryRun=%v: %v", dryRun, err)
		}
		if m.count("aws:sfn/stateMachine:StateMachine") != 3 || m.count("aws:ecs/service:Service") != 1 {
			t.Errorf("dryRun=%v: the stack lacks its state machines or service", dryRun)
		}
		if dryRun {
			continue
		}
		outputs := p.Outputs()
		for _, key := range []string{"generateStateMachineArn", "simulateStateMachineArn", "cleanupStateMachineArn", "stateMachineRoleArn", "generateStateMachineRoleArn", "activityArn", "dataBucketName", "clusterName", "serviceName", "imageUri", "logGroupName", "vpcId"} {
			out, ok := outputs[key]
			if !ok {
				t.Errorf("stack output %s is not exported", key)
				continue
			}
			r, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(out))
			if err != nil || !r.Known || r.Value == "" {
				t.Errorf("stack output %s = %v (known %v, err %v)", key, r.Value, r.Known, err)
			}
		}
		sm, _ := m.find("aws:sfn/stateMachine:StateMachine", "montecarlo-generate")
		if got := sm["name"].StringValue(); got != "montecarlo-dev-generate" {
			t.Errorf("state machine name %s, want montecarlo-dev-generate (prefix from the stack)", got)
		}
	}
}

func TestEveryConfigKeyReachesTheResourceItControls(t *testing.T) {
	t.Parallel()
	const sm = "aws:sfn/stateMachine:StateMachine"
	const td = "aws:ecs/taskDefinition:TaskDefinition"
	const svc = "aws:ecs/service:Service"
	type target struct{ typ, name, input string }
	gen := target{sm, "montecarlo-generate", "definition"}
	sim := target{sm, "montecarlo-simulate", "definition"}
	containers := target{td, "montecarlo-worker", "containerDefinitions"}
	fn := func(input string) target { return target{"aws:lambda/function:Function", "montecarlo-worker", input} }
	cases := []struct {
		keys    map[string]string
		changes []target
	}{
		{map[string]string{"namePrefix": "mc-x"}, []target{{sm, "montecarlo-generate", "name"}}},
		{map[string]string{"availabilityZoneCount": "3"}, []target{{"aws:ec2/vpcEndpoint:VpcEndpoint", "montecarlo-logs", "subnetIds"}}},
		{map[string]string{"availabilityZones": `["us-east-1c","us-east-1b"]`}, []target{{"aws:ec2/subnet:Subnet", "montecarlo-private-0", "availabilityZone"}}},
		{map[string]string{"vpcCidr": "10.1.0.0/16"}, []target{{"aws:ec2/vpc:Vpc", "montecarlo-vpc", "cidrBlock"}}},
		{map[string]string{"vpcId": "vpc-1", "subnetIds": `["subnet-a"]`}, []target{{"aws:ec2/securityGroup:SecurityGroup", "montecarlo-workers", "vpcId"}, {svc, "montecarlo-workers", "networkConfiguration"}}},
		{map[string]string{"inputBucket": "loans-in"}, []target{{"aws:iam/rolePolicy:RolePolicy", "montecarlo-task", "policy"}, {"aws:iam/rolePolicy:RolePolicy", "montecarlo-simulate-states", "policy"}}},
		{map[string]string{"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k"}, []target{{"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "montecarlo-data", "rules"}}},
		{map[string]string{"scratchExpirationDays": "9"}, []target{{"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "montecarlo-data", "rules"}}},
		{map[string]string{"forceDestroy": "true"}, []target{{"aws:s3/bucketV2:BucketV2", "montecarlo-data", "forceDestroy"}}},
		{map[string]string{"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/w@" + testDigest, "imageTag": ""}, []target{containers}},
		{map[string]string{"imageTag": "v9"}, []target{{"awsx:ecr:Image", "montecarlo-worker", "imageTag"}}},
		{map[string]string{"imageRetentionCount": "3"}, []target{{"aws:ecr/lifecyclePolicy:LifecyclePolicy", "montecarlo-worker", "policy"}}},
		{map[string]string{"compute": "lambda"}, []target{gen, sim}},
		{map[string]string{"compute": "lambda", "lambdaMemoryMb": "3008"}, []target{fn("memorySize")}},
		{map[string]string{"compute": "lambda", "lambdaTimeoutSeconds": "300"}, []target{fn("timeout"), sim}},
		{map[string]string{"compute": "lambda", "lambdaReservedConcurrency": "80"}, []target{fn("reservedConcurrentExecutions")}},
		{map[string]string{"compute": "lambda", "lambdaVpc": "true"}, []target{fn("vpcConfig")}},
		{map[string]string{"compute": "ec2-spot"}, []target{{td, "montecarlo-worker", "requiresCompatibilities"}, {svc, "montecarlo-workers", "capacityProviderStrategies"}, sim}},
		// Compared with the default fargate-spot stack, which has no group:
		// TestEC2InstanceTypesReachTheAutoScalingGroup compares the types.
		{map[string]string{"compute": "ec2-spot", "ec2InstanceTypes": `["m6i.xlarge","m5.xlarge"]`}, []target{{"aws:autoscaling/group:Group", "montecarlo-spot", "mixedInstancesPolicy"}}},
		{map[string]string{"workerCount": "7"}, []target{gen, sim}},
		{map[string]string{"tasksPerWorker": "3"}, []target{containers, sim}},
		{map[string]string{"taskCpu": "2048", "taskMemory": "4096"}, []target{{td, "montecarlo-worker", "cpu"}, {td, "montecarlo-worker", "memory"}}},
		{map[string]string{"onDemandOnly": "true"}, []target{{svc, "montecarlo-workers", "capacityProviderStrategies"}}},
		{map[string]string{"spotWeight": "3"}, []target{{svc, "montecarlo-workers", "capacityProviderStrategies"}}},
		{map[string]string{"onDemandBase": "1"}, []target{{svc, "montecarlo-workers", "capacityProviderStrategies"}}},
		{map[string]string{"onDemandWeight": "2"}, []target{{svc, "montecarlo-workers", "capacityProviderStrategies"}}},
		{map[string]string{"containerInsights": "true"}, []target{{"aws:ecs/cluster:Cluster", "montecarlo", "settings"}}},
		{map[string]string{"workerLogLevel": "debug"}, []target{containers}},
		{map[string]string{"logRetentionDays": "7"}, []target{{"aws:cloudwatch/logGroup:LogGroup", "montecarlo-workers", "retentionInDays"}, {"aws:cloudwatch/logGroup:LogGroup", "montecarlo-states", "retentionInDays"}}},
		{map[string]string{"stateMachineLogLevel": "ALL"}, []target{{sm, "montecarlo-simulate", "loggingConfiguration"}}},
		{map[string]string{"tracing": "false"}, []target{{sm, "montecarlo-simulate", "tracingConfiguration"}}},
		{map[string]string{"batchSize": "500"}, []target{sim}},
		{map[string]string{"shardSize": "5000"}, []target{gen}},
		{map[string]string{"maxConcurrency": "3"}, []target{sim}},
		{map[string]string{"toleratedFailurePercent": "5"}, []target{sim}},
		{map[string]string{"taskTimeoutSeconds": "3600"}, []target{sim}},
		{map[string]string{"heartbeatSeconds": "60"}, []target{sim, containers}},
		{map[string]string{"workerWaitSeconds": "10"}, []target{sim}},
		{map[string]string{"workerWaitMaxPolls": "5"}, []target{sim}},
		{map[string]string{"dataset": "bank"}, []target{gen}},
		{map[string]string{"loanCount": "1000"}, []target{gen}},
		{map[string]string{"layout": "per-loan"}, []target{gen}},
		{map[string]string{"scenarios": "50"}, []target{sim}},
		{map[string]string{"targetRate": "0.07"}, []target{sim}},
		{map[string]string{"horizonMonths": "12"}, []target{sim}},
		{map[string]string{"seed": "9"}, []target{sim}},
	}
	covered := map[string]bool{}
	base := map[string]string{"montecarlo:imageTag": "unit-test"}
	baseMocks, _, err := runProgram(t, base, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		var names []string
		for k := range tc.keys {
			names = append(names, k)
			covered[k] = true
		}
		sort.Strings(names)
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			t.Parallel()
			cfg := map[string]string{"montecarlo:imageTag": "unit-test"}
			for k, v := range tc.keys {
				if v == "" {
					delete(cfg, "montecarlo:"+k)
				} else {
					cfg["montecarlo:"+k] = v
				}
			}
			m, _, err := runProgram(t, cfg, false)
			if err != nil {
				t.Fatalf("config %v: %v", tc.keys, err)
			}
			for _, tg := range tc.changes {
				got, ok := m.find(tg.typ, tg.name)
				if !ok {
					t.Errorf("no %s %s", tg.typ, tg.name)
					continue
				}
				before, _ := baseMocks.find(tg.typ, tg.name)
				if reflect.DeepEqual(before[resource.PropertyKey(tg.input)], got[resource.PropertyKey(tg.input)]) {
					t.Errorf("setting %v left %s %s %s unchanged", tc.keys, tg.typ, tg.name, tg.input)
				}
			}
		})
	}
	for _, k := range program.ConfigKeys {
		if !covered[k.Name] {
			t.Errorf("config key %s has no case here", k.Name)
		}
	}
}

func TestEC2InstanceTypesReachTheAutoScalingGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{"", components.DefaultEC2InstanceTypes},
		{`["m6i.xlarge","m5.xlarge"]`, []string{"m6i.xlarge", "m5.xlarge"}},
	} {
		cfg := map[string]string{"montecarlo:imageTag": "unit-test", "montecarlo:compute": "ec2-spot"}
		if tc.raw != "" {
			cfg["montecarlo:ec2InstanceTypes"] = tc.raw
		}
		m, _, err := runProgram(t, cfg, false)
		if err != nil {
			t.Fatalf("ec2InstanceTypes %s: %v", tc.raw, err)
		}
		g, ok := m.find("aws:autoscaling/group:Group", "montecarlo-spot")
		if !ok {
			t.Fatal("no Auto Scaling group with compute ec2-spot")
		}
		var got []string
		lt := g["mixedInstancesPolicy"].ObjectValue()["launchTemplate"].ObjectValue()
		for _, o := range lt["overrides"].ArrayValue() {
			got = append(got, o.ObjectValue()["instanceType"].StringValue())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ec2InstanceTypes %q: group types %v, want %v", tc.raw, got, tc.want)
		}
	}
}

func TestInvalidConfigValuesAreRejectedNamingTheKey(t *testing.T) {
	t.Parallel()
	cases := []struct{ key, value, want string }{
		{"workerCount", "many", `config montecarlo:workerCount: "many" is not a whole number`},
		{"workerCount", "1001", "WorkerCount = 1001: want 1 to 1000"},
		{"tasksPerWorker", "0.5", `config montecarlo:tasksPerWorker: "0.5" is not a whole number`},
		{"batchSize", "-1", "BatchSize = -1"},
		{"maxConcurrency", "20000", "MaxConcurrency = 20000: want 1 to 10000"},
		{"taskCpu", "3000", "TaskCPU 3000 must be one of"},
		{"taskMemory", "1024", "TaskMemory 1024 is not allowed with TaskCPU 1024"},
		{"spotWeight", "-1", "SpotWeight -1 is out of range 0..1000"},
		{"onDemandBase", "-2", "OnDemandBase -2 is out of range"},
		{"onDemandOnly", "maybe", `config montecarlo:onDemandOnly: "maybe" is not true or false`},
		{"loanCount", "-5", "Defaults.Loans = -5"},
		{"scenarios", "-1", "Defaults.Scenarios = -1"},
		{"targetRate", "8%", `config montecarlo:targetRate: "8%" is not a number`},
		{"targetRate", "8", "Defaults.TargetRate = 8"},
		{"horizonMonths", "121", "Defaults.HorizonMonths = 121: want 1 to 120"},
		{"seed", "-3", "Defaults.Seed = -3"},
		{"logRetentionDays", "10", "LogRetentionDays 10 must be one of CloudWatch's values"},
		{"image", "busybox:latest", "pinned by digest"},
		{"availabilityZones", "us-east-1a", "is not a JSON array of strings"},
		{"heartbeatSeconds", "5", "HeartbeatSeconds = 5"},
		{"layout", "parquet", `Defaults.Layout = "parquet"`},
		{"namePrefix", "Has_Caps", "NamePrefix"},
		{"compute", "ec2", `Compute "ec2" must be one of fargate-spot, lambda`},
		{"lambdaMemoryMb", "4096", `LambdaMemoryMB: only for Compute "lambda"`},
		{"ec2InstanceTypes", `["c6i.xlarge"]`, `EC2InstanceTypes: only for Compute "ec2-spot"`},
	}
	for _, tc := range cases {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]string{"montecarlo:imageTag": "unit-test", "montecarlo:" + tc.key: tc.value}
			if tc.key == "image" {
				delete(cfg, "montecarlo:imageTag")
			}
			// Bad config must fail at preview.
			_, _, err := runProgram(t, cfg, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), "config montecarlo:"+tc.key+":") {
				t.Errorf("err = %v, want it to name the key (config montecarlo:%s:)", err, tc.key)
			}
		})
	}
}

func TestDefaultNamePrefixIsAValidPrefixPerStack(t *testing.T) {
	t.Parallel()
	for stack, want := range map[string]string{
		"dev":                             "montecarlo-dev",
		"Prod_EU.1":                       "montecarlo-prod-eu-1",
		"a-very-long-stack-name-for-test": "montecarlo-a-very-long-stack-n",
		"org/x":                           "montecarlo-org-x",
	} {
		if got := program.DefaultNamePrefix(stack); got != want {
			t.Errorf("DefaultNamePrefix(%q) = %q, want %q", stack, got, want)
		}
	}
}

// projectFile is the part of Pulumi.yaml the tests check.
type projectFile struct {
	Name    string                   `yaml:"name"`
	Runtime string                   `yaml:"runtime"`
	Config  map[string]projectConfig `yaml:"config"`
}

type projectConfig struct {
	Type  string `yaml:"type"`
	Items *struct {
		Type string `yaml:"type"`
	} `yaml:"items"`
	Default     any    `yaml:"default,omitempty"`
	Description string `yaml:"description"`
}

// TestPulumiYAMLIsGeneratedFromConfigKeys: Pulumi.yaml is exactly what
// projectYAML makes of program.ConfigKeys (go test -run PulumiYAML -update .
// rewrites it and docs/deploy.md's table), every key with a default is declared
// with its type, default and description, and no optional key is declared:
// the CLI would refuse every stack that leaves it unset.
func TestPulumiYAMLIsGeneratedFromConfigKeys(t *testing.T) {
	if *update {
		if err := os.WriteFile("Pulumi.yaml", projectYAML(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := rewriteREADMETable(configDoc); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(projectYAML()) {
		t.Errorf("Pulumi.yaml is not generated from program.ConfigKeys (run go test -run PulumiYAML -update .)")
	}
	var p projectFile
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != program.Namespace || p.Runtime != "go" {
		t.Errorf("project %q runtime %q, want %q on go", p.Name, p.Runtime, program.Namespace)
	}
	declared := 0
	for _, k := range program.ConfigKeys {
		c, ok := p.Config[k.Name]
		if k.Optional() {
			if ok {
				t.Errorf("Pulumi.yaml declares optional key %s: the CLI would require it on every stack", k.Name)
			}
			if !strings.Contains(string(b), "\n#   "+k.Name+" ("+k.Type+"): ") {
				t.Errorf("Pulumi.yaml does not document optional key %s", k.Name)
			}
			continue
		}
		declared++
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", k.Name)
			continue
		}
		if c.Type != k.Type || c.Description != k.Description || fmt.Sprint(c.Default) != fmt.Sprint(k.Default) {
			t.Errorf("Pulumi.yaml %s = %+v, want type %s default %v description %q", k.Name, c, k.Type, k.Default, k.Description)
		}
		if k.Type == "array" && (c.Items == nil || c.Items.Type != "string") {
			t.Errorf("Pulumi.yaml %s: an array needs items: {type: string}", k.Name)
		}
	}
	if len(p.Config) != declared {
		t.Errorf("Pulumi.yaml declares %d keys, the program has %d with a default", len(p.Config), declared)
	}
}

// TestREADMEConfigTableIsConfigKeys: docs/deploy.md's configuration table is
// the one the generator writes, so README, Pulumi.yaml and the program
// list the same keys, types, defaults and meanings.
func TestREADMEConfigTableIsConfigKeys(t *testing.T) {
	b, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	start, end, err := readmeTableSpan(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b)[start:end], readmeTable(); got != want {
		t.Errorf(configDoc+"'s configuration table is not generated from program.ConfigKeys (run go test -run PulumiYAML -update .)\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestEveryConfigKeyNamesAnArgsField(t *testing.T) {
	t.Parallel()
	for _, k := range program.ConfigKeys {
		if !program.HasArgsField(k.Name) {
			t.Errorf("config key %s has no entry in argsField: its component errors would not name it", k.Name)
		}
	}
}

func TestOptionalKeysSetEmptyAreRefusedNamingTheKey(t *testing.T) {
	t.Parallel()
	for _, k := range program.ConfigKeys {
		if !k.Optional() {
			continue
		}
		empty := ""
		if k.Type == "array" {
			empty = "[]"
		}
		cfg := map[string]string{"montecarlo:imageTag": "unit-test", "montecarlo:" + k.Name: empty}
		_, _, err := runProgram(t, cfg, true)
		want := "config montecarlo:" + k.Name + ": is set but empty; to leave it unset run `pulumi config rm montecarlo:" + k.Name + "`"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s = %q: err = %v, want %q", k.Name, empty, err, want)
		}
	}
}

// cliDefaults is the config the Pulumi CLI passes a stack that sets
// nothing: every default Pulumi.yaml declares.
func cliDefaults() map[string]string {
	cfg := map[string]string{}
	for _, k := range program.ConfigKeys {
		if !k.Optional() {
			cfg["montecarlo:"+k.Name] = fmt.Sprint(k.Default)
		}
	}
	return cfg
}

// TestDeclaredDefaultsPassedByTheCLIMeanUnset: the CLI passes every
// declared default as a set value (the engine tests found it). A brought
// VPC and onDemandOnly must still work, although the declared
// availabilityZoneCount and spotWeight "are set".
func TestDeclaredDefaultsPassedByTheCLIMeanUnset(t *testing.T) {
	t.Parallel()
	cfg := cliDefaults()
	cfg["montecarlo:imageTag"] = "unit-test"
	cfg["montecarlo:vpcId"] = "vpc-1"
	cfg["montecarlo:subnetIds"] = `["subnet-a"]`
	cfg["montecarlo:onDemandOnly"] = "true"
	m, _, err := runProgram(t, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	if m.count("aws:ec2/vpc:Vpc") != 0 {
		t.Errorf("vpcId set: the stack must not create a VPC")
	}
	// Another spelling of a declared default is the default too.
	cfg = map[string]string{"montecarlo:imageTag": "unit-test", "montecarlo:vpcId": "vpc-1", "montecarlo:subnetIds": `["subnet-a"]`, "montecarlo:availabilityZoneCount": "02", "montecarlo:onDemandOnly": "TRUE", "montecarlo:spotWeight": "1"}
	if _, _, err := runProgram(t, cfg, true); err != nil {
		t.Errorf("declared defaults spelled otherwise: %v", err)
	}
}

func TestUnsetOptionalKeysAreAbsent(t *testing.T) {
	t.Parallel()
	// Only the declared keys set, to their defaults (as the CLI passes them
	// from Pulumi.yaml): the stack creates its VPC, builds its image and
	// names its state machines after the stack.
	m, _, err := runProgram(t, cliDefaults(), true)
	if err != nil {
		t.Fatal(err)
	}
	if m.count("aws:ec2/vpc:Vpc") != 1 || m.count("awsx:ecr:Image") != 1 {
		t.Errorf("unset vpcId and image: want a created VPC and a built image, got %d VPCs and %d images", m.count("aws:ec2/vpc:Vpc"), m.count("awsx:ecr:Image"))
	}
	sm, _ := m.find("aws:sfn/stateMachine:StateMachine", "montecarlo-generate")
	if got := sm["name"].StringValue(); got != "montecarlo-dev-generate" {
		t.Errorf("unset namePrefix: state machine %s, want montecarlo-dev-generate", got)
	}
}

func TestDeclaredDefaultsAreTheComponentDefaults(t *testing.T) {
	t.Parallel()
	// Setting every key to the default Pulumi.yaml declares must build the
	// same resources as setting none: the declared defaults document, and
	// never change, what the component does.
	explicit := map[string]string{"montecarlo:imageTag": "unit-test"}
	for _, k := range program.ConfigKeys {
		switch k.Default.(type) {
		case nil:
		case []string:
		default:
			explicit["montecarlo:"+k.Name] = fmt.Sprint(k.Default)
		}
	}
	a, _, err := runProgram(t, map[string]string{"montecarlo:imageTag": "unit-test"}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := runProgram(t, explicit, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.resources) != len(b.resources) {
		t.Fatalf("%d resources with defaults, %d with the declared values", len(a.resources), len(b.resources))
	}
	for _, r := range a.resources {
		other, ok := b.find(r.typ, r.name)
		if !ok {
			t.Errorf("declared defaults lack %s %s", r.typ, r.name)
			continue
		}
		if !reflect.DeepEqual(r.inputs.Mappable(), other.Mappable()) {
			t.Errorf("%s %s differs between implicit and declared defaults", r.typ, r.name)
		}
	}
}

// projectYAML is Pulumi.yaml generated from program.ConfigKeys: the keys
// with a default declared under config:, the optional ones in a comment.
func projectYAML() []byte {
	var buf bytes.Buffer
	buf.WriteString("name: montecarlo\nruntime: go\n")
	buf.WriteString("description: Monte Carlo loan-default pipeline on AWS Step Functions and Fargate Spot (the MonteCarloPipeline component). See docs/deploy.md.\n")
	buf.WriteString("# Generated from program.ConfigKeys (program/program.go): go test -run PulumiYAML -update .\n")
	buf.WriteString("config:\n")
	type items struct {
		Type string `yaml:"type"`
	}
	type entry struct {
		Type        string `yaml:"type"`
		Items       *items `yaml:"items,omitempty"`
		Default     any    `yaml:"default,omitempty"`
		Description string `yaml:"description"`
	}
	var optional []program.ConfigKey
	for _, k := range program.ConfigKeys {
		if k.Optional() {
			optional = append(optional, k)
			continue
		}
		e := entry{Type: k.Type, Default: k.Default, Description: k.Description}
		if k.Type == "array" {
			e.Items = &items{Type: "string"} // Pulumi requires the element type of an array
		}
		var out bytes.Buffer
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(map[string]entry{k.Name: e}); err != nil {
			panic(err)
		}
		for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
			buf.WriteString("  " + line + "\n")
		}
	}
	buf.WriteString(`# Optional keys: unset means absent (see "Default:" in each line). They are
# not declared above because the Pulumi CLI refuses a stack that leaves a
# declared key without a default unset, and Pulumi.yaml cannot mark a key
# optional (pulumi/pulumi#21797). Set one with pulumi config set like any
# other (arrays: pulumi config set --path 'montecarlo:<key>[0]' <value>) and
# remove it with pulumi config rm. The program checks their values; an
# empty value is an error, not a way to unset.
`)
	for _, k := range optional {
		buf.WriteString("#   " + k.Name + " (" + k.Type + "): " + k.Description + "\n")
	}
	return buf.Bytes()
}

// configDoc is the page whose configuration table is generated from
// program.ConfigKeys (README.md links it).
const configDoc = "docs/deploy.md"

const readmeTableHeader = "| Key | Type | Default | Meaning |\n| - | - | - | - |\n"

// readmeTable is docs/deploy.md's configuration table generated from
// program.ConfigKeys.
func readmeTable() string {
	esc := strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`)
	var b strings.Builder
	b.WriteString(readmeTableHeader)
	for _, k := range program.ConfigKeys {
		def := "unset"
		if !k.Optional() {
			def = "`" + fmt.Sprint(k.Default) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, k.Type, def, esc.Replace(k.Description))
	}
	return b.String()
}

// readmeTableSpan finds the configuration table in docs/deploy.md: from its
// header line to the first line that is not a table row.
func readmeTableSpan(readme string) (start, end int, err error) {
	start = strings.Index(readme, readmeTableHeader)
	if start < 0 {
		return 0, 0, fmt.Errorf(configDoc+" has no configuration table (header %q)", readmeTableHeader)
	}
	end = start
	for end < len(readme) && strings.HasPrefix(readme[end:], "|") {
		nl := strings.IndexByte(readme[end:], '\n')
		if nl < 0 {
			end = len(readme)
			break
		}
		end += nl + 1
	}
	return start, end, nil
}

// rewriteREADMETable replaces docs/deploy.md's configuration table, and nothing
// else of the file, with readmeTable.
func rewriteREADMETable(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	start, end, err := readmeTableSpan(string(b))
	if err != nil {
		return err
	}
	out := string(b)[:start] + readmeTable() + string(b)[end:]
	return os.WriteFile(path, []byte(out), 0o644)
}
