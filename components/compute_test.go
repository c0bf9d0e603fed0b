package components

import (
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/workerconfig"
)

// Changing the capacity provider strategy (Spot weight, on-demand base or
// weight, OnDemandOnly) replaces an aws.ecs.Service unless
// forceNewDeployment is set; with it the strategy is updated in place.
func TestServiceUpdatesItsCapacityProviderStrategyInPlace(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, variant := range []struct {
			name string
			args func(*MonteCarloPipelineArgs)
		}{
			{"spot", func(*MonteCarloPipelineArgs) {}},
			{"spot with an on-demand base", func(a *MonteCarloPipelineArgs) { a.OnDemandBase = 1; a.OnDemandWeight = 1 }},
			{"on-demand only", func(a *MonteCarloPipelineArgs) { a.OnDemandOnly = true }},
		} {
			t.Run(mode.name+"/"+variant.name, func(t *testing.T) {
				t.Parallel()
				args := testArgs()
				variant.args(args)
				m, _ := mustDeploy(t, mode.dryRun, args)
				svc := m.one(t, "aws:ecs/service:Service")
				if svc.Value("forceNewDeployment") != true {
					t.Errorf("forceNewDeployment = %v, want true: without it a strategy change replaces the service", svc.Value("forceNewDeployment"))
				}
				// The provider replaces the service anyway when the
				// strategy goes from empty to non-empty or back: it never
				// is empty.
				if s, _ := svc.Value("capacityProviderStrategies").([]any); len(s) == 0 {
					t.Errorf("empty capacity provider strategy")
				}
				if svc.Has("launchType") {
					t.Errorf("launchType set: it conflicts with a capacity provider strategy")
				}
			})
		}
	}
}

// The worker names its role when S3 refuses a read (403), and the created
// VPC has no STS endpoint to ask: the task definition tells it.
func TestWorkerIsToldItsTaskRoleForAccessErrors(t *testing.T) {
	t.Parallel()
	m, p := mustDeploy(t, false, testArgs())
	var defs []map[string]any
	m.one(t, "aws:ecs/taskDefinition:TaskDefinition").JSON(t, "containerDefinitions", &defs)
	env := envOf(defs[0])
	if want := awaitString(t, p.TaskRoleArn); env[EnvTaskRoleArn] != want || want == "" {
		t.Errorf("%s = %q, want the task role %q", EnvTaskRoleArn, env[EnvTaskRoleArn], want)
	}
	// The worker must not reject it as a typo of one of its variables.
	for _, pre := range workerconfig.Prefixes {
		if strings.HasPrefix(EnvTaskRoleArn, pre) {
			t.Errorf("%s falls under the worker's prefix %s", EnvTaskRoleArn, pre)
		}
	}
}
