package workflow

// The contract of the Generate workflow's operations: plan, generate,
// manifest.

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
