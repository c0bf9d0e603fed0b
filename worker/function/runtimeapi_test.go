package function

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTheRuntimeAPILoopCarriesOutputsAndErrorNames runs Start, the real
// aws-lambda-go loop, in a child process against a fake Lambda Runtime API
// on loopback: an invocation's output is posted as its response, and a
// failure as an error whose errorType is the stable name Step Functions
// matches. (A child process, because the loop never returns.)
func TestTheRuntimeAPILoopCarriesOutputsAndErrorNames(t *testing.T) {
	if os.Getenv("FUNCTION_TEST_RUNTIME_LOOP") == "1" {
		Start(context.Background(), New(testMux(), nil))
		return
	}
	t.Parallel()
	invocations := []struct{ id, payload string }{
		{"req-1", `{"op":"simulate","Items":[{"Key":"k"}],"BatchInput":{}}`},
		{"req-2", `{"op":"simulate","Items":[{"Key":"slow"}]}`},
	}
	type reply struct{ kind, body, errorType string }
	var mu sync.Mutex
	replies := map[string]reply{}
	next := make(chan struct{ id, payload string }, len(invocations))
	for _, inv := range invocations {
		next <- inv
	}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const base = "/2018-06-01/runtime/invocation/"
		if r.URL.Path == base+"next" {
			select {
			case inv := <-next:
				w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
				w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
				w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:montecarlo-worker")
				_, _ = io.WriteString(w, inv.payload)
			case <-done:
				w.WriteHeader(http.StatusGone)
			case <-r.Context().Done():
			}
			return
		}
		rest := strings.TrimPrefix(r.URL.Path, base)
		id, kind, _ := strings.Cut(rest, "/")
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		replies[id] = reply{kind: kind, body: string(body), errorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
		n := len(replies)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		if n == len(invocations) {
			close(done)
		}
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTheRuntimeAPILoopCarriesOutputsAndErrorNames$")
	cmd.Env = append(os.Environ(), "FUNCTION_TEST_RUNTIME_LOOP=1", EnvRuntimeAPI+"="+strings.TrimPrefix(srv.URL, "http://"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the runtime loop did not answer both invocations")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	mu.Lock()
	defer mu.Unlock()
	if r := replies["req-1"]; r.kind != "response" || r.body != `{"batchId":"b1","loans":3}` {
		t.Errorf("req-1: %+v, want the op's output as the response", r)
	}
	r := replies["req-2"]
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.kind != "error" || e.ErrorType != "S3.SlowDown" || !strings.Contains(e.ErrorMessage, "SlowDown") {
		t.Errorf("req-2: %+v (%v), want an error of type S3.SlowDown", r, err)
	}
}
