package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/internal/jsonstrict"
)

// Handler runs one activity task: it gets the task input (a JSON object) and
// returns the task output (a small JSON value). Errors should carry a stable
// name (see TaskError); unnamed errors fail the task as WorkerInternal.
//
// The context is cancelled when the task must stop: context.Cause tells
// ErrInterrupted (worker shutting down; the task is handed back) from
// ErrTaskGone (Step Functions no longer accepts a result).
type Handler interface {
	Handle(ctx context.Context, input []byte) (output []byte, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, input []byte) ([]byte, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, input []byte) ([]byte, error) { return f(ctx, input) }

// Mux dispatches a task to the Handler registered for the task input's "op"
// field: {"op": "simulate", "Items": [...], "BatchInput": {...}}. One Mux
// serves every operation of the worker, so one activity carries all ops.
type Mux struct {
	handlers map[string]Handler
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{handlers: map[string]Handler{}} }

// Register routes op to h. Like http.ServeMux, it panics on an empty op, a
// nil handler or an op registered twice: those are programming errors found
// at start, never at run time.
func (m *Mux) Register(op string, h Handler) {
	if op == "" {
		panic("activity: register: empty op")
	}
	if h == nil {
		panic(fmt.Sprintf("activity: register %q: nil handler", op))
	}
	if _, dup := m.handlers[op]; dup {
		panic(fmt.Sprintf("activity: register %q: op registered twice", op))
	}
	m.handlers[op] = h
}

// Ops lists the registered ops in sorted order.
func (m *Mux) Ops() []string { return slices.Sorted(maps.Keys(m.handlers)) }

// Handle reads the op of input and calls its handler with the whole input.
// A missing or unknown op fails with InputInvalid.
func (m *Mux) Handle(ctx context.Context, input []byte) ([]byte, error) {
	op, err := OpOf(input)
	if err != nil {
		return nil, err
	}
	h, ok := m.handlers[op]
	if !ok {
		return nil, Errorf(InputInvalid, "unknown op %q; this worker runs %s", op, strings.Join(m.Ops(), ", "))
	}
	return h.Handle(ctx, input)
}

// OpOf returns the "op" field of a task input, failing with InputInvalid if
// the input is not a JSON object with a non-empty string "op". The key is
// matched exactly: "OP" or "Op" is not the op (see jsonstrict.Decode).
func OpOf(input []byte) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(input, &fields); err != nil {
		return "", Errorf(InputInvalid, "task input is not a JSON object: %w", err)
	}
	raw, ok := fields["op"]
	var op string
	if ok {
		if err := json.Unmarshal(raw, &op); err != nil {
			return "", Errorf(InputInvalid, `task input "op" is not a string: %s`, truncate(string(raw), 64))
		}
	}
	if op == "" {
		for k := range fields {
			if strings.EqualFold(k, "op") {
				return "", Errorf(InputInvalid, `task input has no "op" field but has %q: keys are case-sensitive`, k)
			}
		}
		return "", Errorf(InputInvalid, `task input has no "op" field`)
	}
	return op, nil
}

// JSON adapts a typed function to Handler: the input is decoded into In
// with jsonstrict.Decode (keys exactly as In's JSON names, none twice, none
// unknown but "op"; a refused key fails with InputInvalid naming it) and
// the result is encoded as JSON.
func JSON[In, Out any](fn func(ctx context.Context, in In) (Out, error)) Handler {
	return HandlerFunc(func(ctx context.Context, input []byte) ([]byte, error) {
		var in In
		if err := jsonstrict.Decode(input, &in, jsonstrict.AllowTopLevelKeys("op")); err != nil {
			return nil, Errorf(InputInvalid, "decode task input: %w", err)
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, Errorf(WorkerInternal, "encode output: %w", err)
		}
		return b, nil
	})
}

// OpPing is the op of the health-check task, which every worker answers.
const OpPing = "ping"

// PingOutput is the output of the ping op.
type PingOutput struct {
	Pong   bool   `json:"pong"`
	Worker string `json:"worker"`
}

// Ping returns the handler of OpPing: it answers {"pong": true, "worker":
// name}, so a test or an operator can check end to end that workers poll
// the activity, without touching any data.
func Ping(workerName string) Handler {
	return JSON(func(ctx context.Context, _ struct{}) (PingOutput, error) {
		if ctx.Err() != nil {
			return PingOutput{}, context.Cause(ctx)
		}
		return PingOutput{Pong: true, Worker: workerName}, nil
	})
}
