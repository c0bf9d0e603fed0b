package workflow

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// Generate state names (besides the shared ones in states.go).
const (
	StatePlan           = "Plan"
	StateGenerateShards = "GenerateShards"
	StateWriteManifest  = "WriteManifest"
)

// Generate returns the Generate state machine: a fictitious portfolio of
// Defaults.Loans loans (or the execution input's "loans") written to
// datasets/<dataset>/ with its CSV and S3 Inventory manifests.
//
//	guard → scale out → wait for workers →
//	Plan (op plan: the shard plan CSV, one row per ShardSize loans) →
//	GenerateShards (Distributed Map over the plan's rows, one shard per batch, op generate) →
//	WriteManifest (op manifest) → scale in → Succeeded (output: ManifestOutput)
//
// No item list ever travels in the state: the plan is read from S3 by the
// Map's ItemReader, so 100 million loans are 10,000 plan rows in S3 and
// nothing more in the execution. cfg gets WithDefaults and must Validate.
func Generate(cfg Config) (*asl.StateMachine, error) {
	c, err := prepared(cfg)
	if err != nil {
		return nil, err
	}
	b := newBuilder(c, "Generate a fictitious loan portfolio in S3 (montecarlo).", c.GenerateStateMachineName, c.SimulateStateMachineName)
	b.preamble(StatePlan)

	b.addControl(StatePlan, "Write the shard plan to S3.", map[string]any{
		"op":              OpPlan,
		"executionName.$": "$$.Execution.Name",
		"bucket":          c.DataBucket,
		"shardSize":       c.ShardSize,
		"run.$":           pathRun,
	}, "$.plan", StateGenerateShards)

	// A dataset missing a shard is useless, so no failure is tolerated
	// (whatever Config.ToleratedFailurePercent says for simulations). The
	// plan CSV's header row names the item fields; every value is a
	// string (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html).
	reader := &asl.ItemReader{
		Resource:     b.integration(apiS3GetObject),
		ReaderConfig: &asl.ReaderConfig{InputType: asl.InputCSV, CSVHeaderLocation: asl.CSVHeaderFirstRow},
		Parameters:   map[string]any{"Bucket.$": "$.plan.dataset.bucket", "Key.$": "$.plan.planKey"},
	}
	b.add(StateGenerateShards, b.distributedMap(StateGenerateShards, OpGenerate, c.GenerateTimeoutSeconds, 0, reader,
		map[string]any{"Bucket": c.DataBucket, "Prefix.$": "$.plan.resultPrefix"}, "$.generated", StateWriteManifest).
		Comment("One child execution per shard of the plan.").
		MaxItemsPerBatch(1).
		BatchInput(map[string]any{"dataset.$": "$.plan.dataset"}))

	b.addControl(StateWriteManifest, "Join the shards' manifest parts into the dataset's manifests.", map[string]any{
		"op":        OpManifest,
		"dataset.$": "$.plan.dataset",
		"mapRun.$":  "$.generated",
	}, "$.manifest", b.done())

	b.epilogue("$.manifest")
	m, err := b.build()
	if err != nil {
		return nil, fmt.Errorf("workflow: generate: %w", err)
	}
	return m, nil
}

// prepared applies the defaults and validates.
func prepared(cfg Config) (Config, error) {
	c := cfg.WithDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
