package lambdalocal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// start serves one function "f" and returns an SDK client for it, with
// the SDK's retries off so each call is one request.
func start(t *testing.T, fn Function) (*Server, *awslambda.Client) {
	t.Helper()
	s, err := Start(Options{Functions: map[string]Function{"f": fn}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c := awslambda.New(awslambda.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:     aws.String(s.URL()),
		HTTPClient:       &http.Client{Transport: &http.Transport{Proxy: nil}},
		RetryMaxAttempts: 1,
	})
	return s, c
}

func TestTheSDKInvokesAFunction(t *testing.T) {
	t.Parallel()
	s, c := start(t, Function{Handler: handlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		switch string(p) {
		case `{"fail":"named"}`:
			return nil, messages.InvokeResponse_Error{Type: "S3.SlowDown", Message: "slow down"}
		case `{"fail":"plain"}`:
			return nil, errors.New("plain")
		case `{"fail":"killed"}`:
			return nil, fmt.Errorf("batch: %w", ErrKilled)
		}
		return append([]byte(`{"echo":`), append(p, '}')...), nil
	})})
	ctx := context.Background()
	for _, name := range []string{"f", s.FunctionArn("f"), s.FunctionArn("f") + ":live", "123456789012:function:f"} {
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"a":1}`)})
		if err != nil || out.StatusCode != 200 || string(out.Payload) != `{"echo":{"a":1}}` || out.FunctionError != nil {
			t.Fatalf("invoke %s = %+v, %v", name, out, err)
		}
	}
	for payload, wantType := range map[string]string{`{"fail":"named"}`: "S3.SlowDown", `{"fail":"plain"}`: "errorString", `{"fail":"killed"}`: ErrorTypeRuntimeExit} {
		out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("f"), Payload: []byte(payload)})
		if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType":"`+wantType+`"`) {
			t.Errorf("invoke %s = %+v (%s), %v; want a function error %s", payload, out, out.Payload, err, wantType)
		}
	}
	if invoked, failed := s.Invocations("f"); invoked != 7 || failed != 3 {
		t.Errorf("Invocations = %d, %d; want 7, 3", invoked, failed)
	}
	out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("f"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("dry run = %+v, %v", out, err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("g")}); !errors.As(err, &nf) {
		t.Errorf("an unknown function: %v, want ResourceNotFoundException", err)
	}
	var bad *types.InvalidRequestContentException
	if _, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("f"), Payload: []byte("{")}); !errors.As(err, &bad) {
		t.Errorf("a payload that is not JSON: %v, want InvalidRequestContentException", err)
	}
}

func TestInvocationsBeyondTheReservedConcurrencyAreThrottled(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{})
	_, c := start(t, Function{ReservedConcurrency: 1, Handler: handlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		close(entered)
		<-release
		return []byte(`{}`), nil
	})})
	done := make(chan error, 1)
	go func() {
		_, err := c.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("f")})
		done <- err
	}()
	<-entered
	_, err := c.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("f")})
	var tm *types.TooManyRequestsException
	var api smithy.APIError
	if !errors.As(err, &tm) || !errors.As(err, &api) || api.ErrorCode() != "TooManyRequestsException" {
		t.Errorf("second invocation: %v, want TooManyRequestsException", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first invocation: %v", err)
	}
}

func TestAnInvocationPastItsTimeoutFailsAsTimedOut(t *testing.T) {
	t.Parallel()
	_, c := start(t, Function{Timeout: 20 * time.Millisecond, Handler: handlerFunc(func(ctx context.Context, p []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})})
	out, err := c.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("f")})
	if err != nil || !strings.Contains(string(out.Payload), "Sandbox.Timedout") {
		t.Errorf("invoke = %s, %v; want Sandbox.Timedout", out.Payload, err)
	}
}
