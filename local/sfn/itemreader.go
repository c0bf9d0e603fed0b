package sfnlocal

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// readItems reads a Distributed Map's items from S3 as its ItemReader says
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html):
//
//   - s3:getObject with InputType CSV: one object per row, keyed by the
//     header (FIRST_ROW, or CSVHeaders when GIVEN), values as strings;
//   - JSON: the object is a JSON array of items; JSONL: one item per line;
//   - MANIFEST: an S3 Inventory manifest.json whose gzipped CSV data files
//     (columns per fileSchema) give one object per row, e.g. {"Bucket",
//     "Key", "Size", "LastModifiedDate"}, all values strings;
//   - s3:listObjectsV2: one {"Key", "Etag", "LastModified" (epoch
//     seconds), "Size", "StorageClass"} per object under Prefix.
//
// ReaderConfig MaxItems (or MaxItemsPath) keeps the first N items. Any
// failure is States.ItemReaderFailed.
func (r *runner) readItems(ctx context.Context, rd *asl.ItemReader, eff, co any) ([]any, *paths.Error) {
	fail := func(format string, args ...any) *paths.Error {
		return paths.Errorf(errNameItemReaderFailed, format, args...)
	}
	if r.s.opts.S3 == nil {
		return nil, fail("no S3 endpoint is configured in the local Step Functions (Options.S3)")
	}
	params := any(map[string]any{})
	if rd.Parameters != nil {
		var err *paths.Error
		if params, err = template(rd.Parameters, eff, co); err != nil {
			return nil, err
		}
	}
	args, _ := params.(map[string]any)
	bucket, _ := args["Bucket"].(string)
	if bucket == "" {
		return nil, fail("ItemReader Parameters must give a Bucket")
	}
	cfg := rd.ReaderConfig
	if cfg == nil {
		cfg = &asl.ReaderConfig{}
	}
	maxItems, _, perr := intField("MaxItems", cfg.MaxItems, cfg.MaxItemsPath, eff, co)
	if perr != nil {
		return nil, perr
	}
	var items []any
	var err error
	switch rd.Resource {
	case "arn:aws:states:::s3:listObjectsV2":
		prefix, _ := args["Prefix"].(string)
		items, err = r.listObjects(ctx, bucket, prefix, maxItems)
	case "arn:aws:states:::s3:getObject":
		key, _ := args["Key"].(string)
		if key == "" {
			return nil, fail("ItemReader Parameters must give a Key for s3:getObject")
		}
		switch cfg.InputType {
		case asl.InputCSV:
			items, err = r.readObject(ctx, bucket, key, false, func(rd io.Reader) ([]any, error) { return readCSV(rd, cfg, nil, maxItems) })
		case asl.InputJSON:
			items, err = r.readObject(ctx, bucket, key, false, func(rd io.Reader) ([]any, error) { return readJSONArray(rd) })
		case asl.InputJSONL:
			items, err = r.readObject(ctx, bucket, key, false, func(rd io.Reader) ([]any, error) { return readJSONL(rd, maxItems) })
		case asl.InputManifest:
			items, err = r.readManifest(ctx, bucket, key, maxItems)
		default:
			return nil, fail("ReaderConfig InputType %q is not supported by the local Step Functions (CSV, JSON, JSONL, MANIFEST)", cfg.InputType)
		}
	default:
		return nil, fail("ItemReader Resource %q is not supported; use arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2", rd.Resource)
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	if maxItems > 0 && len(items) > maxItems {
		items = items[:maxItems]
	}
	return items, nil
}

func (r *runner) readObject(ctx context.Context, bucket, key string, gz bool, parse func(io.Reader) ([]any, error)) ([]any, error) {
	body, err := r.s.opts.S3.GetObject(ctx, bucket, key)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	defer body.Close()
	var in io.Reader = body
	if gz {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
		}
		defer zr.Close()
		in = zr
	}
	items, err := parse(in)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return items, nil
}

var csvDelimiters = map[string]rune{"": ',', "COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "SPACE": ' ', "TAB": '\t'}

// readCSV reads rows as objects of strings. header overrides the
// configuration (MANIFEST data files carry no header row).
func readCSV(rd io.Reader, cfg *asl.ReaderConfig, header []string, maxItems int) ([]any, error) {
	cr := csv.NewReader(rd)
	delim, ok := csvDelimiters[cfg.CSVDelimiter]
	if !ok {
		return nil, fmt.Errorf("CSVDelimiter %q is not one of COMMA, PIPE, SEMICOLON, SPACE, TAB", cfg.CSVDelimiter)
	}
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	if header == nil {
		if cfg.CSVHeaderLocation == asl.CSVHeaderGiven {
			header = cfg.CSVHeaders
		} else {
			h, err := cr.Read()
			if err != nil {
				return nil, fmt.Errorf("read the CSV header row: %w", err)
			}
			header = h
		}
	}
	items := []any{}
	for maxItems <= 0 || len(items) < maxItems {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		if len(rec) != len(header) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("CSV line %d has %d fields, the header %d", line, len(rec), len(header))
		}
		item := make(map[string]any, len(header))
		for i, h := range header {
			item[h] = rec[i]
		}
		items = append(items, item)
	}
	return items, nil
}

func readJSONArray(rd io.Reader) ([]any, error) {
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	v, err := paths.Decode(b)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("InputType JSON needs a JSON array, got a %s", paths.TypeName(v))
	}
	return items, nil
}

func readJSONL(rd io.Reader, maxItems int) ([]any, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	items := []any{}
	line := 0
	for sc.Scan() && (maxItems <= 0 || len(items) < maxItems) {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		v, err := paths.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("JSONL line %d: %w", line, err)
		}
		items = append(items, v)
	}
	return items, sc.Err()
}

// readManifest follows an S3 Inventory manifest.json to its data files.
func (r *runner) readManifest(ctx context.Context, bucket, key string, maxItems int) ([]any, error) {
	docs, err := r.readObject(ctx, bucket, key, false, func(rd io.Reader) ([]any, error) {
		b, err := io.ReadAll(rd)
		if err != nil {
			return nil, err
		}
		v, err := paths.Decode(b)
		return []any{v}, err
	})
	if err != nil {
		return nil, err
	}
	m, ok := docs[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("manifest s3://%s/%s is not a JSON object", bucket, key)
	}
	if f, _ := m["fileFormat"].(string); f != "CSV" {
		return nil, fmt.Errorf("manifest s3://%s/%s: fileFormat %q is not supported (CSV only)", bucket, key, f)
	}
	schema, _ := m["fileSchema"].(string)
	var header []string
	for _, c := range strings.Split(schema, ",") {
		header = append(header, strings.TrimSpace(c))
	}
	if schema == "" {
		return nil, fmt.Errorf("manifest s3://%s/%s has no fileSchema", bucket, key)
	}
	dataBucket, _ := m["destinationBucket"].(string)
	dataBucket = strings.TrimPrefix(dataBucket, "arn:aws:s3:::")
	if dataBucket == "" {
		dataBucket = bucket
	}
	files, _ := m["files"].([]any)
	items := []any{}
	for _, f := range files {
		fm, _ := f.(map[string]any)
		fkey, _ := fm["key"].(string)
		if fkey == "" {
			return nil, fmt.Errorf("manifest s3://%s/%s lists a file without a key", bucket, key)
		}
		left := 0
		if maxItems > 0 {
			left = maxItems - len(items)
			if left <= 0 {
				break
			}
		}
		got, err := r.readObject(ctx, dataBucket, fkey, strings.HasSuffix(fkey, ".gz"), func(rd io.Reader) ([]any, error) {
			return readCSV(rd, &asl.ReaderConfig{}, header, left)
		})
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return items, nil
}

func (r *runner) listObjects(ctx context.Context, bucket, prefix string, maxItems int) ([]any, error) {
	items := []any{}
	token := ""
	for {
		page, err := r.s.opts.S3.ListObjectsV2(ctx, bucket, prefix, token)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			items = append(items, map[string]any{
				"Key": o.Key, "Etag": o.ETag, "LastModified": o.LastModified.Unix(),
				"Size": o.Size, "StorageClass": o.StorageClass,
			})
			if maxItems > 0 && len(items) >= maxItems {
				return items, nil
			}
		}
		if page.NextContinuationToken == "" {
			return items, nil
		}
		token = page.NextContinuationToken
	}
}
