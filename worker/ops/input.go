package ops

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/internal/jsonstrict"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// decodeSimulateInput decodes a simulate task input with
// jsonstrict.Decode: its keys exactly as documented, none twice, none
// unknown, except inside an item (workflow.InputItem), which carries
// whatever columns its reader gives (listObjectsV2: Etag, LastModified,
// StorageClass; a user's inventory: more) but may not repeat Bucket, Key,
// Size or Loans in another case.
func decodeSimulateInput(input []byte) (workflow.SimulateInput, error) {
	var in workflow.SimulateInput
	if err := jsonstrict.Decode(input, &in, jsonstrict.AllowUnknownIn(workflow.InputItem{})); err != nil {
		return workflow.SimulateInput{}, invalid("decode simulate input: %w", err)
	}
	return in, nil
}

// Object formats, by key suffix (workflow.InputItem, loan.FormatOf: each
// may end in .gz too).
const (
	formatJSONL = string(loan.FormatJSONL)
	formatJSON  = string(loan.FormatJSON)
	formatCSV   = string(loan.FormatCSV)
)

// formatOf returns the loan format of an object key, or "" when the key
// names no loan object (such an object is rejected into the errors file).
func formatOf(key string) string { return string(loan.FormatOf(key)) }

// inputObject is one object of a run's input, as its listing gives it.
type inputObject struct {
	Bucket, Key string // Key decoded (inventory keys are URL-encoded)
	Size        int64
	Loans       int64 // -1 when the listing does not say
}

// errStopInput ends walkInput early without an error.
var errStopInput = errors.New("ops: stop walking the input")

// walkInput calls fn for every object of the input src, in listing order:
// the rows of our CSV manifest, the rows of an S3 Inventory's data files,
// or the objects under a prefix. fn may return errStopInput.
func (o *ops) walkInput(ctx context.Context, src workflow.InputSource, fn func(inputObject) error) error {
	err := o.walkInputInner(ctx, src, fn)
	if errors.Is(err, errStopInput) {
		return nil
	}
	return err
}

func (o *ops) walkInputInner(ctx context.Context, src workflow.InputSource, fn func(inputObject) error) error {
	switch src.Kind {
	case workflow.InputKindPrefix:
		err := o.deps.Store.List(ctx, src.Bucket, src.Prefix, func(obj store.Object) error {
			if strings.HasSuffix(obj.Key, "/") { // a console "folder", not an object
				return nil
			}
			if err := fn(inputObject{Bucket: src.Bucket, Key: obj.Key, Size: obj.Size, Loans: -1}); err != nil {
				if errors.Is(err, errStopInput) {
					return store.StopList
				}
				return err
			}
			return nil
		})
		if err != nil {
			return s3Err(ctx, err, "list input s3://%s/%s", src.Bucket, src.Prefix)
		}
		return nil
	case workflow.InputKindCSV:
		body, err := o.deps.Store.Get(ctx, src.Bucket, src.Key)
		if err != nil {
			return s3Err(ctx, err, "read manifest s3://%s/%s", src.Bucket, src.Key)
		}
		defer body.Close()
		return walkManifestCSV(body, src, fn)
	case workflow.InputKindInventory:
		return o.walkInventory(ctx, src, fn)
	}
	return invalid("input kind %q: want %s", src.Kind, strings.Join(workflow.InputKinds, ", "))
}

// walkManifestCSV reads our CSV manifest (workflow.ManifestCSVHeader; a
// user's may omit Bucket, Size and Loans, and order the columns freely).
func walkManifestCSV(r io.Reader, src workflow.InputSource, fn func(inputObject) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return invalid("manifest s3://%s/%s: no header row: %v", src.Bucket, src.Key, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	ki, ok := col["Key"]
	if !ok {
		return invalid("manifest s3://%s/%s: header %q has no Key column (want %s)", src.Bucket, src.Key, strings.Join(header, ","), strings.Join(workflow.ManifestCSVHeader, ","))
	}
	field := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return invalid("manifest s3://%s/%s: %v", src.Bucket, src.Key, err)
			}
			return streamErr(err, "read manifest s3://%s/%s", src.Bucket, src.Key)
		}
		if ki >= len(row) || row[ki] == "" {
			return invalid("manifest s3://%s/%s line %d: empty Key", src.Bucket, src.Key, line)
		}
		obj := inputObject{Bucket: field(row, "Bucket"), Key: row[ki], Loans: -1}
		if obj.Bucket == "" {
			obj.Bucket = src.Bucket
		}
		if s := field(row, "Size"); s != "" {
			obj.Size, _ = strconv.ParseInt(s, 10, 64)
		}
		if s := field(row, "Loans"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return invalid("manifest s3://%s/%s line %d: Loans %q: want a whole number", src.Bucket, src.Key, line, s)
			}
			obj.Loans = n
		}
		if err := fn(obj); err != nil {
			return err
		}
	}
}

// walkInventory reads an S3 Inventory manifest.json and its gzipped CSV
// data files (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html:
// fileSchema names the columns; object keys are URL-encoded).
func (o *ops) walkInventory(ctx context.Context, src workflow.InputSource, fn func(inputObject) error) error {
	b, err := o.deps.Store.GetBytes(ctx, src.Bucket, src.Key)
	if err != nil {
		return s3Err(ctx, err, "read inventory manifest s3://%s/%s", src.Bucket, src.Key)
	}
	var m workflow.InventoryManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return invalid("inventory manifest s3://%s/%s: %v", src.Bucket, src.Key, err)
	}
	if !strings.EqualFold(m.FileFormat, "CSV") {
		return invalid("inventory manifest s3://%s/%s: fileFormat %q: want CSV", src.Bucket, src.Key, m.FileFormat)
	}
	col := map[string]int{}
	for i, c := range strings.Split(m.FileSchema, ",") {
		col[strings.TrimSpace(c)] = i
	}
	bi, okB := col["Bucket"]
	ki, okK := col["Key"]
	si, okS := col["Size"]
	if !okB || !okK {
		return invalid("inventory manifest s3://%s/%s: fileSchema %q lacks Bucket or Key", src.Bucket, src.Key, m.FileSchema)
	}
	dataBucket := strings.TrimPrefix(m.DestinationBucket, "arn:aws:s3:::")
	if dataBucket == "" {
		dataBucket = src.Bucket
	}
	for _, f := range m.Files {
		if err := o.walkInventoryFile(ctx, dataBucket, f.Key, func(row []string) error {
			if bi >= len(row) || ki >= len(row) {
				return invalid("inventory file s3://%s/%s: row of %d columns, schema %q", dataBucket, f.Key, len(row), m.FileSchema)
			}
			key, err := url.QueryUnescape(row[ki])
			if err != nil {
				return invalid("inventory file s3://%s/%s: key %q is not URL-encoded: %v", dataBucket, f.Key, row[ki], err)
			}
			obj := inputObject{Bucket: row[bi], Key: key, Loans: -1}
			if okS && si < len(row) {
				obj.Size, _ = strconv.ParseInt(row[si], 10, 64)
			}
			return fn(obj)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (o *ops) walkInventoryFile(ctx context.Context, bucket, key string, fn func([]string) error) error {
	body, err := o.deps.Store.Get(ctx, bucket, key)
	if err != nil {
		return s3Err(ctx, err, "read inventory file s3://%s/%s", bucket, key)
	}
	defer body.Close()
	var r io.Reader = body
	if strings.HasSuffix(key, ".gz") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return invalid("inventory file s3://%s/%s: %v", bucket, key, err)
		}
		defer zr.Close()
		r = zr
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return streamErr(err, "read inventory file s3://%s/%s", bucket, key)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

// streamErr names a failed read of a stream S3 had started to send.
func streamErr(err error, format string, args ...any) error {
	return s3Err(context.Background(), &store.Error{Op: "get", Err: err}, format, args...)
}

// estimateSampleBytes is how much of the first object prepare reads to
// estimate the loans per object of an input that does not say.
const estimateSampleBytes = 4 << 20

// estimateLoans estimates how many loans obj holds from its first bytes:
// one for a .json object, the line count (less a CSV header) otherwise,
// extrapolated by size when the object is larger than the sample.
func (o *ops) estimateLoans(ctx context.Context, obj inputObject) (int64, error) {
	f := formatOf(obj.Key)
	if f == formatJSON || f == "" {
		return 1, nil
	}
	if f == string(loan.FormatParquet) || strings.HasSuffix(obj.Key, ".gz") {
		// Compressed: lines cannot be counted from the bytes; about 64
		// compressed bytes a loan is a generous guess for batch sizing.
		return max(obj.Size/64, 1), nil
	}
	body, err := o.deps.Store.Get(ctx, obj.Bucket, obj.Key)
	if err != nil {
		return 0, s3Err(ctx, err, "read input object s3://%s/%s", obj.Bucket, obj.Key)
	}
	defer body.Close()
	buf, err := io.ReadAll(io.LimitReader(body, estimateSampleBytes+1))
	if err != nil {
		return 0, s3Err(ctx, &store.Error{Op: "get", Err: err}, "read input object s3://%s/%s", obj.Bucket, obj.Key)
	}
	complete := len(buf) <= estimateSampleBytes
	lines := int64(bytes.Count(buf, []byte("\n")))
	if complete && len(buf) > 0 && buf[len(buf)-1] != '\n' {
		lines++
	}
	if f == formatCSV {
		lines-- // header
	}
	if !complete && obj.Size > int64(len(buf)) && len(buf) > 0 {
		lines = (lines*obj.Size + int64(len(buf)) - 1) / int64(len(buf))
	}
	return max(lines, 1), nil
}

// describeInput names an input source for messages.
func describeInput(src workflow.InputSource) string {
	if src.Kind == workflow.InputKindPrefix {
		return fmt.Sprintf("prefix s3://%s/%s", src.Bucket, src.Prefix)
	}
	return fmt.Sprintf("%s s3://%s/%s", src.Kind, src.Bucket, src.Key)
}
