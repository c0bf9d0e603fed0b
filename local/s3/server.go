// Package s3local is the local runtime's S3 endpoint: the S3 REST protocol
// (path-style addressing) on loopback, backed by a directory in which object
// s3://bucket/runs/x/report.html is the plain file <Dir>/bucket/runs/x/report.html.
//
// The protocol is served by github.com/johannesboyne/gofakes3; this package
// provides the storage backend (atomic, concurrent-safe writes; paginated,
// ordered listings that stay fast at 100,000+ keys) and fault injection for
// tests (SlowDown throttling and arbitrary errors).
//
// Objects carry their MD5 ETag, CRC32 checksum and headers in a sidecar tree
// under Dir/.s3local, so the bucket directories hold nothing but the objects.
// Files put into a bucket directory by hand are objects too (hashed on first
// use). What plain files cannot express is refused with InvalidArgument
// rather than stored under another name: keys with empty, "." or ".."
// segments or a trailing '/', and an object and a prefix of the same name
// ("a" and "a/b"). Not supported: versioning, ACLs and policies,
// encoding-type=url in listings;
// multipart parts are held in memory until completion (gofakes3's uploader).
package s3local

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// DefaultDir is where objects live when Options.Dir is empty.
const DefaultDir = "./montecarlo-data"

// DefaultAddr listens on a random loopback port.
const DefaultAddr = "127.0.0.1:0"

// Options configures a Server. The zero value serves ./montecarlo-data on a
// random loopback port with no faults.
type Options struct {
	// Dir is the data directory; bucket b is the directory Dir/b.
	Dir string
	// Addr is the listen address for Start; it must be a loopback address
	// because the endpoint accepts any credentials.
	Addr string
	// Buckets are created at start if missing.
	Buckets []string
	// AutoBucket creates a bucket on first use instead of answering NoSuchBucket.
	AutoBucket bool

	// SlowDownRate is the fraction of requests, in [0, 1], answered with
	// HTTP 503 and the S3 SlowDown error, as S3 does when a prefix's request
	// rate is too high. Seed makes the choice reproducible.
	SlowDownRate float64
	// Seed seeds the fault RNG.
	Seed uint64
	// Fault, if set, is asked first for every request (concurrently, so
	// it must be safe for that); returning ok makes the server answer with
	// that HTTP status and S3 error code instead of serving the request
	// (e.g. 500 "InternalError").
	Fault func(r *http.Request) (status int, code string, ok bool)

	// Logger receives backend warnings; nil discards them.
	Logger *slog.Logger
}

// Stats counts requests seen and faults injected, so tests can check that
// injection really happened.
type Stats struct {
	Requests int64
	Faults   int64
}

// Server is a local S3 endpoint. It is an http.Handler, so it can also be
// mounted in an httptest.Server without Start.
type Server struct {
	handler http.Handler
	backend *backend
	faults  *faultInjector

	requests atomic.Int64

	mu        sync.Mutex
	url       string
	httpSrv   *http.Server
	done      chan struct{}
	serveErr  error
	closeOnce sync.Once
	closeErr  error
}

// New builds a Server over opts.Dir without listening; use it as an
// http.Handler (for httptest) or call Start instead.
func New(opts Options) (*Server, error) {
	if opts.SlowDownRate < 0 || opts.SlowDownRate > 1 {
		return nil, fmt.Errorf("s3local: SlowDownRate must be in [0, 1], got %v", opts.SlowDownRate)
	}
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	b, err := newBackend(dir, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("s3local: prepare data directory %q: %w", dir, err)
	}
	for _, name := range opts.Buckets {
		if err := b.CreateBucket(name); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return nil, fmt.Errorf("s3local: create bucket %q: %w", name, err)
		}
	}
	fake := gofakes3.New(b,
		gofakes3.WithAutoBucket(opts.AutoBucket),
		// The file tree is the source of truth: no versioning, and paging
		// errors must surface instead of silently listing everything.
		gofakes3.WithoutVersioning(),
		gofakes3.WithUnimplementedPageError(),
	)
	s := &Server{backend: b, faults: newFaultInjector(opts)}
	s.handler = fake.Server()
	return s, nil
}

// Start serves opts.Dir on opts.Addr (default a random loopback port) until
// Close is called or ctx is cancelled.
func Start(ctx context.Context, opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if err := requireLoopback(addr); err != nil {
		return nil, err
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("s3local: listen on %s: %w", addr, err)
	}
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	s.url = "http://" + ln.Addr().String()
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.serveErr = err
			s.mu.Unlock()
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// requireLoopback refuses to expose an endpoint that accepts any credentials
// beyond this machine.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("s3local: Addr %q must be host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("s3local: Addr %q must be a loopback address (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// URL is the endpoint's base URL (e.g. http://127.0.0.1:41234) for the SDK's
// BaseEndpoint with UsePathStyle; empty if the server was not Started.
func (s *Server) URL() string { return s.url }

// Dir is the absolute data directory.
func (s *Server) Dir() string { return s.backend.dir }

// Stats reports how many requests were served and how many got a fault.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.requests.Load(), Faults: s.faults.count.Load()}
}

// ServeHTTP serves one S3 request, or injects a fault into it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.faults.inject(w, r) {
		return
	}
	if !s.ifMatchHolds(r) {
		writeError(w, r, http.StatusPreconditionFailed, "PreconditionFailed")
		return
	}
	s.handler.ServeHTTP(w, r)
}

// ifMatchHolds checks If-Match on GET and HEAD, which gofakes3 only honours
// on PUT. A reader that resumes a broken download with a ranged GET pins
// the object version this way, so it must not get bytes of a newer version.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
func (s *Server) ifMatchHolds(r *http.Request) bool {
	want := r.Header.Get("If-Match")
	if want == "" || want == "*" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return true
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || key == "" || r.URL.Query().Has("uploadId") {
		return true
	}
	obj, err := s.backend.HeadObject(bucket, key)
	if err != nil {
		return true // let the protocol layer report the missing object
	}
	obj.Contents.Close()
	return strings.Trim(want, `"`) == hex.EncodeToString(obj.Hash)
}

// Close stops a Started server, waiting briefly for requests in flight.
// It is safe to call more than once.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.httpSrv.Shutdown(ctx)
		<-s.done
		s.mu.Lock()
		defer s.mu.Unlock()
		if err == nil {
			err = s.serveErr
		}
		s.closeErr = err
	})
	return s.closeErr
}

// errorMessages are the messages S3 sends with these codes.
var errorMessages = map[string]string{
	"SlowDown":           "Please reduce your request rate.",
	"InternalError":      "We encountered an internal error. Please try again.",
	"ServiceUnavailable": "Service is unable to handle request.",
	"PreconditionFailed": "At least one of the pre-conditions you specified did not hold",
	"RequestTimeout":     "Your socket connection to the server was not read from or written to within the timeout period.",
}

// writeError answers with an S3 error document; HEAD responses carry no body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code string) {
	msg, ok := errorMessages[code]
	if !ok {
		msg = code
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", "s3local-fault")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>s3local-fault</RequestId><HostId>s3local</HostId></Error>",
		xmlEscape(code), xmlEscape(msg))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
