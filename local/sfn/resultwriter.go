package sfnlocal

import (
	"context"
	"fmt"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// collectResults returns the children's outputs in batch order, shaped by
// WriterConfig's Transformation when there is one. A failed child, when
// tolerated, gives its {"Error", "Cause"}; under a WriterConfig it gives its
// whole record, whatever the Transformation ("If a child workflow execution
// fails, Step Functions returns its execution result unchanged. The results
// would be equivalent to having set Transformation to NONE",
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
func (r *runner) collectResults(mr *mapRun, w *asl.ResultWriter) any {
	transformation := "COMPACT"
	configured := w != nil && w.WriterConfig != nil
	if configured && w.WriterConfig.Transformation != "" {
		transformation = w.WriterConfig.Transformation
	}
	out := []any{}
	for i := range mr.batches {
		ch := mr.child(i)
		if ch == nil {
			continue
		}
		rec := childRecord(ch)
		failed := rec["Status"] != StatusSucceeded
		switch {
		case transformation == "NONE" || (failed && configured):
			out = append(out, rec)
		case failed:
			out = append(out, map[string]any{"Error": rec["Error"], "Cause": rec["Cause"]})
		default:
			v, _ := paths.DecodeString(rec["Output"].(string))
			if arr, ok := v.([]any); ok && transformation == "FLATTEN" {
				out = append(out, arr...)
			} else {
				out = append(out, v)
			}
		}
	}
	return out
}

// childRecord is a child execution as ResultWriter exports it.
func childRecord(ch *execution) map[string]any {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	status, reason := ch.redriveStatusLocked()
	rec := map[string]any{
		"ExecutionArn": ch.arn, "Name": ch.name, "StateMachineArn": ch.smArn, "Status": ch.status,
		"Input": ch.input, "InputDetails": map[string]any{"Included": true},
		"StartDate": rfc3339(ch.start), "RedriveCount": int64(ch.redriveCount),
		"RedriveStatus": status, "RedriveStatusReason": reason,
	}
	if !ch.stop.IsZero() {
		rec["StopDate"] = rfc3339(ch.stop)
	}
	if ch.output != nil {
		rec["Output"] = *ch.output
		rec["OutputDetails"] = map[string]any{"Included": true}
	}
	if ch.errName != "" || ch.status == StatusFailed || ch.status == StatusTimedOut {
		rec["Error"] = ch.errName
		rec["Cause"] = ch.cause
	}
	return rec
}

// maxResultFileBytes splits result files; the service splits at 5 GB, the
// emulator earlier to bound memory.
const maxResultFileBytes = 64 << 20

// writeResults exports the children's records to S3 as the service does:
// <Prefix>/<map run id>/SUCCEEDED_<n>.json and FAILED_<n>.json (timed out
// and aborted children included), plus a manifest.json listing them, and
// returns {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
func (r *runner) writeResults(ctx context.Context, mr *mapRun, w *asl.ResultWriter, eff, co any) (any, *paths.Error) {
	fail := func(format string, args ...any) *paths.Error {
		return paths.Errorf(errNameResultWriterFailed, format, args...)
	}
	if w.Resource != "arn:aws:states:::s3:putObject" {
		return nil, fail("ResultWriter Resource %q is not supported; use arn:aws:states:::s3:putObject", w.Resource)
	}
	if r.s.opts.S3 == nil {
		return nil, fail("no S3 endpoint is configured in the local Step Functions (Options.S3)")
	}
	params, err := template(w.Parameters, eff, co)
	if err != nil {
		return nil, err
	}
	args, _ := params.(map[string]any)
	bucket, _ := args["Bucket"].(string)
	prefix, _ := args["Prefix"].(string)
	if bucket == "" {
		return nil, fail("ResultWriter Parameters must give a Bucket")
	}
	base := mr.id
	if prefix != "" {
		base = strings.TrimSuffix(prefix, "/") + "/" + mr.id
	}
	jsonl := w.WriterConfig != nil && w.WriterConfig.OutputType == "JSONL"
	transformation := "NONE"
	if w.WriterConfig != nil && w.WriterConfig.Transformation != "" {
		transformation = w.WriterConfig.Transformation
	}
	groups := map[string][]any{"SUCCEEDED": nil, "FAILED": nil}
	groupItems := map[string]int64{}
	for i := range mr.batches {
		ch := mr.child(i)
		if ch == nil {
			continue
		}
		rec := childRecord(ch)
		g := "FAILED"
		if rec["Status"] == StatusSucceeded {
			g = "SUCCEEDED"
			if transformation != "NONE" {
				v, _ := paths.DecodeString(rec["Output"].(string))
				if arr, ok := v.([]any); ok && transformation == "FLATTEN" {
					groups[g] = append(groups[g], arr...)
					groupItems[g] += int64(mr.batchSizes[i])
					continue
				}
				groups[g] = append(groups[g], v)
				groupItems[g] += int64(mr.batchSizes[i])
				continue
			}
		}
		groups[g] = append(groups[g], rec)
		groupItems[g] += int64(mr.batchSizes[i])
	}
	files := map[string][]any{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}
	var written int64
	for _, g := range []string{"SUCCEEDED", "FAILED"} {
		for n, body := range encodeResultFiles(groups[g], jsonl) {
			ext := ".json"
			if jsonl {
				ext = ".jsonl"
			}
			key := fmt.Sprintf("%s/%s_%d%s", base, g, n, ext)
			if err := r.s.opts.S3.PutObject(ctx, bucket, key, body); err != nil {
				return nil, fail("write s3://%s/%s: %v", bucket, key, err)
			}
			files[g] = append(files[g], map[string]any{"Key": key, "Size": int64(len(body))})
		}
		written += int64(len(groups[g]))
	}
	manifest := map[string]any{"DestinationBucket": bucket, "MapRunArn": mr.arn, "ResultFiles": files}
	key := base + "/manifest.json"
	if err := r.s.opts.S3.PutObject(ctx, bucket, key, []byte(paths.MustMarshal(manifest))); err != nil {
		return nil, fail("write s3://%s/%s: %v", bucket, key, err)
	}
	mr.mu.Lock()
	mr.resultsWritten = [2]int64{written, groupItems["SUCCEEDED"] + groupItems["FAILED"]}
	mr.mu.Unlock()
	return map[string]any{"MapRunArn": mr.arn, "ResultWriterDetails": map[string]any{"Bucket": bucket, "Key": key}}, nil
}

// encodeResultFiles renders records as JSON arrays (or JSON Lines), split
// into files of at most maxResultFileBytes. No records give no file.
func encodeResultFiles(recs []any, jsonl bool) [][]byte {
	var files [][]byte
	var cur []byte
	count := 0
	flush := func() {
		if count == 0 {
			return
		}
		if !jsonl {
			cur = append(cur, ']')
		}
		files = append(files, cur)
		cur, count = nil, 0
	}
	for _, rec := range recs {
		b := []byte(paths.MustMarshal(rec))
		if count > 0 && len(cur)+len(b) > maxResultFileBytes {
			flush()
		}
		switch {
		case jsonl:
			cur = append(append(cur, b...), '\n')
		case count == 0:
			cur = append(append(cur, '['), b...)
		default:
			cur = append(append(cur, ','), b...)
		}
		count++
	}
	flush()
	return files
}
