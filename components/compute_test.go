package components

import "testing"

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
