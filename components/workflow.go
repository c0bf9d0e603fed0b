package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StateMachineNames returns the fixed names of the Generate and Simulate
// state machines for a name prefix. They are deterministic so that each
// definition and the state machine role can name both ARNs before either
// state machine exists.
func StateMachineNames(prefix string) (generate, simulate string) {
	return prefix + "-generate", prefix + "-simulate"
}

// stateMachineLogGroupPrefix: Step Functions' vended logs write a resource
// policy on the log group; groups under /aws/vendedlogs/ share one
// account-level policy instead of growing it per group (Step Functions
// developer guide, "Logging using CloudWatch Logs").
const stateMachineLogGroupPrefix = "/aws/vendedlogs/states/"

// orchestration is what the workflow part produces.
type orchestration struct {
	generateArn  pulumi.StringOutput
	simulateArn  pulumi.StringOutput
	logGroupName pulumi.StringOutput
	roleArn      pulumi.StringOutput
}

// newActivity creates the activity the workers poll. In pulumi-aws v6 the
// activity's ID is its ARN.
func newActivity(ctx *pulumi.Context, name string, s settings, parent pulumi.ResourceOrInvokeOption) (pulumi.StringOutput, error) {
	act, err := sfn.NewActivity(ctx, name+"-worker", &sfn.ActivityArgs{
		Tags: tagMap(s),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return act.ID().ToStringOutput(), nil
}

// stateMachineArnsFor builds both ARNs from the fixed names.
func stateMachineArnsFor(env environment, prefix string) stateMachineArns {
	gen, sim := StateMachineNames(prefix)
	return stateMachineArns{
		generate: env.arn("states", env.region, env.accountID, "stateMachine:"+gen),
		simulate: env.arn("states", env.region, env.accountID, "stateMachine:"+sim),
	}
}

func newOrchestration(ctx *pulumi.Context, name string, s settings, env environment, store *storage, comp *compute, activityArn pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (*orchestration, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-states", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(stateMachineLogGroupPrefix + s.prefix + "-"),
		RetentionInDays: pulumi.Int(s.logRetentionDays),
		Tags:            tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	arns := stateMachineArnsFor(env, s.prefix)
	policy := pulumi.All(comp.serviceArn, bucketAccessOutput(env, store)).ApplyT(func(v []any) (string, error) {
		return stateMachineRolePolicy(v[0].(string), arns, v[1].(bucketAccess), s.tracing).JSON()
	}).(pulumi.StringOutput)
	role, rolePolicy, err := newRole(ctx, name+"-states", "states.amazonaws.com", env, s, policy, parent)
	if err != nil {
		return nil, err
	}

	o := &orchestration{logGroupName: logs.Name, roleArn: role.Arn}
	// TODO(workflow): create the two state machines from workflow.Generate
	// and workflow.Simulate once components/workflow lands.
	_ = rolePolicy
	return o, nil
}
