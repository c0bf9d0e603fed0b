package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// StateMachineNames returns the fixed names of the Generate and Simulate
// state machines for a name prefix. They are deterministic so that each
// definition and each state machine role can name both ARNs before either
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
	// generateRoleArn and simulateRoleArn are the roles of the two
	// workflows' state machines.
	generateRoleArn pulumi.StringOutput
	simulateRoleArn pulumi.StringOutput
	cleanupArn      pulumi.StringOutput
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

// workers is where the operations run, as the definitions and the state
// machine roles name it: the activity and the ECS service (fargate-spot,
// and ec2-spot with its Auto Scaling group), or the function (lambda). The
// other variants' fields are empty strings.
type workers struct {
	activityArn          pulumi.StringOutput
	clusterName          pulumi.StringOutput
	serviceName          pulumi.StringOutput
	functionArn          pulumi.StringOutput
	autoScalingGroupName pulumi.StringOutput
}

// resolved waits for the workers' names and the data bucket and returns
// them as the []any workflowConfigOf reads.
func (w workers) resolved(dataBucket pulumi.StringOutput, more ...any) pulumi.ArrayOutput {
	return pulumi.All(append([]any{w.activityArn, dataBucket, w.clusterName, w.serviceName, w.functionArn, w.autoScalingGroupName}, more...)...)
}

// workersResolved is how many values of a workers.resolved output come
// before the extra ones.
const workersResolved = 6

// workflowConfigOf is workflowConfig from the first workersResolved values
// of a workers.resolved output.
func workflowConfigOf(s settings, env environment, v []any) workflow.Config {
	cfg := workflowConfig(s, env, v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string))
	cfg.AutoScalingGroupName = v[5].(string)
	return cfg
}

func newOrchestration(ctx *pulumi.Context, name string, s settings, env environment, store *storage, w workers, parent pulumi.ResourceOrInvokeOption) (*orchestration, error) {
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-states", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(stateMachineLogGroupPrefix + s.prefix + "-"),
		RetentionInDays: pulumi.Int(s.logRetentionDays),
		Tags:            tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	policy := func(flow string) pulumi.StringOutput {
		return stateMachinePolicyOutput(s, env, store, w, flow)
	}
	// Each state machine runs as its own role (stateMachineRolePolicy).
	// The Simulate role keeps the logical name of the role both workflows
	// once shared, so an update keeps its ARN (the stateMachineRoleArn
	// output) instead of replacing it.
	genRole, genPolicy, err := newRole(ctx, name+"-generate-states", "states.amazonaws.com", env, s, policy(workflow.WorkflowGenerate), parent)
	if err != nil {
		return nil, err
	}
	simRole, simPolicy, err := newRole(ctx, name+"-simulate-states", "states.amazonaws.com", env, s, policy(workflow.WorkflowSimulate), parent,
		pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-states")}}))
	if err != nil {
		return nil, err
	}

	defs := definitionsOutput(s, env, w, store.dataBucket)
	genName, simName := StateMachineNames(s.prefix)
	o := &orchestration{logGroupName: logs.Name, generateRoleArn: genRole.Arn, simulateRoleArn: simRole.Arn}
	for _, sm := range []struct {
		workflow, name string
		role           *iam.Role
		rolePolicy     *iam.RolePolicy
		arn            *pulumi.StringOutput
	}{
		{workflow.WorkflowGenerate, genName, genRole, genPolicy, &o.generateArn},
		{workflow.WorkflowSimulate, simName, simRole, simPolicy, &o.simulateArn},
	} {
		res, err := sfn.NewStateMachine(ctx, name+"-"+sm.workflow, &sfn.StateMachineArgs{
			Name: pulumi.String(sm.name),
			// Express workflows cannot run activity tasks; the Lambda
			// flavour's parents are STANDARD too (they run for longer than
			// an EXPRESS execution's 5 minutes), only its Map children are
			// EXPRESS, which the definition says.
			Type:       pulumi.String("STANDARD"),
			RoleArn:    sm.role.Arn,
			Definition: defs.MapIndex(pulumi.String(sm.workflow)),
			LoggingConfiguration: sfn.StateMachineLoggingConfigurationArgs{
				// Log streams of vended logs need the ":*" suffix.
				LogDestination:       pulumi.Sprintf("%s:*", logs.Arn),
				Level:                pulumi.String(s.smLogLevel),
				IncludeExecutionData: pulumi.Bool(false), // loan data stays out of the logs
			},
			TracingConfiguration: sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(s.tracing)},
			Tags:                 tagMap(s),
			// Creation checks the role can deliver logs: wait for the policy.
		}, parent, pulumi.DependsOn([]pulumi.Resource{sm.rolePolicy}))
		if err != nil {
			return nil, err
		}
		*sm.arn = res.Arn
	}

	if s.lambda() {
		// No workers to stop after a failed run: no cleanup machine, rule
		// or roles (workflow.ErrNoCleanup).
		o.cleanupArn = pulumi.String("").ToStringOutput()
		return o, nil
	}
	cleanupDef := cleanupDefinitionOutput(s, env, w, store.dataBucket)
	cleanupPolicy := policy(workflow.WorkflowCleanup)
	if o.cleanupArn, err = newCleanup(ctx, name, s, env, logs, cleanupDef, cleanupPolicy, parent); err != nil {
		return nil, err
	}
	return o, nil
}

// definitionsOutput renders both definitions with components/workflow once
// the deploy-time names are known, keyed by workflow name.
func definitionsOutput(s settings, env environment, w workers, dataBucket pulumi.StringOutput) pulumi.StringMapOutput {
	return w.resolved(dataBucket).ApplyT(func(v []any) (map[string]string, error) {
		cfg := workflowConfigOf(s, env, v)
		defs, err := workflow.Definitions(cfg)
		if err != nil {
			return nil, fmt.Errorf("state machine definitions: %w", err)
		}
		out := map[string]string{}
		for _, d := range defs {
			out[d.Workflow] = string(d.JSON)
		}
		return out, nil
	}).(pulumi.StringMapOutput)
}

// stateMachinePolicyOutput renders the inline policy of one workflow's
// state machine role (stateMachineRolePolicy) once the deploy-time names
// are known, from the same workflow.Config as its definition.
func stateMachinePolicyOutput(s settings, env environment, store *storage, w workers, flow string) pulumi.StringOutput {
	return w.resolved(store.dataBucket, bucketAccessOutput(env, store)).ApplyT(func(v []any) (string, error) {
		cfg := workflowConfigOf(s, env, v)
		doc, err := stateMachineRolePolicy(cfg, flow, v[workersResolved].(bucketAccess), s.tracing)
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
}

// workflowConfig is the workflow.Config of this deployment: the validated
// tuning plus where everything lives.
//
// With compute lambda the function's ARN (unqualified) is FunctionArn and
// s.flow carries its timeout (FunctionTimeoutSeconds = LambdaTimeoutSeconds),
// so the definitions' control tasks wait exactly as long as the function
// may run, and the state machine roles may invoke exactly this function.
func workflowConfig(s settings, env environment, activityArn, dataBucket, clusterName, serviceName, functionArn string) workflow.Config {
	cfg := s.flow
	cfg.Partition, cfg.Region, cfg.AccountID = env.partition, env.region, env.accountID
	cfg.GenerateStateMachineName, cfg.SimulateStateMachineName = StateMachineNames(s.prefix)
	cfg.ActivityArn, cfg.DataBucket = activityArn, dataBucket
	cfg.ClusterName, cfg.ServiceName = clusterName, serviceName
	cfg.FunctionArn = functionArn
	return cfg
}
