package s3local_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
)

const bucket = "results"

// start runs a server over a fresh directory with one bucket and returns a
// real SDK client pointed at it the way the runtime's clients are.
func start(t *testing.T, opts s3local.Options) (*s3local.Server, *s3.Client) {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Buckets == nil {
		opts.Buckets = []string{bucket}
	}
	srv, err := s3local.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, newClient(srv.URL(), 1)
}

func newClient(endpoint string, maxAttempts int) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:     aws.String(endpoint),
		UsePathStyle:     true,
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: maxAttempts,
	})
}

func put(t *testing.T, c *s3.Client, key, body string) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

func get(t *testing.T, c *s3.Client, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return string(b)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestObjectsArePlainFiles(t *testing.T) {
	t.Parallel()
	srv, c := start(t, s3local.Options{})
	body := "<html><body>report</body></html>"
	_, err := c.PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("runs/x/report.html"),
		Body: strings.NewReader(body), ContentType: aws.String("text/html"),
		Metadata: map[string]string{"run-id": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the object is the file dir/bucket/key with the same bytes", func(t *testing.T) {
		got, err := os.ReadFile(filepath.Join(srv.Dir(), bucket, "runs", "x", "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Errorf("file holds %q, want %q", got, body)
		}
	})
	t.Run("the bucket directory holds only the object tree", func(t *testing.T) {
		var files []string
		filepath.WalkDir(filepath.Join(srv.Dir(), bucket), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		if len(files) != 1 {
			t.Errorf("bucket tree holds %v, want only the report", files)
		}
	})
	t.Run("get returns the bytes, content type, metadata and MD5 ETag", func(t *testing.T) {
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/report.html")})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		got, _ := io.ReadAll(out.Body)
		sum := md5.Sum([]byte(body))
		if string(got) != body || aws.ToString(out.ContentType) != "text/html" ||
			out.Metadata["run-id"] != "x" || aws.ToString(out.ETag) != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Errorf("got body %q type %q meta %v etag %s", got, aws.ToString(out.ContentType), out.Metadata, aws.ToString(out.ETag))
		}
	})
	t.Run("get returns the CRC32 checksum the SDK validates", func(t *testing.T) {
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("runs/x/report.html"), ChecksumMode: types.ChecksumModeEnabled,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		if _, err := io.ReadAll(out.Body); err != nil {
			t.Fatalf("read with validation: %v", err)
		}
		var sum [4]byte
		binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE([]byte(body)))
		if want := base64.StdEncoding.EncodeToString(sum[:]); aws.ToString(out.ChecksumCRC32) != want {
			t.Errorf("checksum %q, want %q", aws.ToString(out.ChecksumCRC32), want)
		}
	})
	t.Run("an overwrite replaces the headers instead of merging them", func(t *testing.T) {
		put(t, c, "runs/x/replaced.html", "v1")
		_, err := c.PutObject(t.Context(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("runs/x/replaced.html"), Body: strings.NewReader("v2"),
			Metadata: map[string]string{"only": "first"},
		})
		if err != nil {
			t.Fatal(err)
		}
		put(t, c, "runs/x/replaced.html", "v3")
		out, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/replaced.html")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Metadata) != 0 {
			t.Errorf("metadata %v survived an overwrite without it", out.Metadata)
		}
	})
	t.Run("head reports the size", func(t *testing.T) {
		out, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/report.html")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt64(out.ContentLength) != int64(len(body)) {
			t.Errorf("content length %d, want %d", aws.ToInt64(out.ContentLength), len(body))
		}
	})
}

func TestFileDroppedInByHandIsAnObject(t *testing.T) {
	t.Parallel()
	srv, c := start(t, s3local.Options{})
	path := filepath.Join(srv.Dir(), bucket, "input", "loans.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{\"id\":1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "input/loans.jsonl"); got != "{\"id\":1}\n" {
		t.Errorf("get = %q", got)
	}
	// Editing the file by hand must be noticed (new ETag), not served stale.
	out1, _ := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/loans.jsonl")})
	if err := os.WriteFile(path, []byte("{\"id\":2}\n{\"id\":3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out2, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("input/loans.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out1.ETag) == aws.ToString(out2.ETag) {
		t.Errorf("ETag %s did not change after the file was edited", aws.ToString(out2.ETag))
	}
}

func TestBuckets(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{Buckets: []string{}})
	ctx := t.Context()
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("fresh")}); err == nil {
		t.Fatal("head of a missing bucket succeeded")
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fresh")}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("fresh")}); err != nil {
		t.Fatalf("head bucket: %v", err)
	}
	out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != "fresh" {
		t.Errorf("buckets = %v, want only fresh (the hidden state directory is not a bucket)", out.Buckets)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("missing"), Key: aws.String("k"), Body: strings.NewReader("x")})
	if errorCode(err) != "NoSuchBucket" {
		t.Errorf("put to a missing bucket: %v, want NoSuchBucket", err)
	}
}

func TestRangeGet(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	put(t, c, "data/bytes", "0123456789")
	tests := []struct {
		rng, want string
	}{
		{"bytes=2-5", "2345"},
		{"bytes=7-", "789"},
		{"bytes=-3", "789"},
		{"bytes=0-0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.rng+" returns "+tt.want, func(t *testing.T) {
			out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("data/bytes"), Range: aws.String(tt.rng)})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Body.Close()
			got, _ := io.ReadAll(out.Body)
			if string(got) != tt.want {
				t.Errorf("range %s = %q, want %q", tt.rng, got, tt.want)
			}
		})
	}
	t.Run("a range past the end is rejected", func(t *testing.T) {
		_, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("data/bytes"), Range: aws.String("bytes=20-30")})
		if errorCode(err) != "InvalidRange" {
			t.Errorf("err = %v, want InvalidRange", err)
		}
	})
}

func TestMissingKeys(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	put(t, c, "a/b", "x")
	for _, key := range []string{"nope", "a", "a/b/c"} {
		t.Run("get of "+key+" is NoSuchKey", func(t *testing.T) {
			_, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			var nsk *types.NoSuchKey
			if !errors.As(err, &nsk) {
				t.Errorf("err = %v, want NoSuchKey", err)
			}
		})
	}
}

func TestKeysThatCannotBePlainFilesAreRejected(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	put(t, c, "runs/x", "object")
	for _, key := range []string{"a//b", "dir/", "a/./b", "a/../b", "runs/x/child"} {
		t.Run(key+" is InvalidArgument", func(t *testing.T) {
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x")})
			if errorCode(err) != "InvalidArgument" {
				t.Errorf("put %q: %v, want InvalidArgument", key, err)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	srv, c := start(t, s3local.Options{})
	ctx := t.Context()
	for _, k := range []string{"runs/a/1", "runs/a/2", "runs/b/1", "keep"} {
		put(t, c, k, k)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/b/1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("never-existed")}); err != nil {
		t.Errorf("deleting a missing key: %v, want success as in S3", err)
	}
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("runs/a/1")}, {Key: aws.String("runs/a/2")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 2 || len(out.Errors) != 0 {
		t.Errorf("deleted %d, errors %v", len(out.Deleted), out.Errors)
	}
	keys, prefixes := listAll(t, c, "", "/", 1000)
	if strings.Join(keys, ",") != "keep" || len(prefixes) != 0 {
		t.Errorf("after deletes: keys %v prefixes %v, want only keep", keys, prefixes)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir(), bucket, "runs")); !os.IsNotExist(err) {
		t.Errorf("empty directory runs/ left behind: %v", err)
	}
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	put(t, c, "src/a.json", `{"a":1}`)
	_, err := c.CopyObject(t.Context(), &s3.CopyObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("dst/b.json"), CopySource: aws.String(bucket + "/src/a.json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "dst/b.json"); got != `{"a":1}` {
		t.Errorf("copy = %q", got)
	}
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	srv, c := start(t, s3local.Options{})
	body := bytes.Repeat([]byte("0123456789abcdef"), 11<<16) // 11 MiB: three parts
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	if _, err := up.Upload(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("big/blob.bin"), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(srv.Dir(), bucket, "big", "blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("file has %d bytes, want the %d uploaded", len(got), len(body))
	}
}

func TestSlowDownInjection(t *testing.T) {
	t.Parallel()
	t.Run("every request throttled is seen by the SDK as SlowDown", func(t *testing.T) {
		t.Parallel()
		_, c := start(t, s3local.Options{SlowDownRate: 1})
		_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x")})
		if errorCode(err) != "SlowDown" {
			t.Fatalf("err = %v, want SlowDown", err)
		}
		if status := httpStatus(err); status != http.StatusServiceUnavailable {
			t.Errorf("status = %d, want 503", status)
		}
		if !strings.Contains(err.Error(), "Please reduce your request rate.") {
			t.Errorf("err = %v, want the S3 message", err)
		}
	})
	t.Run("a fifth of requests fail and the rate is close to the one asked", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t, s3local.Options{SlowDownRate: 0.2, Seed: 7})
		const n = 500
		failed := 0
		for range n {
			_, err := c.HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
			if err != nil {
				failed++
			}
		}
		// Binomial(500, 0.2): sd ~ 8.9; allow 5 sd.
		if failed < 100-45 || failed > 100+45 {
			t.Errorf("%d of %d failed, want about 100", failed, n)
		}
		if st := srv.Stats(); st.Faults != int64(failed) || st.Requests != n {
			t.Errorf("stats = %+v, want %d faults of %d requests", st, failed, n)
		}
	})
	t.Run("a custom fault hook answers with its code", func(t *testing.T) {
		t.Parallel()
		_, c := start(t, s3local.Options{Fault: func(r *http.Request) (int, string, bool) {
			return http.StatusInternalServerError, "InternalError", r.Method == http.MethodGet
		}})
		put(t, c, "k", "v")
		_, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
		if errorCode(err) != "InternalError" || httpStatus(err) != 500 {
			t.Errorf("err = %v, want 500 InternalError", err)
		}
	})
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts s3local.Options
		want string
	}{
		{"a SlowDownRate above one", s3local.Options{SlowDownRate: 1.5}, "SlowDownRate"},
		{"a non-loopback address", s3local.Options{Addr: "0.0.0.0:0"}, "loopback"},
		{"an address without a port", s3local.Options{Addr: "127.0.0.1"}, "host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			tt.opts.Dir = t.TempDir()
			_, err := s3local.Start(t.Context(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
}

func TestOverwriteIsAtomic(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	versions := []string{strings.Repeat("a", 300_000), strings.Repeat("b", 200_000), strings.Repeat("c", 100_000)}
	put(t, c, "shared", versions[0])
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := versions[(w+i)%len(versions)]
				if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("shared"), Body: strings.NewReader(v)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 200 {
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("shared")})
		if err != nil {
			t.Fatalf("get during overwrites: %v", err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		whole := false
		for _, v := range versions {
			whole = whole || string(b) == v
		}
		if !whole {
			t.Fatalf("read %d bytes starting %q: not one whole version", len(b), b[:min(len(b), 8)])
		}
		sum := md5.Sum(b)
		if aws.ToString(out.ETag) != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Fatalf("ETag %s does not match the %d bytes served", aws.ToString(out.ETag), len(b))
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("put: %v", err)
	default:
	}
}

func TestInterruptedUploadLeavesTheOldObject(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := s3local.New(s3local.Options{Dir: dir, Buckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv) // the Server is a plain http.Handler too
	c := newClient(hs.URL, 1)
	put(t, c, "runs/x/part.json", "old")

	// A writer that dies mid-body: the request promises 1,000 bytes and the
	// connection ends after 10.
	req, _ := http.NewRequest(http.MethodPut, hs.URL+"/"+bucket+"/runs/x/part.json",
		io.MultiReader(strings.NewReader("0123456789"), failingReader{}))
	req.ContentLength = 1000
	if resp, err := hs.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("interrupted upload succeeded with %s", resp.Status)
	}
	if got := get(t, c, "runs/x/part.json"); got != "old" {
		t.Errorf("object = %q after an interrupted overwrite, want the old bytes", got)
	}
	hs.Close() // waits for the server's side of the broken request to finish
	tmp, err := os.ReadDir(filepath.Join(dir, ".s3local", "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temporary files left behind: %d (%v)", len(tmp), err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("writer killed") }

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestKeysWithSpecialCharactersAreFilesOfTheSameName(t *testing.T) {
	t.Parallel()
	srv, c := start(t, s3local.Options{})
	for _, key := range []string{"runs/a b/c+d.json", "runs/ünïcode/€.txt", "runs/q?x=1&y/z%20.txt", "runs/semi;colon/equals=sign"} {
		t.Run(key+" round-trips and is a plain file", func(t *testing.T) {
			put(t, c, key, key)
			if got := get(t, c, key); got != key {
				t.Errorf("get = %q", got)
			}
			b, err := os.ReadFile(filepath.Join(srv.Dir(), bucket, filepath.FromSlash(key)))
			if err != nil || string(b) != key {
				t.Errorf("file: %q, %v", b, err)
			}
			keys, _ := listAll(t, c, key, "", 1000)
			if len(keys) != 1 || keys[0] != key {
				t.Errorf("list with the key as prefix = %q", keys)
			}
		})
	}
}

func TestGetHonoursIfMatch(t *testing.T) {
	t.Parallel()
	_, c := start(t, s3local.Options{})
	put(t, c, "runs/x/a.json", "v1")
	head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/a.json")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the current ETag matches", func(t *testing.T) {
		out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/a.json"), IfMatch: head.ETag})
		if err != nil {
			t.Fatal(err)
		}
		out.Body.Close()
	})
	t.Run("an ETag of an overwritten version is PreconditionFailed", func(t *testing.T) {
		put(t, c, "runs/x/a.json", "v2")
		_, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("runs/x/a.json"), IfMatch: head.ETag, Range: aws.String("bytes=1-")})
		if errorCode(err) != "PreconditionFailed" || httpStatus(err) != http.StatusPreconditionFailed {
			t.Errorf("err = %v, want 412 PreconditionFailed", err)
		}
	})
}

// BenchmarkPutObject measures small PUTs (a batch partial) through the SDK.
func BenchmarkPutObject(b *testing.B) {
	srv, err := s3local.Start(b.Context(), s3local.Options{Dir: b.TempDir(), Buckets: []string{bucket}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := newClient(srv.URL(), 1)
	body := bytes.Repeat([]byte("p"), 1024)
	b.SetBytes(int64(len(body)))
	i := 0
	for b.Loop() {
		i++
		_, err := c.PutObject(b.Context(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("runs/x/partials/%07d.json", i)), Body: bytes.NewReader(body),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
