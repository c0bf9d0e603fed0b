package workflow

import (
	"errors"
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// WorkflowCleanup names the cleanup state machine in file names and
// messages, beside WorkflowGenerate and WorkflowSimulate.
const WorkflowCleanup = "cleanup"

// Cleanup state names.
const (
	StateCleanupFromEvent       = "FromEvent?"
	StateCleanupTrigger         = "RememberTrigger"
	StateCleanupNoTrigger       = "NoTrigger"
	StateCleanupListGenerate    = "ListGenerateRuns"
	StateCleanupListSimulate    = "ListSimulateRuns"
	StateCleanupOtherRun        = "OtherRunInProgress?"
	StateCleanupGenerateTrigger = "GenerateRunIsTheTrigger?"
	StateCleanupSimulateTrigger = "SimulateRunIsTheTrigger?"
	StateCleanupScaleIn         = "ScaleInWorkers"
	StateCleanupWorkersStopped  = "WorkersStopped"
	StateCleanupKeepWorkers     = "KeepWorkers"
	StateCleanupSucceeded       = "Succeeded"
)

// ErrNoCleanup is Cleanup's error for the Lambda flavour, which has no
// workers to stop.
var ErrNoCleanup = errors.New("workflow: cleanup: compute " + ComputeLambda + " has no workers to stop, so no cleanup state machine")

// cleanupMaxAttempts bounds the retries of the cleanup's SDK calls; with
// sdkRetry's 2 s interval doubling, the last one waits about a minute, which
// rides out ECS and Step Functions API throttling.
const cleanupMaxAttempts = 6

// Paths of the cleanup execution's data.
const (
	cleanupTrigger  = "$.trigger.executionArn" // the stopped execution ("" if none)
	cleanupGenerate = "$.generate"             // {"count": n, "executions": [...]} RUNNING on Generate
	cleanupSimulate = "$.simulate"             // the same for Simulate
)

// CleanupOutput is the output of a cleanup execution.
type CleanupOutput struct {
	// ScaledIn is true when the cleanup set the worker service's desired
	// count to zero, false when another run was in progress.
	ScaledIn bool `json:"scaledIn"`
	// Trigger is the ARN of the execution whose end started the cleanup
	// (detail.executionArn of the event), or "" when started by hand.
	Trigger string `json:"trigger"`
	// RunningGenerate and RunningSimulate are how many RUNNING executions
	// of each workflow ListExecutions returned (at most 2 each; the trigger
	// included while the listing still shows it).
	RunningGenerate int `json:"runningGenerate"`
	RunningSimulate int `json:"runningSimulate"`
}

// Cleanup returns the cleanup state machine: it stops the workers after a
// run that ended without its own scale-in.
//
// A run's catch-all scales in on every error the run can catch, but an
// execution stopped by hand (StopExecution → ABORTED) or past a timeout
// (TIMED_OUT) ends without running another state, and would leave the ECS
// service scaled out. The component starts this machine from an EventBridge
// rule on the "Step Functions Execution Status Change" events of Generate
// and Simulate with status ABORTED, TIMED_OUT or FAILED (FAILED too: a run
// whose scale-in itself failed). The execution input is the whole event, as
// EventBridge passes it to a Step Functions target without an input
// transformer; its detail carries executionArn, stateMachineArn, name and
// status (EventBridge events reference, AWS Step Functions events;
// https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
//
//	FromEvent? → RememberTrigger (detail.executionArn) | NoTrigger (started by hand: "")
//	→ ListGenerateRuns → ListSimulateRuns (RUNNING, at most 2 each)
//	→ OtherRunInProgress?
//	    ├─ a RUNNING execution other than the trigger → KeepWorkers → Succeeded (scaledIn false)
//	    └─ none → ScaleInWorkers (DesiredCount 0) → WorkersStopped → Succeeded (scaledIn true)
//
// The guard matters: a run refused by another's guard ends FAILED while the
// other run works, and must not stop its workers. The trigger itself is not
// "another run": ListExecutions is eventually consistent and may still list
// a just-stopped execution as RUNNING (Step Functions API reference,
// ListExecutions: "The results are best effort and may not reflect very
// recent updates and changes"). A run started between the listing and the
// scale-in loses its workers and fails by its own timeouts, then scales in
// itself; the window is the few hundred milliseconds between two API calls.
//
// The SDK calls retry any task failure (throttling included) with backoff;
// if they still fail, the cleanup fails, visibly, without having scaled
// anything. cfg gets WithDefaults and must Validate.
//
// The Lambda flavour has no Cleanup: a stopped run leaves no workers
// running (its invocations end by themselves), so Cleanup fails with
// ErrNoCleanup and the component creates neither the machine nor its rule.
func Cleanup(cfg Config) (*asl.StateMachine, error) {
	c, err := prepared(cfg)
	if err != nil {
		return nil, err
	}
	if c.IsLambda() {
		return nil, ErrNoCleanup
	}
	b := newBuilder(c, "Stop the workers after a run of "+c.GenerateStateMachineName+" or "+c.SimulateStateMachineName+
		" ended without its scale-in (stopped, timed out), unless another run is in progress (montecarlo).",
		c.GenerateStateMachineName, c.SimulateStateMachineName)

	b.add(StateCleanupFromEvent, asl.Choice().
		Comment("Started by the EventBridge rule (the input is the status change event) or by hand.").
		When(asl.IsPresent("$.detail.executionArn", true), StateCleanupTrigger).
		Default(StateCleanupNoTrigger))
	b.add(StateCleanupTrigger, asl.Pass().
		Parameters(map[string]any{"trigger": map[string]any{"executionArn.$": "$.detail.executionArn"}}).
		Next(StateCleanupListGenerate))
	b.add(StateCleanupNoTrigger, asl.Pass().
		Result(map[string]any{"trigger": map[string]any{"executionArn": ""}}).
		Next(StateCleanupListGenerate))

	// Two per machine suffice: at most one of them is the trigger.
	list := func(machine, resultPath, next string) *asl.TaskBuilder {
		return asl.Task(b.integration(apiListExecutions)).
			Comment("List RUNNING executions of " + machine + ".").
			Parameters(map[string]any{
				"StateMachineArn": c.StateMachineArn(machine),
				"StatusFilter":    "RUNNING",
				"MaxResults":      2,
			}).
			ResultSelector(map[string]any{
				"count.$":      "States.ArrayLength($.Executions)",
				"executions.$": "$.Executions",
			}).
			ResultPath(resultPath).
			Retry(sdkRetry(cleanupMaxAttempts)).
			Next(next)
	}
	b.add(StateCleanupListGenerate, list(c.GenerateStateMachineName, cleanupGenerate, StateCleanupListSimulate))
	b.add(StateCleanupListSimulate, list(c.SimulateStateMachineName, cleanupSimulate, StateCleanupOtherRun))

	gen, sim := cleanupGenerate+".count", cleanupSimulate+".count"
	// The first matching rule wins, so the ARN comparisons are reached only
	// where exactly one execution is listed and executions[0] exists.
	b.add(StateCleanupOtherRun, asl.Choice().
		When(asl.Or(
			asl.NumericGreaterThan(gen, 1),
			asl.NumericGreaterThan(sim, 1),
			asl.And(asl.NumericEquals(gen, 1), asl.NumericEquals(sim, 1)),
		), StateCleanupKeepWorkers).
		When(asl.NumericEquals(gen, 1), StateCleanupGenerateTrigger).
		When(asl.NumericEquals(sim, 1), StateCleanupSimulateTrigger).
		Default(StateCleanupScaleIn))
	for _, t := range []struct{ state, listed string }{
		{StateCleanupGenerateTrigger, cleanupGenerate},
		{StateCleanupSimulateTrigger, cleanupSimulate},
	} {
		b.add(t.state, asl.Choice().
			Comment("The one RUNNING execution listed is the trigger itself, not yet shown as stopped.").
			When(asl.StringEqualsPath(t.listed+".executions[0].ExecutionArn", cleanupTrigger), StateCleanupScaleIn).
			Default(StateCleanupKeepWorkers))
	}

	b.add(StateCleanupScaleIn, asl.Task(b.integration(apiUpdateService)).
		Comment("Stop the workers.").
		Parameters(map[string]any{"Cluster": c.ClusterName, "Service": c.ServiceName, "DesiredCount": 0}).
		DiscardResult().
		Retry(sdkRetry(cleanupMaxAttempts)).
		Next(StateCleanupWorkersStopped))
	result := func(scaledIn bool) map[string]any {
		return map[string]any{
			"scaledIn":          scaledIn,
			"trigger.$":         cleanupTrigger,
			"runningGenerate.$": gen,
			"runningSimulate.$": sim,
		}
	}
	b.add(StateCleanupWorkersStopped, asl.Pass().Parameters(result(true)).Next(StateCleanupSucceeded))
	b.add(StateCleanupKeepWorkers, asl.Pass().
		Comment("Another run is in progress: its workers are its own, and it scales them in itself.").
		Parameters(result(false)).Next(StateCleanupSucceeded))
	b.add(StateCleanupSucceeded, asl.Succeed())

	m, err := b.build()
	if err != nil {
		return nil, fmt.Errorf("workflow: cleanup: %w", err)
	}
	return m, nil
}

// CleanupDefinition builds and renders the cleanup state machine; name is
// the state machine's name (the Definition's Name).
func CleanupDefinition(cfg Config, name string) (Definition, error) {
	m, err := Cleanup(cfg)
	if err != nil {
		return Definition{}, err
	}
	js, err := Render(m)
	if err != nil {
		return Definition{}, err
	}
	return Definition{Workflow: WorkflowCleanup, Name: name, Machine: m, JSON: js}, nil
}
