package components

import (
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func TestStateMachinesAreStandardLoggedAndTracedWithFixedNames(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, p := mustDeploy(t, mode.dryRun, testArgs())
			sms := m.byType("aws:sfn/stateMachine:StateMachine")
			if len(sms) != 3 {
				t.Fatalf("got %d state machines, want 3 (generate, simulate, cleanup)", len(sms))
			}
			names := map[string]bool{}
			for _, sm := range sms {
				names[sm.Str("name")] = true
				if sm.Str("type") != "STANDARD" {
					t.Errorf("%s type %q, want STANDARD (Express workflows cannot run activities)", sm.Name, sm.Str("type"))
				}
				lc, _ := sm.Value("loggingConfiguration").(map[string]any)
				if lc["level"] != DefaultStateMachineLogLevel || lc["includeExecutionData"] != false || !sm.Has("loggingConfiguration") {
					t.Errorf("%s logging %v, want level %s without execution data", sm.Name, lc, DefaultStateMachineLogLevel)
				}
				if tc, _ := sm.Value("tracingConfiguration").(map[string]any); tc["enabled"] != true {
					t.Errorf("%s tracing %v, want enabled", sm.Name, tc)
				}
				// Each state machine has its own role (mc-cleanup's is
				// named like its state machine).
				rolePolicy := sm.Name + "-states"
				if sm.Name == "mc-cleanup" {
					rolePolicy = "mc-cleanup"
				}
				if !dependsOn(sm, "aws:iam/rolePolicy:RolePolicy", rolePolicy) {
					t.Errorf("%s must wait for its role's policy (log delivery is checked at creation)", sm.Name)
				}
				if mode.dryRun {
					continue
				}
				group := awaitString(t, p.StateMachineLogGroupName)
				if !strings.HasPrefix(group, "/aws/vendedlogs/states/mc-") {
					t.Errorf("state machine log group %s, want it under /aws/vendedlogs/states/", group)
				}
				want := "arn:aws:logs:eu-west-1:123456789012:log-group:" + group + ":*"
				if lc["logDestination"] != want {
					t.Errorf("%s logs to %v, want %s", sm.Name, lc["logDestination"], want)
				}
			}
			if !names["mc-generate"] || !names["mc-simulate"] || !names["mc-cleanup"] {
				t.Errorf("state machine names %v, want mc-generate, mc-simulate and mc-cleanup", names)
			}
			if mode.dryRun {
				return
			}
			if got := awaitString(t, p.GenerateStateMachineArn); got != testGenerateArn {
				t.Errorf("generateStateMachineArn = %s, want %s", got, testGenerateArn)
			}
			if got := awaitString(t, p.SimulateStateMachineArn); got != testSimulateArn {
				t.Errorf("simulateStateMachineArn = %s, want %s", got, testSimulateArn)
			}
			if got := awaitString(t, p.CleanupStateMachineArn); got != testCleanupArn {
				t.Errorf("cleanupStateMachineArn = %s, want %s", got, testCleanupArn)
			}
		})
	}
}

func TestStateMachineLoggingLevelAndTracingFollowTheArgs(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.StateMachineLogLevel = "all"
	args.DisableTracing = true
	m, _ := mustDeploy(t, true, args)
	for _, sm := range m.byType("aws:sfn/stateMachine:StateMachine") {
		if lc := sm.Value("loggingConfiguration").(map[string]any); lc["level"] != "ALL" {
			t.Errorf("%s level %v, want ALL", sm.Name, lc["level"])
		}
		if tc := sm.Value("tracingConfiguration").(map[string]any); tc["enabled"] != false {
			t.Errorf("%s tracing %v, want off", sm.Name, tc)
		}
	}
}

func TestDefinitionsAreWhatComponentsWorkflowProducesForTheSameSettings(t *testing.T) {
	t.Parallel()
	tuned := testArgs()
	tuned.WorkerCount = 5
	tuned.TasksPerWorker = 3
	tuned.BatchSize = 500
	tuned.ShardSize = 5000
	tuned.MaxConcurrency = 12
	tuned.ToleratedFailurePercent = 2.5
	tuned.HeartbeatSeconds = 90
	tuned.WorkerWaitSeconds = 20
	tuned.WorkerWaitMaxPolls = 30
	tuned.Retry = workflow.RetryPolicy{MaxAttempts: 5, IntervalSeconds: 3, BackoffRate: 1.5, MaxDelaySeconds: 60}
	tuned.Defaults = workflow.RunDefaults{Dataset: "bank", Loans: 2_000_000, Scenarios: 500, Seed: 42, Layout: "per-loan", TargetRate: 0.07, HorizonMonths: 24}

	for name, args := range map[string]*MonteCarloPipelineArgs{"defaults": testArgs(), "tuned": tuned} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			want, err := workflow.Definitions(workflow.Config{
				Region:                   testRegion,
				AccountID:                testAccount,
				GenerateStateMachineName: "mc-generate",
				SimulateStateMachineName: "mc-simulate",
				ActivityArn:              testActivityArn,
				ClusterName:              "mc-a1b2c3d",
				ServiceName:              "mc-workers-a1b2c3d",
				DataBucket:               "mc-data-a1b2c3d",
				WorkerCount:              args.WorkerCount,
				TasksPerWorker:           args.TasksPerWorker,
				BatchSize:                args.BatchSize,
				ShardSize:                args.ShardSize,
				MaxConcurrency:           args.MaxConcurrency,
				ToleratedFailurePercent:  args.ToleratedFailurePercent,
				HeartbeatSeconds:         args.HeartbeatSeconds,
				WorkerWaitSeconds:        args.WorkerWaitSeconds,
				WorkerWaitMaxPolls:       args.WorkerWaitMaxPolls,
				Retry:                    args.Retry,
				Defaults:                 args.Defaults,
			})
			if err != nil {
				t.Fatalf("workflow.Definitions: %v", err)
			}
			for _, d := range want {
				sm := m.named(t, "aws:sfn/stateMachine:StateMachine", "mc-"+d.Workflow)
				if sm.Str("name") != d.Name {
					t.Errorf("%s name %s, want %s", d.Workflow, sm.Str("name"), d.Name)
				}
				if got := sm.Str("definition"); got != string(d.JSON) {
					t.Errorf("%s definition differs from workflow.Definitions:\n got %.400s\nwant %.400s", d.Workflow, got, d.JSON)
				}
			}
		})
	}
}

func TestDefinitionsAreUnknownInPreviewButTheStateMachinesArePlanned(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, true, testArgs())
	for _, sm := range m.byType("aws:sfn/stateMachine:StateMachine") {
		if sm.Known("definition") {
			t.Errorf("%s definition known in preview although the activity ARN is not", sm.Name)
		}
		if !sm.Known("name") {
			t.Errorf("%s name unknown in preview; it must be fixed", sm.Name)
		}
	}
}
