package components

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// The cleanup: a run stopped by hand (ABORTED) or past a timeout
// (TIMED_OUT) ends without its catch-all, which would leave the workers
// scaled out. An EventBridge rule on the two workflows' status changes
// starts the cleanup state machine (workflow.Cleanup), which scales the
// service in unless another run is in progress.

// CleanupStateMachineName returns the fixed name of the cleanup state
// machine for a name prefix, beside StateMachineNames.
func CleanupStateMachineName(prefix string) string { return prefix + "-cleanup" }

// cleanupStatuses are the execution statuses that start the cleanup:
// ABORTED and TIMED_OUT skip the run's catch-all; FAILED covers a run whose
// own scale-in failed (and a refused run, which the cleanup's guard leaves
// alone). SUCCEEDED runs have scaled in, and RUNNING is the start.
var cleanupStatuses = []string{"ABORTED", "TIMED_OUT", "FAILED"}

// eventPattern is an EventBridge event pattern: every listed field must
// match one of its values.
type eventPattern struct {
	Source     []string            `json:"source"`
	DetailType []string            `json:"detail-type"`
	Detail     map[string][]string `json:"detail"`
}

// runEndedPattern matches the end of a Generate or Simulate run in one of
// cleanupStatuses. Step Functions sends "Step Functions Execution Status
// Change" events with source aws.states to the default bus, best effort,
// for STANDARD workflows; the detail carries executionArn,
// stateMachineArn, name, status, startDate and stopDate (EventBridge
// events reference, "AWS Step Functions events"; Step Functions developer
// guide, "EventBridge for Step Functions execution status changes").
// Matching stateMachineArn exactly leaves out the Distributed Map's child
// executions, whose ARNs name a Map Run.
func runEndedPattern(sms stateMachineArns) eventPattern {
	return eventPattern{
		Source:     []string{"aws.states"},
		DetailType: []string{"Step Functions Execution Status Change"},
		Detail: map[string][]string{
			"status":          cleanupStatuses,
			"stateMachineArn": sms.all(),
		},
	}
}

// JSON marshals the pattern.
func (p eventPattern) JSON() (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("marshal event pattern: %w", err)
	}
	return string(b), nil
}

// newCleanup creates the cleanup state machine, its role with the given
// policy (stateMachineRolePolicy of workflow.WorkflowCleanup), and the rule
// (with its role) that starts it; it returns the state machine's ARN.
func newCleanup(ctx *pulumi.Context, name string, s settings, env environment, logs *cloudwatch.LogGroup, def, policy pulumi.StringOutput, parent pulumi.ResourceOrInvokeOption) (pulumi.StringOutput, error) {
	arns := stateMachineArnsFor(env, s.prefix)
	smName := CleanupStateMachineName(s.prefix)
	// Built from the fixed name, so the trigger role is known in preview.
	cleanupArn := env.arn("states", env.region, env.accountID, "stateMachine:"+smName)

	role, rolePolicy, err := newRole(ctx, name+"-cleanup", "states.amazonaws.com", env, s, policy, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sm, err := sfn.NewStateMachine(ctx, name+"-cleanup", &sfn.StateMachineArgs{
		Name:       pulumi.String(smName),
		Type:       pulumi.String("STANDARD"),
		RoleArn:    role.Arn,
		Definition: def,
		LoggingConfiguration: sfn.StateMachineLoggingConfigurationArgs{
			LogDestination:       pulumi.Sprintf("%s:*", logs.Arn),
			Level:                pulumi.String(s.smLogLevel),
			IncludeExecutionData: pulumi.Bool(false),
		},
		TracingConfiguration: sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(s.tracing)},
		Tags:                 tagMap(s),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return pulumi.StringOutput{}, err
	}

	pattern, err := runEndedPattern(arns).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	trigger, err := cleanupTriggerPolicy(cleanupArn).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	eventsRole, eventsPolicy, err := newRole(ctx, name+"-cleanup-trigger", "events.amazonaws.com", env, s, pulumi.String(trigger), parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	rule, err := cloudwatch.NewEventRule(ctx, name+"-run-ended", &cloudwatch.EventRuleArgs{
		Description:  pulumi.Sprintf("Start %s when a run of %s or %s ends ABORTED, TIMED_OUT or FAILED, so no run leaves workers running.", smName, arns.generate, arns.simulate),
		EventPattern: pulumi.String(pattern),
		Tags:         tagMap(s),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// Without an input transformer the execution input is the whole event
	// (the default input of a Step Functions target), which workflow.Cleanup
	// reads (detail.executionArn). The target calls StartExecution as the
	// role. A failed delivery is retried for 24 hours, up to 185 times, by
	// default (EventBridge user guide, "How EventBridge retries delivering
	// events"); a late cleanup is harmless, as its guard leaves a run in
	// progress alone.
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-cleanup", &cloudwatch.EventTargetArgs{
		Rule:    rule.Name,
		Arn:     sm.Arn,
		RoleArn: eventsRole.Arn,
	}, parent, pulumi.DependsOn([]pulumi.Resource{eventsPolicy})); err != nil {
		return pulumi.StringOutput{}, err
	}
	return sm.Arn, nil
}

// cleanupDefinitionOutput renders the cleanup definition with
// components/workflow once the deploy-time names are known.
func cleanupDefinitionOutput(s settings, env environment, w workers, dataBucket pulumi.StringOutput) pulumi.StringOutput {
	return w.resolved(dataBucket).ApplyT(func(v []any) (string, error) {
		cfg := workflowConfigOf(s, env, v)
		d, err := workflow.CleanupDefinition(cfg, CleanupStateMachineName(s.prefix))
		if err != nil {
			return "", fmt.Errorf("cleanup state machine definition: %w", err)
		}
		return string(d.JSON), nil
	}).(pulumi.StringOutput)
}
