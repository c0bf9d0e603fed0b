package components

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// stateMachineRoles are the inline policies (by logical name) of the three
// state machines' roles, by workflow.
var stateMachineRoles = map[string]string{
	workflow.WorkflowGenerate: "mc-generate-states",
	workflow.WorkflowSimulate: "mc-simulate-states",
	workflow.WorkflowCleanup:  "mc-cleanup",
}

// derivedStatements is what components/workflow says the state machine
// of a workflow needs in the test deployment, decoded like a policy.
// With compute lambda the deployment's workers are the test function.
func derivedStatements(t *testing.T, flow, compute string) []policyStatement {
	t.Helper()
	cfg := workflow.Config{
		Region: testRegion, AccountID: testAccount,
		GenerateStateMachineName: "mc-generate", SimulateStateMachineName: "mc-simulate",
		ActivityArn: testActivityArn, ClusterName: "mc-a1b2c3d", ServiceName: "mc-workers-a1b2c3d", DataBucket: "mc-data-a1b2c3d",
	}
	if compute == workflow.ComputeLambda {
		cfg = workflow.Config{
			Region: testRegion, AccountID: testAccount, Compute: compute,
			GenerateStateMachineName: "mc-generate", SimulateStateMachineName: "mc-simulate",
			FunctionArn: testFunctionArn, DataBucket: "mc-data-a1b2c3d",
		}
	}
	st, err := cfg.StateMachineStatements(flow)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out []policyStatement
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEachStateMachineRoleAllowsExactlyItsWorkflowsStatements(t *testing.T) {
	t.Parallel()
	for name, args := range iamVariants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			for flow, role := range stateMachineRoles {
				if flow == workflow.WorkflowCleanup && args.Compute == workflow.ComputeLambda {
					continue // no cleanup machine (workflow.ErrNoCleanup)
				}
				// What only the component knows, and when each applies.
				extras := map[string]bool{
					"LogDelivery": true,
					"XRay":        !args.DisableTracing,
					"UseDataKey":  args.KmsKeyArn != nil && flow != workflow.WorkflowCleanup,
					"ReadInput":   args.InputBucketName != nil && flow == workflow.WorkflowSimulate,
					"ListInput":   args.InputBucketName != nil && flow == workflow.WorkflowSimulate,
				}
				var derived []policyStatement
				seen := map[string]bool{}
				for _, st := range rolePolicy(t, m, role).Statement {
					want, extra := extras[st.Sid]
					switch {
					case !extra:
						derived = append(derived, st)
					case !want:
						t.Errorf("%s grants %s (%v on %v), which this deployment does not need", role, st.Sid, st.Action, st.Resource)
					}
					seen[st.Sid] = true
				}
				for sid, want := range extras {
					if want && !seen[sid] {
						t.Errorf("%s lacks statement %s", role, sid)
					}
				}
				if want := derivedStatements(t, flow, args.Compute); !reflect.DeepEqual(derived, want) {
					t.Errorf("%s allows %+v\\nwant exactly the %s workflow's statements %+v", role, derived, flow, want)
				}
			}
		})
	}
}

func TestGenerateAndSimulateRolesManageOnlyTheirOwnExecutions(t *testing.T) {
	t.Parallel()
	m, p := mustDeploy(t, false, testArgs())
	execution := func(sm, id string) string {
		return "arn:aws:states:eu-west-1:123456789012:execution:" + sm + ":" + id
	}
	child := func(sm string) string {
		return "arn:aws:states:eu-west-1:123456789012:execution:" + sm + "/0f1e2d3c:5a6b"
	}
	for _, tc := range []struct {
		role, own, ownArn, other, otherArn string
	}{
		{"mc-generate-states", "mc-generate", testGenerateArn, "mc-simulate", testSimulateArn},
		{"mc-simulate-states", "mc-simulate", testSimulateArn, "mc-generate", testGenerateArn},
	} {
		t.Run(tc.own+" may start, stop and redrive only its own Map Run children", func(t *testing.T) {
			t.Parallel()
			pol := rolePolicy(t, m, tc.role)
			if got := pol.mayOn(tc.ownArn); !hasAll(got, "states:StartExecution", "states:ListExecutions") {
				t.Errorf("%s may %v on its own state machine, want StartExecution (Map children) and ListExecutions (guard)", tc.role, got)
			}
			if got := pol.mayOn(child(tc.own)); !hasAll(got, "states:DescribeExecution", "states:StopExecution", "states:RedriveExecution") {
				t.Errorf("%s may %v on its Map Run children, want Describe, Stop and Redrive", tc.role, got)
			}
			// The guard only lists the other workflow's executions.
			if got := statesActions(pol.mayOn(tc.otherArn)); !slices.Equal(got, []string{"states:ListExecutions"}) {
				t.Errorf("%s may %v on %s, want only states:ListExecutions", tc.role, got, tc.otherArn)
			}
			for _, arn := range []string{execution(tc.other, "run-1"), child(tc.other), execution(tc.own, "run-1")} {
				if got := statesActions(pol.mayOn(arn)); len(got) > 0 {
					t.Errorf("%s may %v on %s", tc.role, got, arn)
				}
			}
			for _, st := range pol.Statement {
				for _, a := range st.Action {
					if strings.HasPrefix(a, "ecs:") && !slices.Equal(st.Resource, stringList{testServiceArn}) {
						t.Errorf("%s statement %s grants %s on %v beyond the one service", tc.role, st.Sid, a, st.Resource)
					}
					if a == "states:RedriveExecution" {
						for _, r := range st.Resource {
							if !strings.HasSuffix(r, "/*") {
								t.Errorf("%s statement %s lets the state machine redrive %s, not only Map Run children", tc.role, st.Sid, r)
							}
						}
					}
				}
			}
		})
	}
	t.Run("each state machine runs as its own role", func(t *testing.T) {
		t.Parallel()
		for _, sm := range m.byType("aws:sfn/stateMachine:StateMachine") {
			// The mocks name a role <logical name>-a1b2c3d.
			want := stateMachineRoles[strings.TrimPrefix(sm.Name, "mc-")]
			if got := sm.Str("roleArn"); want == "" || got != "arn:aws:iam::"+testAccount+":role/"+want+"-a1b2c3d" {
				t.Errorf("%s runs as %s, want the role %s", sm.Name, got, want)
			}
		}
		gen, sim := awaitString(t, p.GenerateStateMachineRoleArn), awaitString(t, p.StateMachineRoleArn)
		if gen == "" || sim == "" || gen == sim {
			t.Errorf("generateStateMachineRoleArn %q and stateMachineRoleArn %q, want two roles", gen, sim)
		}
	})
}

// statesActions keeps the Step Functions actions (the logs and X-Ray
// actions on "*" cover every ARN but grant nothing on executions).
func statesActions(actions []string) []string {
	var out []string
	for _, a := range actions {
		if strings.HasPrefix(a, "states:") {
			out = append(out, a)
		}
	}
	return out
}

func TestSimulateRoleReadsTheDataBucketOnlyUnderTheWorkersPrefixes(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	p := rolePolicy(t, m, "mc-simulate-states")
	for _, prefix := range WritablePrefixes {
		if got := p.mayOn(testDataBucketArn + "/" + prefix + "x"); !slices.Contains(got, "s3:GetObject") {
			t.Errorf("the Simulate role may %v under %s, want s3:GetObject (the workers read there)", got, prefix)
		}
	}
	if got := p.mayOn(testDataBucketArn + "/private/x"); slices.Contains(got, "s3:GetObject") {
		t.Errorf("the Simulate role may get objects outside %v", WritablePrefixes)
	}
	list := p.statement(t, "ListItems")
	if got := toStrings(list.Condition["StringLike"]["s3:prefix"]); !slices.Equal(sorted(got), sorted(prefixPatterns(WritablePrefixes))) {
		t.Errorf("ListBucket prefix condition %v, want %v", got, prefixPatterns(WritablePrefixes))
	}
}
