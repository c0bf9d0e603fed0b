package asl

// MapBuilder builds a MapState, INLINE or DISTRIBUTED.
type MapBuilder struct {
	s         MapState
	processor *BranchBuilder
	config    *ProcessorConfig
}

// InlineMap starts an INLINE Map running processor for each item of the
// input array at ItemsPath (default "$").
func InlineMap(processor *BranchBuilder) *MapBuilder {
	return &MapBuilder{processor: processor, config: &ProcessorConfig{Mode: ModeInline}}
}

// DistributedMap starts a DISTRIBUTED Map whose children, one per item or
// batch, are executions of executionType (ExecutionStandard or
// ExecutionExpress) running processor. Activities need STANDARD.
func DistributedMap(executionType string, processor *BranchBuilder) *MapBuilder {
	return &MapBuilder{processor: processor, config: &ProcessorConfig{Mode: ModeDistributed, ExecutionType: executionType}}
}

// Comment sets the state's Comment.
func (b *MapBuilder) Comment(c string) *MapBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the state sees.
func (b *MapBuilder) InputPath(p string) *MapBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the output passed on.
func (b *MapBuilder) OutputPath(p string) *MapBuilder { b.s.OutputPath = PathOf(p); return b }

// ItemsPath selects the array of items in the input.
func (b *MapBuilder) ItemsPath(p string) *MapBuilder { b.s.ItemsPath = p; return b }

// ItemReader reads the items from S3 instead of the input (DISTRIBUTED
// only); see ReadCSV, ReadJSON, ReadJSONL, ReadManifest and ListObjects.
func (b *MapBuilder) ItemReader(r *ItemReader) *MapBuilder { b.s.ItemReader = r; return b }

// ItemSelector sets the template of each child's input.
func (b *MapBuilder) ItemSelector(v any) *MapBuilder { b.s.ItemSelector = v; return b }

func (b *MapBuilder) batcher() *ItemBatcher {
	if b.s.ItemBatcher == nil {
		b.s.ItemBatcher = &ItemBatcher{}
	}
	return b.s.ItemBatcher
}

// MaxItemsPerBatch batches items, at most n per child (DISTRIBUTED only).
func (b *MapBuilder) MaxItemsPerBatch(n int) *MapBuilder {
	b.batcher().MaxItemsPerBatch = &n
	return b
}

// MaxItemsPerBatchPath reads MaxItemsPerBatch from the input; the path
// must resolve to a positive integer.
func (b *MapBuilder) MaxItemsPerBatchPath(p string) *MapBuilder {
	b.batcher().MaxItemsPerBatchPath = p
	return b
}

// MaxInputBytesPerBatch caps a batch's size in bytes, at most 256 KiB.
func (b *MapBuilder) MaxInputBytesPerBatch(n int) *MapBuilder {
	b.batcher().MaxInputBytesPerBatch = &n
	return b
}

// BatchInput sets the JSON every batch carries beside its Items.
func (b *MapBuilder) BatchInput(v any) *MapBuilder { b.batcher().BatchInput = v; return b }

// ResultWriter exports child results to S3 (DISTRIBUTED only); see
// WriteToS3.
func (b *MapBuilder) ResultWriter(w *ResultWriter) *MapBuilder { b.s.ResultWriter = w; return b }

// MaxConcurrency bounds the children running at once; 0 means no limit
// (10,000 for a Distributed Map, 40 for an inline one).
func (b *MapBuilder) MaxConcurrency(n int) *MapBuilder { b.s.MaxConcurrency = &n; return b }

// MaxConcurrencyPath reads MaxConcurrency from the input.
func (b *MapBuilder) MaxConcurrencyPath(p string) *MapBuilder { b.s.MaxConcurrencyPath = p; return b }

// ToleratedFailurePercentage lets the Map succeed with up to pct percent of
// its items failed (DISTRIBUTED only).
func (b *MapBuilder) ToleratedFailurePercentage(pct float64) *MapBuilder {
	b.s.ToleratedFailurePercentage = &pct
	return b
}

// ToleratedFailurePercentagePath reads ToleratedFailurePercentage from the
// input.
func (b *MapBuilder) ToleratedFailurePercentagePath(p string) *MapBuilder {
	b.s.ToleratedFailurePercentagePath = p
	return b
}

// ToleratedFailureCount lets the Map succeed with up to n items failed
// (DISTRIBUTED only).
func (b *MapBuilder) ToleratedFailureCount(n int) *MapBuilder {
	b.s.ToleratedFailureCount = &n
	return b
}

// ToleratedFailureCountPath reads ToleratedFailureCount from the input.
func (b *MapBuilder) ToleratedFailureCountPath(p string) *MapBuilder {
	b.s.ToleratedFailureCountPath = p
	return b
}

// Label names the Map Run (DISTRIBUTED only; at most 40 characters).
func (b *MapBuilder) Label(l string) *MapBuilder { b.s.Label = l; return b }

// ResultSelector reshapes the Map's result.
func (b *MapBuilder) ResultSelector(v any) *MapBuilder { b.s.ResultSelector = v; return b }

// ResultPath places the result at path in the input.
func (b *MapBuilder) ResultPath(p string) *MapBuilder { b.s.ResultPath = PathOf(p); return b }

// DiscardResult sets ResultPath null: the output is the input.
func (b *MapBuilder) DiscardResult() *MapBuilder { b.s.ResultPath = NullPath(); return b }

// Retry appends Retriers.
func (b *MapBuilder) Retry(rs ...*RetryBuilder) *MapBuilder {
	b.s.Retry = append(b.s.Retry, retriers(rs)...)
	return b
}

// Catch appends Catchers.
func (b *MapBuilder) Catch(cs ...*CatchBuilder) *MapBuilder {
	b.s.Catch = append(b.s.Catch, catchers(cs)...)
	return b
}

// Next names the following state.
func (b *MapBuilder) Next(name string) *MapBuilder { b.s.Next = name; return b }

// End makes the state terminal.
func (b *MapBuilder) End() *MapBuilder { b.s.End = true; return b }

// Build returns the state with its processor.
func (b *MapBuilder) Build() State {
	if b.processor != nil {
		br := b.processor.branch()
		cfg := *b.config
		b.s.ItemProcessor = &ItemProcessor{Comment: br.Comment, ProcessorConfig: &cfg, StartAt: br.StartAt, States: br.States}
	}
	return &b.s
}

func (b *MapBuilder) errs() []error {
	if b.processor == nil {
		return nil
	}
	return b.processor.scope.errs
}

// ReadCSV reads items from a CSV object; parameters name it, e.g.
// {"Bucket": b, "Key": k}. With headerLocation CSVHeaderGiven, headers are
// the column names; with CSVHeaderFirstRow, the first row holds them.
func ReadCSV(parameters any, headerLocation string, headers ...string) *ItemReader {
	return &ItemReader{
		Resource:     ResourceS3GetObject,
		ReaderConfig: &ReaderConfig{InputType: InputCSV, CSVHeaderLocation: headerLocation, CSVHeaders: headers},
		Parameters:   parameters,
	}
}

// ReadJSON reads items from an object holding a JSON array.
func ReadJSON(parameters any) *ItemReader {
	return &ItemReader{Resource: ResourceS3GetObject, ReaderConfig: &ReaderConfig{InputType: InputJSON}, Parameters: parameters}
}

// ReadJSONL reads items from a JSON Lines object, one item per line.
func ReadJSONL(parameters any) *ItemReader {
	return &ItemReader{Resource: ResourceS3GetObject, ReaderConfig: &ReaderConfig{InputType: InputJSONL}, Parameters: parameters}
}

// ReadManifest reads the objects an S3 Inventory manifest.json lists.
func ReadManifest(parameters any) *ItemReader {
	return &ItemReader{Resource: ResourceS3GetObject, ReaderConfig: &ReaderConfig{InputType: InputManifest}, Parameters: parameters}
}

// ListObjects makes each object under a bucket prefix an item; parameters
// are those of ListObjectsV2, e.g. {"Bucket": b, "Prefix": p}.
func ListObjects(parameters any) *ItemReader {
	return &ItemReader{Resource: ResourceS3ListObjectsV2, Parameters: parameters}
}

// WriteToS3 exports a Distributed Map's results under bucket/prefix.
func WriteToS3(bucket, prefix string) *ResultWriter {
	return &ResultWriter{Resource: ResourceS3PutObject, Parameters: map[string]any{"Bucket": bucket, "Prefix": prefix}}
}
