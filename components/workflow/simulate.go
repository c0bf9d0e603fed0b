package workflow

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// Simulate state names (besides the shared ones in states.go).
const (
	StatePrepare           = "Prepare"
	StateInputKind         = "InputKind?"
	StateSimulateCSV       = "SimulateCSVManifest"
	StateSimulateInventory = "SimulateInventory"
	StateSimulatePrefix    = "SimulatePrefix"
	StateUnknownInputKind  = "UnknownInputKind"
	StateAggregate         = "Aggregate"
)

// Simulate returns the Simulate state machine: the credit model over every
// loan of the input, one report per run under runs/<runId>/.
//
//	guard → scale out → wait for workers →
//	Prepare (op prepare: run id = execution name, seed, parameter hash, run manifest, input) →
//	InputKind? → one of three Distributed Maps, differing only in the ItemReader:
//	    SimulateCSVManifest (our CSV manifest), SimulateInventory (S3 Inventory
//	    manifest.json), SimulatePrefix (listObjectsV2 over a prefix)
//	  each batching MaxItemsPerBatchPath objects (from prepare) with the run
//	  context as BatchInput, child = one activity task op simulate →
//	Aggregate (op aggregate) → scale in → Succeeded (output: AggregateOutput)
//
// cfg gets WithDefaults and must Validate.
func Simulate(cfg Config) (*asl.StateMachine, error) {
	c, err := prepared(cfg)
	if err != nil {
		return nil, err
	}
	b := newBuilder(c, "Simulate loan defaults under a rate shock (montecarlo).", c.SimulateStateMachineName, c.GenerateStateMachineName)
	b.preamble(StatePrepare)

	prepare := map[string]any{
		"op":                 OpPrepare,
		"executionName.$":    "$$.Execution.Name",
		"executionArn.$":     "$$.Execution.Id",
		"startTime.$":        "$$.Execution.StartTime",
		"bucket":             c.DataBucket,
		"batchLoans":         c.BatchSize,
		"taskTimeoutSeconds": c.TaskTimeoutSeconds,
		"loanScenarioNanos":  c.LoanScenarioNanos,
		"run.$":              pathRun,
	}
	if c.IsLambda() {
		prepare["startMarginSeconds"] = LambdaStartMarginSeconds
	}
	b.addControl(StatePrepare, "Fix the run id, seed and parameters; write the run manifest; resolve the input.", prepare, "$.prepared", StateInputKind)

	b.add(StateInputKind, asl.Choice().
		When(asl.StringEquals("$.prepared.input.kind", InputKindCSV), StateSimulateCSV).
		When(asl.StringEquals("$.prepared.input.kind", InputKindInventory), StateSimulateInventory).
		When(asl.StringEquals("$.prepared.input.kind", InputKindPrefix), StateSimulatePrefix).
		Default(StateUnknownInputKind))
	b.add(StateUnknownInputKind, raise(ErrInputInvalid,
		"prepare returned input kind {}; want csv, inventory or prefix", "$.prepared.input.kind").
		Next(b.failurePath()))

	// The three readers
	// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html):
	// a CSV file with a header row (items keyed by the header, values
	// strings); an S3 Inventory manifest.json (items are the listed
	// objects, fields per the inventory's fileSchema); and listObjectsV2
	// (items are the objects under the prefix: Key, Size, Etag,
	// LastModified, StorageClass). InputItem reads all three.
	object := map[string]any{"Bucket.$": "$.prepared.input.bucket", "Key.$": "$.prepared.input.key"}
	readers := []struct {
		state, comment string
		reader         *asl.ItemReader
	}{
		{StateSimulateCSV, "Batches of the objects our CSV manifest lists.", &asl.ItemReader{
			Resource:     b.integration(apiS3GetObject),
			ReaderConfig: &asl.ReaderConfig{InputType: asl.InputCSV, CSVHeaderLocation: asl.CSVHeaderFirstRow},
			Parameters:   object,
		}},
		{StateSimulateInventory, "Batches of the objects an S3 Inventory manifest lists.", &asl.ItemReader{
			Resource:     b.integration(apiS3GetObject),
			ReaderConfig: &asl.ReaderConfig{InputType: asl.InputManifest},
			Parameters:   object,
		}},
		{StateSimulatePrefix, "Batches of the objects under a prefix.", &asl.ItemReader{
			Resource:   b.integration(apiS3ListObjectsV2),
			Parameters: map[string]any{"Bucket.$": "$.prepared.input.bucket", "Prefix.$": "$.prepared.input.prefix"},
		}},
	}
	for _, r := range readers {
		// Prepare decides the batch size per run, since a sharded input
		// batches whole shards and a per-loan input batches single loans
		// ("This path must resolve to a positive integer",
		// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html).
		b.add(r.state, b.distributedMap(r.state, OpSimulate, c.TaskTimeoutSeconds, c.ToleratedFailurePercent, r.reader,
			map[string]any{"Bucket": c.DataBucket, "Prefix.$": "$.prepared.resultPrefix"}, "$.map", StateAggregate).
			Comment(r.comment).
			MaxItemsPerBatchPath("$.prepared.maxItemsPerBatch").
			MaxInputBytesPerBatch(MaxBatchInputBytes).
			BatchInput(map[string]any{"run.$": "$.prepared.run"}))
	}

	b.addControl(StateAggregate, "Combine every batch partial into the run's report; fail on a count mismatch.", map[string]any{
		"op":              OpAggregate,
		"run.$":           "$.prepared.run",
		"input.$":         "$.prepared.input",
		"expectedLoans.$": "$.prepared.expectedLoans",
		"mapRun.$":        "$.map",
	}, "$.report", b.done())

	b.epilogue("$.report")
	m, err := b.build()
	if err != nil {
		return nil, fmt.Errorf("workflow: simulate: %w", err)
	}
	return m, nil
}
