package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

func responseError(status int, err error) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      err,
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil has no name", nil, ""},
		{"a SlowDown API error is S3.SlowDown", &smithy.GenericAPIError{Code: "SlowDown"}, "S3.SlowDown"},
		{"a wrapped 503 SlowDown is S3.SlowDown", fmt.Errorf("op: %w", responseError(503, &smithy.GenericAPIError{Code: "SlowDown"})), "S3.SlowDown"},
		{"a bare 503 is S3.SlowDown", responseError(503, errors.New("no body")), "S3.SlowDown"},
		{"a throttling code is S3.SlowDown", &smithy.GenericAPIError{Code: "ThrottlingException"}, "S3.SlowDown"},
		{"the sentinel is S3.SlowDown", fmt.Errorf("x: %w", store.ErrSlowDown), "S3.SlowDown"},
		{"NoSuchKey is S3.NotFound", &types.NoSuchKey{}, "S3.NotFound"},
		{"a HEAD 404 is S3.NotFound", responseError(404, &types.NotFound{}), "S3.NotFound"},
		{"NoSuchBucket is S3.NotFound", &smithy.GenericAPIError{Code: "NoSuchBucket"}, "S3.NotFound"},
		{"AccessDenied is S3.AccessDenied", responseError(403, &smithy.GenericAPIError{Code: "AccessDenied"}), "S3.AccessDenied"},
		{"a HEAD 403 (no body) is S3.AccessDenied", responseError(403, &smithy.GenericAPIError{Code: "Forbidden"}), "S3.AccessDenied"},
		{"a bare 403 is S3.AccessDenied", responseError(403, errors.New("no body")), "S3.AccessDenied"},
		{"InternalError is S3.IO", responseError(500, &smithy.GenericAPIError{Code: "InternalError"}), "S3.IO"},
		{"a connection reset is S3.IO", errors.New("read tcp: connection reset by peer"), "S3.IO"},
		{"a cancelled context is S3.IO", context.Canceled, "S3.IO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := store.Name(tt.err); got != tt.want {
				t.Errorf("Name = %q, want %q", got, tt.want)
			}
			if got := store.IsSlowDown(tt.err); got != (tt.want == store.NameSlowDown) {
				t.Errorf("IsSlowDown = %v", got)
			}
			if got := store.IsNotFound(tt.err); got != (tt.want == store.NameNotFound) {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := store.IsAccessDenied(tt.err); got != (tt.want == store.NameAccessDenied) {
				t.Errorf("IsAccessDenied = %v", got)
			}
			wrapped := &store.Error{Op: "get", URI: store.URI{Bucket: "b1x", Key: "k"}, Err: tt.err}
			if tt.err != nil {
				if got := errors.Is(wrapped, store.ErrSlowDown); got != (tt.want == store.NameSlowDown) {
					t.Errorf("errors.Is(ErrSlowDown) = %v", got)
				}
				if got := errors.Is(wrapped, store.ErrNotFound); got != (tt.want == store.NameNotFound) {
					t.Errorf("errors.Is(ErrNotFound) = %v", got)
				}
			}
		})
	}
}
