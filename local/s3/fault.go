package s3local

import (
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
)

// faultInjector answers a chosen share of requests with errors, the way S3
// does under load, so callers' retry paths are exercised in tests.
type faultInjector struct {
	rate  float64
	fault func(r *http.Request) (status int, code string, ok bool)

	mu  sync.Mutex
	rng *rand.Rand

	count atomic.Int64
}

func newFaultInjector(opts Options) *faultInjector {
	return &faultInjector{
		rate:  opts.SlowDownRate,
		fault: opts.Fault,
		rng:   rand.New(rand.NewPCG(opts.Seed, 0x5eed5eed)),
	}
}

// inject writes a fault response and reports true if r was chosen for one.
func (f *faultInjector) inject(w http.ResponseWriter, r *http.Request) bool {
	status, code, ok := 0, "", false
	if f.fault != nil {
		status, code, ok = f.fault(r)
	}
	if !ok && f.rate > 0 {
		f.mu.Lock()
		hit := f.rng.Float64() < f.rate
		f.mu.Unlock()
		if hit {
			// S3 throttling: 503 Slow Down.
			// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
			status, code, ok = http.StatusServiceUnavailable, "SlowDown", true
		}
	}
	if !ok {
		return false
	}
	f.count.Add(1)
	// Drain a small upload so the client sees the error response rather than
	// a reset connection; large bodies are left for net/http to discard.
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	writeError(w, r, status, code)
	return true
}
