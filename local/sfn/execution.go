package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// Execution statuses of the API.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Cancellation causes that tell an abort from a timeout.
var (
	errStopped        = errors.New("execution stopped")
	errExecTimeout    = errors.New("execution timed out")
	maxRedrives       = 1000 // "You can redrive an execution up to 1000 times"
	maxExecutionInput = asl.MaxPayloadBytes
)

// execution is one run of a state machine, or a Distributed Map child.
type execution struct {
	arn, name, smArn, smName, roleArn string
	def                               *asl.StateMachine
	definition                        string // as given, for DescribeStateMachineForExecution
	input                             string
	parsedInput                       any
	mapRun                            *mapRun // non-nil for a Distributed Map child
	start                             time.Time

	mu           sync.Mutex
	status       string
	output       *string
	errName      string
	cause        string
	stop         time.Time
	events       []HistoryEvent
	cancel       context.CancelCauseFunc
	done         chan struct{}
	stopErr      *paths.Error // error and cause given to StopExecution
	redriveCount int
	redriveDate  time.Time
	// resumeState and resumeInput are where a redrive restarts: the
	// top-level state that was running when the execution ended, and that
	// state's raw input.
	resumeState string
	resumeInput any
	// mapRuns of this execution, by Map state name: a redrive of a
	// Distributed Map reuses the run to re-run only unsuccessful children.
	mapRuns  map[string]*mapRun
	redrives bool // the current run is a redrive
}

// addEvent appends a history event and returns its id.
func (ex *execution) addEvent(now time.Time, typ, detailsKey string, details map[string]any) int64 {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.addEventLocked(now, typ, detailsKey, details)
}

func (ex *execution) addEventLocked(now time.Time, typ, detailsKey string, details map[string]any) int64 {
	id := int64(len(ex.events) + 1)
	ex.events = append(ex.events, HistoryEvent{
		Timestamp: EpochTime(now), Type: typ, ID: id, PreviousEventID: id - 1,
		DetailsKey: detailsKey, Details: details,
	})
	return id
}

func (ex *execution) snapshotStatus() string {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.status
}

// Done returns a channel closed when the execution ends.
func (ex *execution) Done() <-chan struct{} {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.done
}

func (s *Service) executionARN(smName, name string) string {
	return s.arn("execution", smName+":"+name)
}

// StartExecution starts an execution. The name is optional (a UUID is
// chosen). For STANDARD machines the call is idempotent: the same name and
// input as a RUNNING execution returns that execution; a name already used
// by a closed execution, or with a different input, is ExecutionAlreadyExists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
func (s *Service) StartExecution(_ context.Context, in StartExecutionInput) (StartExecutionOutput, error) {
	name := in.Name
	if name == "" {
		name = uuid.NewString()
	}
	if err := validName("name", name); err != nil {
		return StartExecutionOutput{}, err
	}
	input := in.Input
	if input == "" {
		input = "{}"
	}
	if len(input) > maxExecutionInput {
		return StartExecutionOutput{}, apiErr(codeInvalidExecutionInput, "input is %d bytes, more than the 262144 allowed", len(input))
	}
	parsed, err := paths.DecodeString(input)
	if err != nil {
		return StartExecutionOutput{}, apiErr(codeInvalidExecutionInput, "input is not valid JSON: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return StartExecutionOutput{}, &APIError{Code: "ServiceUnavailable", Message: "the service is shutting down", Status: 503}
	}
	m, err := s.machineLocked(in.StateMachineArn)
	if err != nil {
		return StartExecutionOutput{}, err
	}
	arn := s.executionARN(m.name, name)
	if old, ok := s.executions[arn]; ok {
		if m.typ == "STANDARD" && old.snapshotStatus() == StatusRunning && old.input == input {
			return StartExecutionOutput{ExecutionArn: arn, StartDate: EpochTime(old.start)}, nil
		}
		return StartExecutionOutput{}, apiErr(codeExecutionAlreadyExists, "execution already exists: %q", arn)
	}
	ex := &execution{
		arn: arn, name: name, smArn: m.arn, smName: m.name, roleArn: m.roleArn, def: m.def, definition: m.definition,
		input: input, parsedInput: parsed, start: s.now(),
	}
	s.registerLocked(ex)
	s.launch(s.ctx, ex, m.def.StartAt, parsed, false)
	return StartExecutionOutput{ExecutionArn: arn, StartDate: EpochTime(ex.start)}, nil
}

func (s *Service) registerLocked(ex *execution) {
	s.executions[ex.arn] = ex
	s.execOrder = append(s.execOrder, ex.arn)
}

// launch runs an execution (or a redrive of one) in its own goroutine,
// from state from with that state's raw input; it ends ABORTED when parent
// is done. Callers hold s.mu.
func (s *Service) launch(parent context.Context, ex *execution, from string, input any, redrive bool) {
	ctx, cancel := context.WithCancelCause(parent)
	var limit time.Duration
	if ex.def.TimeoutSeconds != nil {
		limit = s.seconds(float64(*ex.def.TimeoutSeconds))
	}
	if ex.mapRun != nil && ex.mapRun.express {
		// An EXPRESS execution lasts at most five minutes
		// (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html).
		if express := s.scaled(expressMaxDuration); limit == 0 || express < limit {
			limit = express
		}
	}
	if limit > 0 {
		var stopTimer context.CancelFunc
		ctx, stopTimer = context.WithTimeoutCause(ctx, limit, errExecTimeout)
		prev := cancel
		cancel = func(cause error) { prev(cause); stopTimer() }
	}
	ex.mu.Lock()
	ex.status = StatusRunning
	ex.cancel = cancel
	ex.done = make(chan struct{})
	ex.stopErr = nil
	ex.output, ex.errName, ex.cause, ex.stop = nil, "", "", time.Time{}
	ex.redrives = redrive
	ex.mu.Unlock()
	if redrive {
		ex.addEvent(s.now(), "ExecutionRedriven", "executionRedrivenEventDetails", map[string]any{"redriveCount": ex.redriveCount})
	} else {
		ex.addEvent(ex.start, "ExecutionStarted", "executionStartedEventDetails", map[string]any{
			"input": ex.input, "inputDetails": map[string]any{"truncated": false}, "roleArn": ex.roleArn,
		})
	}
	s.logExecution(ex, "execution started", "redrive", redrive)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		r := &runner{s: s, ex: ex}
		out, serr := r.runScope(ctx, ex.def.States, from, input, nil, true)
		s.finish(ctx, ex, out, serr)
		cancel(nil)
	}()
}

// expressMaxDuration is the longest an EXPRESS execution runs.
const expressMaxDuration = 5 * time.Minute

// finish records how an execution ended.
func (s *Service) finish(ctx context.Context, ex *execution, out any, serr *paths.Error) {
	now := s.now()
	ex.mu.Lock()
	ex.stop = now
	cause := context.Cause(ctx)
	var typ, key string
	var details map[string]any
	switch {
	case ctx.Err() != nil && errors.Is(cause, errExecTimeout):
		ex.status = StatusTimedOut
		ex.errName, ex.cause = "States.Timeout", "the execution ran longer than the state machine's TimeoutSeconds"
		typ, key = "ExecutionTimedOut", "executionTimedOutEventDetails"
		details = map[string]any{"error": ex.errName, "cause": ex.cause}
	case ctx.Err() != nil:
		ex.status = StatusAborted
		if ex.stopErr != nil {
			ex.errName, ex.cause = ex.stopErr.Name, ex.stopErr.Cause
		}
		typ, key = "ExecutionAborted", "executionAbortedEventDetails"
		details = map[string]any{}
		if ex.errName != "" {
			details["error"] = ex.errName
		}
		if ex.cause != "" {
			details["cause"] = ex.cause
		}
	case serr != nil:
		ex.status = StatusFailed
		ex.errName, ex.cause = serr.Name, serr.Cause
		typ, key = "ExecutionFailed", "executionFailedEventDetails"
		details = map[string]any{"error": serr.Name, "cause": serr.Cause}
	default:
		ex.status = StatusSucceeded
		o := paths.MustMarshal(out)
		ex.output = &o
		typ, key = "ExecutionSucceeded", "executionSucceededEventDetails"
		details = map[string]any{"output": o, "outputDetails": map[string]any{"truncated": false}}
	}
	// The closing event goes in with the status, and this run's done
	// channel is taken now: once the status is not RUNNING, a redrive may
	// start a new run with a done channel of its own.
	ex.addEventLocked(now, typ, key, details)
	status, done := ex.status, ex.done
	ex.mu.Unlock()
	s.logExecution(ex, "execution ended", "status", status)
	close(done)
}

func (s *Service) executionLocked(arn string) (*execution, error) {
	if !strings.HasPrefix(arn, "arn:aws:states:") || !strings.Contains(arn, ":execution:") {
		return nil, apiErr(codeInvalidArn, "invalid execution ARN %q", arn)
	}
	ex, ok := s.executions[arn]
	if !ok {
		return nil, apiErr(codeExecutionDoesNotExist, "execution does not exist: %q", arn)
	}
	return ex, nil
}

func (s *Service) execution(arn string) (*execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.executionLocked(arn)
}

// redriveStatus says whether RedriveExecution would accept the execution.
func (ex *execution) redriveStatusLocked() (string, string) {
	switch {
	case ex.mapRun != nil:
		return "REDRIVABLE_BY_MAP_RUN", "Execution is a child of a Map Run; redrive the parent execution"
	case ex.status == StatusRunning:
		return "NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven"
	case ex.status == StatusSucceeded:
		return "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
	case ex.redriveCount >= maxRedrives:
		return "NOT_REDRIVABLE", "Execution has reached the maximum number of redrives"
	case ex.resumeState == "":
		return "NOT_REDRIVABLE", "Execution ended before entering a state"
	}
	return "REDRIVABLE", ""
}

// DescribeExecution returns an execution's status, input, output or error.
func (s *Service) DescribeExecution(_ context.Context, in DescribeExecutionInput) (DescribeExecutionOutput, error) {
	ex, err := s.execution(in.ExecutionArn)
	if err != nil {
		return DescribeExecutionOutput{}, err
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	out := DescribeExecutionOutput{
		ExecutionArn: ex.arn, StateMachineArn: ex.smArn, Name: ex.name, Status: ex.status,
		StartDate: EpochTime(ex.start), StopDate: epochPtr(ex.stop), Input: ex.input,
		InputDetails: DataDetails{Included: true}, Output: ex.output,
		Error: ex.errName, Cause: ex.cause, RedriveCount: ex.redriveCount, RedriveDate: epochPtr(ex.redriveDate),
	}
	if ex.output != nil {
		out.OutputDetails = &DataDetails{Included: true}
	}
	if ex.mapRun != nil {
		out.MapRunArn = ex.mapRun.arn
	}
	out.RedriveStatus, out.RedriveStatusReason = ex.redriveStatusLocked()
	return out, nil
}

// StopExecution aborts a running execution; error and cause are recorded.
// Stopping a closed execution is a no-op that returns its stop date.
func (s *Service) StopExecution(_ context.Context, in StopExecutionInput) (StopExecutionOutput, error) {
	ex, err := s.execution(in.ExecutionArn)
	if err != nil {
		return StopExecutionOutput{}, err
	}
	ex.mu.Lock()
	if ex.status != StatusRunning {
		stop := ex.stop
		ex.mu.Unlock()
		return StopExecutionOutput{StopDate: EpochTime(stop)}, nil
	}
	ex.stopErr = &paths.Error{Name: in.Error, Cause: in.Cause}
	cancel, done := ex.cancel, ex.done
	ex.mu.Unlock()
	cancel(errStopped)
	<-done
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return StopExecutionOutput{StopDate: EpochTime(ex.stop)}, nil
}

// ListExecutions lists the executions of a state machine, or the child
// executions of a Map Run, newest first.
func (s *Service) ListExecutions(_ context.Context, in ListExecutionsInput) (ListExecutionsOutput, error) {
	if (in.StateMachineArn == "") == (in.MapRunArn == "") {
		return ListExecutionsOutput{}, apiErr(codeValidation, "exactly one of stateMachineArn and mapRunArn must be given")
	}
	switch in.StatusFilter {
	case "", StatusRunning, StatusSucceeded, StatusFailed, StatusTimedOut, StatusAborted, "PENDING_REDRIVE":
	default:
		return ListExecutionsOutput{}, apiErr(codeValidation, "statusFilter must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; got %q", in.StatusFilter)
	}
	s.mu.Lock()
	var mr *mapRun
	if in.MapRunArn != "" {
		var ok bool
		if mr, ok = s.mapRuns[in.MapRunArn]; !ok {
			s.mu.Unlock()
			return ListExecutionsOutput{}, apiErr(codeResourceNotFound, "map run does not exist: %q", in.MapRunArn)
		}
	} else if _, err := s.machineLocked(in.StateMachineArn); err != nil {
		s.mu.Unlock()
		return ListExecutionsOutput{}, err
	}
	var candidates []*execution
	for _, arn := range s.execOrder {
		ex := s.executions[arn]
		if (mr != nil && ex.mapRun == mr) || (mr == nil && ex.mapRun == nil && ex.smArn == in.StateMachineArn) {
			candidates = append(candidates, ex)
		}
	}
	s.mu.Unlock()
	items := make([]ExecutionListItem, 0, len(candidates))
	for _, ex := range candidates {
		ex.mu.Lock()
		it := ExecutionListItem{
			ExecutionArn: ex.arn, StateMachineArn: ex.smArn, Name: ex.name, Status: ex.status,
			StartDate: EpochTime(ex.start), StopDate: epochPtr(ex.stop), RedriveCount: ex.redriveCount, RedriveDate: epochPtr(ex.redriveDate),
		}
		ex.mu.Unlock()
		if ex.mapRun != nil {
			it.MapRunArn = ex.mapRun.arn
		}
		if in.StatusFilter != "" && in.StatusFilter != it.Status {
			continue
		}
		if (in.RedriveFilter == "REDRIVEN" && it.RedriveCount == 0) || (in.RedriveFilter == "NOT_REDRIVEN" && it.RedriveCount > 0) {
			continue
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].StartDate.Time().After(items[j].StartDate.Time()) })
	out, next, err := page(items, in.MaxResults, in.NextToken)
	return ListExecutionsOutput{Executions: out, NextToken: next}, err
}

// GetExecutionHistory returns an execution's events, oldest first unless
// reverseOrder is set.
func (s *Service) GetExecutionHistory(_ context.Context, in GetExecutionHistoryInput) (GetExecutionHistoryOutput, error) {
	ex, err := s.execution(in.ExecutionArn)
	if err != nil {
		return GetExecutionHistoryOutput{}, err
	}
	ex.mu.Lock()
	events := append([]HistoryEvent(nil), ex.events...)
	ex.mu.Unlock()
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		for i, e := range events {
			d := make(map[string]any, len(e.Details))
			for k, v := range e.Details {
				if k != "input" && k != "output" {
					d[k] = v
				}
			}
			events[i].Details = d
		}
	}
	out, next, err := page(events, in.MaxResults, in.NextToken)
	return GetExecutionHistoryOutput{Events: out, NextToken: next}, err
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED execution from
// the top-level state it ended in, with that state's original input. States
// that succeeded before are not run again. A Distributed Map state re-runs
// only the children that did not succeed and the items never started; a
// Parallel or inline Map state re-runs as a whole. Children of a Map Run
// cannot be redriven on their own (REDRIVABLE_BY_MAP_RUN).
// (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)
func (s *Service) RedriveExecution(_ context.Context, in RedriveExecutionInput) (RedriveExecutionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return RedriveExecutionOutput{}, &APIError{Code: "ServiceUnavailable", Message: "the service is shutting down", Status: 503}
	}
	ex, err := s.executionLocked(in.ExecutionArn)
	if err != nil {
		return RedriveExecutionOutput{}, err
	}
	ex.mu.Lock()
	status, reason := ex.redriveStatusLocked()
	if status != "REDRIVABLE" {
		ex.mu.Unlock()
		return RedriveExecutionOutput{}, apiErr(codeExecutionNotRedrivable, "%s", reason)
	}
	ex.redriveCount++
	ex.redriveDate = s.now()
	from, input, date := ex.resumeState, ex.resumeInput, ex.redriveDate
	ex.mu.Unlock()
	s.launch(s.ctx, ex, from, input, true)
	return RedriveExecutionOutput{RedriveDate: EpochTime(date)}, nil
}

// WaitExecution blocks until the execution ends or ctx is done, and
// returns its description; a convenience for Go callers and tests.
func (s *Service) WaitExecution(ctx context.Context, executionArn string) (DescribeExecutionOutput, error) {
	ex, err := s.execution(executionArn)
	if err != nil {
		return DescribeExecutionOutput{}, err
	}
	for {
		done := ex.Done()
		select {
		case <-done:
		case <-ctx.Done():
			return DescribeExecutionOutput{}, ctx.Err()
		}
		out, err := s.DescribeExecution(ctx, DescribeExecutionInput{ExecutionArn: executionArn})
		if err != nil || out.Status != StatusRunning {
			return out, err
		}
		// A redrive started after done closed: wait for the new run.
	}
}

// logExecution logs at Info for executions and at Debug for Map Run
// children, which can number in the hundreds of thousands.
func (s *Service) logExecution(ex *execution, msg string, args ...any) {
	level := slog.LevelInfo
	if ex.mapRun != nil {
		level = slog.LevelDebug
	}
	s.log.Log(context.Background(), level, msg, append([]any{"executionArn", ex.arn}, args...)...)
}

// DescribeStateMachineForExecution returns the definition an execution runs
// (for a Map Run child, its ItemProcessor).
func (s *Service) DescribeStateMachineForExecution(_ context.Context, in DescribeExecutionInput) (DescribeStateMachineForExecutionOutput, error) {
	ex, err := s.execution(in.ExecutionArn)
	if err != nil {
		return DescribeStateMachineForExecutionOutput{}, err
	}
	def := ex.definition
	if def == "" {
		b, err := asl.Marshal(ex.def)
		if err != nil {
			return DescribeStateMachineForExecutionOutput{}, fmt.Errorf("sfnlocal: marshal the definition of %s: %w", ex.arn, err)
		}
		def = string(b)
	}
	out := DescribeStateMachineForExecutionOutput{
		StateMachineArn: ex.smArn, Name: ex.smName, Definition: def, RoleArn: ex.roleArn, UpdateDate: EpochTime(ex.start),
	}
	if ex.mapRun != nil {
		out.MapRunArn = ex.mapRun.arn
		_, out.Label, _ = strings.Cut(ex.smName, "/")
	}
	return out, nil
}
