package sfnlocal

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// LambdaAPI is the Lambda call the lambda:invoke integration makes: the
// SDK's *lambda.Client satisfies it (pointed at local/lambda's endpoint in
// the local runtime).
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// lambdaInvokeSuffix ends the optimized Lambda integration's resource,
// arn:<partition>:states:::lambda:invoke (request-response; the
// .waitForTaskToken form is not served).
const lambdaInvokeSuffix = ":states:::lambda:invoke"

// lambdaTask runs arn:aws:states:::lambda:invoke: Parameters FunctionName
// (required), Payload (any JSON; none if absent), Qualifier, InvocationType,
// ClientContext and LogType. The result is the service's shape
// ({"ExecutedVersion", "Payload" (the function's output, parsed when it is
// JSON), "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}). A
// function error fails the task with the function's errorType as the error
// and the error payload as the cause; an API error is
// "Lambda.<Code>" (Lambda.TooManyRequestsException, ...), a transport
// error Lambda.SdkClientException, and TimeoutSeconds States.Timeout
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
func (r *runner) lambdaTask(ctx context.Context, resource string, params any, timeoutSec int) (any, *paths.Error) {
	r.event("TaskScheduled", "taskScheduledEventDetails", map[string]any{
		"resourceType": "lambda", "resource": "invoke", "region": r.s.opts.Region, "parameters": paths.MustMarshal(params),
	})
	fail := func(e *paths.Error) (any, *paths.Error) {
		r.event("TaskFailed", "taskFailedEventDetails", map[string]any{"resourceType": "lambda", "resource": "invoke", "error": e.Name, "cause": e.Cause})
		return nil, e
	}
	api := r.s.opts.Lambda
	if api == nil {
		return fail(runtimeErr("resource %q: the local Step Functions has no Lambda endpoint (Options.Lambda)", resource))
	}
	args, ok := params.(map[string]any)
	if !ok {
		return fail(paths.Errorf(errNameRuntime, "lambda:invoke takes an object of parameters, got a %s", paths.TypeName(params)))
	}
	in := &lambda.InvokeInput{}
	var err error
	fn, err := argString(args, "FunctionName", true)
	if err != nil {
		return fail(sdkError("lambda", err))
	}
	in.FunctionName = aws.String(fn)
	for _, f := range []struct {
		name string
		set  func(string)
	}{
		{"Qualifier", func(v string) { in.Qualifier = aws.String(v) }},
		{"InvocationType", func(v string) { in.InvocationType = types.InvocationType(v) }},
		{"ClientContext", func(v string) { in.ClientContext = aws.String(v) }},
		{"LogType", func(v string) { in.LogType = types.LogType(v) }},
	} {
		v, err := argString(args, f.name, false)
		if err != nil {
			return fail(sdkError("lambda", err))
		}
		if v != "" {
			f.set(v)
		}
	}
	if p, ok := args["Payload"]; ok {
		if s, isString := p.(string); isString {
			in.Payload = []byte(s) // a string payload is sent as it is
		} else {
			in.Payload = []byte(paths.MustMarshal(p))
		}
	}
	r.event("TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": "lambda", "resource": "invoke"})
	if timeoutSec > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.s.seconds(float64(timeoutSec)))
		defer cancel()
	}
	out, err := api.Invoke(ctx, in)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fail(paths.Errorf(errNameTimeout, "the task did not complete within TimeoutSeconds (%d s)", timeoutSec))
		}
		if ctx.Err() != nil {
			return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
		}
		return fail(sdkError("lambda", err))
	}
	if out.FunctionError != nil {
		var fe struct {
			ErrorType string `json:"errorType"`
		}
		_ = json.Unmarshal(out.Payload, &fe)
		name := fe.ErrorType
		if name == "" {
			name = "Lambda.Unknown" // the service's name for an error without a type
		}
		return fail(&paths.Error{Name: name, Cause: string(out.Payload)})
	}
	var payload any = string(out.Payload)
	if len(out.Payload) > 0 {
		if v, err := paths.DecodeString(string(out.Payload)); err == nil {
			payload = v
		}
	}
	requestID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	result := map[string]any{
		"ExecutedVersion": aws.ToString(out.ExecutedVersion),
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{"HttpStatusCode": int64(out.StatusCode)},
		"SdkResponseMetadata": map[string]any{
			"RequestId": requestID,
		},
		"StatusCode": int64(out.StatusCode),
	}
	res := paths.Normalize(result)
	enc := paths.MustMarshal(res)
	if len(enc) > maxTaskResultBytes {
		return fail(paths.Errorf(errNameDataLimitExceeded, "the lambda:invoke result is %d bytes, more than the %d allowed", len(enc), maxTaskResultBytes))
	}
	r.event("TaskSucceeded", "taskSucceededEventDetails", map[string]any{
		"resourceType": "lambda", "resource": "invoke", "output": enc, "outputDetails": map[string]any{"truncated": false},
	})
	return res, nil
}

// maxTaskResultBytes is the 256 KiB payload quota a task's result must
// fit.
const maxTaskResultBytes = 262144

// isLambdaInvoke reports whether a Task resource is the Lambda integration.
func isLambdaInvoke(resource string) bool {
	return strings.HasPrefix(resource, "arn:aws") && strings.HasSuffix(resource, lambdaInvokeSuffix)
}
