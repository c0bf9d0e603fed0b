package store

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Stable names of S3 failures, for the activity task's error (the workflow
// retries S3.SlowDown and S3.IO; S3.NotFound fails the task at once).
const (
	// NameSlowDown: S3 kept throttling (503 SlowDown and the like) after
	// every attempt.
	NameSlowDown = workflow.ErrS3SlowDown
	// NameIO: a read or write that could not be completed.
	NameIO = workflow.ErrS3IO
	// NameNotFound: the bucket or key does not exist; retrying cannot help.
	NameNotFound = "S3.NotFound"
	// NameAccessDenied: S3 answered 403. Never read as "not found": S3
	// answers 403, not 404, for a missing key to a caller without
	// s3:ListBucket on the bucket, so a 403 says nothing about existence
	// and is reported as the access error it is (the role, the bucket and
	// the key). Retrying cannot help.
	NameAccessDenied = "S3.AccessDenied"
)

var (
	// ErrSlowDown matches (errors.Is) any error Name calls S3.SlowDown.
	ErrSlowDown = errors.New("s3 throttled the request (SlowDown)")
	// ErrNotFound matches (errors.Is) any error Name calls S3.NotFound.
	ErrNotFound = errors.New("s3 object or bucket not found")
	// ErrAccessDenied matches (errors.Is) any error Name calls
	// S3.AccessDenied.
	ErrAccessDenied = errors.New("s3 denied access (403)")
)

// Error is a failed store operation on one object or prefix.
type Error struct {
	Op  string // get, put, list, head
	URI URI
	Err error
	// Role is who made the request, for an access error: the role's ARN
	// when known (Options.Role), else "" ("the task role").
	Role string
}

// Error reads "store: get s3://b/k: <cause>"; an access error names the
// role, the action, the bucket and the key, and says why a missing key can
// look like one.
func (e *Error) Error() string {
	if classify(e.Err) == NameAccessDenied {
		role := e.Role
		if role == "" {
			role = "the task role"
		}
		what := fmt.Sprintf("key %q", e.URI.Key)
		if e.Op == "list" {
			what = fmt.Sprintf("prefix %q", e.URI.Key)
		}
		hint := ""
		if e.Op == "get" || e.Op == "head" {
			hint = "; S3 also answers 403 for a key that does not exist when the role may not s3:ListBucket the bucket, so grant both"
		}
		return fmt.Sprintf("store: %s %s: access denied: %s may not %s bucket %q, %s (HTTP 403%s): %v", e.Op, e.URI, role, actionOf(e.Op), e.URI.Bucket, what, hint, e.Err)
	}
	return fmt.Sprintf("store: %s %s: %v", e.Op, e.URI, e.Err)
}

// actionOf is the IAM action an op needs.
func actionOf(op string) string {
	switch op {
	case "put":
		return "s3:PutObject"
	case "list":
		return "s3:ListBucket"
	}
	return "s3:GetObject" // get and head (HeadObject needs s3:GetObject)
}

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrSlowDown) and errors.Is(err, ErrNotFound) match
// by classification.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrSlowDown:
		return classify(e.Err) == NameSlowDown
	case ErrNotFound:
		return classify(e.Err) == NameNotFound
	case ErrAccessDenied:
		return classify(e.Err) == NameAccessDenied
	}
	return false
}

// Name returns the stable name of an S3 failure: "S3.SlowDown" for
// throttling, "S3.NotFound" for a missing bucket or key (a 404),
// "S3.AccessDenied" for a 403, "S3.IO" for any other failure, and "" for
// nil.
func Name(err error) string {
	if err == nil {
		return ""
	}
	return classify(err)
}

// IsSlowDown reports whether err is S3 throttling that outlasted the retries.
func IsSlowDown(err error) bool { return err != nil && classify(err) == NameSlowDown }

// IsNotFound reports whether err is a missing bucket or key: a 404, never
// a 403 (see NameAccessDenied).
func IsNotFound(err error) bool { return err != nil && classify(err) == NameNotFound }

// IsAccessDenied reports whether err is S3 refusing access (HTTP 403).
func IsAccessDenied(err error) bool { return err != nil && classify(err) == NameAccessDenied }

func classify(err error) string {
	// Sentinels wrapped by callers, and *Error (whose Is classifies its cause).
	if errors.Is(err, ErrSlowDown) {
		return NameSlowDown
	}
	if errors.Is(err, ErrNotFound) {
		return NameNotFound
	}
	if errors.Is(err, ErrAccessDenied) {
		return NameAccessDenied
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nsb) {
		return NameNotFound
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		return NameSlowDown // the client's own retry budget ran out under throttling
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
			return NameSlowDown
		}
		if code == "NoSuchKey" || code == "NoSuchBucket" || code == "NotFound" {
			return NameNotFound
		}
		if code == "AccessDenied" || code == "Forbidden" || code == "AllAccessDisabled" {
			return NameAccessDenied
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			// S3 answers 503 when a prefix is over its request rate.
			return NameSlowDown
		case http.StatusNotFound:
			return NameNotFound
		case http.StatusForbidden:
			return NameAccessDenied
		}
	}
	return NameIO
}
