package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

const activityMachine = `{
  "StartAt": "Work",
  "States": {
    "Work": {"Type": "Task", "Resource": "%s", "Parameters": {"op": "simulate", "n.$": "$.n"},
             "TimeoutSeconds": %d, "HeartbeatSeconds": %d, "ResultPath": "$.result", "End": true}
  }
}`

func TestSDKClientRunsAnActivityWorkflow(t *testing.T) {
	t.Parallel()
	_, client := newTestService(t, Options{TimeScale: 0.001, PollTimeout: 0})
	ctx := testContext(t)

	act, err := client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("simulate")})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("Simulate"),
		Definition: aws.String(fmt.Sprintf(activityMachine, *act.ActivityArn, 360000, 60000)),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn"),
	})
	if err != nil {
		t.Fatal(err)
	}
	start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run-1"), Input: aws.String(`{"n": 7}`)})
	if err != nil {
		t.Fatal(err)
	}

	var task *sfn.GetActivityTaskOutput
	for task == nil || task.TaskToken == nil {
		if task, err = client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := aws.ToString(task.Input), `{"n":7,"op":"simulate"}`; got != want {
		t.Fatalf("task input %s, want %s", got, want)
	}
	if _, err := client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"loans": 7}`)}); err != nil {
		t.Fatal(err)
	}
	var desc *sfn.DescribeExecutionOutput
	for desc == nil || desc.Status == types.ExecutionStatusRunning {
		if desc, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
			t.Fatal(err)
		}
	}
	if desc.Status != types.ExecutionStatusSucceeded || aws.ToString(desc.Output) != `{"n":7,"result":{"loans":7}}` {
		t.Fatalf("got %s with output %s", desc.Status, aws.ToString(desc.Output))
	}
	if desc.StartDate == nil || desc.StopDate == nil || desc.StopDate.Before(*desc.StartDate) {
		t.Fatalf("dates: start %v stop %v", desc.StartDate, desc.StopDate)
	}

	hist, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var got []types.HistoryEventType
	for _, e := range hist.Events {
		got = append(got, e.Type)
	}
	want := []types.HistoryEventType{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}
	if !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if d := hist.Events[3].ActivityStartedEventDetails; d == nil || aws.ToString(d.WorkerName) != "w1" {
		t.Fatalf("ActivityStarted details %+v", d)
	}
	if d := hist.Events[2].ActivityScheduledEventDetails; d == nil || aws.ToInt64(d.TimeoutInSeconds) != 360000 || aws.ToInt64(d.HeartbeatInSeconds) != 60000 {
		t.Fatalf("ActivityScheduled details %+v", d)
	}

	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != "run-1" {
		t.Fatalf("list %+v", list.Executions)
	}
}

func TestSDKClientSeesTypedErrors(t *testing.T) {
	t.Parallel()
	svc, client := newTestService(t, Options{TimeScale: 0.001})
	ctx := testContext(t)
	arn := createMachine(t, svc, "Waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)

	t.Run("an unknown execution is ExecutionDoesNotExist", func(t *testing.T) {
		_, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:Waits:nope")})
		var e *types.ExecutionDoesNotExist
		if !errors.As(err, &e) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an invalid definition is InvalidDefinition naming the problem", func(t *testing.T) {
		_, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("Bad"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
			Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Missing"}}}`),
		})
		var e *types.InvalidDefinition
		if !errors.As(err, &e) || !strings.Contains(e.ErrorMessage(), "Missing") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an unknown activity is ActivityDoesNotExist", func(t *testing.T) {
		_, err := client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(svc.ActivityARN("nope"))})
		var e *types.ActivityDoesNotExist
		if !errors.As(err, &e) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a bad task token is InvalidToken", func(t *testing.T) {
		_, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("bogus"), Output: aws.String("{}")})
		var e *types.InvalidToken
		if !errors.As(err, &e) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("StartExecution is idempotent for the same name and input", func(t *testing.T) {
		a, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("same"), Input: aws.String(`{"a":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("same"), Input: aws.String(`{"a":1}`)})
		if err != nil || aws.ToString(a.ExecutionArn) != aws.ToString(b.ExecutionArn) {
			t.Fatalf("second start: %v, %v vs %v", err, aws.ToString(a.ExecutionArn), aws.ToString(b.ExecutionArn))
		}
		_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("same"), Input: aws.String(`{"a":2}`)})
		var e *types.ExecutionAlreadyExists
		if !errors.As(err, &e) {
			t.Fatalf("different input: got %v", err)
		}
		stop, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: a.ExecutionArn, Error: aws.String("Test.Stop"), Cause: aws.String("done")})
		if err != nil || stop.StopDate == nil {
			t.Fatalf("stop: %v", err)
		}
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: a.ExecutionArn})
		if err != nil || d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Test.Stop" {
			t.Fatalf("after stop: %v %+v", err, d)
		}
		if d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
			t.Fatalf("an aborted execution should be redrivable, got %s", d.RedriveStatus)
		}
		_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("same"), Input: aws.String(`{"a":1}`)})
		if !errors.As(err, &e) {
			t.Fatalf("a closed execution's name: got %v", err)
		}
	})
}

func TestSDKClientPagesListExecutions(t *testing.T) {
	t.Parallel()
	svc, client := newTestService(t, Options{TimeScale: 0.001})
	ctx := testContext(t)
	arn := createMachine(t, svc, "Quick", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	for i := range 5 {
		if _, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String(fmt.Sprintf("e%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	p := sfn.NewListExecutionsPaginator(client, &sfn.ListExecutionsInput{StateMachineArn: &arn, MaxResults: 2})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Executions {
			seen[aws.ToString(e.Name)] = true
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("saw %d executions in %d pages, want 5 in 3", len(seen), pages)
	}
}

func TestActivityTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("TimeoutSeconds counts time in the queue", func(t *testing.T) {
		t.Parallel()
		svc, _ := newTestService(t, Options{TimeScale: 0.001})
		act, _ := svc.CreateActivity(context.Background(), CreateActivityInput{Name: "idle"})
		out := run(t, svc, fmt.Sprintf(activityMachine, act.ActivityArn, 5, 1), `{"n":1}`)
		if out.Status != StatusFailed || out.Error != "States.Timeout" {
			t.Fatalf("got %s %s: %s", out.Status, out.Error, out.Cause)
		}
		types := eventTypes(t, svc, out.ExecutionArn)
		if !slices.Contains(types, "ActivityTimedOut") || slices.Contains(types, "ActivityStarted") {
			t.Fatalf("history %v", types)
		}
		// The timed-out task left the queue: a worker polling now gets nothing.
		task, err := svc.GetActivityTask(testContext(t), GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil || task.TaskToken != "" {
			t.Fatalf("poll after timeout: %v %+v", err, task)
		}
	})
	t.Run("a silent worker fails the task with States.HeartbeatTimeout and its late success is TaskTimedOut", func(t *testing.T) {
		t.Parallel()
		svc, client := newTestService(t, Options{TimeScale: 0.001})
		ctx := testContext(t)
		act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "silent"})
		arn := createMachine(t, svc, "Silent", fmt.Sprintf(activityMachine, act.ActivityArn, 100000, 10))
		start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Input: `{"n":1}`})
		if err != nil {
			t.Fatal(err)
		}
		var task GetActivityTaskOutput
		for task.TaskToken == "" {
			if task, err = svc.GetActivityTask(ctx, GetActivityTaskInput{ActivityArn: act.ActivityArn}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := svc.WaitExecution(ctx, start.ExecutionArn)
		if err != nil || out.Status != StatusFailed || out.Error != "States.HeartbeatTimeout" {
			t.Fatalf("got %v %s %s", err, out.Status, out.Error)
		}
		_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &task.TaskToken, Output: aws.String("{}")})
		var e *types.TaskTimedOut
		if !errors.As(err, &e) {
			t.Fatalf("late success: got %v, want TaskTimedOut", err)
		}
	})
	t.Run("UnscaledActivityTimeouts leaves TimeoutSeconds in wall seconds", func(t *testing.T) {
		t.Parallel()
		// Scale 0.001 would make TimeoutSeconds 2 last 2 ms; unscaled, the
		// queued task times out after 2 s.
		svc, _ := newTestService(t, Options{TimeScale: 0.001, UnscaledActivityTimeouts: true})
		act, _ := svc.CreateActivity(context.Background(), CreateActivityInput{Name: "unscaled"})
		began := time.Now()
		out := run(t, svc, fmt.Sprintf(activityMachine, act.ActivityArn, 2, 1), `{"n":1}`)
		if out.Status != StatusFailed || out.Error != "States.Timeout" {
			t.Fatalf("got %s %s: %s", out.Status, out.Error, out.Cause)
		}
		if took := time.Since(began); took < 2*time.Second {
			t.Errorf("the task timed out after %v; want at least its TimeoutSeconds, 2 s", took)
		}
	})
	t.Run("MinHeartbeat floors the scaled HeartbeatSeconds", func(t *testing.T) {
		t.Parallel()
		// Scale 0.001: HeartbeatSeconds 10 alone is 10 ms of wall time; the
		// floor makes it 400 ms, so a silent worker's task times out, but
		// not before the floor.
		const floor = 400 * time.Millisecond
		svc, _ := newTestService(t, Options{TimeScale: 0.001, MinHeartbeat: floor})
		if got := svc.HeartbeatTimeout(10); got != floor {
			t.Errorf("HeartbeatTimeout(10) = %v, want the floor %v", got, floor)
		}
		if got, want := svc.HeartbeatTimeout(1_000_000), 1000*time.Second; got != want {
			t.Errorf("HeartbeatTimeout(1000000) = %v, want %v: the floor only raises", got, want)
		}
		ctx := testContext(t)
		act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "floored"})
		arn := createMachine(t, svc, "Floored", fmt.Sprintf(activityMachine, act.ActivityArn, 100000, 10))
		start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Input: `{"n":1}`})
		if err != nil {
			t.Fatal(err)
		}
		var task GetActivityTaskOutput
		for task.TaskToken == "" {
			if task, err = svc.GetActivityTask(ctx, GetActivityTaskInput{ActivityArn: act.ActivityArn}); err != nil {
				t.Fatal(err)
			}
		}
		taken := time.Now()
		out, err := svc.WaitExecution(ctx, start.ExecutionArn)
		if err != nil || out.Status != StatusFailed || out.Error != "States.HeartbeatTimeout" {
			t.Fatalf("got %v %s %s", err, out.Status, out.Error)
		}
		if waited := time.Since(taken); waited < floor {
			t.Errorf("the task timed out %v after it was taken; want at least MinHeartbeat %v", waited, floor)
		}
	})
	t.Run("heartbeats keep a task alive past HeartbeatSeconds but not past TimeoutSeconds", func(t *testing.T) {
		t.Parallel()
		// Scale 0.5: HeartbeatSeconds 2 is one second of wall time; the
		// worker heartbeats every 20 ms, so only a broken heartbeat expires
		// (the margin absorbs a loaded machine's scheduling delays).
		svc, _ := newTestService(t, Options{TimeScale: 0.5})
		ctx := testContext(t)
		act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "beating"})
		for _, tc := range []struct {
			timeoutSec int
			beats      int // heartbeats before reporting success; -1: until the end
			wantStatus string
			wantError  string
		}{
			{timeoutSec: 100, beats: 75, wantStatus: StatusSucceeded},
			{timeoutSec: 4, beats: -1, wantStatus: StatusFailed, wantError: "States.Timeout"},
		} {
			arn := createMachine(t, svc, fmt.Sprintf("Beating%d", tc.timeoutSec), fmt.Sprintf(activityMachine, act.ActivityArn, tc.timeoutSec, 2))
			start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Input: `{"n":1}`})
			if err != nil {
				t.Fatal(err)
			}
			var task GetActivityTaskOutput
			for task.TaskToken == "" {
				if task, err = svc.GetActivityTask(ctx, GetActivityTaskInput{ActivityArn: act.ActivityArn}); err != nil {
					t.Fatal(err)
				}
			}
			ex, _ := svc.execution(start.ExecutionArn)
			tick := time.NewTicker(20 * time.Millisecond)
		beat:
			for i := 0; tc.beats < 0 || i < tc.beats; i++ {
				select {
				case <-tick.C:
					if _, err := svc.SendTaskHeartbeat(ctx, SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
						break beat
					}
				case <-ex.Done():
					break beat
				}
			}
			tick.Stop()
			_, _ = svc.SendTaskSuccess(ctx, SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{}`})
			out, err := svc.WaitExecution(ctx, start.ExecutionArn)
			if err != nil || out.Status != tc.wantStatus || out.Error != tc.wantError {
				t.Fatalf("TimeoutSeconds %d: got %v %s %q, want %s %q", tc.timeoutSec, err, out.Status, out.Error, tc.wantStatus, tc.wantError)
			}
		}
	})
}

func TestSDKClientManagesMachinesAndActivities(t *testing.T) {
	t.Parallel()
	_, client := newTestService(t, Options{TimeScale: 0.001})
	ctx := testContext(t)
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	role := aws.String("arn:aws:iam::123456789012:role/r")
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("M"), Definition: &def, RoleArn: role})
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("M"), Definition: &def, RoleArn: role})
	if err != nil || aws.ToString(again.StateMachineArn) != aws.ToString(sm.StateMachineArn) {
		t.Fatalf("creating the same machine again: %v", err)
	}
	other := `{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}`
	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("M"), Definition: &other, RoleArn: role})
	var exists *types.StateMachineAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("a different definition under the same name: %v", err)
	}
	if _, err := client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: &other}); err != nil {
		t.Fatal(err)
	}
	d, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	if err != nil || aws.ToString(d.Definition) != other || d.Type != types.StateMachineTypeStandard || d.Status != types.StateMachineStatusActive {
		t.Fatalf("describe after update: %v %+v", err, d)
	}
	start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	forExec, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || aws.ToString(forExec.Definition) != other {
		t.Fatalf("definition for the execution: %v %+v", err, forExec)
	}
	list, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(list.StateMachines) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	var gone *types.StateMachineDoesNotExist
	if !errors.As(err, &gone) {
		t.Fatalf("describe after delete: %v", err)
	}

	act, err := client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	acts, err := client.ListActivities(ctx, &sfn.ListActivitiesInput{})
	if err != nil || len(acts.Activities) != 1 || aws.ToString(acts.Activities[0].Name) != "work" {
		t.Fatalf("list activities: %v %+v", err, acts)
	}
	if _, err := client.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: act.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	var noAct *types.ActivityDoesNotExist
	if !errors.As(err, &noAct) {
		t.Fatalf("describe a deleted activity: %v", err)
	}
	_, err = client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("bad name")})
	var badName *types.InvalidName
	if !errors.As(err, &badName) {
		t.Fatalf("a name with a space: %v", err)
	}
}

func TestTooManyPollersIsActivityWorkerLimitExceeded(t *testing.T) {
	t.Parallel()
	svc, client := newTestService(t, Options{TimeScale: 1})
	ctx := testContext(t)
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "crowded"})
	pollCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	for range maxPollers {
		go func() {
			_, _ = svc.GetActivityTask(pollCtx, GetActivityTaskInput{ActivityArn: act.ActivityArn})
			done <- struct{}{}
		}()
	}
	for {
		svc.mu.Lock()
		n := svc.activities[act.ActivityArn].pollers
		svc.mu.Unlock()
		if n == maxPollers {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("only %d pollers waiting", n)
		}
	}
	_, err := client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: &act.ActivityArn})
	var limit *types.ActivityWorkerLimitExceeded
	if !errors.As(err, &limit) {
		t.Fatalf("poller %d: got %v", maxPollers+1, err)
	}
	cancel()
	for range maxPollers {
		<-done
	}
}
