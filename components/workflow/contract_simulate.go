package workflow

// The contract of the Simulate workflow's operations: prepare, simulate,
// aggregate.

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
	// at MaxBatchLoans(TaskTimeoutSeconds, run scenarios,
	// LoanScenarioNanosAt(LoanScenarioNanos, run horizon)) loans, so a run
	// asking for more scenarios or months than the defaults gets
	// smaller batches instead of timeouts, and fails with ErrInputInvalid if
	// not even one object fits.
	TaskTimeoutSeconds int `json:"taskTimeoutSeconds"`
	LoanScenarioNanos  int `json:"loanScenarioNanos"`
	// StartMarginSeconds is the part of TaskTimeoutSeconds that is not
	// compute; 0 means TaskStartMarginSeconds (activity tasks). The Lambda
	// flavour sends LambdaStartMarginSeconds.
	StartMarginSeconds int `json:"startMarginSeconds,omitempty"`
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
