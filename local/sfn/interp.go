package sfnlocal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// Error names the interpreter raises (see concepts-error-handling in the
// developer guide).
const (
	errNameRuntime            = "States.Runtime"
	errNameTimeout            = "States.Timeout"
	errNameHeartbeatTimeout   = "States.HeartbeatTimeout"
	errNameTaskFailed         = "States.TaskFailed"
	errNameAll                = "States.ALL"
	errNameNoChoiceMatched    = "States.NoChoiceMatched"
	errNameDataLimitExceeded  = "States.DataLimitExceeded"
	errNameItemReaderFailed   = "States.ItemReaderFailed"
	errNameResultWriterFailed = "States.ResultWriterFailed"
	errNameToleratedFailure   = "States.ExceedToleratedFailureThreshold"
	// errNameAborted marks the unwinding of a stopped execution; it is never
	// matched by Retry or Catch because those check the context first.
	errNameAborted = "States.Aborted"
)

func runtimeErr(format string, args ...any) *paths.Error {
	return paths.Errorf(errNameRuntime, format, args...)
}

// runner interprets one execution.
type runner struct {
	s  *Service
	ex *execution
}

// mapItem is the $$.Map.Item of an iteration.
type mapItem struct {
	index int
	value any
}

// stateRun is one entry into a state, for the context object.
type stateRun struct {
	name       string
	entered    time.Time
	item       *mapItem
	retryCount int
}

func (r *runner) event(typ, key string, details map[string]any) {
	r.ex.addEvent(r.s.now(), typ, key, details)
}

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// contextObject builds "$$" for a state
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
func (r *runner) contextObject(sr *stateRun) map[string]any {
	r.ex.mu.Lock()
	redrives := r.ex.redriveCount
	r.ex.mu.Unlock()
	co := map[string]any{
		"Execution": map[string]any{
			"Id": r.ex.arn, "Input": r.ex.parsedInput, "Name": r.ex.name, "RoleArn": r.ex.roleArn,
			"StartTime": rfc3339(r.ex.start), "RedriveCount": int64(redrives),
		},
		"State": map[string]any{
			"EnteredTime": rfc3339(sr.entered), "Name": sr.name, "RetryCount": int64(sr.retryCount),
		},
		"StateMachine": map[string]any{"Id": r.ex.smArn, "Name": r.ex.smName},
	}
	if sr.item != nil {
		co["Map"] = map[string]any{"Item": map[string]any{"Index": int64(sr.item.index), "Value": sr.item.value}}
	}
	return co
}

// runScope runs states from startAt until one ends the scope, and returns
// the scope's output. top marks the execution's own scope, whose current
// state is remembered for redrive.
func (r *runner) runScope(ctx context.Context, states asl.States, startAt string, input any, item *mapItem, top bool) (any, *paths.Error) {
	name := startAt
	for {
		if ctx.Err() != nil {
			return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
		}
		st, ok := states[name]
		if !ok {
			return nil, runtimeErr("state %q does not exist", name)
		}
		if top {
			r.ex.mu.Lock()
			r.ex.resumeState, r.ex.resumeInput = name, input
			r.ex.mu.Unlock()
		}
		sr := &stateRun{name: name, entered: r.s.now(), item: item}
		r.event(string(st.Type())+"StateEntered", "stateEnteredEventDetails", map[string]any{
			"name": name, "input": paths.MustMarshal(input), "inputDetails": map[string]any{"truncated": false},
		})
		out, next, serr := r.runState(ctx, sr, st, input)
		if serr != nil {
			if serr.Name == errNameRuntime && !strings.HasPrefix(serr.Cause, "An error occurred") {
				serr = &paths.Error{Name: serr.Name, Cause: fmt.Sprintf("An error occurred while executing the state '%s'. %s", name, serr.Cause)}
			}
			return nil, serr
		}
		outJSON := paths.MustMarshal(out)
		if len(outJSON) > asl.MaxPayloadBytes {
			return nil, paths.Errorf(errNameDataLimitExceeded, "the output of state %q is %d bytes, more than the 262144 allowed", name, len(outJSON))
		}
		r.event(string(st.Type())+"StateExited", "stateExitedEventDetails", map[string]any{
			"name": name, "output": outJSON, "outputDetails": map[string]any{"truncated": false},
		})
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// inputPath applies InputPath: absent keeps the input, null gives {}.
func inputPath(p asl.Path, input, co any) (any, *paths.Error) {
	if p.IsNull() {
		return map[string]any{}, nil
	}
	v, ok := p.Value()
	if !ok || v == "$" {
		return input, nil
	}
	out, err := paths.Get(v, input, co)
	if err != nil {
		return nil, paths.AsError(err)
	}
	return out, nil
}

// resultPath applies ResultPath: absent replaces the input with the result,
// null discards the result and keeps the input, a path inserts the result
// into the input
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html).
func resultPath(p asl.Path, input, result any) (any, *paths.Error) {
	if p.IsNull() {
		return input, nil
	}
	v, ok := p.Value()
	if !ok || v == "$" {
		return result, nil
	}
	out, err := paths.Set(v, input, result)
	if err != nil {
		return nil, paths.AsError(err)
	}
	return out, nil
}

func template(tmpl, input, co any) (any, *paths.Error) {
	out, err := paths.Template(tmpl, input, co)
	if err != nil {
		return nil, paths.AsError(err)
	}
	return out, nil
}

// endOr returns "" for an End state, or its Next.
func endOr(next string, end bool) string {
	if end {
		return ""
	}
	return next
}

// runState runs one state and returns its output and the next state's name
// ("" when the scope ends).
func (r *runner) runState(ctx context.Context, sr *stateRun, st asl.State, input any) (any, string, *paths.Error) {
	switch s := st.(type) {
	case *asl.PassState:
		out, err := r.pass(sr, s, input)
		return out, endOr(s.Next, s.End), err
	case *asl.TaskState:
		return r.withErrorHandling(ctx, sr, s.Retry, s.Catch, input, endOr(s.Next, s.End), func(ctx context.Context) (any, *paths.Error) {
			return r.task(ctx, sr, s, input)
		})
	case *asl.ChoiceState:
		return r.choice(sr, s, input)
	case *asl.WaitState:
		out, err := r.wait(ctx, sr, s, input)
		return out, endOr(s.Next, s.End), err
	case *asl.SucceedState:
		co := r.contextObject(sr)
		eff, err := inputPath(s.InputPath, input, co)
		if err != nil {
			return nil, "", err
		}
		out, err := inputPath(s.OutputPath, eff, co)
		return out, "", err
	case *asl.FailState:
		return nil, "", r.fail(sr, s, input)
	case *asl.ParallelState:
		return r.withErrorHandling(ctx, sr, s.Retry, s.Catch, input, endOr(s.Next, s.End), func(ctx context.Context) (any, *paths.Error) {
			return r.parallel(ctx, sr, s, input)
		})
	case *asl.MapState:
		return r.withErrorHandling(ctx, sr, s.Retry, s.Catch, input, endOr(s.Next, s.End), func(ctx context.Context) (any, *paths.Error) {
			if s.IsDistributed() {
				return r.distributedMap(ctx, sr, s, input)
			}
			return r.inlineMap(ctx, sr, s, input)
		})
	}
	return nil, "", runtimeErr("state %q has unsupported type %T", sr.name, st)
}

func (r *runner) pass(sr *stateRun, s *asl.PassState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	if s.Parameters != nil {
		if eff, err = template(s.Parameters, eff, co); err != nil {
			return nil, err
		}
	}
	result := eff
	if s.Result != nil {
		result = paths.Normalize(s.Result)
	}
	out, err := resultPath(s.ResultPath, input, result)
	if err != nil {
		return nil, err
	}
	return inputPath(s.OutputPath, out, co)
}

func (r *runner) fail(sr *stateRun, s *asl.FailState, input any) *paths.Error {
	co := r.contextObject(sr)
	name, cause := s.Error, s.Cause
	for _, f := range []struct {
		expr string
		dst  *string
	}{{s.ErrorPath, &name}, {s.CausePath, &cause}} {
		if f.expr == "" {
			continue
		}
		v, err := paths.Evaluate(f.expr, input, co)
		if err != nil {
			return paths.AsError(err)
		}
		str, ok := v.(string)
		if !ok {
			return runtimeErr("state %q: %s must select a string, got a %s", sr.name, f.expr, paths.TypeName(v))
		}
		*f.dst = str
	}
	return &paths.Error{Name: name, Cause: cause}
}

func (r *runner) wait(ctx context.Context, sr *stateRun, s *asl.WaitState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	var d time.Duration
	switch {
	case s.Seconds != nil:
		d = r.s.seconds(float64(*s.Seconds))
	case s.SecondsPath != "":
		v, gerr := paths.Get(s.SecondsPath, eff, co)
		if gerr != nil {
			return nil, paths.AsError(gerr)
		}
		n, ok := paths.Integer(v)
		if !ok || n < 0 {
			return nil, runtimeErr("state %q: SecondsPath %s must select a non-negative integer, got %s", sr.name, s.SecondsPath, paths.MustMarshal(v))
		}
		d = r.s.seconds(float64(n))
	case s.Timestamp != "" || s.TimestampPath != "":
		ts := s.Timestamp
		if s.TimestampPath != "" {
			v, gerr := paths.Get(s.TimestampPath, eff, co)
			if gerr != nil {
				return nil, paths.AsError(gerr)
			}
			str, ok := v.(string)
			if !ok {
				return nil, runtimeErr("state %q: TimestampPath %s must select a timestamp string, got %s", sr.name, s.TimestampPath, paths.MustMarshal(v))
			}
			ts = str
		}
		t, perr := time.Parse(time.RFC3339Nano, ts)
		if perr != nil {
			return nil, runtimeErr("state %q: %q is not an RFC 3339 timestamp", sr.name, ts)
		}
		d = r.s.scaled(t.Sub(r.s.now()))
	}
	if err := sleep(ctx, d); err != nil {
		return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
	}
	return inputPath(s.OutputPath, eff, co)
}

// finishResult applies ResultSelector, ResultPath and OutputPath.
func (r *runner) finishResult(sr *stateRun, selector any, rp, op asl.Path, input, result any) (any, *paths.Error) {
	co := r.contextObject(sr)
	var err *paths.Error
	if selector != nil {
		if result, err = template(selector, result, co); err != nil {
			return nil, err
		}
	}
	out, err := resultPath(rp, input, result)
	if err != nil {
		return nil, err
	}
	return inputPath(op, out, co)
}

// selectItem builds an iteration's input: ItemSelector (or the legacy
// Parameters) evaluated with $$.Map.Item, or the item itself.
func (r *runner) selectItem(sr *stateRun, s *asl.MapState, eff any, item *mapItem) (any, *paths.Error) {
	sel := s.ItemSelector
	if sel == nil {
		sel = s.Parameters
	}
	if sel == nil {
		return item.value, nil
	}
	isr := *sr
	isr.item = item
	return template(sel, eff, r.contextObject(&isr))
}

// itemsFrom reads the array at ItemsPath (default "$").
func itemsFrom(itemsPath string, eff, co any) ([]any, *paths.Error) {
	if itemsPath == "" {
		itemsPath = "$"
	}
	v, err := paths.Get(itemsPath, eff, co)
	if err != nil {
		return nil, paths.AsError(err)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, runtimeErr("ItemsPath %s must select an array, got a %s", itemsPath, paths.TypeName(v))
	}
	return items, nil
}

// intField resolves a number field that may be given literally or by a
// "...Path" variant.
func intField(name string, literal *int, path string, eff, co any) (int, bool, *paths.Error) {
	if literal != nil {
		return *literal, true, nil
	}
	if path == "" {
		return 0, false, nil
	}
	v, err := paths.Get(path, eff, co)
	if err != nil {
		return 0, false, paths.AsError(err)
	}
	n, ok := paths.Integer(v)
	if !ok || n < 0 {
		return 0, false, runtimeErr("%sPath %s must select a non-negative integer, got %s", name, path, paths.MustMarshal(v))
	}
	return int(n), true, nil
}

func maxConcurrency(s *asl.MapState, eff, co any) (int, *paths.Error) {
	n, _, err := intField("MaxConcurrency", s.MaxConcurrency, s.MaxConcurrencyPath, eff, co)
	return n, err
}
