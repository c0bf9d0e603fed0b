package components

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Fixed facts the mocks report for the provider's invokes.
const (
	testRegion  = "eu-west-1"
	testAccount = "123456789012"
	testDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

var testZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// testZoneIDs are the zone IDs of testZones, in the same order. Names map
// to IDs differently in every account; here "a" is az3, so ordering by
// zone ID differs from ordering by name.
var testZoneIDs = []string{"euw1-az3", "euw1-az1", "euw1-az2"}

// recorded is one resource registration seen by the mocks.
type recorded struct {
	Type   string
	Name   string
	Inputs resource.PropertyMap
	Custom bool
	// IgnoreChanges, Dependencies and RetainOnDelete are the resource
	// options the program passed.
	IgnoreChanges  []string
	Dependencies   []string
	RetainOnDelete bool
}

// Str returns a known string input, or "" when absent or unknown.
func (r recorded) Str(key string) string {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// Has reports whether the input is present (known or not).
func (r recorded) Has(key string) bool {
	_, ok := r.Inputs[resource.PropertyKey(key)]
	return ok
}

// Known reports whether the input is present and fully known.
func (r recorded) Known(key string) bool {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	return ok && !v.ContainsUnknowns()
}

// Value returns the input as plain Go values (maps, slices, strings,
// float64, bool).
func (r recorded) Value(key string) any {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return v.Mappable()
}

// JSON decodes a string input holding JSON into out.
func (r recorded) JSON(t *testing.T, key string, out any) {
	t.Helper()
	s := r.Str(key)
	if s == "" {
		t.Fatalf("%s %s: input %s is absent or unknown", r.Type, r.Name, key)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatalf("%s %s: input %s is not JSON: %v\n%s", r.Type, r.Name, key, err, s)
	}
}

// mocks implements pulumi.MockResourceMonitor and records every resource.
type mocks struct {
	dryRun bool
	// endpointZones, when set, are the zones each VPC endpoint service
	// (by full service name) is offered in; unset, every test zone.
	endpointZones map[string][]string

	mu        sync.Mutex
	resources []recorded
	invokes   []string
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	rec := recorded{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs, Custom: args.Custom}
	if args.RegisterRPC != nil {
		rec.IgnoreChanges = args.RegisterRPC.GetIgnoreChanges()
		rec.Dependencies = args.RegisterRPC.GetDependencies()
		rec.RetainOnDelete = args.RegisterRPC.GetRetainOnDelete()
	}
	m.resources = append(m.resources, rec)
	m.mu.Unlock()

	outs := args.Inputs.Copy()
	if m.dryRun {
		// Preview: computed outputs (ids, ARNs, generated names) are unknown.
		return "", outs, nil
	}
	set := func(k string, v any) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	physical := args.Name + "-a1b2c3d"
	id := args.Name + "-id"
	arn := func(svc, res string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, testRegion, testAccount, res)
	}
	switch args.TypeToken {
	case "aws:s3/bucketV2:BucketV2":
		id = physical
		set("bucket", physical)
		set("arn", "arn:aws:s3:::"+physical)
	case "aws:ecr/repository:Repository":
		id = physical
		set("name", physical)
		set("arn", arn("ecr", "repository/"+physical))
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", testAccount, testRegion, physical))
	case "awsx:ecr:Image":
		set("imageUri", args.Inputs["repositoryUrl"].StringValue()+"@"+testDigest)
	case "aws:ecs/cluster:Cluster":
		id = arn("ecs", "cluster/"+physical)
		set("name", physical)
		set("arn", id)
	case "aws:ecs/service:Service":
		id = arn("ecs", "service/cluster/"+physical)
		set("name", physical)
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", arn("ecs", "task-definition/"+physical+":1"))
	case "aws:cloudwatch/logGroup:LogGroup":
		n := physical
		if p := args.Inputs["namePrefix"]; p.IsString() {
			n = p.StringValue() + "a1b2c3d"
		}
		if p := args.Inputs["name"]; p.IsString() {
			n = p.StringValue()
		}
		id = n
		set("name", n)
		set("arn", arn("logs", "log-group:"+n))
	case "aws:iam/role:Role":
		id = physical
		set("name", physical)
		set("arn", "arn:aws:iam::"+testAccount+":role/"+physical)
	case "aws:sfn/activity:Activity":
		id = arn("states", "activity:"+physical)
		set("name", physical)
	case "aws:sfn/stateMachine:StateMachine":
		n := args.Inputs["name"].StringValue()
		id = arn("states", "stateMachine:"+n)
		set("arn", id)
	case "aws:cloudwatch/eventRule:EventRule":
		id = physical
		set("name", physical)
		set("arn", arn("events", "rule/"+physical))
	case "aws:lambda/function:Function":
		n := args.Inputs["name"].StringValue()
		id = n
		set("arn", arn("lambda", "function:"+n))
		set("qualifiedArn", arn("lambda", "function:"+n+":$LATEST"))
	case "aws:autoscaling/group:Group":
		id = physical
		set("name", physical)
		set("arn", arn("autoscaling", "autoScalingGroup:0000:autoScalingGroupName/"+physical))
	case "aws:ecs/capacityProvider:CapacityProvider":
		id = arn("ecs", "capacity-provider/"+physical)
		set("name", physical)
		set("arn", id)
	case "aws:iam/instanceProfile:InstanceProfile":
		id = physical
		set("name", physical)
		set("arn", "arn:aws:iam::"+testAccount+":instance-profile/"+physical)
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = "lt-" + args.Name
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + args.Name
		if args.Inputs["vpcEndpointType"].StringValue() == "Gateway" {
			set("prefixListId", "pl-6da54004")
		}
	}
	return id, outs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, args.Token)
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": testRegion, "id": testRegion}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": testAccount, "id": testAccount}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{"names": testZones, "zoneIds": testZoneIDs, "id": testRegion}), nil
	case "aws:ec2/getVpcEndpointService:getVpcEndpointService":
		name := args.Args["serviceName"].StringValue()
		zones, ok := m.endpointZones[name]
		if !ok {
			zones = testZones
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"serviceName": name, "serviceType": "Interface", "availabilityZones": zones, "id": name,
		}), nil
	}
	return nil, fmt.Errorf("mocks: unexpected invoke %s", args.Token)
}

// byType returns the recorded resources of a type, in registration order.
func (m *mocks) byType(typ string) []recorded {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []recorded
	for _, r := range m.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// one returns the only resource of a type, failing otherwise.
func (m *mocks) one(t *testing.T, typ string) recorded {
	t.Helper()
	rs := m.byType(typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	return rs[0]
}

// named returns the resource of a type with a logical name.
func (m *mocks) named(t *testing.T, typ, name string) recorded {
	t.Helper()
	for _, r := range m.byType(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", typ, name)
	return recorded{}
}

// modes are the two ways a program runs: preview (dry run, computed
// outputs unknown) and update.
var modes = []struct {
	name   string
	dryRun bool
}{{"preview", true}, {"update", false}}

// withDryRun sets the run's dry-run flag, as the engine does for preview.
func withDryRun(dryRun bool) pulumi.RunOption {
	return func(info *pulumi.RunInfo) { info.DryRun = dryRun }
}

// deploy runs NewMonteCarloPipeline under mocks and returns the mocks and the
// component.
func deploy(t *testing.T, dryRun bool, args *MonteCarloPipelineArgs) (*mocks, *MonteCarloPipeline, error) {
	t.Helper()
	return deployWith(t, &mocks{dryRun: dryRun}, args)
}

// deployWith is deploy with prepared mocks (e.g. endpointZones set).
func deployWith(t *testing.T, m *mocks, args *MonteCarloPipelineArgs) (*mocks, *MonteCarloPipeline, error) {
	t.Helper()
	dryRun := m.dryRun
	var p *MonteCarloPipeline
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var err error
		p, err = NewMonteCarloPipeline(ctx, "mc", args)
		return err
	}, pulumi.WithMocks("montecarlo", "test", m), withDryRun(dryRun))
	return m, p, err
}

// mustDeploy is deploy that fails the test on error.
func mustDeploy(t *testing.T, dryRun bool, args *MonteCarloPipelineArgs) (*mocks, *MonteCarloPipeline) {
	t.Helper()
	m, p, err := deploy(t, dryRun, args)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return m, p
}

// testArgs are args that skip hashing the repository for the image tag.
func testArgs() *MonteCarloPipelineArgs {
	return &MonteCarloPipelineArgs{ImageTag: "test"}
}

// await resolves an output after the program ran.
func await(t *testing.T, o pulumi.Output) (any, bool) {
	t.Helper()
	r, err := internals.UnsafeAwaitOutput(context.Background(), o)
	if err != nil {
		t.Fatalf("await output: %v", err)
	}
	return r.Value, r.Known
}

// awaitString resolves a string output that must be known.
func awaitString(t *testing.T, o pulumi.Output) string {
	t.Helper()
	v, known := await(t, o)
	if !known {
		t.Fatalf("output is unknown")
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("output is %T, want string", v)
	}
	return s
}

// policy is a decoded IAM policy with Action and Resource normalised to lists.
type policy struct {
	Statement []policyStatement
}

type policyStatement struct {
	Sid       string
	Effect    string
	Principal any
	Action    stringList
	Resource  stringList
	Condition map[string]map[string]any
}

// stringList decodes an IAM "string or list of strings".
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// statement returns the statement with a Sid.
func (p policy) statement(t *testing.T, sid string) policyStatement {
	t.Helper()
	for _, s := range p.Statement {
		if s.Sid == sid {
			return s
		}
	}
	t.Fatalf("no statement %s in policy", sid)
	return policyStatement{}
}

// actions returns every action the policy allows on a resource.
func (p policy) allowedOn(resourceArn string) []string {
	var out []string
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			continue
		}
		for _, r := range s.Resource {
			if r == resourceArn {
				out = append(out, s.Action...)
			}
		}
	}
	return out
}

// rolePolicy decodes the inline policy of the role with a logical name.
func rolePolicy(t *testing.T, m *mocks, name string) policy {
	t.Helper()
	var p policy
	m.named(t, "aws:iam/rolePolicy:RolePolicy", name).JSON(t, "policy", &p)
	return p
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
