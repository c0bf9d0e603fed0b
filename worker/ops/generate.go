package ops

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
)

// plan writes the shard plan of a fictitious portfolio (workflow.OpPlan):
// one CSV row per shard, so no item list crosses the payload quota.
func (o *ops) plan(ctx context.Context, in workflow.PlanInput) (workflow.PlanOutput, error) {
	run := in.Run
	if err := run.Validate(workflow.WorkflowGenerate); err != nil {
		return workflow.PlanOutput{}, invalid("%w", err)
	}
	bucket, err := o.bucketOr("bucket", in.Bucket)
	if err != nil {
		return workflow.PlanOutput{}, err
	}
	if in.ShardSize < 1 {
		return workflow.PlanOutput{}, invalid(`"shardSize" = %d: want 1 or more loans per shard`, in.ShardSize)
	}
	size := int64(in.ShardSize)
	shards := (run.Loans + size - 1) / size
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(workflow.PlanCSVHeader)
	for s := range shards {
		first := s * size
		_ = w.Write([]string{strconv.FormatInt(s, 10), strconv.FormatInt(first, 10), strconv.FormatInt(min(size, run.Loans-first), 10)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return workflow.PlanOutput{}, fmt.Errorf("plan: encode: %w", err)
	}
	key := workflow.PlanKey(run.Dataset)
	if err := o.deps.Store.PutBytes(ctx, bucket, key, buf.Bytes(), "text/csv"); err != nil {
		return workflow.PlanOutput{}, s3Err(ctx, err, "write plan s3://%s/%s", bucket, key)
	}
	ds := workflow.DatasetContext{Name: run.Dataset, Bucket: bucket, Prefix: workflow.DatasetPrefix(run.Dataset), Loans: run.Loans,
		ShardSize: in.ShardSize, Shards: shards, Seed: run.Seed, Layout: run.Layout}
	o.log.InfoContext(ctx, "planned dataset", "dataset", ds.Name, "loans", ds.Loans, "shards", shards, "layout", ds.Layout)
	return workflow.PlanOutput{Dataset: ds, PlanKey: key, ResultPrefix: workflow.DatasetMapResultPrefix(run.Dataset)}, nil
}

// checkDataset checks the dataset context plan returned.
func checkDataset(ds workflow.DatasetContext) error {
	switch {
	case !workflow.ValidName(ds.Name):
		return invalid(`dataset "name" %q: want 1 to 80 characters from A-Z a-z 0-9 . _ -`, ds.Name)
	case ds.Bucket == "":
		return invalid(`dataset "bucket" is empty`)
	case ds.ShardSize < 1:
		return invalid(`dataset "shardSize" = %d: want 1 or more`, ds.ShardSize)
	case ds.Layout != workflow.LayoutSharded && ds.Layout != workflow.LayoutPerLoan:
		return invalid(`dataset "layout" = %q: want %q or %q`, ds.Layout, workflow.LayoutSharded, workflow.LayoutPerLoan)
	case ds.Seed < 0:
		return invalid(`dataset "seed" = %d: want 0 or more`, ds.Seed)
	}
	return nil
}

// generate writes the loans of its shards and, last for each shard, the
// shard's manifest part (workflow.OpGenerate). Loan i is a pure function of
// the dataset seed and i, so a retried shard rewrites the same bytes; a
// shard whose part exists is complete and skipped.
func (o *ops) generate(ctx context.Context, in workflow.GenerateInput) (workflow.GenerateOutput, error) {
	ds := in.BatchInput.Dataset
	if err := checkDataset(ds); err != nil {
		return workflow.GenerateOutput{}, err
	}
	var opts []portfolio.Option
	if o.deps.Corrupt > 0 {
		opts = append(opts, portfolio.Corrupt(o.deps.Corrupt))
	}
	gen, err := portfolio.New(uint64(ds.Seed), opts...)
	if err != nil {
		return workflow.GenerateOutput{}, invalid("generate: %v", err)
	}
	var out workflow.GenerateOutput
	for _, sh := range in.Items {
		if sh.Loans < 1 || sh.FirstLoan < 0 || sh.Shard < 0 {
			return workflow.GenerateOutput{}, invalid("shard %d: firstLoan %d, loans %d: want a shard of 1 or more loans", sh.Shard, sh.FirstLoan, sh.Loans)
		}
		if err := ctxErr(ctx); err != nil {
			return workflow.GenerateOutput{}, err
		}
		partKey := workflow.ManifestPartKey(ds.Name, sh.Shard)
		var rows [][]string
		var bytesWritten int64
		if done, err := o.deps.Store.GetBytes(ctx, ds.Bucket, partKey); err == nil {
			rows, err = csv.NewReader(bytes.NewReader(done)).ReadAll()
			if err == nil && len(rows) > 1 {
				o.log.InfoContext(ctx, "shard already generated", "dataset", ds.Name, "shard", sh.Shard)
				out.Shards++
				out.Loans += sh.Loans
				out.Objects += int64(len(rows) - 1)
				continue
			}
		} else if !errorsIsNotFound(err) {
			return workflow.GenerateOutput{}, s3Err(ctx, err, "read manifest part s3://%s/%s", ds.Bucket, partKey)
		}
		if ds.Layout == workflow.LayoutSharded {
			rows, bytesWritten, err = o.writeShard(ctx, gen, ds, sh)
		} else {
			rows, bytesWritten, err = o.writePerLoan(ctx, ds, sh, opts)
		}
		if err != nil {
			return workflow.GenerateOutput{}, err
		}
		var part bytes.Buffer
		w := csv.NewWriter(&part)
		_ = w.Write(workflow.ManifestCSVHeader)
		_ = w.WriteAll(rows)
		if err := o.deps.Store.PutBytes(ctx, ds.Bucket, partKey, part.Bytes(), "text/csv"); err != nil {
			return workflow.GenerateOutput{}, s3Err(ctx, err, "write manifest part s3://%s/%s", ds.Bucket, partKey)
		}
		out.Shards++
		out.Loans += sh.Loans
		out.Objects += int64(len(rows))
		out.Bytes += bytesWritten
	}
	o.log.InfoContext(ctx, "generated shards", "dataset", ds.Name, "shards", out.Shards, "loans", out.Loans, "objects", out.Objects)
	return out, nil
}

// writeShard writes one JSON Lines object for the shard.
func (o *ops) writeShard(ctx context.Context, gen *portfolio.Generator, ds workflow.DatasetContext, sh workflow.PlanShard) ([][]string, int64, error) {
	var buf bytes.Buffer
	start := uint64(sh.FirstLoan)
	if _, err := gen.WriteJSONL(ctx, &buf, start, start+uint64(sh.Loans)); err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		return nil, 0, fmt.Errorf("generate shard %d: %w", sh.Shard, err)
	}
	key := workflow.ShardKey(ds.Name, sh.Shard)
	if err := o.deps.Store.Put(ctx, ds.Bucket, key, bytes.NewReader(buf.Bytes()), "application/x-ndjson"); err != nil {
		return nil, 0, s3Err(ctx, err, "write shard s3://%s/%s", ds.Bucket, key)
	}
	row := []string{ds.Bucket, key, strconv.Itoa(buf.Len()), strconv.FormatInt(sh.Loans, 10)}
	return [][]string{row}, int64(buf.Len()), nil
}

// writePerLoan writes one JSON object per loan of the shard, S3Concurrency
// PUTs at a time (one generator per goroutine: a Generator is not safe
// for concurrent use).
func (o *ops) writePerLoan(ctx context.Context, ds workflow.DatasetContext, sh workflow.PlanShard, opts []portfolio.Option) ([][]string, int64, error) {
	rows := make([][]string, sh.Loans)
	var total atomic.Int64
	next := atomic.Int64{}
	g, gctx := errgroup.WithContext(ctx)
	for range o.deps.S3Concurrency {
		g.Go(func() error {
			gen, err := portfolio.New(uint64(ds.Seed), opts...)
			if err != nil {
				return err
			}
			var buf []byte
			for {
				j := next.Add(1) - 1
				if j >= sh.Loans || gctx.Err() != nil {
					return ctxErr(gctx)
				}
				i := uint64(sh.FirstLoan + j)
				buf = gen.AppendJSON(buf[:0], i)
				key := workflow.LoanKey(ds.Name, gen.ID(i))
				if err := o.deps.Store.PutBytes(gctx, ds.Bucket, key, buf, "application/json"); err != nil {
					return s3Err(gctx, err, "write loan s3://%s/%s", ds.Bucket, key)
				}
				rows[j] = []string{ds.Bucket, key, strconv.Itoa(len(buf)), "1"}
				total.Add(int64(len(buf)))
			}
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		return nil, 0, err
	}
	return rows, total.Load(), nil
}
