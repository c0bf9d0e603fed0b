package workflow

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
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// Test doubles for the end-to-end tests: an in-memory S3, a stand-in ECS
// service and a fake worker that speaks the contract.

// memS3 is an in-memory sfnlocal.S3API.
type memS3 struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
}

func newMemS3() *memS3 { return &memS3{objects: map[string][]byte{}} }

func (s *memS3) GetObject(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: s3://%s/%s", bucket, key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memS3) ListObjectsV2(_ context.Context, bucket, prefix, token string) (sfnlocal.S3ListPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.objects {
		if rest, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(rest, prefix) && rest > token {
			keys = append(keys, rest)
		}
	}
	sort.Strings(keys)
	var page sfnlocal.S3ListPage
	for i, k := range keys {
		if i == 1000 {
			page.NextContinuationToken = keys[i-1]
			break
		}
		page.Objects = append(page.Objects, sfnlocal.S3Object{Key: k, Size: int64(len(s.objects[bucket+"/"+k])), StorageClass: "STANDARD"})
	}
	return page, nil
}

func (s *memS3) PutObject(_ context.Context, bucket, key string, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[bucket+"/"+key] = slices.Clone(body)
	return nil
}

func (s *memS3) get(t *testing.T, bucket, key string) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	if !ok {
		t.Fatalf("no object s3://%s/%s", bucket, key)
	}
	return b
}

// fakeECS runs as many workers as desired, at once, unless broken.
type fakeECS struct {
	mu      sync.Mutex
	desired int
	history []int // every desired count set, in order
	broken  bool  // no task ever starts (no Spot capacity)
}

func (e *fakeECS) UpdateService(_ context.Context, cluster, service string, n int) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.desired = n
	e.history = append(e.history, n)
	return e.describe(service), nil
}

func (e *fakeECS) DescribeService(_ context.Context, cluster, service string) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.describe(service), nil
}

func (e *fakeECS) describe(service string) sfnlocal.ECSService {
	running := e.desired
	if e.broken {
		running = 0
	}
	return sfnlocal.ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: e.desired, RunningCount: running}
}

func (e *fakeECS) counts() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.history)
}

// fakeWorker answers activity tasks per the contract. hooks may replace the
// answer to an op: return handled=false to answer normally.
type fakeWorker struct {
	t    *testing.T
	svc  *sfnlocal.Service
	s3   *memS3
	arn  string
	mu   sync.Mutex
	ops  []string // ops received, in order
	hook func(op string, n int) (errName, cause string, drop, handled bool)
}

func (w *fakeWorker) run(ctx context.Context) {
	for ctx.Err() == nil {
		task, err := w.svc.GetActivityTask(ctx, sfnlocal.GetActivityTaskInput{ActivityArn: w.arn, WorkerName: "fake"})
		if err != nil || task.TaskToken == "" {
			continue
		}
		go w.handle(ctx, task)
	}
}

func (w *fakeWorker) handle(ctx context.Context, task sfnlocal.GetActivityTaskOutput) {
	var head struct {
		Op string `json:"op"`
	}
	_ = json.Unmarshal([]byte(task.Input), &head)
	w.mu.Lock()
	w.ops = append(w.ops, head.Op)
	n := 0
	for _, o := range w.ops {
		if o == head.Op {
			n++
		}
	}
	hook := w.hook
	w.mu.Unlock()
	if hook != nil {
		if errName, cause, drop, handled := hook(head.Op, n); handled {
			if drop {
				return // a dead worker: no answer, no heartbeat
			}
			_, _ = w.svc.SendTaskFailure(ctx, sfnlocal.SendTaskFailureInput{TaskToken: task.TaskToken, Error: errName, Cause: cause})
			return
		}
	}
	out, err := w.answer(head.Op, []byte(task.Input))
	if err != nil {
		name := ErrInputInvalid
		var te taskErr
		if errors.As(err, &te) {
			name = te.name
		}
		_, _ = w.svc.SendTaskFailure(ctx, sfnlocal.SendTaskFailureInput{TaskToken: task.TaskToken, Error: name, Cause: err.Error()})
		return
	}
	b, _ := json.Marshal(out)
	_, _ = w.svc.SendTaskSuccess(ctx, sfnlocal.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: string(b)})
}

type taskErr struct {
	name string
	err  error
}

func (e taskErr) Error() string { return e.name + ": " + e.err.Error() }

func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (w *fakeWorker) answer(op string, input []byte) (any, error) {
	ctx := context.Background()
	switch op {
	case OpPlan:
		var in PlanInput
		if err := strict(input, &in); err != nil {
			return nil, err
		}
		r := in.Run
		if err := r.Validate(WorkflowGenerate); err != nil {
			return nil, taskErr{ErrInputInvalid, err}
		}
		shards := (r.Loans + int64(in.ShardSize) - 1) / int64(in.ShardSize)
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		_ = cw.Write(PlanCSVHeader)
		for s := range shards {
			first := s * int64(in.ShardSize)
			_ = cw.Write([]string{strconv.FormatInt(s, 10), strconv.FormatInt(first, 10), strconv.FormatInt(min(int64(in.ShardSize), r.Loans-first), 10)})
		}
		cw.Flush()
		_ = w.s3.PutObject(ctx, in.Bucket, PlanKey(r.Dataset), b.Bytes())
		ds := DatasetContext{Name: r.Dataset, Bucket: in.Bucket, Prefix: DatasetPrefix(r.Dataset), Loans: r.Loans,
			ShardSize: in.ShardSize, Shards: shards, Seed: r.Seed, Layout: r.Layout}
		return PlanOutput{Dataset: ds, PlanKey: PlanKey(r.Dataset), ResultPrefix: DatasetMapResultPrefix(r.Dataset)}, nil

	case OpGenerate:
		var in GenerateInput
		if err := strict(input, &in); err != nil {
			return nil, err
		}
		ds := in.BatchInput.Dataset
		var out GenerateOutput
		for _, sh := range in.Items {
			body := bytes.Repeat([]byte("{}\n"), int(sh.Loans))
			key := ShardKey(ds.Name, sh.Shard)
			_ = w.s3.PutObject(ctx, ds.Bucket, key, body)
			part := fmt.Sprintf("%s\n%s,%s,%d,%d\n", strings.Join(ManifestCSVHeader, ","), ds.Bucket, key, len(body), sh.Loans)
			_ = w.s3.PutObject(ctx, ds.Bucket, ManifestPartKey(ds.Name, sh.Shard), []byte(part))
			out.Shards++
			out.Loans += sh.Loans
			out.Objects++
			out.Bytes += int64(len(body))
		}
		return out, nil

	case OpManifest:
		var in ManifestInput
		if err := strict(input, &in); err != nil {
			return nil, err
		}
		ds := in.Dataset
		var rows [][]string
		for s := range ds.Shards {
			rc, err := w.s3.GetObject(ctx, ds.Bucket, ManifestPartKey(ds.Name, s))
			if err != nil {
				return nil, taskErr{ErrDatasetIncomplete, err}
			}
			recs, _ := csv.NewReader(rc).ReadAll()
			rows = append(rows, recs[1:]...)
		}
		var b, inv bytes.Buffer
		cw := csv.NewWriter(&b)
		_ = cw.Write(ManifestCSVHeader)
		_ = cw.WriteAll(rows)
		gz := gzip.NewWriter(&inv)
		iw := csv.NewWriter(gz)
		var loans int64
		for _, r := range rows {
			_ = iw.Write([]string{r[0], url.QueryEscape(r[1]), r[2]})
			n, _ := strconv.ParseInt(r[3], 10, 64)
			loans += n
		}
		iw.Flush()
		_ = gz.Close()
		sum := md5.Sum(inv.Bytes())
		_ = w.s3.PutObject(ctx, ds.Bucket, ManifestKey(ds.Name), b.Bytes())
		_ = w.s3.PutObject(ctx, ds.Bucket, InventoryDataKey(ds.Name, 0), inv.Bytes())
		im, _ := json.Marshal(InventoryManifest{SourceBucket: ds.Bucket, DestinationBucket: "arn:aws:s3:::" + ds.Bucket, Version: InventoryVersion,
			CreationTimestamp: "1763755200000", FileFormat: "CSV", FileSchema: InventoryFileSchema,
			Files: []InventoryFile{{Key: InventoryDataKey(ds.Name, 0), Size: int64(inv.Len()), MD5Checksum: hex.EncodeToString(sum[:])}}})
		_ = w.s3.PutObject(ctx, ds.Bucket, InventoryManifestKey(ds.Name), im)
		summary, _ := json.Marshal(DatasetSummary{Dataset: ds, Objects: int64(len(rows)), Created: "2026-11-21T20:00:00Z"})
		_ = w.s3.PutObject(ctx, ds.Bucket, DatasetSummaryKey(ds.Name), summary)
		return ManifestOutput{Dataset: ds.Name, ManifestKey: ManifestKey(ds.Name), InventoryManifestKey: InventoryManifestKey(ds.Name),
			SummaryKey: DatasetSummaryKey(ds.Name), Objects: int64(len(rows)), Loans: loans}, nil

	case OpPrepare:
		var in PrepareInput
		if err := strict(input, &in); err != nil {
			return nil, err
		}
		r := in.Run
		runID := in.ExecutionName
		src := InputSource{Kind: InputKindCSV, Bucket: in.Bucket, Key: ManifestKey(r.Dataset)}
		switch {
		case r.InputPrefix != "":
			src = InputSource{Kind: InputKindPrefix, Bucket: in.Bucket, Prefix: r.InputPrefix}
		case r.InventoryManifestKey != "":
			src = InputSource{Kind: InputKindInventory, Bucket: in.Bucket, Key: r.InventoryManifestKey}
		case r.ManifestKey != "":
			src.Key = r.ManifestKey
		}
		var sum DatasetSummary
		rc, err := w.s3.GetObject(ctx, in.Bucket, DatasetSummaryKey(r.Dataset))
		if err != nil {
			return nil, taskErr{ErrInputInvalid, err}
		}
		_ = json.NewDecoder(rc).Decode(&sum)
		var expected int64
		if src.Kind == InputKindCSV {
			expected = sum.Dataset.Loans
		}
		if err := r.Validate(WorkflowSimulate); err != nil {
			return nil, taskErr{ErrInputInvalid, err}
		}
		items, err := BatchItems(in.BatchLoans, int64(sum.Dataset.ShardSize), in.TaskTimeoutSeconds, r.Scenarios, in.LoanScenarioNanos)
		if err != nil {
			return nil, taskErr{ErrInputInvalid, err}
		}
		ctxRun := RunContext{RunID: runID, Bucket: in.Bucket, Prefix: RunPrefix(runID), ManifestKey: RunManifestKey(runID),
			Seed: r.Seed, Scenarios: r.Scenarios, HorizonMonths: r.HorizonMonths, TargetRate: r.TargetRate, ParamsHash: "h", InputBucket: in.Bucket}
		_ = w.s3.PutObject(ctx, in.Bucket, RunManifestKey(runID), []byte("{}"))
		return PrepareOutput{RunID: runID, Input: src, MaxItemsPerBatch: items,
			ExpectedLoans: expected, ResultPrefix: RunMapResultPrefix(runID), Run: ctxRun}, nil

	case OpSimulate:
		// Items carry whatever fields their reader gives (listObjectsV2:
		// Etag, LastModified, StorageClass); InputItem takes what it needs.
		var in SimulateInput
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, err
		}
		run := in.BatchInput.Run
		id := BatchID(in.Items, run.InputBucket)
		var loans int64
		for _, it := range in.Items {
			b := it.Bucket
			if b == "" {
				b = run.InputBucket
			}
			key, err := url.QueryUnescape(it.Key)
			if err != nil {
				return nil, taskErr{ErrInputInvalid, err}
			}
			rc, err := w.s3.GetObject(ctx, b, key)
			if err != nil {
				return nil, taskErr{ErrS3IO, err}
			}
			body, _ := io.ReadAll(rc)
			loans += int64(bytes.Count(body, []byte("\n")))
		}
		_ = w.s3.PutObject(ctx, run.Bucket, PartialKey(run.RunID, id), []byte(strconv.FormatInt(loans, 10)))
		return SimulateOutput{BatchID: id, Objects: len(in.Items), Loans: loans, PartialKey: PartialKey(run.RunID, id), ResultsKey: ResultsKey(run.RunID, id)}, nil

	case OpAggregate:
		var in AggregateInput
		if err := strict(input, &in); err != nil {
			return nil, err
		}
		if in.MapRun.MapRunArn == "" || in.MapRun.ResultWriterDetails.Key == "" {
			return nil, fmt.Errorf("aggregate: no Map Run details: %+v", in.MapRun)
		}
		page, _ := w.s3.ListObjectsV2(ctx, in.Run.Bucket, PartialsPrefix(in.Run.RunID), "")
		var loans int64
		for _, o := range page.Objects {
			rc, _ := w.s3.GetObject(ctx, in.Run.Bucket, o.Key)
			b, _ := io.ReadAll(rc)
			n, _ := strconv.ParseInt(string(b), 10, 64)
			loans += n
		}
		if in.ExpectedLoans > 0 && loans != in.ExpectedLoans {
			return nil, taskErr{ErrAggregateMismatch, fmt.Errorf("counted %d loans, expected %d", loans, in.ExpectedLoans)}
		}
		return AggregateOutput{RunID: in.Run.RunID, Batches: int64(len(page.Objects)), Loans: loans,
			ReportKey: ReportKey(in.Run.RunID), ReportHTMLKey: ReportHTMLKey(in.Run.RunID)}, nil
	}
	return nil, fmt.Errorf("unknown op %q", op)
}
