package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/internal/jsonstrict"
)

// Validate checks run parameters as plan (workflow WorkflowGenerate) or
// prepare (WorkflowSimulate) receive them, and reports every problem at
// once, each naming the execution input key and what is allowed. A worker
// fails the task with ErrInputInvalid and this error as the cause; the CLI
// calls it before starting an execution, so a typo fails in the terminal,
// not after scale-out.
func (p RunParams) Validate(workflow string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("run input: "+format, args...)) }
	if err := checkName(`"dataset"`, p.Dataset); err != nil {
		bad("%v", err)
	}
	if p.Scenarios < 1 || p.Scenarios > MaxScenarios {
		bad(`"scenarios" = %d: want 1 to %d`, p.Scenarios, MaxScenarios)
	}
	if p.Seed < 0 {
		bad(`"seed" = %d: want 0 or more`, p.Seed)
	}
	if p.TargetRate <= 0 || p.TargetRate >= 1 {
		bad(`"targetRate" = %g: want an annual rate between 0 and 1 (0.08 is 8%%)`, p.TargetRate)
	}
	if p.HorizonMonths < 1 || p.HorizonMonths > MaxHorizonMonths {
		bad(`"horizonMonths" = %d: want 1 to %d`, p.HorizonMonths, MaxHorizonMonths)
	}
	if p.RateUnit != "" && p.RateUnit != "decimal" && p.RateUnit != "percent" {
		bad(`"rateUnit" = %q: want "decimal" or "percent"`, p.RateUnit)
	}
	if math.IsNaN(p.TailShift) || p.TailShift < 0 || p.TailShift > MaxTailShift {
		bad(`"tailShift" = %g: want 0 (plain Monte Carlo) to %g`, p.TailShift, MaxTailShift)
	}
	if len(p.Params) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p.Params, &obj); err != nil || bytes.HasPrefix(bytes.TrimSpace(p.Params), []byte("null")) {
			bad(`"params": want a JSON object of model parameters`)
		}
	}
	if p.RunID != "" {
		if err := checkName(`"runId"`, p.RunID); err != nil {
			bad("%v", err)
		}
	}
	switch workflow {
	case WorkflowGenerate:
		if p.Loans < 1 || p.Loans > MaxLoans {
			bad(`"loans" = %d: want 1 to %d`, p.Loans, int64(MaxLoans))
		}
		if p.Layout != LayoutSharded && p.Layout != LayoutPerLoan {
			bad(`"layout" = %q: want %q or %q`, p.Layout, LayoutSharded, LayoutPerLoan)
		}
	case WorkflowSimulate:
		var set []string
		for key, v := range map[string]string{"manifestKey": p.ManifestKey, "inventoryManifestKey": p.InventoryManifestKey, "inputPrefix": p.InputPrefix} {
			if v != "" {
				set = append(set, `"`+key+`"`)
			}
		}
		if len(set) > 1 {
			slices.Sort(set)
			bad("%s are all set: give at most one input (none reads the dataset's CSV manifest)", strings.Join(set, " and "))
		}
		for key, v := range map[string]string{"manifestKey": p.ManifestKey, "inventoryManifestKey": p.InventoryManifestKey} {
			if v != "" && (strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/")) {
				bad(`"%s" = %q: want the key of an object, without a leading or trailing slash`, key, v)
			}
		}
		if k := p.ScenarioKey; k != "" && (strings.HasPrefix(k, "/") || strings.HasSuffix(k, "/") || strings.HasPrefix(k, "s3://") || len(k) > 1024) {
			bad(`"scenarioKey" = %q: want the key of a scenario file in the data bucket, without s3://, a leading or trailing slash (e.g. %q)`,
				k, ScenarioKeyFor("<sha256>", "scenario.csv"))
		}
		if p.InputBucket != "" && !bucketRE.MatchString(p.InputBucket) {
			bad(`"inputBucket" = %q: want an S3 bucket name (3-63 of a-z 0-9 . -)`, p.InputBucket)
		}
	default:
		bad("unknown workflow %q: want %q or %q", workflow, WorkflowGenerate, WorkflowSimulate)
	}
	return errors.Join(errs...)
}

// DecodeRunParams decodes the "run" object of a plan or prepare input the
// way the workers will (jsonstrict): keys exactly as documented, none twice,
// none unknown. A misspelt override would otherwise be ignored silently, and
// "Scenarios" would pass here and fail in the worker after scale-out.
func DecodeRunParams(data []byte) (RunParams, error) {
	var p RunParams
	if err := jsonstrict.Decode(data, &p); err != nil {
		return RunParams{}, fmt.Errorf("run input: %w", err)
	}
	return p, nil
}

// LoanScenarioNanosAt returns what one loan in one scenario costs over a
// horizon of horizonMonths, given nanos, its cost at DefaultHorizonMonths
// (Config.LoanScenarioNanos): the model steps every loan month by month, so
// a longer horizon costs proportionally more; a shorter one is charged the
// default's cost, so a run never gets larger batches than the timeout
// derivation assumed. prepare sizes batches with it, so a 120-month run
// gets batches about 4.4 times smaller instead of timeouts.
func LoanScenarioNanosAt(nanos, horizonMonths int) int {
	if horizonMonths <= DefaultHorizonMonths {
		return nanos
	}
	return (nanos*horizonMonths + DefaultHorizonMonths - 1) / DefaultHorizonMonths
}

// BatchItems is prepare's rule for MaxItemsPerBatch: how many input
// objects of loansPerObject loans each (0 or 1: one loan per object) a batch
// takes so that it holds about batchLoans loans and still fits the simulate
// task's timeout at the run's scenarios:
//
//	L = min(batchLoans, MaxBatchLoans(taskTimeoutSeconds, scenarios, loanScenarioNanos))
//	items = max(1, L / loansPerObject)
//
// It fails when not even one object fits the timeout; prepare reports that
// with ErrInputInvalid, naming the scenarios and the timeout.
func BatchItems(batchLoans int, loansPerObject int64, taskTimeoutSeconds, scenarios, loanScenarioNanos int) (int, error) {
	return BatchItemsWithin(batchLoans, loansPerObject, taskTimeoutSeconds, TaskStartMarginSeconds, scenarios, loanScenarioNanos)
}

// BatchItemsWithin is BatchItems with the timeout's start margin given
// (TaskStartMarginSeconds for activities, LambdaStartMarginSeconds for the
// Lambda flavour; PrepareInput.StartMarginSeconds).
func BatchItemsWithin(batchLoans int, loansPerObject int64, taskTimeoutSeconds, marginSeconds, scenarios, loanScenarioNanos int) (int, error) {
	if batchLoans < 1 {
		return 0, fmt.Errorf("batch items: batch loans = %d: want 1 or more", batchLoans)
	}
	fit := MaxBatchLoansWithin(taskTimeoutSeconds, marginSeconds, scenarios, loanScenarioNanos)
	per := max(loansPerObject, 1)
	if fit < per {
		return 0, fmt.Errorf("batch items: one object of %d loans at %d scenarios needs %d s, more than the task timeout of %d s; run fewer scenarios or deploy with a larger TaskTimeoutSeconds",
			per, scenarios, marginSeconds-TaskStartMarginSeconds+SimulateTimeoutSeconds(per, scenarios, loanScenarioNanos, 0), taskTimeoutSeconds)
	}
	loans := min(int64(batchLoans), fit)
	return int(max(1, loans/per)), nil
}
