package components

import (
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func TestRunEndedRuleStartsTheCleanupWithTheWholeEvent(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			rule := m.one(t, "aws:cloudwatch/eventRule:EventRule")
			if rule.Has("eventBusName") || rule.Has("scheduleExpression") {
				t.Errorf("rule %s: bus %v, schedule %v; want the default bus, where Step Functions sends its events", rule.Name, rule.Value("eventBusName"), rule.Value("scheduleExpression"))
			}
			// The pattern names the fixed ARNs, so it is known in preview.
			var p struct {
				Source     []string            `json:"source"`
				DetailType []string            `json:"detail-type"`
				Detail     map[string][]string `json:"detail"`
			}
			rule.JSON(t, "eventPattern", &p)
			if !slices.Equal(p.Source, []string{"aws.states"}) || !slices.Equal(p.DetailType, []string{"Step Functions Execution Status Change"}) {
				t.Errorf("pattern source %v, detail-type %v", p.Source, p.DetailType)
			}
			if got := sorted(p.Detail["status"]); !slices.Equal(got, []string{"ABORTED", "FAILED", "TIMED_OUT"}) {
				t.Errorf("pattern statuses %v, want ABORTED, FAILED and TIMED_OUT", got)
			}
			if got := sorted(p.Detail["stateMachineArn"]); !slices.Equal(got, []string{testGenerateArn, testSimulateArn}) {
				t.Errorf("pattern state machines %v, want the two workflows (not the cleanup itself)", got)
			}
			if len(p.Detail) != 2 {
				t.Errorf("pattern detail %v filters more than status and state machine", p.Detail)
			}

			target := m.one(t, "aws:cloudwatch/eventTarget:EventTarget")
			for _, key := range []string{"input", "inputPath", "inputTransformer"} {
				if target.Has(key) {
					t.Errorf("target sets %s; the cleanup reads the whole event", key)
				}
			}
			if !dependsOn(target, "aws:iam/rolePolicy:RolePolicy", "mc-cleanup-trigger") {
				t.Error("the target does not wait for its role's policy")
			}
			if mode.dryRun {
				return
			}
			if target.Str("arn") != testCleanupArn || target.Str("rule") != rule.Name+"-a1b2c3d" {
				t.Errorf("target %s of rule %s, want %s of %s", target.Str("arn"), target.Str("rule"), testCleanupArn, rule.Name)
			}
			if target.Str("roleArn") != "arn:aws:iam::123456789012:role/mc-cleanup-trigger-a1b2c3d" {
				t.Errorf("target role %s, want the trigger role", target.Str("roleArn"))
			}
		})
	}
}

func TestCleanupTriggerMayOnlyStartTheCleanup(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, true, testArgs())
	p := rolePolicy(t, m, "mc-cleanup-trigger")
	if len(p.Statement) != 1 {
		t.Fatalf("trigger policy has %d statements, want 1: %+v", len(p.Statement), p.Statement)
	}
	st := p.Statement[0]
	if st.Effect != "Allow" || !slices.Equal(st.Action, stringList{"states:StartExecution"}) || !slices.Equal(st.Resource, stringList{testCleanupArn}) {
		t.Errorf("trigger statement %+v, want states:StartExecution on %s only", st, testCleanupArn)
	}
}

func TestCleanupRoleMayListRunsAndScaleInItsServiceOnly(t *testing.T) {
	t.Parallel()
	for name, args := range map[string]*MonteCarloPipelineArgs{"traced": testArgs(), "untraced": {ImageTag: "test", DisableTracing: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			p := rolePolicy(t, m, "mc-cleanup")
			scale := p.statement(t, "ScaleInWorkerService")
			if !slices.Equal(scale.Action, stringList{"ecs:UpdateService"}) || !slices.Equal(scale.Resource, stringList{testServiceArn}) {
				t.Errorf("scale statement %+v, want ecs:UpdateService on %s", scale, testServiceArn)
			}
			guard := p.statement(t, "GuardListRunningExecutions")
			if !slices.Equal(guard.Action, stringList{"states:ListExecutions"}) || !slices.Equal(sorted(guard.Resource), []string{testGenerateArn, testSimulateArn}) {
				t.Errorf("guard statement %+v, want states:ListExecutions on the two workflows", guard)
			}
			for _, st := range p.Statement {
				for _, a := range st.Action {
					switch {
					case st.Sid == "ScaleInWorkerService" || st.Sid == "GuardListRunningExecutions":
					case slices.Equal(st.Resource, stringList{"*"}) && WildcardResourceActions[a] != "" && (strings.HasPrefix(a, "logs:") || strings.HasPrefix(a, "xray:")):
					default:
						t.Errorf("statement %s grants %s on %v beyond listing runs, scaling in and logging", st.Sid, a, st.Resource)
					}
					if strings.HasPrefix(a, "xray:") && args.DisableTracing {
						t.Errorf("tracing off but the cleanup role grants %s", a)
					}
				}
			}
			p.statement(t, "LogDelivery")

			// The same grants as components/workflow derives from the
			// definition, so the two cannot drift.
			want, err := workflow.Config{
				Region: testRegion, AccountID: testAccount,
				GenerateStateMachineName: "mc-generate", SimulateStateMachineName: "mc-simulate",
				ActivityArn: testActivityArn, ClusterName: "mc-a1b2c3d", ServiceName: "mc-workers-a1b2c3d", DataBucket: "mc-data-a1b2c3d",
			}.StateMachineStatements(workflow.WorkflowCleanup)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				for _, a := range w.Action {
					for _, r := range w.Resource {
						if !slices.Contains(p.allowedOn(r), a) {
							t.Errorf("workflow needs %s on %s, which the cleanup role does not grant", a, r)
						}
					}
				}
			}
		})
	}
}

func TestCleanupDefinitionIsWhatComponentsWorkflowProduces(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.WorkerCount = 4
	m, p := mustDeploy(t, false, args)
	want, err := workflow.CleanupDefinition(workflow.Config{
		Region: testRegion, AccountID: testAccount,
		GenerateStateMachineName: "mc-generate", SimulateStateMachineName: "mc-simulate",
		ActivityArn: testActivityArn, ClusterName: "mc-a1b2c3d", ServiceName: "mc-workers-a1b2c3d", DataBucket: "mc-data-a1b2c3d",
		WorkerCount: args.WorkerCount,
	}, "mc-cleanup")
	if err != nil {
		t.Fatal(err)
	}
	sm := m.named(t, "aws:sfn/stateMachine:StateMachine", "mc-cleanup")
	if sm.Str("name") != want.Name || sm.Str("definition") != string(want.JSON) {
		t.Errorf("cleanup %s definition differs from workflow.CleanupDefinition:\n got %.400s\nwant %.400s", sm.Str("name"), sm.Str("definition"), want.JSON)
	}
	if sm.Str("roleArn") != "arn:aws:iam::123456789012:role/mc-cleanup-a1b2c3d" {
		t.Errorf("cleanup runs as %s, want its own role", sm.Str("roleArn"))
	}
	if got := awaitString(t, p.CleanupStateMachineArn); got != testCleanupArn {
		t.Errorf("cleanupStateMachineArn = %s, want %s", got, testCleanupArn)
	}
}

func TestStateMachineRolesMayWriteTheirMapRunResultsUnderScratch(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	for role, key := range map[string]string{
		"mc-simulate-states": workflow.RunMapResultPrefix("run-1") + "/6c0e/manifest.json",
		"mc-generate-states": workflow.DatasetMapResultPrefix("default") + "/6c0e/SUCCEEDED_0.json",
	} {
		p := rolePolicy(t, m, role)
		object := testDataBucketArn + "/" + key
		got := p.mayOn(object)
		if !slices.Contains(got, "s3:PutObject") || !slices.Contains(got, "s3:GetObject") {
			t.Errorf("%s may %v on %s, which its ResultWriter writes; want s3:PutObject and s3:GetObject", role, got, object)
		}
	}
}
