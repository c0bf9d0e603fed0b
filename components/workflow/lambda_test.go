package workflow

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

const testFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:montecarlo-worker"

// testLambdaConfig is testConfig in the Lambda flavour: a function, and no
// activity, cluster or service.
func testLambdaConfig() Config {
	c := testConfig()
	c.Compute = ComputeLambda
	c.FunctionArn = testFunctionArn
	c.ActivityArn, c.ClusterName, c.ServiceName = "", "", ""
	return c
}

func TestLambdaDefinitionsMatchTheGoldenFiles(t *testing.T) {
	t.Parallel()
	for golden, data := range matchGoldenDefinitions(t, testLambdaConfig(), filepath.Join("testdata", ComputeLambda)) {
		checkParsesBack(t, golden, data)
	}
}

func TestLambdaDefaultsDeriveTheBatchFromTheMeasuredKernel(t *testing.T) {
	t.Parallel()
	c := testLambdaConfig().WithDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// (90 - 30) s / (3 x 1,000 scenarios x 490 ns) = 40,816 loans at
	// most; the default is one 10,000-loan shard.
	checks := []struct {
		name      string
		got, want any
	}{
		{"LoanScenarioNanos", c.LoanScenarioNanos, 490},
		{"BatchSize", c.BatchSize, 10_000},
		{"ShardSize", c.ShardSize, 10_000},
		{"LambdaBatchLoans", LambdaBatchLoans(1000, 27, 490), 40_816},
		{"TaskTimeoutSeconds", c.TaskTimeoutSeconds, 90},
		{"GenerateTimeoutSeconds", c.GenerateTimeoutSeconds, 90},
		{"MaxConcurrency", c.MaxConcurrency, 50},
		{"FunctionTimeoutSeconds", c.FunctionTimeoutSeconds, 900},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	// At the measured kernel a default batch is 2.5 s of work, and the
	// largest 10 s: well inside the 90 s attempt, and three attempts
	// inside the 5 minutes of an EXPRESS child.
	for _, loans := range []int{c.BatchSize, LambdaBatchLoans(1000, 27, 490)} {
		if work := float64(loans) * DefaultScenarios * MeasuredLoanScenarioNanos / 1e9; work > 15 {
			t.Errorf("a batch of %d loans is %.1f s of work at the measured kernel, want at most 15", loans, work)
		}
	}
	if worst := (1+lambdaTimeoutRetries)*c.TaskTimeoutSeconds + 1 + 2; worst >= ExpressMaxSeconds {
		t.Errorf("three timed-out attempts take %d s, not inside an EXPRESS child's %d", worst, ExpressMaxSeconds)
	}
	// A longer horizon and more scenarios make batches smaller, never
	// longer in time.
	if n := LambdaBatchLoans(1000, 120, 490); n >= 40_816 || n < 1 {
		t.Errorf("LambdaBatchLoans at 120 months = %d, want fewer than at 27", n)
	}
	if n := LambdaBatchLoans(10_000, 120, 490); n != 918 {
		t.Errorf("LambdaBatchLoans at 10,000 scenarios and 120 months = %d, want 918", n)
	}
	if n := LambdaBatchLoans(MaxScenarios, 120, 490); n < 1 || n > 10 {
		t.Errorf("LambdaBatchLoans at the most scenarios = %d, want a few", n)
	}
}

func TestLambdaConfigIsValidated(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"a missing function", func(c *Config) { c.FunctionArn = "" }, "FunctionArn"},
		{"an activity ARN as the function", func(c *Config) { c.FunctionArn = "arn:aws:states:us-east-1:123456789012:activity:x" }, "FunctionArn"},
		{"a batch timeout beyond an EXPRESS child", func(c *Config) { c.TaskTimeoutSeconds = 301 }, "EXPRESS"},
		{"a batch timeout beyond the function's", func(c *Config) { c.FunctionTimeoutSeconds = 60 }, "FunctionTimeoutSeconds"},
		{"a function timeout beyond Lambda's", func(c *Config) { c.FunctionTimeoutSeconds = 901 }, "FunctionTimeoutSeconds"},
		{"a batch too large for its timeout", func(c *Config) { c.BatchSize = 200_000 }, "TaskTimeoutSeconds"},
		{"an unknown compute", func(c *Config) { c.Compute = "ec2" }, "Compute"},
		{"a shard too large to generate in one invocation", func(c *Config) { c.ShardSize = 500_000; c.BatchSize = 1000; c.Defaults.Scenarios = 1 }, "ShardSize"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testLambdaConfig()
			tc.edit(&c)
			err := c.WithDefaults().Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	t.Run("a qualified function ARN is accepted", func(t *testing.T) {
		c := testLambdaConfig()
		c.FunctionArn += ":live"
		if err := c.WithDefaults().Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLambdaHasNoCleanupAndInvokesOnlyItsFunction(t *testing.T) {
	t.Parallel()
	c := testLambdaConfig()
	if _, err := Cleanup(c); !errors.Is(err, ErrNoCleanup) {
		t.Errorf("Cleanup = %v, want ErrNoCleanup", err)
	}
	for _, w := range []string{WorkflowGenerate, WorkflowSimulate} {
		st, err := c.StateMachineStatements(w)
		if err != nil {
			t.Fatal(err)
		}
		var invoke *Statement
		for i, s := range st {
			for _, a := range s.Action {
				if strings.HasPrefix(a, "ecs:") {
					t.Errorf("%s: %s allows %s; the Lambda flavour has no service", w, s.Sid, a)
				}
				if strings.HasPrefix(a, "lambda:") {
					invoke = &st[i]
				}
			}
		}
		if invoke == nil || !slices.Equal(invoke.Action, []string{"lambda:InvokeFunction"}) ||
			!slices.Equal(invoke.Resource, []string{testFunctionArn, testFunctionArn + ":*"}) {
			t.Errorf("%s: invoke statement %+v, want lambda:InvokeFunction on the function and its versions only", w, invoke)
		}
	}
}

// randomLambdaConfig is randomConfig in the Lambda flavour, with batches
// that fit the derived timeout.
func randomLambdaConfig(r *rand.Rand) Config {
	c := randomConfig(r)
	c.Compute = ComputeLambda
	c.FunctionArn = fmt.Sprintf("arn:%s:lambda:%s:123456789012:function:worker", c.WithDefaults().Partition, c.Region)
	if r.IntN(3) == 0 {
		c.FunctionArn += ":live"
	}
	c.ActivityArn, c.ClusterName, c.ServiceName = "", "", ""
	c.BatchSize, c.ShardSize, c.LoanScenarioNanos = 0, 0, 0
	if r.IntN(2) == 0 {
		c.TaskTimeoutSeconds = LambdaStartMarginSeconds + 1 + r.IntN(ExpressMaxSeconds/(1+lambdaTimeoutRetries)-LambdaStartMarginSeconds-2)
		c.GenerateTimeoutSeconds = c.TaskTimeoutSeconds
	}
	c.Defaults.Scenarios = 1 + r.IntN(20_000)
	if r.IntN(2) == 0 {
		timeout := c.TaskTimeoutSeconds
		if timeout == 0 {
			timeout = LambdaBatchTimeoutSeconds
		}
		c.BatchSize = 1 + r.IntN(int(max(1, MaxBatchLoansWithin(timeout, LambdaStartMarginSeconds, c.Defaults.Scenarios, DefaultLambdaLoanScenarioNanos))))
	}
	return c
}

func TestLambdaPropertiesHoldForManyConfigs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20261206, 14))
	for i := range 150 {
		cfg := randomLambdaConfig(r)
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
			if err := m.Validate(); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			checkNoWorkers(t, where, m)
			checkCatchAfterGuard(t, where, m)
			checkInvokeTasks(t, where, m, c)
			checkLambdaMaps(t, where, m, c)
		}
	}
}

// checkNoWorkers: no activity, no ECS call, anywhere.
func checkNoWorkers(t *testing.T, where string, m *asl.StateMachine) {
	t.Helper()
	_ = asl.Walk(m, func(v asl.Visit) error {
		if tk, ok := v.State.(*asl.TaskState); ok && (asl.IsActivity(tk.Resource) || strings.Contains(tk.Resource, ":ecs:")) {
			t.Errorf("%s: %s runs %s; the Lambda flavour has no workers", where, v.Name, tk.Resource)
		}
		return nil
	})
}

// checkCatchAfterGuard: every Task and Map after the guard catches
// States.ALL into $.error and goes to Failed; the guard's refusal is
// reachable; Succeeded and Failed are the only ends.
func checkCatchAfterGuard(t *testing.T, where string, m *asl.StateMachine) {
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
	choice, _ := m.States[StateAnotherRun].(*asl.ChoiceState)
	if choice == nil || choice.Default == "" {
		t.Fatalf("%s: no guard", where)
	}
	visit(choice.Default)
	if after[StateRunInProgress] || after[StateCheckOwnRuns] {
		t.Errorf("%s: the guard is reachable again after it passed", where)
	}
	for n := range after {
		st := m.States[n]
		switch st.(type) {
		case *asl.TaskState, *asl.MapState, *asl.ParallelState:
		default:
			if asl.IsTerminal(st) && n != StateSucceeded && n != StateFailed {
				t.Errorf("%s: %s ends the execution", where, n)
			}
			continue
		}
		cs := asl.Catchers(st)
		if len(cs) == 0 || !slices.Equal(cs[len(cs)-1].ErrorEquals, []string{asl.ErrAll}) {
			t.Errorf("%s: %s does not end its Catch with States.ALL", where, n)
			continue
		}
		if last := cs[len(cs)-1]; last.Next != StateFailed || last.ResultPath.Or("$") != pathError {
			t.Errorf("%s: %s catches to %s at %s, want Failed at %s", where, n, last.Next, last.ResultPath, pathError)
		}
	}
	if !after[StateSucceeded] || !after[StateFailed] {
		t.Errorf("%s: Succeeded or Failed unreachable after the guard", where)
	}
}

// checkInvokeTasks: every task after the guard but the SDK calls invokes
// the function with an op, keeps $.Payload, and retries what a retry can
// fix, by name.
func checkInvokeTasks(t *testing.T, where string, m *asl.StateMachine, c Config) {
	t.Helper()
	n := 0
	_ = asl.Walk(m, func(v asl.Visit) error {
		task, ok := v.State.(*asl.TaskState)
		if !ok || strings.Contains(task.Resource, ":aws-sdk:") {
			return nil
		}
		n++
		name := v.Name
		if task.Resource != "arn:"+c.Partition+":states:::lambda:invoke" {
			t.Errorf("%s: %s runs %s, not lambda:invoke", where, name, task.Resource)
		}
		p, _ := task.Parameters.(map[string]any)
		payload, _ := p["Payload"].(map[string]any)
		if p["FunctionName"] != c.FunctionArn || payload == nil {
			t.Errorf("%s: %s invokes %v with %v, want the function with a payload", where, name, p["FunctionName"], p["Payload"])
		}
		if op, _ := payload["op"].(string); !slices.Contains(Ops, op) {
			t.Errorf("%s: %s sends op %q", where, name, op)
		}
		if sel, _ := task.ResultSelector.(map[string]any); sel["Payload.$"] != "$.Payload" {
			t.Errorf("%s: %s ResultSelector = %v, want the Payload", where, name, task.ResultSelector)
		}
		if task.HeartbeatSeconds != nil {
			t.Errorf("%s: %s has a heartbeat; an invoke has none", where, name)
		}
		for _, e := range append(slices.Clone(LambdaServiceErrors), ErrWorkerInterrupted, ErrLambdaRuntimeExit, ErrS3SlowDown, ErrS3IO) {
			if r := retrierFor(task.Retry, e); r == nil || r.Attempts() < 1 {
				t.Errorf("%s: %s does not retry %s", where, name, e)
			}
		}
		for _, e := range LambdaServiceErrors {
			if r := retrierFor(task.Retry, e); r != nil && (r.Backoff() < 2 || r.MaxDelaySeconds == nil) {
				t.Errorf("%s: %s retries %s without backoff: %+v", where, name, e, *r)
			}
		}
		for _, e := range []string{ErrInputInvalid, ErrAggregateMismatch, ErrWorkerInternal, ErrDatasetIncomplete} {
			if retrierFor(task.Retry, e) != nil {
				t.Errorf("%s: %s retries %s, which cannot succeed on a retry", where, name, e)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("%s: no invoke task", where)
	}
}

// checkLambdaMaps: EXPRESS children of one invoke, whose timeouts and
// retries fit the child's 5 minutes.
func checkLambdaMaps(t *testing.T, where string, m *asl.StateMachine, c Config) {
	t.Helper()
	for name, st := range m.States {
		s, ok := st.(*asl.MapState)
		if !ok {
			continue
		}
		if !s.IsDistributed() || s.ExecutionType() != asl.ExecutionExpress {
			t.Errorf("%s: %s is %s/%s, want DISTRIBUTED with EXPRESS children", where, name, s.Mode(), s.ExecutionType())
		}
		if s.MaxConcurrency == nil || *s.MaxConcurrency != c.MaxConcurrency {
			t.Errorf("%s: %s MaxConcurrency = %v, want %d", where, name, s.MaxConcurrency, c.MaxConcurrency)
		}
		proc := s.Processor()
		if len(proc.States) != 1 {
			t.Errorf("%s: %s child has %d states, want one invoke", where, name, len(proc.States))
			continue
		}
		task, _ := proc.States[proc.StartAt].(*asl.TaskState)
		if task == nil || task.TimeoutSeconds == nil {
			t.Errorf("%s: %s child is not a task with a timeout", where, name)
			continue
		}
		if task.OutputPath.Or("$") != "$.Payload" {
			t.Errorf("%s: %s child's OutputPath = %s, want $.Payload (the function's output, as an activity's)", where, name, task.OutputPath.Or("$"))
		}
		r := retrierFor(task.Retry, asl.ErrTimeout)
		if r == nil {
			t.Errorf("%s: %s child does not retry a timed-out invocation", where, name)
			continue
		}
		if worst := (1 + r.Attempts()) * *task.TimeoutSeconds; worst >= ExpressMaxSeconds {
			t.Errorf("%s: %s child's timed-out attempts take %d s, not inside %d", where, name, worst, ExpressMaxSeconds)
		}
	}
}
