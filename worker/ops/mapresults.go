package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// mapResultManifest is the ResultWriter's manifest.json
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
type mapResultManifest struct {
	DestinationBucket string `json:"DestinationBucket"`
	MapRunArn         string `json:"MapRunArn"`
	ResultFiles       struct {
		Failed    []resultFile `json:"FAILED"`
		Pending   []resultFile `json:"PENDING"`
		Succeeded []resultFile `json:"SUCCEEDED"`
	} `json:"ResultFiles"`
}

type resultFile struct {
	Key  string `json:"Key"`
	Size int64  `json:"Size"`
}

// childRecord is one child execution in a SUCCEEDED_n or FAILED_n file:
// Input and Output are JSON text.
type childRecord struct {
	ExecutionArn string  `json:"ExecutionArn"`
	Status       string  `json:"Status"`
	Input        string  `json:"Input"`
	Output       *string `json:"Output"`
	Error        string  `json:"Error"`
	Cause        string  `json:"Cause"`
}

// readMapResults reads the Map Run's result manifest and files: it
// returns the outputs of the succeeded batches and passes the items of each
// failed one to onFailed, which keeps what it needs of them.
func (o *ops) readMapResults(ctx context.Context, rw workflow.ResultWriterDetails, onFailed func([]workflow.InputItem)) (succeeded []workflow.SimulateOutput, mapRunArn string, err error) {
	b, err := o.deps.Store.GetBytes(ctx, rw.Bucket, rw.Key)
	if errorsIsNotFound(err) {
		return nil, "", invalid("Map Run result manifest s3://%s/%s does not exist", rw.Bucket, rw.Key)
	}
	if err != nil {
		return nil, "", s3Err(ctx, err, "read Map Run result manifest s3://%s/%s", rw.Bucket, rw.Key)
	}
	var man mapResultManifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, "", invalid("Map Run result manifest s3://%s/%s: %v", rw.Bucket, rw.Key, err)
	}
	bucket := man.DestinationBucket
	if bucket == "" {
		bucket = rw.Bucket
	}
	if len(man.ResultFiles.Pending) > 0 {
		return nil, "", activity.Errorf(activity.AggregateMismatch, "Map Run %s still has %d PENDING result files: its batches have not all finished", man.MapRunArn, len(man.ResultFiles.Pending))
	}
	for _, f := range man.ResultFiles.Succeeded {
		err := o.readResultFile(ctx, bucket, f.Key, func(r json.RawMessage) error {
			out, err := childOutput(r)
			if err != nil {
				return invalid("Map Run result file s3://%s/%s: %v", bucket, f.Key, err)
			}
			succeeded = append(succeeded, out)
			return nil
		})
		if err != nil {
			return nil, "", err
		}
	}
	for _, f := range man.ResultFiles.Failed {
		err := o.readResultFile(ctx, bucket, f.Key, func(r json.RawMessage) error {
			var rec childRecord
			if err := json.Unmarshal(r, &rec); err != nil {
				return invalid("Map Run result file s3://%s/%s: %v", bucket, f.Key, err)
			}
			var child struct {
				Items []workflow.InputItem `json:"Items"`
			}
			if err := json.Unmarshal([]byte(rec.Input), &child); err != nil {
				return invalid("Map Run result file s3://%s/%s: failed child %s: input: %v", bucket, f.Key, rec.ExecutionArn, err)
			}
			onFailed(child.Items)
			return nil
		})
		if err != nil {
			return nil, "", err
		}
	}
	return succeeded, man.MapRunArn, nil
}

// readResultFile streams the records of a result file to fn, one at a
// time: a JSON array (the default), or JSON Lines (WriterConfig
// OutputType JSONL). A file of a large run holds every batch's input
// (up to 256 KiB each), so it is never read whole.
func (o *ops) readResultFile(ctx context.Context, bucket, key string, fn func(json.RawMessage) error) error {
	body, err := o.deps.Store.Get(ctx, bucket, key)
	if err != nil {
		return s3Err(ctx, err, "read Map Run result file s3://%s/%s", bucket, key)
	}
	defer body.Close()
	br := bufio.NewReader(body)
	dec := json.NewDecoder(br)
	bad := func(err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var se *json.SyntaxError
		var ue *json.UnmarshalTypeError
		if errors.As(err, &se) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) {
			return invalid("Map Run result file s3://%s/%s: %v", bucket, key, err)
		}
		return streamErr(err, "read Map Run result file s3://%s/%s", bucket, key)
	}
	// A JSON array starts with '[': read the records inside it.
	array := false
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil // an empty file
			}
			return bad(err)
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			_, _ = br.ReadByte()
			continue
		}
		array = b[0] == '['
		break
	}
	if array {
		if _, err := dec.Token(); err != nil {
			return bad(err)
		}
	}
	for dec.More() {
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			return bad(err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if array {
		if _, err := dec.Token(); err != nil {
			return bad(err)
		}
	}
	return nil
}

// childOutput returns a succeeded batch's SimulateOutput: the record's
// Output text (Transformation NONE, the default) or the record itself
// (COMPACT: outputs only).
func childOutput(r json.RawMessage) (workflow.SimulateOutput, error) {
	var rec struct { // not the Input: a batch's items are not needed here
		ExecutionArn string  `json:"ExecutionArn"`
		Output       *string `json:"Output"`
	}
	if err := json.Unmarshal(r, &rec); err != nil {
		return workflow.SimulateOutput{}, err
	}
	raw := []byte(r)
	if rec.Output != nil {
		raw = []byte(*rec.Output)
	}
	var out workflow.SimulateOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return workflow.SimulateOutput{}, fmt.Errorf("child %s output: %w", rec.ExecutionArn, err)
	}
	return out, nil
}
