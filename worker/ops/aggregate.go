package ops

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
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
	// (the first maxNotSimulatedListed; NotSimulatedObjectCount counts them all).
	NotSimulatedObjects     []string `json:"notSimulatedObjects,omitempty"`
	NotSimulatedObjectCount int64    `json:"notSimulatedObjectCount,omitempty"`
	NotSimulatedLoans       int64    `json:"notSimulatedLoans,omitempty"` // of those, where the input says
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

	var failed []*batchSpan
	var failedItems [][]workflow.InputItem // kept while small, for the exact diagnosis
	var failedObjects int64
	succeeded, mapRunArn, err := o.readMapResults(ctx, rw, func(items []workflow.InputItem) {
		failed = append(failed, failedSpan(items, run.InputBucket, m.Input.Kind))
		failedObjects += int64(len(items))
		if failedObjects <= o.exactObjects {
			failedItems = append(failedItems, items)
		}
	})
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
	keys := make([]string, len(batchIDs))
	for i, id := range batchIDs {
		keys[i] = workflow.PartialKey(run.RunID, id)
	}

	// The partials that exist, from one listing (ListObjectsV2 pages of
	// 1,000), not a HEAD per batch: a batch the Map Run reports succeeded
	// whose partial is not listed is missing. (A listing needs only
	// s3:ListBucket; a GET or HEAD of a missing key answers 403, not 404,
	// to a role without it.)
	listed := make(map[string]bool, len(keys))
	prefix := workflow.PartialsPrefix(run.RunID)
	if err := o.deps.Store.List(ctx, run.Bucket, prefix, func(obj store.Object) error {
		listed[obj.Key] = true
		return nil
	}); err != nil {
		return workflow.AggregateOutput{}, s3Err(ctx, err, "list partials s3://%s/%s", run.Bucket, prefix)
	}
	missing := false
	for i, id := range batchIDs {
		if !listed[keys[i]] {
			missing = true
			bad.add("batch %s is missing: the Map Run reports it succeeded but s3://%s/%s does not exist", id, run.Bucket, keys[i])
		}
	}
	listed = nil
	if missing {
		return workflow.AggregateOutput{}, bad.err(run.RunID)
	}

	// Partials of exactly those batches, merged as they arrive (integer
	// sums: the order does not matter). Of each batch's objects only a
	// summary is kept (batchSpan): memory grows with batches, not objects.
	total := risk.NewPartial(m.Params)
	sum := RunSummary{RunID: run.RunID, ExecutionArn: m.ExecutionArn, StartTime: m.StartTime, Dataset: m.Dataset, Input: m.Input,
		MapRunArn: mapRunArn, ExpectedLoans: in.ExpectedLoans, Batches: int64(len(batchIDs)), FailedBatches: int64(len(failed))}
	spans := make([]*batchSpan, len(batchIDs))
	var mu sync.Mutex
	err = o.deps.Store.GetMany(ctx, run.Bucket, keys, o.deps.S3Concurrency, func(ctx context.Context, i int, body io.Reader) error {
		var pf PartialFile
		if err := json.NewDecoder(bufio.NewReader(body)).Decode(&pf); err != nil {
			return &readError{invalid("partial s3://%s/%s: %v", run.Bucket, keys[i], err)}
		}
		id := batchIDs[i]
		span := succeededSpan(id, pf.Objects) // hashing outside the lock
		mu.Lock()
		defer mu.Unlock()
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
		spans[i] = span
		sum.Loans += pf.Loans
		sum.Rejected += pf.Rejected
		for k, n := range pf.RejectedByKind {
			if sum.RejectedByKind == nil {
				sum.RejectedByKind = map[loan.Kind]int64{}
			}
			sum.RejectedByKind[k] += n
		}
		return nil
	})
	if err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return workflow.AggregateOutput{}, rerr.err
		}
		if errorsIsNotFound(err) {
			bad.add("a partial of run %s disappeared while aggregate read it: %v", run.RunID, err)
			return workflow.AggregateOutput{}, bad.err(run.RunID)
		}
		return workflow.AggregateOutput{}, s3Err(ctx, err, "read partials of run %s", run.RunID)
	}
	var counted []*batchSpan
	for _, sp := range spans {
		if sp != nil { // nil: its partial was refused above
			counted = append(counted, sp)
			sum.Objects += sp.n
		}
	}

	// Every object of the input counted once, by a batch, with as many
	// loans as the input says: the batches, in input order, must tile the
	// input listing (a Map batches consecutive items).
	cov, err := o.checkCoverage(ctx, m.Input, counted, failed, &sum)
	if err != nil {
		return workflow.AggregateOutput{}, err
	}
	switch {
	case cov.ok:
	case cov.inputObjects+sum.Objects+failedObjects <= o.exactObjects:
		// Small enough to hold an entry per object: the per-object check
		// decides, and names every object.
		if err := o.diagnose(ctx, run, m, batchIDs, keys, failedItems, &bad, &sum); err != nil {
			return workflow.AggregateOutput{}, err
		}
	default:
		for _, p := range cov.problems.list {
			bad.add("%s", p)
		}
		bad.count += cov.problems.count - len(cov.problems.list)
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

// maxExactObjects bounds the per-object diagnosis of a failed
// exactly-once check (a map entry per object, about 150 bytes each); above
// it the problems are named per batch and input position.
const maxExactObjects = 500_000

// maxNotSimulatedListed bounds RunSummary.NotSimulatedObjects.
const maxNotSimulatedListed = 1000

// batchSpan is what aggregate keeps of one batch: its object count, first
// object and hashes of its ordered objects (and loan counts), instead of
// an entry per object.
type batchSpan struct {
	id      string
	failed  bool
	n       int64
	first   string   // "bucket/key" of its first object
	refs    [16]byte // hash of its objects, in order
	counts  [16]byte // hash of its objects with their loans+rejected (succeeded batches)
	matched bool     // found in the input listing
}

// spanHash hashes a batch's ordered objects the same way on both sides
// (the batch's partial or items, the input listing).
type spanHash struct {
	refs, counts hash.Hash
	num          []byte
}

func newSpanHash() *spanHash {
	return &spanHash{refs: sha256.New(), counts: sha256.New(), num: make([]byte, 0, 24)}
}

func (h *spanHash) reset() { h.refs.Reset(); h.counts.Reset() }

func (h *spanHash) add(ref string, loans int64) {
	io.WriteString(h.refs, ref)
	h.refs.Write([]byte{0})
	io.WriteString(h.counts, ref)
	h.num = strconv.AppendInt(append(h.num[:0], 0), loans, 10)
	h.counts.Write(append(h.num, '\n'))
}

func (h *spanHash) sums() (refs, counts [16]byte) {
	copy(refs[:], h.refs.Sum(nil))
	copy(counts[:], h.counts.Sum(nil))
	return refs, counts
}

// succeededSpan summarises the objects a batch's partial counted.
func succeededSpan(id string, objs []ObjectCount) *batchSpan {
	sp := &batchSpan{id: id, n: int64(len(objs))}
	h := newSpanHash()
	for i, oc := range objs {
		ref := oc.Bucket + "/" + oc.Key
		if i == 0 {
			sp.first = ref
		}
		h.add(ref, oc.Loans+oc.Rejected)
	}
	sp.refs, sp.counts = h.sums()
	return sp
}

// failedSpan summarises the items of a failed batch.
func failedSpan(items []workflow.InputItem, inputBucket, kind string) *batchSpan {
	sp := &batchSpan{failed: true, n: int64(len(items))}
	h := newSpanHash()
	for i, it := range items {
		ref := itemRef(it, inputBucket, kind)
		if i == 0 {
			sp.first = ref
		}
		h.add(ref, 0)
	}
	sp.refs, _ = h.sums()
	return sp
}

// itemRef is the "bucket/key" of a Map item as the input listing gives it.
func itemRef(it workflow.InputItem, inputBucket, kind string) string {
	b := it.Bucket
	if b == "" {
		b = inputBucket
	}
	key := it.Key
	if kind == workflow.InputKindInventory {
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
	}
	return b + "/" + key
}

// coverage is the outcome of checkCoverage.
type coverage struct {
	ok           bool
	inputObjects int64
	problems     problems // per batch and input position
}

// checkCoverage walks the input once and checks that the batches (counted
// and failed) tile it: each run of consecutive objects starting where a
// batch's first object is must be exactly that batch's objects, in order,
// with the loans the input says (when it says), every object inside one
// batch, every batch found once. Its memory is an index of the batches by
// first object; the input is never held. It fills sum's NotSimulated
// fields from the failed batches' runs.
func (o *ops) checkCoverage(ctx context.Context, src workflow.InputSource, counted, failed []*batchSpan, sum *RunSummary) (coverage, error) {
	var cov coverage
	starts := make(map[string][]*batchSpan, len(counted)+len(failed))
	for _, sp := range append(append([]*batchSpan{}, counted...), failed...) {
		if sp.n == 0 {
			cov.problems.add("batch %s counted no object", orFailed(sp))
			continue
		}
		starts[sp.first] = append(starts[sp.first], sp)
	}
	h := newSpanHash()
	var cur *batchSpan
	var begin, pos int64 // of cur: input position of its first object, objects seen
	known := true        // the input gave the loans of every object of cur
	err := o.walkInput(ctx, src, func(obj inputObject) error {
		p := cov.inputObjects
		cov.inputObjects++
		ref := obj.Bucket + "/" + obj.Key
		if cur == nil {
			cands := starts[ref]
			if len(cands) == 0 {
				cov.problems.add("object s3://%s (input position %d) is inside no batch: counted by no batch, or the batches do not follow the input's order", ref, p)
				return nil
			}
			if len(cands) > 1 {
				cov.problems.add("object s3://%s (input position %d) is the first object of %d batches (%s and %s): objects counted more than once", ref, p, len(cands), orFailed(cands[0]), orFailed(cands[1]))
			}
			cur, begin, pos, known = cands[0], p, 0, true
			starts[ref] = cands[1:]
			h.reset()
		}
		h.add(ref, obj.Loans)
		known = known && obj.Loans >= 0
		pos++
		if cur.failed {
			if len(sum.NotSimulatedObjects) < maxNotSimulatedListed {
				sum.NotSimulatedObjects = append(sum.NotSimulatedObjects, "s3://"+ref)
			}
			sum.NotSimulatedObjectCount++
			sum.NotSimulatedLoans += max(obj.Loans, 0)
		}
		if pos < cur.n {
			return nil
		}
		refs, counts := h.sums()
		switch {
		case refs != cur.refs:
			cov.problems.add("batch %s (%d objects from s3://%s) is not the input's objects at positions %d to %d", orFailed(cur), cur.n, cur.first, begin, p)
		case !cur.failed && known && counts != cur.counts:
			cov.problems.add("batch %s (%d objects from s3://%s) counted other loan numbers than the input gives for them (positions %d to %d)", orFailed(cur), cur.n, cur.first, begin, p)
		default:
			cur.matched = true
		}
		cur = nil
		return nil
	})
	if err != nil {
		return cov, err
	}
	if cur != nil {
		cov.problems.add("the input ends inside batch %s (%d objects from s3://%s, position %d on)", orFailed(cur), cur.n, cur.first, begin)
	}
	for _, sp := range append(append([]*batchSpan{}, counted...), failed...) {
		if !sp.matched && sp.n > 0 && slices.Contains(starts[sp.first], sp) {
			cov.problems.add("batch %s (%d objects from s3://%s) is not in the input %s (its first object is not, or begins another batch too)", orFailed(sp), sp.n, sp.first, describeInput(src))
		}
	}
	cov.ok = cov.problems.count == 0
	return cov, nil
}

func orFailed(sp *batchSpan) string {
	if sp.failed {
		return "(failed) starting at s3://" + sp.first
	}
	return sp.id
}

// diagnose checks object by object what a failed coverage check found,
// and names each object: the check of earlier versions, which holds an
// entry per object, so it runs only below maxExactObjects. It decides: a
// small input whose batches count every object once passes even if they
// did not tile it in order.
func (o *ops) diagnose(ctx context.Context, run workflow.RunContext, m *RunManifest, batchIDs, keys []string, failedItems [][]workflow.InputItem, bad *problems, sum *RunSummary) error {
	counted := map[string]*countedObject{}
	var mu sync.Mutex
	err := o.deps.Store.GetMany(ctx, run.Bucket, keys, o.deps.S3Concurrency, func(ctx context.Context, i int, body io.Reader) error {
		var pf PartialFile
		if err := json.NewDecoder(bufio.NewReader(body)).Decode(&pf); err != nil {
			return &readError{invalid("partial s3://%s/%s: %v", run.Bucket, keys[i], err)}
		}
		mu.Lock()
		defer mu.Unlock()
		id := batchIDs[i]
		if pf.Partial == nil || pf.BatchID != id || pf.RunID != run.RunID {
			return nil // named already
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
			return rerr.err
		}
		return s3Err(ctx, err, "read partials of run %s", run.RunID)
	}

	// The objects of failed batches were not simulated.
	notSimulated := map[string]bool{}
	for _, items := range failedItems {
		for _, it := range items {
			notSimulated[itemRef(it, run.InputBucket, m.Input.Kind)] = true
		}
	}

	listedFailed := map[string]bool{}
	sum.NotSimulatedObjects, sum.NotSimulatedObjectCount, sum.NotSimulatedLoans = nil, 0, 0
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
			if len(sum.NotSimulatedObjects) < maxNotSimulatedListed {
				sum.NotSimulatedObjects = append(sum.NotSimulatedObjects, "s3://"+ref)
			}
			sum.NotSimulatedObjectCount++
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
		return err
	}
	for _, ref := range slices.Sorted(maps.Keys(counted)) {
		if c := counted[ref]; !c.listed {
			bad.add("object s3://%s was counted by batch %s but is not in the input %s", ref, c.batch, describeInput(m.Input))
		}
	}
	return nil
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
	// The scenarios give the likelihood ratios (importance sampling) and the
	// path bands of the report; they are rebuilt from the parameters, as
	// the workers built them.
	sc, err := o.scenarios.Get(m.Params)
	if err != nil {
		return writtenReport{}, fmt.Errorf("aggregate: scenarios: %w", err)
	}
	rep, err := risk.SummariseScenarios(total, sc)
	if err != nil {
		return writtenReport{}, fmt.Errorf("aggregate: summarise: %w", err)
	}
	if sum.Rejected > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d input records were rejected as malformed and not simulated; see %serrors/", sum.Rejected, workflow.RunPrefix(run.RunID)))
	}
	if sum.FailedBatches > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d batches failed (%d input objects, %d loans where known) and are not in the figures", sum.FailedBatches, sum.NotSimulatedObjectCount, sum.NotSimulatedLoans))
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
