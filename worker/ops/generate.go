package ops

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/portfolio"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
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

// inventoryRowsPerFile splits the S3 Inventory data files, as S3 does for
// large buckets, so the MANIFEST reader's multi-file path is exercised.
const inventoryRowsPerFile = 100_000

// manifest joins the shards' manifest parts into the dataset's CSV
// manifest, its S3 Inventory form and its summary (workflow.OpManifest),
// after checking that every planned shard wrote its part.
func (o *ops) manifest(ctx context.Context, in workflow.ManifestInput) (workflow.ManifestOutput, error) {
	ds := in.Dataset
	if err := checkDataset(ds); err != nil {
		return workflow.ManifestOutput{}, err
	}
	if ds.Shards < 1 {
		return workflow.ManifestOutput{}, invalid(`dataset "shards" = %d: want 1 or more`, ds.Shards)
	}
	keys := make([]string, ds.Shards)
	for s := range ds.Shards {
		keys[s] = workflow.ManifestPartKey(ds.Name, s)
	}
	parts := make([][][]string, ds.Shards)
	var missing []int64
	var mu sync.Mutex
	// Existence first, so every missing shard is named, not just the first.
	err := o.deps.Store.List(ctx, ds.Bucket, workflow.DatasetPrefix(ds.Name)+"parts/", func(obj store.Object) error {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := partShard(ds.Name, obj.Key); ok && s < ds.Shards {
			parts[s] = [][]string{} // present
		}
		return nil
	})
	if err != nil {
		return workflow.ManifestOutput{}, s3Err(ctx, err, "list manifest parts of dataset %s", ds.Name)
	}
	for s := range ds.Shards {
		if parts[s] == nil {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, min(len(missing), maxProblems))
		for _, s := range missing[:min(len(missing), maxProblems)] {
			names = append(names, strconv.FormatInt(s, 10))
		}
		more := ""
		if len(missing) > maxProblems {
			more = fmt.Sprintf(" and %d more", len(missing)-maxProblems)
		}
		return workflow.ManifestOutput{}, activity.Errorf(activity.DatasetIncomplete, "dataset %s: %d of %d planned shards have no manifest part (%s): shard %s%s",
			ds.Name, len(missing), ds.Shards, workflow.DatasetPrefix(ds.Name)+"parts/", strings.Join(names, ", "), more)
	}
	err = o.deps.Store.GetMany(ctx, ds.Bucket, keys, o.deps.S3Concurrency, func(ctx context.Context, i int, body io.Reader) error {
		rows, err := csv.NewReader(body).ReadAll()
		if err != nil {
			return &readError{invalid("manifest part s3://%s/%s: %v", ds.Bucket, keys[i], err)}
		}
		if len(rows) < 2 {
			return &readError{activity.Errorf(activity.DatasetIncomplete, "manifest part s3://%s/%s lists no object", ds.Bucket, keys[i])}
		}
		parts[i] = rows[1:]
		return nil
	})
	if err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return workflow.ManifestOutput{}, rerr.err
		}
		return workflow.ManifestOutput{}, s3Err(ctx, err, "read manifest parts of dataset %s", ds.Name)
	}

	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	_ = cw.Write(workflow.ManifestCSVHeader)
	var objects, loans int64
	var files []workflow.InventoryFile
	var inv *inventoryWriter
	flush := func() error {
		if inv == nil {
			return nil
		}
		body, err := inv.close()
		if err != nil {
			return err
		}
		key := workflow.InventoryDataKey(ds.Name, len(files))
		if err := o.deps.Store.PutBytes(ctx, ds.Bucket, key, body, "application/gzip"); err != nil {
			return s3Err(ctx, err, "write inventory file s3://%s/%s", ds.Bucket, key)
		}
		sum := md5.Sum(body)
		files = append(files, workflow.InventoryFile{Key: key, Size: int64(len(body)), MD5Checksum: hex.EncodeToString(sum[:])})
		inv = nil
		return nil
	}
	for s, rows := range parts {
		for _, r := range rows {
			if len(r) != len(workflow.ManifestCSVHeader) {
				return workflow.ManifestOutput{}, invalid("manifest part of shard %d: row %q: want %d columns", s, r, len(workflow.ManifestCSVHeader))
			}
			n, err := strconv.ParseInt(r[3], 10, 64)
			if err != nil {
				return workflow.ManifestOutput{}, invalid("manifest part of shard %d: Loans %q: %v", s, r[3], err)
			}
			loans += n
			objects++
			_ = cw.Write(r)
			if inv == nil {
				inv = newInventoryWriter()
			}
			// S3 Inventory URL-encodes keys.
			inv.write([]string{r[0], url.QueryEscape(r[1]), r[2]})
			if inv.rows == inventoryRowsPerFile {
				if err := flush(); err != nil {
					return workflow.ManifestOutput{}, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return workflow.ManifestOutput{}, err
	}
	cw.Flush()
	if loans != ds.Loans {
		return workflow.ManifestOutput{}, activity.Errorf(activity.DatasetIncomplete, "dataset %s: the manifest parts list %d loans, the plan %d", ds.Name, loans, ds.Loans)
	}
	now := o.deps.Now().UTC()
	im := workflow.InventoryManifest{
		SourceBucket: ds.Bucket, DestinationBucket: "arn:aws:s3:::" + ds.Bucket, Version: workflow.InventoryVersion,
		CreationTimestamp: strconv.FormatInt(now.UnixMilli(), 10), FileFormat: "CSV", FileSchema: workflow.InventoryFileSchema, Files: files,
	}
	imBody, err := json.MarshalIndent(im, "", "  ")
	if err != nil {
		return workflow.ManifestOutput{}, fmt.Errorf("manifest: encode inventory: %w", err)
	}
	summary, err := json.MarshalIndent(workflow.DatasetSummary{Dataset: ds, Objects: objects, Created: now.Format("2006-01-02T15:04:05Z07:00")}, "", "  ")
	if err != nil {
		return workflow.ManifestOutput{}, fmt.Errorf("manifest: encode summary: %w", err)
	}
	for _, w := range []struct {
		key, ctype string
		body       []byte
	}{
		{workflow.ManifestKey(ds.Name), "text/csv", csvBuf.Bytes()},
		{workflow.InventoryManifestKey(ds.Name), "application/json", imBody},
		{workflow.DatasetSummaryKey(ds.Name), "application/json", summary},
	} {
		if err := o.deps.Store.PutBytes(ctx, ds.Bucket, w.key, w.body, w.ctype); err != nil {
			return workflow.ManifestOutput{}, s3Err(ctx, err, "write s3://%s/%s", ds.Bucket, w.key)
		}
	}
	o.log.InfoContext(ctx, "wrote dataset manifest", "dataset", ds.Name, "objects", objects, "loans", loans, "inventoryFiles", len(files))
	return workflow.ManifestOutput{Dataset: ds.Name, ManifestKey: workflow.ManifestKey(ds.Name), InventoryManifestKey: workflow.InventoryManifestKey(ds.Name),
		SummaryKey: workflow.DatasetSummaryKey(ds.Name), Objects: objects, Loans: loans}, nil
}

// partShard parses the shard number of a manifest part key.
func partShard(dataset, key string) (int64, bool) {
	rest, ok := strings.CutPrefix(key, workflow.DatasetPrefix(dataset)+"parts/shard-")
	if !ok {
		return 0, false
	}
	rest, ok = strings.CutSuffix(rest, ".csv")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n >= 0
}

// inventoryWriter builds one gzipped CSV data file (no header row).
type inventoryWriter struct {
	buf  bytes.Buffer
	gz   *gzip.Writer
	cw   *csv.Writer
	rows int
}

func newInventoryWriter() *inventoryWriter {
	w := &inventoryWriter{}
	w.gz = gzip.NewWriter(&w.buf)
	w.cw = csv.NewWriter(w.gz)
	return w
}

func (w *inventoryWriter) write(row []string) {
	_ = w.cw.Write(row)
	w.rows++
}

func (w *inventoryWriter) close() ([]byte, error) {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return nil, fmt.Errorf("manifest: inventory file: %w", err)
	}
	if err := w.gz.Close(); err != nil {
		return nil, fmt.Errorf("manifest: inventory file: %w", err)
	}
	return w.buf.Bytes(), nil
}
