// Package activitytest is a minimal Step Functions activity endpoint for
// tests: an httptest.Server speaking the real protocol (POST /, AWS JSON 1.0,
// X-Amz-Target: AWSStepFunctions.<Operation>) for GetActivityTask,
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, so a real
// *sfn.Client, with its serialisation, retries and error decoding, runs
// against it on loopback. Tests enqueue task inputs, inject errors, expire
// tasks, and wait for outcomes without sleeping.
//
// Request and response shapes follow the Step Functions API reference
// (GetActivityTask: {"activityArn","workerName"} → {"taskToken","input"};
// SendTaskSuccess: {"taskToken","output"}; SendTaskFailure: {"taskToken",
// "error","cause"}; SendTaskHeartbeat: {"taskToken"}; errors: HTTP 400 with
// {"__type","message"}).
package activitytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region, account and activity of every Server.
const (
	Region      = "us-east-1"
	AccountID   = "123456789012"
	ActivityARN = "arn:aws:states:" + Region + ":" + AccountID + ":activity:activitytest"
)

// Operation names, as in X-Amz-Target after "AWSStepFunctions.".
const (
	GetActivityTask   = "GetActivityTask"
	SendTaskSuccess   = "SendTaskSuccess"
	SendTaskFailure   = "SendTaskFailure"
	SendTaskHeartbeat = "SendTaskHeartbeat"
)

// Limits the real service enforces (API reference), enforced here too so a
// worker that breaks them fails its tests.
const (
	maxOutputBytes = 262144
	maxErrorLen    = 256
	maxCauseLen    = 32768
	maxWorkerName  = 80
)

// Status is where a task is in its life.
type Status string

// Task statuses.
const (
	Queued    Status = "queued"    // waiting for a worker
	Running   Status = "running"   // handed to a worker by GetActivityTask
	Succeeded Status = "succeeded" // SendTaskSuccess accepted
	Failed    Status = "failed"    // SendTaskFailure accepted
	TimedOut  Status = "timed-out" // expired by Expire; results are rejected
)

// Task is a snapshot of one task.
type Task struct {
	Token  string
	Input  string
	Status Status
	Worker string // workerName of the GetActivityTask that took it

	Output string // SendTaskSuccess output
	Error  string // SendTaskFailure error
	Cause  string // SendTaskFailure cause

	Heartbeats       int // accepted heartbeats
	LateHeartbeats   int // heartbeats after the task closed or timed out
	Reports          int // SendTaskSuccess and SendTaskFailure calls, accepted or not
	AcceptedAtReport int // Heartbeats when the outcome was accepted
}

// Server is the fake endpoint. Its zero value is not usable: call NewServer.
type Server struct {
	// URL is the endpoint's base URL (http://127.0.0.1:port).
	URL string
	// PollWait is how long GetActivityTask holds an empty poll before
	// answering without a task (the real service holds up to 60 s).
	PollWait time.Duration
	// KeepAbandonedPolls makes GetActivityTask behave as the real service
	// does when the client gives up on a long poll (cancels it, closes the
	// connection): the service does not notice, keeps the poll open for
	// PollWait and may hand it a task, which then reaches nobody and stays
	// Running (in AWS, until its heartbeat timeout). By default the fake
	// ends a poll whose client went away without taking a task.
	KeepAbandonedPolls bool

	srv    *httptest.Server
	closed chan struct{} // closed when the test ends: held polls end

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	queue   []string
	tasks   map[string]*Task
	order   []string
	polling int
	calls   map[string]int
	inject  map[string][]apiError
	next    int
}

type apiError struct {
	status  int
	code    string
	message string
}

// NewServer starts a Server on loopback and closes it when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		PollWait: 50 * time.Millisecond,
		changed:  make(chan struct{}),
		tasks:    map[string]*Task{},
		calls:    map[string]int{},
		inject:   map[string][]apiError{},
	}
	s.closed = make(chan struct{})
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(func() {
		close(s.closed)
		s.srv.Close()
	})
	return s
}

// AWSConfig returns an aws.Config that points at the server: its region,
// static credentials and BaseEndpoint.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Enqueue adds a task with the given input and returns its token.
func (s *Server) Enqueue(input string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	token := fmt.Sprintf("token-%04d-%s", s.next, strings.Repeat("x", 64))
	s.tasks[token] = &Task{Token: token, Input: input, Status: Queued}
	s.queue = append(s.queue, token)
	s.order = append(s.order, token)
	s.notify()
	return token
}

// Task returns a snapshot of the task with the given token.
func (s *Server) Task(token string) Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[token]; ok {
		return *t
	}
	return Task{}
}

// Tasks returns snapshots of every task, in the order they were enqueued.
func (s *Server) Tasks() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Task, 0, len(s.order))
	for _, tok := range s.order {
		out = append(out, *s.tasks[tok])
	}
	return out
}

// Calls returns how many requests for operation op the server received,
// including those answered with an injected error.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Polling returns how many GetActivityTask requests are being held open.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// FailNext makes the next n requests for operation op fail with the given
// HTTP status and error code (e.g. 400 "ThrottlingException", 500
// "ServiceUnavailable").
func (s *Server) FailNext(op string, n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.inject[op] = append(s.inject[op], apiError{status: status, code: code, message: "injected by activitytest"})
	}
}

// Expire times the task out, as a missed HeartbeatSeconds would: later
// heartbeats and results for it are answered TaskTimedOut.
func (s *Server) Expire(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[token]; ok {
		t.Status = TimedOut
		s.queue = slices.DeleteFunc(s.queue, func(q string) bool { return q == token })
		s.notify()
	}
}

// WaitFor blocks until cond returns true or ctx is done. cond is called
// without the server's lock held, so it may call Task, Tasks and so on.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("activitytest: wait: %w", ctx.Err())
		case <-ch:
		}
	}
}

// WaitStatus waits until the task has one of the given statuses.
func (s *Server) WaitStatus(ctx context.Context, token string, want ...Status) error {
	return s.WaitFor(ctx, func() bool { return slices.Contains(want, s.Task(token).Status) })
}

// WaitHeartbeats waits until the task has had at least n accepted heartbeats.
func (s *Server) WaitHeartbeats(ctx context.Context, token string, n int) error {
	return s.WaitFor(ctx, func() bool { return s.Task(token).Heartbeats >= n })
}

// WaitPolling waits until at least n GetActivityTask requests are held open.
func (s *Server) WaitPolling(ctx context.Context, n int) error {
	return s.WaitFor(ctx, func() bool { return s.Polling() >= n })
}

// notify wakes every waiter; the caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "AWSStepFunctions."
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !strings.HasPrefix(target, prefix) {
		writeError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "expected POST / with X-Amz-Target: AWSStepFunctions.<Operation>"})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.0, got " + ct})
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
		writeError(w, apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "request is not signed with SigV4"})
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", err.Error()})
		return
	}
	op := strings.TrimPrefix(target, prefix)

	s.mu.Lock()
	s.calls[op]++
	if q := s.inject[op]; len(q) > 0 {
		e := q[0]
		s.inject[op] = q[1:]
		s.notify()
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	s.notify()
	s.mu.Unlock()

	var req struct {
		ActivityArn string  `json:"activityArn"`
		WorkerName  string  `json:"workerName"`
		TaskToken   string  `json:"taskToken"`
		Output      *string `json:"output"`
		Error       string  `json:"error"`
		Cause       string  `json:"cause"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, apiError{http.StatusBadRequest, "SerializationException", err.Error()})
		return
	}
	switch op {
	case GetActivityTask:
		s.getActivityTask(w, r, req.ActivityArn, req.WorkerName)
	case SendTaskHeartbeat:
		s.closeOrBeat(w, req.TaskToken, nil)
	case SendTaskSuccess:
		if req.Output == nil || len(*req.Output) > maxOutputBytes || !json.Valid([]byte(*req.Output)) {
			s.countReport(req.TaskToken)
			writeError(w, apiError{http.StatusBadRequest, "InvalidOutput", "output must be JSON of at most 262144 bytes"})
			return
		}
		s.closeOrBeat(w, req.TaskToken, func(t *Task) { t.Status, t.Output = Succeeded, *req.Output })
	case SendTaskFailure:
		if len(req.Error) > maxErrorLen || len(req.Cause) > maxCauseLen {
			s.countReport(req.TaskToken)
			writeError(w, apiError{http.StatusBadRequest, "ValidationException", "error or cause too long"})
			return
		}
		s.closeOrBeat(w, req.TaskToken, func(t *Task) { t.Status, t.Error, t.Cause = Failed, req.Error, req.Cause })
	default:
		writeError(w, apiError{http.StatusBadRequest, "UnknownOperationException", "operation not supported by activitytest: " + op})
	}
}

func (s *Server) getActivityTask(w http.ResponseWriter, r *http.Request, arn, worker string) {
	if arn != ActivityARN {
		writeError(w, apiError{http.StatusBadRequest, "ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'"})
		return
	}
	if len(worker) > maxWorkerName {
		writeError(w, apiError{http.StatusBadRequest, "ValidationException", "workerName longer than 80 characters"})
		return
	}
	timer := time.NewTimer(s.PollWait)
	gone := r.Context().Done()
	if s.KeepAbandonedPolls {
		gone = nil
	}
	defer timer.Stop()
	s.mu.Lock()
	s.polling++
	s.notify()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.notify()
		s.mu.Unlock()
	}()
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			tok := s.queue[0]
			s.queue = s.queue[1:]
			t := s.tasks[tok]
			t.Status, t.Worker = Running, worker
			s.notify()
			s.mu.Unlock()
			writeJSON(w, map[string]string{"taskToken": t.Token, "input": t.Input})
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			writeJSON(w, map[string]any{})
			return
		case <-gone:
			return
		case <-s.closed:
			return
		}
	}
}

// closeOrBeat applies a heartbeat (report nil) or an outcome (report sets
// it) to a running task, or answers the error the real service would.
func (s *Server) closeOrBeat(w http.ResponseWriter, token string, report func(*Task)) {
	s.mu.Lock()
	t, ok := s.tasks[token]
	if !ok {
		s.mu.Unlock()
		writeError(w, apiError{http.StatusBadRequest, "InvalidToken", "Invalid Token"})
		return
	}
	if report != nil {
		t.Reports++
	}
	var e *apiError
	switch t.Status {
	case Running:
	case TimedOut:
		e = &apiError{http.StatusBadRequest, "TaskTimedOut", "Task Timed Out"}
	default:
		e = &apiError{http.StatusBadRequest, "TaskDoesNotExist", "Task Does Not Exist"}
	}
	switch {
	case e != nil && report == nil:
		t.LateHeartbeats++
	case e != nil:
	case report == nil:
		t.Heartbeats++
	default:
		report(t)
		t.AcceptedAtReport = t.Heartbeats
	}
	s.notify()
	s.mu.Unlock()
	if e != nil {
		writeError(w, *e)
		return
	}
	writeJSON(w, map[string]any{})
}

func (s *Server) countReport(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[token]; ok {
		t.Reports++
		s.notify()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "activitytest")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "activitytest")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"__type":  "com.amazonaws.swf.service.v2.model#" + e.code,
		"message": e.message,
	})
}
