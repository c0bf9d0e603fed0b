package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// batchStats measures a simulate task for the benchmark and the logs.
type batchStats struct {
	Wall    time.Duration // the whole task
	Kernel  time.Duration // in Evaluate, Partial.Add and the attribution, summed over evaluators
	Skipped bool          // the partial existed: nothing was recomputed
}

// handleSimulate decodes the batch strictly but for its items
// (workflow.InputItem: keys other readers add are ignored, a key that
// differs only in case from Bucket, Key, Size or Loans is not) and runs it.
func (o *ops) handleSimulate(ctx context.Context, input []byte) ([]byte, error) {
	in, err := decodeSimulateInput(input)
	if err != nil {
		return nil, err
	}
	out, _, err := o.simulate(ctx, in)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("simulate: encode output: %w", err)
	}
	return b, nil
}

// object is one input object of a batch, resolved.
type object struct {
	bucket, key string
	format      string
	// dups are the object's records that repeat an earlier object's loan
	// id, by line (prepare's DuplicateIDs).
	dups map[int]DuplicateRecord
}

// simulate runs the credit model over the loans of the batch's objects
// (workflow.OpSimulate) and writes, under keys that are a function of the
// batch's items, the per-loan results (Parquet), the rejected records and,
// last, the loss partial.
func (o *ops) simulate(ctx context.Context, in workflow.SimulateInput) (workflow.SimulateOutput, batchStats, error) {
	start := time.Now()
	var stats batchStats
	run := in.BatchInput.Run
	if err := checkRunContext(run); err != nil {
		return workflow.SimulateOutput{}, stats, err
	}
	if len(in.Items) == 0 {
		return workflow.SimulateOutput{}, stats, invalid(`"Items" is empty: a simulate batch needs at least one input object`)
	}
	m, err := o.runs.Get(run.Bucket+"/"+run.ManifestKey, func() (*RunManifest, error) {
		// Shared by the batches waiting for it: one task's cancellation
		// must not fail the others.
		return o.loadRunManifest(context.WithoutCancel(ctx), run.Bucket, run.ManifestKey)
	})
	if err != nil {
		return workflow.SimulateOutput{}, stats, err
	}
	if m.RunID != run.RunID || m.ParamsHash != run.ParamsHash || m.Seed != run.Seed {
		return workflow.SimulateOutput{}, stats, invalid("run context (run %s, params %s, seed %d) does not match the run manifest s3://%s/%s (run %s, params %s, seed %d)",
			run.RunID, run.ParamsHash, run.Seed, run.Bucket, run.ManifestKey, m.RunID, m.ParamsHash, m.Seed)
	}
	info := runInfo{runID: run.RunID, paramsHash: run.ParamsHash, seed: run.Seed, batchID: workflow.BatchID(in.Items, run.InputBucket)}
	out := workflow.SimulateOutput{
		BatchID: info.batchID, Objects: len(in.Items),
		PartialKey: workflow.PartialKey(run.RunID, info.batchID), ResultsKey: workflow.ResultsKey(run.RunID, info.batchID),
	}
	if err := o.chaos(ctx, info.batchID, PhaseStart, 0); err != nil {
		return workflow.SimulateOutput{}, stats, err
	}

	// An existing partial of this run's parameters means the batch is
	// complete (it is written last): a retry after a lost result, a
	// duplicate, or a resumed run.
	if pf, err := o.readPartial(ctx, run.Bucket, out.PartialKey); err != nil {
		return workflow.SimulateOutput{}, stats, err
	} else if pf != nil && pf.ParamsHash == run.ParamsHash && pf.Seed == run.Seed && pf.BatchID == info.batchID && pf.RunID == run.RunID {
		out.Loans, out.Rejected, out.ErrorsKey = pf.Loans, pf.Rejected, pf.ErrorsKey
		stats.Skipped, stats.Wall = true, time.Since(start)
		o.log.InfoContext(ctx, "batch already complete", "runId", run.RunID, "batchId", info.batchID, "loans", pf.Loans)
		return out, stats, nil
	}

	var dups map[string]map[int]DuplicateRecord
	if m.DuplicateIDsKey != "" {
		if dups, err = o.dups.Get(run.Bucket+"/"+m.DuplicateIDsKey, func() (map[string]map[int]DuplicateRecord, error) {
			return o.loadDuplicateIDs(context.WithoutCancel(ctx), run.Bucket, m.DuplicateIDsKey)
		}); err != nil {
			return workflow.SimulateOutput{}, stats, err
		}
	}
	objs := make([]object, len(in.Items))
	for i, it := range in.Items {
		b := it.Bucket
		if b == "" {
			b = run.InputBucket
		}
		if b == "" {
			return workflow.SimulateOutput{}, stats, invalid("Items[%d] (key %q) has no Bucket and the run context no inputBucket", i, it.Key)
		}
		key := it.Key
		if m.Input.Kind == workflow.InputKindInventory {
			// S3 Inventory lists keys URL-encoded.
			if key, err = url.QueryUnescape(it.Key); err != nil {
				return workflow.SimulateOutput{}, stats, invalid("Items[%d]: inventory key %q is not URL-encoded: %v", i, it.Key, err)
			}
		}
		objs[i] = object{bucket: b, key: key, format: formatOf(key), dups: dups[b+"/"+key]}
	}

	sc, err := o.scenarios.Get(m.Params)
	if err != nil {
		return workflow.SimulateOutput{}, stats, invalid("run manifest s3://%s/%s: %w", run.Bucket, run.ManifestKey, err)
	}
	states, partial, kernel, err := o.evaluate(ctx, objs, sc, info, m.readOptions, !m.NoAttribution)
	if err != nil {
		return workflow.SimulateOutput{}, stats, err
	}
	stats.Kernel = kernel

	// Assemble in item order, then line order: the outputs do not depend
	// on which download or evaluator finished first.
	pf := &PartialFile{
		RunID: run.RunID, BatchID: info.batchID, ParamsHash: run.ParamsHash, Seed: run.Seed, ModelVersion: model.ModelVersion,
		ResultsKey: out.ResultsKey, Partial: partial, Objects: make([]ObjectCount, len(objs)),
	}
	var rows []ResultRow
	var rejects []loan.Rejection
	for i, st := range states {
		slices.SortFunc(st.chunks, func(a, b *chunk) int { return a.seq - b.seq })
		n0, r0 := len(rows), len(rejects)
		rejects = append(rejects, st.rejects...)
		for _, c := range st.chunks {
			rows = append(rows, c.rows...)
			for _, n := range c.derived {
				if pf.DerivedByField == nil {
					pf.DerivedByField = map[string]int64{}
				}
				pf.DerivedByField[n]++
			}
			rejects = append(rejects, c.rejects...)
		}
		slices.SortStableFunc(rejects[r0:], func(a, b loan.Rejection) int { return a.Line - b.Line })
		pf.Objects[i] = ObjectCount{Bucket: objs[i].bucket, Key: objs[i].key, Loans: int64(len(rows) - n0), Rejected: int64(len(rejects) - r0)}
	}
	pf.Loans, pf.Rejected = int64(len(rows)), int64(len(rejects))
	if pf.Loans != partial.Loans() {
		return workflow.SimulateOutput{}, stats, fmt.Errorf("simulate: %d result rows but %d loans in the partial", pf.Loans, partial.Loans())
	}

	if err := o.chaos(ctx, info.batchID, PhaseWriteResults, pf.Loans); err != nil {
		return workflow.SimulateOutput{}, stats, err
	}
	parq, err := encodeResults(rows, info)
	if err != nil {
		return workflow.SimulateOutput{}, stats, fmt.Errorf("simulate: %w", err)
	}
	rows = nil
	if err := o.deps.Store.PutBytes(ctx, run.Bucket, out.ResultsKey, parq, "application/vnd.apache.parquet"); err != nil {
		return workflow.SimulateOutput{}, stats, s3Err(ctx, err, "write results s3://%s/%s", run.Bucket, out.ResultsKey)
	}
	if len(rejects) > 0 {
		if err := o.chaos(ctx, info.batchID, PhaseWriteErrors, pf.Loans); err != nil {
			return workflow.SimulateOutput{}, stats, err
		}
		pf.ErrorsKey = workflow.ErrorsKey(run.RunID, info.batchID)
		pf.RejectedByKind = map[loan.Kind]int64{}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, r := range rejects {
			pf.RejectedByKind[r.Kind]++
			if err := enc.Encode(r); err != nil {
				return workflow.SimulateOutput{}, stats, fmt.Errorf("simulate: encode rejection: %w", err)
			}
		}
		if err := o.deps.Store.PutBytes(ctx, run.Bucket, pf.ErrorsKey, buf.Bytes(), "application/x-ndjson"); err != nil {
			return workflow.SimulateOutput{}, stats, s3Err(ctx, err, "write errors s3://%s/%s", run.Bucket, pf.ErrorsKey)
		}
	}
	if err := o.chaos(ctx, info.batchID, PhaseWritePartial, pf.Loans); err != nil {
		return workflow.SimulateOutput{}, stats, err
	}
	body, err := json.Marshal(pf)
	if err != nil {
		return workflow.SimulateOutput{}, stats, fmt.Errorf("simulate: encode partial: %w", err)
	}
	if err := o.deps.Store.PutBytes(ctx, run.Bucket, out.PartialKey, body, "application/json"); err != nil {
		return workflow.SimulateOutput{}, stats, s3Err(ctx, err, "write partial s3://%s/%s", run.Bucket, out.PartialKey)
	}
	out.Loans, out.Rejected, out.ErrorsKey = pf.Loans, pf.Rejected, pf.ErrorsKey
	stats.Wall = time.Since(start)
	o.log.InfoContext(ctx, "batch simulated", "runId", run.RunID, "batchId", info.batchID, "objects", len(objs),
		"loans", pf.Loans, "rejected", pf.Rejected, "seconds", stats.Wall.Seconds(), "kernelSeconds", kernel.Seconds())
	return out, stats, nil
}

// rejectEvaluated describes a loan the model refused.
func rejectEvaluated(src string, line int, l *loan.Loan, err error) loan.Rejection {
	rec := loan.Record{Line: line, Loan: *l, Err: err}
	rej := rec.Rejection(src)
	if rej.Kind == "" {
		rej.Kind = KindModel
	}
	return rej
}

// checkRunContext checks the fields of BatchInput.run simulate relies on.
func checkRunContext(run workflow.RunContext) error {
	switch {
	case !workflow.ValidName(run.RunID):
		return invalid(`BatchInput.run.runId %q: want a run id (1 to 80 characters from A-Z a-z 0-9 . _ -)`, run.RunID)
	case run.Bucket == "":
		return invalid(`BatchInput.run.bucket is empty: want the output bucket`)
	case run.ManifestKey == "":
		return invalid(`BatchInput.run.manifestKey is empty: want the run manifest's key (prepare's output)`)
	case run.ParamsHash == "":
		return invalid(`BatchInput.run.paramsHash is empty: want prepare's parameter hash`)
	}
	return nil
}

// loadRunManifest reads and checks a run manifest.
func (o *ops) loadRunManifest(ctx context.Context, bucket, key string) (*RunManifest, error) {
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if errorsIsNotFound(err) {
		return nil, invalid("run manifest s3://%s/%s does not exist: prepare writes it before any batch runs", bucket, key)
	}
	if err != nil {
		return nil, s3Err(ctx, err, "read run manifest s3://%s/%s", bucket, key)
	}
	var m RunManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, invalid("run manifest s3://%s/%s: %v", bucket, key, err)
	}
	if m.Params.Hash() != m.ParamsHash {
		return nil, invalid("run manifest s3://%s/%s: its params hash to %s, not the recorded %s (written by another model version?)", bucket, key, m.Params.Hash(), m.ParamsHash)
	}
	return &m, nil
}

// readPartial returns the partial at key, or nil if there is none (or it
// is unreadable: it is then recomputed and overwritten).
func (o *ops) readPartial(ctx context.Context, bucket, key string) (*PartialFile, error) {
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if errorsIsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s3Err(ctx, err, "read partial s3://%s/%s", bucket, key)
	}
	var pf PartialFile
	if err := json.Unmarshal(b, &pf); err != nil || pf.Partial == nil {
		return nil, nil
	}
	return &pf, nil
}

// chaos consults Deps.Chaos; a non-nil answer abandons the task.
func (o *ops) chaos(ctx context.Context, batchID, phase string, loans int64) error {
	if o.deps.Chaos == nil {
		return nil
	}
	if err := o.deps.Chaos.Step(ctx, ChaosPoint{Op: workflow.OpSimulate, BatchID: batchID, Phase: phase, Loans: loans}); err != nil {
		return activity.WithName(activity.WorkerInterrupted, fmt.Errorf("chaos: %w", err))
	}
	return nil
}
