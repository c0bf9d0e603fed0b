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
	// must read the input. Input PrepareInput, output PrepareOutput.
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

// ---- Generate ----

// PlanInput is the input of OpPlan.
type PlanInput struct {
	Op string `json:"op"` // OpPlan
	// ExecutionName is $$.Execution.Name, for logs.
	ExecutionName string `json:"executionName"`
	// Bucket is Config.DataBucket: where the dataset is written.
	Bucket string `json:"bucket"`
	// ShardSize is Config.ShardSize: loans per shard (and per JSON Lines
	// object in LayoutSharded).
	ShardSize int `json:"shardSize"`
	// Run holds Dataset, Loans, Seed and Layout (other keys are ignored).
	// Decode it with DecodeRunParams and check it with
	// Validate(WorkflowGenerate).
	Run RunParams `json:"run"`
}

// DatasetContext describes the dataset being generated. plan returns it and
// the Generate Map passes it to every generate batch as BatchInput.dataset.
type DatasetContext struct {
	Name      string `json:"name"`
	Bucket    string `json:"bucket"`
	Prefix    string `json:"prefix"` // DatasetPrefix(Name)
	Loans     int64  `json:"loans"`
	ShardSize int    `json:"shardSize"`
	Shards    int64  `json:"shards"`
	Seed      int64  `json:"seed"`
	Layout    string `json:"layout"` // LayoutSharded or LayoutPerLoan
}

// PlanOutput is the output of OpPlan; the state machine keeps it at $.plan.
type PlanOutput struct {
	Dataset DatasetContext `json:"dataset"`
	// PlanKey is PlanKey(Dataset.Name), in Dataset.Bucket.
	PlanKey string `json:"planKey"`
	// ResultPrefix is DatasetMapResultPrefix(Dataset.Name): the Generate
	// Map's ResultWriter prefix.
	ResultPrefix string `json:"resultPrefix"`
}

// PlanShard is one row of the plan CSV, as the Map's ItemReader delivers it:
// {"shard": "0", "firstLoan": "0", "loans": "10000"} (strings, hence the
// ",string" options). Shard s holds the loans with global indices
// FirstLoan .. FirstLoan+Loans-1; loan i is generated from the dataset seed
// and i alone, so a shard's content does not depend on which worker writes
// it or how often.
type PlanShard struct {
	Shard     int64 `json:"shard,string"`
	FirstLoan int64 `json:"firstLoan,string"`
	Loans     int64 `json:"loans,string"`
}

// GenerateBatchInput is the BatchInput of a generate batch.
type GenerateBatchInput struct {
	Dataset DatasetContext `json:"dataset"`
}

// GenerateInput is the input of OpGenerate (ItemBatcher shape).
type GenerateInput struct {
	Op         string             `json:"op"` // OpGenerate
	Items      []PlanShard        `json:"Items"`
	BatchInput GenerateBatchInput `json:"BatchInput"`
}

// GenerateOutput is the output of OpGenerate. For each shard the worker
// writes the loan objects (ShardKey or LoanKey) and then, last, the shard's
// manifest part (ManifestPartKey: ManifestCSVHeader rows, with header, for
// the shard's objects), so an existing part means a complete shard.
type GenerateOutput struct {
	Shards  int   `json:"shards"`
	Loans   int64 `json:"loans"`
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
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

// ManifestInput is the input of OpManifest.
type ManifestInput struct {
	Op      string         `json:"op"` // OpManifest
	Dataset DatasetContext `json:"dataset"`
	MapRun  MapRun         `json:"mapRun"`
}

// ManifestOutput is the output of OpManifest. manifest writes, from the
// parts, ManifestKey (CSV with ManifestCSVHeader), the S3 Inventory form
// (InventoryManifestKey plus gzipped CSV data files InventoryDataKey, no
// header, InventoryFileSchema columns, keys URL-encoded as S3 Inventory
// does) and DatasetSummaryKey (a DatasetSummary).
type ManifestOutput struct {
	Dataset              string `json:"dataset"`
	ManifestKey          string `json:"manifestKey"`
	InventoryManifestKey string `json:"inventoryManifestKey"`
	SummaryKey           string `json:"summaryKey"`
	Objects              int64  `json:"objects"`
	Loans                int64  `json:"loans"`
}

// DatasetSummary is the object at DatasetSummaryKey: what prepare reads to
// know how many loans a dataset holds.
type DatasetSummary struct {
	Dataset DatasetContext `json:"dataset"`
	Objects int64          `json:"objects"`
	// Created is the RFC 3339 time manifest ran.
	Created string `json:"created"`
}

// InventoryManifest is the S3 Inventory manifest.json format
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html).
type InventoryManifest struct {
	SourceBucket string `json:"sourceBucket"`
	// DestinationBucket is the ARN of the bucket holding the data files,
	// "arn:aws:s3:::name".
	DestinationBucket string          `json:"destinationBucket"`
	Version           string          `json:"version"`           // InventoryVersion
	CreationTimestamp string          `json:"creationTimestamp"` // Unix milliseconds, as a string
	FileFormat        string          `json:"fileFormat"`        // "CSV"
	FileSchema        string          `json:"fileSchema"`        // InventoryFileSchema
	Files             []InventoryFile `json:"files"`
}

// InventoryFile is one data file of an InventoryManifest.
type InventoryFile struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	MD5Checksum string `json:"MD5checksum"`
}

// ---- Simulate ----

// PrepareInput is the input of OpPrepare.
type PrepareInput struct {
	Op string `json:"op"` // OpPrepare
	// ExecutionName is $$.Execution.Name: the run id.
	ExecutionName string `json:"executionName"`
	// ExecutionArn is $$.Execution.Id, recorded in the run manifest.
	ExecutionArn string `json:"executionArn"`
	// StartTime is $$.Execution.StartTime, recorded in the run manifest.
	StartTime string `json:"startTime"`
	// Bucket is Config.DataBucket: where runs/<runId>/ is written.
	Bucket string `json:"bucket"`
	// BatchLoans is Config.BatchSize: the target number of loans per batch.
	BatchLoans int `json:"batchLoans"`
	// TaskTimeoutSeconds and LoanScenarioNanos are the simulate task's
	// TimeoutSeconds and the cost it was derived with: prepare caps a batch
	// at MaxBatchLoans(TaskTimeoutSeconds, run scenarios, LoanScenarioNanos)
	// loans, so a run asking for more scenarios than the defaults gets
	// smaller batches instead of timeouts, and fails with ErrInputInvalid if
	// not even one object fits.
	TaskTimeoutSeconds int `json:"taskTimeoutSeconds"`
	LoanScenarioNanos  int `json:"loanScenarioNanos"`
	// Run is the execution input merged over the defaults. Decode it with
	// DecodeRunParams and check it with Validate(WorkflowSimulate).
	Run RunParams `json:"run"`
}

// InputSource is where a Simulate run reads its loans. Exactly one of Key
// (InputKindCSV, InputKindInventory) and Prefix (InputKindPrefix) is set.
type InputSource struct {
	Kind   string `json:"kind"` // InputKindCSV, InputKindInventory or InputKindPrefix
	Bucket string `json:"bucket"`
	Key    string `json:"key,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// RunContext is what every simulate batch needs to know about its run. The
// Simulate Map passes it as BatchInput.run; it stays small, and the full
// model parameters live in the run manifest (ManifestKey).
type RunContext struct {
	RunID  string `json:"runId"`
	Bucket string `json:"bucket"` // output bucket (Config.DataBucket)
	Prefix string `json:"prefix"` // RunPrefix(RunID)
	// ManifestKey is RunManifestKey(RunID): the run manifest with the full,
	// resolved model parameters. Workers read it once per run and cache it.
	ManifestKey   string  `json:"manifestKey"`
	Seed          int64   `json:"seed"`
	Scenarios     int     `json:"scenarios"`
	HorizonMonths int     `json:"horizonMonths"`
	TargetRate    float64 `json:"targetRate"`
	// ParamsHash is the hex SHA-256 of the canonical JSON of the resolved
	// parameters, recorded in every output so mixed runs are detectable.
	ParamsHash string `json:"paramsHash"`
	// InputBucket is the bucket of items that carry no Bucket
	// (listObjectsV2 items).
	InputBucket string `json:"inputBucket"`
}

// PrepareOutput is the output of OpPrepare; the state machine keeps it at
// $.prepared and reads Input.Kind, Input.Bucket, Input.Key, Input.Prefix,
// MaxItemsPerBatch, ResultPrefix and Run from it.
type PrepareOutput struct {
	RunID string      `json:"runId"`
	Input InputSource `json:"input"`
	// MaxItemsPerBatch is what the ItemBatcher's MaxItemsPerBatchPath reads
	// (a positive integer): BatchItems(BatchLoans, loans per input object,
	// TaskTimeoutSeconds, scenarios, LoanScenarioNanos).
	MaxItemsPerBatch int `json:"maxItemsPerBatch"`
	// ExpectedLoans is the number of input loans if known (our manifests
	// record it), else 0; aggregate counts the input itself then.
	ExpectedLoans int64 `json:"expectedLoans"`
	// ResultPrefix is RunMapResultPrefix(RunID): the Map's ResultWriter
	// prefix.
	ResultPrefix string     `json:"resultPrefix"`
	Run          RunContext `json:"run"`
}

// InputItem is one item of the Simulate Map: one S3 object holding loans.
// The three ItemReaders deliver different shapes, all read by this type:
//
//   - our CSV manifest: {"Bucket": "b", "Key": "k", "Size": "123", "Loans": "10000"}
//   - an S3 Inventory manifest: {"Bucket": "b", "Key": "k", "Size": "123"}
//     (keys URL-encoded, as S3 Inventory writes them; ours need no escaping)
//   - listObjectsV2: {"Key": "k", "Size": 123, "Etag": ..., "LastModified":
//     ..., "StorageClass": ...}, with no Bucket: use RunContext.InputBucket.
//
// The object's format follows its key: ".jsonl" JSON Lines of loans, ".json"
// one loan, ".csv" the sample's one-row CSV. Other fields (Etag,
// LastModified, StorageClass, a user's inventory's other columns) are
// ignored on purpose: decode Items without DisallowUnknownFields.
type InputItem struct {
	Bucket string `json:"Bucket,omitempty"`
	Key    string `json:"Key"`
	Size   Count  `json:"Size,omitempty"`
	// Loans is the number of loans in the object when the manifest says so,
	// else 0 (unknown).
	Loans Count `json:"Loans,omitempty"`
}

// SimulateBatchInput is the BatchInput of a simulate batch.
type SimulateBatchInput struct {
	Run RunContext `json:"run"`
}

// SimulateInput is the input of OpSimulate (ItemBatcher shape).
type SimulateInput struct {
	Op         string             `json:"op"` // OpSimulate
	Items      []InputItem        `json:"Items"`
	BatchInput SimulateBatchInput `json:"BatchInput"`
}

// SimulateOutput is the output of OpSimulate. Outputs are keyed by BatchID,
// a function of the batch's items, so a retried or duplicated batch
// overwrites its own outputs instead of adding to them.
type SimulateOutput struct {
	BatchID    string `json:"batchId"`
	Objects    int    `json:"objects"`
	Loans      int64  `json:"loans"`    // loans simulated
	Rejected   int64  `json:"rejected"` // malformed loans written to ErrorsKey
	PartialKey string `json:"partialKey"`
	ResultsKey string `json:"resultsKey"`
	ErrorsKey  string `json:"errorsKey,omitempty"` // set when Rejected > 0
}

// AggregateInput is the input of OpAggregate.
type AggregateInput struct {
	Op            string      `json:"op"` // OpAggregate
	Run           RunContext  `json:"run"`
	Input         InputSource `json:"input"`
	ExpectedLoans int64       `json:"expectedLoans"`
	// MapRun locates the Map Run's results: with a ToleratedFailurePercentage
	// above zero some batches may have failed; their items are in the
	// FAILED_n.json files and are reported as not simulated, not as a
	// mismatch.
	MapRun MapRun `json:"mapRun"`
}

// AggregateOutput is the output of OpAggregate and, with the run id, of the
// Simulate execution.
type AggregateOutput struct {
	RunID         string `json:"runId"`
	Batches       int64  `json:"batches"`
	FailedBatches int64  `json:"failedBatches"`
	Loans         int64  `json:"loans"`
	Rejected      int64  `json:"rejected"`
	ReportKey     string `json:"reportKey"`
	ReportHTMLKey string `json:"reportHtmlKey"`
}
