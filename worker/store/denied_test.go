package store_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// TestA403IsAnAccessErrorNeverNotFound: S3 answers 403, not 404, for a
// missing key to a caller without s3:ListBucket, so a 403 must not read as
// "not found" (callers test existence with it) nor as a retryable S3.IO;
// it is an access error that names the role, the bucket and the key. A
// caller with s3:ListBucket gets a 404 and IsNotFound as before.
func TestA403IsAnAccessErrorNeverNotFound(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/montecarlo-task"
	// Requests under denied/ are refused as S3 refuses a role without
	// s3:GetObject there, or without s3:ListBucket for a missing key.
	deny := func(r *http.Request) (int, string, bool) {
		if strings.Contains(r.URL.Path, "/denied/") {
			return http.StatusForbidden, "AccessDenied", true
		}
		return 0, "", false
	}
	_, st := setup(t, s3local.Options{Fault: deny}, store.Options{MaxAttempts: fast.MaxAttempts, BaseBackoff: fast.BaseBackoff, MaxBackoff: fast.MaxBackoff, Role: role})
	ctx := t.Context()
	for _, tc := range []struct {
		op   string
		call func() error
	}{
		{"get", func() error { _, err := st.GetBytes(ctx, bucket, "denied/missing.json"); return err }},
		{"head", func() error { _, err := st.Head(ctx, bucket, "denied/missing.json"); return err }},
		{"exists", func() error { _, err := st.Exists(ctx, bucket, "denied/missing.json"); return err }},
	} {
		t.Run(tc.op, func(t *testing.T) {
			err := tc.call()
			if err == nil || store.IsNotFound(err) || errors.Is(err, store.ErrNotFound) || !store.IsAccessDenied(err) || store.Name(err) != store.NameAccessDenied {
				t.Fatalf("%s of a denied key = %v (name %q); want S3.AccessDenied, never not found", tc.op, err, store.Name(err))
			}
			for _, want := range []string{role, `bucket "` + bucket + `"`, `key "denied/missing.json"`, "s3:GetObject", "s3:ListBucket"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s error %q does not name %s", tc.op, err, want)
				}
			}
		})
	}
	// Where the caller may list (no 403), a missing key is not found.
	if ok, err := st.Exists(ctx, bucket, "open/missing.json"); ok || err != nil {
		t.Errorf("Exists(missing) = %v, %v; want false, nil", ok, err)
	}
	if _, err := st.GetBytes(ctx, bucket, "open/missing.json"); !store.IsNotFound(err) {
		t.Errorf("Get(missing) = %v; want not found", err)
	}
	// Without a known role, the message says "the task role".
	var e *store.Error
	if !errors.As(&store.Error{Op: "get", URI: store.URI{Bucket: bucket, Key: "k"}, Err: store.ErrAccessDenied}, &e) ||
		!strings.Contains(e.Error(), "access denied: the task role may not s3:GetObject") {
		t.Errorf("error without a role = %q", e)
	}
}
