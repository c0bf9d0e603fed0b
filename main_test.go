package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"gopkg.in/yaml.v3"

	"github.com/montecarlo-pipeline/montecarlo/components"
)

var update = flag.Bool("update", false, "rewrite the config section of Pulumi.yaml from configKeys")

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
	case "aws:ecs/cluster:Cluster", "aws:ecs/service:Service", "aws:iam/role:Role":
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
		return resource.NewPropertyMapFromMap(map[string]any{"names": []string{"us-east-1a", "us-east-1b", "us-east-1c"}}), nil
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
		p, err = deployStack(ctx)
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
	for _, k := range configKeys {
		if !covered[k.Name] {
			t.Errorf("config key %s has no case here", k.Name)
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
		if got := defaultNamePrefix(stack); got != want {
			t.Errorf("defaultNamePrefix(%q) = %q, want %q", stack, got, want)
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

func TestPulumiYAMLDeclaresEveryConfigKeyWithTypeDefaultAndDescription(t *testing.T) {
	t.Parallel()
	if *update {
		if err := writeProjectConfig("Pulumi.yaml"); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var p projectFile
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != configNamespace || p.Runtime != "go" {
		t.Errorf("project %q runtime %q, want %q on go", p.Name, p.Runtime, configNamespace)
	}
	if len(p.Config) != len(configKeys) {
		t.Errorf("Pulumi.yaml declares %d keys, the program reads %d (run go test -run PulumiYAML -update)", len(p.Config), len(configKeys))
	}
	for _, k := range configKeys {
		c, ok := p.Config[k.Name]
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
}

func TestDeclaredDefaultsAreTheComponentDefaults(t *testing.T) {
	t.Parallel()
	// Setting every key to the default Pulumi.yaml declares must build the
	// same resources as setting none: the declared defaults document, and
	// never change, what the component does.
	explicit := map[string]string{"montecarlo:imageTag": "unit-test"}
	for _, k := range configKeys {
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

// writeProjectConfig rewrites Pulumi.yaml from configKeys, keeping the
// project's name, runtime and description.
func writeProjectConfig(path string) error {
	var buf bytes.Buffer
	buf.WriteString("name: montecarlo\nruntime: go\n")
	buf.WriteString("description: Monte Carlo loan-default pipeline on AWS Step Functions and Fargate Spot (the MonteCarloPipeline component). See the Deploy section of README.md.\n")
	buf.WriteString("# Generated from configKeys in main.go: go test -run PulumiYAML -update .\n")
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
	for _, k := range configKeys {
		e := entry{Type: k.Type, Default: k.Default, Description: k.Description}
		if k.Type == "array" {
			e.Items = &items{Type: "string"} // Pulumi requires the element type of an array
		}
		var out bytes.Buffer
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(map[string]entry{k.Name: e}); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
			buf.WriteString("  " + line + "\n")
		}
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
