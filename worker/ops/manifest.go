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

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

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
