package asl

// Predefined error names of the spec and the service. Task code may raise
// any other name (the workers use "Worker.Interrupted").
const (
	// ErrAll matches every error name except, per the AWS documentation,
	// ErrRuntime (not retriable) and ErrDataLimitExceeded when raised by the
	// service itself. It must stand alone, in the last Retrier or Catcher.
	ErrAll = "States.ALL"
	// ErrHeartbeatTimeout: a task sent no heartbeat for HeartbeatSeconds.
	// ErrTaskFailed does not match it; retry it by name.
	ErrHeartbeatTimeout = "States.HeartbeatTimeout"
	// ErrTimeout: a task ran longer than TimeoutSeconds, or an execution
	// longer than the machine's TimeoutSeconds. ErrTaskFailed does not match it.
	ErrTimeout = "States.Timeout"
	// ErrTaskFailed matches any task failure except ErrTimeout (and
	// ErrHeartbeatTimeout).
	ErrTaskFailed = "States.TaskFailed"
	// ErrPermissions: insufficient privileges to run the task.
	ErrPermissions = "States.Permissions"
	// ErrResultPathMatchFailure: ResultPath cannot be applied to the input.
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	// ErrParameterPathFailure: a ".$" field of Parameters found no match.
	ErrParameterPathFailure = "States.ParameterPathFailure"
	// ErrQueryEvaluationError: a JSONata expression failed.
	ErrQueryEvaluationError = "States.QueryEvaluationError"
	// ErrBranchFailed: a Parallel or Map branch failed.
	ErrBranchFailed = "States.BranchFailed"
	// ErrNoChoiceMatched: no Choice rule matched and there is no Default.
	ErrNoChoiceMatched = "States.NoChoiceMatched"
	// ErrIntrinsicFailure: an intrinsic function failed.
	ErrIntrinsicFailure = "States.IntrinsicFailure"
	// ErrExceedToleratedFailureThreshold: a Map run failed more items than
	// ToleratedFailurePercentage or ToleratedFailureCount allow.
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	// ErrItemReaderFailed: a Map's ItemReader could not read its source.
	ErrItemReaderFailed = "States.ItemReaderFailed"
	// ErrResultWriterFailed: a Map's ResultWriter could not write results.
	ErrResultWriterFailed = "States.ResultWriterFailed"
	// ErrDataLimitExceeded: an output exceeded the payload quota (256 KiB).
	ErrDataLimitExceeded = "States.DataLimitExceeded"
	// ErrRuntime: an unrecoverable runtime error, such as a path applied to
	// a non-object. Never retried.
	ErrRuntime = "States.Runtime"
	// ErrHTTPSocket: an HTTP Task (arn:aws:states:::http:invoke) timed out
	// after 60 seconds.
	ErrHTTPSocket = "States.Http.Socket"
	// ErrHTTPStatusCodePrefix begins the error of an HTTP Task that got a
	// status code other than 2xx: "States.Http.StatusCode." and the code,
	// e.g. "States.Http.StatusCode.429" (developer guide, "Call HTTPS
	// APIs").
	ErrHTTPStatusCodePrefix = "States.Http.StatusCode."
)

// JitterStrategy values of a Retrier.
const (
	JitterFull = "FULL"
	JitterNone = "NONE"
)

// Retrier is one entry of a state's Retry list. Nil numbers take the spec's
// defaults (see the Default* constants); MaxAttempts 0 means never retry.
type Retrier struct {
	Comment         string   `json:"Comment,omitempty"`
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds *int     `json:"IntervalSeconds,omitempty"`
	MaxAttempts     *int     `json:"MaxAttempts,omitempty"`
	BackoffRate     *float64 `json:"BackoffRate,omitempty"`
	MaxDelaySeconds *int     `json:"MaxDelaySeconds,omitempty"`
	JitterStrategy  string   `json:"JitterStrategy,omitempty"`
}

// Defaults of a Retrier's optional fields (states-language.net, "Retrying
// after error").
const (
	DefaultIntervalSeconds = 1
	DefaultMaxAttempts     = 3
	DefaultBackoffRate     = 2.0
)

// Catcher is one entry of a state's Catch list: on a matching error, go to
// Next with the error output placed at ResultPath (absent means "$").
type Catcher struct {
	Comment     string   `json:"Comment,omitempty"`
	ErrorEquals []string `json:"ErrorEquals"`
	Next        string   `json:"Next"`
	ResultPath  Path     `json:"ResultPath,omitzero"`
}

// Interval returns IntervalSeconds or its default.
func (r Retrier) Interval() int { return intOr(r.IntervalSeconds, DefaultIntervalSeconds) }

// Attempts returns MaxAttempts or its default.
func (r Retrier) Attempts() int { return intOr(r.MaxAttempts, DefaultMaxAttempts) }

// Backoff returns BackoffRate or its default.
func (r Retrier) Backoff() float64 {
	if r.BackoffRate == nil {
		return DefaultBackoffRate
	}
	return *r.BackoffRate
}

// Jitter returns JitterStrategy or its default, JitterNone.
func (r Retrier) Jitter() string {
	if r.JitterStrategy == "" {
		return JitterNone
	}
	return r.JitterStrategy
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
