// Package workerconfig reads the worker's configuration from environment
// variables, the way ECS passes it to the container, and checks it at start:
// an invalid value, or an unknown variable with one of the worker's prefixes
// (a typo would otherwise be silently ignored), fails with a message naming
// the variable and what it allows. Endpoints are not ours to read: the AWS
// SDK's config loader takes AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SFN and
// AWS_ENDPOINT_URL_S3 itself (AWS SDKs and Tools reference guide,
// "Service-specific endpoints").
package workerconfig

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// Config is the worker's configuration.
type Config struct {
	ActivityARN      string        // ACTIVITY_ARN
	Region           string        // AWS_REGION, or the activity ARN's region
	DataBucket       string        // DATA_BUCKET: the pipeline's bucket (optional)
	WorkerName       string        // WORKER_NAME, or the host name
	Concurrency      int           // WORKER_CONCURRENCY: tasks run at once
	Pollers          int           // WORKER_POLLERS: long-polling goroutines
	S3Concurrency    int           // S3_CONCURRENCY: parallel S3 transfers per task
	HeartbeatSeconds int           // HEARTBEAT_SECONDS: the activity task's HeartbeatSeconds
	HeartbeatPeriod  time.Duration // HEARTBEAT_PERIOD, or derived from HeartbeatSeconds
	ShutdownGrace    time.Duration // SHUTDOWN_GRACE_SECONDS
	LogLevel         slog.Level    // LOG_LEVEL
}

// Variable documents one environment variable.
type Variable struct {
	Name    string
	Default string
	Allowed string
	Help    string
}

// Names and limits of the variables.
const (
	EnvActivityARN      = "ACTIVITY_ARN"
	EnvRegion           = "AWS_REGION"
	EnvDataBucket       = "DATA_BUCKET"
	EnvWorkerName       = "WORKER_NAME"
	EnvConcurrency      = "WORKER_CONCURRENCY"
	EnvPollers          = "WORKER_POLLERS"
	EnvS3Concurrency    = "S3_CONCURRENCY"
	EnvHeartbeatSeconds = "HEARTBEAT_SECONDS"
	EnvHeartbeatPeriod  = "HEARTBEAT_PERIOD"
	EnvShutdownGrace    = "SHUTDOWN_GRACE_SECONDS"
	EnvLogLevel         = "LOG_LEVEL"
	EnvTaskRoleARN      = store.EnvTaskRoleARN

	DefaultConcurrency   = 2
	MaxConcurrency       = 64
	DefaultPollers       = 1
	MaxPollers           = 8
	DefaultS3Concurrency = 8
	MaxS3Concurrency     = 64
	// DefaultShutdownGraceSeconds leaves 10 s of Fargate Spot's 120 s
	// warning (SIGTERM, then SIGKILL at the ECS stopTimeout) for exit.
	DefaultShutdownGraceSeconds = 110
	// MaxShutdownGraceSeconds is the largest ECS container stopTimeout.
	MaxShutdownGraceSeconds = 120
	// MaxHeartbeatSeconds is the largest HeartbeatSeconds of a Task state.
	MaxHeartbeatSeconds = 99999999
)

// Heartbeat period bounds in AWS: GetActivityTask and SendTask* share a
// bucket refilled at about 500 calls per second per account and region, so
// a thousand tasks must not beat every few seconds; yet a beat must come
// well within HeartbeatSeconds.
const (
	MinHeartbeatPeriod = 30 * time.Second
	MaxHeartbeatPeriod = 60 * time.Second
)

// Prefixes claims the variable name prefixes of the worker: a variable with
// one of them that is not in Variables is an error (most likely a typo).
var Prefixes = []string{"WORKER_", "ACTIVITY_", "HEARTBEAT_", "SHUTDOWN_"}

// Variables lists every variable the worker reads, for errors and docs.
var Variables = []Variable{
	{EnvActivityARN, "(required)", "arn:<partition>:states:<region>:<account>:activity:<name>", "the Step Functions activity to poll"},
	{EnvRegion, "the activity ARN's region", "a region name equal to the ARN's", "AWS region (ECS sets it)"},
	{EnvDataBucket, "(none)", "an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'", "the pipeline's data bucket, for operations whose input names no bucket"},
	{EnvWorkerName, "the host name", "1-80 characters", "worker name shown in the execution history"},
	{EnvConcurrency, strconv.Itoa(DefaultConcurrency), fmt.Sprintf("1..%d", MaxConcurrency), "tasks one worker runs at once (executors)"},
	{EnvPollers, strconv.Itoa(DefaultPollers), fmt.Sprintf("1..%d and at most %s", MaxPollers, EnvConcurrency), "long-polling goroutines feeding the executors"},
	{EnvS3Concurrency, strconv.Itoa(DefaultS3Concurrency), fmt.Sprintf("1..%d", MaxS3Concurrency), "parallel S3 transfers per task"},
	{EnvHeartbeatSeconds, strconv.Itoa(workflow.DefaultHeartbeatSeconds), fmt.Sprintf("%d..%d", workflow.MinHeartbeat, MaxHeartbeatSeconds), "the activity task's HeartbeatSeconds; the worker beats at a third of it, within 30-60 s and at most half of it"},
	{EnvHeartbeatPeriod, "derived from " + EnvHeartbeatSeconds, "a Go duration (e.g. 200ms) below HEARTBEAT_SECONDS", "override of the heartbeat period, for tests and the local runtime"},
	{EnvShutdownGrace, strconv.Itoa(DefaultShutdownGraceSeconds), fmt.Sprintf("1..%d", MaxShutdownGraceSeconds), "seconds after SIGTERM to finish running tasks and hand back the rest"},
	{EnvLogLevel, "info", "debug, info, warn, error", "JSON log level"},
	{EnvTaskRoleARN, "(none): \"the task role\"", "an IAM role ARN", "the task role's ARN, which S3 access errors (S3.AccessDenied) name; read by the store, falling back to AWS_ROLE_ARN"},
}

// arnPattern is an activity ARN: arn:partition:states:region:account:activity:name.
var arnPattern = regexp.MustCompile(`^arn:(aws[a-z-]*):states:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):activity:([A-Za-z0-9_.-]{1,80})$`)

// bucketPattern is an S3 general purpose bucket name (S3 User Guide,
// "Bucket naming rules"; the finer rules are S3's to enforce).
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Load reads the configuration from environ (os.Environ's "KEY=value"
// form) and reports every problem at once.
func Load(environ []string) (Config, error) {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if _, seen := env[k]; !seen { // like os.Getenv, the first wins
			env[k] = v
		}
	}
	p := parser{env: env}
	var c Config

	c.ActivityARN = p.str(EnvActivityARN)
	arnRegion := ""
	switch m := arnPattern.FindStringSubmatch(c.ActivityARN); {
	case c.ActivityARN == "":
		p.fail(EnvActivityARN, "is required: the ARN of the activity to poll, arn:aws:states:<region>:<account>:activity:<name>")
	case m == nil:
		p.fail(EnvActivityARN, "%q is not an activity ARN; want arn:<partition>:states:<region>:<12-digit account>:activity:<name of 1-80 letters, digits, '-', '_' or '.'>", c.ActivityARN)
	default:
		arnRegion = m[2]
	}
	c.Region = p.str(EnvRegion)
	switch {
	case c.Region == "":
		c.Region = arnRegion
	case arnRegion != "" && c.Region != arnRegion:
		p.fail(EnvRegion, "%q differs from the region of %s (%s): a worker can only poll an activity in its own region", c.Region, EnvActivityARN, arnRegion)
	}

	c.DataBucket = p.str(EnvDataBucket)
	if _, set := env[EnvDataBucket]; set && !bucketPattern.MatchString(c.DataBucket) {
		p.fail(EnvDataBucket, "%q is not a bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit", c.DataBucket)
	}

	c.WorkerName = p.str(EnvWorkerName)
	if _, set := env[EnvWorkerName]; set && (c.WorkerName == "" || len(c.WorkerName) > activity.MaxWorkerNameLen) {
		p.fail(EnvWorkerName, "%q must be 1-%d characters", c.WorkerName, activity.MaxWorkerNameLen)
	}
	if c.WorkerName == "" {
		c.WorkerName = defaultWorkerName()
	}

	c.Concurrency = p.intIn(EnvConcurrency, DefaultConcurrency, 1, MaxConcurrency)
	c.Pollers = p.intIn(EnvPollers, DefaultPollers, 1, MaxPollers)
	if c.Concurrency > 0 && c.Pollers > c.Concurrency {
		p.fail(EnvPollers, "%d exceeds %s (%d): a poller only polls for a free executor, so extra pollers would idle", c.Pollers, EnvConcurrency, c.Concurrency)
	}
	c.S3Concurrency = p.intIn(EnvS3Concurrency, DefaultS3Concurrency, 1, MaxS3Concurrency)
	c.HeartbeatSeconds = p.intIn(EnvHeartbeatSeconds, workflow.DefaultHeartbeatSeconds, workflow.MinHeartbeat, MaxHeartbeatSeconds)
	c.HeartbeatPeriod = HeartbeatPeriod(c.HeartbeatSeconds)
	if s, set := env[EnvHeartbeatPeriod]; set {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil || d <= 0:
			p.fail(EnvHeartbeatPeriod, "%q must be a positive Go duration such as 500ms or 20s", s)
		case c.HeartbeatSeconds > 0 && d >= time.Duration(c.HeartbeatSeconds)*time.Second:
			p.fail(EnvHeartbeatPeriod, "%v must be below %s (%d s), or every task times out", d, EnvHeartbeatSeconds, c.HeartbeatSeconds)
		default:
			c.HeartbeatPeriod = d
		}
	}
	c.ShutdownGrace = time.Duration(p.intIn(EnvShutdownGrace, DefaultShutdownGraceSeconds, 1, MaxShutdownGraceSeconds)) * time.Second

	switch lvl := strings.ToLower(p.str(EnvLogLevel)); lvl {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		p.fail(EnvLogLevel, "%q is not a level; allowed: debug, info, warn, error", lvl)
	}

	p.unknown()
	if err := errors.Join(p.errs...); err != nil {
		return Config{}, fmt.Errorf("worker configuration: %w", err)
	}
	return c, nil
}

// HeartbeatPeriod is the time between heartbeats for an activity task with
// the given HeartbeatSeconds: a third of it, within MinHeartbeatPeriod and
// MaxHeartbeatPeriod, and never more than half of it (a short
// HeartbeatSeconds wins over the quota floor, or every task would time out).
func HeartbeatPeriod(heartbeatSeconds int) time.Duration {
	hb := time.Duration(heartbeatSeconds) * time.Second
	return min(max(hb/3, MinHeartbeatPeriod), MaxHeartbeatPeriod, hb/2)
}

// Activity returns the activity loop's configuration, logging to logger.
func (c Config) Activity(logger *slog.Logger) activity.Config {
	return activity.Config{
		ActivityARN:     c.ActivityARN,
		WorkerName:      c.WorkerName,
		Executors:       c.Concurrency,
		Pollers:         c.Pollers,
		HeartbeatPeriod: c.HeartbeatPeriod,
		ShutdownGrace:   c.ShutdownGrace,
		Logger:          logger,
	}
}

// Logger returns a JSON logger at the configured level writing to w.
func (c Config) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: c.LogLevel}))
}

// defaultWorkerName is the host name (on Fargate, unique per task within
// the VPC), cut to the 80 characters GetActivityTask accepts.
func defaultWorkerName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "worker"
	}
	return h[:min(len(h), activity.MaxWorkerNameLen)]
}

// parser collects every problem instead of stopping at the first.
type parser struct {
	env  map[string]string
	errs []error
}

func (p *parser) fail(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s %s", name, fmt.Sprintf(format, args...)))
}

func (p *parser) str(name string) string { return strings.TrimSpace(p.env[name]) }

// intIn parses an integer variable in [lo, hi], or returns def if unset.
// On error it records the problem and returns 0.
func (p *parser) intIn(name string, def, lo, hi int) int {
	s, set := p.env[name]
	if !set {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		p.fail(name, "%q must be an integer in %d..%d", s, lo, hi)
		return 0
	}
	return n
}

// unknown reports variables with one of our prefixes that we do not read.
func (p *parser) unknown() {
	known := make([]string, 0, len(Variables))
	for _, v := range Variables {
		known = append(known, v.Name)
	}
	var odd []string
	for k := range p.env {
		if !slices.Contains(known, k) && slices.ContainsFunc(Prefixes, func(pre string) bool { return strings.HasPrefix(k, pre) }) {
			odd = append(odd, k)
		}
	}
	slices.Sort(odd)
	for _, k := range odd {
		p.fail(k, "is not a variable of the worker (names starting with %s are reserved for it); known: %s",
			strings.Join(Prefixes, ", "), strings.Join(known, ", "))
	}
}
