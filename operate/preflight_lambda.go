package operate

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// PreflightLambda reads the worker function and the account's concurrency
// (compute lambda).
type PreflightLambda interface {
	GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	GetFunctionConcurrency(context.Context, *lambda.GetFunctionConcurrencyInput, ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error)
	GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

// Lambda's concurrency quota: the account's concurrent executions in a
// region (Service Quotas, service code "lambda"). A new account may start
// with as few as 10.
const (
	LambdaServiceCode           = "lambda"
	LambdaConcurrencyQuota      = "L-B99A9384" // Concurrent executions
	lambdaControlInvocations    = 1            // prepare, aggregate ...: one at a time, beside the batches (components settings)
	noECSService                = "compute lambda runs no ECS service"
	lambdaChecksLocalSkipReason = "the local runtime serves the worker function on loopback; it does not emulate Lambda's GetFunctionConfiguration or GetAccountSettings"
)

// lambdaSkippedChecks are the checks of the ECS variants that do not apply
// to compute lambda, reported as skipped so that a reader of the report
// sees they were not forgotten.
var lambdaSkippedChecks = []string{"ecs-service-linked-role", "ecs-service", "fargate-vcpu-quota"}

// preflightLambdaFunction adds the checks of a lambda stack's function and
// the account's concurrency.
func preflightLambdaFunction(ctx context.Context, r *PreflightReport, t *PreflightTarget, o PreflightOptions) {
	if t.Local {
		for _, name := range []string{"lambda-function", "lambda-concurrency"} {
			r.add(Check{Name: name, Status: CheckSkipped, Detail: lambdaChecksLocalSkipReason})
		}
		return
	}
	for _, name := range lambdaSkippedChecks {
		r.add(Check{Name: name, Status: CheckSkipped, Detail: noECSService})
	}
	fn := t.Outputs.FunctionName
	if fn == "" {
		fn = t.Outputs.FunctionArn
	}
	if fn == "" {
		for _, name := range []string{"lambda-function", "lambda-concurrency"} {
			r.add(Check{Name: name, Status: CheckUnchecked, Detail: "the stack outputs have no functionName or functionArn",
				Fix: "pulumi stack output --json > FILE (with a current stack)"})
		}
		return
	}
	if t.Clients.Lambda == nil {
		for _, name := range []string{"lambda-function", "lambda-concurrency"} {
			r.add(Check{Name: name, Status: CheckUnchecked, Detail: "no Lambda client for this target",
				Fix: "aws lambda get-function-configuration --function-name " + fn + " --region " + t.Region})
		}
		return
	}
	r.add(checkFunction(ctx, t.Clients.Lambda, fn, t.Region))
	need := o.WorkerCount
	if need == 0 {
		need = maxMapConcurrency(ctx, t.Clients.SFN, t.Outputs.SimulateStateMachineArn)
	}
	r.add(checkLambdaConcurrency(ctx, t.Clients.Lambda, fn, need, t.Region))
}

// checkFunction checks that the worker function exists, is Active and that
// its last update succeeded: the state machines' invocations of a Pending,
// Inactive or Failed function fail.
func checkFunction(ctx context.Context, api PreflightLambda, fn, region string) Check {
	const name = "lambda-function"
	get := "aws lambda get-function-configuration --function-name " + fn + " --region " + region
	out, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
	switch {
	case err != nil && errorCode(err) == "ResourceNotFoundException":
		return Check{Name: name, Status: CheckProblem, Detail: "no Lambda function " + fn + ": the state machines have nothing to invoke", Fix: fixDeploy(false)}
	case err != nil && isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked, Detail: "these credentials may not read the function " + fn + " (lambda:GetFunctionConfiguration)", Fix: get}
	case err != nil:
		return Check{Name: name, Status: CheckUnchecked, Detail: "could not read the function " + fn + ": " + shortError(err), Fix: get}
	}
	reason := func(code, msg string) string {
		var parts []string
		for _, p := range []string{code, msg} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return " (" + strings.Join(parts, ": ") + ")"
	}
	switch out.State {
	case lambdatypes.StateActive:
	case lambdatypes.StatePending:
		return Check{Name: name, Status: CheckProblem,
			Detail: "function " + fn + " is Pending" + reason(string(out.StateReasonCode), aws.ToString(out.StateReason)) + ": invocations fail until it is Active",
			Fix:    "aws lambda wait function-active-v2 --function-name " + fn + " --region " + region + ", then run preflight again"}
	case lambdatypes.StateInactive:
		// An idle function's resources are reclaimed after weeks; the
		// first invocation fails and starts the reactivation.
		return Check{Name: name, Status: CheckProblem,
			Detail: "function " + fn + " is Inactive (idle for weeks): the first invocations of a run would fail while Lambda reactivates it",
			Fix:    "aws lambda invoke --function-name " + fn + " --payload '{}' --region " + region + " /dev/null (it fails and starts the reactivation); aws lambda wait function-active-v2 --function-name " + fn + " --region " + region}
	default: // Failed, or a state this SDK does not know
		return Check{Name: name, Status: CheckProblem,
			Detail: fmt.Sprintf("function %s is %s%s: every invocation fails", fn, out.State, reason(string(out.StateReasonCode), aws.ToString(out.StateReason))),
			Fix:    "pulumi up (it rebuilds and pushes the image and updates the function; with a prebuilt montecarlo:image, push that image first)"}
	}
	switch out.LastUpdateStatus {
	case lambdatypes.LastUpdateStatusSuccessful, "":
	case lambdatypes.LastUpdateStatusInProgress:
		return Check{Name: name, Status: CheckProblem,
			Detail: "function " + fn + " is being updated: a run started now may invoke either version",
			Fix:    "aws lambda wait function-updated-v2 --function-name " + fn + " --region " + region + ", then run preflight again"}
	default:
		return Check{Name: name, Status: CheckProblem,
			Detail: fmt.Sprintf("the last update of function %s %s%s: it runs its previous code and configuration", fn, strings.ToLower(string(out.LastUpdateStatus)),
				reason(string(out.LastUpdateStatusReasonCode), aws.ToString(out.LastUpdateStatusReason))),
			Fix: "pulumi up (then preflight again; " + get + " shows the reason)"}
	}
	return Check{Name: name, Status: CheckOK,
		Detail: fmt.Sprintf("function %s is Active and its last update succeeded (%d MB, timeout %d s)", fn, aws.ToInt32(out.MemorySize), aws.ToInt32(out.Timeout))}
}

// checkLambdaConcurrency compares the invocations a run makes at once (the
// Distributed Map's MaxConcurrency plus a control invocation) with the
// function's reserved concurrency, or, without a reservation, with the
// account's unreserved concurrency. Invocations beyond it are throttled
// (Lambda.TooManyRequestsException): retried for about 90 s, then the batch
// fails.
func checkLambdaConcurrency(ctx context.Context, api PreflightLambda, fn string, batches int, region string) Check {
	const name = "lambda-concurrency"
	acct, err := api.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		detail := "could not read the account's Lambda concurrency: " + shortError(err)
		if isAccessDenied(err) {
			detail = "these credentials may not read the account's Lambda concurrency (lambda:GetAccountSettings)"
		}
		return Check{Name: name, Status: CheckUnchecked, Detail: detail, Fix: "aws lambda get-account-settings --region " + region}
	}
	var total, unreserved int
	if l := acct.AccountLimit; l != nil {
		total, unreserved = int(l.ConcurrentExecutions), int(aws.ToInt32(l.UnreservedConcurrentExecutions))
	}
	if batches <= 0 {
		return Check{Name: name, Status: CheckUnchecked,
			Detail: fmt.Sprintf("the batches a run invokes at once are unknown (no MaxConcurrency in the Simulate state machine), so the account's concurrency (%d, %d unreserved) was not compared", total, unreserved),
			Fix:    "montecarlo preflight --stack-outputs FILE --workers N (N: the stack's maxConcurrency)"}
	}
	need := batches + lambdaControlInvocations
	conc, err := api.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(fn)})
	if err != nil {
		detail := "could not read the reserved concurrency of " + fn + ": " + shortError(err)
		if isAccessDenied(err) {
			detail = "these credentials may not read the reserved concurrency of " + fn + " (lambda:GetFunctionConcurrency)"
		}
		return Check{Name: name, Status: CheckUnchecked, Detail: detail,
			Fix: "aws lambda get-function-concurrency --function-name " + fn + " --region " + region}
	}
	raise := fmt.Sprintf("pulumi config set lambdaReservedConcurrency %d && pulumi up (or lower maxConcurrency: pulumi config set maxConcurrency N)", need)
	if reserved := conc.ReservedConcurrentExecutions; reserved != nil {
		r := int(*reserved)
		switch {
		case r == 0:
			return Check{Name: name, Status: CheckProblem,
				Detail: "function " + fn + " has a reserved concurrency of 0: every invocation is throttled",
				Fix:    raise}
		case r < need:
			return Check{Name: name, Status: CheckProblem,
				Detail: fmt.Sprintf("a run invokes %d at once (%d batches + %d control) but function %s's reserved concurrency is %d: invocations beyond it are throttled, retried, then fail their batch",
					need, batches, lambdaControlInvocations, fn, r),
				Fix: raise}
		}
		return Check{Name: name, Status: CheckOK,
			Detail: fmt.Sprintf("a run invokes %d at once (%d batches + %d control) within function %s's reserved concurrency of %d (the account's %d in %s, %d unreserved)",
				need, batches, lambdaControlInvocations, fn, r, total, region, unreserved)}
	}
	if need > unreserved {
		// Raise the account's limit by the shortfall.
		desired := total + need - unreserved
		return Check{Name: name, Status: CheckProblem,
			Detail: fmt.Sprintf("a run invokes %d at once (%d batches + %d control) but function %s has no reserved concurrency and the account's unreserved concurrency in %s is %d (of %d): invocations beyond it are throttled, retried, then fail their batch",
				need, batches, lambdaControlInvocations, fn, region, unreserved, total),
			Fix: fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %d --region %s (or lower maxConcurrency: pulumi config set maxConcurrency N)",
				LambdaServiceCode, LambdaConcurrencyQuota, desired, region)}
	}
	return Check{Name: name, Status: CheckOK,
		Detail: fmt.Sprintf("a run invokes %d at once (%d batches + %d control) of the account's unreserved concurrency of %d (of %d) in %s, which the account's other functions share",
			need, batches, lambdaControlInvocations, unreserved, total, region)}
}

// maxMapConcurrency reads the most batches the Simulate state machine
// invokes at once (the largest MaxConcurrency of its Map states); 0 if
// unknown or unbounded.
func maxMapConcurrency(ctx context.Context, api PreflightSFN, arn string) int {
	return maxInDefinition(ctx, api, arn, func(state map[string]any) int {
		if typ, _ := state["Type"].(string); typ == "Map" {
			if n, ok := state["MaxConcurrency"].(float64); ok {
				return int(n)
			}
		}
		return 0
	})
}
