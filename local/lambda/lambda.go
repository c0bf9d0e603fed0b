// Package lambdalocal is a local AWS Lambda Invoke endpoint: the Invoke
// operation of the Lambda REST API
// (POST /2015-03-31/functions/{FunctionName}/invocations), served on
// loopback for in-process handlers, so that the AWS SDK's Lambda client,
// pointed at it with a base endpoint, invokes the pipeline's worker as it
// would in AWS. The local Step Functions emulator serves
// arn:aws:states:::lambda:invoke through that client.
//
// What it implements of the protocol
// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
// FunctionName as a name, a partial ARN or an ARN, with or without a
// qualifier (or the Qualifier query parameter: $LATEST or any alias);
// X-Amz-Invocation-Type RequestResponse (200 with the function's output),
// Event (202, run in the background) and DryRun (204); a function error as
// 200 with X-Amz-Function-Error: Unhandled and the body {"errorType",
// "errorMessage"}; X-Amz-Executed-Version; and the service errors the SDK
// decodes from X-Amzn-ErrorType: ResourceNotFoundException (404),
// RequestTooLargeException (413), InvalidRequestContentException (400) and
// TooManyRequestsException (429) beyond a function's reserved concurrency.
package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/google/uuid"
)

// Limits of Invoke (Lambda quotas: 6 MB request and response payloads for
// synchronous invocations, 256 KB for asynchronous ones).
const (
	MaxPayloadBytes      = 6 * 1024 * 1024
	MaxEventPayloadBytes = 256 * 1024
)

// ErrKilled, returned by a handler (wrapped or not), reports that the
// function's process died during the invocation (the local runtime's chaos
// kills): Lambda reports that as a function error of type
// Runtime.ExitError, which the state machines retry.
var ErrKilled = errors.New("runtime exited with error: signal: killed")

// ErrorTypeRuntimeExit is the errorType of an invocation whose process
// died.
const ErrorTypeRuntimeExit = "Runtime.ExitError"

// Function is one function the endpoint serves.
type Function struct {
	// Handler runs an invocation: aws-lambda-go's handler interface, so
	// the worker's function.Handler plugs in as it runs in Lambda.
	Handler lambda.Handler
	// ReservedConcurrency bounds the invocations running at once; one more
	// is refused with TooManyRequestsException. 0: unbounded.
	ReservedConcurrency int
	// Timeout bounds an invocation (the function's configured timeout); 0:
	// none. A timed-out invocation fails with Sandbox.Timedout.
	Timeout time.Duration
}

// Options configure a Server.
type Options struct {
	// Functions by name.
	Functions map[string]Function
	Region    string // default us-east-1
	AccountID string // default 123456789012
	Logger    *slog.Logger
}

// Server is a running endpoint.
type Server struct {
	opts  Options
	log   *slog.Logger
	url   string
	srv   *http.Server
	ln    net.Listener
	done  chan error
	funcs map[string]*function

	bg        sync.WaitGroup // Event invocations
	bgCtx     context.Context
	bgCancel  context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

type function struct {
	Function
	name     string
	inFlight atomic.Int64
	invoked  atomic.Int64
	failed   atomic.Int64
}

// Start serves the functions on a random loopback port until Close.
func Start(opts Options) (*Server, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: log, funcs: map[string]*function{}, done: make(chan error, 1)}
	for name, f := range opts.Functions {
		if f.Handler == nil {
			return nil, fmt.Errorf("lambdalocal: function %q has no handler", name)
		}
		s.funcs[name] = &function{Function: f, name: name}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdalocal: listen: %w", err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is the endpoint's base URL, for the SDK's BaseEndpoint (what
// AWS_ENDPOINT_URL_LAMBDA sets).
func (s *Server) URL() string { return s.url }

// FunctionArn is the ARN of the named function.
func (s *Server) FunctionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.opts.Region, s.opts.AccountID, name)
}

// Invocations reports how many invocations of the named function ran, and
// how many of them ended in a function error.
func (s *Server) Invocations(name string) (invoked, failed int64) {
	f := s.funcs[name]
	if f == nil {
		return 0, 0
	}
	return f.invoked.Load(), f.failed.Load()
}

// Close stops the server, cancels Event invocations still running and
// waits for them.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		s.bgCancel()
		s.bg.Wait()
		if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		s.closeErr = err
	})
	return s.closeErr
}

const invokePrefix = "/2015-03-31/functions/"

// ServeHTTP serves Invoke.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), invokePrefix)
	name, ok2 := strings.CutSuffix(rest, "/invocations")
	if !ok || !ok2 || r.Method != http.MethodPost {
		serviceError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	name, err := url.PathUnescape(name)
	if err != nil {
		serviceError(w, http.StatusBadRequest, "InvalidParameterValueException", "FunctionName is not a valid path segment")
		return
	}
	fname, qualifier := s.parseName(name)
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		qualifier = q
	}
	f := s.funcs[fname]
	if f == nil {
		serviceError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+s.FunctionArn(fname))
		return
	}
	version := "$LATEST"
	if qualifier != "" && qualifier != "$LATEST" {
		version = "1" // an alias or version: the one version there is
	}
	kind := r.Header.Get("X-Amz-Invocation-Type")
	if kind == "" {
		kind = "RequestResponse"
	}
	limit := MaxPayloadBytes
	if kind == "Event" {
		limit = MaxEventPayloadBytes
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		serviceError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not read the request body: "+err.Error())
		return
	}
	if len(payload) > limit {
		serviceError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("Request must be smaller than %d bytes for the %s invoke type", limit, kind))
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		serviceError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	switch kind {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "RequestResponse", "Event":
	default:
		serviceError(w, http.StatusBadRequest, "InvalidParameterValueException", "Unsupported invocation type "+kind)
		return
	}
	if n := f.inFlight.Add(1); f.ReservedConcurrency > 0 && n > int64(f.ReservedConcurrency) {
		f.inFlight.Add(-1)
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]string{"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."})
		return
	}
	requestID := uuid.NewString()
	if kind == "Event" {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			defer f.inFlight.Add(-1)
			_, _ = s.invoke(s.bgCtx, f, requestID, payload)
		}()
		w.Header().Set("X-Amzn-RequestId", requestID)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, ferr := s.invoke(r.Context(), f, requestID, payload)
	f.inFlight.Add(-1)
	w.Header().Set("X-Amzn-RequestId", requestID)
	w.Header().Set("X-Amz-Executed-Version", version)
	w.Header().Set("Content-Type", "application/json")
	if ferr != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		out, _ = json.Marshal(ferr)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// parseName splits a FunctionName (name, name:qualifier, partial ARN
// account:function:name[:q], or ARN) into the name and the qualifier.
func (s *Server) parseName(n string) (name, qualifier string) {
	if i := strings.Index(n, "function:"); i >= 0 {
		n = n[i+len("function:"):]
	}
	name, qualifier, _ = strings.Cut(n, ":")
	return name, qualifier
}

// invoke runs the handler as the Lambda runtime would: the context carries
// the deadline, a returned error becomes a function error, a panic too.
func (s *Server) invoke(ctx context.Context, f *function, requestID string, payload []byte) (out []byte, ferr *messages.InvokeResponse_Error) {
	f.invoked.Add(1)
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			out, ferr = nil, &messages.InvokeResponse_Error{Type: typeName(r), Message: fmt.Sprint(r)}
		}
		if ferr != nil {
			f.failed.Add(1)
			s.log.Warn("invocation failed", "function", f.name, "requestId", requestID, "errorType", ferr.Type, "duration", time.Since(start))
		}
	}()
	out, err := f.Handler.Invoke(ctx, payload)
	switch {
	case errors.Is(err, ErrKilled):
		return nil, &messages.InvokeResponse_Error{Type: ErrorTypeRuntimeExit, Message: fmt.Sprintf("RequestId: %s Error: %v", requestID, ErrKilled)}
	case err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		fallthrough
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, &messages.InvokeResponse_Error{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", requestID, f.Timeout.Seconds())}
	case err != nil:
		return nil, errorResponse(err)
	}
	if len(out) > MaxPayloadBytes {
		return nil, &messages.InvokeResponse_Error{Type: "Function.ResponseSizeTooLarge", Message: fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(out), MaxPayloadBytes)}
	}
	return out, nil
}

// errorResponse is aws-lambda-go's rule: an InvokeResponse_Error is
// reported as is, any other error under its Go type's name.
func errorResponse(err error) *messages.InvokeResponse_Error {
	var ive messages.InvokeResponse_Error
	if errors.As(err, &ive) {
		return &ive
	}
	var ivp *messages.InvokeResponse_Error
	if errors.As(err, &ivp) && ivp != nil {
		return ivp
	}
	return &messages.InvokeResponse_Error{Type: typeName(err), Message: err.Error()}
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "error"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// serviceError writes an error of the Lambda API (not of the function), as
// the SDK's REST-JSON protocol decodes it.
func serviceError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": message})
}
