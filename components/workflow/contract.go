package workflow

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The worker contract: what the state machines send to the activity and what
// they expect back. The worker imports these names and types; the
// definitions in this package are built from the same ones, so the two
// cannot drift apart silently.
//
// Every activity task input is a JSON object with an "op" field naming the
// operation. The batched operations (OpGenerate, OpSimulate) receive the
// Distributed Map's ItemBatcher shape plus the op:
//
//	{"op": "simulate", "Items": [...], "BatchInput": {"run": {...}}}
//
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html:
// "Step Functions adds the items to an Items array" and merges BatchInput
// into each child's input). The others receive {"op": ..., ...fields}.
// Every output is a small JSON summary (counts and S3 keys), far below the
// 256 KiB payload quota; the data itself always goes through S3.

// Operation names: the "op" field of every activity task input.
const (
	// OpPlan (Generate) writes the shard plan CSV (PlanKey) for a fictitious
	// portfolio: one row per shard, so no item list crosses the payload quota.
	// Input PlanInput, output PlanOutput.
	OpPlan = "plan"
	// OpGenerate (Generate, batched) writes the loans of the shards in Items
	// and one manifest part per shard. Input GenerateInput, output
	// GenerateOutput.
	OpGenerate = "generate"
	// OpManifest (Generate) joins the manifest parts into the dataset's CSV
	// manifest, its S3 Inventory manifest and its summary, after checking
	// that every planned shard wrote its part. Input ManifestInput, output
	// ManifestOutput.
	OpManifest = "manifest"
	// OpPrepare (Simulate) validates the run parameters, fixes the run id,
	// resolves the input, writes the run manifest and returns how the Map
	// must read the input, batch size included (BatchItems). When the input
	// does not say how many loans an object holds (prefix, inventory), it
	// estimates that from the first object, so a prefix of large shards is
	// not batched like one-loan objects. Input PrepareInput, output
	// PrepareOutput.
	OpPrepare = "prepare"
	// OpSimulate (Simulate, batched) runs the credit model over the loans of
	// the objects in Items and writes the batch's results, partial and
	// errors, all keyed by BatchID, partial last (an existing partial means
	// a complete batch). Input SimulateInput, output SimulateOutput.
	OpSimulate = "simulate"
	// OpAggregate (Simulate) combines the partials of the batches the Map Run
	// reports as succeeded (their SimulateOutput.BatchID, read from the
	// ResultWriter's SUCCEEDED files; stale partials of another batching are
	// ignored) into one report, and fails with ErrAggregateMismatch unless
	// every input loan was counted exactly once. Input AggregateInput, output
	// AggregateOutput.
	OpAggregate = "aggregate"
)

// Ops lists every operation name, in workflow order.
var Ops = []string{OpPlan, OpGenerate, OpManifest, OpPrepare, OpSimulate, OpAggregate}

// Stable error names. A task fails with one of these as the error of
// SendTaskFailure; the definitions' Retry and Catch lists match on them, so
// change one only together with the definitions. None starts with "States.",
// which Step Functions reserves.
const (
	// ErrWorkerInterrupted: the worker is shutting down (SIGTERM, e.g. a
	// Fargate Spot interruption) and handed the task back unfinished. Retried
	// at once (IntervalSeconds 1, BackoffRate 1).
	ErrWorkerInterrupted = "Worker.Interrupted"
	// ErrWorkerInternal: an error the operation did not name, or a panic.
	// Not retried: it is a bug until shown otherwise.
	ErrWorkerInternal = "Worker.Internal"
	// ErrWorkerOutputTooLarge: the operation's output exceeded 256 KiB. Not
	// retried.
	ErrWorkerOutputTooLarge = "Worker.OutputTooLarge"
	// ErrInputInvalid: the task input or the run parameters are not what the
	// operation accepts (bad JSON, unknown op, missing or out-of-range field,
	// no such input). Not retried. A malformed loan is NOT this: it goes to
	// the batch's errors file and the batch succeeds.
	ErrInputInvalid = "Input.Invalid"
	// ErrS3SlowDown: S3 kept throttling after the SDK's own retries. Retried
	// with backoff.
	ErrS3SlowDown = "S3.SlowDown"
	// ErrS3IO: an S3 read or write that could not be completed after the
	// SDK's own retries. Retried with backoff.
	ErrS3IO = "S3.IO"
	// ErrAggregateMismatch: aggregate found input loans counted zero or
	// several times. Not retried: the run fails loudly.
	ErrAggregateMismatch = "Aggregate.Mismatch"
	// ErrDatasetIncomplete: manifest found a planned shard without its
	// manifest part. Not retried.
	ErrDatasetIncomplete = "Dataset.Incomplete"
	// ErrWorkersNotStarted: no worker of the ECS service was running after
	// Config.WorkerWaitMaxPolls polls. Raised by the state machine itself.
	ErrWorkersNotStarted = "Workers.NotStarted"
	// ErrRunInProgress: another execution of Generate or Simulate is
	// RUNNING; concurrent runs would scale each other's workers to zero.
	// Raised by the state machine itself, before scale-out.
	ErrRunInProgress = "Run.InProgress"
)

// RetriedErrors are the worker error names the activity tasks retry, beside
// the service's own States.Timeout and States.HeartbeatTimeout (which
// States.TaskFailed does not match). Every other name fails the task at once.
var RetriedErrors = []string{ErrWorkerInterrupted, ErrS3SlowDown, ErrS3IO}

// Layouts of loan objects.
const (
	// LayoutSharded: JSON Lines objects of many loans each (default
	// Config.ShardSize loans per object), keys ending in ".jsonl".
	LayoutSharded = "sharded"
	// LayoutPerLoan: one JSON object per loan, keys ending in ".json".
	LayoutPerLoan = "per-loan"
)

// Input kinds of a Simulate run: which ItemReader the Map uses. Returned by
// prepare in PrepareOutput.Input.Kind; the state machine's Choice branches on
// it.
const (
	// InputKindCSV: our CSV manifest (ManifestCSVHeader), read with
	// ReaderConfig InputType CSV, CSVHeaderLocation FIRST_ROW.
	InputKindCSV = "csv"
	// InputKindInventory: an S3 Inventory manifest.json (CSV inventory files
	// whose schema includes Bucket and Key), read with InputType MANIFEST.
	InputKindInventory = "inventory"
	// InputKindPrefix: every object under a prefix, read with
	// arn:aws:states:::s3:listObjectsV2. Objects whose key does not end in
	// .jsonl, .json or .csv are rejected by the worker into the errors file.
	InputKindPrefix = "prefix"
)

// InputKinds lists every input kind.
var InputKinds = []string{InputKindCSV, InputKindInventory, InputKindPrefix}

// CSV layouts written by the worker and read by the Map's ItemReader. Step
// Functions turns each row into an object keyed by the header's column
// names, every value a string
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
var (
	// PlanCSVHeader is the header row of the shard plan (PlanKey). Each row
	// becomes a PlanShard.
	PlanCSVHeader = []string{"shard", "firstLoan", "loans"}
	// ManifestCSVHeader is the header row of our CSV manifest (ManifestKey):
	// one row per loan object. Each row becomes an InputItem. The names match
	// the S3 Inventory schema and the listObjectsV2 item fields, so one Go
	// type reads all three input kinds.
	ManifestCSVHeader = []string{"Bucket", "Key", "Size", "Loans"}
)

// InventoryFileSchema is the fileSchema of the S3 Inventory manifest that
// manifest writes: its data files are gzipped CSV without a header row,
// columns in this order.
const InventoryFileSchema = "Bucket, Key, Size"

// InventoryVersion is the S3 Inventory manifest format version.
const InventoryVersion = "2016-11-30"

// Count is an int64 that reads a JSON number or a JSON string of digits
// (ItemReader CSV values are strings; listObjectsV2 sizes are numbers). An
// empty string or null reads as 0. It writes a JSON number.
type Count int64

// UnmarshalJSON reads a number, a string of digits, "" or null.
func (c *Count) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*c = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*c = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("count %s: want a whole number or a string of digits", b)
	}
	*c = Count(n)
	return nil
}

// ExecutionInput is what a user may pass to StartExecution of either state
// machine. Every field is optional (nil or empty means "use the default"):
// the definitions merge the input key by key over Config.Defaults
// (States.JsonMerge, shallow), and the merged object reaches plan and
// prepare as RunParams. Keys a workflow does not use are ignored by it.
//
// Simulate reads its input from at most one of ManifestKey,
// InventoryManifestKey and InputPrefix; when all are empty it reads the CSV
// manifest of Dataset.
type ExecutionInput struct {
	Dataset       string   `json:"dataset,omitempty"`
	Loans         *int64   `json:"loans,omitempty"`
	Scenarios     *int     `json:"scenarios,omitempty"`
	Seed          *int64   `json:"seed,omitempty"`
	Layout        string   `json:"layout,omitempty"`
	TargetRate    *float64 `json:"targetRate,omitempty"`
	HorizonMonths *int     `json:"horizonMonths,omitempty"`
	RunInput
}

// RunInput are the execution input keys that have no stack default.
type RunInput struct {
	// ManifestKey is the key of a CSV manifest (ManifestCSVHeader).
	ManifestKey string `json:"manifestKey,omitempty"`
	// InventoryManifestKey is the key of an S3 Inventory manifest.json.
	InventoryManifestKey string `json:"inventoryManifestKey,omitempty"`
	// InputPrefix selects every object under the prefix.
	InputPrefix string `json:"inputPrefix,omitempty"`
	// InputBucket is the bucket of the three above; default Config.DataBucket.
	InputBucket string `json:"inputBucket,omitempty"`
	// ScenarioKey is the key, in Config.DataBucket, of a scenario file (a
	// CSV with the Federal Reserve's column names, worker/scenariofile)
	// whose paths replace the rate ramp and the deterministic macro means
	// (MODEL.md section 1, "Scenario files"). prepare reads and parses it
	// with the run's horizon before any batch starts: a missing or bad file
	// fails the run with ErrInputInvalid naming the key, line and column.
	// `montecarlo run simulate --scenario-file` uploads a file to
	// ScenarioKeyFor(sha256, name) and sets it; the workers read the data
	// bucket only under datasets/, runs/ and scratch/ (ScenarioKeyFor is
	// under runs/).
	ScenarioKey string `json:"scenarioKey,omitempty"`
	// TailShift is the importance-sampling shift of the credit-cycle
	// innovations' mean (model.Params.TailShift, MODEL.md section 4), 0 to
	// MaxTailShift; 0 or absent is plain Monte Carlo.
	TailShift float64 `json:"tailShift,omitempty"`
	// RateUnit is how the input's rates are written: "decimal" (0.065, the
	// default) or "percent" (6.5, divided by 100); docs/loans.md.
	RateUnit string `json:"rateUnit,omitempty"`
	// AllowUnknownColumns makes the loan readers ignore columns (keys) that
	// are not loan fields instead of refusing the file at its header.
	AllowUnknownColumns bool `json:"allowUnknownColumns,omitempty"`
	// NoAttribution skips the loss attribution by channel (risk.Attributor:
	// four extra evaluations of a tenth of the loans on at most 250
	// scenarios, about a tenth more model time); its report then has no
	// attribution table.
	NoAttribution bool `json:"noAttribution,omitempty"`
	// Params overrides fields of the model's parameters (MODEL.md Params),
	// e.g. {"gamma": 1.2}; recorded in the run manifest and its hash.
	Params json.RawMessage `json:"params,omitempty"`
	// RunID resumes an earlier run under its id instead of starting one
	// named after the execution: how a failed run is finished. (Step
	// Functions' own redrive cannot help here: it reruns only the failed
	// step, which after the catch-all and scale-in is the final Fail state.)
	// prepare accepts it only if runs/<RunID>/manifest.json exists with the
	// same ParamsHash and input, and simulate skips a batch whose partial
	// already exists with that ParamsHash.
	RunID string `json:"runId,omitempty"`
}

// RunParams is the execution input merged over the defaults, as plan and
// prepare receive it (field "run"): every RunDefaults key is present. Keys
// neither here nor in RunInput are rejected by prepare and plan with
// ErrInputInvalid, so a misspelt override does not go unnoticed.
type RunParams struct {
	RunDefaults
	RunInput
}

// MapRun is the output of a Distributed Map with a ResultWriter, as Step
// Functions returns it: {"MapRunArn": ..., "ResultWriterDetails": {"Bucket":
// ..., "Key": ".../manifest.json"}}. The Key is the Map Run's result
// manifest, which lists the SUCCEEDED_n.json and FAILED_n.json files
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
type MapRun struct {
	MapRunArn           string              `json:"MapRunArn"`
	ResultWriterDetails ResultWriterDetails `json:"ResultWriterDetails"`
}

// ResultWriterDetails locates a Map Run's result manifest.
type ResultWriterDetails struct {
	Bucket string `json:"Bucket"`
	Key    string `json:"Key"`
}
