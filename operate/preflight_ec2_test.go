package operate

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// fakeGroups is the account's Auto Scaling side.
type fakeGroups struct {
	*fakeAWS
	missing bool
	err     error
	types   []string
	maxSize int32
}

func (f *fakeGroups) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	f.calls = append(f.calls, "autoscaling:DescribeAutoScalingGroups "+strings.Join(in.AutoScalingGroupNames, ","))
	if f.err != nil {
		return nil, f.err
	}
	if f.missing {
		return &autoscaling.DescribeAutoScalingGroupsOutput{}, nil
	}
	var overrides []astypes.LaunchTemplateOverrides
	for _, t := range f.types {
		overrides = append(overrides, astypes.LaunchTemplateOverrides{InstanceType: aws.String(t)})
	}
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: []astypes.AutoScalingGroup{{
		AutoScalingGroupName: aws.String(in.AutoScalingGroupNames[0]), MaxSize: aws.Int32(f.maxSize), MinSize: aws.Int32(0),
		MixedInstancesPolicy: &astypes.MixedInstancesPolicy{LaunchTemplate: &astypes.LaunchTemplate{Overrides: overrides}},
	}}}, nil
}

// healthyEC2 is an ec2-spot stack as deployed by default: 10 workers of 1
// vCPU and 2 GiB on the default xlarge types (3 workers each: 4
// instances, 16 vCPUs) under an EC2 Spot quota of 32.
func healthyEC2() *fakeGroups {
	f := healthy()
	f.desired, f.taskCPU, f.taskMiB = 10, "1024", "2048"
	f.ec2Quota = aws.Float64(32)
	f.strategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("mc-spot-a1b2c3d"), Weight: 1}}
	return &fakeGroups{fakeAWS: f, types: DefaultEC2InstanceTypes, maxSize: 10}
}

func ec2Target(f *fakeGroups) *PreflightTarget {
	pt := awsTarget(f.fakeAWS)
	pt.Clients.AutoScaling = f
	pt.Outputs.Compute, pt.Outputs.AutoScalingGroupName = workflow.ComputeEC2Spot, "mc-spot-group"
	return pt
}

func TestPreflightOfAnEC2SpotStackComparesItsInstancesWithTheEC2SpotQuota(t *testing.T) {
	t.Parallel()
	f := healthyEC2()
	r := runPreflight(t, ec2Target(f), PreflightOptions{})
	if !r.OK() {
		t.Fatalf("problems in a healthy ec2-spot stack: %+v", r.Checks)
	}
	want := []string{"credentials", "region", "ecs-service-linked-role", "ecs-service", "autoscaling-group", "ec2-spot-vcpu-quota", "image",
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
	g := findCheck(t, r, "autoscaling-group")
	if !strings.Contains(g.Detail, "group mc-spot-group exists: instance types c6i.xlarge, c6a.xlarge") || !strings.Contains(g.Detail, "at most 10 instances") {
		t.Errorf("group = %+v", g)
	}
	q := findCheck(t, r, "ec2-spot-vcpu-quota")
	if !strings.Contains(q.Detail, "a run needs 16 EC2 Spot vCPUs (4 instances x 4 vCPUs for 10 workers of 1024 CPU units) of the quota of 32") {
		t.Errorf("quota = %+v", q)
	}
	calls := strings.Join(f.calls, "\n")
	for _, call := range []string{"autoscaling:DescribeAutoScalingGroups mc-spot-group", "servicequotas:GetServiceQuota ec2/L-34B43A08"} {
		if !strings.Contains(calls, call) {
			t.Errorf("no call %s in %v", call, f.calls)
		}
	}
	if strings.Contains(calls, "fargate/") {
		t.Errorf("an ec2-spot stack's Fargate quota was read: %v", f.calls)
	}
}

func TestPreflightEC2SpotChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(*fakeGroups, *PreflightTarget)
		check  string
		status string
		detail string
		fix    string
	}{
		{"a quota below the instances' vCPUs", func(f *fakeGroups, _ *PreflightTarget) { f.ec2Quota = aws.Float64(8) },
			"ec2-spot-vcpu-quota", CheckProblem, "a run needs 16 EC2 Spot vCPUs (4 instances x 4 vCPUs for 10 workers of 1024 CPU units) but the account's quota",
			"aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-34B43A08 --desired-value 16 --region eu-west-1"},
		{"no applied quota: the AWS default counts", func(f *fakeGroups, _ *PreflightTarget) { f.ec2Quota = nil },
			"ec2-spot-vcpu-quota", CheckProblem, "is 6 (the AWS default)", "--desired-value 16"},
		{"bigger tasks take more instances", func(f *fakeGroups, _ *PreflightTarget) { f.taskCPU, f.taskMiB = "2048", "3072" },
			"ec2-spot-vcpu-quota", CheckOK, "needs 20 EC2 Spot vCPUs (5 instances x 4 vCPUs for 10 workers of 2048 CPU units)", ""},
		{"a type not in the table: one worker per instance, at most the group's size", func(f *fakeGroups, _ *PreflightTarget) {
			f.types, f.maxSize, f.ec2Quota = []string{"c7i.2xlarge"}, 6, aws.Float64(100)
		},
			"ec2-spot-vcpu-quota", CheckOK, "needs 48 EC2 Spot vCPUs (6 instances x 8 vCPUs for 10 workers of 1024 CPU units; one worker per instance of c7i.2xlarge", ""},
		{"a type of unknown size", func(f *fakeGroups, _ *PreflightTarget) { f.types = []string{"x9.huge"} },
			"ec2-spot-vcpu-quota", CheckUnchecked, "the vCPUs of instance type x9.huge are unknown", "aws ec2 describe-instance-types --instance-types x9.huge"},
		{"the group is gone", func(f *fakeGroups, _ *PreflightTarget) { f.missing = true },
			"autoscaling-group", CheckProblem, "Auto Scaling group mc-spot-group does not exist", "pulumi up"},
		{"no autoscaling:DescribeAutoScalingGroups", func(f *fakeGroups, _ *PreflightTarget) { f.err = apiErr("AccessDenied") },
			"autoscaling-group", CheckUnchecked, "(autoscaling:DescribeAutoScalingGroups)", "aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names mc-spot-group --region eu-west-1"},
		{"the group's types unknown: the quota is named, not compared", func(f *fakeGroups, _ *PreflightTarget) { f.err = apiErr("AccessDenied") },
			"ec2-spot-vcpu-quota", CheckUnchecked, "the group's instance types are unknown", "--service-code ec2 --quota-code L-34B43A08"},
		{"no servicequotas:GetServiceQuota", func(f *fakeGroups, _ *PreflightTarget) { f.quotaErr = apiErr("AccessDeniedException") },
			"ec2-spot-vcpu-quota", CheckUnchecked, "EC2 Spot vCPUs needed: 16 (4 instances x 4 vCPUs", "aws service-quotas get-service-quota --service-code ec2 --quota-code L-34B43A08 --region eu-west-1"},
		{"the service unreadable: the task CPU is unknown", func(f *fakeGroups, _ *PreflightTarget) { f.svcErr = apiErr("AccessDeniedException") },
			"ec2-spot-vcpu-quota", CheckUnchecked, "the EC2 Spot vCPU quota was not compared", "--workers N --task-cpu UNITS"},
		{"outputs without the group's name", func(_ *fakeGroups, pt *PreflightTarget) { pt.Outputs.AutoScalingGroupName = "" },
			"autoscaling-group", CheckUnchecked, "no autoScalingGroupName", "pulumi stack output --json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := healthyEC2()
			pt := ec2Target(f)
			tc.break_(f, pt)
			r := runPreflight(t, pt, PreflightOptions{})
			if strings.Contains(strings.Join(f.calls, "\n"), "fargate/") {
				t.Errorf("an ec2-spot stack's Fargate quota was read: %v", f.calls)
			}
			c := findCheck(t, r, tc.check)
			if c.Status != tc.status || !strings.Contains(c.Detail, tc.detail) || !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("%s = %+v\nwant %s saying %q, fix %q", tc.check, c, tc.status, tc.detail, tc.fix)
			}
			wantProblems := 0
			if tc.status == CheckProblem {
				wantProblems = 1
			}
			if r.Problems != wantProblems {
				t.Errorf("problems = %d, want %d: %+v", r.Problems, wantProblems, r.Checks)
			}
		})
	}
}

func TestPreflightOfOtherComputesNeverLooksForAnAutoScalingGroup(t *testing.T) {
	t.Parallel()
	for _, compute := range []string{workflow.ComputeFargateSpot, workflow.ComputeLambda} {
		g := healthyEC2()
		l := healthyLambda()
		l.fakeAWS = g.fakeAWS
		pt := lambdaTarget(l)
		pt.Clients.AutoScaling = g
		if compute == workflow.ComputeFargateSpot {
			g.strategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}
			pt = awsTarget(g.fakeAWS)
			pt.Clients.AutoScaling = g
		}
		r := runPreflight(t, pt, PreflightOptions{})
		for _, c := range r.Checks {
			if c.Name == "autoscaling-group" || c.Name == "ec2-spot-vcpu-quota" {
				t.Errorf("%s: check %+v", compute, c)
			}
		}
		for _, call := range g.calls {
			if strings.HasPrefix(call, "autoscaling:") || strings.Contains(call, "ec2/") {
				t.Errorf("%s: %s", compute, call)
			}
		}
	}
}

func TestPreflightOfAnEC2SpotStackWhoseServiceIsUnreadableStillUsesTheGroup(t *testing.T) {
	t.Parallel()
	f := healthyEC2()
	f.svcErr = apiErr("AccessDeniedException")
	r := runPreflight(t, ec2Target(f), PreflightOptions{TaskCPU: 1024})
	if c := findCheck(t, r, "ecs-service"); c.Status != CheckUnchecked {
		t.Errorf("ecs-service = %+v", c)
	}
	// Without the task memory, CPU and interfaces decide: 3 a type.
	q := findCheck(t, r, "ec2-spot-vcpu-quota")
	if q.Status != CheckOK || !strings.Contains(q.Detail, "16 EC2 Spot vCPUs (4 instances x 4 vCPUs for 10 workers of 1024 CPU units)") {
		t.Errorf("quota = %+v", q)
	}
	for _, c := range r.Checks {
		if strings.HasPrefix(c.Name, "fargate") {
			t.Errorf("a Fargate check on an ec2-spot stack: %+v", c)
		}
	}
}
