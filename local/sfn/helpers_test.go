package sfnlocal

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// testTimeout bounds every wait in the tests; it is not an assertion on
// elapsed time.
const testTimeout = 30 * time.Second

// newTestService starts a Service behind an httptest server and returns it
// with an unmodified SDK client pointed at it.
func newTestService(t *testing.T, opts Options) (*Service, *sfn.Client) {
	t.Helper()
	svc := New(opts)
	srv := httptest.NewServer(svc)
	t.Cleanup(func() {
		_ = svc.Close()
		srv.Close()
	})
	client := sfn.New(sfn.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLOCAL", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return svc, client
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// createMachine creates a machine from a definition and fails the test on
// error.
func createMachine(t *testing.T, svc *Service, name, def string) string {
	t.Helper()
	out, err := svc.CreateStateMachine(context.Background(), CreateStateMachineInput{
		Name: name, Definition: def, RoleArn: "arn:aws:iam::123456789012:role/sfn",
	})
	if err != nil {
		t.Fatalf("create state machine %s: %v", name, err)
	}
	return out.StateMachineArn
}

var machineSeq atomic.Int64

// run creates a machine, runs it on input and waits for the end.
func run(t *testing.T, svc *Service, def, input string) DescribeExecutionOutput {
	t.Helper()
	arn := createMachine(t, svc, fmt.Sprintf("machine-%d", machineSeq.Add(1)), def)
	ctx := testContext(t)
	start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Input: input})
	if err != nil {
		t.Fatalf("start execution: %v", err)
	}
	out, err := svc.WaitExecution(ctx, start.ExecutionArn)
	if err != nil {
		t.Fatalf("wait execution: %v", err)
	}
	return out
}

// worker serves an activity until ctx ends: handle returns an output or an
// error name and cause.
func worker(ctx context.Context, t *testing.T, svc *Service, activityArn string, handle func(input string) (output, errName, cause string)) {
	go func() {
		for ctx.Err() == nil {
			task, err := svc.GetActivityTask(ctx, GetActivityTaskInput{ActivityArn: activityArn, WorkerName: "test-worker"})
			if err != nil {
				t.Errorf("get activity task: %v", err)
				return
			}
			if task.TaskToken == "" {
				continue
			}
			out, name, cause := handle(task.Input)
			if name != "" {
				_, err = svc.SendTaskFailure(ctx, SendTaskFailureInput{TaskToken: task.TaskToken, Error: name, Cause: cause})
			} else {
				_, err = svc.SendTaskSuccess(ctx, SendTaskSuccessInput{TaskToken: task.TaskToken, Output: out})
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("report task: %v", err)
			}
		}
	}()
}

func eventTypes(t *testing.T, svc *Service, arn string) []string {
	t.Helper()
	h, err := svc.GetExecutionHistory(context.Background(), GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 1000})
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var out []string
	for _, e := range h.Events {
		out = append(out, e.Type)
	}
	return out
}
