// Command pulumi-resource-aws is a stand-in for the Pulumi AWS provider
// (pulumi-aws v6) for the engine tests: the real plugin cannot be had here.
// It speaks the provider gRPC protocol to a real Pulumi engine, answers the
// invokes the program makes (region, caller identity, partition,
// availability zones, VPC endpoint services), names resources the way the
// real provider does (autonaming: the resource name, "-" and 7 random hex
// digits; name prefixes: the prefix and a 26-digit unique suffix), and
// returns IDs, ARNs and computed outputs shaped like AWS's. It keeps no
// state of its own and never opens a network connection: everything it
// "creates" lives in the engine's state only.
//
// It is not a model of AWS: it accepts any inputs a type takes, and it knows
// the replace-on-change properties only of the types the program creates.
// A resource type or invoke it does not know is an error naming it, so a
// program change that needs more of it fails the engine test loudly.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is the pulumi-aws version the program's SDK asks for
// (github.com/pulumi/pulumi-aws/sdk/v6 in the main go.mod; the engine test
// checks they agree).
const Version = "6.83.4"

// The account the stand-in reports (the caller identity). AWS's
// documentation account.
const (
	accountID = "123456789012"
	userID    = "AIDAJQABLZS4A3QDU576Q"
)

func main() {
	if err := provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &awsProvider{}, nil
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type awsProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	region string
}

var marshal = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshal)
}

func toStruct(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshal)
}

func (p *awsProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (p *awsProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"aws","version":"` + Version + `"}`}, nil
}

// CheckConfig requires a region, as the real provider does when neither
// the stack (aws:region) nor the environment gives one.
func (p *awsProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if r, ok := news["region"]; !ok || !r.IsString() || r.StringValue() == "" {
		if !ok || !r.IsComputed() {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "region",
				Reason: "missing required configuration key \"aws:region\": set it with `pulumi config set aws:region <region>`"})
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.News, Failures: failures}, nil
}

func (p *awsProvider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req, nil, nil)
}

func (p *awsProvider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	args, err := unmarshal(req.Args)
	if err != nil {
		return nil, err
	}
	if r, ok := args["region"]; ok && r.IsString() {
		p.region = r.StringValue()
	} else if v := req.Variables["aws:config:region"]; v != "" {
		p.region = v
	}
	if p.region == "" {
		return nil, fmt.Errorf("aws: no region configured (pulumi config set aws:region <region>)")
	}
	if _, ok := regionZones[p.region]; !ok {
		return nil, fmt.Errorf("aws: the stand-in provider knows the zones of %s only, not %q", strings.Join(knownRegions(), ", "), p.region)
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *awsProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Check applies the real provider's autonaming: a name property left
// unset gets "<resource name>-<7 hex>" (lowercase where AWS requires it),
// kept from the old inputs on update and drawn anew on replacement (the
// engine checks again without olds then).
func (p *awsProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ := resourceType(req)
	spec, ok := types[typ]
	if !ok {
		return nil, fmt.Errorf("the stand-in aws provider does not know resource type %s (tests/engine/provider)", typ)
	}
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.Olds)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	for _, r := range spec.required {
		if v, ok := news[resource.PropertyKey(r)]; !ok || v.IsNull() {
			failures = append(failures, &pulumirpc.CheckFailure{Property: r, Reason: fmt.Sprintf("Missing required argument. The argument %q is required, but no definition was found.", r)})
		}
	}
	if an := spec.autoname; an != nil {
		key := resource.PropertyKey(an.prop)
		_, hasName := news[key]
		_, hasPrefix := news[resource.PropertyKey(an.prefixProp)]
		if !hasName && !(an.prefixProp != "" && hasPrefix) {
			if old, ok := olds[key]; ok && len(req.Olds.GetFields()) > 0 {
				news[key] = old
			} else {
				name, err := resource.NewUniqueName(req.RandomSeed, resourceName(req)+"-", 7, an.maxLen, nil)
				if err != nil {
					return nil, err
				}
				if an.lower {
					name = strings.ToLower(name)
				}
				news[key] = resource.NewProperty(name)
			}
		}
	}
	in, err := toStruct(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: in, Failures: failures}, nil
}

// Diff compares the checked inputs with the old inputs; a change of a
// property AWS cannot update in place replaces the resource.
func (p *awsProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	spec := types[resourceType(req)]
	return diff(req, spec.replaceOn, spec.replaceIf)
}

func diff(req *pulumirpc.DiffRequest, replaceOn []string, replaceIf func(olds, news resource.PropertyMap, changed []string) []string) (*pulumirpc.DiffResponse, error) {
	oldIn := req.OldInputs
	if oldIn == nil {
		oldIn = req.Olds
	}
	olds, err := unmarshal(oldIn)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.IgnoreChanges {
		ignore[k] = true
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var changed, replaces []string
	for k := range keys {
		if ignore[string(k)] || strings.HasPrefix(string(k), "__") {
			continue
		}
		o, n := olds[k], news[k]
		if o.IsNull() && n.IsNull() {
			continue
		}
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			changed = append(changed, string(k))
			for _, r := range replaceOn {
				if r == string(k) || r == "*" && !isUpdatable(string(k)) {
					replaces = append(replaces, string(k))
				}
			}
		}
	}
	if replaceIf != nil {
		for _, r := range replaceIf(olds, news, changed) {
			if !slices.Contains(replaces, r) {
				replaces = append(replaces, r)
			}
		}
	}
	sort.Strings(changed)
	sort.Strings(replaces)
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	if len(changed) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = changed
		resp.Replaces = replaces
	}
	return resp, nil
}

// isUpdatable: with replaceOn "*" (every argument forces a new resource,
// as for task definitions), tags can still change in place.
func isUpdatable(k string) bool {
	return k == "tags" || k == "tagsAll" || k == "skipDestroy" || k == "trackLatest"
}

// Create returns the ID and outputs AWS would give. In preview the
// outputs AWS computes are unknown.
func (p *awsProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := resourceType(req)
	spec, ok := types[typ]
	if !ok {
		return nil, fmt.Errorf("the stand-in aws provider does not know resource type %s", typ)
	}
	in, err := unmarshal(req.Properties)
	if err != nil {
		return nil, err
	}
	r := &res{env: p.env(), name: resourceName(req), in: in, out: in.Copy(), preview: req.Preview}
	spec.create(r)
	for k, v := range spec.defaults {
		if _, ok := r.out[resource.PropertyKey(k)]; !ok {
			r.out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
	}
	if tags, ok := in["tags"]; ok || spec.tagged {
		if !ok {
			tags = resource.NewProperty(resource.PropertyMap{})
		}
		r.out["tagsAll"] = tags
	}
	props, err := toStruct(r.out)
	if err != nil {
		return nil, err
	}
	id := r.id
	if req.Preview {
		id = ""
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update keeps what AWS computed and takes the new inputs.
func (p *awsProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := unmarshal(req.Olds)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.News)
	if err != nil {
		return nil, err
	}
	out := olds.Copy()
	for k, v := range news {
		out[k] = v
	}
	oldIn, _ := unmarshal(req.OldInputs)
	for k := range oldIn {
		if _, ok := news[k]; !ok {
			delete(out, k)
		}
	}
	if tags, ok := news["tags"]; ok {
		out["tagsAll"] = tags
	}
	props, err := toStruct(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read returns the state the engine holds: there is no AWS to ask.
func (p *awsProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.Id, Properties: req.Properties, Inputs: req.Inputs}, nil
}

func (p *awsProvider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *awsProvider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := unmarshal(req.Args)
	if err != nil {
		return nil, err
	}
	out, err := invoke(p.env(), req.Tok, args)
	if err != nil {
		return nil, err
	}
	ret, err := toStruct(resource.NewPropertyMapFromMap(out))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

type env struct{ region string }

func (p *awsProvider) env() env { return env{region: p.region} }

func (e env) arn(service, region, account, res string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, res)
}

type typed interface {
	GetType() string
	GetUrn() string
}

func resourceType(r typed) string {
	if t := r.GetType(); t != "" {
		return t
	}
	return string(resource.URN(r.GetUrn()).Type())
}

type named interface {
	GetName() string
	GetUrn() string
}

func resourceName(r named) string {
	if n := r.GetName(); n != "" {
		return n
	}
	return resource.URN(r.GetUrn()).Name()
}

var _ = tokens.Type("")

// randHex is n random lowercase hex digits, as in AWS resource IDs
// (vpc-0a1b2c3d4e5f60718: 17 digits).
func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)[:n]
}

var uniqueCounter atomic.Uint32

// uniqueSuffix is Terraform's 26-digit PrefixedUniqueId suffix: a UTC
// timestamp to the tenth of a millisecond and a counter.
func uniqueSuffix() string {
	t := time.Now().UTC()
	return t.Format("20060102150405") + fmt.Sprintf("%04d", t.Nanosecond()/100000) + fmt.Sprintf("%08x", uniqueCounter.Add(1))
}
