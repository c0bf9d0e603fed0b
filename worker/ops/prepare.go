package ops

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// prepare validates the run input, fixes the run id, seed and parameter
// hash, resolves the input, writes the run manifest and tells the Map how
// to read the input (workflow.OpPrepare).
func (o *ops) prepare(ctx context.Context, in workflow.PrepareInput) (workflow.PrepareOutput, error) {
	run := in.Run
	if err := run.Validate(workflow.WorkflowSimulate); err != nil {
		return workflow.PrepareOutput{}, invalid("%w", err)
	}
	bucket, err := o.bucketOr("bucket", in.Bucket)
	if err != nil {
		return workflow.PrepareOutput{}, err
	}
	if in.BatchLoans < 1 {
		return workflow.PrepareOutput{}, invalid(`"batchLoans" = %d: want 1 or more`, in.BatchLoans)
	}
	margin := in.StartMarginSeconds // the Lambda flavour's; 0: an activity's
	if margin == 0 {
		margin = workflow.TaskStartMarginSeconds
	}
	if margin < 0 || in.TaskTimeoutSeconds <= margin {
		return workflow.PrepareOutput{}, invalid(`"taskTimeoutSeconds" = %d: want more than the %d s start margin`, in.TaskTimeoutSeconds, margin)
	}
	if in.LoanScenarioNanos < 1 {
		return workflow.PrepareOutput{}, invalid(`"loanScenarioNanos" = %d: want 1 or more`, in.LoanScenarioNanos)
	}
	params, err := resolveParams(run)
	if err != nil {
		return workflow.PrepareOutput{}, invalid("run input: %w", err)
	}
	if run.ScenarioKey != "" {
		if params.Scenario, err = o.readScenario(ctx, bucket, run.ScenarioKey, params.HorizonMonths); err != nil {
			return workflow.PrepareOutput{}, err
		}
	}
	src, err := o.inputSource(run, bucket)
	if err != nil {
		return workflow.PrepareOutput{}, err
	}
	if src, err = o.loansFileInput(ctx, src); err != nil {
		return workflow.PrepareOutput{}, err
	}

	if run.RunID != "" {
		return o.resume(ctx, bucket, run.RunID, params, src)
	}
	runID := in.ExecutionName
	if !workflow.ValidName(runID) {
		return workflow.PrepareOutput{}, invalid(`"executionName" %q: a run id must be 1 to 80 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit`, runID)
	}

	expected, objects, perObject, err := o.sizeInput(ctx, src)
	if err != nil {
		return workflow.PrepareOutput{}, err
	}
	idCheck, dupKey, dups, err := o.checkDuplicateIDs(ctx, bucket, runID, run, src)
	if err != nil {
		return workflow.PrepareOutput{}, err
	}
	nanos := workflow.LoanScenarioNanosAt(in.LoanScenarioNanos, params.HorizonMonths)
	items, err := workflow.BatchItemsWithin(in.BatchLoans, perObject, in.TaskTimeoutSeconds, margin, params.Scenarios, nanos)
	if err != nil {
		return workflow.PrepareOutput{}, invalid(`"scenarios" = %d: %w`, params.Scenarios, err)
	}
	m := &RunManifest{
		RunID: runID, ExecutionName: in.ExecutionName, ExecutionArn: in.ExecutionArn, StartTime: in.StartTime, Dataset: run.Dataset,
		Seed: run.Seed, ModelVersion: model.ModelVersion, ParamsHash: params.Hash(), Params: params,
		GoVersion: runtime.Version(), GOARCH: runtime.GOARCH,
		Input: src, ExpectedLoans: expected, InputObjects: objects, LoansPerObject: perObject,
		MaxItemsPerBatch: items, BatchLoans: in.BatchLoans,
		RateUnit: run.RateUnit, AllowUnknownColumns: run.AllowUnknownColumns, NoAttribution: run.NoAttribution,
		IDCheck: idCheck, DuplicateIDsKey: dupKey, DuplicateIDs: dups,
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return workflow.PrepareOutput{}, fmt.Errorf("prepare: encode run manifest: %w", err)
	}
	key := workflow.RunManifestKey(runID)
	if err := o.deps.Store.PutBytes(ctx, bucket, key, body, "application/json"); err != nil {
		return workflow.PrepareOutput{}, s3Err(ctx, err, "write run manifest s3://%s/%s", bucket, key)
	}
	o.runs.Forget(bucket + "/" + key)
	o.log.InfoContext(ctx, "prepared run", "runId", runID, "input", describeInput(src), "expectedLoans", expected,
		"loansPerObject", perObject, "maxItemsPerBatch", items, "paramsHash", m.ParamsHash, "seed", m.Seed)
	return prepareOutput(m, bucket), nil
}

func prepareOutput(m *RunManifest, bucket string) workflow.PrepareOutput {
	return workflow.PrepareOutput{
		RunID: m.RunID, Input: m.Input, MaxItemsPerBatch: m.MaxItemsPerBatch, ExpectedLoans: m.ExpectedLoans,
		ResultPrefix: workflow.RunMapResultPrefix(m.RunID), Run: m.context(bucket),
	}
}

// resume continues an earlier run under its id: its manifest must exist
// with the same parameters, seed and input, and the Map reads the input in
// the same batches, so simulate finds the finished batches' partials under
// the same BatchIDs and skips them.
func (o *ops) resume(ctx context.Context, bucket, runID string, params model.Params, src workflow.InputSource) (workflow.PrepareOutput, error) {
	key := workflow.RunManifestKey(runID)
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if errorsIsNotFound(err) {
		return workflow.PrepareOutput{}, invalid(`"runId" %q: no run manifest at s3://%s/%s to resume; omit runId to start a new run`, runID, bucket, key)
	}
	if err != nil {
		return workflow.PrepareOutput{}, s3Err(ctx, err, "read run manifest s3://%s/%s", bucket, key)
	}
	var m RunManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return workflow.PrepareOutput{}, invalid(`"runId" %q: run manifest s3://%s/%s is not valid JSON: %v`, runID, bucket, key, err)
	}
	var diffs []string
	if h := params.Hash(); m.ParamsHash != h {
		diffs = append(diffs, fmt.Sprintf("parameter hash %s, this input gives %s", m.ParamsHash, h))
	}
	if m.Seed != int64(params.Seed) {
		diffs = append(diffs, fmt.Sprintf(`"seed" %d, this input gives %d`, m.Seed, params.Seed))
	}
	if m.Input != src {
		diffs = append(diffs, fmt.Sprintf("input %s, this input gives %s", describeInput(m.Input), describeInput(src)))
	}
	if len(diffs) > 0 {
		return workflow.PrepareOutput{}, invalid(`"runId" %q: the run was started with %s; resume it with the same parameters, seed and input`, runID, strings.Join(diffs, "; "))
	}
	o.log.InfoContext(ctx, "resuming run", "runId", runID, "input", describeInput(src), "maxItemsPerBatch", m.MaxItemsPerBatch)
	return prepareOutput(&m, bucket), nil
}

// inputSource resolves where the run reads its loans: the one input key
// given, or the dataset's CSV manifest.
func (o *ops) inputSource(run workflow.RunParams, bucket string) (workflow.InputSource, error) {
	inBucket := run.InputBucket
	if inBucket == "" {
		inBucket = bucket
	}
	switch {
	case run.InputPrefix != "":
		return workflow.InputSource{Kind: workflow.InputKindPrefix, Bucket: inBucket, Prefix: run.InputPrefix}, nil
	case run.InventoryManifestKey != "":
		return workflow.InputSource{Kind: workflow.InputKindInventory, Bucket: inBucket, Key: run.InventoryManifestKey}, nil
	case run.ManifestKey != "":
		return workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: inBucket, Key: run.ManifestKey}, nil
	}
	return workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: inBucket, Key: workflow.ManifestKey(run.Dataset)}, nil
}

// estimateMaxObjects bounds how far prepare looks into an inventory or a
// prefix for an object of a loan format to estimate from (a prefix may
// start with a README).
const estimateMaxObjects = 1000

// sizeInput returns the input's loans (0 if unknown), objects (0 if
// unknown) and loans per object (the largest a manifest records, or an
// estimate from the first object). A CSV manifest is read whole (it is
// the list the Map will read); an inventory or prefix only up to its first
// object. An input with no object fails with Input.Invalid.
func (o *ops) sizeInput(ctx context.Context, src workflow.InputSource) (loans, objects, perObject int64, err error) {
	var first *inputObject
	known, seen := true, 0
	err = o.walkInput(ctx, src, func(obj inputObject) error {
		seen++
		if first == nil && (formatOf(obj.Key) != "" || seen == estimateMaxObjects) {
			c := obj // the first object of a loan format is the sample
			first = &c
		}
		objects++
		if obj.Loans < 0 {
			known = false
		} else {
			loans += obj.Loans
			perObject = max(perObject, obj.Loans)
		}
		if src.Kind != workflow.InputKindCSV && first != nil {
			return errStopInput
		}
		return nil
	})
	if errorsIsNotFound(err) {
		return 0, 0, 0, invalid("no such input: %s does not exist", describeInput(src))
	}
	if err != nil {
		return 0, 0, 0, err
	}
	if seen == 0 {
		return 0, 0, 0, invalid("input %s lists no object", describeInput(src))
	}
	if first == nil {
		return 0, 0, 0, invalid("input %s lists %d objects, none with a key ending in .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz)", describeInput(src), seen)
	}
	if src.Kind != workflow.InputKindCSV {
		objects = 0
	}
	if !known {
		loans = 0
		perObject, err = o.estimateLoans(ctx, *first)
		if err != nil {
			return 0, 0, 0, err
		}
	}
	return loans, objects, max(perObject, 1), nil
}

// loansFileInput tells a CSV manifest from a CSV of loans by its header
// (loan.IsLoanHeader): `run simulate --input s3://bucket/loans.csv` names
// either. A file of loans becomes a one-object prefix input, so the Map
// lists it as one item instead of reading its rows as object keys.
func (o *ops) loansFileInput(ctx context.Context, src workflow.InputSource) (workflow.InputSource, error) {
	if src.Kind != workflow.InputKindCSV {
		return src, nil
	}
	body, err := o.deps.Store.Get(ctx, src.Bucket, src.Key)
	if errorsIsNotFound(err) {
		return src, nil // sizeInput names the missing manifest
	}
	if err != nil {
		return src, s3Err(ctx, err, "read manifest s3://%s/%s", src.Bucket, src.Key)
	}
	defer body.Close()
	line, _ := bufio.NewReaderSize(body, 64<<10).ReadString('\n')
	header, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil || !loan.IsLoanHeader(header) {
		return src, nil
	}
	o.log.InfoContext(ctx, "input is a file of loans, not a manifest", "key", src.Key)
	return workflow.InputSource{Kind: workflow.InputKindPrefix, Bucket: src.Bucket, Prefix: src.Key}, nil
}
