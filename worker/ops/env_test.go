package ops

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// Test environment: a local S3 endpoint and a Step Functions activity
// endpoint on loopback, and the real activity loop running the operations
// registered by Register. Every call goes over HTTP, as in production.

const testBucket = "montecarlo-test"

// fastRetries keeps throttling tests quick; the policy is the same.
var fastRetries = store.Options{MaxAttempts: 12, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

type env struct {
	t   testing.TB
	srv *s3local.Server
	st  *store.S3
	sfn *activitytest.Server
	mux *activity.Mux
}

// newEnv starts the endpoints and a worker running the operations.
func newEnv(t testing.TB, srvOpts s3local.Options, mutate func(*Deps)) *env {
	t.Helper()
	if srvOpts.Dir == "" {
		srvOpts.Dir = t.TempDir()
	}
	srvOpts.Buckets = []string{testBucket}
	srv, err := s3local.Start(context.Background(), srvOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client, err := store.NewClient(context.Background(), srv.URL(), "us-east-1", func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(client, fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{Store: st, S3Concurrency: 4, Evaluators: 2, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC) }}
	if mutate != nil {
		mutate(&deps)
	}
	mux := activity.NewMux()
	Register(mux, deps)
	e := &env{t: t, srv: srv, st: st, sfn: activitytest.NewServer(t), mux: mux}
	cfg := e.sfn.Config(t)
	cfg.Logger = slog.New(slog.DiscardHandler)
	e.sfn.StartWorker(t, cfg, mux)
	return e
}

// call runs one task and returns it finished.
func (e *env) call(op string, in any) activitytest.Task {
	e.t.Helper()
	tok := e.sfn.Enqueue(taskInput(e.t, op, in))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.sfn.WaitStatus(ctx, tok, activitytest.Succeeded, activitytest.Failed); err != nil {
		e.t.Fatalf("%s did not finish: %v", op, err)
	}
	return e.sfn.Task(tok)
}

// mustCall runs one task, which must succeed, and decodes its output.
func (e *env) mustCall(op string, in, out any) {
	e.t.Helper()
	task := e.call(op, in)
	if task.Status != activitytest.Succeeded {
		e.t.Fatalf("%s: %s %s: %s", op, task.Status, task.Error, task.Cause)
	}
	if len(task.Output) > activity.MaxOutputBytes/16 {
		e.t.Errorf("%s output is %d bytes: want far below the 256 KiB quota", op, len(task.Output))
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader([]byte(task.Output)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(out); err != nil {
			e.t.Fatalf("%s output %s: %v", op, task.Output, err)
		}
	}
}

// taskInput encodes in (a struct or map) with its "op".
func taskInput(t testing.TB, op string, in any) string {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["op"], _ = json.Marshal(op)
	b, _ = json.Marshal(m)
	return string(b)
}

func (e *env) get(key string) []byte {
	e.t.Helper()
	b, err := e.st.GetBytes(context.Background(), testBucket, key)
	if err != nil {
		e.t.Fatalf("get %s: %v", key, err)
	}
	return b
}

func (e *env) put(key string, body []byte) {
	e.t.Helper()
	if err := e.st.PutBytes(context.Background(), testBucket, key, body, ""); err != nil {
		e.t.Fatalf("put %s: %v", key, err)
	}
}

func (e *env) exists(key string) bool {
	e.t.Helper()
	_, err := e.st.Head(context.Background(), testBucket, key)
	if err != nil && !store.IsNotFound(err) {
		e.t.Fatal(err)
	}
	return err == nil
}

// generate runs plan, generate (two shards per batch, as a Map would
// batch them) and manifest for a dataset.
func (e *env) generate(name string, loans int64, shardSize int, layout string, seed int64) workflow.ManifestOutput {
	e.t.Helper()
	run := workflow.RunParams{RunDefaults: workflow.RunDefaults{Dataset: name, Loans: loans, Scenarios: 100, Seed: seed, Layout: layout,
		TargetRate: 0.08, HorizonMonths: 27}}
	var plan workflow.PlanOutput
	e.mustCall(workflow.OpPlan, workflow.PlanInput{ExecutionName: "gen-" + name, Bucket: testBucket, ShardSize: shardSize, Run: run}, &plan)
	var shards []workflow.PlanShard
	for _, row := range e.csvItems(plan.PlanKey) {
		var sh workflow.PlanShard
		if err := json.Unmarshal(row, &sh); err != nil {
			e.t.Fatal(err)
		}
		shards = append(shards, sh)
	}
	for i := 0; i < len(shards); i += 2 {
		var out workflow.GenerateOutput
		e.mustCall(workflow.OpGenerate, workflow.GenerateInput{Items: shards[i:min(i+2, len(shards))],
			BatchInput: workflow.GenerateBatchInput{Dataset: plan.Dataset}}, &out)
	}
	var man workflow.ManifestOutput
	e.mustCall(workflow.OpManifest, workflow.ManifestInput{Dataset: plan.Dataset,
		MapRun: workflow.MapRun{MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:gen/x", ResultWriterDetails: workflow.ResultWriterDetails{Bucket: testBucket, Key: plan.ResultPrefix + "/x/manifest.json"}}}, &man)
	return man
}

// csvItems reads a CSV with a header row the way the Map's CSV ItemReader
// does: one object per row, keyed by the header, every value a string.
func (e *env) csvItems(key string) []json.RawMessage {
	e.t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(e.get(key))).ReadAll()
	if err != nil {
		e.t.Fatal(err)
	}
	var items []json.RawMessage
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		b, _ := json.Marshal(m)
		items = append(items, b)
	}
	return items
}

// items reads the run's input as the ItemReader of its kind delivers it.
func (e *env) items(src workflow.InputSource) []json.RawMessage {
	e.t.Helper()
	switch src.Kind {
	case workflow.InputKindCSV:
		return e.csvItems(src.Key)
	case workflow.InputKindInventory:
		var m workflow.InventoryManifest
		if err := json.Unmarshal(e.get(src.Key), &m); err != nil {
			e.t.Fatal(err)
		}
		var items []json.RawMessage
		for _, f := range m.Files {
			zr, err := gzip.NewReader(bytes.NewReader(e.get(f.Key)))
			if err != nil {
				e.t.Fatal(err)
			}
			rows, err := csv.NewReader(zr).ReadAll()
			if err != nil {
				e.t.Fatal(err)
			}
			for _, r := range rows {
				b, _ := json.Marshal(map[string]string{"Bucket": r[0], "Key": r[1], "Size": r[2]})
				items = append(items, b)
			}
		}
		return items
	case workflow.InputKindPrefix:
		objs, err := e.st.ListAll(context.Background(), src.Bucket, src.Prefix)
		if err != nil {
			e.t.Fatal(err)
		}
		var items []json.RawMessage
		for _, o := range objs {
			b, _ := json.Marshal(map[string]any{"Key": o.Key, "Size": o.Size, "Etag": o.ETag, "LastModified": o.LastModified, "StorageClass": "STANDARD"})
			items = append(items, b)
		}
		return items
	}
	e.t.Fatalf("input kind %q", src.Kind)
	return nil
}

// testRun is a run's parameters for runSim.
type testRun struct {
	id         string
	input      workflow.RunInput
	scenarios  int
	seed       int64
	batchLoans int
}

func (r testRun) params(dataset string) workflow.RunParams {
	return workflow.RunParams{RunDefaults: workflow.RunDefaults{Dataset: dataset, Loans: 1, Scenarios: r.scenarios, Seed: r.seed,
		Layout: workflow.LayoutSharded, TargetRate: 0.08, HorizonMonths: 27}, RunInput: r.input}
}

// simRun is what runSim did.
type simRun struct {
	prepared workflow.PrepareOutput
	batches  []workflow.SimulateOutput
	inputs   []string // simulate task inputs, in batch order
}

// prepareAndSimulate runs prepare and every simulate batch, batched as the
// Map's ItemBatcher does.
func (e *env) prepareAndSimulate(dataset string, r testRun) simRun {
	e.t.Helper()
	var sr simRun
	e.mustCall(workflow.OpPrepare, e.prepareInput(dataset, r), &sr.prepared)
	items := e.items(sr.prepared.Input)
	n := sr.prepared.MaxItemsPerBatch
	for i := 0; i < len(items); i += n {
		in := fmt.Sprintf(`{"Items":[%s],"BatchInput":{"run":%s}}`, joinRaw(items[i:min(i+n, len(items))]), mustJSON(sr.prepared.Run))
		var out workflow.SimulateOutput
		e.mustCall(workflow.OpSimulate, json.RawMessage(in), &out)
		sr.batches = append(sr.batches, out)
		sr.inputs = append(sr.inputs, in)
	}
	return sr
}

func (e *env) prepareInput(dataset string, r testRun) workflow.PrepareInput {
	if r.batchLoans == 0 {
		r.batchLoans = workflow.DefaultBatchSize
	}
	return workflow.PrepareInput{ExecutionName: r.id, ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sim:" + r.id,
		StartTime: "2026-11-21T20:00:00Z", Bucket: testBucket, BatchLoans: r.batchLoans, TaskTimeoutSeconds: 3600,
		LoanScenarioNanos: workflow.DefaultLoanScenarioNanos, Run: r.params(dataset)}
}

// writeMapResults writes a ResultWriter export (manifest.json and
// SUCCEEDED_0.json, as Step Functions writes them with Transformation
// NONE) of the given succeeded and failed children, and returns its
// location.
func (e *env) writeMapResults(prefix string, succeeded []simChild, failed []simChild) workflow.MapRun {
	e.t.Helper()
	arn := "arn:aws:states:us-east-1:123456789012:mapRun:sim/run1"
	base := prefix + "/run1"
	files := map[string][]map[string]any{"SUCCEEDED": {}, "FAILED": {}, "PENDING": {}}
	for _, g := range []struct {
		name string
		list []simChild
	}{{"SUCCEEDED", succeeded}, {"FAILED", failed}} {
		if len(g.list) == 0 {
			continue
		}
		var recs []map[string]any
		for i, c := range g.list {
			rec := map[string]any{"ExecutionArn": fmt.Sprintf("%s:%d", arn, i), "Status": g.name, "Input": c.input,
				"InputDetails": map[string]any{"Included": true}, "Name": strconv.Itoa(i)}
			if g.name == "SUCCEEDED" {
				rec["Status"] = "SUCCEEDED"
				rec["Output"] = mustJSON(c.output)
				rec["OutputDetails"] = map[string]any{"Included": true}
			} else {
				rec["Status"] = "FAILED"
				rec["Error"], rec["Cause"] = workflow.ErrS3IO, "injected"
			}
			recs = append(recs, rec)
		}
		key := base + "/" + g.name + "_0.json"
		body := []byte(mustJSON(recs))
		e.put(key, body)
		files[g.name] = append(files[g.name], map[string]any{"Key": key, "Size": len(body)})
	}
	key := base + "/manifest.json"
	e.put(key, []byte(mustJSON(map[string]any{"DestinationBucket": testBucket, "MapRunArn": arn, "ResultFiles": files})))
	return workflow.MapRun{MapRunArn: arn, ResultWriterDetails: workflow.ResultWriterDetails{Bucket: testBucket, Key: key}}
}

// simChild is one child execution of the Map: its input and output.
type simChild struct {
	input  string
	output workflow.SimulateOutput
}

func (sr simRun) children() []simChild {
	cs := make([]simChild, len(sr.batches))
	for i := range sr.batches {
		cs[i] = simChild{input: sr.inputs[i], output: sr.batches[i]}
	}
	return cs
}

func (sr simRun) aggregateInput(mr workflow.MapRun) workflow.AggregateInput {
	return workflow.AggregateInput{Run: sr.prepared.Run, Input: sr.prepared.Input, ExpectedLoans: sr.prepared.ExpectedLoans, MapRun: mr}
}

// fullRun runs prepare, every batch and aggregate, which must succeed.
func (e *env) fullRun(dataset string, r testRun) (simRun, workflow.AggregateOutput) {
	e.t.Helper()
	sr := e.prepareAndSimulate(dataset, r)
	mr := e.writeMapResults(sr.prepared.ResultPrefix, sr.children(), nil)
	var agg workflow.AggregateOutput
	e.mustCall(workflow.OpAggregate, sr.aggregateInput(mr), &agg)
	return sr, agg
}

// rejections reads a batch's errors file.
func (e *env) rejections(key string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(e.get(key)))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			e.t.Fatalf("errors file %s: %v", key, err)
		}
		out = append(out, m)
	}
	return out
}

func joinRaw(items []json.RawMessage) string {
	return string(bytes.Join(func() [][]byte {
		out := make([][]byte, len(items))
		for i, it := range items {
			out[i] = it
		}
		return out
	}(), []byte(",")))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
