package sfnlocal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// activity is one activity: a queue of scheduled tasks that workers take
// with GetActivityTask.
type activity struct {
	arn, name string
	created   time.Time
	queue     []*activityTask
	signal    chan struct{} // closed (and replaced) when a task is queued
	pollers   int           // GetActivityTask calls waiting now
}

// maxPollers is the service quota on concurrent GetActivityTask calls per
// activity; one more is ActivityWorkerLimitExceeded
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
const maxPollers = 1000

// Task states: a task is queued until a worker takes it, started until the
// worker reports or a timer fires, then closed. Closed tasks stay known so
// that a late report gets TaskTimedOut rather than InvalidToken.
const (
	taskQueued = iota
	taskStarted
	taskClosed
)

type activityTask struct {
	token       string
	activityArn string
	input       string
	scheduledAt time.Time
	state       int
	worker      string
	started     chan struct{}    // closed when a worker takes the task
	heartbeat   chan struct{}    // one pending heartbeat at most
	result      chan taskOutcome // buffered: the one outcome
}

type taskOutcome struct {
	output string
	err    *paths.Error
}

// validName applies the API's naming rules for activities, state machines
// and executions: 1-80 characters, none of whitespace, brackets, wildcards,
// the special characters " # % \ ^ | ~ ` $ & , ; : / or control characters.
func validName(field, name string) *APIError {
	if name == "" || len([]rune(name)) > 80 {
		return apiErr(codeInvalidName, "%s must be 1 to 80 characters, got %q", field, name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return apiErr(codeInvalidName, "%s %q contains %q; whitespace, brackets, wildcards and \" # %% \\ ^ | ~ ` $ & , ; : / are not allowed", field, name, r)
		}
	}
	return nil
}

// CreateActivity creates an activity, or returns the existing one of the
// same name (the action is idempotent).
func (s *Service) CreateActivity(_ context.Context, in CreateActivityInput) (CreateActivityOutput, error) {
	if err := validName("name", in.Name); err != nil {
		return CreateActivityOutput{}, err
	}
	arn := s.ActivityARN(in.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[arn]
	if !ok {
		a = &activity{arn: arn, name: in.Name, created: s.now(), signal: make(chan struct{})}
		s.activities[arn] = a
		s.activityOrder = append(s.activityOrder, arn)
	}
	return CreateActivityOutput{ActivityArn: arn, CreationDate: EpochTime(a.created)}, nil
}

func (s *Service) activityLocked(arn string) (*activity, error) {
	if !strings.HasPrefix(arn, "arn:aws:states:") || !strings.Contains(arn, ":activity:") {
		return nil, apiErr(codeInvalidArn, "invalid activity ARN %q", arn)
	}
	a, ok := s.activities[arn]
	if !ok {
		return nil, apiErr(codeActivityDoesNotExist, "activity does not exist: %q", arn)
	}
	return a, nil
}

// DeleteActivity deletes an activity. Tasks already scheduled on it stay
// until they time out; new schedules fail.
func (s *Service) DeleteActivity(_ context.Context, in DeleteActivityInput) (Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.activityLocked(in.ActivityArn); err != nil {
		if IsAPIError(err, codeActivityDoesNotExist) {
			return Empty{}, nil // deleting twice is not an error
		}
		return Empty{}, err
	}
	delete(s.activities, in.ActivityArn)
	s.activityOrder = slices.DeleteFunc(s.activityOrder, func(a string) bool { return a == in.ActivityArn })
	return Empty{}, nil
}

// DescribeActivity returns an activity's name and creation date.
func (s *Service) DescribeActivity(_ context.Context, in DescribeActivityInput) (DescribeActivityOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.activityLocked(in.ActivityArn)
	if err != nil {
		return DescribeActivityOutput{}, err
	}
	return DescribeActivityOutput{ActivityArn: a.arn, Name: a.name, CreationDate: EpochTime(a.created)}, nil
}

// ListActivities lists activities in creation order.
func (s *Service) ListActivities(_ context.Context, in ListInput) (ListActivitiesOutput, error) {
	s.mu.Lock()
	items := make([]DescribeActivityOutput, 0, len(s.activityOrder))
	for _, arn := range s.activityOrder {
		a := s.activities[arn]
		items = append(items, DescribeActivityOutput{ActivityArn: a.arn, Name: a.name, CreationDate: EpochTime(a.created)})
	}
	s.mu.Unlock()
	out, next, err := page(items, in.MaxResults, in.NextToken)
	return ListActivitiesOutput{Activities: out, NextToken: next}, err
}

// GetActivityTask hands the oldest queued task of the activity to the
// caller, waiting up to the long-poll duration (60 s, scaled) for one. An
// empty output means no task arrived in time.
func (s *Service) GetActivityTask(ctx context.Context, in GetActivityTaskInput) (GetActivityTaskOutput, error) {
	s.mu.Lock()
	a, err := s.activityLocked(in.ActivityArn)
	if err == nil && a.pollers >= maxPollers {
		err = apiErr("ActivityWorkerLimitExceeded", "more than %d concurrent GetActivityTask calls on %s", maxPollers, in.ActivityArn)
	}
	if err != nil {
		s.mu.Unlock()
		return GetActivityTaskOutput{}, err
	}
	a.pollers++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		a.pollers--
		s.mu.Unlock()
	}()
	deadline := time.NewTimer(s.scaled(s.opts.PollTimeout))
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for len(a.queue) > 0 {
			t := a.queue[0]
			a.queue[0] = nil
			a.queue = a.queue[1:]
			if t.state != taskQueued {
				continue // timed out or aborted while queued
			}
			t.state = taskStarted
			t.worker = in.WorkerName
			close(t.started)
			out := GetActivityTaskOutput{TaskToken: t.token, Input: t.input}
			s.mu.Unlock()
			return out, nil
		}
		signal := a.signal
		s.mu.Unlock()
		select {
		case <-signal:
		case <-deadline.C:
			return GetActivityTaskOutput{}, nil
		case <-ctx.Done():
			return GetActivityTaskOutput{}, nil
		case <-s.ctx.Done():
			return GetActivityTaskOutput{}, nil
		}
	}
}

// scheduleActivity queues a task for the activity's workers.
func (s *Service) scheduleActivity(arn, input string) (*activityTask, error) {
	tok := make([]byte, 48)
	_, _ = rand.Read(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.activityLocked(arn)
	if err != nil {
		return nil, err
	}
	t := &activityTask{
		token:       "AQ" + base64.RawURLEncoding.EncodeToString(tok),
		activityArn: arn,
		input:       input,
		scheduledAt: s.now(),
		started:     make(chan struct{}),
		heartbeat:   make(chan struct{}, 1),
		result:      make(chan taskOutcome, 1),
	}
	s.tasks[t.token] = t
	a.queue = append(a.queue, t)
	close(a.signal)
	a.signal = make(chan struct{})
	return t, nil
}

// closeTask closes a task on a timer or an abort. It returns false when the
// worker's report won the race: the outcome is then waiting in t.result.
func (s *Service) closeTask(t *activityTask) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.state == taskClosed {
		return false
	}
	t.state = taskClosed
	t.input = ""
	return true
}

func (s *Service) taskForReport(token string) (*activityTask, error) {
	if token == "" || len(token) > 2048 {
		return nil, apiErr(codeInvalidToken, "invalid task token: it must be 1 to 2048 characters")
	}
	t, ok := s.tasks[token]
	if !ok {
		return nil, apiErr(codeInvalidToken, "invalid task token")
	}
	if t.state == taskClosed {
		// The service answers a report for a task that timed out, or was
		// already reported, with TaskTimedOut.
		return nil, apiErr(codeTaskTimedOut, "task timed out or was already completed")
	}
	return t, nil
}

func (s *Service) report(token string, o taskOutcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskForReport(token)
	if err != nil {
		return err
	}
	t.state = taskClosed
	t.input = ""
	t.result <- o
	return nil
}

// maxTaskOutputBytes is the API's length limit on a task's output (256 KiB).
const maxTaskOutputBytes = 262144

// SendTaskSuccess completes a task with its JSON output.
func (s *Service) SendTaskSuccess(_ context.Context, in SendTaskSuccessInput) (Empty, error) {
	if len(in.Output) > maxTaskOutputBytes {
		return Empty{}, apiErr(codeValidation, "output is %d bytes; it must be at most %d", len(in.Output), maxTaskOutputBytes)
	}
	if _, err := paths.DecodeString(in.Output); err != nil {
		return Empty{}, apiErr(codeInvalidOutput, "output is not valid JSON: %v", err)
	}
	return Empty{}, s.report(in.TaskToken, taskOutcome{output: in.Output})
}

// SendTaskFailure fails a task with the worker's error name and cause, which
// Retry and Catch then match.
func (s *Service) SendTaskFailure(_ context.Context, in SendTaskFailureInput) (Empty, error) {
	return Empty{}, s.report(in.TaskToken, taskOutcome{err: &paths.Error{Name: in.Error, Cause: in.Cause}})
}

// SendTaskHeartbeat resets the task's HeartbeatSeconds clock; it does not
// extend TimeoutSeconds.
func (s *Service) SendTaskHeartbeat(_ context.Context, in SendTaskHeartbeatInput) (Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taskForReport(in.TaskToken)
	if err != nil {
		return Empty{}, err
	}
	select {
	case t.heartbeat <- struct{}{}:
	default:
	}
	return Empty{}, nil
}
