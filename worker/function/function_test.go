package function

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// testMux is a mux with ops that succeed, fail by name, fail unnamed,
// panic and answer too much.
func testMux() *activity.Mux {
	m := activity.NewMux()
	m.Register(activity.OpPing, activity.Ping("fn"))
	m.Register(workflow.OpSimulate, activity.HandlerFunc(func(ctx context.Context, in []byte) ([]byte, error) {
		var v struct {
			Items []struct{ Key string } `json:"Items"`
		}
		_ = json.Unmarshal(in, &v)
		switch v.Items[0].Key {
		case "slow":
			return nil, activity.Errorf(activity.S3SlowDown, "get %q: %w", "slow", errors.New("503 SlowDown"))
		case "bad":
			return nil, errors.New("an unnamed failure")
		case "reserved":
			return nil, activity.Errorf("States.Timeout", "no")
		case "panic":
			panic("boom")
		case "huge":
			return []byte(`"` + strings.Repeat("x", activity.MaxOutputBytes) + `"`), nil
		case "empty":
			return nil, nil
		}
		return []byte(`{"batchId":"b1","loans":3}`), nil
	}))
	return m
}

func TestInvokeRunsTheOpsAndNamesFailuresAsTheActivityDoes(t *testing.T) {
	t.Parallel()
	h := New(testMux(), nil)
	cases := []struct {
		name, payload string
		want          string // output, or the errorType of the failure
		fails         bool
	}{
		{"a batch returns the op's output", `{"op":"simulate","Items":[{"Key":"k"}],"BatchInput":{}}`, `{"batchId":"b1","loans":3}`, false},
		{"ping answers", `{"op":"ping"}`, `{"pong":true,"worker":"fn"}`, false},
		{"an empty output is {}", `{"op":"simulate","Items":[{"Key":"empty"}]}`, `{}`, false},
		{"a named error keeps its name, so Retry matches it", `{"op":"simulate","Items":[{"Key":"slow"}]}`, workflow.ErrS3SlowDown, true},
		{"an unnamed error is Worker.Internal", `{"op":"simulate","Items":[{"Key":"bad"}]}`, workflow.ErrWorkerInternal, true},
		{"a reserved States. name is Worker.Internal", `{"op":"simulate","Items":[{"Key":"reserved"}]}`, workflow.ErrWorkerInternal, true},
		{"a panic is Worker.Internal", `{"op":"simulate","Items":[{"Key":"panic"}]}`, workflow.ErrWorkerInternal, true},
		{"an output beyond 256 KiB is Worker.OutputTooLarge", `{"op":"simulate","Items":[{"Key":"huge"}]}`, workflow.ErrWorkerOutputTooLarge, true},
		{"an unknown op is Input.Invalid", `{"op":"nope"}`, workflow.ErrInputInvalid, true},
		{"a payload that is not an object is Input.Invalid", `[1]`, workflow.ErrInputInvalid, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h.Invoke(context.Background(), []byte(tc.payload))
			if !tc.fails {
				if err != nil || string(out) != tc.want {
					t.Fatalf("Invoke = %s, %v; want %s", out, err, tc.want)
				}
				return
			}
			// aws-lambda-go reports a messages.InvokeResponse_Error value
			// as is: its Type is the errorType Step Functions sees.
			var ie messages.InvokeResponse_Error
			if !errors.As(err, &ie) || ie.Type != tc.want || ie.Message == "" || out != nil {
				t.Fatalf("Invoke = %s, %#v; want a function error %s", out, err, tc.want)
			}
		})
	}
}

func TestErrorCutsToTheSendTaskFailureLimits(t *testing.T) {
	t.Parallel()
	e := Error(activity.Errorf(strings.Repeat("N", 300), "%s", strings.Repeat("é", activity.MaxCauseLen)))
	if len(e.Type) > activity.MaxErrorLen || len(e.Message) > activity.MaxCauseLen {
		t.Errorf("type %d bytes, message %d bytes: over the limits", len(e.Type), len(e.Message))
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig([]string{"AWS_REGION=eu-west-1", "DATA_BUCKET=b-1", "S3_CONCURRENCY=4", "LOG_LEVEL=debug", "AWS_LAMBDA_FUNCTION_NAME=w"})
	if err != nil || c.Region != "eu-west-1" || c.DataBucket != "b-1" || c.S3Concurrency != 4 || c.FunctionName != "w" {
		t.Fatalf("LoadConfig = %+v, %v", c, err)
	}
	_, err = LoadConfig([]string{"S3_CONCURRENCY=0", "LOG_LEVEL=loud"})
	for _, name := range []string{"AWS_REGION", "S3_CONCURRENCY", "LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadConfig error %v does not name %s", err, name)
		}
	}
}
