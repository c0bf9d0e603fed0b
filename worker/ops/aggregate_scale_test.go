package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// scaleStore is an in-process store.Store holding a run of `batches`
// simulate batches of `per` one-loan objects each, made up on demand: the
// input's CSV manifest is generated as it is read and each partial when it
// is fetched, so the test's own memory does not grow with the objects and
// what is measured is aggregate's.
type scaleStore struct {
	batches, per int
	run          workflow.RunContext
	params       model.Params
	partial      *risk.Partial
	ids          []string
	// short, if >= 0, is a batch whose partial omits its last object;
	// gone, if >= 0, a batch whose partial does not exist.
	short, gone int

	mu    sync.Mutex
	small map[string][]byte
	gets  atomic.Int64
	heads atomic.Int64
	lists atomic.Int64
}

const (
	scaleBucket   = "montecarlo-scale"
	scaleManifest = "in/manifest.csv"
)

func scaleKey(b, j int) string { return fmt.Sprintf("in/b%05d/o%04d.json", b, j) }

func newScaleStore(t testing.TB, batches, per int) *scaleStore {
	p := model.DefaultParams()
	p.Scenarios, p.Seed = 8, 1
	s := &scaleStore{batches: batches, per: per, params: p, short: -1, gone: -1, small: map[string][]byte{}}
	s.run = workflow.RunContext{RunID: "scale", Bucket: scaleBucket, Prefix: workflow.RunPrefix("scale"), ManifestKey: workflow.RunManifestKey("scale"),
		Seed: 1, Scenarios: p.Scenarios, HorizonMonths: p.HorizonMonths, TargetRate: p.TargetRateAnnual, ParamsHash: p.Hash(), InputBucket: scaleBucket}
	s.partial = risk.NewPartial(p)
	r := model.Result{LoanID: "l", Segment: loan.Segments[0], CreditScore: 700, InputPD12: 0.02, BaselinePD: 0.02, StressedPD: 0.03,
		PaymentShockMean: 1, PaymentShockMax: 1, Losses: []model.ScenarioLoss{{Scenario: 1, Cents: 12345}}}
	if err := s.partial.Add(&r); err != nil {
		t.Fatal(err)
	}
	items := make([]workflow.InputItem, per)
	for b := range batches {
		for j := range per {
			items[j] = workflow.InputItem{Bucket: scaleBucket, Key: scaleKey(b, j)}
		}
		s.ids = append(s.ids, workflow.BatchID(items, scaleBucket))
	}
	m := RunManifest{RunID: "scale", ExecutionName: "scale", Dataset: "scale", Seed: 1, ModelVersion: model.ModelVersion, ParamsHash: p.Hash(), Params: p,
		Input: workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: scaleBucket, Key: scaleManifest}, ExpectedLoans: int64(batches * per)}
	s.small[s.run.ManifestKey] = mustMarshal(t, m)
	// The Map Run's results: one SUCCEEDED file listing every batch.
	var recs bytes.Buffer
	recs.WriteByte('[')
	for b, id := range s.ids {
		out := mustMarshal(t, workflow.SimulateOutput{BatchID: id, Objects: per, Loans: int64(per), PartialKey: workflow.PartialKey("scale", id), ResultsKey: workflow.ResultsKey("scale", id)})
		if b > 0 {
			recs.WriteByte(',')
		}
		recs.Write(mustMarshal(t, map[string]any{"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:x:" + strconv.Itoa(b), "Status": "SUCCEEDED", "Output": string(out)}))
	}
	recs.WriteByte(']')
	s.small["runs/scale/results/x/SUCCEEDED_0.json"] = recs.Bytes()
	man := mapResultManifest{DestinationBucket: scaleBucket, MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sim/x"}
	man.ResultFiles.Succeeded = []resultFile{{Key: "runs/scale/results/x/SUCCEEDED_0.json"}}
	s.small["runs/scale/results/x/manifest.json"] = mustMarshal(t, man)
	return s
}

func mustMarshal(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (s *scaleStore) input() workflow.AggregateInput {
	return workflow.AggregateInput{Run: s.run, Input: workflow.InputSource{Kind: workflow.InputKindCSV, Bucket: scaleBucket, Key: scaleManifest},
		ExpectedLoans: int64(s.batches * s.per),
		MapRun: workflow.MapRun{MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sim/x",
			ResultWriterDetails: workflow.ResultWriterDetails{Bucket: scaleBucket, Key: "runs/scale/results/x/manifest.json"}}}
}

func notFound(op, bucket, key string) error {
	return &store.Error{Op: op, URI: store.URI{Bucket: bucket, Key: key}, Err: store.ErrNotFound}
}

// batchOf returns the batch of a partial key, or -1.
func (s *scaleStore) batchOf(key string) int {
	id, ok := strings.CutPrefix(key, workflow.PartialsPrefix("scale")+"batch-")
	if !ok {
		return -1
	}
	id = strings.TrimSuffix(id, ".json")
	for b, x := range s.ids { // tests only: a linear search is fine
		if x == id {
			return b
		}
	}
	return -1
}

func (s *scaleStore) partialFile(b int) []byte {
	n := s.per
	if b == s.short {
		n--
	}
	objs := make([]ObjectCount, n)
	for j := range objs {
		objs[j] = ObjectCount{Bucket: scaleBucket, Key: scaleKey(b, j), Loans: 1}
	}
	pf := PartialFile{RunID: "scale", BatchID: s.ids[b], ParamsHash: s.run.ParamsHash, Seed: 1, ModelVersion: model.ModelVersion,
		Loans: int64(s.per), Objects: objs, ResultsKey: workflow.ResultsKey("scale", s.ids[b]), Partial: s.partial}
	out, _ := json.Marshal(pf)
	return out
}

// manifestReader generates the input's CSV manifest row by row.
type manifestReader struct {
	s    *scaleStore
	b, j int
	buf  []byte
	head bool
}

func (r *manifestReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if !r.head {
			r.head = true
			r.buf = []byte(strings.Join(workflow.ManifestCSVHeader, ",") + "\n")
			break
		}
		if r.b >= r.s.batches {
			return 0, io.EOF
		}
		for _, h := range workflow.ManifestCSVHeader {
			switch h {
			case "Bucket":
				r.buf = append(r.buf, scaleBucket...)
			case "Key":
				r.buf = append(r.buf, scaleKey(r.b, r.j)...)
			case "Size":
				r.buf = append(r.buf, "100"...)
			case "Loans":
				r.buf = append(r.buf, '1')
			}
			r.buf = append(r.buf, ',')
		}
		r.buf[len(r.buf)-1] = '\n'
		if r.j++; r.j == r.s.per {
			r.b, r.j = r.b+1, 0
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (s *scaleStore) Get(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	s.gets.Add(1)
	if key == scaleManifest {
		return io.NopCloser(&manifestReader{s: s}), nil
	}
	if b := s.batchOf(key); b >= 0 && b != s.gone {
		return io.NopCloser(bytes.NewReader(s.partialFile(b))), nil
	}
	s.mu.Lock()
	v, ok := s.small[key]
	s.mu.Unlock()
	if !ok {
		return nil, notFound("get", bucket, key)
	}
	return io.NopCloser(bytes.NewReader(v)), nil
}

func (s *scaleStore) GetBytes(ctx context.Context, bucket, key string) ([]byte, error) {
	rc, err := s.Get(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (s *scaleStore) GetMany(ctx context.Context, bucket string, keys []string, concurrency int, fn func(ctx context.Context, i int, body io.Reader) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Value
	for range max(concurrency, 1) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keys) || first.Load() != nil {
					return
				}
				rc, err := s.Get(ctx, bucket, keys[i])
				if err == nil {
					err = fn(ctx, i, rc)
					rc.Close()
				}
				if err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return nil
}

func (s *scaleStore) Put(ctx context.Context, bucket, key string, body io.ReadSeeker, contentType string) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	return s.PutBytes(ctx, bucket, key, b, contentType)
}

func (s *scaleStore) PutBytes(_ context.Context, _, key string, body []byte, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.small[key] = bytes.Clone(body)
	return nil
}

// List lists only the partials (what aggregate lists), in key order is not
// needed for a set.
func (s *scaleStore) List(_ context.Context, bucket, prefix string, fn func(store.Object) error) error {
	s.lists.Add(1)
	if prefix != workflow.PartialsPrefix("scale") {
		return fmt.Errorf("scaleStore: list %s: not supported", prefix)
	}
	for b, id := range s.ids {
		if b == s.gone {
			continue
		}
		if err := fn(store.Object{Key: workflow.PartialKey("scale", id), Size: 1}); err != nil {
			return err
		}
	}
	return nil
}

func (s *scaleStore) Head(_ context.Context, bucket, key string) (store.Object, error) {
	s.heads.Add(1)
	if b := s.batchOf(key); b >= 0 && b != s.gone {
		return store.Object{Key: key}, nil
	}
	return store.Object{}, notFound("head", bucket, key)
}

// peakHeap runs fn and returns the largest heap in use above the heap
// before it, sampled every few milliseconds.
func peakHeap(fn func()) (peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
				peak = ms.HeapAlloc - base
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	return peak
}

// TestAggregateAtTenThousandBatches runs aggregate's exactly-once check
// over 10,000 batches, with 10 and then 40 one-loan objects each (100,000
// and 400,000 input objects): its peak heap must not grow with the
// objects (it held a map entry per object, about 150 bytes each, so 100
// million per-loan objects needed some 15 GB), partials must be found by
// listing, not a HEAD each, and a batch short of one object must still be
// caught.
func TestAggregateAtTenThousandBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 batches: not in -short")
	}
	const batches = 10_000
	run := func(t *testing.T, per int, short, gone int, exact int64) (workflow.AggregateOutput, error, uint64, *scaleStore, time.Duration) {
		s := newScaleStore(t, batches, per)
		s.short, s.gone = short, gone
		o := newOps(Deps{Store: s, S3Concurrency: 8, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Unix(0, 0) }})
		if exact > 0 {
			o.exactObjects = exact
		}
		var out workflow.AggregateOutput
		var err error
		start := time.Now()
		peak := peakHeap(func() { out, err = o.aggregate(context.Background(), s.input()) })
		return out, err, peak, s, time.Since(start)
	}

	var peaks []uint64
	for _, per := range []int{10, 40} {
		out, err, peak, s, took := run(t, per, -1, -1, 0)
		if err != nil {
			t.Fatalf("%d x %d: %v", batches, per, err)
		}
		if out.Batches != batches || out.Loans != int64(batches*per) {
			t.Errorf("%d x %d: aggregate = %+v", batches, per, out)
		}
		if h, l := s.heads.Load(), s.lists.Load(); h != 0 || l != 1 {
			t.Errorf("%d HEADs and %d listings of the partials; want none and one", h, l)
		}
		t.Logf("%d batches x %d objects (%d objects): peak heap %.1f MiB above the start, %v, %d GETs",
			batches, per, batches*per, float64(peak)/(1<<20), took.Round(time.Millisecond), s.gets.Load())
		peaks = append(peaks, peak)
	}
	// Four times the objects: the partials are four times larger while
	// read (S3Concurrency of them at once), nothing else grows with them.
	if peaks[1] > 2*peaks[0]+16<<20 || peaks[1] > 128<<20 {
		t.Errorf("peak heap grew from %.1f MiB to %.1f MiB with 4x the objects: the check is not bounded by batches",
			float64(peaks[0])/(1<<20), float64(peaks[1])/(1<<20))
	}

	t.Run("a batch short of an object is named, per batch above the exact limit", func(t *testing.T) {
		_, err, peak, _, _ := run(t, 10, 4321, -1, 1000)
		var te *activity.TaskError
		if err == nil || !errors.As(err, &te) || te.Name != activity.AggregateMismatch {
			t.Fatalf("aggregate = %v; want %s", err, activity.AggregateMismatch)
		}
		for _, want := range []string{"object s3://" + scaleBucket + "/" + scaleKey(4321, 9) + " (input position 43219) is inside no batch"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		t.Logf("mismatch found with a peak heap of %.1f MiB", float64(peak)/(1<<20))
	})
	t.Run("a missing partial is found by the listing, without a HEAD per batch", func(t *testing.T) {
		_, err, _, s, _ := run(t, 10, -1, 777, 0)
		if err == nil || !strings.Contains(err.Error(), "batch "+s.ids[777]+" is missing") {
			t.Fatalf("aggregate = %v; want batch %s named missing", err, s.ids[777])
		}
		if h := s.heads.Load(); h != 0 {
			t.Errorf("%d HEADs; want none", h)
		}
	})
}
