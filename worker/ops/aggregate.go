package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
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
	// DerivedByField counts simulated loans by derived field (one rule per
	// field, docs/loans.md).
	DerivedByField map[string]int64 `json:"derivedByField,omitempty"`
	// NotSimulatedObjects are the input objects of failed batches (a
	// ToleratedFailurePercentage above zero let the run finish without them).
	NotSimulatedObjects []string `json:"notSimulatedObjects,omitempty"`
	NotSimulatedLoans   int64    `json:"notSimulatedLoans,omitempty"` // of those, where the input says
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
	// One entry per counted object, keyed "bucket/key": a per-loan run
	// has one object per loan, so this is the check's whole memory.
	counted := map[string]*countedObject{}
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
		for k, n := range pf.DerivedByField {
			if sum.DerivedByField == nil {
				sum.DerivedByField = map[string]int64{}
			}
			sum.DerivedByField[k] += n
		}
		for k, n := range pf.RejectedByKind {
			if sum.RejectedByKind == nil {
				sum.RejectedByKind = map[loan.Kind]int64{}
			}
			sum.RejectedByKind[k] += n
		}
		for _, oc := range pf.Objects {
			ref := oc.Bucket + "/" + oc.Key
			if other, dup := counted[ref]; dup {
				bad.add("object s3://%s was counted twice, by batches %s and %s", ref, other.batch, id)
				continue
			}
			counted[ref] = &countedObject{batch: id, loans: oc.Loans, rejected: oc.Rejected}
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
	listedFailed := map[string]bool{}
	err = o.walkInput(ctx, m.Input, func(obj inputObject) error {
		ref := obj.Bucket + "/" + obj.Key
		c, ok := counted[ref]
		if (ok && c.listed) || listedFailed[ref] {
			bad.add("object s3://%s is listed more than once in the input %s", ref, describeInput(m.Input))
			return nil
		}
		switch {
		case ok && notSimulated[ref]:
			c.listed = true
			bad.add("object s3://%s was counted by batch %s and also belongs to a failed batch", ref, c.batch)
		case notSimulated[ref]:
			listedFailed[ref] = true
			sum.NotSimulatedObjects = append(sum.NotSimulatedObjects, "s3://"+ref)
			sum.NotSimulatedLoans += max(obj.Loans, 0)
		case !ok:
			bad.add("object s3://%s of the input was counted by no batch (missing batch)", ref)
		default:
			c.listed = true
			if obj.Loans >= 0 && c.loans+c.rejected != obj.Loans {
				bad.add("object s3://%s holds %d loans per the input, batch %s counted %d simulated + %d rejected", ref, obj.Loans, c.batch, c.loans, c.rejected)
			}
		}
		return nil
	})
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	sum.Objects = int64(len(counted))
	for _, ref := range slices.Sorted(maps.Keys(counted)) {
		if c := counted[ref]; !c.listed {
			bad.add("object s3://%s was counted by batch %s but is not in the input %s", ref, c.batch, describeInput(m.Input))
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

// countedObject is what the succeeded batches counted of one object.
type countedObject struct {
	batch           string
	loans, rejected int64
	listed          bool // seen in the input listing
}

// writtenReport is what writeReport wrote.
type writtenReport struct {
	Report  RunReport
	htmlKey string // report.html
}

// writeReport summarises the merged partial and writes report.html,
// report.md and, last, report.json.
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
	htmlKey, err := o.writeHumanReport(ctx, run, m, rr)
	if err != nil {
		return writtenReport{}, err
	}
	body, err := json.MarshalIndent(rr, "", "  ")
	if err != nil {
		return writtenReport{}, fmt.Errorf("aggregate: encode report: %w", err)
	}
	key := workflow.ReportKey(run.RunID)
	if err := o.deps.Store.PutBytes(ctx, run.Bucket, key, body, "application/json"); err != nil {
		return writtenReport{}, s3Err(ctx, err, "write report s3://%s/%s", run.Bucket, key)
	}
	return writtenReport{Report: rr, htmlKey: htmlKey}, nil
}
