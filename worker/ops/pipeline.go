package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// The simulate pipeline: downloads feed decoders, decoders feed chunks of
// loans to the model goroutines, results come back per object.

// chunkLoans is how many loans travel together from a reader to an
// evaluator: large enough that channel hand-offs cost nothing next to the
// model (tens of microseconds a loan), small enough to keep every
// evaluator busy on a single shard.
const chunkLoans = 128

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
	derived  []string // the field of each derivation of the simulated loans
}

// evaluate streams the objects (at most S3Concurrency downloads at once)
// through Deps.Evaluators model goroutines, each with its own Evaluator and
// Partial; integer partials merge exactly, so the sum is the same whatever
// goroutine took which loan. Loans are held only in flight (a few chunks
// per goroutine); results are kept per object for the ordered outputs. The
// first error, of the reader or of an evaluator, stops them all.
func (o *ops) evaluate(ctx context.Context, objs []object, sc *model.Scenarios, info runInfo, opt func(key string) loan.ReadOptions, attribute bool) ([]*objState, *risk.Partial, time.Duration, error) {
	states := make([]*objState, len(objs))
	for i := range states {
		states[i] = &objState{}
	}
	// The attribution's scenarios: the run's with each channel off, the
	// same seed (common random numbers); none when the run skips it.
	var variants [risk.NumChannels]*model.Scenarios
	for c, ch := range risk.Channels {
		if !attribute {
			break
		}
		v, err := o.variants.Get(risk.VariantParams(sc.Params(), ch))
		if err != nil {
			return nil, nil, 0, fmt.Errorf("simulate: attribution scenarios (%s off): %w", ch, err)
		}
		variants[c] = v
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
		return o.read(gctx, objs, states, work, opt)
	})
	var evals sync.WaitGroup
	for w := range n {
		parts[w] = risk.NewPartial(sc.Params())
		evals.Add(1)
		g.Go(func() (err error) {
			defer evals.Done()
			// A panic here would take down the worker and every task it
			// runs (the activity loop recovers only the handler's own
			// goroutine): fail this task instead.
			loanID := ""
			defer func() {
				if r := recover(); r != nil {
					err = activity.Errorf(activity.WorkerInternal, "simulate: panic evaluating loan %q: %v", loanID, r)
				}
			}()
			ev := model.NewEvaluator(sc)
			var attr *risk.Attributor
			if attribute {
				if attr, err = risk.NewAttributor(sc, variants); err != nil {
					return err
				}
			}
			for c := range work {
				if gctx.Err() != nil {
					return context.Cause(gctx)
				}
				t0 := time.Now()
				for j := range c.loans {
					l := &c.loans[j]
					loanID = l.ID
					res, err := ev.Evaluate(l)
					if err != nil {
						c.rejects = append(c.rejects, rejectEvaluated(objs[c.obj].key, c.lines[j], l, err))
						continue
					}
					if err := parts[w].Add(&res); err != nil {
						return fmt.Errorf("simulate: add loan %s to the partial: %w", l.ID, err)
					}
					if attr != nil {
						if err := attr.Add(parts[w], l, &res); err != nil {
							return fmt.Errorf("simulate: add loan %s to the attribution: %w", l.ID, err)
						}
					}
					c.rows = append(c.rows, row(&res, objs[c.obj].key, c.lines[j], info))
					for _, d := range l.Derived {
						c.derived = append(c.derived, loan.DerivedField(d))
					}
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
	go func() {
		evals.Wait()
		close(done)
	}()
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
func (o *ops) read(ctx context.Context, objs []object, states []*objState, work chan<- *chunk, opt func(key string) loan.ReadOptions) error {
	// Objects of no loan format are rejected without a GET.
	var fetch []int
	for i, ob := range objs {
		if ob.format == "" {
			states[i].rejects = append(states[i].rejects, loan.Rejection{Source: ob.key, Kind: KindUnsupportedObject,
				Reason: fmt.Sprintf("object key %q does not end in .csv, .jsonl, .ndjson, .json or .parquet (optionally .gz), so it holds no loans the worker can read", ob.key)})
			continue
		}
		fetch = append(fetch, i)
	}
	b, err := o.getByBucket(ctx, fetch, func(i int) string { return objs[i].bucket }, func(i int) string { return objs[i].key },
		func(ctx context.Context, i int, body io.Reader) error {
			return readObject(ctx, i, objs[i], body, states[i], work, opt(objs[i].key))
		})
	if err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return rerr.err
		}
		return s3Err(ctx, err, "read batch objects in s3://%s", b)
	}
	return nil
}

// getByBucket downloads the objects at indices idx, named by bucketOf and
// keyOf, with GetMany (which reads one bucket): a bucket at a time, in the
// order the buckets first appear, at most S3Concurrency objects at once,
// calling fn with each object's index. On an error it also returns the
// bucket it was reading.
func (o *ops) getByBucket(ctx context.Context, idx []int, bucketOf, keyOf func(int) string,
	fn func(ctx context.Context, i int, body io.Reader) error) (string, error) {
	var buckets []string
	byBucket := map[string][]int{}
	for _, i := range idx {
		b := bucketOf(i)
		if _, ok := byBucket[b]; !ok {
			buckets = append(buckets, b)
		}
		byBucket[b] = append(byBucket[b], i)
	}
	for _, b := range buckets {
		ids := byBucket[b]
		keys := make([]string, len(ids))
		for j, i := range ids {
			keys[j] = keyOf(i)
		}
		err := o.deps.Store.GetMany(ctx, b, keys, o.deps.S3Concurrency, func(ctx context.Context, j int, body io.Reader) error {
			return fn(ctx, ids[j], body)
		})
		if err != nil {
			return b, err
		}
	}
	return "", nil
}

// readError carries an error of the pipeline (not of S3) through GetMany.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// readObject decodes one object's records: valid loans go to work in
// chunks, rejected records to st. An object refused as a whole (a bad
// header, no record: *loan.FileError) fails the batch with Input.Invalid
// naming it, since none of its loans could be counted.
func readObject(ctx context.Context, i int, ob object, body io.Reader, st *objState, work chan<- *chunk, opt loan.ReadOptions) error {
	rr := loan.NewFormatReader(body, loan.Format(ob.format), opt)
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
		if err := duplicateOf(ob, rec); err != nil {
			return &readError{err}
		}
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
	var fe *loan.FileError
	if err := rr.Err(); errors.As(err, &fe) {
		return &readError{invalid("input s3://%s/%s: %v", ob.bucket, ob.key, fe)}
	} else if err != nil {
		return fmt.Errorf("read s3://%s/%s: %w", ob.bucket, ob.key, err) // an S3 stream error: named by s3Err
	}
	return send()
}
