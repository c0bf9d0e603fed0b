package asl

// ProcessorConfig Mode values: INLINE runs iterations inside the parent
// execution (at most 40 at once); DISTRIBUTED runs each iteration, or batch,
// as a child workflow execution.
const (
	ModeInline      = "INLINE"
	ModeDistributed = "DISTRIBUTED"
)

// ProcessorConfig ExecutionType values of a DISTRIBUTED Map's children.
// EXPRESS children cannot run activities or wait for task tokens.
const (
	ExecutionStandard = "STANDARD"
	ExecutionExpress  = "EXPRESS"
)

// ReaderConfig InputType values.
const (
	InputCSV      = "CSV"
	InputJSON     = "JSON"
	InputJSONL    = "JSONL"
	InputManifest = "MANIFEST"
	InputParquet  = "PARQUET"
)

// ReaderConfig CSVHeaderLocation values: FIRST_ROW takes column names from
// the file, GIVEN from CSVHeaders.
const (
	CSVHeaderFirstRow = "FIRST_ROW"
	CSVHeaderGiven    = "GIVEN"
)

// MapState runs ItemProcessor for each item of its input (ItemsPath) or of
// the data set ItemReader names. With ProcessorConfig Mode DISTRIBUTED it is
// a Distributed Map, and only then are ItemReader, ItemBatcher,
// ResultWriter, ToleratedFailure* and Label allowed.
type MapState struct {
	Comment    string `json:"Comment,omitempty"`
	InputPath  Path   `json:"InputPath,omitzero"`
	OutputPath Path   `json:"OutputPath,omitzero"`
	ItemsPath  string `json:"ItemsPath,omitempty"`

	ItemReader   *ItemReader `json:"ItemReader,omitempty"`
	ItemSelector any         `json:"ItemSelector,omitempty"`
	// Parameters is the legacy name of ItemSelector, kept so that older
	// definitions parse; new definitions use ItemSelector.
	Parameters  any          `json:"Parameters,omitempty"`
	ItemBatcher *ItemBatcher `json:"ItemBatcher,omitempty"`

	ItemProcessor *ItemProcessor `json:"ItemProcessor,omitempty"`
	// Iterator is the legacy form of ItemProcessor (always INLINE), kept so
	// that older definitions parse. Use Processor to read either.
	Iterator *Branch `json:"Iterator,omitempty"`

	MaxConcurrency                 *int          `json:"MaxConcurrency,omitempty"`
	MaxConcurrencyPath             string        `json:"MaxConcurrencyPath,omitempty"`
	Label                          string        `json:"Label,omitempty"`
	ToleratedFailurePercentage     *float64      `json:"ToleratedFailurePercentage,omitempty"`
	ToleratedFailurePercentagePath string        `json:"ToleratedFailurePercentagePath,omitempty"`
	ToleratedFailureCount          *int          `json:"ToleratedFailureCount,omitempty"`
	ToleratedFailureCountPath      string        `json:"ToleratedFailureCountPath,omitempty"`
	ResultWriter                   *ResultWriter `json:"ResultWriter,omitempty"`

	ResultSelector any       `json:"ResultSelector,omitempty"`
	ResultPath     Path      `json:"ResultPath,omitzero"`
	Retry          []Retrier `json:"Retry,omitempty"`
	Catch          []Catcher `json:"Catch,omitempty"`
	Next           string    `json:"Next,omitempty"`
	End            bool      `json:"End,omitempty"`
}

// ItemProcessor is the scope a Map runs per item (or per batch).
type ItemProcessor struct {
	Comment         string           `json:"Comment,omitempty"`
	ProcessorConfig *ProcessorConfig `json:"ProcessorConfig,omitempty"`
	StartAt         string           `json:"StartAt"`
	States          States           `json:"States"`
}

// ProcessorConfig selects INLINE or DISTRIBUTED processing and, for
// DISTRIBUTED, the child executions' type.
type ProcessorConfig struct {
	Mode          string `json:"Mode,omitempty"`
	ExecutionType string `json:"ExecutionType,omitempty"`
}

// ItemReader names the data set of a Distributed Map: an S3 object (CSV,
// JSON, JSON Lines, Parquet, an S3 Inventory manifest) via
// "arn:aws:states:::s3:getObject", or the objects under a prefix via
// "arn:aws:states:::s3:listObjectsV2". Reading items from S3 instead of the
// state input is how a Map avoids the 256 KiB payload quota.
type ItemReader struct {
	Resource     string        `json:"Resource"`
	ReaderConfig *ReaderConfig `json:"ReaderConfig,omitempty"`
	Parameters   any           `json:"Parameters,omitempty"`
}

// ReaderConfig describes the format of an ItemReader's object.
type ReaderConfig struct {
	InputType         string   `json:"InputType,omitempty"`
	CSVHeaderLocation string   `json:"CSVHeaderLocation,omitempty"`
	CSVHeaders        []string `json:"CSVHeaders,omitempty"`
	CSVDelimiter      string   `json:"CSVDelimiter,omitempty"`
	ManifestType      string   `json:"ManifestType,omitempty"`
	MaxItems          *int     `json:"MaxItems,omitempty"`
	MaxItemsPath      string   `json:"MaxItemsPath,omitempty"`
}

// ItemBatcher groups items into batches; each child execution receives
// {"Items": [...], "BatchInput": ...}.
type ItemBatcher struct {
	MaxItemsPerBatch          *int   `json:"MaxItemsPerBatch,omitempty"`
	MaxItemsPerBatchPath      string `json:"MaxItemsPerBatchPath,omitempty"`
	MaxInputBytesPerBatch     *int   `json:"MaxInputBytesPerBatch,omitempty"`
	MaxInputBytesPerBatchPath string `json:"MaxInputBytesPerBatchPath,omitempty"`
	BatchInput                any    `json:"BatchInput,omitempty"`
}

// ResultWriter exports a Distributed Map's child results to S3
// ("arn:aws:states:::s3:putObject") instead of returning them inline.
type ResultWriter struct {
	Resource     string        `json:"Resource,omitempty"`
	Parameters   any           `json:"Parameters,omitempty"`
	WriterConfig *WriterConfig `json:"WriterConfig,omitempty"`
}

// WriterConfig shapes exported results (OutputType JSON or JSONL,
// Transformation NONE, COMPACT or FLATTEN).
type WriterConfig struct {
	OutputType     string `json:"OutputType,omitempty"`
	Transformation string `json:"Transformation,omitempty"`
}

// IsDistributed reports whether the Map runs in DISTRIBUTED mode.
func (m *MapState) IsDistributed() bool {
	return m.ItemProcessor != nil && m.ItemProcessor.ProcessorConfig != nil &&
		m.ItemProcessor.ProcessorConfig.Mode == ModeDistributed
}

// Mode returns ModeDistributed or ModeInline (the default, and the only mode
// of the legacy Iterator).
func (m *MapState) Mode() string {
	if m.IsDistributed() {
		return ModeDistributed
	}
	return ModeInline
}

// ExecutionType returns the child execution type of a DISTRIBUTED map
// ("" for INLINE maps, whose iterations are not executions).
func (m *MapState) ExecutionType() string {
	if !m.IsDistributed() {
		return ""
	}
	if t := m.ItemProcessor.ProcessorConfig.ExecutionType; t != "" {
		return t
	}
	return ExecutionStandard
}

// Processor returns the scope the Map runs per item: its ItemProcessor, or
// its legacy Iterator as an INLINE processor. It returns nil if neither is
// set.
func (m *MapState) Processor() *ItemProcessor {
	if m.ItemProcessor != nil {
		return m.ItemProcessor
	}
	if m.Iterator != nil {
		return &ItemProcessor{Comment: m.Iterator.Comment, StartAt: m.Iterator.StartAt, States: m.Iterator.States}
	}
	return nil
}
