package operate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// RunRequest is what `montecarlo run` asks for. Nil and empty fields leave
// the stack's defaults.
type RunRequest struct {
	Workflow  string // workflow.WorkflowGenerate or workflow.WorkflowSimulate
	Loans     *int64
	Scenarios *int
	Seed      *int64
	// TargetRate, HorizonMonths and TailShift set the simulate input keys
	// targetRate, horizonMonths and tailShift.
	TargetRate    *float64
	HorizonMonths *int
	TailShift     *float64
	// ScenarioFile is a local scenario file (simulate only): Start parses
	// it with the run's horizon, uploads it to the data bucket at
	// workflow.ScenarioKeyFor and names it in the input as scenarioKey.
	ScenarioFile string
	// Input is s3://bucket/key-or-prefix (simulate only): a key ending in
	// manifest.json is an S3 Inventory manifest, one ending in .csv our CSV
	// manifest, anything else a prefix.
	Input string
	// RateUnit is how the input writes rates (simulate only): "decimal" or
	// "percent", the run input key rateUnit (docs/loans.md); empty leaves
	// the stack's default.
	RateUnit string
	// Set are key=value overrides of execution input keys (ExecutionInput's
	// JSON names); a value that parses as JSON is used as JSON, anything
	// else as a string. "params.NAME=value" sets one model parameter.
	Set []string
	// Name is the execution name, hence the run id; empty makes one.
	Name string
}

// BuildInput returns the execution input of req: the overrides only, as
// the state machine merges them over its defaults. It validates them the
// way plan or prepare will, merged over defaults (the deployed machine's,
// from DeployedDefaults), so a typo fails here rather than after scale-out.
//
// A ScenarioFile is read and parsed here (with the horizon the run will
// have), so a bad file fails naming its line and column before anything is
// uploaded or started; the input names it by the key Start uploads it to.
func BuildInput(req RunRequest, dataBucket string, defaults workflow.RunDefaults) (json.RawMessage, error) {
	in, _, err := buildInput(req, dataBucket, defaults)
	return in, err
}

// scenarioUpload is a checked scenario file and where it goes.
type scenarioUpload struct {
	Key  string
	Body []byte
}

func buildInput(req RunRequest, dataBucket string, defaults workflow.RunDefaults) (json.RawMessage, *scenarioUpload, error) {
	if req.Workflow != workflow.WorkflowGenerate && req.Workflow != workflow.WorkflowSimulate {
		return nil, nil, fmt.Errorf("workflow %q: want %q or %q", req.Workflow, workflow.WorkflowGenerate, workflow.WorkflowSimulate)
	}
	in := map[string]any{}
	if req.Loans != nil {
		in["loans"] = *req.Loans
	}
	if req.Scenarios != nil {
		in["scenarios"] = *req.Scenarios
	}
	if req.Seed != nil {
		in["seed"] = *req.Seed
	}
	if req.TargetRate != nil {
		in["targetRate"] = *req.TargetRate
	}
	if req.HorizonMonths != nil {
		in["horizonMonths"] = *req.HorizonMonths
	}
	if req.TailShift != nil {
		in["tailShift"] = *req.TailShift
	}
	if req.Input != "" {
		if req.Workflow != workflow.WorkflowSimulate {
			return nil, nil, fmt.Errorf("--input: only simulate reads an input; generate writes dataset %q", defaults.Dataset)
		}
		if err := setInput(in, req.Input, dataBucket); err != nil {
			return nil, nil, err
		}
	}
	if req.RateUnit != "" {
		if req.Workflow != workflow.WorkflowSimulate {
			return nil, nil, errors.New("--rate-unit: only simulate reads loans; generate writes them")
		}
		if req.RateUnit != "decimal" && req.RateUnit != "percent" {
			return nil, nil, fmt.Errorf(`--rate-unit %q: allowed "decimal" or "percent"`, req.RateUnit)
		}
		in["rateUnit"] = req.RateUnit
	}
	if req.ScenarioFile != "" && req.Workflow != workflow.WorkflowSimulate {
		return nil, nil, errors.New("--scenario-file: only simulate runs scenarios")
	}
	params := map[string]any{}
	for _, kv := range req.Set {
		key, val, ok := strings.Cut(kv, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, nil, fmt.Errorf("--set %q: want KEY=VALUE, e.g. targetRate=0.07 or params.gamma=1.2", kv)
		}
		var v any
		if err := json.Unmarshal([]byte(val), &v); err != nil {
			v = val // not JSON: a plain string
		}
		if name, ok := strings.CutPrefix(key, "params."); ok {
			params[name] = v
			continue
		}
		if key == "rateUnit" && req.RateUnit != "" {
			return nil, nil, errors.New("--rate-unit and --set rateUnit=...: give one of them")
		}
		in[key] = v
	}
	if len(params) > 0 {
		if _, ok := in["params"]; ok {
			return nil, nil, errors.New(`--set: give the model parameters either as params={...} or as params.NAME=VALUE, not both`)
		}
		in["params"] = params
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, nil, fmt.Errorf("execution input: %w", err)
	}
	run, err := mergeInput(req.Workflow, data, defaults)
	if err != nil {
		return nil, nil, err
	}
	if req.ScenarioFile == "" {
		return data, nil, nil
	}
	if _, ok := in["scenarioKey"]; ok {
		return nil, nil, errors.New("--scenario-file and --set scenarioKey=...: give one of them")
	}
	body, err := os.ReadFile(req.ScenarioFile)
	if err != nil {
		return nil, nil, fmt.Errorf("--scenario-file: %w", err)
	}
	p, err := scenariofile.Parse(bytes.NewReader(body), req.ScenarioFile, run.HorizonMonths)
	if err != nil {
		return nil, nil, fmt.Errorf("--scenario-file: %w", err)
	}
	up := &scenarioUpload{Key: workflow.ScenarioKeyFor(p.SHA256, p.Name), Body: body}
	in["scenarioKey"] = up.Key
	if data, err = json.Marshal(in); err != nil {
		return nil, nil, fmt.Errorf("execution input: %w", err)
	}
	if err := ValidateInput(req.Workflow, data, defaults); err != nil {
		return nil, nil, err
	}
	return data, up, nil
}

// setInput sets the simulate input keys of an s3:// URI.
func setInput(in map[string]any, uri, dataBucket string) error {
	rest, ok := strings.CutPrefix(uri, "s3://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return fmt.Errorf("--input %q: want s3://BUCKET/KEY (a manifest.json, a .csv manifest or a prefix)", uri)
	}
	if bucket != dataBucket {
		in["inputBucket"] = bucket
	}
	switch {
	case strings.HasSuffix(key, "manifest.json"):
		in["inventoryManifestKey"] = key
	case strings.HasSuffix(key, ".csv"):
		in["manifestKey"] = key
	default:
		in["inputPrefix"] = key
	}
	return nil
}

// ValidateInput checks an execution input as the workflow will see it:
// merged key by key over defaults (States.JsonMerge, shallow), decoded
// strictly (unknown keys are errors) and validated by the contract.
func ValidateInput(wf string, input []byte, defaults workflow.RunDefaults) error {
	_, err := mergeInput(wf, input, defaults)
	return err
}

// mergeInput returns the run parameters input gives merged over defaults,
// validated as ValidateInput does.
func mergeInput(wf string, input []byte, defaults workflow.RunDefaults) (workflow.RunParams, error) {
	var over map[string]json.RawMessage
	if err := json.Unmarshal(input, &over); err != nil {
		return workflow.RunParams{}, fmt.Errorf("execution input: want a JSON object: %w", err)
	}
	base := map[string]json.RawMessage{}
	d, _ := json.Marshal(defaults)
	_ = json.Unmarshal(d, &base)
	maps.Copy(base, over)
	merged, _ := json.Marshal(base)
	p, err := workflow.DecodeRunParams(merged)
	if err != nil {
		return workflow.RunParams{}, fmt.Errorf("execution input: %w (keys: %s)", err, strings.Join(InputKeys, ", "))
	}
	if err := p.Validate(wf); err != nil {
		return workflow.RunParams{}, fmt.Errorf("execution input: %w", err)
	}
	return p, nil
}

// InputKeys are the execution input keys (ExecutionInput's JSON names).
var InputKeys = []string{"dataset", "loans", "scenarios", "seed", "layout", "targetRate", "horizonMonths",
	"manifestKey", "inventoryManifestKey", "inputPrefix", "inputBucket", "scenarioKey", "tailShift", "rateUnit", "allowUnknownColumns", "params", "runId"}

// SFNAPI is the Step Functions client the verbs use; *sfn.Client is one.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	DescribeStateMachine(ctx context.Context, in *sfn.DescribeStateMachineInput, opts ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
	ListMapRuns(ctx context.Context, in *sfn.ListMapRunsInput, opts ...func(*sfn.Options)) (*sfn.ListMapRunsOutput, error)
	DescribeMapRun(ctx context.Context, in *sfn.DescribeMapRunInput, opts ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, opts ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
	ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, opts ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	RedriveExecution(ctx context.Context, in *sfn.RedriveExecutionInput, opts ...func(*sfn.Options)) (*sfn.RedriveExecutionOutput, error)
}

// DeployedDefaults reads the run defaults a deployed state machine merges
// the execution input over: the Result of its ApplyDefaults Pass state. The
// stack's config (pulumi config set) decides them, so the CLI validates
// against what will really run.
func DeployedDefaults(ctx context.Context, c SFNAPI, stateMachineArn string) (workflow.RunDefaults, error) {
	out, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(stateMachineArn)})
	if err != nil {
		return workflow.RunDefaults{}, fmt.Errorf("read the run defaults of %s: %w", stateMachineArn, Explain(err, stateMachineArn))
	}
	var def struct {
		States map[string]struct {
			Result json.RawMessage `json:"Result"`
		} `json:"States"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Definition)), &def); err != nil {
		return workflow.RunDefaults{}, fmt.Errorf("read the run defaults of %s: definition: %w", stateMachineArn, err)
	}
	st, ok := def.States[workflow.StateApplyDefaults]
	if !ok || len(st.Result) == 0 {
		return workflow.RunDefaults{}, fmt.Errorf("read the run defaults of %s: no %s state with a Result: not a montecarlo workflow?", stateMachineArn, workflow.StateApplyDefaults)
	}
	var d workflow.RunDefaults
	dec := json.NewDecoder(bytes.NewReader(st.Result))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return workflow.RunDefaults{}, fmt.Errorf("read the run defaults of %s: %w", stateMachineArn, err)
	}
	return d, nil
}

// StateMachineArn returns the ARN of the workflow's state machine.
func (t *Target) StateMachineArn(wf string) (string, error) {
	switch wf {
	case workflow.WorkflowGenerate:
		return t.Outputs.GenerateStateMachineArn, nil
	case workflow.WorkflowSimulate:
		return t.Outputs.SimulateStateMachineArn, nil
	}
	return "", fmt.Errorf("workflow %q: want %q or %q", wf, workflow.WorkflowGenerate, workflow.WorkflowSimulate)
}

// Started is a started execution.
type Started struct {
	Workflow     string          `json:"workflow"`
	ExecutionArn string          `json:"executionArn"`
	Name         string          `json:"name"`
	StartDate    time.Time       `json:"startDate"`
	Input        json.RawMessage `json:"input"`
}

// Start builds and validates the input of req against the deployed
// defaults and starts the execution.
func (t *Target) Start(ctx context.Context, req RunRequest) (Started, error) {
	arn, err := t.StateMachineArn(req.Workflow)
	if err != nil {
		return Started{}, err
	}
	defaults, err := DeployedDefaults(ctx, t.SFN, arn)
	if err != nil {
		return Started{}, err
	}
	input, up, err := buildInput(req, t.Outputs.DataBucketName, defaults)
	if err != nil {
		return Started{}, err
	}
	name := req.Name
	if name == "" {
		name = NewRunName(req.Workflow, time.Now())
	}
	if !workflow.ValidName(name) {
		return Started{}, fmt.Errorf("--name %q: want 1 to 80 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit (it becomes the run id)", name)
	}
	if up != nil {
		// Content-addressed: uploading the same file again rewrites the
		// same bytes, so no check for an earlier copy is needed.
		if _, err := t.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(t.Outputs.DataBucketName), Key: aws.String(up.Key),
			Body: bytes.NewReader(up.Body), ContentType: aws.String("text/csv"),
		}); err != nil {
			return Started{}, fmt.Errorf("upload the scenario file to s3://%s/%s: %w", t.Outputs.DataBucketName, up.Key, err)
		}
	}
	return t.start(ctx, req.Workflow, arn, name, input)
}

func (t *Target) start(ctx context.Context, wf, arn, name string, input []byte) (Started, error) {
	out, err := t.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String(name), Input: aws.String(string(input))})
	if err != nil {
		return Started{}, fmt.Errorf("start %s: %w", wf, Explain(err, arn))
	}
	return Started{Workflow: wf, ExecutionArn: aws.ToString(out.ExecutionArn), Name: name, StartDate: aws.ToTime(out.StartDate), Input: input}, nil
}

// NewRunName returns an execution name (the run id) for wf started at t:
// workflow, UTC time and 4 random hex digits, e.g.
// simulate-20261121T201500Z-3fa9.
func NewRunName(wf string, t time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return wf + "-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
