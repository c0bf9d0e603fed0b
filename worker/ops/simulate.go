package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// chunkLoans is how many loans travel together from a reader to an
// evaluator: large enough that channel hand-offs cost nothing next to the
// model (tens of microseconds a loan), small enough to keep every
// evaluator busy on a single shard.
const chunkLoans = 128

// batchStats measures a simulate task for the benchmark and the logs.
type batchStats struct {
	Wall    time.Duration // the whole task
	Kernel  time.Duration // in Evaluate and Partial.Add, summed over evaluators
	Skipped bool          // the partial existed: nothing was recomputed
}

// handleSimulate decodes the batch leniently (workflow.InputItem: fields
// other readers add are ignored) and runs it.
func (o *ops) handleSimulate(ctx context.Context, input []byte) ([]byte, error) {
	var in workflow.SimulateInput
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, invalid("decode simulate input: %w", err)
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
}

// objState gathers what the pipeline produced for one object.
type objState struct {
	rejects []loan.Rejection // in line order once sorted
	chunks  []*chunk
}

// chunk is a run of consecutive loans of one object.
type chunk struct {
	obj, seq int
	loans    []loan.Loan
	lines    []int
	rows     []ResultRow
	rejects  []loan.Rejection
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
	m, err := o.runs.get(ctx, run.Bucket, run.ManifestKey, func(ctx context.Context) (*RunManifest, error) {
		return o.loadRunManifest(ctx, run.Bucket, run.ManifestKey)
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
		objs[i] = object{bucket: b, key: key, format: formatOf(key)}
	}

	sc, err := o.scenarios.Get(m.Params)
	if err != nil {
		return workflow.SimulateOutput{}, stats, invalid("run manifest s3://%s/%s: %w", run.Bucket, run.ManifestKey, err)
	}
	states, partial, kernel, err := o.evaluate(ctx, objs, sc, info)
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

// evaluate streams the objects (at most S3Concurrency downloads at once)
// through Deps.Evaluators model goroutines, each with its own Evaluator and
// Partial; integer partials merge exactly, so the sum is the same whatever
// goroutine took which loan. Loans are held only in flight (a few chunks
// per goroutine); results are kept per object for the ordered outputs.
func (o *ops) evaluate(ctx context.Context, objs []object, sc *model.Scenarios, info runInfo) ([]*objState, *risk.Partial, time.Duration, error) {
	states := make([]*objState, len(objs))
	for i := range states {
		states[i] = &objState{}
	}
	n := o.deps.Evaluators
	work := make(chan *chunk, 2*n)
	done := make(chan *chunk, 2*n)
	parts := make([]*risk.Partial, n)
	kernels := make([]time.Duration, n)
	var evaluated atomic.Int64

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(work)
		return o.read(gctx, objs, states, work)
	})
	var evals errgroup.Group
	for w := range n {
		parts[w] = risk.NewPartial(sc.Params())
		evals.Go(func() error {
			ev := model.NewEvaluator(sc)
			for c := range work {
				if gctx.Err() != nil {
					return context.Cause(gctx)
				}
				t0 := time.Now()
				for j := range c.loans {
					l := &c.loans[j]
					res, err := ev.Evaluate(l)
					if err != nil {
						c.rejects = append(c.rejects, rejectEvaluated(objs[c.obj].key, c.lines[j], l, err))
						continue
					}
					if err := parts[w].Add(&res); err != nil {
						return fmt.Errorf("simulate: add loan %s to the partial: %w", l.ID, err)
					}
					c.rows = append(c.rows, row(&res, objs[c.obj].key, c.lines[j], info))
				}
				kernels[w] += time.Since(t0)
				c.loans, c.lines = nil, nil
				total := evaluated.Add(int64(len(c.rows)))
				if err := o.chaos(gctx, info.batchID, PhaseEvaluate, total); err != nil {
					return err
				}
				select {
				case done <- c:
				case <-gctx.Done():
					return context.Cause(gctx)
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		err := evals.Wait()
		close(done)
		return err
	})
	for c := range done {
		states[c.obj].chunks = append(states[c.obj].chunks, c)
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, nil, 0, context.Cause(ctx)
		}
		return nil, nil, 0, err
	}
	if err := ctxErr(ctx); err != nil {
		return nil, nil, 0, err
	}
	partial, err := risk.Merge(parts...)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("simulate: merge partials: %w", err)
	}
	var kernel time.Duration
	for _, k := range kernels {
		kernel += k
	}
	return states, partial, kernel, nil
}

// read downloads the objects, at most S3Concurrency at a time per bucket,
// decodes their records and sends the valid loans, in chunks, to work.
// Rejected records go straight to their object's state (each object is
// read by one goroutine, so no lock is needed).
func (o *ops) read(ctx context.Context, objs []object, states []*objState, work chan<- *chunk) error {
	// Group the loan objects by bucket (GetMany reads one bucket); objects
	// of no loan format are rejected without a GET.
	var buckets []string
	idx := map[string][]int{}
	for i, ob := range objs {
		if ob.format == "" {
			states[i].rejects = append(states[i].rejects, loan.Rejection{Source: ob.key, Kind: KindUnsupportedObject,
				Reason: fmt.Sprintf("object key %q does not end in .jsonl, .json or .csv, so it holds no loans the worker can read", ob.key)})
			continue
		}
		if _, ok := idx[ob.bucket]; !ok {
			buckets = append(buckets, ob.bucket)
		}
		idx[ob.bucket] = append(idx[ob.bucket], i)
	}
	for _, b := range buckets {
		ids := idx[b]
		keys := make([]string, len(ids))
		for j, i := range ids {
			keys[j] = objs[i].key
		}
		err := o.deps.Store.GetMany(ctx, b, keys, o.deps.S3Concurrency, func(ctx context.Context, j int, body io.Reader) error {
			i := ids[j]
			return readObject(ctx, i, objs[i], body, states[i], work)
		})
		if err != nil {
			var rerr *readError
			if errors.As(err, &rerr) {
				return rerr.err
			}
			return s3Err(ctx, err, "read batch objects in s3://%s", b)
		}
	}
	return nil
}

// readError carries an error of the pipeline (not of S3) through GetMany.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// recordReader is loan.Reader and loan.CSVReader.
type recordReader interface {
	Next() bool
	Record() *loan.Record
	Err() error
}

// readObject decodes one object's records: valid loans go to work in
// chunks, rejected records to st.
func readObject(ctx context.Context, i int, ob object, body io.Reader, st *objState, work chan<- *chunk) error {
	var rr recordReader
	switch ob.format {
	case formatJSONL:
		rr = loan.NewReader(body)
	case formatCSV:
		rr = loan.NewCSVReader(body, loan.CSVOptions{})
	case formatJSON:
		rr = &oneObjectReader{body: body}
	}
	seq := 0
	c := &chunk{obj: i}
	send := func() error {
		if len(c.loans) == 0 {
			return nil
		}
		c.seq = seq
		seq++
		select {
		case work <- c:
		case <-ctx.Done():
			return &readError{context.Cause(ctx)}
		}
		c = &chunk{obj: i}
		return nil
	}
	for rr.Next() {
		rec := rr.Record()
		if rec.Err != nil {
			st.rejects = append(st.rejects, rec.Rejection(ob.key))
			continue
		}
		l := rec.Loan
		l.Derived = slices.Clone(l.Derived)
		if c.loans == nil {
			c.loans = make([]loan.Loan, 0, chunkLoans)
			c.lines = make([]int, 0, chunkLoans)
		}
		c.loans = append(c.loans, l)
		c.lines = append(c.lines, rec.Line)
		if len(c.loans) == chunkLoans {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("read s3://%s/%s: %w", ob.bucket, ob.key, err) // an S3 stream error: named by s3Err
	}
	return send()
}

// oneObjectReader reads a one-loan .json object as a single record.
type oneObjectReader struct {
	body io.Reader
	rec  loan.Record
	done bool
	err  error
}

func (r *oneObjectReader) Next() bool {
	if r.done {
		return false
	}
	r.done = true
	data, err := io.ReadAll(io.LimitReader(r.body, loan.MaxRecordBytes+1))
	if err != nil {
		r.err = err
		return false
	}
	r.rec = loan.Record{Line: 1, Raw: bytes.TrimSpace(data)}
	if len(data) > loan.MaxRecordBytes {
		_, _ = io.Copy(io.Discard, r.body)
		r.rec.Err = &loan.FieldError{Kind: loan.KindTooLarge, Problem: "is more than 65536 bytes long", Allowed: "at most 65536 bytes per record"}
		return true
	}
	r.rec.Err = loan.Parse(data, &r.rec.Loan)
	return true
}

func (r *oneObjectReader) Record() *loan.Record { return &r.rec }
func (r *oneObjectReader) Err() error           { return r.err }

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
