package sfnlocal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

func assertOutput(t *testing.T, out DescribeExecutionOutput, want string) {
	t.Helper()
	if out.Status != StatusSucceeded {
		t.Fatalf("status %s: %s: %s", out.Status, out.Error, out.Cause)
	}
	got, err := paths.DecodeString(*out.Output)
	if err != nil {
		t.Fatal(err)
	}
	w, err := paths.DecodeString(want)
	if err != nil {
		t.Fatal(err)
	}
	if !paths.Equal(got, w) {
		t.Fatalf("output %s, want %s", *out.Output, want)
	}
}

func TestStatesTransformData(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	for _, tc := range []struct {
		name, def, input, want string
	}{
		{"Pass Result goes to ResultPath", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`,
			`{"a":1}`, `{"a":1,"r":{"x":1}}`},
		{"ResultPath null keeps the input and discards the result", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":null,"End":true}}}`,
			`{"a":1}`, `{"a":1}`},
		{"InputPath then Parameters then OutputPath", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.v","k":"lit"},"ResultPath":"$.in.p","OutputPath":"$.in","End":true}}}`,
			`{"in":{"v":5}}`, `{"v":5,"p":{"v":5,"k":"lit"}}`},
		{"InputPath null passes {}", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"End":true}}}`,
			`{"a":1}`, `{}`},
		{"context object and intrinsics in Parameters", `{"StartAt":"Named","States":{"Named":{"Type":"Pass","Parameters":{"state.$":"$$.State.Name","msg.$":"States.Format('{} has {} items', $.who, States.ArrayLength($.items))","first.$":"$$.Execution.Input.items[0]"},"End":true}}}`,
			`{"who":"run","items":[4,5,6]}`, `{"state":"Named","msg":"run has 3 items","first":4}`},
		{"Wait SecondsPath and a past TimestampPath pass the input on", `{"StartAt":"W1","States":{"W1":{"Type":"Wait","SecondsPath":"$.s","Next":"W2"},"W2":{"Type":"Wait","TimestampPath":"$.ts","End":true}}}`,
			`{"s":3,"ts":"2001-01-01T00:00:00Z"}`, `{"s":3,"ts":"2001-01-01T00:00:00Z"}`},
		{"Parallel outputs the branches' outputs in order", `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.b","End":true}}}],"ResultSelector":{"first.$":"$[0]","second.$":"$[1]"},"End":true}}}`,
			`{"b":2}`, `{"first":"a","second":2}`},
		{"inline Map with ItemSelector sees $$.Map.Item", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,
			"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
			"ItemProcessor":{"StartAt":"Id","States":{"Id":{"Type":"Pass","End":true}}},"ResultPath":"$.out","End":true}}}`,
			`{"xs":["a","b","c"],"k":9}`, `{"xs":["a","b","c"],"k":9,"out":[{"i":0,"v":"a","k":9},{"i":1,"v":"b","k":9},{"i":2,"v":"c","k":9}]}`},
		{"Catch puts the error object at its ResultPath", `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Custom.Err","Cause":"boom"}}}],
			"Catch":[{"ErrorEquals":["Custom.Err"],"ResultPath":"$.error","Next":"Done"}],"Next":"Done"},"Done":{"Type":"Succeed"}}}`,
			`{"a":1}`, `{"a":1,"error":{"Error":"Custom.Err","Cause":"boom"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertOutput(t, run(t, svc, tc.def, tc.input), tc.want)
		})
	}
}

func TestFailStates(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	out := run(t, svc, `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('code {}', $.c)"}}}`, `{"e":"Input.Bad","c":7}`)
	if out.Status != StatusFailed || out.Error != "Input.Bad" || out.Cause != "code 7" {
		t.Fatalf("got %s %q %q", out.Status, out.Error, out.Cause)
	}
	out = run(t, svc, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$.missing"},"End":true}}}`, `{}`)
	if out.Status != StatusFailed || out.Error != "States.Runtime" ||
		out.Cause != "An error occurred while executing the state 'P'. The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{}'" {
		t.Fatalf("a missing Parameters path: got %s %q %q", out.Status, out.Error, out.Cause)
	}
}

func TestChoiceRules(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	input := `{"n":15,"s":"log-2024.txt","b":true,"ts":"2024-03-01T10:00:00Z","limit":10,"nul":null,"name":"a*b"}`
	for _, tc := range []struct {
		name, rule string
		match      bool
	}{
		{"NumericGreaterThan", `"Variable":"$.n","NumericGreaterThan":10`, true},
		{"NumericLessThanEquals", `"Variable":"$.n","NumericLessThanEquals":14`, false},
		{"NumericGreaterThanPath", `"Variable":"$.n","NumericGreaterThanPath":"$.limit"`, true},
		{"NumericEquals on a string does not match", `"Variable":"$.s","NumericEquals":15`, false},
		{"StringEquals", `"Variable":"$.s","StringEquals":"log-2024.txt"`, true},
		{"StringLessThan", `"Variable":"$.s","StringLessThan":"m"`, true},
		{"StringMatches with a wildcard", `"Variable":"$.s","StringMatches":"log-*.txt"`, true},
		{"StringMatches needs the whole string", `"Variable":"$.s","StringMatches":"log-*.csv"`, false},
		{"StringMatches with an escaped star", `"Variable":"$.name","StringMatches":"a\\*b"`, true},
		{"BooleanEquals", `"Variable":"$.b","BooleanEquals":true`, true},
		{"TimestampGreaterThan", `"Variable":"$.ts","TimestampGreaterThan":"2024-01-01T00:00:00Z"`, true},
		{"TimestampEquals across zones", `"Variable":"$.ts","TimestampEquals":"2024-03-01T11:00:00+01:00"`, true},
		{"IsNull", `"Variable":"$.nul","IsNull":true`, true},
		{"IsPresent false for a missing field", `"Variable":"$.missing","IsPresent":false`, true},
		{"IsNumeric", `"Variable":"$.n","IsNumeric":true`, true},
		{"IsString", `"Variable":"$.n","IsString":true`, false},
		{"IsTimestamp", `"Variable":"$.ts","IsTimestamp":true`, true},
		{"And", `"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.b","BooleanEquals":true}]`, true},
		{"Or", `"Or":[{"Variable":"$.n","NumericLessThan":1},{"Variable":"$.b","BooleanEquals":false}]`, false},
		{"Not", `"Not":{"Variable":"$.s","StringEquals":"x"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := fmt.Sprintf(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{%s,"Next":"Yes"}],"Default":"No"},
				"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`, tc.rule)
			want := `"no"`
			if tc.match {
				want = `"yes"`
			}
			assertOutput(t, run(t, svc, def, input), want)
		})
	}
	t.Run("no match and no Default is States.NoChoiceMatched", func(t *testing.T) {
		t.Parallel()
		out := run(t, svc, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}`, input)
		if out.Status != StatusFailed || out.Error != "States.NoChoiceMatched" {
			t.Fatalf("got %s %s", out.Status, out.Error)
		}
	})
}

func TestErrorMatching(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		equals []string
		name   string
		want   bool
	}{
		{[]string{"States.ALL"}, "Custom.Error", true},
		{[]string{"States.ALL"}, "States.Timeout", true},
		{[]string{"States.ALL"}, "States.Runtime", false},
		{[]string{"States.ALL"}, "States.DataLimitExceeded", false},
		{[]string{"States.TaskFailed"}, "Worker.Interrupted", true},
		{[]string{"States.TaskFailed"}, "States.Timeout", false},
		{[]string{"States.TaskFailed"}, "States.HeartbeatTimeout", false},
		{[]string{"States.Timeout"}, "States.HeartbeatTimeout", true},
		{[]string{"States.HeartbeatTimeout"}, "States.Timeout", false},
		{[]string{"A", "B"}, "B", true},
		{[]string{"A"}, "B", false},
	} {
		t.Run(fmt.Sprintf("%v against %s", tc.equals, tc.name), func(t *testing.T) {
			if got := errorMatches(tc.equals, tc.name); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	ip := func(v int) *int { return &v }
	fp := func(v float64) *float64 { return &v }
	// The documented example: IntervalSeconds 3, BackoffRate 1.5 waits 3
	// then 4.5 seconds.
	rt := asl.Retrier{ErrorEquals: []string{"States.Timeout"}, IntervalSeconds: ip(3), MaxAttempts: ip(2), BackoffRate: fp(1.5)}
	if d0, d1 := retryDelay(rt, 0), retryDelay(rt, 1); d0 != 3 || d1 != 4.5 {
		t.Fatalf("delays %v, %v; want 3, 4.5", d0, d1)
	}
	rt.MaxDelaySeconds = ip(4)
	if d := retryDelay(rt, 5); d != 4 {
		t.Fatalf("capped delay %v, want 4", d)
	}
	rt.JitterStrategy = asl.JitterFull
	for range 100 {
		if d := retryDelay(rt, 5); d < 0 || d > 4 {
			t.Fatalf("jittered delay %v outside [0, 4]", d)
		}
	}
}

// The developer guide's "complex retry scenario": a task failing with
// ErrorA, ErrorB, ErrorC, ErrorB is retried three times and then caught,
// because the first retrier's two attempts are shared by ErrorA and ErrorB
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func TestRetriersCountAcrossErrors(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "flaky"})
	errs := []string{"ErrorA", "ErrorB", "ErrorC", "ErrorB", "ErrorB", "ErrorB"}
	var calls atomic.Int64
	worker(ctx, t, svc, act.ActivityArn, func(string) (string, string, string) {
		n := calls.Add(1)
		return "", errs[n-1], fmt.Sprintf("attempt %d", n)
	})
	def := fmt.Sprintf(`{"StartAt":"X","States":{
		"X":{"Type":"Task","Resource":"%s","Next":"Y",
		     "Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
		              {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
		     "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]},
		"Y":{"Type":"Pass","Result":"y","End":true},
		"Z":{"Type":"Pass","End":true}}}`, act.ActivityArn)
	assertOutput(t, run(t, svc, def, `{}`), `{"Error":"ErrorB","Cause":"attempt 4"}`)
	if calls.Load() != 4 {
		t.Fatalf("the task ran %d times, want 4", calls.Load())
	}
}

func TestTaskFailedDoesNotRetryTimeouts(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	act, _ := svc.CreateActivity(context.Background(), CreateActivityInput{Name: "nobody"})
	def := fmt.Sprintf(`{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"%s","TimeoutSeconds":2,
		"Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":5}],
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"TimedOut"}],"End":true},
		"TimedOut":{"Type":"Pass","End":true}}}`, act.ActivityArn)
	out := run(t, svc, def, `{}`)
	assertOutput(t, out, `{"Error":"States.Timeout","Cause":"the activity task was not completed within TimeoutSeconds (2 s, counted from scheduling)"}`)
	n := 0
	for _, e := range eventTypes(t, svc, out.ExecutionArn) {
		if e == "ActivityScheduled" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("scheduled %d times, want 1 (no retry)", n)
	}
}

func TestExecutionTimeoutSeconds(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	out := run(t, svc, `{"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`, `{}`)
	if out.Status != StatusTimedOut || out.Error != "States.Timeout" {
		t.Fatalf("got %s %s", out.Status, out.Error)
	}
}

// fakeECS is an in-memory ECS whose services start their desired tasks
// after a number of DescribeService calls.
type fakeECS struct {
	mu       sync.Mutex
	desired  map[string]int
	running  map[string]int
	describe int
}

func (f *fakeECS) UpdateService(_ context.Context, cluster, service string, desired int) (ECSService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.desired[service]; !ok {
		return ECSService{}, fmt.Errorf("update %s: %w", service, ErrServiceNotFound)
	}
	f.desired[service] = desired
	return ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: desired, RunningCount: f.running[service]}, nil
}

func (f *fakeECS) DescribeService(_ context.Context, cluster, service string) (ECSService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.desired[service]; !ok {
		return ECSService{}, fmt.Errorf("describe %s: %w", service, ErrServiceNotFound)
	}
	f.describe++
	if f.describe >= 3 {
		f.running[service] = f.desired[service] // tasks start on the third look
	}
	return ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: f.desired[service], RunningCount: f.running[service]}, nil
}

func TestECSIntegrationScalesAndWaitsForWorkers(t *testing.T) {
	t.Parallel()
	ecs := &fakeECS{desired: map[string]int{"workers": 0}, running: map[string]int{}}
	svc, _ := newTestService(t, Options{TimeScale: 0.001, ECS: ecs})
	def := `{"StartAt":"ScaleOut","States":{
		"ScaleOut":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ecs:updateService",
			"Parameters":{"Cluster":"c","Service":"workers","DesiredCount.$":"$.workers"},"ResultPath":null,"Next":"Look"},
		"Look":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ecs:describeServices",
			"Parameters":{"Cluster":"c","Services":["workers"]},
			"ResultSelector":{"running.$":"$.Services[0].RunningCount","desired.$":"$.Services[0].DesiredCount"},"ResultPath":"$.svc","Next":"Ready?"},
		"Ready?":{"Type":"Choice","Choices":[{"Variable":"$.svc.running","NumericEqualsPath":"$.svc.desired","Next":"Done"}],"Default":"Wait"},
		"Wait":{"Type":"Wait","Seconds":10,"Next":"Look"},
		"Done":{"Type":"Succeed"}}}`
	assertOutput(t, run(t, svc, def, `{"workers":4}`), `{"workers":4,"svc":{"running":4,"desired":4}}`)

	missing := `{"StartAt":"Look","States":{"Look":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ecs:describeServices",
		"Parameters":{"Cluster":"c","Services":["nope"]},"ResultSelector":{"f.$":"$.Failures[0].Reason"},"End":true}}}`
	assertOutput(t, run(t, svc, missing, `{}`), `{"f":"MISSING"}`)

	update := `{"StartAt":"Up","States":{"Up":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:ecs:updateService",
		"Parameters":{"Service":"nope","DesiredCount":1},"End":true}}}`
	if out := run(t, svc, update, `{}`); out.Status != StatusFailed || out.Error != "Ecs.ServiceNotFoundException" {
		t.Fatalf("update of a missing service: %s %s", out.Status, out.Error)
	}
}

func TestSfnListExecutionsIntegrationGuardsConcurrentRuns(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	ctx := testContext(t)
	blocker := createMachine(t, svc, "Blocker", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}`)
	start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: blocker})
	if err != nil {
		t.Fatal(err)
	}
	guard := fmt.Sprintf(`{"StartAt":"List","States":{
		"List":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:listExecutions",
			"Parameters":{"StateMachineArn":"%s","StatusFilter":"RUNNING"},"ResultSelector":{"n.$":"States.ArrayLength($.Executions)"},"Next":"Busy?"},
		"Busy?":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"Busy"}],"Default":"Free"},
		"Busy":{"Type":"Fail","Error":"Guard.AlreadyRunning"},
		"Free":{"Type":"Succeed"}}}`, blocker)
	if out := run(t, svc, guard, `{}`); out.Status != StatusFailed || out.Error != "Guard.AlreadyRunning" {
		t.Fatalf("with a running execution: %s %s", out.Status, out.Error)
	}
	if _, err := svc.StopExecution(ctx, StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	assertOutput(t, run(t, svc, guard, `{}`), `{"n":0}`)
}

func TestUnsupportedResourceIsNamed(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	out := run(t, svc, `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`, `{}`)
	if out.Status != StatusFailed || out.Error != "States.Runtime" || !strings.Contains(out.Cause, "arn:aws:lambda:us-east-1:123456789012:function:f") {
		t.Fatalf("got %s %s %s", out.Status, out.Error, out.Cause)
	}
}

// TestDescentMatchesComeInDocumentOrder runs "$..id" over an execution's
// input many times: the matches come in the input's document order every
// time (Go map order gave [2,1,3] one run and [3,2,1] the next), also after
// a state has passed the input on.
func TestDescentMatchesComeInDocumentOrder(t *testing.T) {
	t.Parallel()
	svc, _ := newTestService(t, Options{TimeScale: 0.001})
	def := `{"StartAt":"Keep","States":{
		"Keep":{"Type":"Pass","ResultPath":"$.seen","Result":true,"Next":"Ids"},
		"Ids":{"Type":"Pass","Parameters":{"ids.$":"$.doc..id"},"End":true}}}`
	input := `{"doc":{"b":{"id":2},"c":{"id":3,"k":{"id":4}},"a":{"id":1},"f":{"id":6},"e":{"id":5}}}`
	for range 20 {
		assertOutput(t, run(t, svc, def, input), `{"ids":[2,3,4,1,6,5]}`)
	}
}
