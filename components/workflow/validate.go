package workflow

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Limits Validate enforces, with where they come from.
const (
	// MaxNameLength: state machine names are 1-80 characters (Step Functions
	// API reference, CreateStateMachine).
	MaxNameLength = 80
	// MaxMapConcurrency: a Distributed Map runs at most 10,000 child
	// executions at once.
	MaxMapConcurrency = 10000
	// MaxWorkers: an activity admits at most 1,000 concurrent pollers, and
	// every worker polls.
	MaxWorkers         = 1000
	MaxTasksPerWorker  = 100
	MaxBatchSize       = 1_000_000
	MaxShardSize       = 1_000_000
	MinHeartbeat       = 10
	MaxWorkerWaitPolls = 1000
	MaxRetryAttempts   = 99
	MaxLoans           = 10_000_000_000
	MaxScenarios       = 10_000_000
	// MaxHorizonMonths is the model's limit (model.MaxHorizonMonths,
	// MODEL.md section 1: at most 120 months everywhere), so a run the
	// workflow accepts is one every worker can simulate.
	MaxHorizonMonths = 120
	// MaxTailShift bounds the importance-sampling shift of the credit-cycle
	// innovations' mean (run input "tailShift"), in standard deviations:
	// beyond it the likelihood ratios' variance swamps the gain.
	MaxTailShift = 5.0
)

var (
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
	partitionRE = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	smNameRE    = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	ecsNameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	bucketRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	activityRE  = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:activity:[A-Za-z0-9_-]{1,80}$`)
	arnRE       = regexp.MustCompile(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]{1,255}$`)
)

// Validate reports every problem of a config at once, each naming the field
// and what is allowed, as one error (errors.Join). Call it on the result of
// WithDefaults: zero tuning fields are out of range.
func (c Config) Validate() error {
	v := &validator{}
	v.check(partitionRE.MatchString(c.Partition), "Partition", c.Partition, `"aws", "aws-cn", "aws-us-gov", ...`)
	v.check(regionRE.MatchString(c.Region), "Region", c.Region, "an AWS region such as us-east-1")
	v.check(accountRE.MatchString(c.AccountID), "AccountID", c.AccountID, "12 digits")
	v.smName("GenerateStateMachineName", c.GenerateStateMachineName)
	v.smName("SimulateStateMachineName", c.SimulateStateMachineName)
	if c.GenerateStateMachineName != "" && c.GenerateStateMachineName == c.SimulateStateMachineName {
		v.add("GenerateStateMachineName and SimulateStateMachineName are both %q: they must differ, each workflow guards against the other", c.GenerateStateMachineName)
	}
	checkCompute(v, c)
	lambda := c.IsLambda()
	if !lambda {
		v.check(activityRE.MatchString(c.ActivityArn), "ActivityArn", c.ActivityArn, "arn:<partition>:states:<region>:<account>:activity:<name>")
		v.check(ecsNameRE.MatchString(c.ClusterName) || arnRE.MatchString(c.ClusterName), "ClusterName", c.ClusterName, "an ECS cluster name (1-255 of A-Z a-z 0-9 _ -) or cluster ARN")
		v.check(ecsNameRE.MatchString(c.ServiceName), "ServiceName", c.ServiceName, "an ECS service name (1-255 of A-Z a-z 0-9 _ -)")
	}
	v.check(bucketRE.MatchString(c.DataBucket) && !strings.Contains(c.DataBucket, ".."), "DataBucket", c.DataBucket, "an S3 bucket name (3-63 of a-z 0-9 . -)")

	v.intRange("WorkerCount", c.WorkerCount, 1, MaxWorkers)
	v.intRange("TasksPerWorker", c.TasksPerWorker, 1, MaxTasksPerWorker)
	v.intRange("BatchSize", c.BatchSize, 1, MaxBatchSize)
	v.intRange("ShardSize", c.ShardSize, 1, MaxShardSize)
	v.intRange("MaxConcurrency", c.MaxConcurrency, 1, MaxMapConcurrency)
	if c.ToleratedFailurePercent < 0 || c.ToleratedFailurePercent > 100 {
		v.add("ToleratedFailurePercent = %g: want 0 to 100", c.ToleratedFailurePercent)
	}

	v.intRange("HeartbeatSeconds", c.HeartbeatSeconds, MinHeartbeat, maxTimeoutSeconds)
	v.intRange("TaskTimeoutSeconds", c.TaskTimeoutSeconds, 1, maxTimeoutSeconds)
	v.intRange("GenerateTimeoutSeconds", c.GenerateTimeoutSeconds, 1, maxTimeoutSeconds)
	v.intRange("ControlTimeoutSeconds", c.ControlTimeoutSeconds, 1, maxTimeoutSeconds)
	for _, t := range []struct {
		name  string
		value int
	}{{"TaskTimeoutSeconds", c.TaskTimeoutSeconds}, {"GenerateTimeoutSeconds", c.GenerateTimeoutSeconds}, {"ControlTimeoutSeconds", c.ControlTimeoutSeconds}} {
		if !lambda && c.HeartbeatSeconds >= t.value && t.value > 0 { // Lambda tasks have no heartbeat
			v.add("HeartbeatSeconds = %d: must be less than %s (%d), or a dead worker is only noticed by the timeout", c.HeartbeatSeconds, t.name, t.value)
		}
	}
	margin := c.startMargin()
	if c.TaskTimeoutSeconds > 0 && c.TaskTimeoutSeconds <= margin {
		v.add("TaskTimeoutSeconds = %d: must exceed the start margin of %d s, or no batch fits", c.TaskTimeoutSeconds, margin)
	} else if c.TaskTimeoutSeconds > 0 && c.BatchSize > 0 && c.Defaults.Scenarios > 0 && c.LoanScenarioNanos > 0 {
		nanos := LoanScenarioNanosAt(c.LoanScenarioNanos, c.Defaults.HorizonMonths)
		if fit := MaxBatchLoansWithin(c.TaskTimeoutSeconds, margin, c.Defaults.Scenarios, nanos); fit < c.batchLoans() {
			v.add("TaskTimeoutSeconds = %d: a batch of %d loans at %d scenarios and %d months needs %d s (SimulateTimeoutSeconds); raise it or lower BatchSize/ShardSize",
				c.TaskTimeoutSeconds, c.batchLoans(), c.Defaults.Scenarios, c.Defaults.HorizonMonths,
				margin-TaskStartMarginSeconds+SimulateTimeoutSeconds(c.batchLoans(), c.Defaults.Scenarios, nanos, 0))
		}
	}
	v.intRange("LoanScenarioNanos", c.LoanScenarioNanos, 1, 1_000_000_000)
	v.intRange("WorkerWaitSeconds", c.WorkerWaitSeconds, 1, 3600)
	v.intRange("WorkerWaitMaxPolls", c.WorkerWaitMaxPolls, 1, MaxWorkerWaitPolls)

	v.intRange("Retry.MaxAttempts", c.Retry.MaxAttempts, 1, MaxRetryAttempts)
	v.intRange("Retry.IntervalSeconds", c.Retry.IntervalSeconds, 1, 3600)
	if c.Retry.BackoffRate < 1 || c.Retry.BackoffRate > 10 {
		v.add("Retry.BackoffRate = %g: want 1 to 10", c.Retry.BackoffRate)
	}
	v.intRange("Retry.MaxDelaySeconds", c.Retry.MaxDelaySeconds, 1, 31622400)

	d := c.Defaults
	if err := checkName("Defaults.Dataset", d.Dataset); err != nil {
		v.add("%v", err)
	}
	if d.Loans < 1 || d.Loans > MaxLoans {
		v.add("Defaults.Loans = %d: want 1 to %d", d.Loans, int64(MaxLoans))
	}
	v.intRange("Defaults.Scenarios", d.Scenarios, 1, MaxScenarios)
	v.check(d.Layout == LayoutSharded || d.Layout == LayoutPerLoan, "Defaults.Layout", d.Layout, fmt.Sprintf("%q or %q", LayoutSharded, LayoutPerLoan))
	if d.TargetRate <= 0 || d.TargetRate >= 1 {
		v.add("Defaults.TargetRate = %g: want an annual rate between 0 and 1 (0.08 is 8%%)", d.TargetRate)
	}
	v.intRange("Defaults.HorizonMonths", d.HorizonMonths, 1, MaxHorizonMonths)
	if d.Seed < 0 {
		v.add("Defaults.Seed = %d: want 0 or more", d.Seed)
	}
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("workflow: "+format, args...))
}

func (v *validator) check(ok bool, field, value, want string) {
	if !ok {
		v.add("%s = %q: want %s", field, value, want)
	}
}

func (v *validator) intRange(field string, value, lo, hi int) {
	if value < lo || value > hi {
		v.add("%s = %d: want %d to %d", field, value, lo, hi)
	}
}

func (v *validator) smName(field, name string) {
	if len(name) < 1 || len(name) > MaxNameLength || !smNameRE.MatchString(name) {
		v.add("%s = %q: want 1 to %d characters of A-Z a-z 0-9 _ -", field, name, MaxNameLength)
	}
}
