package activity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Stable error names a task fails with, as SendTaskFailure's error. They are
// components/workflow's names (the contract the definitions' Retry and Catch
// match on), re-exported so operations write activity.Errorf(activity.S3IO,
// ...); see there for which are retried. Names never start with "States.",
// which Step Functions reserves for its own errors.
const (
	// InputInvalid: the task input is not what the operation accepts (bad
	// JSON, unknown op, missing or out-of-range field). Retrying cannot help.
	InputInvalid = workflow.ErrInputInvalid
	// WorkerInterrupted: the worker is shutting down (SIGTERM, e.g. a Fargate
	// Spot interruption) and handed the task back unfinished; retry at once.
	WorkerInterrupted = workflow.ErrWorkerInterrupted
	// WorkerInternal: an error the operation did not name, or a panic.
	WorkerInternal = workflow.ErrWorkerInternal
	// WorkerOutputTooLarge: the operation's output exceeds MaxOutputBytes.
	WorkerOutputTooLarge = workflow.ErrWorkerOutputTooLarge
	// S3SlowDown: S3 kept throttling after the SDK's retries.
	S3SlowDown = workflow.ErrS3SlowDown
	// S3IO: an S3 read or write that could not be completed.
	S3IO = workflow.ErrS3IO
	// AggregateMismatch: aggregate found loans counted zero or several times.
	AggregateMismatch = workflow.ErrAggregateMismatch
	// DatasetIncomplete: manifest found a planned shard without its part.
	DatasetIncomplete = workflow.ErrDatasetIncomplete
)

// Limits of SendTaskFailure and SendTaskSuccess (Step Functions API
// reference: error 0-256 characters, cause 0-32768 characters, output at most
// 262144 bytes of UTF-8).
const (
	MaxErrorLen    = 256
	MaxCauseLen    = 32768
	MaxOutputBytes = 262144
)

// Causes of a task context's cancellation, read with context.Cause.
var (
	// ErrInterrupted: the worker is shutting down and the drain period ran
	// out; the task will be handed back with WorkerInterrupted.
	ErrInterrupted = errors.New("worker interrupted")
	// ErrTaskGone: Step Functions rejected a heartbeat (TaskTimedOut,
	// TaskDoesNotExist or InvalidToken), so any result would be rejected
	// too; the task's result is dropped.
	ErrTaskGone = errors.New("task no longer exists in step functions")
)

// TaskError is an error with the stable name a task fails with. Operations
// return it (usually through Errorf or WithName) so that the workflow can
// tell retryable failures from bad input.
type TaskError struct {
	Name  string // e.g. InputInvalid; sent as SendTaskFailure's error
	Cause error  // sent, as text, as SendTaskFailure's cause
}

// Error returns "name: cause".
func (e *TaskError) Error() string {
	if e.Cause == nil {
		return e.Name
	}
	return e.Name + ": " + e.Cause.Error()
}

// Unwrap returns the cause, so errors.Is and errors.As see through the name.
func (e *TaskError) Unwrap() error { return e.Cause }

// Errorf returns a TaskError named name whose cause is fmt.Errorf(format,
// args...), so %w wraps as usual.
func Errorf(name, format string, args ...any) error {
	return &TaskError{Name: name, Cause: fmt.Errorf(format, args...)}
}

// WithName names err, unless it is nil or already carries a name (the
// innermost, most specific name wins).
func WithName(name string, err error) error {
	if err == nil {
		return nil
	}
	var te *TaskError
	if errors.As(err, &te) {
		return err
	}
	return &TaskError{Name: name, Cause: err}
}

// failure is the (error, cause) pair sent with SendTaskFailure.
type failure struct {
	name  string
	cause string
}

// classify turns a handler's error into the failure reported to Step
// Functions. Unnamed errors become WorkerInternal; a context cancelled
// by shutdown becomes WorkerInterrupted whatever the handler returned.
func classify(taskCtx context.Context, err error) failure {
	if errors.Is(context.Cause(taskCtx), ErrInterrupted) {
		return failure{name: WorkerInterrupted, cause: truncate(err.Error(), MaxCauseLen)}
	}
	name := WorkerInternal
	var te *TaskError
	if errors.As(err, &te) && validName(te.Name) {
		name = te.Name
	}
	return failure{name: truncate(name, MaxErrorLen), cause: truncate(err.Error(), MaxCauseLen)}
}

// validName reports whether a handler's error name may be sent as is.
func validName(name string) bool {
	return name != "" && !strings.HasPrefix(name, "States.") && len(name) <= MaxErrorLen && utf8.ValidString(name)
}

// truncate cuts s to at most n bytes (so at most n characters) at a rune
// boundary, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
