package operate

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// The checks of the ECS variants (fargate-spot, ec2-spot): the ECS
// service-linked role, the workers' service, and the vCPU quotas of the
// workers a run scales out to.

func checkServiceLinkedRole(ctx context.Context, api PreflightIAM) Check {
	const name = "ecs-service-linked-role"
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(ECSServiceLinkedRole)})
	switch {
	case err == nil:
		return Check{Name: name, Status: CheckOK, Detail: "role " + aws.ToString(out.Role.Arn) + " exists"}
	case errorCode(err) == "NoSuchEntity":
		return Check{Name: name, Status: CheckProblem,
			Detail: "the account has no ECS service-linked role (" + ECSServiceLinkedRole + "): creating the workers' service fails with \"Unable to assume the service linked role\"",
			Fix:    CreateECSServiceLinkedRole}
	case isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked,
			Detail: "these credentials may not read IAM roles (iam:GetRole), so whether " + ECSServiceLinkedRole + " exists is unknown",
			Fix:    "aws iam get-role --role-name " + ECSServiceLinkedRole + " (as an administrator; if it is missing: " + CreateECSServiceLinkedRole + ")"}
	}
	return Check{Name: name, Status: CheckUnchecked, Detail: "could not look up " + ECSServiceLinkedRole + ": " + shortError(err),
		Fix: "aws iam get-role --role-name " + ECSServiceLinkedRole}
}

// workerService is what the quota check needs from the deployed service.
type workerService struct {
	check     Check
	found     bool
	taskCPU   int             // 0 if unknown
	taskMiB   int             // 0 if unknown
	providers []providerShare // the service's capacity provider strategy
}

type providerShare struct {
	provider     string
	weight, base int
}

func describeWorkerService(ctx context.Context, api PreflightECS, outs PreflightOutputs) workerService {
	const name = "ecs-service"
	if outs.ClusterName == "" || outs.ServiceName == "" {
		return workerService{check: Check{Name: name, Status: CheckUnchecked, Detail: "the stack outputs have no clusterName and serviceName",
			Fix: "pulumi stack output --json > FILE (with a current stack)"}}
	}
	out, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(outs.ClusterName), Services: []string{outs.ServiceName}})
	if err != nil {
		if errorCode(err) == "ClusterNotFoundException" {
			return workerService{check: Check{Name: name, Status: CheckProblem,
				Detail: "ECS cluster " + outs.ClusterName + " does not exist", Fix: fixDeploy(false)}}
		}
		return workerService{check: Check{Name: name, Status: CheckUnchecked,
			Detail: "could not describe ECS service " + outs.ServiceName + ": " + shortError(err),
			Fix:    "aws ecs describe-services --cluster " + outs.ClusterName + " --services " + outs.ServiceName}}
	}
	if len(out.Services) == 0 || aws.ToString(out.Services[0].Status) != "ACTIVE" {
		status := "missing"
		if len(out.Services) > 0 {
			status = aws.ToString(out.Services[0].Status)
		}
		return workerService{check: Check{Name: name, Status: CheckProblem,
			Detail: fmt.Sprintf("ECS service %s in cluster %s is %s", outs.ServiceName, outs.ClusterName, strings.ToLower(status)), Fix: fixDeploy(false)}}
	}
	s := out.Services[0]
	ws := workerService{found: true}
	for _, e := range s.CapacityProviderStrategy {
		ws.providers = append(ws.providers, providerShare{provider: aws.ToString(e.CapacityProvider), weight: int(e.Weight), base: int(e.Base)})
	}
	ws.check = Check{Name: name, Status: CheckOK, Detail: fmt.Sprintf("service %s in cluster %s is active", outs.ServiceName, outs.ClusterName)}
	if td := aws.ToString(s.TaskDefinition); td != "" {
		d, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(td)})
		if err == nil && d.TaskDefinition != nil {
			ws.taskCPU, _ = strconv.Atoi(aws.ToString(d.TaskDefinition.Cpu))
			ws.taskMiB, _ = strconv.Atoi(aws.ToString(d.TaskDefinition.Memory))
		}
	}
	return ws
}

// checkQuota compares the vCPUs the workers need during a run with the
// account's Fargate quotas in the region, for each capacity provider the
// service uses (with compute ec2-spot, the EC2 Spot quota for the
// instances of group).
func checkQuota(ctx context.Context, c PreflightClients, t *PreflightTarget, o PreflightOptions, svc workerService, group workerGroup) []Check {
	const name = "fargate-vcpu-quota"
	ec2Spot := t.HasOutputs && t.Outputs.ComputeVariant() == workflow.ComputeEC2Spot
	workers, cpu := o.WorkerCount, o.TaskCPU
	if workers == 0 && t.HasOutputs {
		workers = scaleOutCount(ctx, c.SFN, t.Outputs.SimulateStateMachineArn)
	}
	if cpu == 0 {
		cpu = svc.taskCPU
	}
	if workers <= 0 || cpu <= 0 {
		if ec2Spot {
			return []Check{{Name: "ec2-spot-vcpu-quota", Status: CheckUnchecked,
				Detail: "the worker count and task CPU are unknown, so the EC2 Spot vCPU quota was not compared",
				Fix:    "montecarlo preflight --stack-outputs FILE --workers N --task-cpu UNITS (the stack's workerCount and taskCpu)"}}
		}
		return []Check{{Name: name, Status: CheckUnchecked,
			Detail: "the worker count and task CPU are unknown, so the Fargate vCPU quota was not compared",
			Fix:    "montecarlo preflight --workers N --task-cpu UNITS (the stack's workerCount and taskCpu)"}}
	}
	strategy := svc.providers
	switch {
	case len(strategy) > 0:
	case ec2Spot:
		// The service could not be read: ec2-spot's only provider is the
		// group's.
		strategy = []providerShare{{provider: "for group " + t.Outputs.AutoScalingGroupName, weight: 1}}
	default:
		strategy = []providerShare{{provider: "FARGATE_SPOT", weight: 1}} // the component's default
	}
	var out []Check
	for _, share := range splitTasks(workers, strategy) {
		if share.tasks == 0 {
			continue
		}
		if share.provider != "FARGATE_SPOT" && share.provider != "FARGATE" {
			// compute ec2-spot: the tasks run on the Auto Scaling group's
			// Spot instances, counted against the EC2 Spot quota in the
			// instances' vCPUs.
			out = append(out, checkEC2SpotQuota(ctx, c.Quotas, group, share.provider, share.tasks, cpu, svc.taskMiB, t.Region))
			continue
		}
		code, label := FargateSpotVCPUQuota, "Fargate Spot"
		if share.provider == "FARGATE" {
			code, label = FargateOnDemandVCPUQuota, "Fargate On-Demand"
		}
		need := float64(share.tasks) * float64(cpu) / 1024
		quota, how, err := serviceQuota(ctx, c.Quotas, FargateServiceCode, code)
		check := Check{Name: name + ":" + strings.ToLower(strings.ReplaceAll(label, " ", "-"))}
		switch {
		case err != nil && isAccessDenied(err):
			check.Status = CheckUnchecked
			check.Detail = fmt.Sprintf("%s vCPUs needed: %s (%d workers x %d CPU units); these credentials may not read Service Quotas (servicequotas:GetServiceQuota)", label, fmtVCPU(need), share.tasks, cpu)
			check.Fix = fmt.Sprintf("aws service-quotas get-service-quota --service-code %s --quota-code %s --region %s", FargateServiceCode, code, t.Region)
		case err != nil:
			check.Status = CheckUnchecked
			check.Detail = fmt.Sprintf("could not read the %s vCPU quota: %s", label, shortError(err))
			check.Fix = fmt.Sprintf("aws service-quotas get-service-quota --service-code %s --quota-code %s --region %s", FargateServiceCode, code, t.Region)
		case need > quota:
			check.Status = CheckProblem
			check.Detail = fmt.Sprintf("a run needs %s %s vCPUs (%d workers x %d CPU units) but the account's quota in %s is %s%s; workers beyond it never start",
				fmtVCPU(need), label, share.tasks, cpu, t.Region, fmtVCPU(quota), how)
			check.Fix = fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %d --region %s (or lower workerCount or taskCpu: pulumi config set workerCount N)",
				FargateServiceCode, code, int(math.Ceil(need)), t.Region)
		default:
			check.Status = CheckOK
			check.Detail = fmt.Sprintf("a run needs %s %s vCPUs (%d workers x %d CPU units) of the quota of %s%s, which every Fargate task of the account in %s shares",
				fmtVCPU(need), label, share.tasks, cpu, fmtVCPU(quota), how, t.Region)
		}
		out = append(out, check)
	}
	return out
}

// serviceQuota returns the applied value of a quota, or the AWS default
// where the account has no applied value (GetServiceQuota answers
// NoSuchResourceException then).
func serviceQuota(ctx context.Context, api PreflightQuotas, service, code string) (float64, string, error) {
	out, err := api.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err == nil && out.Quota != nil && out.Quota.Value != nil {
		return *out.Quota.Value, "", nil
	}
	if err != nil && errorCode(err) != "NoSuchResourceException" {
		return 0, "", err
	}
	def, err := api.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err != nil {
		return 0, "", err
	}
	if def.Quota == nil || def.Quota.Value == nil {
		return 0, "", fmt.Errorf("service quota %s has no value", code)
	}
	return *def.Quota.Value, " (the AWS default)", nil
}

type taskShare struct {
	provider string
	tasks    int
}

// splitTasks places n tasks the way ECS does with a capacity provider
// strategy: each provider's base first, the rest by weight. Each share is
// rounded up, so the check errs on the side of too many vCPUs.
func splitTasks(n int, strategy []providerShare) []taskShare {
	out := make([]taskShare, len(strategy))
	left := n
	totalWeight := 0
	for i, s := range strategy {
		out[i].provider = s.provider
		b := min(s.base, left)
		out[i].tasks = b
		left -= b
		totalWeight += s.weight
	}
	for i, s := range strategy {
		if left > 0 && totalWeight > 0 && s.weight > 0 {
			out[i].tasks += int(math.Ceil(float64(left) * float64(s.weight) / float64(totalWeight)))
		}
	}
	return out
}

func fmtVCPU(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// scaleOutCount reads the desired count the Simulate state machine scales
// the workers to (the largest DesiredCount of an ecs:updateService task in
// its definition); 0 if unknown.
func scaleOutCount(ctx context.Context, api PreflightSFN, arn string) int {
	return maxInDefinition(ctx, api, arn, desiredCount)
}

// desiredCount is the DesiredCount of an ecs:updateService task state.
func desiredCount(state map[string]any) int {
	if res, _ := state["Resource"].(string); strings.HasSuffix(res, "ecs:updateService") {
		if p, ok := state["Parameters"].(map[string]any); ok {
			if n, ok := p["DesiredCount"].(float64); ok {
				return int(n)
			}
		}
	}
	return 0
}

// maxInDefinition reads the state machine's definition and returns the
// largest value of pick over every object in it (states and their
// parameters, at any depth); 0 if the definition cannot be read.
func maxInDefinition(ctx context.Context, api PreflightSFN, arn string, pick func(map[string]any) int) int {
	if api == nil || arn == "" {
		return 0
	}
	out, err := api.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		return 0
	}
	var def any
	if json.Unmarshal([]byte(aws.ToString(out.Definition)), &def) != nil {
		return 0
	}
	return maxOver(def, pick)
}

// maxOver is the largest pick of any object within v (0 if none).
func maxOver(v any, pick func(map[string]any) int) int {
	best := 0
	switch x := v.(type) {
	case map[string]any:
		best = max(best, pick(x))
		for _, e := range x {
			best = max(best, maxOver(e, pick))
		}
	case []any:
		for _, e := range x {
			best = max(best, maxOver(e, pick))
		}
	}
	return best
}
