package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
	"github.com/montecarlo-pipeline/montecarlo/worker/function"
)

// TestRunServesPingThroughTheSDKsEndpointVariable runs the program against
// a loopback activity endpoint named only by AWS_ENDPOINT_URL_SFN, as the
// local runtime and docker-compose setups do, and stops it as SIGTERM would.
// Not parallel: the SDK reads the process environment.
func TestRunServesPingThroughTheSDKsEndpointVariable(t *testing.T) {
	srv := activitytest.NewServer(t)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SFN":        srv.URL,
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_CONFIG_FILE":             t.TempDir() + "/none",
		"AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	environ := []string{"ACTIVITY_ARN=" + activitytest.ActivityARN, "WORKER_NAME=main-test", "SHUTDOWN_GRACE_SECONDS=5"}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, environ, &logs) }()

	tok := srv.Enqueue(`{"op":"ping"}`)
	other := srv.Enqueue(`{"op":"simulate","Items":[],"BatchInput":{}}`)
	wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if err := srv.WaitStatus(wait, other, activitytest.Failed, activitytest.Succeeded); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitStatus(wait, tok, activitytest.Succeeded, activitytest.Failed); err != nil {
		t.Fatal(err)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("run = %d after a clean stop; want %d; logs:\n%s", code, exitOK, logs.String())
	}
	if got := srv.Task(tok); got.Output != `{"pong":true,"worker":"main-test"}` {
		t.Errorf("ping = %+v; want pong from main-test", got)
	}
	if got := srv.Task(other); got.Error != "Input.Invalid" {
		t.Errorf("an op this build does not have = %+v; want Input.Invalid, not a fake result", got)
	}
	if strings.Contains(logs.String(), tok) {
		t.Error("logs contain a full task token")
	}
}

func TestRunExitsWithAConfigErrorNamingTheVariable(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	code := run(context.Background(), []string{"WORKER_CONCURRENCY=many"}, &logs)
	if code != exitConfig || !strings.Contains(logs.String(), "ACTIVITY_ARN") || !strings.Contains(logs.String(), "WORKER_CONCURRENCY") {
		t.Errorf("run = %d, logs %s; want exit %d naming ACTIVITY_ARN and WORKER_CONCURRENCY", code, logs.String(), exitConfig)
	}
}

// Not parallel: the SDK reads the process environment.
func TestInsideLambdaTheSameOpsServeTheRuntimeAPI(t *testing.T) {
	environ := []string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001", "AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=montecarlo-worker",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local"}
	if !inLambda(environ) || inLambda([]string{"ACTIVITY_ARN=x"}) {
		t.Fatal("inLambda does not follow AWS_LAMBDA_RUNTIME_API")
	}
	var logs bytes.Buffer
	var out []byte
	var err error
	code := runFunction(context.Background(), environ, &logs, func(ctx context.Context, h *function.Handler) {
		out, err = h.Invoke(ctx, []byte(`{"op":"ping"}`))
	})
	if code != exitOK || err != nil || string(out) != `{"pong":true,"worker":"montecarlo-worker"}` {
		t.Fatalf("runFunction = %d; ping = %s, %v; logs:\n%s", code, out, err, logs.String())
	}
	if code := runFunction(context.Background(), []string{"AWS_LAMBDA_RUNTIME_API=x"}, &logs, nil); code != exitConfig {
		t.Errorf("without AWS_REGION: exit %d, want %d", code, exitConfig)
	}
}
