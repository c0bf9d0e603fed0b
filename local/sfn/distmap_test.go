package sfnlocal

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// memS3 is an in-memory S3API; listings return pages of two objects so that
// continuation tokens are exercised.
type memS3 struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
}

func newMemS3() *memS3 { return &memS3{objects: map[string][]byte{}} }

func (m *memS3) GetObject(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: %s/%s", bucket, key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memS3) ListObjectsV2(_ context.Context, bucket, prefix, token string) (S3ListPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.objects {
		if rest, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(rest, prefix) && rest > token {
			keys = append(keys, rest)
		}
	}
	sort.Strings(keys)
	var page S3ListPage
	for i, k := range keys {
		if i == 2 {
			page.NextContinuationToken = keys[1]
			break
		}
		page.Objects = append(page.Objects, S3Object{Key: k, ETag: `"etag"`, Size: int64(len(m.objects[bucket+"/"+k])), LastModified: time.Unix(1700000000, 0), StorageClass: "STANDARD"})
	}
	return page, nil
}

func (m *memS3) PutObject(_ context.Context, bucket, key string, body []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[bucket+"/"+key] = append([]byte(nil), body...)
	return nil
}

func (m *memS3) get(t *testing.T, bucket, key string) any {
	t.Helper()
	m.mu.Lock()
	b, ok := m.objects[bucket+"/"+key]
	m.mu.Unlock()
	if !ok {
		t.Fatalf("no object s3://%s/%s", bucket, key)
	}
	v, err := paths.Decode(b)
	if err != nil {
		t.Fatalf("object s3://%s/%s: %v", bucket, key, err)
	}
	return v
}

// The Simulate shape: a Distributed Map over a CSV in S3, batched, each
// batch one activity task, some failures tolerated, results written to S3.
const csvMapMachine = `{
  "StartAt": "Batches",
  "States": {
    "Batches": {
      "Type": "Map",
      "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket": "data", "Key.$": "$.key"}},
      "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "row.$": "$$.Map.Item.Index"},
      "ItemBatcher": {"MaxItemsPerBatch": 3, "BatchInput": {"run.$": "$.run"}},
      "MaxConcurrency": 2,
      "ToleratedFailurePercentage": %s,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Simulate",
        "States": {"Simulate": {"Type": "Task", "Resource": "%s",
          "Parameters": {"op": "simulate", "Items.$": "$.Items", "BatchInput.$": "$.BatchInput"}, "End": true}}
      },
      "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results", "Prefix": "runs/r1"}},
      "ResultPath": "$.map",
      "End": true
    }
  }
}`

// simulateWorker fails every batch holding an id listed in bad.
func simulateWorker(bad func(id string) bool, calls *atomic.Int64) func(string) (string, string, string) {
	return func(input string) (string, string, string) {
		calls.Add(1)
		v, _ := paths.DecodeString(input)
		m := v.(map[string]any)
		var ids []string
		for _, it := range m["Items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		for _, id := range ids {
			if bad(id) {
				return "", "Loan.Invalid", "bad loan " + id
			}
		}
		return paths.MustMarshal(map[string]any{"ids": ids, "run": m["BatchInput"].(map[string]any)["run"]}), "", ""
	}
}

func putCSV(s3 *memS3, rows int) {
	var b strings.Builder
	b.WriteString("id,amount\n")
	for i := range rows {
		fmt.Fprintf(&b, "L%02d,%d\n", i, 100*i)
	}
	_ = s3.PutObject(context.Background(), "data", "loans.csv", []byte(b.String()))
}

func TestDistributedMapOverCSVWithBatchesToleranceAndResultWriter(t *testing.T) {
	t.Parallel()
	s3 := newMemS3()
	putCSV(s3, 10) // 10 rows: batches of 3, 3, 3, 1
	svc, client := newTestService(t, Options{TimeScale: 0.001, S3: s3})
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "simulate"})
	var calls atomic.Int64
	worker(ctx, t, svc, act.ActivityArn, simulateWorker(func(id string) bool { return id == "L04" }, &calls))

	// One batch of 3 items fails: 30% of the items, within the tolerated 40%.
	out := run(t, svc, fmt.Sprintf(csvMapMachine, "40", act.ActivityArn), `{"key":"loans.csv","run":"r1"}`)
	if out.Status != StatusSucceeded {
		t.Fatalf("status %s: %s %s", out.Status, out.Error, out.Cause)
	}
	res, _ := paths.DecodeString(*out.Output)
	mapOut := res.(map[string]any)["map"].(map[string]any)
	mapRunArn := mapOut["MapRunArn"].(string)
	details := mapOut["ResultWriterDetails"].(map[string]any)
	if details["Bucket"] != "results" || !strings.HasPrefix(details["Key"].(string), "runs/r1/") || !strings.HasSuffix(details["Key"].(string), "/manifest.json") {
		t.Fatalf("ResultWriterDetails %v", details)
	}

	manifest := s3.get(t, "results", details["Key"].(string)).(map[string]any)
	if manifest["MapRunArn"] != mapRunArn || manifest["DestinationBucket"] != "results" {
		t.Fatalf("manifest %v", manifest)
	}
	files := manifest["ResultFiles"].(map[string]any)
	succeeded := files["SUCCEEDED"].([]any)
	failed := files["FAILED"].([]any)
	if len(succeeded) != 1 || len(failed) != 1 || len(files["PENDING"].([]any)) != 0 {
		t.Fatalf("result files %v", files)
	}
	okRecs := s3.get(t, "results", succeeded[0].(map[string]any)["Key"].(string)).([]any)
	badRecs := s3.get(t, "results", failed[0].(map[string]any)["Key"].(string)).([]any)
	if len(okRecs) != 3 || len(badRecs) != 1 {
		t.Fatalf("%d succeeded and %d failed records, want 3 and 1", len(okRecs), len(badRecs))
	}
	bad := badRecs[0].(map[string]any)
	if bad["Status"] != "FAILED" || bad["Error"] != "Loan.Invalid" || bad["Cause"] != "bad loan L04" {
		t.Fatalf("failed record %v", bad)
	}
	var gotIDs []string
	for _, r := range okRecs {
		rec := r.(map[string]any)
		o, _ := paths.DecodeString(rec["Output"].(string))
		for _, id := range o.(map[string]any)["ids"].([]any) {
			gotIDs = append(gotIDs, id.(string))
		}
		in, _ := paths.DecodeString(rec["Input"].(string))
		if bi := in.(map[string]any)["BatchInput"]; !paths.Equal(bi, map[string]any{"run": "r1"}) {
			t.Fatalf("BatchInput %v", bi)
		}
	}
	sort.Strings(gotIDs)
	if want := []string{"L00", "L01", "L02", "L06", "L07", "L08", "L09"}; !slices.Equal(gotIDs, want) {
		t.Fatalf("succeeded ids %v, want %v", gotIDs, want)
	}

	mr, err := client.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: &mapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	if mr.Status != "SUCCEEDED" || mr.ItemCounts.Total != 10 || mr.ItemCounts.Succeeded != 7 || mr.ItemCounts.Failed != 3 ||
		mr.ExecutionCounts.Total != 4 || mr.ExecutionCounts.Failed != 1 || mr.ExecutionCounts.ResultsWritten != 4 || mr.ItemCounts.ResultsWritten != 10 ||
		mr.MaxConcurrency != 2 || mr.ToleratedFailurePercentage != 40 {
		t.Fatalf("map run %+v items %+v executions %+v", mr, *mr.ItemCounts, *mr.ExecutionCounts)
	}
	children, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: &mapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(children.Executions) != 4 {
		t.Fatalf("%d children listed, want 4", len(children.Executions))
	}
	for _, c := range children.Executions {
		if aws.ToString(c.MapRunArn) != mapRunArn || !strings.Contains(aws.ToString(c.ExecutionArn), "/Batches:") {
			t.Fatalf("child %+v", c)
		}
	}
	runs, err := client.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: &out.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 || aws.ToString(runs.MapRuns[0].MapRunArn) != mapRunArn {
		t.Fatalf("list map runs: %v %+v", err, runs)
	}
	hist, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &out.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range hist.Events {
		types = append(types, string(e.Type))
		if e.Type == "MapRunStarted" && aws.ToString(e.MapRunStartedEventDetails.MapRunArn) != mapRunArn {
			t.Fatalf("MapRunStarted details %+v", e.MapRunStartedEventDetails)
		}
		if e.Type == "MapStateStarted" && e.MapStateStartedEventDetails.Length != 10 {
			t.Fatalf("MapStateStarted length %d, want 10", e.MapStateStartedEventDetails.Length)
		}
	}
	for _, want := range []string{"MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited"} {
		if !slices.Contains(types, want) {
			t.Fatalf("history %v lacks %s", types, want)
		}
	}
}

func TestDistributedMapFailsBeyondTheToleratedFailures(t *testing.T) {
	t.Parallel()
	s3 := newMemS3()
	putCSV(s3, 10)
	svc, _ := newTestService(t, Options{TimeScale: 0.001, S3: s3})
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "simulate"})
	var calls atomic.Int64
	worker(ctx, t, svc, act.ActivityArn, simulateWorker(func(id string) bool { return id == "L04" }, &calls))
	out := run(t, svc, fmt.Sprintf(csvMapMachine, "20", act.ActivityArn), `{"key":"loans.csv","run":"r1"}`)
	if out.Status != StatusFailed || out.Error != "States.ExceedToleratedFailureThreshold" {
		t.Fatalf("got %s %s", out.Status, out.Error)
	}
	runs, _ := svc.ListMapRuns(ctx, ListMapRunsInput{ExecutionArn: out.ExecutionArn})
	mr, _ := svc.DescribeMapRun(ctx, DescribeMapRunInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	if mr.Status != "FAILED" || mr.ItemCounts.Failed != 3 {
		t.Fatalf("map run %s, counts %+v", mr.Status, mr.ItemCounts)
	}
}

func TestRedriveReRunsOnlyUnsuccessfulChildren(t *testing.T) {
	t.Parallel()
	s3 := newMemS3()
	putCSV(s3, 10)
	svc, client := newTestService(t, Options{TimeScale: 0.001, S3: s3})
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "simulate"})
	var broken atomic.Bool
	broken.Store(true)
	var calls atomic.Int64
	worker(ctx, t, svc, act.ActivityArn, simulateWorker(func(id string) bool { return broken.Load() && id == "L04" }, &calls))
	out := run(t, svc, fmt.Sprintf(csvMapMachine, "0", act.ActivityArn), `{"key":"loans.csv","run":"r1"}`)
	if out.Status != StatusFailed || out.RedriveStatus != "REDRIVABLE" {
		t.Fatalf("first run %s, redrive status %s", out.Status, out.RedriveStatus)
	}
	before := calls.Load()
	runs, _ := svc.ListMapRuns(ctx, ListMapRunsInput{ExecutionArn: out.ExecutionArn})
	mapRunArn := runs.MapRuns[0].MapRunArn
	first, _ := svc.DescribeMapRun(ctx, DescribeMapRunInput{MapRunArn: mapRunArn})
	notRun := first.ExecutionCounts.Pending + first.ExecutionCounts.Aborted + first.ExecutionCounts.Failed

	broken.Store(false)
	if _, err := client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: &out.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	final, err := svc.WaitExecution(ctx, out.ExecutionArn)
	if err != nil || final.Status != StatusSucceeded || final.RedriveCount != 1 {
		t.Fatalf("after redrive: %v %s %s %s, redrives %d", err, final.Status, final.Error, final.Cause, final.RedriveCount)
	}
	if got := calls.Load() - before; got != notRun {
		t.Fatalf("the redrive ran %d tasks, want the %d unsuccessful or unstarted batches", got, notRun)
	}
	mr, _ := svc.DescribeMapRun(ctx, DescribeMapRunInput{MapRunArn: mapRunArn})
	if mr.Status != "SUCCEEDED" || mr.RedriveCount != 1 || mr.ItemCounts.Succeeded != 10 {
		t.Fatalf("map run after redrive: %s redrives %d counts %+v", mr.Status, mr.RedriveCount, mr.ItemCounts)
	}
	_, err = client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: &out.ExecutionArn})
	var notRedrivable *sfntypes.ExecutionNotRedrivable
	if !errors.As(err, &notRedrivable) {
		t.Fatalf("redriving a succeeded execution: %v", err)
	}
	hist, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &out.ExecutionArn, ReverseOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if hist.Events[0].Type != "ExecutionSucceeded" {
		t.Fatalf("last event %s", hist.Events[0].Type)
	}
	redriven := false
	for _, e := range hist.Events {
		if e.Type == "ExecutionRedriven" && e.ExecutionRedrivenEventDetails.RedriveCount != nil && *e.ExecutionRedrivenEventDetails.RedriveCount == 1 {
			redriven = true
		}
	}
	if !redriven {
		t.Fatal("no ExecutionRedriven event with redriveCount 1")
	}
}

func TestRedriveResumesAtTheFailedState(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "once"})
	var fail atomic.Bool
	fail.Store(true)
	worker(ctx, t, svc, act.ActivityArn, func(in string) (string, string, string) {
		if fail.Load() {
			return "", "Worker.Crashed", "first try"
		}
		return in, "", ""
	})
	def := fmt.Sprintf(`{"StartAt":"Prepare","States":{
		"Prepare":{"Type":"Pass","Result":"prepared","ResultPath":"$.p","Next":"Work"},
		"Work":{"Type":"Task","Resource":"%s","End":true}}}`, act.ActivityArn)
	out := run(t, svc, def, `{"x":1}`)
	if out.Status != StatusFailed || out.Error != "Worker.Crashed" {
		t.Fatalf("first run %s %s", out.Status, out.Error)
	}
	fail.Store(false)
	if _, err := svc.RedriveExecution(ctx, RedriveExecutionInput{ExecutionArn: out.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	final, err := svc.WaitExecution(ctx, out.ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	assertOutput(t, final, `{"x":1,"p":"prepared"}`)
	var prepares int
	types := eventTypes(t, svc, out.ExecutionArn)
	h, _ := svc.GetExecutionHistory(ctx, GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn, MaxResults: 1000})
	for _, e := range h.Events {
		if e.Type == "PassStateEntered" {
			prepares++
		}
	}
	if prepares != 1 || !slices.Contains(types, "ExecutionRedriven") {
		t.Fatalf("Prepare ran %d times (want 1); history %v", prepares, types)
	}
}

func TestItemReaders(t *testing.T) {
	t.Parallel()
	s3 := newMemS3()
	ctx := context.Background()
	_ = s3.PutObject(ctx, "data", "items.json", []byte(`[{"a":1},{"a":2},{"a":3}]`))
	_ = s3.PutObject(ctx, "data", "items.jsonl", []byte("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n"))
	_ = s3.PutObject(ctx, "data", "given.csv", []byte("x;1\ny;2\n"))
	for _, k := range []string{"in/a", "in/b", "in/c"} {
		_ = s3.PutObject(ctx, "data", k, []byte("data"))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("src,loans/a.jsonl,10,2024-01-01T00:00:00.000Z\nsrc,loans/b.jsonl,20,2024-01-02T00:00:00.000Z\n"))
	_ = zw.Close()
	_ = s3.PutObject(ctx, "inv", "data/part0.csv.gz", gz.Bytes())
	_ = s3.PutObject(ctx, "inv", "manifest.json", []byte(`{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::inv","version":"2016-11-30",
		"fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate","files":[{"key":"data/part0.csv.gz","size":1,"MD5checksum":"x"}]}`))
	svc, _ := newTestService(t, Options{TimeScale: 0.001, S3: s3})

	machine := func(reader string) string {
		return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":` + reader + `,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	}
	for _, tc := range []struct{ name, reader, want string }{
		{"JSON array", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"data","Key":"items.json"}}`,
			`[{"a":1},{"a":2},{"a":3}]`},
		{"JSON Lines with MaxItems", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL","MaxItems":2},"Parameters":{"Bucket":"data","Key":"items.jsonl"}}`,
			`[{"a":1},{"a":2}]`},
		{"CSV with given headers and a delimiter", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["name","n"],"CSVDelimiter":"SEMICOLON"},"Parameters":{"Bucket":"data","Key":"given.csv"}}`,
			`[{"name":"x","n":"1"},{"name":"y","n":"2"}]`},
		{"S3 Inventory manifest", `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"MANIFEST"},"Parameters":{"Bucket":"inv","Key":"manifest.json"}}`,
			`[{"Bucket":"src","Key":"loans/a.jsonl","Size":"10","LastModifiedDate":"2024-01-01T00:00:00.000Z"},{"Bucket":"src","Key":"loans/b.jsonl","Size":"20","LastModifiedDate":"2024-01-02T00:00:00.000Z"}]`},
		{"listObjectsV2 across pages", `{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"data","Prefix":"in/"}}`,
			`[{"Key":"in/a","Etag":"\"etag\"","LastModified":1700000000,"Size":4,"StorageClass":"STANDARD"},{"Key":"in/b","Etag":"\"etag\"","LastModified":1700000000,"Size":4,"StorageClass":"STANDARD"},{"Key":"in/c","Etag":"\"etag\"","LastModified":1700000000,"Size":4,"StorageClass":"STANDARD"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertOutput(t, run(t, svc, machine(tc.reader), `{}`), tc.want)
		})
	}
	t.Run("a missing object is States.ItemReaderFailed", func(t *testing.T) {
		t.Parallel()
		out := run(t, svc, machine(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"data","Key":"nope.json"}}`), `{}`)
		if out.Status != StatusFailed || out.Error != "States.ItemReaderFailed" {
			t.Fatalf("got %s %s", out.Status, out.Error)
		}
	})
}

func TestBatchItemsRespectsBothLimits(t *testing.T) {
	t.Parallel()
	ip := func(v int) *int { return &v }
	items := []any{"aaaa", "bbbb", "cccc", "dddd", "eeee"}
	for _, tc := range []struct {
		name      string
		maxItems  *int
		maxBytes  *int
		wantSizes []int
	}{
		{"by count", ip(2), nil, []int{2, 2, 1}},
		// {"Items":[]} is 12 bytes; each item adds 7 ("aaaa" and a comma).
		{"by bytes", nil, ip(12 + 3*7), []int{3, 2}},
		{"the tighter limit wins", ip(4), ip(12 + 3*7), []int{3, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &asl.ItemBatcher{MaxItemsPerBatch: tc.maxItems, MaxInputBytesPerBatch: tc.maxBytes}
			batches, sizes, err := batchItems(b, items, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Fatalf("sizes %v, want %v", sizes, tc.wantSizes)
			}
			for _, batch := range batches {
				if n := len(paths.MustMarshal(batch)); tc.maxBytes != nil && n > *tc.maxBytes {
					t.Fatalf("batch of %d bytes exceeds %d", n, *tc.maxBytes)
				}
			}
		})
	}
}

func TestStoppingTheParentAbortsTheMapRun(t *testing.T) {
	t.Parallel()
	s3 := newMemS3()
	putCSV(s3, 10)
	svc, _ := newTestService(t, Options{TimeScale: 0.001, S3: s3})
	ctx := testContext(t)
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "nobody"}) // no worker: children wait
	arn := createMachine(t, svc, "Stopped", fmt.Sprintf(csvMapMachine, "0", act.ActivityArn))
	start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Input: `{"key":"loans.csv","run":"r1"}`})
	if err != nil {
		t.Fatal(err)
	}
	var mapRunArn string
	for mapRunArn == "" { // the Map Run appears once the items are read
		runs, err := svc.ListMapRuns(ctx, ListMapRunsInput{ExecutionArn: start.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs.MapRuns) == 1 {
			mapRunArn = runs.MapRuns[0].MapRunArn
		}
		if ctx.Err() != nil {
			t.Fatal("no Map Run started")
		}
	}
	for {
		mr, _ := svc.DescribeMapRun(ctx, DescribeMapRunInput{MapRunArn: mapRunArn})
		if mr.ExecutionCounts.Running == 2 { // MaxConcurrency 2
			break
		}
		if ctx.Err() != nil {
			t.Fatal("children did not start")
		}
	}
	if _, err := svc.StopExecution(ctx, StopExecutionInput{ExecutionArn: start.ExecutionArn, Error: "User.Cancelled"}); err != nil {
		t.Fatal(err)
	}
	out, _ := svc.WaitExecution(ctx, start.ExecutionArn)
	if out.Status != StatusAborted || out.Error != "User.Cancelled" {
		t.Fatalf("parent %s %s", out.Status, out.Error)
	}
	// The children end as the parent's stop propagates.
	for {
		mr, _ := svc.DescribeMapRun(ctx, DescribeMapRunInput{MapRunArn: mapRunArn})
		if mr.ExecutionCounts.Running == 0 {
			if mr.Status != "ABORTED" || mr.ExecutionCounts.Aborted != 2 || mr.ExecutionCounts.Pending != 2 {
				t.Fatalf("map run %s counts %+v", mr.Status, mr.ExecutionCounts)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("children still running")
		}
	}
}

// Under a WriterConfig, a tolerated failed child keeps its whole record in
// the Map's output whatever the Transformation; a succeeded one gives its
// output shaped by it.
func TestWriterConfigKeepsTheRecordOfAFailedChild(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ToleratedFailurePercentage":50,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$.bad","BooleanEquals":true,"Next":"F"}],"Default":"P"},
			"F":{"Type":"Fail","Error":"Item.Bad","Cause":"a bad item"},
			"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"End":true}}},
		"ResultWriter":{"WriterConfig":{"Transformation":"COMPACT","OutputType":"JSON"}},"End":true}}}`
	out := run(t, svc, def, `{"items":[{"n":1,"bad":false},{"n":2,"bad":true}]}`)
	if out.Status != StatusSucceeded || out.Output == nil {
		t.Fatalf("%s %s: %s", out.Status, out.Error, out.Cause)
	}
	v, err := paths.DecodeString(*out.Output)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := v.([]any)
	if len(res) != 2 {
		t.Fatalf("output %s: want two results", *out.Output)
	}
	if got := paths.MustMarshal(res[0]); got != `{"n":1}` {
		t.Errorf("succeeded child gives %s, want its output {\"n\":1}", got)
	}
	failed, _ := res[1].(map[string]any)
	if failed["Status"] != StatusFailed || failed["Error"] != "Item.Bad" || failed["Cause"] != "a bad item" || failed["ExecutionArn"] == nil || failed["Input"] == nil {
		t.Errorf("failed child gives %s, want its whole record (Status, Error, Cause, ExecutionArn, Input)", paths.MustMarshal(res[1]))
	}
}
