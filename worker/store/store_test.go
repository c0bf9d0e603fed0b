package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

const bucket = "montecarlo-test"

// fast retries keep throttling tests quick; the policy is the same.
var fast = store.Options{MaxAttempts: 10, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// setup starts a local S3 endpoint and returns a store over a client built
// the way the worker builds one, with static test credentials.
func setup(t testing.TB, srvOpts s3local.Options, opts store.Options, clientOpts ...func(*s3.Options)) (*s3local.Server, *store.S3) {
	t.Helper()
	if srvOpts.Dir == "" {
		srvOpts.Dir = t.TempDir()
	}
	srvOpts.Buckets = []string{bucket}
	srv, err := s3local.Start(context.Background(), srvOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	creds := func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	}
	client, err := store.NewClient(context.Background(), srv.URL(), "us-east-1", append([]func(*s3.Options){creds}, clientOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, st
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, s3local.Options{}, fast)
	ctx := t.Context()
	body := []byte(`{"id":"L1"}` + "\n")
	if err := st.PutBytes(ctx, bucket, "runs/r1/part-0001.jsonl", body, "application/x-ndjson"); err != nil {
		t.Fatal(err)
	}

	t.Run("get streams the bytes back", func(t *testing.T) {
		rc, err := st.Get(ctx, bucket, "runs/r1/part-0001.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("the object is a plain file in the local data directory", func(t *testing.T) {
		got, err := os.ReadFile(filepath.Join(srv.Dir(), bucket, "runs", "r1", "part-0001.jsonl"))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("file holds %q, %v", got, err)
		}
	})
	t.Run("head and exists describe it", func(t *testing.T) {
		o, err := st.Head(ctx, bucket, "runs/r1/part-0001.jsonl")
		if err != nil || o.Size != int64(len(body)) || o.ETag == "" {
			t.Errorf("head = %+v, %v", o, err)
		}
		if ok, err := st.Exists(ctx, bucket, "runs/r1/part-0001.jsonl"); !ok || err != nil {
			t.Errorf("exists = %v, %v", ok, err)
		}
		if ok, err := st.Exists(ctx, bucket, "runs/r1/missing"); ok || err != nil {
			t.Errorf("exists of a missing key = %v, %v; want false, nil", ok, err)
		}
	})
	t.Run("an overwrite replaces the object", func(t *testing.T) {
		if err := st.PutBytes(ctx, bucket, "runs/r1/part-0001.jsonl", []byte("v2"), ""); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetBytes(ctx, bucket, "runs/r1/part-0001.jsonl")
		if err != nil || string(got) != "v2" {
			t.Errorf("after overwrite: %q, %v", got, err)
		}
	})
	t.Run("a missing key is S3.NotFound", func(t *testing.T) {
		_, err := st.GetBytes(ctx, bucket, "runs/r1/nope")
		if store.Name(err) != store.NameNotFound || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v (name %q), want S3.NotFound", err, store.Name(err))
		}
		if !strings.Contains(err.Error(), "s3://"+bucket+"/runs/r1/nope") {
			t.Errorf("err = %v, want it to name the object", err)
		}
	})
}

func TestListPagesThroughEveryKeyInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var want []string
	for i := range 2100 {
		key := fmt.Sprintf("input/shard-%05d.jsonl", i)
		path := filepath.Join(dir, bucket, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, key)
	}
	_, st := setup(t, s3local.Options{Dir: dir}, fast)
	objs, err := st.ListAll(t.Context(), bucket, "input/")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %d keys, want %d in order", len(got), len(want))
	}
	t.Run("StopList ends the listing early without error", func(t *testing.T) {
		n := 0
		err := st.List(t.Context(), bucket, "input/", func(store.Object) error {
			n++
			if n == 5 {
				return store.StopList
			}
			return nil
		})
		if err != nil || n != 5 {
			t.Errorf("visited %d, err %v; want 5, nil", n, err)
		}
	})
}

func TestGetMany(t *testing.T) {
	t.Parallel()
	_, st := setup(t, s3local.Options{}, fast)
	ctx := t.Context()
	var keys []string
	for i := range 40 {
		key := fmt.Sprintf("in/%02d", i)
		if err := st.PutBytes(ctx, bucket, key, []byte(strings.Repeat(key, 1000)), ""); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}

	t.Run("each body reaches fn with its key's index, at most concurrency at once", func(t *testing.T) {
		got := make([]string, len(keys))
		var inFlight, peak atomic.Int32
		err := st.GetMany(ctx, bucket, keys, 4, func(_ context.Context, i int, body io.Reader) error {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			b, err := io.ReadAll(body)
			got[i] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range keys {
			if got[i] != strings.Repeat(k, 1000) {
				t.Fatalf("result %d holds %.8q..., want key %s's body", i, got[i], k)
			}
		}
		if peak.Load() > 4 {
			t.Errorf("%d bodies in flight, want at most 4", peak.Load())
		}
	})
	t.Run("the first error stops the rest and is returned", func(t *testing.T) {
		boom := errors.New("bad shard")
		var calls atomic.Int32
		err := st.GetMany(ctx, bucket, keys, 2, func(_ context.Context, i int, _ io.Reader) error {
			calls.Add(1)
			if i == 3 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want the callback's", err)
		}
		if c := calls.Load(); c >= int32(len(keys)) {
			t.Errorf("fn ran %d times after the failure, want the rest cancelled", c)
		}
	})
	t.Run("a missing key fails as S3.NotFound", func(t *testing.T) {
		err := st.GetMany(ctx, bucket, []string{keys[0], "in/missing"}, 2, func(context.Context, int, io.Reader) error { return nil })
		if store.Name(err) != store.NameNotFound {
			t.Errorf("err = %v, want S3.NotFound", err)
		}
	})
	t.Run("a negative concurrency is refused", func(t *testing.T) {
		err := st.GetMany(ctx, bucket, keys, -1, func(context.Context, int, io.Reader) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "concurrency") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTwentyPercentSlowDownStillCompletes(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, s3local.Options{SlowDownRate: 0.2, Seed: 42}, fast)
	ctx := t.Context()
	const n = 500
	keys := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		keys[i] = fmt.Sprintf("runs/r1/partials/batch-%04d.json", i)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := st.PutBytes(ctx, bucket, keys[i], []byte(keys[i]), "application/json"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("put under 20%% SlowDown: %v", err)
	}
	got := make([]string, n)
	err := st.GetMany(ctx, bucket, keys, 16, func(_ context.Context, i int, body io.Reader) error {
		b, err := io.ReadAll(body)
		got[i] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("get many under 20%% SlowDown: %v", err)
	}
	if !slices.Equal(got, keys) {
		t.Error("some bodies do not match their keys")
	}
	objs, err := st.ListAll(ctx, bucket, "runs/r1/partials/")
	if err != nil || len(objs) != n {
		t.Fatalf("list under 20%% SlowDown: %d objects, %v", len(objs), err)
	}
	// The retries, not luck, carried it: about a fifth of requests failed.
	if st := srv.Stats(); st.Faults < st.Requests/10 {
		t.Errorf("only %d of %d requests were throttled", st.Faults, st.Requests)
	}
}

func TestPersistentSlowDownSurfacesAsS3SlowDown(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, s3local.Options{SlowDownRate: 1}, store.Options{MaxAttempts: 4, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	err := st.PutBytes(t.Context(), bucket, "k", []byte("x"), "")
	if store.Name(err) != "S3.SlowDown" || !store.IsSlowDown(err) || !errors.Is(err, store.ErrSlowDown) {
		t.Fatalf("err = %v (name %q), want S3.SlowDown", err, store.Name(err))
	}
	if got := srv.Stats().Requests; got != 4 {
		t.Errorf("server saw %d attempts, want exactly MaxAttempts = 4", got)
	}
}

func TestPersistentInternalErrorSurfacesAsS3IO(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, s3local.Options{Fault: func(r *http.Request) (int, string, bool) {
		return http.StatusInternalServerError, "InternalError", r.Method == http.MethodGet
	}}, store.Options{MaxAttempts: 3, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	if err := st.PutBytes(t.Context(), bucket, "k", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	_, err := st.GetBytes(t.Context(), bucket, "k")
	if store.Name(err) != "S3.IO" {
		t.Fatalf("err = %v (name %q), want S3.IO", err, store.Name(err))
	}
	if got := srv.Stats().Requests - before; got != 3 {
		t.Errorf("server saw %d attempts, want 3", got)
	}
}

// breakingTransport cuts the first `breaks` GET response bodies after `after`
// bytes with a connection reset, as a dropped connection would.
type breakingTransport struct {
	next   http.RoundTripper
	after  int
	breaks atomic.Int32
}

func (b *breakingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || resp.StatusCode/100 != 2 || r.URL.Query().Has("list-type") {
		return resp, err
	}
	if b.breaks.Add(-1) < 0 {
		return resp, nil
	}
	resp.Body = &brokenBody{rc: resp.Body, left: b.after}
	return resp, nil
}

type brokenBody struct {
	rc   io.ReadCloser
	left int
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &netError{syscall.ECONNRESET}
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= n
	return n, err
}

func (b *brokenBody) Close() error { return b.rc.Close() }

type netError struct{ err error }

func (e *netError) Error() string { return "read tcp 127.0.0.1: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func TestGetResumesAfterABrokenConnection(t *testing.T) {
	t.Parallel()
	bt := &breakingTransport{next: http.DefaultTransport, after: 1000}
	bt.breaks.Store(3)
	_, st := setup(t, s3local.Options{}, fast, func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: bt} })
	body := bytes.Repeat([]byte("0123456789"), 10_000)
	if err := st.PutBytes(t.Context(), bucket, "big", body, ""); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetBytes(t.Context(), bucket, "big")
	if err != nil {
		t.Fatalf("get across 3 broken connections: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("got %d bytes, want the %d stored", len(got), len(body))
	}
	if bt.breaks.Load() >= 0 {
		t.Errorf("only %d breaks happened", 3-bt.breaks.Load())
	}

	t.Run("a resume never mixes in bytes of a newer version", func(t *testing.T) {
		bt.breaks.Store(1)
		rc, err := st.Get(t.Context(), bucket, "big")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.ReadFull(rc, make([]byte, 500)); err != nil {
			t.Fatal(err)
		}
		if err := st.PutBytes(t.Context(), bucket, "big", bytes.Repeat([]byte("x"), len(body)), ""); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(rc)
		if store.Name(err) != store.NameIO || bytes.Contains(rest, []byte("x")) {
			t.Errorf("read %d more bytes, err %v; want S3.IO and no bytes of the new version", len(rest), err)
		}
		if err := st.PutBytes(t.Context(), bucket, "big", body, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a connection that keeps breaking fails as S3.IO", func(t *testing.T) {
		bt.breaks.Store(100)
		_, err := st.GetBytes(t.Context(), bucket, "big")
		if store.Name(err) != store.NameIO || !strings.Contains(err.Error(), "resumes") {
			t.Errorf("err = %v (name %q), want S3.IO after bounded resumes", err, store.Name(err))
		}
	})
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts store.Options
		want string
	}{
		{"negative attempts", store.Options{MaxAttempts: -1}, "MaxAttempts"},
		{"a max backoff below the base", store.Options{BaseBackoff: time.Second, MaxBackoff: time.Millisecond}, "MaxBackoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" are refused", func(t *testing.T) {
			t.Parallel()
			_, err := store.New(s3.New(s3.Options{}), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want mention of %s", err, tt.want)
			}
		})
	}
}

// BenchmarkGetMany reads 100 objects of 100 KiB from the local endpoint with
// 8 parallel GETs and reports throughput.
func BenchmarkGetMany(b *testing.B) {
	_, st := setup(b, s3local.Options{}, store.Options{})
	ctx := context.Background()
	const n, size = 100, 100 << 10
	keys := make([]string, n)
	payload := bytes.Repeat([]byte("l"), size)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench/shard-%03d.jsonl", i)
		if err := st.PutBytes(ctx, bucket, keys[i], payload, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(n * size)
	b.ResetTimer()
	for b.Loop() {
		var total atomic.Int64
		err := st.GetMany(ctx, bucket, keys, 8, func(_ context.Context, _ int, body io.Reader) error {
			m, err := io.Copy(io.Discard, body)
			total.Add(m)
			return err
		})
		if err != nil || total.Load() != n*size {
			b.Fatalf("read %d bytes, %v", total.Load(), err)
		}
	}
}

// TestClientFollowsTheEndpointVariable builds the client the way a worker
// run by the local runtime does: endpoint and credentials from environment
// variables only.
func TestClientFollowsTheEndpointVariable(t *testing.T) {
	srv, err := s3local.Start(t.Context(), s3local.Options{Dir: t.TempDir(), Buckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_S3", strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1))
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	client, err := store.NewClient(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(client, fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutBytes(t.Context(), bucket, "runs/x/manifest.json", []byte("{}"), "application/json"); err != nil {
		t.Fatalf("put through AWS_ENDPOINT_URL_S3 (path style): %v", err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir(), bucket, "runs", "x", "manifest.json")); err != nil {
		t.Errorf("object not in the local data directory: %v", err)
	}
}
