package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/internal/jsonstrict"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// RunManifest is the object prepare writes at workflow.RunManifestKey: the
// resolved parameters of a run and its provenance (MODEL.md,
// "Reproducibility": seed, model version, parameter hash, Go version and
// GOARCH). Simulate reads it once per run and worker process; a resumed
// run (runId) must match it.
type RunManifest struct {
	RunID         string `json:"runId"`
	ExecutionName string `json:"executionName"`
	ExecutionArn  string `json:"executionArn,omitempty"`
	StartTime     string `json:"startTime,omitempty"`
	Dataset       string `json:"dataset"`

	Seed         int64        `json:"seed"`
	ModelVersion string       `json:"modelVersion"`
	ParamsHash   string       `json:"paramsHash"`
	Params       model.Params `json:"params"`
	GoVersion    string       `json:"goVersion"`
	GOARCH       string       `json:"goarch"`

	Input workflow.InputSource `json:"input"`
	// ExpectedLoans is the number of input loans when the input says
	// (our CSV manifests do), else 0.
	ExpectedLoans int64 `json:"expectedLoans"`
	// InputObjects is the number of input objects when known, else 0.
	InputObjects int64 `json:"inputObjects,omitempty"`
	// LoansPerObject is the (largest, or estimated) number of loans per
	// input object that MaxItemsPerBatch was derived from.
	LoansPerObject   int64 `json:"loansPerObject"`
	MaxItemsPerBatch int   `json:"maxItemsPerBatch"`
	BatchLoans       int   `json:"batchLoans"`
	// RateUnit and AllowUnknownColumns are how simulate reads the loans
	// (the run input's keys; docs/loans.md).
	RateUnit            string `json:"rateUnit,omitempty"`
	AllowUnknownColumns bool   `json:"allowUnknownColumns,omitempty"`
	// NoAttribution is the run input's: simulate skips the attribution.
	NoAttribution bool `json:"noAttribution,omitempty"`
	// IDCheck says how prepare looked for loan ids repeated across the
	// input's objects: "across objects", "one object" (its reader checks),
	// or not for a generated dataset (unique by construction).
	IDCheck string `json:"idCheck,omitempty"`
	// DuplicateIDsKey is the DuplicateIDs object listing the records that
	// repeat an earlier object's id (DuplicateIDs of them), which simulate
	// rejects; "" when there are none.
	DuplicateIDsKey string `json:"duplicateIdsKey,omitempty"`
	DuplicateIDs    int64  `json:"duplicateIds,omitempty"`
}

// readOptions are the loan reader's options for an object of the run.
func (m *RunManifest) readOptions(source string) loan.ReadOptions {
	return loan.ReadOptions{RateUnit: loan.RateUnit(m.RateUnit), AllowUnknownColumns: m.AllowUnknownColumns, Source: source}
}

// context returns the RunContext simulate batches receive.
func (m *RunManifest) context(bucket string) workflow.RunContext {
	return workflow.RunContext{
		RunID: m.RunID, Bucket: bucket, Prefix: workflow.RunPrefix(m.RunID), ManifestKey: workflow.RunManifestKey(m.RunID),
		Seed: m.Seed, Scenarios: m.Params.Scenarios, HorizonMonths: m.Params.HorizonMonths, TargetRate: m.Params.TargetRateAnnual,
		ParamsHash: m.ParamsHash, InputBucket: m.Input.Bucket,
	}
}

// reservedParams are the model parameters with their own execution input
// keys; setting them inside "params" too would leave two sources of truth.
// scenarioPath comes only from the file "scenarioKey" names, so the run
// manifest records a file's hash, never hand-written paths.
var reservedParams = map[string]string{
	"seed": "seed", "scenarios": "scenarios", "horizonMonths": "horizonMonths", "targetRate": "targetRate",
	"tailShift": "tailShift", "scenarioPath": "scenarioKey",
}

// resolveParams merges the run input over model.DefaultParams: first the
// top-level keys (seed, scenarios, horizonMonths, targetRate, tailShift),
// then the "params" object key by key (JSON names of model.Params). Unknown
// keys, reserved keys and out-of-range values fail, naming the key. The
// scenario file ("scenarioKey") is prepare's to read.
func resolveParams(run workflow.RunParams) (model.Params, error) {
	p := model.DefaultParams()
	p.Seed = uint64(run.Seed)
	p.Scenarios = run.Scenarios
	p.HorizonMonths = run.HorizonMonths
	p.TargetRateAnnual = run.TargetRate
	p.TailShift = run.TailShift
	if len(bytes.TrimSpace(run.Params)) > 0 {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(run.Params, &keys); err != nil {
			return model.Params{}, fmt.Errorf(`"params": want a JSON object of model parameters: %w`, err)
		}
		var clash []string
		for k := range keys {
			// Case-insensitive: "Seed" inside params is still the top-level seed.
			for r, top := range reservedParams {
				if strings.EqualFold(r, k) {
					clash = append(clash, fmt.Sprintf(`"params.%s": set it as the top-level key %q`, k, top))
				}
			}
		}
		if len(clash) > 0 {
			slices.Sort(clash)
			return model.Params{}, fmt.Errorf("%s", strings.Join(clash, "; "))
		}
		// Exact keys only: encoding/json alone would take "Gamma" or a
		// second "gamma" for gamma.
		if err := jsonstrict.Decode(run.Params, &p); err != nil {
			return model.Params{}, fmt.Errorf(`"params": %w (keys are the JSON names of the model's parameters, e.g. "gamma", "sigma", "dtiCap")`, err)
		}
	}
	if err := p.Validate(); err != nil {
		return model.Params{}, fmt.Errorf(`"params": %w`, err)
	}
	return p, nil
}
