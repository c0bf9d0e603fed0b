package ops

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// RunReport is the object aggregate writes at workflow.ReportKey: the
// risk package's report (headline, portfolio and segment figures,
// provenance: seed, model version, parameter hash, Go version, GOARCH) and
// what the run counted.
type RunReport struct {
	risk.Report
	Run RunSummary `json:"run"`
}

// RunSummary is the run part of a RunReport.
type RunSummary struct {
	RunID         string               `json:"runId"`
	ExecutionArn  string               `json:"executionArn,omitempty"`
	StartTime     string               `json:"startTime,omitempty"`
	Dataset       string               `json:"dataset"`
	Input         workflow.InputSource `json:"input"`
	MapRunArn     string               `json:"mapRunArn,omitempty"`
	ExpectedLoans int64                `json:"expectedLoans"` // 0: the input does not say
	Batches       int64                `json:"batches"`
	FailedBatches int64                `json:"failedBatches"`
	Objects       int64                `json:"objects"`
	Loans         int64                `json:"loans"`    // simulated
	Rejected      int64                `json:"rejected"` // malformed records, listed under errors/
	// RejectedByKind counts rejected records by loan.Kind.
	RejectedByKind map[loan.Kind]int64 `json:"rejectedByKind,omitempty"`
	// NotSimulatedObjects are the input objects of failed batches (a
	// ToleratedFailurePercentage above zero let the run finish without them).
	NotSimulatedObjects []string `json:"notSimulatedObjects,omitempty"`
	NotSimulatedLoans   int64    `json:"notSimulatedLoans,omitempty"` // of those, where the input says
}

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

// maxProblems bounds the problems a mismatch names (the cause is at most
// 32,768 characters).
const maxProblems = 40

// problems collects the reasons the exactly-once check fails.
type problems struct {
	list  []string
	count int
}

func (p *problems) add(format string, args ...any) {
	p.count++
	if len(p.list) < maxProblems {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

func (p *problems) err(runID string) error {
	if p.count == 0 {
		return nil
	}
	more := ""
	if p.count > len(p.list) {
		more = fmt.Sprintf("; and %d more", p.count-len(p.list))
	}
	return activity.Errorf(activity.AggregateMismatch, "run %s: input loans not counted exactly once: %s%s", runID, strings.Join(p.list, "; "), more)
}

// aggregate merges the partials of the batches the Map Run reports as
// succeeded, checks that every input object (so every input loan) was
// counted exactly once, and writes the report (workflow.OpAggregate).
func (o *ops) aggregate(ctx context.Context, in workflow.AggregateInput) (workflow.AggregateOutput, error) {
	run := in.Run
	if err := checkRunContext(run); err != nil {
		return workflow.AggregateOutput{}, err
	}
	rw := in.MapRun.ResultWriterDetails
	if rw.Key == "" {
		return workflow.AggregateOutput{}, invalid(`"mapRun.ResultWriterDetails.Key" is empty: want the Map Run's result manifest`)
	}
	if rw.Bucket == "" {
		rw.Bucket = run.Bucket
	}
	m, err := o.loadRunManifest(ctx, run.Bucket, run.ManifestKey)
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	if m.ParamsHash != run.ParamsHash || m.Seed != run.Seed || m.RunID != run.RunID {
		return workflow.AggregateOutput{}, invalid("run context (run %s, params %s, seed %d) does not match the run manifest (run %s, params %s, seed %d)",
			run.RunID, run.ParamsHash, run.Seed, m.RunID, m.ParamsHash, m.Seed)
	}

	succeeded, failed, mapRunArn, err := o.readMapResults(ctx, rw)
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	var bad problems

	// Batches: each succeeded batch once.
	seen := map[string]int{}
	var batchIDs []string
	reported := map[string]workflow.SimulateOutput{}
	for _, out := range succeeded {
		if out.BatchID == "" {
			bad.add("a succeeded batch's output has no batchId")
			continue
		}
		seen[out.BatchID]++
		if seen[out.BatchID] == 1 {
			batchIDs = append(batchIDs, out.BatchID)
			reported[out.BatchID] = out
		}
	}
	for _, id := range batchIDs {
		if n := seen[id]; n > 1 {
			bad.add("batch %s was counted %d times (the Map Run reports it succeeded %d times: its objects are listed more than once in the input)", id, n, n)
		}
	}

	// Partials of exactly those batches, merged as they arrive (integer
	// sums: the order does not matter).
	total := risk.NewPartial(m.Params)
	sum := RunSummary{RunID: run.RunID, ExecutionArn: m.ExecutionArn, StartTime: m.StartTime, Dataset: m.Dataset, Input: m.Input,
		MapRunArn: mapRunArn, ExpectedLoans: in.ExpectedLoans, Batches: int64(len(batchIDs)), FailedBatches: int64(len(failed))}
	counted := map[string]string{} // "bucket/key" → batch id
	perObject := map[string]ObjectCount{}
	var mu sync.Mutex
	keys := make([]string, len(batchIDs))
	for i, id := range batchIDs {
		keys[i] = workflow.PartialKey(run.RunID, id)
	}
	err = o.deps.Store.GetMany(ctx, run.Bucket, keys, o.deps.S3Concurrency, func(ctx context.Context, i int, body io.Reader) error {
		var pf PartialFile
		if err := json.NewDecoder(bufio.NewReader(body)).Decode(&pf); err != nil {
			return &readError{invalid("partial s3://%s/%s: %v", run.Bucket, keys[i], err)}
		}
		mu.Lock()
		defer mu.Unlock()
		id := batchIDs[i]
		switch {
		case pf.Partial == nil:
			bad.add("batch %s: partial s3://%s/%s holds no partial", id, run.Bucket, keys[i])
			return nil
		case pf.BatchID != id || pf.RunID != run.RunID || pf.ParamsHash != run.ParamsHash || pf.Seed != run.Seed:
			bad.add("batch %s: partial s3://%s/%s is of batch %s, run %s, params %s, seed %d, not of this run", id, run.Bucket, keys[i], pf.BatchID, pf.RunID, pf.ParamsHash, pf.Seed)
			return nil
		}
		if out := reported[id]; out.Loans != pf.Loans || out.Rejected != pf.Rejected {
			bad.add("batch %s: the Map Run reports %d loans and %d rejected, its partial %d and %d", id, out.Loans, out.Rejected, pf.Loans, pf.Rejected)
		}
		if err := total.Merge(pf.Partial); err != nil {
			bad.add("batch %s: %v", id, err)
			return nil
		}
		sum.Loans += pf.Loans
		sum.Rejected += pf.Rejected
		for k, n := range pf.RejectedByKind {
			if sum.RejectedByKind == nil {
				sum.RejectedByKind = map[loan.Kind]int64{}
			}
			sum.RejectedByKind[k] += n
		}
		for _, oc := range pf.Objects {
			ref := oc.Bucket + "/" + oc.Key
			if other, dup := counted[ref]; dup {
				bad.add("object s3://%s was counted twice, by batches %s and %s", ref, other, id)
				continue
			}
			counted[ref] = id
			perObject[ref] = oc
		}
		return nil
	})
	if err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return workflow.AggregateOutput{}, rerr.err
		}
		if !errorsIsNotFound(err) {
			return workflow.AggregateOutput{}, s3Err(ctx, err, "read partials of run %s", run.RunID)
		}
		// Name every batch whose partial is missing.
		for i, id := range batchIDs {
			_, err := o.deps.Store.Head(ctx, run.Bucket, keys[i])
			if err != nil && !errorsIsNotFound(err) {
				return workflow.AggregateOutput{}, s3Err(ctx, err, "check partial s3://%s/%s", run.Bucket, keys[i])
			}
			if err != nil {
				bad.add("batch %s is missing: the Map Run reports it succeeded but s3://%s/%s does not exist", id, run.Bucket, keys[i])
			}
		}
		return workflow.AggregateOutput{}, bad.err(run.RunID)
	}

	// The objects of failed batches were not simulated.
	notSimulated := map[string]bool{}
	for _, items := range failed {
		for _, it := range items {
			b := it.Bucket
			if b == "" {
				b = run.InputBucket
			}
			key := it.Key
			if m.Input.Kind == workflow.InputKindInventory {
				if k, err := url.QueryUnescape(key); err == nil {
					key = k
				}
			}
			notSimulated[b+"/"+key] = true
		}
	}

	// Every object of the input: counted once, by a batch, with as many
	// loans as the input says.
	listed := map[string]bool{}
	var inputLoans int64
	err = o.walkInput(ctx, m.Input, func(obj inputObject) error {
		ref := obj.Bucket + "/" + obj.Key
		if listed[ref] {
			bad.add("object s3://%s is listed more than once in the input %s", ref, describeInput(m.Input))
			return nil
		}
		listed[ref] = true
		if obj.Loans > 0 {
			inputLoans += obj.Loans
		}
		oc, ok := perObject[ref]
		switch {
		case ok && notSimulated[ref]:
			bad.add("object s3://%s was counted by batch %s and also belongs to a failed batch", ref, counted[ref])
		case notSimulated[ref]:
			sum.NotSimulatedObjects = append(sum.NotSimulatedObjects, "s3://"+ref)
			sum.NotSimulatedLoans += max(obj.Loans, 0)
		case !ok:
			bad.add("object s3://%s of the input was counted by no batch (missing batch)", ref)
		case obj.Loans >= 0 && oc.Loans+oc.Rejected != obj.Loans:
			bad.add("object s3://%s holds %d loans per the input, batch %s counted %d simulated + %d rejected", ref, obj.Loans, counted[ref], oc.Loans, oc.Rejected)
		}
		return nil
	})
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	sum.Objects = int64(len(perObject))
	for _, ref := range sortedKeys(perObject) {
		if !listed[ref] {
			bad.add("object s3://%s was counted by batch %s but is not in the input %s", ref, counted[ref], describeInput(m.Input))
		}
	}
	if in.ExpectedLoans > 0 {
		if got := sum.Loans + sum.Rejected + sum.NotSimulatedLoans; got != in.ExpectedLoans {
			bad.add("expected %d input loans, counted %d (%d simulated + %d rejected + %d in failed batches): %+d", in.ExpectedLoans, got, sum.Loans, sum.Rejected, sum.NotSimulatedLoans, got-in.ExpectedLoans)
		}
	}
	if err := bad.err(run.RunID); err != nil {
		return workflow.AggregateOutput{}, err
	}

	rep, err := o.writeReport(ctx, run, m, total, sum)
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	o.log.InfoContext(ctx, "run aggregated", "runId", run.RunID, "batches", sum.Batches, "failedBatches", sum.FailedBatches,
		"loans", sum.Loans, "rejected", sum.Rejected, "expectedLoss", rep.Report.Headline.ExpectedLoss)
	return workflow.AggregateOutput{RunID: run.RunID, Batches: sum.Batches, FailedBatches: sum.FailedBatches, Loans: sum.Loans,
		Rejected: sum.Rejected, ReportKey: workflow.ReportKey(run.RunID), ReportHTMLKey: rep.htmlKey}, nil
}

// writtenReport is what writeReport wrote.
type writtenReport struct {
	Report  RunReport
	htmlKey string // "" until worker/report renders a human report
}

// writeReport summarises the merged partial and writes report.json.
func (o *ops) writeReport(ctx context.Context, run workflow.RunContext, m *RunManifest, total *risk.Partial, sum RunSummary) (writtenReport, error) {
	rep, err := risk.Summarise(total, m.Params)
	if err != nil {
		return writtenReport{}, fmt.Errorf("aggregate: summarise: %w", err)
	}
	if sum.Rejected > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d input records were rejected as malformed and not simulated; see %serrors/", sum.Rejected, workflow.RunPrefix(run.RunID)))
	}
	if sum.FailedBatches > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d batches failed (%d input objects, %d loans where known) and are not in the figures", sum.FailedBatches, len(sum.NotSimulatedObjects), sum.NotSimulatedLoans))
	}
	rr := RunReport{Report: rep, Run: sum}
	body, err := json.MarshalIndent(rr, "", "  ")
	if err != nil {
		return writtenReport{}, fmt.Errorf("aggregate: encode report: %w", err)
	}
	key := workflow.ReportKey(run.RunID)
	if err := o.deps.Store.PutBytes(ctx, run.Bucket, key, body, "application/json"); err != nil {
		return writtenReport{}, s3Err(ctx, err, "write report s3://%s/%s", run.Bucket, key)
	}
	return writtenReport{Report: rr}, nil
}

// readMapResults reads the Map Run's result manifest and files: the
// outputs of the succeeded batches and the items of the failed ones.
func (o *ops) readMapResults(ctx context.Context, rw workflow.ResultWriterDetails) (succeeded []workflow.SimulateOutput, failed [][]workflow.InputItem, mapRunArn string, err error) {
	b, err := o.deps.Store.GetBytes(ctx, rw.Bucket, rw.Key)
	if errorsIsNotFound(err) {
		return nil, nil, "", invalid("Map Run result manifest s3://%s/%s does not exist", rw.Bucket, rw.Key)
	}
	if err != nil {
		return nil, nil, "", s3Err(ctx, err, "read Map Run result manifest s3://%s/%s", rw.Bucket, rw.Key)
	}
	var man mapResultManifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, nil, "", invalid("Map Run result manifest s3://%s/%s: %v", rw.Bucket, rw.Key, err)
	}
	bucket := man.DestinationBucket
	if bucket == "" {
		bucket = rw.Bucket
	}
	if len(man.ResultFiles.Pending) > 0 {
		return nil, nil, "", activity.Errorf(activity.AggregateMismatch, "Map Run %s still has %d PENDING result files: its batches have not all finished", man.MapRunArn, len(man.ResultFiles.Pending))
	}
	for _, f := range man.ResultFiles.Succeeded {
		recs, err := o.readResultFile(ctx, bucket, f.Key)
		if err != nil {
			return nil, nil, "", err
		}
		for _, r := range recs {
			out, err := childOutput(r)
			if err != nil {
				return nil, nil, "", invalid("Map Run result file s3://%s/%s: %v", bucket, f.Key, err)
			}
			succeeded = append(succeeded, out)
		}
	}
	for _, f := range man.ResultFiles.Failed {
		recs, err := o.readResultFile(ctx, bucket, f.Key)
		if err != nil {
			return nil, nil, "", err
		}
		for _, r := range recs {
			var rec childRecord
			if err := json.Unmarshal(r, &rec); err != nil {
				return nil, nil, "", invalid("Map Run result file s3://%s/%s: %v", bucket, f.Key, err)
			}
			var child struct {
				Items []workflow.InputItem `json:"Items"`
			}
			if err := json.Unmarshal([]byte(rec.Input), &child); err != nil {
				return nil, nil, "", invalid("Map Run result file s3://%s/%s: failed child %s: input: %v", bucket, f.Key, rec.ExecutionArn, err)
			}
			failed = append(failed, child.Items)
		}
	}
	return succeeded, failed, man.MapRunArn, nil
}

// readResultFile returns the records of a result file: a JSON array, or
// JSON Lines (WriterConfig OutputType JSONL).
func (o *ops) readResultFile(ctx context.Context, bucket, key string) ([]json.RawMessage, error) {
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if err != nil {
		return nil, s3Err(ctx, err, "read Map Run result file s3://%s/%s", bucket, key)
	}
	var recs []json.RawMessage
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &recs); err != nil {
			return nil, invalid("Map Run result file s3://%s/%s: %v", bucket, key, err)
		}
		return recs, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			return nil, invalid("Map Run result file s3://%s/%s: %v", bucket, key, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// childOutput returns a succeeded batch's SimulateOutput: the record's
// Output text (Transformation NONE, the default) or the record itself
// (COMPACT: outputs only).
func childOutput(r json.RawMessage) (workflow.SimulateOutput, error) {
	var rec childRecord
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
