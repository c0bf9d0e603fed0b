package sfnlocal

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	lambdalocal "github.com/montecarlo-pipeline/montecarlo/local/lambda"
)

type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// lambdaService is an emulator whose lambda:invoke tasks reach a local
// Invoke endpoint through the SDK's Lambda client, serving fn as "f".
func lambdaService(t *testing.T, fn lambdalocal.Function) *Service {
	t.Helper()
	ep, err := lambdalocal.Start(lambdalocal.Options{Functions: map[string]lambdalocal.Function{"f": fn}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ep.Close() })
	client := awslambda.New(awslambda.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("l", "l", ""),
		BaseEndpoint: aws.String(ep.URL()), HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}},
		RetryMaxAttempts: 1, // the state machine's Retry is what is tested
	})
	svc, _ := newTestService(t, Options{TimeScale: 0.001, Lambda: client})
	return svc
}

const invokeDef = `{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
  "Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:f","Payload":{"op":"simulate","n.$":"$.n"}},
  "ResultSelector":{"Payload.$":"$.Payload"},"OutputPath":"$.Payload",
  "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException","Runtime.ExitError"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2}],
  "End":true}}}`

func TestLambdaInvokeReturnsThePayloadAndRetriesByErrorName(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	svc := lambdaService(t, lambdalocal.Function{Handler: invokeFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		n := calls.Add(1)
		switch {
		case strings.Contains(string(p), `"n":1`) && n == 1:
			return nil, lambdalocal.ErrKilled // the first attempt dies; the retry succeeds
		case strings.Contains(string(p), `"n":2`):
			return nil, messages.InvokeResponse_Error{Type: "Input.Invalid", Message: "bad batch"}
		}
		return p, nil
	})})
	out := run(t, svc, invokeDef, `{"n":1}`)
	if out.Status != StatusSucceeded || out.Output == nil || *out.Output != `{"n":1,"op":"simulate"}` || calls.Load() != 2 {
		t.Fatalf("got %s %v %s %s after %d calls", out.Status, out.Output, out.Error, out.Cause, calls.Load())
	}
	out = run(t, svc, invokeDef, `{"n":2}`)
	if out.Status != StatusFailed || out.Error != "Input.Invalid" || !strings.Contains(out.Cause, "bad batch") {
		t.Fatalf("got %s %s %s; want the function's errorType as the error", out.Status, out.Error, out.Cause)
	}
}

func TestLambdaInvokeNamesServiceErrors(t *testing.T) {
	t.Parallel()
	svc := lambdaService(t, lambdalocal.Function{Handler: invokeFunc(func(ctx context.Context, p []byte) ([]byte, error) { return p, nil })})
	def := strings.Replace(invokeDef, "function:f", "function:missing", 1)
	out := run(t, svc, def, `{"n":3}`)
	if out.Status != StatusFailed || out.Error != "Lambda.ResourceNotFoundException" {
		t.Fatalf("got %s %s %s", out.Status, out.Error, out.Cause)
	}
}

// An EXPRESS child lasts at most five minutes: one that waits longer times
// out, and the Map fails for it; a STANDARD child may wait.
func TestExpressMapChildrenTimeOutAfterFiveMinutes(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.0005})
	machine := func(execType string, waitSeconds int) string {
		return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + execType + `"},"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":` +
			strconv.Itoa(waitSeconds) + `,"End":true}}},"End":true}}}`
	}
	if out := run(t, svc, machine("EXPRESS", 200), `{"items":[1]}`); out.Status != StatusSucceeded {
		t.Errorf("EXPRESS child of 200 s: %s %s %s", out.Status, out.Error, out.Cause)
	}
	if out := run(t, svc, machine("EXPRESS", 400), `{"items":[1]}`); out.Status != StatusFailed {
		t.Errorf("EXPRESS child of 400 s: %s, want FAILED", out.Status)
	}
	if out := run(t, svc, machine("STANDARD", 400), `{"items":[1]}`); out.Status != StatusSucceeded {
		t.Errorf("STANDARD child of 400 s: %s %s %s", out.Status, out.Error, out.Cause)
	}
}
