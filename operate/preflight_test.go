package operate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	pfAccount = "123456789012"
	pfRegion  = "eu-west-1"
	pfDigest  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func pfArn(res string) string { return "arn:aws:states:" + pfRegion + ":" + pfAccount + ":" + res }

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "injected " + code}
}

// fakeAWS is an account in-process: each field says what the account has.
type fakeAWS struct {
	account        string // the credentials' account
	noCredentials  bool
	slr            error // GetRole's error (nil: the role exists)
	spotQuota      *float64
	onDemandQuota  float64
	quotaErr       error
	imageErr       error
	strategy       []ecstypes.CapacityProviderStrategyItem
	taskCPU        string
	taskMiB        string
	desired        int      // the Simulate definition's scale-out
	mapConcurrency int      // the Simulate definition's Map MaxConcurrency (0: no Map)
	ec2Quota       *float64 // applied EC2 Spot vCPU quota (nil: none, the default counts)
	missingSM      string
	missingAct     bool
	bucketErr      error
	svcErr         error // DescribeServices' error
	calls          []string
}

func (f *fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.calls = append(f.calls, "sts:GetCallerIdentity")
	if f.noCredentials {
		return nil, apiErr("ExpiredToken")
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(f.account), Arn: aws.String("arn:aws:iam::" + f.account + ":user/ops")}, nil
}

func (f *fakeAWS) GetServiceQuota(_ context.Context, in *servicequotas.GetServiceQuotaInput, _ ...func(*servicequotas.Options)) (*servicequotas.GetServiceQuotaOutput, error) {
	f.calls = append(f.calls, "servicequotas:GetServiceQuota "+aws.ToString(in.ServiceCode)+"/"+aws.ToString(in.QuotaCode))
	if f.quotaErr != nil {
		return nil, f.quotaErr
	}
	switch aws.ToString(in.QuotaCode) {
	case FargateSpotVCPUQuota:
		if f.spotQuota == nil {
			return nil, apiErr("NoSuchResourceException")
		}
		return &servicequotas.GetServiceQuotaOutput{Quota: &sqtypes.ServiceQuota{Value: f.spotQuota}}, nil
	case FargateOnDemandVCPUQuota:
		return &servicequotas.GetServiceQuotaOutput{Quota: &sqtypes.ServiceQuota{Value: aws.Float64(f.onDemandQuota)}}, nil
	case EC2SpotVCPUQuota:
		if f.ec2Quota != nil {
			return &servicequotas.GetServiceQuotaOutput{Quota: &sqtypes.ServiceQuota{Value: f.ec2Quota}}, nil
		}
	}
	return nil, apiErr("NoSuchResourceException")
}

func (f *fakeAWS) GetAWSDefaultServiceQuota(_ context.Context, in *servicequotas.GetAWSDefaultServiceQuotaInput, _ ...func(*servicequotas.Options)) (*servicequotas.GetAWSDefaultServiceQuotaOutput, error) {
	f.calls = append(f.calls, "servicequotas:GetAWSDefaultServiceQuota "+aws.ToString(in.QuotaCode))
	return &servicequotas.GetAWSDefaultServiceQuotaOutput{Quota: &sqtypes.ServiceQuota{Value: aws.Float64(6)}}, nil
}

func (f *fakeAWS) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	f.calls = append(f.calls, "iam:GetRole "+aws.ToString(in.RoleName))
	if f.slr != nil {
		return nil, f.slr
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{Arn: aws.String("arn:aws:iam::" + f.account + ":role/aws-service-role/ecs.amazonaws.com/" + ECSServiceLinkedRole)}}, nil
}

func (f *fakeAWS) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	f.calls = append(f.calls, "ecr:DescribeImages "+aws.ToString(in.RepositoryName)+"@"+aws.ToString(in.ImageIds[0].ImageDigest))
	if f.imageErr != nil {
		return nil, f.imageErr
	}
	return &ecr.DescribeImagesOutput{}, nil
}

func (f *fakeAWS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.calls = append(f.calls, "ecs:DescribeServices "+in.Services[0])
	if f.svcErr != nil {
		return nil, f.svcErr
	}
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{{
		ServiceName: aws.String(in.Services[0]), Status: aws.String("ACTIVE"),
		TaskDefinition: aws.String("arn:aws:ecs:" + pfRegion + ":" + pfAccount + ":task-definition/mc-worker:3"), CapacityProviderStrategy: f.strategy,
	}}}, nil
}

func (f *fakeAWS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.calls = append(f.calls, "ecs:DescribeTaskDefinition "+aws.ToString(in.TaskDefinition))
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{Cpu: aws.String(f.taskCPU), Memory: aws.String(f.taskMiB)}}, nil
}

func (f *fakeAWS) DescribeStateMachine(_ context.Context, in *sfn.DescribeStateMachineInput, _ ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error) {
	arn := aws.ToString(in.StateMachineArn)
	f.calls = append(f.calls, "states:DescribeStateMachine "+arn)
	if arn == f.missingSM {
		return nil, apiErr("StateMachineDoesNotExist")
	}
	def := map[string]any{"StartAt": "ScaleOut", "States": map[string]any{
		"ScaleOut": map[string]any{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ecs:updateService",
			"Parameters": map[string]any{"Cluster": "c", "Service": "s", "DesiredCount": f.desired}, "Next": "ScaleIn"},
		"ScaleIn": map[string]any{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ecs:updateService",
			"Parameters": map[string]any{"Cluster": "c", "Service": "s", "DesiredCount": 0}, "End": true},
	}}
	if f.mapConcurrency > 0 {
		// The Lambda flavour: no scale-out, a Distributed Map of batches.
		def = map[string]any{"StartAt": "Simulate", "States": map[string]any{
			"Simulate": map[string]any{"Type": "Map", "MaxConcurrency": f.mapConcurrency, "End": true,
				"ItemProcessor": map[string]any{"StartAt": "SimulateBatch", "States": map[string]any{
					"SimulateBatch": map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}},
		}}
	}
	b, _ := json.Marshal(def)
	return &sfn.DescribeStateMachineOutput{StateMachineArn: in.StateMachineArn, Status: sfntypes.StateMachineStatusActive, Definition: aws.String(string(b))}, nil
}

func (f *fakeAWS) DescribeActivity(_ context.Context, in *sfn.DescribeActivityInput, _ ...func(*sfn.Options)) (*sfn.DescribeActivityOutput, error) {
	f.calls = append(f.calls, "states:DescribeActivity "+aws.ToString(in.ActivityArn))
	if f.missingAct {
		return nil, apiErr("ActivityDoesNotExist")
	}
	return &sfn.DescribeActivityOutput{ActivityArn: in.ActivityArn}, nil
}

func (f *fakeAWS) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	f.calls = append(f.calls, "s3:HeadBucket "+aws.ToString(in.Bucket))
	if f.bucketErr != nil {
		return nil, f.bucketErr
	}
	return &s3.HeadBucketOutput{}, nil
}

// healthy is an account where everything is in place: 2 workers of 1 vCPU
// on Fargate Spot under a quota of 4.
func healthy() *fakeAWS {
	return &fakeAWS{
		account: pfAccount, spotQuota: aws.Float64(4), onDemandQuota: 4, taskCPU: "1024", desired: 2,
		strategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}},
	}
}

func pfOutputs() PreflightOutputs {
	return PreflightOutputs{
		StackOutputs: StackOutputs{
			GenerateStateMachineArn: pfArn("stateMachine:mc-generate"), SimulateStateMachineArn: pfArn("stateMachine:mc-simulate"),
			DataBucketName: "mc-data-a1b2", ActivityArn: pfArn("activity:mc-work"), ClusterName: "mc-cluster", ServiceName: "mc-workers",
		},
		ImageURI:               pfAccount + ".dkr.ecr." + pfRegion + ".amazonaws.com/mc-worker@" + pfDigest,
		CleanupStateMachineArn: pfArn("stateMachine:mc-cleanup"),
	}
}

func awsTarget(f *fakeAWS) *PreflightTarget {
	return &PreflightTarget{
		Outputs: pfOutputs(), HasOutputs: true, Region: pfRegion,
		Clients: PreflightClients{STS: f, Quotas: f, IAM: f, ECR: f, ECS: f, SFN: f, S3: f},
	}
}

func runPreflight(t *testing.T, pt *PreflightTarget, o PreflightOptions) PreflightReport {
	t.Helper()
	r, err := Preflight(context.Background(), pt, o)
	if err != nil {
		t.Fatalf("preflight: %v", err)
	}
	return r
}

func findCheck(t *testing.T, r PreflightReport, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", name, r.Checks)
	return Check{}
}

func TestPreflightOfAHealthyStackFindsNoProblem(t *testing.T) {
	t.Parallel()
	f := healthy()
	r := runPreflight(t, awsTarget(f), PreflightOptions{})
	if !r.OK() {
		t.Fatalf("problems in a healthy stack: %+v", r.Checks)
	}
	want := []string{"credentials", "region", "ecs-service-linked-role", "ecs-service", "fargate-vcpu-quota:fargate-spot", "image",
		"state-machine:generate", "state-machine:simulate", "state-machine:cleanup", "activity", "data-bucket"}
	var got []string
	for _, c := range r.Checks {
		got = append(got, c.Name)
		if c.Status != CheckOK {
			t.Errorf("%s: %s %s", c.Name, c.Status, c.Detail)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("checks %v, want %v", got, want)
	}
	if r.Account != pfAccount || r.Region != pfRegion {
		t.Errorf("account %s region %s", r.Account, r.Region)
	}
	q := findCheck(t, r, "fargate-vcpu-quota:fargate-spot")
	if !strings.Contains(q.Detail, "needs 2 Fargate Spot vCPUs (2 workers x 1024 CPU units) of the quota of 4") {
		t.Errorf("quota detail %q", q.Detail)
	}
	for _, call := range []string{
		"iam:GetRole AWSServiceRoleForECS",
		"servicequotas:GetServiceQuota fargate/L-36FBB829",
		"ecr:DescribeImages mc-worker@" + pfDigest,
		"states:DescribeActivity " + pfArn("activity:mc-work"),
	} {
		if !strings.Contains(strings.Join(f.calls, "\n"), call) {
			t.Errorf("no call %s in %v", call, f.calls)
		}
	}
}

func TestPreflightProblemsEachSayTheCommandThatFixesThem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(*fakeAWS, *PreflightTarget, *PreflightOptions)
		check  string
		detail string
		fix    string
	}{
		{"no ECS service-linked role", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.slr = apiErr("NoSuchEntity") },
			"ecs-service-linked-role", "Unable to assume the service linked role", "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"},
		{"workers beyond the Spot quota", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.desired, f.taskCPU = 3, "2048" },
			"fargate-vcpu-quota:fargate-spot", "a run needs 6 Fargate Spot vCPUs (3 workers x 2048 CPU units) but the account's quota in eu-west-1 is 4",
			"aws service-quotas request-service-quota-increase --service-code fargate --quota-code L-36FBB829 --desired-value 6 --region eu-west-1"},
		{"flags beyond the quota", func(_ *fakeAWS, _ *PreflightTarget, o *PreflightOptions) { o.WorkerCount, o.TaskCPU = 20, 512 },
			"fargate-vcpu-quota:fargate-spot", "needs 10 Fargate Spot vCPUs (20 workers x 512 CPU units)", "--desired-value 10"},
		{"the image is gone from ECR", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) {
			f.imageErr = apiErr("ImageNotFoundException")
		},
			"image", "is not in repository mc-worker", "pulumi up"},
		{"the repository is gone", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) {
			f.imageErr = apiErr("RepositoryNotFoundException")
		},
			"image", "ECR repository mc-worker does not exist", "pulumi up"},
		{"a state machine is gone", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) {
			f.missingSM = pfArn("stateMachine:mc-simulate")
		},
			"state-machine:simulate", "no state machine " + pfArn("stateMachine:mc-simulate"), "pulumi up"},
		{"the activity is gone", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.missingAct = true },
			"activity", "the workers have nothing to poll", "pulumi up"},
		{"the bucket is gone", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.bucketErr = apiErr("NotFound") },
			"data-bucket", "no bucket mc-data-a1b2", "pulumi up"},
		{"credentials of another account", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.account = "210987654321" },
			"credentials", "of account 210987654321", "export AWS_PROFILE="},
		{"expired credentials", func(f *fakeAWS, _ *PreflightTarget, _ *PreflightOptions) { f.noCredentials = true },
			"credentials", "expired (ExpiredToken)", "aws sso login"},
		{"another region", func(_ *fakeAWS, pt *PreflightTarget, _ *PreflightOptions) { pt.Region = "us-east-1" },
			"region", "--region us-east-1, but the stack's state machines are in eu-west-1", "--region eu-west-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := healthy()
			pt := awsTarget(f)
			var o PreflightOptions
			tc.break_(f, pt, &o)
			r := runPreflight(t, pt, o)
			if r.OK() || r.Problems < 1 {
				t.Fatalf("no problem found: %+v", r.Checks)
			}
			c := findCheck(t, r, tc.check)
			if c.Status != CheckProblem || !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("%s = %+v\nwant a problem saying %q fixed by %q", tc.check, c, tc.detail, tc.fix)
			}
			// Every problem carries a fix.
			for _, c := range r.Checks {
				if c.Status == CheckProblem && c.Fix == "" {
					t.Errorf("problem %s has no fix", c.Name)
				}
			}
		})
	}
}

func TestPreflightOfAnImageInAnotherRegionIsUnchecked(t *testing.T) {
	t.Parallel()
	f := healthy()
	pt := awsTarget(f)
	pt.Outputs.ImageURI = pfAccount + ".dkr.ecr.us-west-2.amazonaws.com/shared@" + pfDigest
	r := runPreflight(t, pt, PreflightOptions{})
	c := findCheck(t, r, "image")
	if c.Status != CheckUnchecked || !strings.Contains(c.Detail, "the image is in us-west-2, not the stack's region eu-west-1") || !strings.Contains(c.Fix, "--region us-west-2") {
		t.Errorf("image = %+v", c)
	}
	for _, call := range f.calls {
		if strings.HasPrefix(call, "ecr:") {
			t.Errorf("looked in the wrong region: %s", call)
		}
	}
}

func TestPreflightThatCannotLookIsUncheckedNotAProblem(t *testing.T) {
	t.Parallel()
	f := healthy()
	f.slr = apiErr("AccessDenied")
	f.quotaErr = apiErr("AccessDeniedException")
	r := runPreflight(t, awsTarget(f), PreflightOptions{})
	if !r.OK() {
		t.Fatalf("access denied on a look-up counted as a problem: %+v", r.Checks)
	}
	slr := findCheck(t, r, "ecs-service-linked-role")
	if slr.Status != CheckUnchecked || !strings.Contains(slr.Fix, "aws iam get-role --role-name AWSServiceRoleForECS") || !strings.Contains(slr.Fix, CreateECSServiceLinkedRole) {
		t.Errorf("service-linked role = %+v", slr)
	}
	q := findCheck(t, r, "fargate-vcpu-quota:fargate-spot")
	if q.Status != CheckUnchecked || !strings.Contains(q.Fix, "aws service-quotas get-service-quota --service-code fargate --quota-code L-36FBB829 --region eu-west-1") {
		t.Errorf("quota = %+v", q)
	}
}

func TestPreflightQuotaFallsBackToTheAWSDefaultAndCoversOnDemandShares(t *testing.T) {
	t.Parallel()
	f := healthy()
	f.spotQuota = nil // no applied value: the default (6) counts
	f.onDemandQuota = 1
	f.desired, f.taskCPU = 4, "1024"
	// One on-demand task first, then 1:1: spot 2 (rounded up), on-demand 1+2.
	f.strategy = []ecstypes.CapacityProviderStrategyItem{
		{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1},
		{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1},
	}
	r := runPreflight(t, awsTarget(f), PreflightOptions{})
	spot := findCheck(t, r, "fargate-vcpu-quota:fargate-spot")
	if spot.Status != CheckOK || !strings.Contains(spot.Detail, "of the quota of 6 (the AWS default)") || !strings.Contains(spot.Detail, "needs 2 Fargate Spot") {
		t.Errorf("spot = %+v", spot)
	}
	od := findCheck(t, r, "fargate-vcpu-quota:fargate-on-demand")
	if od.Status != CheckProblem || !strings.Contains(od.Fix, "--quota-code L-3032A538 --desired-value 3") {
		t.Errorf("on-demand = %+v", od)
	}
}

func TestPreflightOfAnEC2SpotStackNamesTheEC2SpotQuotaNotFargates(t *testing.T) {
	t.Parallel()
	f := healthy()
	f.spotQuota = aws.Float64(0) // a Fargate quota that would refuse the run
	f.strategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("mc-spot-a1b2c3d"), Weight: 1}}
	r := runPreflight(t, awsTarget(f), PreflightOptions{})
	// Outputs of a stack older than the compute output: the group's types
	// are unknown, so the EC2 quota is named but not compared.
	c := findCheck(t, r, "ec2-spot-vcpu-quota")
	if c.Status != CheckUnchecked || !strings.Contains(c.Detail, "EC2 Spot instances") || !strings.Contains(c.Fix, "--service-code ec2 --quota-code L-34B43A08") {
		t.Errorf("check = %+v, want unchecked, naming the EC2 Spot quota", c)
	}
	for _, c := range r.Checks {
		if c.Status == CheckProblem {
			t.Errorf("problem %+v: the Fargate quota does not apply to EC2 workers", c)
		}
	}
}

func TestSplitTasksPlacesBaseFirstThenByWeight(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n        int
		strategy []providerShare
		want     string
	}{
		{10, []providerShare{{"FARGATE_SPOT", 1, 0}}, "FARGATE_SPOT=10"},
		{10, []providerShare{{"FARGATE_SPOT", 3, 0}, {"FARGATE", 1, 2}}, "FARGATE_SPOT=6,FARGATE=4"},
		{1, []providerShare{{"FARGATE_SPOT", 1, 0}, {"FARGATE", 0, 5}}, "FARGATE_SPOT=0,FARGATE=1"},
		{7, []providerShare{{"FARGATE", 1, 0}}, "FARGATE=7"},
	}
	for _, tc := range cases {
		var parts []string
		for _, s := range splitTasks(tc.n, tc.strategy) {
			parts = append(parts, s.provider+"="+itoa(s.tasks))
		}
		if got := strings.Join(parts, ","); got != tc.want {
			t.Errorf("splitTasks(%d, %v) = %s, want %s", tc.n, tc.strategy, got, tc.want)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestPreflightWithoutAStackChecksOnlyTheAccount(t *testing.T) {
	t.Parallel()
	f := healthy()
	pt := &PreflightTarget{Region: "us-east-1", Clients: PreflightClients{STS: f, Quotas: f, IAM: f, ECR: f, ECS: f, SFN: f, S3: f}}
	r := runPreflight(t, pt, PreflightOptions{WorkerCount: 8, TaskCPU: 1024})
	var names []string
	for _, c := range r.Checks {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "credentials,region,ecs-service-linked-role,fargate-vcpu-quota:fargate-spot" {
		t.Errorf("checks %v", names)
	}
	q := findCheck(t, r, "fargate-vcpu-quota:fargate-spot")
	if q.Status != CheckProblem || !strings.Contains(q.Fix, "--desired-value 8 --region us-east-1") {
		t.Errorf("quota = %+v", q)
	}
	// Without the sizes the quota is unchecked and says how to give them.
	r = runPreflight(t, pt, PreflightOptions{})
	if q := findCheck(t, r, "fargate-vcpu-quota"); q.Status != CheckUnchecked || !strings.Contains(q.Fix, "--workers N --task-cpu UNITS") {
		t.Errorf("quota without sizes = %+v", q)
	}
	for _, call := range f.calls {
		if strings.HasPrefix(call, "states:") || strings.HasPrefix(call, "s3:") || strings.HasPrefix(call, "ecr:") || strings.HasPrefix(call, "ecs:") {
			t.Errorf("no stack, yet %s", call)
		}
	}
}

func TestPreflightWithoutARegionSaysHowToGiveOneAndCallsNothing(t *testing.T) {
	t.Parallel()
	f := healthy()
	pt := &PreflightTarget{Clients: PreflightClients{STS: f, Quotas: f, IAM: f, ECR: f, ECS: f, SFN: f, S3: f}}
	r := runPreflight(t, pt, PreflightOptions{WorkerCount: 2, TaskCPU: 1024})
	if r.Problems != 1 || len(r.Checks) != 2 {
		t.Fatalf("report %+v", r)
	}
	if c := findCheck(t, r, "region"); c.Status != CheckProblem || !strings.Contains(c.Fix, "export AWS_REGION=") {
		t.Errorf("region = %+v", c)
	}
	if c := findCheck(t, r, "credentials"); c.Status != CheckUnchecked {
		t.Errorf("credentials = %+v", c)
	}
	if len(f.calls) != 0 {
		t.Errorf("calls without a region: %v", f.calls)
	}
}

func TestConnectPreflightRefusesANonLoopbackEndpoint(t *testing.T) {
	t.Parallel()
	_, err := ConnectPreflight(context.Background(), PreflightOptions{EndpointURL: "https://sts.amazonaws.com"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("err = %v", err)
	}
}
