package main

import (
	"context"
	"regexp"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := toStruct(resource.NewPropertyMapFromMap(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func configured(t *testing.T) *awsProvider {
	t.Helper()
	p := &awsProvider{}
	if _, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: props(t, map[string]any{"region": "us-east-1"})}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckAutonamesLikePulumiAWSAndKeepsTheOldName(t *testing.T) {
	p := configured(t)
	ctx := context.Background()
	const urn = "urn:pulumi:dev::montecarlo::montecarlo:index:MonteCarloPipeline$aws:s3/bucketV2:BucketV2::Montecarlo-Data"
	r, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Type: "aws:s3/bucketV2:BucketV2", Name: "Montecarlo-Data", News: props(t, map[string]any{}), RandomSeed: []byte("seed")})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := unmarshal(r.Inputs)
	name := in["bucket"].StringValue()
	if !regexp.MustCompile(`^montecarlo-data-[0-9a-f]{7}$`).MatchString(name) {
		t.Errorf("autonamed bucket %q, want the lowercased resource name, - and 7 hex digits", name)
	}
	again, err := p.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, Type: "aws:s3/bucketV2:BucketV2", Name: "Montecarlo-Data", Olds: r.Inputs, News: props(t, map[string]any{"forceDestroy": true}), RandomSeed: []byte("other")})
	if err != nil {
		t.Fatal(err)
	}
	in, _ = unmarshal(again.Inputs)
	if got := in["bucket"].StringValue(); got != name {
		t.Errorf("on update the bucket is renamed %q -> %q", name, got)
	}
}

func TestDiffReplacesOnlyOnReplaceProperties(t *testing.T) {
	p := configured(t)
	ctx := context.Background()
	olds := map[string]any{"cidrBlock": "10.64.0.0/16", "enableDnsSupport": true}
	cases := []struct {
		news    map[string]any
		changes pulumirpc.DiffResponse_DiffChanges
		replace bool
	}{
		{olds, pulumirpc.DiffResponse_DIFF_NONE, false},
		{map[string]any{"cidrBlock": "10.64.0.0/16", "enableDnsSupport": false}, pulumirpc.DiffResponse_DIFF_SOME, false},
		{map[string]any{"cidrBlock": "10.1.0.0/16", "enableDnsSupport": true}, pulumirpc.DiffResponse_DIFF_SOME, true},
	}
	for _, tc := range cases {
		d, err := p.Diff(ctx, &pulumirpc.DiffRequest{Type: "aws:ec2/vpc:Vpc", OldInputs: props(t, olds), Olds: props(t, olds), News: props(t, tc.news)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Changes != tc.changes || (len(d.Replaces) > 0) != tc.replace {
			t.Errorf("%v -> %v: changes %v replaces %v", olds, tc.news, d.Changes, d.Replaces)
		}
	}
}

func TestServiceCapacityStrategyChangeReplacesUnlessForceNewDeployment(t *testing.T) {
	p := configured(t)
	strategy := func(w int) []any {
		return []any{map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": w}}
	}
	for _, force := range []bool{false, true} {
		olds := map[string]any{"name": "svc", "capacityProviderStrategies": strategy(1), "forceNewDeployment": force}
		news := map[string]any{"name": "svc", "capacityProviderStrategies": strategy(2), "forceNewDeployment": force}
		d, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Type: "aws:ecs/service:Service", OldInputs: props(t, olds), Olds: props(t, olds), News: props(t, news)})
		if err != nil {
			t.Fatal(err)
		}
		if replaced := len(d.Replaces) > 0; replaced == force {
			t.Errorf("forceNewDeployment %v: replaces %v", force, d.Replaces)
		}
	}
}

func TestCreateGivesAWSShapedIDsAndUnknownsInPreview(t *testing.T) {
	p := configured(t)
	for _, preview := range []bool{false, true} {
		r, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Type: "aws:ec2/vpc:Vpc", Name: "montecarlo-vpc", Properties: props(t, map[string]any{"cidrBlock": "10.64.0.0/16"}), Preview: preview})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := unmarshal(r.Properties)
		if preview {
			if r.Id != "" || !out["arn"].IsComputed() {
				t.Errorf("preview: id %q arn %v, want no ID and an unknown ARN", r.Id, out["arn"])
			}
			continue
		}
		if !regexp.MustCompile(`^vpc-[0-9a-f]{17}$`).MatchString(r.Id) || out["arn"].StringValue() != "arn:aws:ec2:us-east-1:123456789012:vpc/"+r.Id {
			t.Errorf("id %q arn %v", r.Id, out["arn"])
		}
	}
}

func TestUnknownTypesAndInvokesAreErrorsNamingThem(t *testing.T) {
	p := configured(t)
	if _, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Type: "aws:rds/instance:Instance", Name: "db", News: props(t, map[string]any{})}); err == nil || !regexp.MustCompile(`aws:rds/instance:Instance`).MatchString(err.Error()) {
		t.Errorf("unknown type: err = %v", err)
	}
	if _, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "aws:rds/getInstance:getInstance", Args: props(t, map[string]any{})}); err == nil || !regexp.MustCompile(`getInstance`).MatchString(err.Error()) {
		t.Errorf("unknown invoke: err = %v", err)
	}
}
