package operate

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// PreflightAutoScaling reads the workers' Auto Scaling group (compute
// ec2-spot).
type PreflightAutoScaling interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}

// ec2VCPUsBySize are the vCPUs of a size in the C, M and R families, the
// only ones the stack allows (components.parseInstanceType): for a type
// that EC2InstanceTypes does not list.
var ec2VCPUsBySize = map[string]int{"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64}

// workerGroup is what the EC2 quota check needs from the Auto Scaling
// group.
type workerGroup struct {
	check   Check
	found   bool
	types   []string // the mixed instances policy's overrides
	maxSize int
}

// describeWorkerGroup looks up the Auto Scaling group the capacity provider
// scales: it must exist, and its instance types size the EC2 quota check.
func describeWorkerGroup(ctx context.Context, api PreflightAutoScaling, group, region string) workerGroup {
	const name = "autoscaling-group"
	if group == "" {
		return workerGroup{check: Check{Name: name, Status: CheckUnchecked, Detail: "the stack outputs have no autoScalingGroupName",
			Fix: "pulumi stack output --json > FILE (with a current stack)"}}
	}
	describe := "aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names " + group + " --region " + region
	if api == nil {
		return workerGroup{check: Check{Name: name, Status: CheckUnchecked, Detail: "no Auto Scaling client for this target", Fix: describe}}
	}
	out, err := api.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	switch {
	case err != nil && isAccessDenied(err):
		return workerGroup{check: Check{Name: name, Status: CheckUnchecked,
			Detail: "these credentials may not describe the Auto Scaling group " + group + " (autoscaling:DescribeAutoScalingGroups)", Fix: describe}}
	case err != nil:
		return workerGroup{check: Check{Name: name, Status: CheckUnchecked, Detail: "could not describe the Auto Scaling group " + group + ": " + shortError(err), Fix: describe}}
	case len(out.AutoScalingGroups) == 0:
		return workerGroup{check: Check{Name: name, Status: CheckProblem,
			Detail: "Auto Scaling group " + group + " does not exist: the capacity provider has no instances to place the workers on", Fix: fixDeploy(false)}}
	}
	g := out.AutoScalingGroups[0]
	wg := workerGroup{found: true, maxSize: int(aws.ToInt32(g.MaxSize))}
	if p := g.MixedInstancesPolicy; p != nil && p.LaunchTemplate != nil {
		for _, o := range p.LaunchTemplate.Overrides {
			if t := aws.ToString(o.InstanceType); t != "" {
				wg.types = append(wg.types, t)
			}
		}
	}
	if status := aws.ToString(g.Status); status != "" {
		// Status is set only while the group is being deleted.
		wg.check = Check{Name: name, Status: CheckProblem, Detail: "Auto Scaling group " + group + " is " + status, Fix: fixDeploy(false)}
		return wg
	}
	wg.check = Check{Name: name, Status: CheckOK,
		Detail: fmt.Sprintf("group %s exists: instance types %s, at most %d instances", group, strings.Join(wg.types, ", "), wg.maxSize)}
	return wg
}

// ec2Shape is the vCPUs of an instance type and how many workers one
// instance holds; known is false for a type whose tasks per instance this
// package cannot tell (then one worker per instance, the group's bound).
func ec2Shape(instanceType string, taskCPU, taskMiB int) (vcpus, tasks int, known bool) {
	if s, ok := EC2InstanceTypes[instanceType]; ok {
		tasks = s.VCPUs * 1024 / taskCPU
		if taskMiB > 0 {
			tasks = min(tasks, int(float64(s.MemoryMiB)*ec2UsableMemory)/taskMiB)
		}
		return s.VCPUs, max(min(tasks, s.ENIs-1), 1), true
	}
	_, size, _ := strings.Cut(instanceType, ".")
	return ec2VCPUsBySize[size], 1, false
}

// checkEC2SpotQuota compares the vCPUs of the instances tasks workers need
// with the account's EC2 Spot quota. The instance count is the workers
// over the fewest a type of the group holds (managed scaling may get that
// type), at most the group's maximum size; the vCPUs are the largest type's.
func checkEC2SpotQuota(ctx context.Context, api PreflightQuotas, g workerGroup, provider string, tasks, taskCPU, taskMiB int, region string) Check {
	name := "ec2-spot-vcpu-quota"
	get := fmt.Sprintf("aws service-quotas get-service-quota --service-code %s --quota-code %s --region %s", EC2ServiceCode, EC2SpotVCPUQuota, region)
	if !g.found || len(g.types) == 0 {
		return Check{Name: name, Status: CheckUnchecked,
			Detail: fmt.Sprintf("%d workers run on EC2 Spot instances (capacity provider %s), counted against the EC2 quota %q (%s) in the instances' vCPUs; the group's instance types are unknown, so it was not compared", tasks, provider, EC2SpotQuotaName, EC2SpotVCPUQuota),
			Fix:    get}
	}
	perInstance, vcpus := math.MaxInt, 0
	var guessed []string
	for _, t := range g.types {
		v, n, known := ec2Shape(t, taskCPU, taskMiB)
		if v == 0 {
			return Check{Name: name, Status: CheckUnchecked,
				Detail: fmt.Sprintf("the vCPUs of instance type %s are unknown here, so the EC2 Spot quota (%s) was not compared", t, EC2SpotVCPUQuota),
				Fix:    "aws ec2 describe-instance-types --instance-types " + t + " --query 'InstanceTypes[].VCpuInfo.DefaultVCpus' --region " + region + "; " + get}
		}
		if !known {
			guessed = append(guessed, t)
		}
		perInstance, vcpus = min(perInstance, n), max(vcpus, v)
	}
	instances := (tasks + perInstance - 1) / perInstance
	if g.maxSize > 0 {
		instances = min(instances, g.maxSize)
	}
	need := float64(instances * vcpus)
	sizing := fmt.Sprintf("%d instances x %d vCPUs for %d workers of %d CPU units", instances, vcpus, tasks, taskCPU)
	if len(guessed) > 0 {
		sizing += "; one worker per instance of " + strings.Join(guessed, ", ") + ", whose network interfaces are not known here"
	}
	quota, how, err := serviceQuota(ctx, api, EC2ServiceCode, EC2SpotVCPUQuota)
	switch {
	case err != nil && isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked,
			Detail: fmt.Sprintf("EC2 Spot vCPUs needed: %s (%s); these credentials may not read Service Quotas (servicequotas:GetServiceQuota)", fmtVCPU(need), sizing),
			Fix:    get}
	case err != nil:
		return Check{Name: name, Status: CheckUnchecked, Detail: "could not read the EC2 Spot vCPU quota: " + shortError(err), Fix: get}
	case need > quota:
		return Check{Name: name, Status: CheckProblem,
			Detail: fmt.Sprintf("a run needs %s EC2 Spot vCPUs (%s) but the account's quota %q in %s is %s%s; instances beyond it never launch and their workers never start",
				fmtVCPU(need), sizing, EC2SpotQuotaName, region, fmtVCPU(quota), how),
			Fix: fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %d --region %s (or lower workerCount: pulumi config set workerCount N)",
				EC2ServiceCode, EC2SpotVCPUQuota, int(math.Ceil(need)), region)}
	}
	return Check{Name: name, Status: CheckOK,
		Detail: fmt.Sprintf("a run needs %s EC2 Spot vCPUs (%s) of the quota of %s%s, which every Spot instance of the account in %s shares",
			fmtVCPU(need), sizing, fmtVCPU(quota), how, region)}
}
