package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/spf13/pflag"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// addModelFlags adds the run flags of the credit model that local and run
// simulate share: --target-rate, --horizon, --tail-shift, --scenario-file.
// withDefaults gives the flags the workflow defaults (local); without, they
// show none, and an unset flag leaves the stack's value (run).
func addModelFlags(f *pflag.FlagSet, rate *float64, horizon *int, shift *float64, file *string, withDefaults bool) {
	defRate, defHorizon, where := 0.0, 0, "; default: the stack's"
	if withDefaults {
		defRate, defHorizon, where = workflow.DefaultTargetRate, workflow.DefaultHorizonMonths, ""
	}
	f.Float64Var(rate, "target-rate", defRate,
		fmt.Sprintf("policy rate the stress ramps to, annual decimal: 0.08 is 8%% (between 0 and 1%s)", where))
	f.IntVar(horizon, "horizon", defHorizon,
		fmt.Sprintf("months simulated per loan (1 to %d%s)", workflow.MaxHorizonMonths, where))
	f.Float64Var(shift, "tail-shift", 0,
		fmt.Sprintf("importance sampling: shift of the credit-cycle innovations' mean, 0 (plain Monte Carlo) to %g", workflow.MaxTailShift))
	f.StringVar(file, "scenario-file", "",
		"CSV of quarterly rows with the Federal Reserve's column names whose paths replace the rate ramp (docs/scenarios.md); checked before anything starts")
}

// checkModelFlags checks the model flags that changed, naming the flag and
// what it allows.
func checkModelFlags(changed func(string) bool, rate float64, horizon int, shift float64) error {
	var errs []error
	if changed("target-rate") && (math.IsNaN(rate) || rate <= 0 || rate >= 1) {
		errs = append(errs, fmt.Errorf("--target-rate %g: allowed an annual rate between 0 and 1 (0.08 is 8%%)", rate))
	}
	if changed("horizon") && (horizon < 1 || horizon > workflow.MaxHorizonMonths) {
		errs = append(errs, fmt.Errorf("--horizon %d: allowed 1 to %d months", horizon, workflow.MaxHorizonMonths))
	}
	if changed("tail-shift") && (math.IsNaN(shift) || shift < 0 || shift > workflow.MaxTailShift) {
		errs = append(errs, fmt.Errorf("--tail-shift %g: allowed 0 (plain Monte Carlo) to %g", shift, workflow.MaxTailShift))
	}
	return errors.Join(errs...)
}
