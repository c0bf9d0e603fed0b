package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Get streams bucket/key. The SDK retries the request itself; if the
// connection then fails mid-body, the body resumes with a ranged GET from
// the byte it stopped at (pinned to the same version by If-Match), so a
// 10,000-loan shard is never buffered and never restarted from scratch.
// The caller must Close the body.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	uri := URI{Bucket: bucket, Key: key}
	out, err := s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s.withRetry)
	if err != nil {
		return nil, &Error{Op: "get", URI: uri, Err: err, Role: s.opts.Role}
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return &resumingBody{ctx: ctx, s: s, uri: uri, etag: aws.ToString(out.ETag), size: size, rc: out.Body}, nil
}

// GetBytes reads a small object whole (manifests, run parameters, partials).
func (s *S3) GetBytes(ctx context.Context, bucket, key string) ([]byte, error) {
	body, err := s.Get(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(body)
}

// GetMany streams each of keys to fn, at most concurrency at a time (0 means
// DefaultConcurrency). fn receives the key's index in keys, so callers store
// results in order whatever order the downloads finish in; calls to fn run
// concurrently. The first error (from S3 or fn) cancels the rest and is
// returned.
func (s *S3) GetMany(ctx context.Context, bucket string, keys []string, concurrency int, fn func(ctx context.Context, i int, body io.Reader) error) error {
	if concurrency < 0 {
		return fmt.Errorf("store: get many: concurrency %d must not be negative", concurrency)
	}
	if concurrency == 0 {
		concurrency = DefaultConcurrency
	}
	concurrency = min(concurrency, len(keys))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keys) || ctx.Err() != nil {
					return
				}
				if err := s.getOne(ctx, bucket, keys[i], i, fn); err != nil {
					cancel(err) // only the first cause sticks
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

func (s *S3) getOne(ctx context.Context, bucket, key string, i int, fn func(ctx context.Context, i int, body io.Reader) error) error {
	body, err := s.Get(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer body.Close()
	return fn(ctx, i, body)
}

// Put writes body to bucket/key, replacing any object there. Output keys
// are deterministic, so a retried batch overwrites its own earlier output
// instead of adding to it. body must be seekable so that a retried attempt
// can resend it from the start.
func (s *S3) Put(ctx context.Context, bucket, key string, body io.ReadSeeker, contentType string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: body}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := s.api.PutObject(ctx, in, s.withRetry); err != nil {
		return &Error{Op: "put", URI: URI{Bucket: bucket, Key: key}, Err: err, Role: s.opts.Role}
	}
	return nil
}

// PutBytes writes body to bucket/key, replacing any object there.
func (s *S3) PutBytes(ctx context.Context, bucket, key string, body []byte, contentType string) error {
	return s.Put(ctx, bucket, key, bytes.NewReader(body), contentType)
}

// StopList, returned by List's fn, ends the listing early without an error.
var StopList = errors.New("store: stop listing")

// List calls fn for each object whose key starts with prefix, in key order,
// one page (1,000 keys) at a time. fn may return StopList to end early.
func (s *S3) List(ctx context.Context, bucket, prefix string, fn func(Object) error) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	p := s3.NewListObjectsV2Paginator(s.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, s.withRetry)
		if err != nil {
			return &Error{Op: "list", URI: URI{Bucket: bucket, Key: prefix}, Err: err, Role: s.opts.Role}
		}
		for _, o := range out.Contents {
			err := fn(Object{
				Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size),
				ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified),
			})
			if errors.Is(err, StopList) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ListAll returns every object under prefix, in key order.
func (s *S3) ListAll(ctx context.Context, bucket, prefix string) ([]Object, error) {
	var objs []Object
	err := s.List(ctx, bucket, prefix, func(o Object) error {
		objs = append(objs, o)
		return nil
	})
	return objs, err
}

// Head describes bucket/key; a missing key is an error IsNotFound reports.
func (s *S3) Head(ctx context.Context, bucket, key string) (Object, error) {
	out, err := s.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s.withRetry)
	if err != nil {
		return Object{}, &Error{Op: "head", URI: URI{Bucket: bucket, Key: key}, Err: err, Role: s.opts.Role}
	}
	return Object{
		Key: key, Size: aws.ToInt64(out.ContentLength),
		ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified),
	}, nil
}

// Exists reports whether bucket/key exists.
func (s *S3) Exists(ctx context.Context, bucket, key string) (bool, error) {
	_, err := s.Head(ctx, bucket, key)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// resumingBody is an object body that survives a broken connection by
// re-requesting the rest of the object.
type resumingBody struct {
	ctx  context.Context
	s    *S3
	uri  URI
	etag string
	size int64 // -1 if unknown: then a break cannot be resumed
	off  int64 // bytes delivered so far

	rc      io.ReadCloser
	resumes int
	err     error // sticky
}

func (b *resumingBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		n, err := b.rc.Read(p)
		b.off += int64(n)
		if err == nil {
			return n, nil
		}
		if err == io.EOF {
			if b.size < 0 || b.off >= b.size {
				return n, io.EOF
			}
			err = io.ErrUnexpectedEOF // the server closed early
		}
		if rerr := b.resume(err); rerr != nil {
			b.err = &Error{Op: "get", URI: b.uri, Err: rerr, Role: b.s.opts.Role}
			return n, b.err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// resume replaces a broken body with a ranged GET of the remaining bytes,
// after a backoff; it returns an error if the break cannot be resumed.
func (b *resumingBody) resume(cause error) error {
	if b.ctx.Err() != nil || errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	if b.size < 0 || b.off >= b.size || b.etag == "" || b.resumes+1 >= b.s.opts.MaxAttempts {
		return fmt.Errorf("read body at byte %d after %d resumes: %w", b.off, b.resumes, cause)
	}
	b.resumes++
	b.rc.Close()
	b.rc = io.NopCloser(bytes.NewReader(nil))
	if err := sleep(b.ctx, fullJitter{base: b.s.opts.BaseBackoff, max: b.s.opts.MaxBackoff}.delay(b.resumes)); err != nil {
		return err
	}
	out, err := b.s.api.GetObject(b.ctx, &s3.GetObjectInput{
		Bucket: aws.String(b.uri.Bucket), Key: aws.String(b.uri.Key),
		Range:   aws.String(fmt.Sprintf("bytes=%d-", b.off)),
		IfMatch: aws.String(b.etag), // the rest must come from the same version
	}, b.s.withRetry)
	if err != nil {
		return fmt.Errorf("resume at byte %d after %v: %w", b.off, cause, err)
	}
	b.rc = out.Body
	return nil
}

// Close releases the connection.
func (b *resumingBody) Close() error {
	return b.rc.Close()
}
