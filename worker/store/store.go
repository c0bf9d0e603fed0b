// Package store is the worker's S3 I/O: streaming reads, bounded-concurrency
// parallel reads, idempotent writes and listings, all with retries that
// outlast S3 throttling, and errors with stable names (S3.SlowDown, S3.IO,
// S3.NotFound) that the workflow's Retry and Catch match on.
package store

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Store is what the worker's operations need from S3. *S3 implements it;
// tests of operations can substitute an in-memory one.
type Store interface {
	// Get streams an object; the caller closes the body.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// GetBytes reads a small object whole.
	GetBytes(ctx context.Context, bucket, key string) ([]byte, error)
	// GetMany streams many objects to fn with bounded concurrency.
	GetMany(ctx context.Context, bucket string, keys []string, concurrency int, fn func(ctx context.Context, i int, body io.Reader) error) error
	// Put writes (or overwrites) an object.
	Put(ctx context.Context, bucket, key string, body io.ReadSeeker, contentType string) error
	// PutBytes writes (or overwrites) an object from memory.
	PutBytes(ctx context.Context, bucket, key string, body []byte, contentType string) error
	// List calls fn for every object under prefix, in key order.
	List(ctx context.Context, bucket, prefix string, fn func(Object) error) error
	// Head describes one object.
	Head(ctx context.Context, bucket, key string) (Object, error)
}

// API is the part of *s3.Client the store calls.
type API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Object describes a stored object.
type Object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// EnvTaskRoleARN names the role in access errors when Options.Role is
// empty (the stack may set it to the task role's ARN).
const EnvTaskRoleARN = "TASK_ROLE_ARN"

// Defaults for Options.
const (
	// DefaultMaxAttempts: at a 20% throttling rate, 10 attempts all fail
	// with probability 0.2^10 = 1e-7 per request.
	DefaultMaxAttempts = 10
	// DefaultBaseBackoff is the first retry's backoff ceiling.
	DefaultBaseBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the backoff ceiling; S3 asks clients to back
	// off on SlowDown, and 20 s matches the SDK's own cap.
	DefaultMaxBackoff = 20 * time.Second
	// DefaultConcurrency is GetMany's parallelism when given 0.
	DefaultConcurrency = 8
)

// Options tunes retries. The zero value means the defaults.
type Options struct {
	// MaxAttempts per request, including the first (never unlimited).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape exponential backoff with full
	// jitter: attempt n waits a uniform random time in
	// [0, min(MaxBackoff, BaseBackoff*2^(n-1))). Tests scale them to ms.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Role names the caller in access errors (S3.AccessDenied): the task
	// role's ARN. Empty means the TASK_ROLE_ARN environment variable, then
	// AWS_ROLE_ARN (web identity), else "the task role".
	Role string
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseBackoff == 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.Role == "" {
		o.Role = cmp.Or(os.Getenv(EnvTaskRoleARN), os.Getenv("AWS_ROLE_ARN"))
	}
	switch {
	case o.MaxAttempts < 1 || o.MaxAttempts > 100:
		return o, fmt.Errorf("store: MaxAttempts %d must be in [1, 100]", o.MaxAttempts)
	case o.BaseBackoff < 0:
		return o, fmt.Errorf("store: BaseBackoff %v must not be negative", o.BaseBackoff)
	case o.MaxBackoff < o.BaseBackoff:
		return o, fmt.Errorf("store: MaxBackoff %v must be at least BaseBackoff %v", o.MaxBackoff, o.BaseBackoff)
	}
	return o, nil
}

// S3 is the Store over an S3 API client.
type S3 struct {
	api     API
	opts    Options
	retryer aws.Retryer
}

var _ Store = (*S3)(nil)

// New returns a store over api (usually an *s3.Client). Every call it makes
// uses the store's own retry policy, whatever the client was built with.
func New(api API, opts Options) (*S3, error) {
	if api == nil {
		return nil, fmt.Errorf("store: api client is nil")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &S3{api: api, opts: opts}
	s.retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = opts.MaxAttempts
		so.MaxBackoff = opts.MaxBackoff
		so.Backoff = fullJitter{base: opts.BaseBackoff, max: opts.MaxBackoff}
		// The SDK's default retry quota (500 tokens, 5 per retry, refunded
		// on success) runs dry when ~100 retries are pending at once, as
		// when S3 throttles a burst of parallel GETs, and then fails
		// requests without trying them. Attempts and backoff already bound
		// the load a worker adds, so no quota.
		so.RateLimiter = ratelimit.None
	})
	return s, nil
}

// withRetry applies the store's retryer to one call.
func (s *S3) withRetry(o *s3.Options) { o.Retryer = s.retryer }

// fullJitter is exponential backoff with full jitter ("Exponential Backoff
// And Jitter", AWS Architecture Blog): spreading retries uniformly over the
// window keeps many throttled workers from retrying in lockstep.
type fullJitter struct{ base, max time.Duration }

// BackoffDelay implements retry.BackoffDelayer; attempt counts from 1.
func (j fullJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return j.delay(attempt), nil
}

func (j fullJitter) delay(attempt int) time.Duration {
	ceiling := j.max
	if attempt < 1 {
		attempt = 1
	}
	if attempt-1 < 40 {
		if c := j.base << (attempt - 1); c > 0 && c < ceiling {
			ceiling = c
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewClient builds an S3 client from the SDK's default configuration chain
// (environment, shared config, ECS task role) for region ("" leaves it to
// the chain); see NewClientFromConfig. A non-empty endpoint (the local
// runtime's URL) overrides the chain's endpoint. optFns run last, e.g. to set
// static credentials in tests.
func NewClient(ctx context.Context, endpoint, region string, optFns ...func(*s3.Options)) (*s3.Client, error) {
	var loadOpts []func(*config.LoadOptions) error
	if region != "" {
		loadOpts = append(loadOpts, config.WithRegion(region))
	}
	if endpoint != "" {
		loadOpts = append(loadOpts, config.WithBaseEndpoint(endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("store: load aws config: %w", err)
	}
	return NewClientFromConfig(cfg, optFns...), nil
}

// NewClientFromConfig builds the worker's S3 client from a loaded config.
// The HTTP client keeps enough idle connections for parallel reads and gives
// up on a server that sends no response headers, or stalls mid-body, for a
// minute, so the retryer (or a resumed body) can try again. When the config
// names a custom endpoint (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, as the
// local runtime sets for workers), requests use path-style addressing: the
// local endpoint has no per-bucket host names. optFns run last.
func NewClientFromConfig(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	httpClient := awshttp.NewBuildableClient().
		WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = 128
			tr.ResponseHeaderTimeout = time.Minute
		}).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 10 * time.Second }).
		WithReadTimeout(time.Minute)
	base := func(o *s3.Options) {
		o.HTTPClient = httpClient
		// NewFromConfig has resolved the endpoint (service-specific
		// variables included) before options run.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	}
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){base}, optFns...)...)
}
