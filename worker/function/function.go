// Package function serves the worker's operations as an AWS Lambda
// function: the compute variant "lambda", in which the state machines
// invoke the function (arn:aws:states:::lambda:invoke) instead of
// scheduling activity tasks. The same binary and image as the Fargate
// worker: worker/main.go serves the Lambda runtime API through
// aws-lambda-go when AWS_LAMBDA_RUNTIME_API is set, and polls the activity
// otherwise.
//
// An invocation's payload is exactly an activity task's input ({"op":
// "simulate", "Items": [...], "BatchInput": {...}} and the others), and it
// runs through the same activity.Handler (the ops mux), so the output is
// the same JSON and the figures are bit-identical. A failure is returned
// as a Lambda function error whose errorType is the stable error name
// (S3.SlowDown, Input.Invalid, ...): Step Functions reports it as the
// task's error, so the definitions' Retry and Catch match as for an
// activity.
package function

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// EnvRuntimeAPI is set by Lambda in every function's environment: the
// host:port of the runtime API. Its presence is how the worker knows it
// runs inside Lambda.
const EnvRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"

// Handler is the worker as a Lambda handler: it implements aws-lambda-go's
// lambda.Handler (Invoke(ctx, payload) (output, error)).
type Handler struct {
	h   activity.Handler
	log *slog.Logger
}

var _ lambda.Handler = (*Handler)(nil)

// New returns a Handler running every invocation through h, the ops mux
// the activity loop uses. A nil log discards.
func New(h activity.Handler, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{h: h, log: log}
}

// Invoke runs one invocation: payload is a task input, the result the
// task's output (at most activity.MaxOutputBytes; an empty output is {}).
// A failure is a messages.InvokeResponse_Error, which aws-lambda-go
// reports as is: errorType the stable name (an unnamed error or a panic
// is Worker.Internal), errorMessage the cause.
func (f *Handler) Invoke(ctx context.Context, payload []byte) (out []byte, err error) {
	op, _ := activity.OpOf(payload)
	defer func() {
		if r := recover(); r != nil {
			f.log.Error("handler panicked", "op", op, "panic", fmt.Sprint(r))
			out, err = nil, Error(activity.Errorf(activity.WorkerInternal, "panic in op %q: %v", op, r))
		}
	}()
	out, err = f.h.Handle(ctx, payload)
	if err == nil {
		out, err = checkOutput(out)
	}
	if err != nil {
		e := Error(err)
		f.log.Warn("invocation failed", "op", op, "error", e.Type, "cause", e.Message)
		return nil, e
	}
	return out, nil
}

// Error converts an operation's error into the function error Lambda
// reports: the TaskError's name as errorType (Worker.Internal for an
// unnamed error or a name Step Functions reserves), the error's text as
// errorMessage, both cut to the limits SendTaskFailure has, so a failure
// reads the same on both computes.
func Error(err error) messages.InvokeResponse_Error {
	name := activity.WorkerInternal
	var te *activity.TaskError
	if errors.As(err, &te) && te.Name != "" && !strings.HasPrefix(te.Name, "States.") && utf8.ValidString(te.Name) {
		name = te.Name
	}
	return messages.InvokeResponse_Error{
		Type:    truncate(name, activity.MaxErrorLen),
		Message: truncate(err.Error(), activity.MaxCauseLen),
	}
}

// checkOutput applies the activity's output rules: {} for nothing, and
// no more than Step Functions' 256 KiB payload (a function may return 6
// MB, but the state machine could not take it).
func checkOutput(out []byte) ([]byte, error) {
	if len(out) == 0 {
		return []byte("{}"), nil
	}
	if len(out) > activity.MaxOutputBytes {
		return nil, activity.Errorf(activity.WorkerOutputTooLarge, "output is %d bytes; step functions accepts at most %d: write large results to S3 and return their keys", len(out), activity.MaxOutputBytes)
	}
	return out, nil
}

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

// Start serves the Lambda runtime API with h until the process ends (it
// does not return: aws-lambda-go exits the process on a runtime API
// error). ctx is the parent of every invocation's context.
func Start(ctx context.Context, h *Handler) {
	lambda.StartHandlerWithContext(ctx, h)
}
