package workflow

import (
	"strings"
	"testing"
)

// testConfig is a complete, valid config with every tuning field left to
// its default.
func testConfig() Config {
	return Config{
		Region:                   "us-east-1",
		AccountID:                "123456789012",
		GenerateStateMachineName: "montecarlo-generate",
		SimulateStateMachineName: "montecarlo-simulate",
		ActivityArn:              "arn:aws:states:us-east-1:123456789012:activity:montecarlo-work",
		ClusterName:              "montecarlo",
		ServiceName:              "montecarlo-workers",
		DataBucket:               "montecarlo-123456789012-us-east-1",
	}
}

func TestWithDefaultsAppliesTheDocumentedDefaults(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Partition", c.Partition, "aws"},
		{"WorkerCount", c.WorkerCount, 2},
		{"TasksPerWorker", c.TasksPerWorker, 2},
		{"MaxConcurrency", c.MaxConcurrency, 4},
		{"BatchSize", c.BatchSize, 1000},
		{"ShardSize", c.ShardSize, 10000},
		{"HeartbeatSeconds", c.HeartbeatSeconds, 120},
		// 180 s margin + 10,000 loans (one shard) x 1,000 scenarios x 8 µs x 3.
		{"TaskTimeoutSeconds", c.TaskTimeoutSeconds, 180 + 240},
		// 180 s margin + 10,000 loans x 50 µs x 3 = 181.5 s, but at least 2 x 120.
		{"GenerateTimeoutSeconds", c.GenerateTimeoutSeconds, 240},
		{"ControlTimeoutSeconds", c.ControlTimeoutSeconds, 3600},
		{"WorkerWaitSeconds", c.WorkerWaitSeconds, 15},
		{"WorkerWaitMaxPolls", c.WorkerWaitMaxPolls, 40},
		{"Retry", c.Retry, RetryPolicy{MaxAttempts: 3, IntervalSeconds: 10, BackoffRate: 2, MaxDelaySeconds: 120}},
		{"Defaults", c.Defaults, RunDefaults{Dataset: "default", Loans: 500000, Scenarios: 1000, Seed: 1, Layout: "sharded", TargetRate: 0.08, HorizonMonths: 27}},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestWithDefaultsKeepsWhatIsSet(t *testing.T) {
	t.Parallel()
	in := testConfig()
	in.WorkerCount, in.TasksPerWorker, in.MaxConcurrency = 10, 4, 7
	in.TaskTimeoutSeconds, in.HeartbeatSeconds = 900, 60
	in.Defaults.Seed = 42
	c := in.WithDefaults()
	if c.MaxConcurrency != 7 || c.TaskTimeoutSeconds != 900 || c.HeartbeatSeconds != 60 || c.Defaults.Seed != 42 {
		t.Errorf("WithDefaults overwrote set fields: %+v", c)
	}
	if c.WithDefaults() != c {
		t.Error("WithDefaults is not idempotent")
	}
}

func TestDerivedTimeoutsFollowTheFormula(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                        string
		loans                       int64
		scenarios, nanos, heartbeat int
		want                        int
	}{
		{"small batches take the heartbeat floor", 100, 100, 2000, 120, 240},
		{"compute rounds up", 1000, 1000, 2000, 10, 180 + 6},
		{"a fraction of a second rounds up", 1, 1, 1, 10, 181},
		{"100,000 scenarios", 10000, 100000, 2000, 120, 180 + 6000},
		{"saturates at 7 days", 1_000_000, 10_000_000, 1_000_000, 120, maxTimeoutSeconds},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := SimulateTimeoutSeconds(tc.loans, tc.scenarios, tc.nanos, tc.heartbeat)
			if got != tc.want {
				t.Errorf("SimulateTimeoutSeconds = %d, want %d", got, tc.want)
			}
		})
	}
	if got := GenerateTimeoutSeconds(1_000_000, 10); got != 180+150 {
		t.Errorf("GenerateTimeoutSeconds(1e6 loans) = %d, want 330", got)
	}
}

func TestMaxBatchLoansInvertsTheTimeout(t *testing.T) {
	t.Parallel()
	for _, loans := range []int64{1, 7, 1000, 10000, 123457, 1_000_000} {
		for _, scenarios := range []int{1, 100, 1000, 100000} {
			timeout := SimulateTimeoutSeconds(loans, scenarios, DefaultLoanScenarioNanos, 10)
			if timeout == maxTimeoutSeconds {
				continue
			}
			fit := MaxBatchLoans(timeout, scenarios, DefaultLoanScenarioNanos)
			if fit < loans {
				t.Errorf("%d loans x %d scenarios: timeout %d s fits only %d loans", loans, scenarios, timeout, fit)
			}
			if SimulateTimeoutSeconds(fit, scenarios, DefaultLoanScenarioNanos, 10) > timeout {
				t.Errorf("%d loans x %d scenarios: MaxBatchLoans = %d needs more than the timeout %d s", loans, scenarios, fit, timeout)
			}
		}
	}
	if got := MaxBatchLoans(TaskStartMarginSeconds, 1000, 2000); got != 0 {
		t.Errorf("MaxBatchLoans(margin only) = %d, want 0", got)
	}
}

func TestValidateNamesTheFieldAndTheAllowedRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Config)
		want   []string // each must appear in the error
	}{
		{"a missing region", func(c *Config) { c.Region = "" }, []string{`Region = ""`, "us-east-1"}},
		{"a short account id", func(c *Config) { c.AccountID = "12345" }, []string{`AccountID = "12345"`, "12 digits"}},
		{"an unknown partition", func(c *Config) { c.Partition = "azure" }, []string{"Partition"}},
		{"a state machine name of 81 characters", func(c *Config) { c.GenerateStateMachineName = strings.Repeat("g", 81) }, []string{"GenerateStateMachineName", "1 to 80"}},
		{"a state machine name with a space", func(c *Config) { c.SimulateStateMachineName = "sim ulate" }, []string{"SimulateStateMachineName"}},
		{"the same name for both machines", func(c *Config) { c.SimulateStateMachineName = c.GenerateStateMachineName }, []string{"must differ"}},
		{"an activity ARN that is a Lambda ARN", func(c *Config) { c.ActivityArn = "arn:aws:lambda:us-east-1:123456789012:function:f" }, []string{"ActivityArn", "activity:<name>"}},
		{"no cluster", func(c *Config) { c.ClusterName = "" }, []string{"ClusterName"}},
		{"no service", func(c *Config) { c.ServiceName = "" }, []string{"ServiceName"}},
		{"an upper-case bucket", func(c *Config) { c.DataBucket = "Data" }, []string{"DataBucket", "S3 bucket name"}},
		{"no workers", func(c *Config) { c.WorkerCount = -1 }, []string{"WorkerCount = -1", "1 to 1000"}},
		{"more workers than an activity admits pollers", func(c *Config) { c.WorkerCount = 1001 }, []string{"WorkerCount = 1001", "1 to 1000"}},
		{"a concurrency above the Distributed Map's limit", func(c *Config) { c.MaxConcurrency = 10001 }, []string{"MaxConcurrency = 10001", "1 to 10000"}},
		{"a negative batch size", func(c *Config) { c.BatchSize = -5 }, []string{"BatchSize = -5"}},
		{"a tolerated failure above 100%", func(c *Config) { c.ToleratedFailurePercent = 101 }, []string{"ToleratedFailurePercent = 101", "0 to 100"}},
		{"a heartbeat not below the timeout", func(c *Config) { c.HeartbeatSeconds, c.TaskTimeoutSeconds = 600, 600 }, []string{"HeartbeatSeconds = 600", "less than TaskTimeoutSeconds"}},
		{"a heartbeat below 10 s", func(c *Config) { c.HeartbeatSeconds = 5 }, []string{"HeartbeatSeconds = 5", "10 to"}},
		{"a timeout no batch fits in", func(c *Config) { c.TaskTimeoutSeconds = 150 }, []string{"TaskTimeoutSeconds = 150", "start margin"}},
		{"a timeout too short for the batch", func(c *Config) { c.TaskTimeoutSeconds, c.Defaults.Scenarios = 300, 100000 }, []string{"TaskTimeoutSeconds = 300", "needs"}},
		{"a backoff below 1", func(c *Config) { c.Retry.BackoffRate = 0.5 }, []string{"Retry.BackoffRate = 0.5"}},
		{"a dataset name with a slash", func(c *Config) { c.Defaults.Dataset = "a/b" }, []string{"Defaults.Dataset"}},
		{"an unknown layout", func(c *Config) { c.Defaults.Layout = "parquet" }, []string{`Defaults.Layout = "parquet"`, `"sharded" or "per-loan"`}},
		{"a target rate given in percent", func(c *Config) { c.Defaults.TargetRate = 8 }, []string{"Defaults.TargetRate = 8", "0.08 is 8%"}},
		{"too many loans", func(c *Config) { c.Defaults.Loans = MaxLoans + 1 }, []string{"Defaults.Loans"}},
		{"a default horizon past the model's 120 months", func(c *Config) { c.Defaults.HorizonMonths = 121 }, []string{"Defaults.HorizonMonths = 121", "1 to 120"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := testConfig()
			tc.mutate(&c)
			err := c.WithDefaults().Validate()
			if err == nil {
				t.Fatal("Validate accepted the config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	c := testConfig()
	c.Region, c.AccountID, c.WorkerCount = "", "", -1
	err := c.WithDefaults().Validate()
	if err == nil {
		t.Fatal("Validate accepted the config")
	}
	for _, field := range []string{"Region", "AccountID", "WorkerCount"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}
}

func TestValidateRejectsAConfigWithoutDefaults(t *testing.T) {
	t.Parallel()
	if err := testConfig().Validate(); err == nil || !strings.Contains(err.Error(), "WorkerCount = 0") {
		t.Errorf("Validate without WithDefaults: %v", err)
	}
}

func TestStateMachineArn(t *testing.T) {
	t.Parallel()
	c := testConfig()
	if got := c.StateMachineArn("x"); got != "arn:aws:states:us-east-1:123456789012:stateMachine:x" {
		t.Errorf("got %s", got)
	}
	c.Partition = "aws-cn"
	if got := c.StateMachineArn("x"); !strings.HasPrefix(got, "arn:aws-cn:states:") {
		t.Errorf("got %s", got)
	}
}
