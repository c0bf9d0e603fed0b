package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Loan ids repeated across the objects of an input. Each reader rejects a
// repeated id within its object; across objects the batches cannot tell,
// since each reads its own objects, on any worker, in any order. So
// prepare reads the ids of every object, in key order and then line order,
// before any batch starts, and writes the records that repeat an id of an
// earlier object (DuplicateIDs); simulate rejects exactly those records
// (duplicate_id), naming the first place. Which record is rejected is a
// function of the input alone: results do not depend on the batching, the
// workers or retries, and a rejected record's losses are never computed,
// so none has to be taken out of a sum afterwards.

// maxIndexedIDs bounds the loan ids prepare holds while it looks for ids
// repeated across objects (about 60 bytes each, so some 300 MB): an input
// with more records fails with Input.Invalid rather than go unchecked.
const maxIndexedIDs = 5_000_000

// idWindow is how many objects prepare reads at once while indexing ids;
// their ids are indexed in key order once the window is read.
const idWindow = 64

// DuplicateIDs is the object prepare writes at workflow.DuplicateIDsKey
// when some record repeats a loan id of an earlier object.
type DuplicateIDs struct {
	RunID string `json:"runId"`
	// Objects maps "bucket/key" to the records of that object simulate
	// rejects, in line order.
	Objects map[string][]DuplicateRecord `json:"objects"`
}

// DuplicateRecord is one record repeating the id of an earlier object's.
type DuplicateRecord struct {
	Line        int    `json:"line"`
	ID          string `json:"id"`
	FirstBucket string `json:"firstBucket"`
	FirstKey    string `json:"firstKey"`
	FirstLine   int    `json:"firstLine"`
}

// idChecks: what RunManifest.IDCheck records.
const (
	idCheckAcrossObjects = "across objects"
	idCheckOneObject     = "one object"
	idCheckGenerated     = "generated dataset (unique ids by construction)"
)

// idPlace is where an id was first seen: an index into the sorted objects
// and a line.
type idPlace struct {
	obj  int32
	line int32
}

// objectIDs are the ids of one object's records in line order, and
// whether each record was otherwise valid.
type objectIDs struct {
	ids   []string
	lines []int32
	valid []bool
}

// checkDuplicateIDs finds the records of src that repeat a loan id of an
// earlier object (key order, then line) and, if there are any, writes them
// at workflow.DuplicateIDsKey(runID). It returns what RunManifest records:
// the check made, the key ("" when none) and the number of records.
func (o *ops) checkDuplicateIDs(ctx context.Context, bucket, runID string, run workflow.RunParams, src workflow.InputSource) (check, key string, n int64, err error) {
	if src.Bucket == bucket && (src.Kind == workflow.InputKindCSV && src.Key == workflow.ManifestKey(run.Dataset) ||
		src.Kind == workflow.InputKindInventory && src.Key == workflow.InventoryManifestKey(run.Dataset)) {
		// Generate numbers its loans: their ids are unique, and a
		// billion-loan dataset is too large to index in one task.
		return idCheckGenerated, "", 0, nil
	}
	var objs []inputObject
	if err := o.walkInput(ctx, src, func(obj inputObject) error {
		if formatOf(obj.Key) != "" {
			objs = append(objs, obj)
		}
		if len(objs) > o.maxIDs { // every object holds a record at least
			return invalid("input %s has more than %d loan objects, so more than %d loan ids: prepare holds them all to find an id repeated across objects; split the input into runs", describeInput(src), o.maxIDs, o.maxIDs)
		}
		return nil
	}); err != nil {
		return "", "", 0, err
	}
	slices.SortStableFunc(objs, func(a, b inputObject) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.Bucket, b.Bucket)
	})
	// An object listed twice is aggregate's to refuse (counted twice), not
	// a source of repeated ids.
	objs = slices.CompactFunc(objs, func(a, b inputObject) bool { return a.Key == b.Key && a.Bucket == b.Bucket })
	if len(objs) < 2 {
		return idCheckOneObject, "", 0, nil
	}
	opt := loan.ReadOptions{RateUnit: loan.RateUnit(run.RateUnit), AllowUnknownColumns: run.AllowUnknownColumns}
	seen := map[string]idPlace{}
	dups := DuplicateIDs{RunID: runID, Objects: map[string][]DuplicateRecord{}}
	for w := 0; w < len(objs); w += idWindow {
		window := objs[w:min(w+idWindow, len(objs))]
		read, err := o.readIDs(ctx, window, opt)
		if err != nil {
			return "", "", 0, err
		}
		for j, ids := range read {
			cur := int32(w + j)
			for r, id := range ids.ids {
				p, ok := seen[id]
				if !ok {
					if len(seen) == o.maxIDs {
						return "", "", 0, invalid("input %s has more than %d loan ids: prepare holds them all to find an id repeated across objects; split the input into runs", describeInput(src), o.maxIDs)
					}
					seen[id] = idPlace{cur, ids.lines[r]}
					continue
				}
				// A repeat within the object is its reader's to reject; a
				// record rejected for another reason keeps its reason.
				if p.obj == cur || !ids.valid[r] {
					continue
				}
				first := objs[p.obj]
				ref := window[j].Bucket + "/" + window[j].Key
				dups.Objects[ref] = append(dups.Objects[ref], DuplicateRecord{Line: int(ids.lines[r]), ID: id,
					FirstBucket: first.Bucket, FirstKey: first.Key, FirstLine: int(p.line)})
				n++
			}
		}
	}
	if n == 0 {
		return idCheckAcrossObjects, "", 0, nil
	}
	body, err := json.Marshal(dups)
	if err != nil {
		return "", "", 0, fmt.Errorf("prepare: encode duplicate ids: %w", err)
	}
	key = workflow.DuplicateIDsKey(runID)
	if err := o.deps.Store.PutBytes(ctx, bucket, key, body, "application/json"); err != nil {
		return "", "", 0, s3Err(ctx, err, "write duplicate ids s3://%s/%s", bucket, key)
	}
	o.dups.Forget(bucket + "/" + key) // a run id used again: not the old run's list
	o.log.InfoContext(ctx, "loan ids repeated across objects", "runId", runID, "records", n, "objects", len(dups.Objects), "key", key)
	return idCheckAcrossObjects, key, n, nil
}

// readIDs reads the ids of the window's objects, S3Concurrency at a time
// per bucket. An object refused as a whole keeps the ids read before its
// error (none for a bad header): its batch fails in simulate.
func (o *ops) readIDs(ctx context.Context, window []inputObject, opt loan.ReadOptions) ([]objectIDs, error) {
	out := make([]objectIDs, len(window))
	all := make([]int, len(window))
	for i := range all {
		all[i] = i
	}
	b, err := o.getByBucket(ctx, all, func(i int) string { return window[i].Bucket }, func(i int) string { return window[i].Key },
		func(ctx context.Context, i int, body io.Reader) error {
			ob := window[i]
			opt := opt
			opt.Source = ob.Key
			rr := loan.NewFormatReader(body, loan.FormatOf(ob.Key), opt)
			ids := &out[i]
			for rr.Next() {
				rec := rr.Record()
				if rec.Loan.ID == "" {
					continue
				}
				ids.ids = append(ids.ids, strings.Clone(rec.Loan.ID))
				ids.lines = append(ids.lines, int32(rec.Line))
				ids.valid = append(ids.valid, rec.Err == nil)
			}
			var fe *loan.FileError
			if err := rr.Err(); err != nil && !errors.As(err, &fe) {
				return fmt.Errorf("read s3://%s/%s: %w", ob.Bucket, ob.Key, err)
			}
			return nil
		})
	if err != nil {
		return nil, s3Err(ctx, err, "read the loan ids of the input objects in s3://%s", b)
	}
	return out, nil
}

// loadDuplicateIDs reads the records prepare found repeating an earlier
// object's id, by "bucket/key" and line.
func (o *ops) loadDuplicateIDs(ctx context.Context, bucket, key string) (map[string]map[int]DuplicateRecord, error) {
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if err != nil {
		return nil, s3Err(ctx, err, "read duplicate ids s3://%s/%s", bucket, key)
	}
	var d DuplicateIDs
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, invalid("duplicate ids s3://%s/%s: %v", bucket, key, err)
	}
	out := make(map[string]map[int]DuplicateRecord, len(d.Objects))
	for ref, recs := range d.Objects {
		m := make(map[int]DuplicateRecord, len(recs))
		for _, r := range recs {
			m[r.Line] = r
		}
		out[ref] = m
	}
	return out, nil
}

// duplicateOf rejects rec when prepare found it repeating an earlier
// object's id; an id other than the one prepare read there means the
// object changed during the run, which fails the batch.
func duplicateOf(ob object, rec *loan.Record) error {
	d, ok := ob.dups[rec.Line]
	if !ok || rec.Err != nil {
		return nil
	}
	if d.ID != rec.Loan.ID {
		return invalid("input s3://%s/%s line %d holds loan id %q, but prepare read %q there: the object changed during the run; start a new run", ob.bucket, ob.key, rec.Line, rec.Loan.ID, d.ID)
	}
	rec.Err = &loan.FieldError{Kind: loan.KindDuplicateID, Field: "id",
		Problem: fmt.Sprintf("%q was already given in s3://%s/%s line %d (a run reads its objects in key order, then line order); this later record is not used", d.ID, d.FirstBucket, d.FirstKey, d.FirstLine),
		Allowed: "each loan id once in the input"}
	return nil
}
