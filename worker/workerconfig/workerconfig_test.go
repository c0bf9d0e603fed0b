package workerconfig_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/workerconfig"
)

const arn = "arn:aws:states:eu-west-1:123456789012:activity:montecarlo-dev"

func TestLoadAcceptsValidEnvironments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		env   []string
		check func(t *testing.T, c workerconfig.Config)
	}{
		{
			name: "only the ARN gives the documented defaults",
			env:  []string{"ACTIVITY_ARN=" + arn, "PATH=/usr/bin", "AWS_ENDPOINT_URL_SFN=http://127.0.0.1:1"},
			check: func(t *testing.T, c workerconfig.Config) {
				want := workerconfig.Config{
					ActivityARN: arn, Region: "eu-west-1", WorkerName: c.WorkerName,
					Concurrency: 2, Pollers: 1, S3Concurrency: 8, HeartbeatSeconds: 120,
					HeartbeatPeriod: 40 * time.Second, ShutdownGrace: 110 * time.Second, LogLevel: slog.LevelInfo,
				}
				if c != want {
					t.Errorf("Load = %+v; want %+v", c, want)
				}
				if c.WorkerName == "" || len(c.WorkerName) > 80 {
					t.Errorf("default WorkerName = %q; want the host name, 1-80 characters", c.WorkerName)
				}
			},
		},
		{
			name: "every variable set is read",
			env: []string{
				"ACTIVITY_ARN=" + arn, "AWS_REGION=eu-west-1", "DATA_BUCKET=montecarlo-dev-data", "WORKER_NAME=w-7", "WORKER_CONCURRENCY=8",
				"WORKER_POLLERS=2", "S3_CONCURRENCY=16", "HEARTBEAT_SECONDS=300", "SHUTDOWN_GRACE_SECONDS=60", "LOG_LEVEL=DEBUG",
			},
			check: func(t *testing.T, c workerconfig.Config) {
				want := workerconfig.Config{
					ActivityARN: arn, Region: "eu-west-1", DataBucket: "montecarlo-dev-data", WorkerName: "w-7", Concurrency: 8, Pollers: 2,
					S3Concurrency: 16, HeartbeatSeconds: 300, HeartbeatPeriod: 60 * time.Second,
					ShutdownGrace: 60 * time.Second, LogLevel: slog.LevelDebug,
				}
				if c != want {
					t.Errorf("Load = %+v; want %+v", c, want)
				}
			},
		},
		{
			name: "a heartbeat period override wins over the derived one",
			env:  []string{"ACTIVITY_ARN=" + arn, "HEARTBEAT_SECONDS=10", "HEARTBEAT_PERIOD=250ms"},
			check: func(t *testing.T, c workerconfig.Config) {
				if c.HeartbeatPeriod != 250*time.Millisecond {
					t.Errorf("HeartbeatPeriod = %v; want 250ms", c.HeartbeatPeriod)
				}
			},
		},
		{
			name: "other partitions are accepted",
			env:  []string{"ACTIVITY_ARN=arn:aws-cn:states:cn-north-1:123456789012:activity:a.b_c-d"},
			check: func(t *testing.T, c workerconfig.Config) {
				if c.Region != "cn-north-1" {
					t.Errorf("Region = %q; want the ARN's cn-north-1", c.Region)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := workerconfig.Load(c.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			c.check(t, cfg)
		})
	}
}

func TestLoadRejectsBadEnvironments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		want []string // every fragment must appear in the error
	}{
		{"a missing ARN", nil, []string{"ACTIVITY_ARN is required"}},
		{"a state machine ARN", []string{"ACTIVITY_ARN=arn:aws:states:eu-west-1:123456789012:stateMachine:x"}, []string{"ACTIVITY_ARN", "not an activity ARN"}},
		{"a short account id", []string{"ACTIVITY_ARN=arn:aws:states:eu-west-1:1234:activity:x"}, []string{"ACTIVITY_ARN", "12-digit account"}},
		{"a region other than the ARN's", []string{"ACTIVITY_ARN=" + arn, "AWS_REGION=us-east-1"}, []string{"AWS_REGION", "eu-west-1"}},
		{"a concurrency of zero", []string{"ACTIVITY_ARN=" + arn, "WORKER_CONCURRENCY=0"}, []string{"WORKER_CONCURRENCY", "1..64"}},
		{"a concurrency that is not a number", []string{"ACTIVITY_ARN=" + arn, "WORKER_CONCURRENCY=two"}, []string{`WORKER_CONCURRENCY "two"`, "integer"}},
		{"more pollers than executors", []string{"ACTIVITY_ARN=" + arn, "WORKER_CONCURRENCY=2", "WORKER_POLLERS=3"}, []string{"WORKER_POLLERS", "exceeds WORKER_CONCURRENCY"}},
		{"an S3 concurrency too high", []string{"ACTIVITY_ARN=" + arn, "S3_CONCURRENCY=1000"}, []string{"S3_CONCURRENCY", "1..64"}},
		{"a heartbeat under the workflow's minimum", []string{"ACTIVITY_ARN=" + arn, "HEARTBEAT_SECONDS=5"}, []string{"HEARTBEAT_SECONDS", "10..99999999"}},
		{"a heartbeat period that is not a duration", []string{"ACTIVITY_ARN=" + arn, "HEARTBEAT_PERIOD=5"}, []string{"HEARTBEAT_PERIOD", "Go duration"}},
		{"a heartbeat period as long as the timeout", []string{"ACTIVITY_ARN=" + arn, "HEARTBEAT_SECONDS=60", "HEARTBEAT_PERIOD=1m"}, []string{"HEARTBEAT_PERIOD", "below HEARTBEAT_SECONDS"}},
		{"a grace beyond the ECS stop timeout", []string{"ACTIVITY_ARN=" + arn, "SHUTDOWN_GRACE_SECONDS=300"}, []string{"SHUTDOWN_GRACE_SECONDS", "1..120"}},
		{"an unknown log level", []string{"ACTIVITY_ARN=" + arn, "LOG_LEVEL=verbose"}, []string{"LOG_LEVEL", "debug, info, warn, error"}},
		{"a bucket name with capitals", []string{"ACTIVITY_ARN=" + arn, "DATA_BUCKET=My_Bucket"}, []string{"DATA_BUCKET", "not a bucket name"}},
		{"a worker name over 80 characters", []string{"ACTIVITY_ARN=" + arn, "WORKER_NAME=" + strings.Repeat("w", 81)}, []string{"WORKER_NAME", "1-80"}},
		{"a misspelt worker variable", []string{"ACTIVITY_ARN=" + arn, "WORKER_CONCURENCY=4"}, []string{"WORKER_CONCURENCY is not a variable of the worker", "WORKER_CONCURRENCY"}},
		{"an unknown heartbeat variable", []string{"ACTIVITY_ARN=" + arn, "HEARTBEAT_SECOND=60"}, []string{"HEARTBEAT_SECOND is not"}},
		{
			"several problems at once",
			[]string{"WORKER_POLLERS=0", "LOG_LEVEL=loud"},
			[]string{"ACTIVITY_ARN is required", "WORKER_POLLERS", "LOG_LEVEL"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := workerconfig.Load(c.env)
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			for _, frag := range c.want {
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("Load error %q does not contain %q", err, frag)
				}
			}
		})
	}
}

func TestHeartbeatPeriodIsAThirdWithinBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		seconds int
		want    time.Duration
	}{
		{"a third of 120 s is 40 s", 120, 40 * time.Second},
		{"a third of 90 s is the 30 s floor", 90, 30 * time.Second},
		{"60 s is raised to the floor of 30 s, half of it", 60, 30 * time.Second},
		{"45 s keeps a beat every half timeout, below the floor", 45, 22500 * time.Millisecond},
		{"10 s beats every 5 s", 10, 5 * time.Second},
		{"an hour is capped at 60 s", 3600, 60 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := workerconfig.HeartbeatPeriod(c.seconds); got != c.want {
				t.Errorf("HeartbeatPeriod(%d) = %v; want %v", c.seconds, got, c.want)
			}
		})
	}
}

func TestActivityConfigCarriesTheSettings(t *testing.T) {
	t.Parallel()
	c, err := workerconfig.Load([]string{"ACTIVITY_ARN=" + arn, "WORKER_NAME=w", "WORKER_CONCURRENCY=6", "WORKER_POLLERS=2", "HEARTBEAT_PERIOD=1s", "SHUTDOWN_GRACE_SECONDS=30"})
	if err != nil {
		t.Fatal(err)
	}
	a := c.Activity(slog.Default())
	if a.ActivityARN != arn || a.WorkerName != "w" || a.Executors != 6 || a.Pollers != 2 || a.HeartbeatPeriod != time.Second || a.ShutdownGrace != 30*time.Second {
		t.Errorf("Activity() = %+v; want the loaded settings", a)
	}
}
