package workflow

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// builders are the two definition functions, by workflow name.
var builders = []struct {
	name  string
	build func(Config) (*asl.StateMachine, error)
}{
	{WorkflowGenerate, Generate},
	{WorkflowSimulate, Simulate},
}

func TestDefinitionsMatchTheGoldenFiles(t *testing.T) {
	t.Parallel()
	matchGoldenDefinitions(t, testConfig(), "testdata")
}

// matchGoldenDefinitions renders c's definitions and compares each with
// its golden file in dir (writes them with -update), returning the golden
// bytes by workflow.
func matchGoldenDefinitions(t *testing.T, c Config, dir string) map[string][]byte {
	t.Helper()
	defs, err := Definitions(c)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(defs))
	for _, d := range defs {
		golden := filepath.Join(dir, d.FileName())
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, d.JSON, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(d.JSON, want) {
			t.Errorf("%s differs from %s; if the change is intended, run go test ./components/workflow -update and review the diff", d.Workflow, golden)
		}
		out[golden] = want
	}
	return out
}

// checkParsesBack parses a rendered definition, validates it, renders it
// again (the identity) and wants no payload hints.
func checkParsesBack(t *testing.T, name string, data []byte) {
	t.Helper()
	m, err := asl.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("%s: %v", name, err)
	}
	if again, err := Render(m); err != nil || !bytes.Equal(again, data) {
		t.Errorf("%s: Parse then Render is not the identity (%v)", name, err)
	}
	if hints := m.Hints(); len(hints) > 0 {
		t.Errorf("%s: payload hints: %v", name, hints)
	}
}

func TestRenderedDefinitionsParseBackAndValidate(t *testing.T) {
	t.Parallel()
	defs, err := Definitions(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		checkParsesBack(t, d.Workflow, d.JSON)
	}
}

func TestDefinitionsRejectAnInvalidConfig(t *testing.T) {
	t.Parallel()
	c := testConfig()
	c.AccountID = "x"
	for _, b := range builders {
		if _, err := b.build(c); err == nil || !strings.Contains(err.Error(), "AccountID") {
			t.Errorf("%s: err = %v, want one naming AccountID", b.name, err)
		}
	}
	if _, err := Definitions(c); err == nil {
		t.Error("Definitions accepted an invalid config")
	}
}

// randomConfig returns a valid config drawn from r: every tuning field set
// or left to its default at random, within the ranges Validate allows.
func randomConfig(r *rand.Rand) Config {
	c := testConfig()
	maybe := func(v int) int {
		if r.IntN(3) == 0 {
			return 0 // the default
		}
		return v
	}
	c.Partition = []string{"", "aws", "aws-cn", "aws-us-gov"}[r.IntN(4)]
	c.Region = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"}[r.IntN(4)]
	c.WorkerCount = maybe(1 + r.IntN(MaxWorkers))
	c.TasksPerWorker = maybe(1 + r.IntN(16))
	if c.WorkerCount*c.TasksPerWorker > MaxMapConcurrency || r.IntN(4) == 0 {
		c.MaxConcurrency = 1 + r.IntN(MaxMapConcurrency)
	}
	c.BatchSize = maybe(1 + r.IntN(50_000))
	c.ShardSize = maybe(1 + r.IntN(50_000))
	c.HeartbeatSeconds = maybe(MinHeartbeat + r.IntN(600))
	c.LoanScenarioNanos = maybe(100 + r.IntN(5000))
	c.Defaults.Scenarios = maybe(1 + r.IntN(20_000))
	// Keep the derived timeout below its 7-day cap, where Validate would
	// rightly refuse the batch as too large.
	for {
		d := c.WithDefaults()
		if SimulateTimeoutSeconds(d.batchLoans(), d.Defaults.Scenarios, d.LoanScenarioNanos, d.HeartbeatSeconds) < maxTimeoutSeconds/2 {
			break
		}
		c.Defaults.Scenarios = max(1, c.WithDefaults().Defaults.Scenarios/4)
	}
	if r.IntN(2) == 0 {
		c.ToleratedFailurePercent = float64(r.IntN(1001)) / 10
	}
	c.WorkerWaitSeconds = maybe(1 + r.IntN(120))
	c.WorkerWaitMaxPolls = maybe(1 + r.IntN(100))
	c.Retry = RetryPolicy{
		MaxAttempts:     maybe(1 + r.IntN(10)),
		IntervalSeconds: maybe(1 + r.IntN(60)),
		BackoffRate:     []float64{0, 1, 1.5, 2, 3}[r.IntN(5)],
		MaxDelaySeconds: maybe(1 + r.IntN(600)),
	}
	return c
}

// TestPropertiesHoldForManyConfigs checks, for configs drawn from a seeded
// generator, that both definitions validate, that every way from a
// scale-out to an end state passes a scale-in, that nothing before the
// scale-out scales in, that every state after the scale-out catches every
// error into the failure path, and that the definitions carry the derived
// settings.
func TestPropertiesHoldForManyConfigs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20261121, 1))
	for i := range 150 {
		cfg := randomConfig(r)
		c := cfg.WithDefaults()
		if err := c.Validate(); err != nil {
			t.Fatalf("config %d: the generator made an invalid config: %v\n%+v", i, err, cfg)
		}
		for _, b := range builders {
			m, err := b.build(cfg)
			if err != nil {
				t.Fatalf("config %d, %s: %v\n%+v", i, b.name, err, cfg)
			}
			where := fmt.Sprintf("config %d, %s", i, b.name)
			checkScaleInOnEveryWayOut(t, where, m)
			checkCatchAfterScaleOut(t, where, m)
			checkActivityTasks(t, where, m, c)
			checkMaps(t, where, m, c)
		}
	}
}

// updateService returns the DesiredCount of an ecs:updateService task, or
// -1 if the state is not one.
func updateService(s asl.State) int {
	t, ok := s.(*asl.TaskState)
	if !ok || !strings.HasSuffix(t.Resource, ":states:::aws-sdk:ecs:updateService") {
		return -1
	}
	p, _ := t.Parameters.(map[string]any)
	switch n := p["DesiredCount"].(type) {
	case int:
		return n
	default:
		return -1
	}
}

func isScaleIn(s asl.State) bool  { return updateService(s) == 0 }
func isScaleOut(s asl.State) bool { return updateService(s) > 0 }

// wayAvoiding returns a path from "from" to a terminal state of the
// machine's top scope that enters no state for which avoid is true, or nil
// if there is none. Scale-in and scale-out are told by what the state does
// (an ecs:updateService task and its DesiredCount), not by its name.
func wayAvoiding(m *asl.StateMachine, from string, avoid func(asl.State) bool) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		st := m.States[n]
		if asl.IsTerminal(st) {
			var way []string
			for x := n; x != ""; x = prev[x] {
				way = append([]string{x}, way...)
			}
			return way
		}
		for _, next := range asl.Successors(st) {
			if _, seen := prev[next]; seen || avoid(m.States[next]) {
				continue
			}
			prev[next] = n
			queue = append(queue, next)
		}
	}
	return nil
}

func checkScaleInOnEveryWayOut(t *testing.T, where string, m *asl.StateMachine) {
	t.Helper()
	var outs []string
	for name, st := range m.States {
		if isScaleOut(st) {
			outs = append(outs, name)
		}
	}
	if len(outs) != 1 {
		t.Fatalf("%s: %d scale-out states, want 1", where, len(outs))
	}
	if way := wayAvoiding(m, outs[0], isScaleIn); way != nil {
		t.Errorf("%s: a way from scale-out to an end state without scale-in: %s", where, strings.Join(way, " → "))
	}
	// Before the scale-out, nothing may scale in: a run refused by the guard
	// must not stop the workers of the run in progress.
	reach := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if reach[n] || isScaleOut(m.States[n]) {
			return
		}
		reach[n] = true
		for _, next := range asl.Successors(m.States[n]) {
			visit(next)
		}
	}
	visit(m.StartAt)
	for n := range reach {
		if isScaleIn(m.States[n]) {
			t.Errorf("%s: scale-in state %s is reachable before the scale-out", where, n)
		}
	}
	if !reach[StateRunInProgress] {
		t.Errorf("%s: the guard's failure is not reachable before the scale-out", where)
	}
	// Succeeded is reached only through scale-in.
	if way := wayAvoiding(m, m.StartAt, func(s asl.State) bool { return isScaleIn(s) || s == m.States[StateFailed] }); way != nil && way[len(way)-1] == StateSucceeded {
		t.Errorf("%s: Succeeded reachable without scale-in: %s", where, strings.Join(way, " → "))
	}
}

func checkCatchAfterScaleOut(t *testing.T, where string, m *asl.StateMachine) {
	t.Helper()
	after := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if after[n] {
			return
		}
		after[n] = true
		for _, next := range asl.Successors(m.States[n]) {
			visit(next)
		}
	}
	visit(StateScaleOut)
	for n := range after {
		st := m.States[n]
		switch st.(type) {
		case *asl.TaskState, *asl.MapState, *asl.ParallelState:
		default:
			continue // Pass, Wait, Choice, Succeed and Fail have no Catch
		}
		cs := asl.Catchers(st)
		if len(cs) == 0 || !slices.Equal(cs[len(cs)-1].ErrorEquals, []string{asl.ErrAll}) {
			t.Errorf("%s: %s does not end its Catch with States.ALL", where, n)
			continue
		}
		last := cs[len(cs)-1]
		if n == StateScaleInAfterFailure {
			// Its own failure must not overwrite the original error.
			if last.Next != StateFailed || last.ResultPath.Or("$") == pathError {
				t.Errorf("%s: %s catches to %s at %s, want Failed keeping %s", where, n, last.Next, last.ResultPath, pathError)
			}
			continue
		}
		if !isScaleIn(m.States[last.Next]) || last.ResultPath.Or("$") != pathError {
			t.Errorf("%s: %s catches to %s at %s, want a scale-in at %s", where, n, last.Next, last.ResultPath, pathError)
		}
	}
	f, ok := m.States[StateFailed].(*asl.FailState)
	if !ok || f.ErrorPath != pathError+".Error" || !strings.Contains(f.CausePath, pathError) {
		t.Errorf("%s: Failed does not report the error at %s: %+v", where, pathError, m.States[StateFailed])
	}
}

// activityTasks returns every activity task of the machine, at any depth.
func activityTasks(m *asl.StateMachine) map[string]*asl.TaskState {
	out := map[string]*asl.TaskState{}
	_ = asl.Walk(m, func(v asl.Visit) error {
		if t, ok := v.State.(*asl.TaskState); ok && asl.IsActivity(t.Resource) {
			out[v.Name] = t
		}
		return nil
	})
	return out
}

func checkActivityTasks(t *testing.T, where string, m *asl.StateMachine, c Config) {
	t.Helper()
	tasks := activityTasks(m)
	if len(tasks) == 0 {
		t.Fatalf("%s: no activity task", where)
	}
	for name, task := range tasks {
		if task.Resource != c.ActivityArn {
			t.Errorf("%s: %s runs %s, not the activity", where, name, task.Resource)
		}
		if task.TimeoutSeconds == nil || task.HeartbeatSeconds == nil || *task.HeartbeatSeconds != c.HeartbeatSeconds || *task.HeartbeatSeconds >= *task.TimeoutSeconds {
			t.Errorf("%s: %s has TimeoutSeconds %v and HeartbeatSeconds %v, want a heartbeat of %d below the timeout", where, name, task.TimeoutSeconds, task.HeartbeatSeconds, c.HeartbeatSeconds)
		}
		p, _ := task.Parameters.(map[string]any)
		if op, _ := p["op"].(string); !slices.Contains(Ops, op) {
			t.Errorf("%s: %s sends op %q, not one of %v", where, name, op, Ops)
		}
		// A dead worker's task fails with States.HeartbeatTimeout or
		// States.Timeout; an interrupted one with Worker.Interrupted; S3
		// throttling with S3.SlowDown. Each must be retried by name, with
		// attempts left.
		for _, e := range []string{asl.ErrHeartbeatTimeout, asl.ErrTimeout, ErrWorkerInterrupted, ErrS3SlowDown, ErrS3IO} {
			r := retrierFor(task.Retry, e)
			if r == nil || r.Attempts() < 1 {
				t.Errorf("%s: %s does not retry %s", where, name, e)
			}
		}
		for _, e := range []string{ErrInputInvalid, ErrAggregateMismatch, ErrWorkerInternal} {
			if retrierFor(task.Retry, e) != nil {
				t.Errorf("%s: %s retries %s, which cannot succeed on a retry", where, name, e)
			}
		}
		for _, e := range []string{asl.ErrHeartbeatTimeout, asl.ErrTimeout, ErrS3SlowDown, ErrS3IO} {
			if r := retrierFor(task.Retry, e); r != nil && (r.Attempts() != c.Retry.MaxAttempts || r.Interval() != c.Retry.IntervalSeconds ||
				r.Backoff() != c.Retry.BackoffRate || r.MaxDelaySeconds == nil || *r.MaxDelaySeconds != c.Retry.MaxDelaySeconds) {
				t.Errorf("%s: %s retries %s with %+v, not with Config.Retry %+v", where, name, e, *r, c.Retry)
			}
		}
		if r := retrierFor(task.Retry, ErrWorkerInterrupted); r != nil && (r.Interval() != 1 || r.Backoff() != 1) {
			t.Errorf("%s: %s retries Worker.Interrupted after %d s x %g, want at once", where, name, r.Interval(), r.Backoff())
		}
	}
	want := map[string]int{}
	switch m.States[StateSimulateCSV] {
	case nil: // Generate
		want[StateGenerateShards+"Batch"] = c.GenerateTimeoutSeconds
		want[StatePlan] = c.ControlTimeoutSeconds
		want[StateWriteManifest] = c.ControlTimeoutSeconds
	default:
		for _, s := range []string{StateSimulateCSV, StateSimulateInventory, StateSimulatePrefix} {
			want[s+"Batch"] = c.TaskTimeoutSeconds
		}
		want[StatePrepare] = c.ControlTimeoutSeconds
		want[StateAggregate] = c.ControlTimeoutSeconds
	}
	for name, timeout := range want {
		task, ok := tasks[name]
		if !ok {
			t.Errorf("%s: no activity task %s", where, name)
			continue
		}
		if *task.TimeoutSeconds != timeout {
			t.Errorf("%s: %s TimeoutSeconds = %d, want %d", where, name, *task.TimeoutSeconds, timeout)
		}
	}
}

// retrierFor returns the retrier that handles the error name, as the
// service picks it: the first whose ErrorEquals names it or States.ALL
// (States.TaskFailed matches neither timeout).
func retrierFor(rs []asl.Retrier, name string) *asl.Retrier {
	for i, r := range rs {
		for _, e := range r.ErrorEquals {
			if e == name || e == asl.ErrAll ||
				(e == asl.ErrTaskFailed && name != asl.ErrTimeout && name != asl.ErrHeartbeatTimeout) {
				return &rs[i]
			}
		}
	}
	return nil
}

func checkMaps(t *testing.T, where string, m *asl.StateMachine, c Config) {
	t.Helper()
	n := 0
	for name, st := range m.States {
		s, ok := st.(*asl.MapState)
		if !ok {
			continue
		}
		n++
		if !s.IsDistributed() || s.ExecutionType() != asl.ExecutionStandard {
			t.Errorf("%s: %s is %s/%s, want DISTRIBUTED with STANDARD children (activities)", where, name, s.Mode(), s.ExecutionType())
		}
		if s.MaxConcurrency == nil || *s.MaxConcurrency != c.MaxConcurrency {
			t.Errorf("%s: %s MaxConcurrency = %v, want %d", where, name, s.MaxConcurrency, c.MaxConcurrency)
		}
		if c.MaxConcurrency == 0 || (c.MaxConcurrency != c.WorkerCount*c.TasksPerWorker && c.MaxConcurrency > MaxMapConcurrency) {
			t.Errorf("%s: MaxConcurrency %d", where, c.MaxConcurrency)
		}
		gotTol := 0.0
		if s.ToleratedFailurePercentage != nil {
			gotTol = *s.ToleratedFailurePercentage
		}
		wantTol := c.ToleratedFailurePercent
		if name == StateGenerateShards {
			wantTol = 0 // a dataset missing a shard is useless
		}
		if gotTol != wantTol {
			t.Errorf("%s: %s ToleratedFailurePercentage = %g, want %g", where, name, gotTol, wantTol)
		}
		if s.ItemReader == nil || s.ItemBatcher == nil || s.ResultWriter == nil {
			t.Errorf("%s: %s lacks an ItemReader, ItemBatcher or ResultWriter", where, name)
		}
		if !strings.HasPrefix(s.ItemReader.Resource, "arn:"+c.Partition+":states:::s3:") {
			t.Errorf("%s: %s reads with %s, not in partition %s", where, name, s.ItemReader.Resource, c.Partition)
		}
	}
	if want := map[bool]int{true: 3, false: 1}[m.States[StateSimulateCSV] != nil]; n != want {
		t.Errorf("%s: %d Distributed Maps, want %d", where, n, want)
	}
}

func TestDefaultMaxConcurrencyMatchesWhatTheWorkersTakeAtOnce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		c := testConfig()
		c.WorkerCount, c.TasksPerWorker = 1+r.IntN(100), 1+r.IntN(100)
		d := c.WithDefaults()
		if d.MaxConcurrency != c.WorkerCount*c.TasksPerWorker {
			t.Fatalf("WorkerCount %d x TasksPerWorker %d: MaxConcurrency = %d", c.WorkerCount, c.TasksPerWorker, d.MaxConcurrency)
		}
	}
}

func TestDerivedTaskTimeoutCoversTheBatch(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 13))
	for range 300 {
		c := randomConfig(r)
		c.TaskTimeoutSeconds = 0
		d := c.WithDefaults()
		if fit := MaxBatchLoans(d.TaskTimeoutSeconds, d.Defaults.Scenarios, d.LoanScenarioNanos); fit < d.batchLoans() {
			t.Fatalf("timeout %d s fits %d loans, the batch holds %d (BatchSize %d, ShardSize %d, %d scenarios)",
				d.TaskTimeoutSeconds, fit, d.batchLoans(), d.BatchSize, d.ShardSize, d.Defaults.Scenarios)
		}
		if d.TaskTimeoutSeconds <= d.HeartbeatSeconds || d.GenerateTimeoutSeconds <= d.HeartbeatSeconds {
			t.Fatalf("heartbeat %d s not below the timeouts %d / %d", d.HeartbeatSeconds, d.TaskTimeoutSeconds, d.GenerateTimeoutSeconds)
		}
		if d.TaskTimeoutSeconds < TaskStartMarginSeconds {
			t.Fatalf("timeout %d s below the start margin", d.TaskTimeoutSeconds)
		}
	}
}

func TestFormatEscape(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain":                "plain",
		"{} of {}":             "{} of {}",
		"it's":                 `it\'s`,
		`a\b`:                  `a\\b`,
		"{x}":                  `\{x\}`,
		"a { b } c {}":         `a \{ b \} c {}`,
		"each other's workers": `each other\'s workers`,
	}
	for in, want := range cases {
		if got := formatEscape(in); got != want {
			t.Errorf("formatEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMachinesNameTheirOwnAndTheOtherMachineInTheGuard(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	for _, b := range builders {
		m, err := b.build(c)
		if err != nil {
			t.Fatal(err)
		}
		own, other := c.GenerateStateMachineName, c.SimulateStateMachineName
		if b.name == WorkflowSimulate {
			own, other = other, own
		}
		for state, name := range map[string]string{StateCheckOwnRuns: own, StateCheckOtherRuns: other} {
			task := m.States[state].(*asl.TaskState)
			p := task.Parameters.(map[string]any)
			if p["StateMachineArn"] != c.StateMachineArn(name) || p["StatusFilter"] != "RUNNING" {
				t.Errorf("%s: %s lists %v %v, want RUNNING executions of %s", b.name, state, p["StateMachineArn"], p["StatusFilter"], name)
			}
		}
	}
}

func TestBuildErrorsAreWrapped(t *testing.T) {
	t.Parallel()
	c := testConfig()
	c.WorkerCount = -3
	_, err := Simulate(c)
	var target interface{ Unwrap() []error }
	if err == nil || !errors.As(err, &target) {
		t.Fatalf("err = %v, want the joined validation errors", err)
	}
}
