package operate

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// fakeLambda is the account's Lambda side: the worker function and the
// account's concurrency.
type fakeLambda struct {
	*fakeAWS
	fnErr        error
	state        lambdatypes.State
	stateReason  lambdatypes.StateReasonCode
	lastUpdate   lambdatypes.LastUpdateStatus
	reserved     *int32
	concErr      error
	total        int32
	unreserved   int32
	settingsErr  error
	functionName string // the name asked for
}

func (f *fakeLambda) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	f.calls = append(f.calls, "lambda:GetFunctionConfiguration "+aws.ToString(in.FunctionName))
	f.functionName = aws.ToString(in.FunctionName)
	if f.fnErr != nil {
		return nil, f.fnErr
	}
	return &lambda.GetFunctionConfigurationOutput{
		FunctionName: in.FunctionName, State: f.state, StateReasonCode: f.stateReason, StateReason: aws.String(string(f.stateReason)),
		LastUpdateStatus: f.lastUpdate, MemorySize: aws.Int32(1769), Timeout: aws.Int32(900),
	}, nil
}

func (f *fakeLambda) GetFunctionConcurrency(_ context.Context, in *lambda.GetFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error) {
	f.calls = append(f.calls, "lambda:GetFunctionConcurrency "+aws.ToString(in.FunctionName))
	if f.concErr != nil {
		return nil, f.concErr
	}
	return &lambda.GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: f.reserved}, nil
}

func (f *fakeLambda) GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error) {
	f.calls = append(f.calls, "lambda:GetAccountSettings")
	if f.settingsErr != nil {
		return nil, f.settingsErr
	}
	return &lambda.GetAccountSettingsOutput{AccountLimit: &lambdatypes.AccountLimit{
		ConcurrentExecutions: f.total, UnreservedConcurrentExecutions: aws.Int32(f.unreserved)}}, nil
}

// healthyLambda is a lambda stack as the component deploys it by default:
// MaxConcurrency 50, a reserved concurrency of 51, an account of 1000.
func healthyLambda() *fakeLambda {
	f := healthy()
	f.mapConcurrency = 50
	f.desired = 0
	return &fakeLambda{fakeAWS: f, state: lambdatypes.StateActive, lastUpdate: lambdatypes.LastUpdateStatusSuccessful,
		reserved: aws.Int32(51), total: 1000, unreserved: 949}
}

// lambdaTarget has the outputs of a lambda stack: a function, no cluster,
// service or activity.
func lambdaTarget(f *fakeLambda) *PreflightTarget {
	pt := awsTarget(f.fakeAWS)
	pt.Clients.Lambda = f
	o := &pt.Outputs
	o.ActivityArn, o.ClusterName, o.ServiceName = "", "", ""
	o.Compute, o.FunctionName = workflow.ComputeLambda, "mc-worker"
	o.FunctionArn = "arn:aws:lambda:" + pfRegion + ":" + pfAccount + ":function:mc-worker"
	return pt
}

func TestPreflightOfALambdaStackChecksTheFunctionAndSkipsECS(t *testing.T) {
	t.Parallel()
	f := healthyLambda()
	r := runPreflight(t, lambdaTarget(f), PreflightOptions{})
	if !r.OK() {
		t.Fatalf("problems in a healthy lambda stack: %+v", r.Checks)
	}
	want := []string{"credentials:ok", "region:ok",
		"ecs-service-linked-role:skipped", "ecs-service:skipped", "fargate-vcpu-quota:skipped",
		"lambda-function:ok", "lambda-concurrency:ok", "image:ok",
		"state-machine:generate:ok", "state-machine:simulate:ok", "state-machine:cleanup:ok", "activity:skipped", "data-bucket:ok"}
	var got []string
	for _, c := range r.Checks {
		got = append(got, c.Name+":"+c.Status)
		if c.Status == CheckSkipped && strings.HasPrefix(c.Name, "ecs") && c.Detail != "compute lambda runs no ECS service" {
			t.Errorf("%s skipped saying %q", c.Name, c.Detail)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("checks\n %v\nwant\n %v", got, want)
	}
	fn := findCheck(t, r, "lambda-function")
	if !strings.Contains(fn.Detail, "mc-worker is Active and its last update succeeded") {
		t.Errorf("function = %+v", fn)
	}
	conc := findCheck(t, r, "lambda-concurrency")
	if !strings.Contains(conc.Detail, "a run invokes 51 at once (50 batches + 1 control) within function mc-worker's reserved concurrency of 51") {
		t.Errorf("concurrency = %+v", conc)
	}
	calls := strings.Join(f.calls, "\n")
	for _, call := range []string{"lambda:GetFunctionConfiguration mc-worker", "lambda:GetFunctionConcurrency mc-worker", "lambda:GetAccountSettings", "ecr:DescribeImages mc-worker@" + pfDigest} {
		if !strings.Contains(calls, call) {
			t.Errorf("no call %s in %v", call, f.calls)
		}
	}
	for _, call := range f.calls {
		if strings.HasPrefix(call, "ecs:") || strings.HasPrefix(call, "iam:") || strings.HasPrefix(call, "servicequotas:") || strings.HasPrefix(call, "states:DescribeActivity") {
			t.Errorf("a lambda stack has no ECS service or activity, yet %s", call)
		}
	}
}

func TestPreflightLambdaProblemsEachSayTheCommandThatFixesThem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(*fakeLambda, *PreflightOptions)
		check  string
		detail string
		fix    string
	}{
		{"the function is gone", func(f *fakeLambda, _ *PreflightOptions) { f.fnErr = apiErr("ResourceNotFoundException") },
			"lambda-function", "no Lambda function mc-worker", "pulumi up"},
		{"the function failed, its image deleted", func(f *fakeLambda, _ *PreflightOptions) {
			f.state, f.stateReason = lambdatypes.StateFailed, lambdatypes.StateReasonCodeImageDeleted
		},
			"lambda-function", "function mc-worker is Failed (ImageDeleted", "pulumi up (it rebuilds and pushes the image"},
		{"the function is inactive", func(f *fakeLambda, _ *PreflightOptions) { f.state = lambdatypes.StateInactive },
			"lambda-function", "is Inactive", "aws lambda invoke --function-name mc-worker --payload '{}' --region eu-west-1 /dev/null"},
		{"the function is pending", func(f *fakeLambda, _ *PreflightOptions) { f.state = lambdatypes.StatePending },
			"lambda-function", "is Pending", "aws lambda wait function-active-v2 --function-name mc-worker --region eu-west-1"},
		{"the last update failed", func(f *fakeLambda, _ *PreflightOptions) { f.lastUpdate = lambdatypes.LastUpdateStatusFailed },
			"lambda-function", "the last update of function mc-worker failed", "pulumi up"},
		{"a reserved concurrency of zero", func(f *fakeLambda, _ *PreflightOptions) { f.reserved = aws.Int32(0) },
			"lambda-concurrency", "reserved concurrency of 0: every invocation is throttled", "pulumi config set lambdaReservedConcurrency 51"},
		{"a reservation below the Map's concurrency", func(f *fakeLambda, _ *PreflightOptions) { f.reserved = aws.Int32(20) },
			"lambda-concurrency", "a run invokes 51 at once (50 batches + 1 control) but function mc-worker's reserved concurrency is 20", "pulumi config set lambdaReservedConcurrency 51"},
		{"a new account's concurrency of 10", func(f *fakeLambda, _ *PreflightOptions) { f.reserved, f.total, f.unreserved = nil, 10, 10 },
			"lambda-concurrency", "no reserved concurrency and the account's unreserved concurrency in eu-west-1 is 10 (of 10)",
			"aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 51 --region eu-west-1"},
		{"--workers beyond the reservation", func(_ *fakeLambda, o *PreflightOptions) { o.WorkerCount = 100 },
			"lambda-concurrency", "a run invokes 101 at once (100 batches + 1 control)", "lambdaReservedConcurrency 101"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := healthyLambda()
			var o PreflightOptions
			tc.break_(f, &o)
			r := runPreflight(t, lambdaTarget(f), o)
			if r.Problems != 1 {
				t.Errorf("problems = %d, want 1: %+v", r.Problems, r.Checks)
			}
			c := findCheck(t, r, tc.check)
			if c.Status != CheckProblem || !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("%s = %+v\nwant a problem saying %q fixed by %q", tc.check, c, tc.detail, tc.fix)
			}
		})
	}
}

func TestPreflightLambdaChecksThatCannotLookAreUncheckedNamingThePermission(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(*fakeLambda)
		check  string
		detail string
		fix    string
	}{
		{"no lambda:GetFunctionConfiguration", func(f *fakeLambda) { f.fnErr = apiErr("AccessDeniedException") },
			"lambda-function", "(lambda:GetFunctionConfiguration)", "aws lambda get-function-configuration --function-name mc-worker --region eu-west-1"},
		{"no lambda:GetAccountSettings", func(f *fakeLambda) { f.settingsErr = apiErr("AccessDeniedException") },
			"lambda-concurrency", "(lambda:GetAccountSettings)", "aws lambda get-account-settings --region eu-west-1"},
		{"no lambda:GetFunctionConcurrency", func(f *fakeLambda) { f.concErr = apiErr("AccessDeniedException") },
			"lambda-concurrency", "(lambda:GetFunctionConcurrency)", "aws lambda get-function-concurrency --function-name mc-worker --region eu-west-1"},
		{"a definition without MaxConcurrency", func(f *fakeLambda) { f.mapConcurrency = 0 },
			"lambda-concurrency", "the batches a run invokes at once are unknown", "--workers N"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := healthyLambda()
			tc.break_(f)
			r := runPreflight(t, lambdaTarget(f), PreflightOptions{})
			if !r.OK() {
				t.Errorf("a look-up that could not run counted as a problem: %+v", r.Checks)
			}
			c := findCheck(t, r, tc.check)
			if c.Status != CheckUnchecked || !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("%s = %+v\nwant unchecked saying %q, checked by hand with %q", tc.check, c, tc.detail, tc.fix)
			}
		})
	}
}

func TestPreflightOfAnOlderLambdaStackTellsTheComputeFromTheFunction(t *testing.T) {
	t.Parallel()
	f := healthyLambda()
	pt := lambdaTarget(f)
	pt.Outputs.Compute, pt.Outputs.FunctionName = "", "" // only functionArn
	r := runPreflight(t, pt, PreflightOptions{})
	if c := findCheck(t, r, "ecs-service"); c.Status != CheckSkipped {
		t.Errorf("ecs-service = %+v", c)
	}
	if c := findCheck(t, r, "lambda-function"); c.Status != CheckOK || f.functionName != pt.Outputs.FunctionArn {
		t.Errorf("lambda-function = %+v, looked up %q", c, f.functionName)
	}
}

func TestStackOutputsComputeVariant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		outs StackOutputs
		want string
	}{
		{StackOutputs{}, workflow.ComputeFargateSpot},
		{StackOutputs{ClusterName: "c", ServiceName: "s"}, workflow.ComputeFargateSpot},
		{StackOutputs{Compute: workflow.ComputeLambda}, workflow.ComputeLambda},
		{StackOutputs{FunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:f"}, workflow.ComputeLambda},
		{StackOutputs{AutoScalingGroupName: "g", ClusterName: "c"}, workflow.ComputeEC2Spot},
		{StackOutputs{Compute: workflow.ComputeFargateSpot, FunctionName: ""}, workflow.ComputeFargateSpot},
	}
	for _, tc := range cases {
		if got := tc.outs.ComputeVariant(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.outs, got, tc.want)
		}
	}
}
