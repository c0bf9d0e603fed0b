package workflowtest

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
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Hook may take over a task: n counts the tasks of op so far (1 for the
// first). Return handled=false to let the worker answer; otherwise the task
// fails with errName and cause, or, when errName is Dropped, gets no answer
// at all. A hook may block (e.g. on a channel) to hold a task while a test
// acts.
type Hook func(op string, n int) (errName, cause string, handled bool)

// Dropped, returned by a Hook as errName, leaves the task unanswered, as a
// worker that died holding it does: no result and no heartbeat, so it times
// out when its heartbeat is due.
const Dropped = "workflowtest.Dropped"

// Worker is a fake worker: it long-polls the activity through the SDK and
// answers each op per the contract, with one fake loan per line and a fixed
// loss per loan. It decodes every task input strictly (no field the
// contract lacks), except simulate's, whose items carry whatever fields
// their reader gives. Simulate skips a batch whose partial exists, as the
// real worker does on resume.
type Worker struct {
	sfn      *sfn.Client
	s3       *s3.Client
	activity string

	mu       sync.Mutex
	ops      map[string]int
	tasks    int // tasks of every op
	computed int // simulate batches computed (not skipped)
	hook     Hook
}

// SetHook installs h (nil removes it).
func (w *Worker) SetHook(h Hook) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hook = h
}

// Ops returns how many tasks of op the worker received.
func (w *Worker) Ops(op string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ops[op]
}

// Tasks returns how many tasks, of every op, the worker received.
func (w *Worker) Tasks() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tasks
}

// Computed returns how many simulate batches were computed rather than
// skipped.
func (w *Worker) Computed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.computed
}

func (w *Worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		task, err := w.sfn.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(w.activity), WorkerName: aws.String("fake")})
		if err != nil || aws.ToString(task.TaskToken) == "" {
			continue
		}
		go w.handle(ctx, aws.ToString(task.TaskToken), []byte(aws.ToString(task.Input)))
	}
}

// taskErr fails a task with the error name.
type taskErr struct {
	name string
	err  error
}

func (e taskErr) Error() string { return e.err.Error() }

func (w *Worker) handle(ctx context.Context, token string, input []byte) {
	var head struct {
		Op string `json:"op"`
	}
	_ = json.Unmarshal(input, &head)
	w.mu.Lock()
	if w.ops == nil {
		w.ops = map[string]int{}
	}
	w.ops[head.Op]++
	w.tasks++
	n, hook := w.ops[head.Op], w.hook
	w.mu.Unlock()
	if hook != nil {
		if name, cause, handled := hook(head.Op, n); handled {
			if name == Dropped {
				return
			}
			_, _ = w.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(name), Cause: aws.String(cause)})
			return
		}
	}
	out, err := w.answer(ctx, head.Op, input)
	if err != nil {
		name := workflow.ErrWorkerInternal
		var te taskErr
		if errors.As(err, &te) {
			name = te.name
		}
		_, _ = w.sfn.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(name), Cause: aws.String(err.Error())})
		return
	}
	b, _ := json.Marshal(out)
	_, _ = w.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(b))})
}

// decode decodes a task's input into in strictly: a field the contract
// lacks fails the task, so a definition that passes one is caught.
func decode(input []byte, in any) error {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return taskErr{workflow.ErrInputInvalid, err}
	}
	return nil
}

func (w *Worker) put(ctx context.Context, bucket, key string, body []byte) error {
	_, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		return taskErr{workflow.ErrS3IO, err}
	}
	return nil
}

func (w *Worker) get(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// LossPerLoanCents is the fake model's loss of every loan in every scenario.
const LossPerLoanCents = 12_345

func (w *Worker) answer(ctx context.Context, op string, input []byte) (any, error) {
	switch op {
	case workflow.OpPlan:
		var in workflow.PlanInput
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		r := in.Run
		if err := r.Validate(workflow.WorkflowGenerate); err != nil {
			return nil, taskErr{workflow.ErrInputInvalid, err}
		}
		shards := (r.Loans + int64(in.ShardSize) - 1) / int64(in.ShardSize)
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		_ = cw.Write(workflow.PlanCSVHeader)
		for s := range shards {
			first := s * int64(in.ShardSize)
			_ = cw.Write([]string{strconv.FormatInt(s, 10), strconv.FormatInt(first, 10), strconv.FormatInt(min(int64(in.ShardSize), r.Loans-first), 10)})
		}
		cw.Flush()
		if err := w.put(ctx, in.Bucket, workflow.PlanKey(r.Dataset), b.Bytes()); err != nil {
			return nil, err
		}
		ds := workflow.DatasetContext{Name: r.Dataset, Bucket: in.Bucket, Prefix: workflow.DatasetPrefix(r.Dataset), Loans: r.Loans,
			ShardSize: in.ShardSize, Shards: shards, Seed: r.Seed, Layout: r.Layout}
		return workflow.PlanOutput{Dataset: ds, PlanKey: workflow.PlanKey(r.Dataset), ResultPrefix: workflow.DatasetMapResultPrefix(r.Dataset)}, nil

	case workflow.OpGenerate:
		var in workflow.GenerateInput
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		ds := in.BatchInput.Dataset
		var out workflow.GenerateOutput
		for _, sh := range in.Items {
			body := bytes.Repeat([]byte("{}\n"), int(sh.Loans))
			key := workflow.ShardKey(ds.Name, sh.Shard)
			if err := w.put(ctx, ds.Bucket, key, body); err != nil {
				return nil, err
			}
			part := fmt.Sprintf("%s\n%s,%s,%d,%d\n", strings.Join(workflow.ManifestCSVHeader, ","), ds.Bucket, key, len(body), sh.Loans)
			if err := w.put(ctx, ds.Bucket, workflow.ManifestPartKey(ds.Name, sh.Shard), []byte(part)); err != nil {
				return nil, err
			}
			out.Shards++
			out.Loans += sh.Loans
			out.Objects++
			out.Bytes += int64(len(body))
		}
		return out, nil

	case workflow.OpManifest:
		var in workflow.ManifestInput
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		return w.manifest(ctx, in.Dataset)

	case workflow.OpPrepare:
		var in workflow.PrepareInput
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		return w.prepare(ctx, in)

	case workflow.OpSimulate:
		var in workflow.SimulateInput
		if err := json.Unmarshal(input, &in); err != nil { // lax: see Worker
			return nil, taskErr{workflow.ErrInputInvalid, err}
		}
		return w.simulate(ctx, in)

	case workflow.OpAggregate:
		var in workflow.AggregateInput
		if err := decode(input, &in); err != nil {
			return nil, err
		}
		if in.MapRun.MapRunArn == "" || in.MapRun.ResultWriterDetails.Key == "" {
			return nil, taskErr{workflow.ErrInputInvalid, fmt.Errorf("aggregate: no Map Run details: %+v", in.MapRun)}
		}
		return w.aggregate(ctx, in)
	}
	return nil, taskErr{workflow.ErrInputInvalid, fmt.Errorf("unknown op %q", op)}
}

func (w *Worker) manifest(ctx context.Context, ds workflow.DatasetContext) (any, error) {
	var rows [][]string
	for s := range ds.Shards {
		part, err := w.get(ctx, ds.Bucket, workflow.ManifestPartKey(ds.Name, s))
		if err != nil {
			return nil, taskErr{workflow.ErrDatasetIncomplete, err}
		}
		recs, _ := csv.NewReader(bytes.NewReader(part)).ReadAll()
		rows = append(rows, recs[1:]...)
	}
	var b, inv bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write(workflow.ManifestCSVHeader)
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
	im, _ := json.Marshal(workflow.InventoryManifest{SourceBucket: ds.Bucket, DestinationBucket: "arn:aws:s3:::" + ds.Bucket, Version: workflow.InventoryVersion,
		CreationTimestamp: "1763755200000", FileFormat: "CSV", FileSchema: workflow.InventoryFileSchema,
		Files: []workflow.InventoryFile{{Key: workflow.InventoryDataKey(ds.Name, 0), Size: int64(inv.Len()), MD5Checksum: hex.EncodeToString(sum[:])}}})
	summary, _ := json.Marshal(workflow.DatasetSummary{Dataset: ds, Objects: int64(len(rows)), Created: "2026-11-21T20:00:00Z"})
	for key, body := range map[string][]byte{
		workflow.ManifestKey(ds.Name): b.Bytes(), workflow.InventoryDataKey(ds.Name, 0): inv.Bytes(),
		workflow.InventoryManifestKey(ds.Name): im, workflow.DatasetSummaryKey(ds.Name): summary,
	} {
		if err := w.put(ctx, ds.Bucket, key, body); err != nil {
			return nil, err
		}
	}
	return workflow.ManifestOutput{Dataset: ds.Name, ManifestKey: workflow.ManifestKey(ds.Name), InventoryManifestKey: workflow.InventoryManifestKey(ds.Name),
		SummaryKey: workflow.DatasetSummaryKey(ds.Name), Objects: int64(len(rows)), Loans: loans}, nil
}

func (w *Worker) prepare(ctx context.Context, in workflow.PrepareInput) (any, error) {
	r := in.Run
	if err := r.Validate(workflow.WorkflowSimulate); err != nil {
		return nil, taskErr{workflow.ErrInputInvalid, err}
	}
	runID := in.ExecutionName
	if r.RunID != "" {
		// Resume: the run must have been recorded.
		if _, err := w.get(ctx, in.Bucket, workflow.RunManifestKey(r.RunID)); err != nil {
			return nil, taskErr{workflow.ErrInputInvalid, fmt.Errorf(`"runId" %q: no run manifest: %w`, r.RunID, err)}
		}
		runID = r.RunID
	}
	src := workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: in.Bucket, Key: workflow.ManifestKey(r.Dataset)}
	switch {
	case r.InputPrefix != "":
		src = workflow.InputSource{Kind: workflow.InputKindPrefix, Bucket: in.Bucket, Prefix: r.InputPrefix}
	case r.InventoryManifestKey != "":
		src = workflow.InputSource{Kind: workflow.InputKindInventory, Bucket: in.Bucket, Key: r.InventoryManifestKey}
	case r.ManifestKey != "":
		src.Key = r.ManifestKey
	}
	body, err := w.get(ctx, in.Bucket, workflow.DatasetSummaryKey(r.Dataset))
	if err != nil {
		return nil, taskErr{workflow.ErrInputInvalid, fmt.Errorf("dataset %q: %w", r.Dataset, err)}
	}
	var sum workflow.DatasetSummary
	_ = json.Unmarshal(body, &sum)
	var expected int64
	if src.Kind == workflow.InputKindCSV {
		expected = sum.Dataset.Loans
	}
	items, err := workflow.BatchItems(in.BatchLoans, int64(sum.Dataset.ShardSize), in.TaskTimeoutSeconds, r.Scenarios, in.LoanScenarioNanos)
	if err != nil {
		return nil, taskErr{workflow.ErrInputInvalid, err}
	}
	run := workflow.RunContext{RunID: runID, Bucket: in.Bucket, Prefix: workflow.RunPrefix(runID), ManifestKey: workflow.RunManifestKey(runID),
		Seed: r.Seed, Scenarios: r.Scenarios, HorizonMonths: r.HorizonMonths, TargetRate: r.TargetRate, ParamsHash: "fake", InputBucket: in.Bucket}
	if err := w.put(ctx, in.Bucket, workflow.RunManifestKey(runID), []byte(`{"runId":"`+runID+`"}`)); err != nil {
		return nil, err
	}
	return workflow.PrepareOutput{RunID: runID, Input: src, MaxItemsPerBatch: items, ExpectedLoans: expected,
		ResultPrefix: workflow.RunMapResultPrefix(runID), Run: run}, nil
}

func (w *Worker) simulate(ctx context.Context, in workflow.SimulateInput) (any, error) {
	run := in.BatchInput.Run
	id := workflow.BatchID(in.Items, run.InputBucket)
	out := workflow.SimulateOutput{BatchID: id, Objects: len(in.Items), PartialKey: workflow.PartialKey(run.RunID, id), ResultsKey: workflow.ResultsKey(run.RunID, id)}
	if b, err := w.get(ctx, run.Bucket, out.PartialKey); err == nil {
		out.Loans, _ = strconv.ParseInt(string(b), 10, 64)
		return out, nil // done before this resume
	}
	for _, it := range in.Items {
		b := it.Bucket
		if b == "" {
			b = run.InputBucket
		}
		key, err := url.QueryUnescape(it.Key)
		if err != nil {
			return nil, taskErr{workflow.ErrInputInvalid, err}
		}
		body, err := w.get(ctx, b, key)
		if err != nil {
			return nil, taskErr{workflow.ErrS3IO, err}
		}
		out.Loans += int64(bytes.Count(body, []byte("\n")))
	}
	if err := w.put(ctx, run.Bucket, out.PartialKey, []byte(strconv.FormatInt(out.Loans, 10))); err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.computed++
	w.mu.Unlock()
	return out, nil
}

func (w *Worker) aggregate(ctx context.Context, in workflow.AggregateInput) (any, error) {
	list, err := w.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(in.Run.Bucket), Prefix: aws.String(workflow.PartialsPrefix(in.Run.RunID))})
	if err != nil {
		return nil, taskErr{workflow.ErrS3IO, err}
	}
	var loans int64
	for _, o := range list.Contents {
		b, err := w.get(ctx, in.Run.Bucket, aws.ToString(o.Key))
		if err != nil {
			return nil, taskErr{workflow.ErrS3IO, err}
		}
		n, _ := strconv.ParseInt(string(b), 10, 64)
		loans += n
	}
	if in.ExpectedLoans > 0 && loans != in.ExpectedLoans {
		return nil, taskErr{workflow.ErrAggregateMismatch, fmt.Errorf("counted %d loans, expected %d", loans, in.ExpectedLoans)}
	}
	loss := float64(loans*LossPerLoanCents) / 100
	h := fakeHeadline(loans, in.Run.Scenarios, loss)
	rep, _ := json.Marshal(risk.Report{Headline: h, Seed: uint64(in.Run.Seed), HorizonMonths: in.Run.HorizonMonths})
	for key, body := range map[string][]byte{
		workflow.ReportKey(in.Run.RunID):               rep,
		workflow.ReportHTMLKey(in.Run.RunID):           []byte("<html><body>report " + in.Run.RunID + "</body></html>"),
		workflow.RunPrefix(in.Run.RunID) + "report.md": []byte("# Report " + in.Run.RunID + "\n"),
	} {
		if err := w.put(ctx, in.Run.Bucket, key, body); err != nil {
			return nil, err
		}
	}
	return workflow.AggregateOutput{RunID: in.Run.RunID, Batches: int64(len(list.Contents)), Loans: loans,
		ReportKey: workflow.ReportKey(in.Run.RunID), ReportHTMLKey: workflow.ReportHTMLKey(in.Run.RunID)}, nil
}

// fakeHeadline is the headline of the fake model, built the way risk
// builds a version 2 headline: a tail figure whose tail holds fewer than
// risk.MinTailScenarios scenarios is not reported (0, null in JSON) and
// the tail warning says so; 10 to 99 is indicative. A plain run of S
// scenarios holds S - ceil(alpha S) beyond its alpha quantile.
func fakeHeadline(loans int64, scenarios int, loss float64) risk.Headline {
	h := risk.Headline{Loans: loans, Scenarios: scenarios, ExposureUSD: float64(loans) * 1000, ExpectedLoss: loss,
		ExpectedLossCI: risk.Interval{loss * 0.9, loss * 1.1}, ExpectedLossRate: loss / (float64(loans) * 1000),
		PDBaselineMean: 0.02, PDStressedMean: 0.035, PDBaselineMeanExposure: 0.02, PDStressedMeanExposure: 0.035}
	var warn []string
	level := func(name string, alpha float64, varX, esX float64, vr, es *float64, st *risk.TailStatus, ci1, ci2 *risk.Interval) {
		beyond := scenarios - int(math.Ceil(alpha*float64(scenarios)-1e-9))
		switch {
		case beyond < risk.MinTailScenarios:
			*st = risk.TailInsufficient
			warn = append(warn, fmt.Sprintf("%s figures not reported: the %s tail holds %d of %d scenarios, fewer than the %d needed (fake model)", name, name, beyond, scenarios, risk.MinTailScenarios))
			return
		case beyond < risk.ReliableTailScenarios:
			*st = risk.TailIndicative
			warn = append(warn, fmt.Sprintf("%s figures are indicative: the %s tail holds %d of %d scenarios (fake model)", name, name, beyond, scenarios))
		default:
			*st = risk.TailReliable
		}
		*vr, *es = varX, esX
		*ci1, *ci2 = risk.Interval{varX * 0.9, varX * 1.1}, risk.Interval{esX * 0.9, esX * 1.1}
	}
	level("99%", 0.99, loss*2, loss*2.5, &h.VaR99, &h.ES99, &h.Tail99, &h.VaR99CI, &h.ES99CI)
	level("99.9%", 0.999, loss*3, loss*3.5, &h.VaR999, &h.ES999, &h.Tail999, &h.VaR999CI, &h.ES999CI)
	h.TailWarning = strings.Join(warn, "; ")
	h.Warning = h.TailWarning
	return h
}
