package activity

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// API is the part of the Step Functions client the loop uses; *sfn.Client
// satisfies it, and tests may point one at an activitytest.Server.
type API interface {
	GetActivityTask(ctx context.Context, in *sfn.GetActivityTaskInput, optFns ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error)
}

var _ API = (*sfn.Client)(nil)

// Client settings for activity workers.
const (
	// HTTPTimeout bounds every Step Functions call. GetActivityTask holds the
	// connection for up to 60 s and the API reference asks workers to set a
	// client timeout of at least 65 s; 70 s leaves room for a slow network.
	HTTPTimeout = 70 * time.Second
	// SDKMaxAttempts is the SDK retryer's attempts per call (throttling, 5xx
	// and connection errors). Never 0, which would mean unlimited; the loop
	// retries further with its own backoff where giving up would lose work.
	SDKMaxAttempts = 5
	// SDKMaxBackoff caps the SDK retryer's full-jitter exponential backoff.
	SDKMaxBackoff = 20 * time.Second
)

// NewSFNClient returns a Step Functions client for workers: the standard
// retryer with SDKMaxAttempts and SDKMaxBackoff (exponential backoff with
// full jitter; throttling errors, 5xx and connection errors are retried, see
// the aws/retry package) and an HTTP timeout longer than the long poll.
// Endpoint and region come from cfg (so AWS_ENDPOINT_URL_SFN works); optFns
// run last and may override anything, e.g. BaseEndpoint in tests.
func NewSFNClient(cfg aws.Config, optFns ...func(*sfn.Options)) *sfn.Client {
	base := []func(*sfn.Options){func(o *sfn.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(HTTPTimeout)
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = SDKMaxAttempts
			so.MaxBackoff = SDKMaxBackoff
		})
	}}
	return sfn.NewFromConfig(cfg, append(base, optFns...)...)
}

// longPolling marks GetActivityTask as a long poll for the SDK retryer, so it
// keeps backing off instead of failing fast when the client's retry quota is
// spent (aws/retry AddWithLongPolling).
func longPolling(o *sfn.Options) {
	if o.Retryer != nil {
		o.Retryer = retry.AddWithLongPolling(o.Retryer)
	}
}

var (
	sdkRetryables = retry.IsErrorRetryables(retry.DefaultRetryables)
	sdkThrottles  = retry.IsErrorThrottles(retry.DefaultThrottles)
)

// transient reports whether a failed call is worth another try after a
// backoff: throttling, 5xx, connection errors (the SDK's own classification)
// and the SDK client's retry quota running out.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		return true
	}
	return sdkRetryables.IsErrorRetryable(err).Bool() || sdkThrottles.IsErrorThrottle(err).Bool()
}

// taskGone reports whether Step Functions says the task can no longer take a
// heartbeat or result: it timed out, was closed, or the token is unknown.
func taskGone(err error) bool {
	var timedOut *types.TaskTimedOut
	var missing *types.TaskDoesNotExist
	var invalid *types.InvalidToken
	return errors.As(err, &timedOut) || errors.As(err, &missing) || errors.As(err, &invalid)
}

// misconfigured reports whether a poll error means this worker can never get
// a task (wrong or deleted activity), so polling on would only hide it.
func misconfigured(err error) bool {
	var missing *types.ActivityDoesNotExist
	var arn *types.InvalidArn
	return errors.As(err, &missing) || errors.As(err, &arn)
}
