package activity

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Config is what the loop needs; workerconfig builds it from environment
// variables and the local runtime builds it directly. Zero durations and
// counts mean the documented defaults (see withDefaults).
type Config struct {
	ActivityARN string // the activity to poll (required)
	WorkerName  string // shown in the execution history (1-80 characters)

	Executors int // tasks run at once (default 2)
	Pollers   int // long-polling goroutines, 1..Executors (default 1)

	// HeartbeatPeriod is the time between heartbeats of a running task: a
	// third of the activity's HeartbeatSeconds, within 30-60 s in AWS (the
	// SendTask* quota refills at about 500 calls per second per account).
	HeartbeatPeriod time.Duration

	// ShutdownGrace is how long after the stop signal Run may take: running
	// tasks have ShutdownGrace-HandBackTime to finish, then they are
	// cancelled and handed back. Fargate Spot kills a task 120 s after
	// SIGTERM, hence the default of 110 s.
	ShutdownGrace time.Duration
	// HandBackTime is the part of ShutdownGrace kept for handing unfinished
	// tasks back (default: a tenth of ShutdownGrace, at most 10 s).
	HandBackTime time.Duration

	// PollHold bounds how long a stopping worker waits for a long poll in
	// flight to return (default HTTPTimeout, 70 s: Step Functions holds a
	// GetActivityTask open for up to 60 s). The poll is not cancelled when
	// the drain ends: the service does not notice a client that gave up and
	// may still hand the poll a task, which would then be lost until its
	// heartbeat timeout. A task it returns is handed back at once. So Run
	// may return after ShutdownGrace, by PollHold+HandBackTime after the
	// stop at the latest, which the container's stop timeout (120 s on ECS)
	// must allow.
	PollHold time.Duration

	// Backoff paces the loop's own retries (polls that failed, results
	// that could not be sent) on top of the SDK's retries.
	Backoff Backoff

	Logger *slog.Logger // default slog.Default()
}

// Defaults of Config.
const (
	DefaultExecutors       = 2
	DefaultPollers         = 1
	DefaultHeartbeatPeriod = 40 * time.Second // a third of a 120 s HeartbeatSeconds
	DefaultShutdownGrace   = 110 * time.Second
	maxHandBackTime        = 10 * time.Second
	// MaxWorkerNameLen is GetActivityTask's limit on workerName.
	MaxWorkerNameLen = 80
)

func (c Config) withDefaults() Config {
	if c.WorkerName == "" {
		c.WorkerName = "worker"
	}
	if c.Executors == 0 {
		c.Executors = DefaultExecutors
	}
	if c.Pollers == 0 {
		c.Pollers = min(DefaultPollers, c.Executors)
	}
	if c.HeartbeatPeriod == 0 {
		c.HeartbeatPeriod = DefaultHeartbeatPeriod
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	if c.HandBackTime == 0 {
		c.HandBackTime = min(c.ShutdownGrace/10, maxHandBackTime)
	}
	if c.PollHold == 0 {
		c.PollHold = HTTPTimeout
	}
	c.Backoff = c.Backoff.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate reports every problem at once, naming the field.
func (c Config) validate() error {
	var errs []error
	if c.ActivityARN == "" {
		errs = append(errs, errors.New("ActivityARN is required"))
	}
	if n := len(c.WorkerName); n > MaxWorkerNameLen {
		errs = append(errs, fmt.Errorf("WorkerName is %d characters; at most %d allowed", n, MaxWorkerNameLen))
	}
	if c.Executors < 1 {
		errs = append(errs, fmt.Errorf("Executors = %d; must be at least 1", c.Executors))
	}
	if c.Pollers < 1 || c.Pollers > max(c.Executors, 1) {
		errs = append(errs, fmt.Errorf("Pollers = %d; must be 1..Executors (%d)", c.Pollers, c.Executors))
	}
	if c.HeartbeatPeriod <= 0 {
		errs = append(errs, fmt.Errorf("HeartbeatPeriod = %v; must be positive", c.HeartbeatPeriod))
	}
	if c.ShutdownGrace <= 0 {
		errs = append(errs, fmt.Errorf("ShutdownGrace = %v; must be positive", c.ShutdownGrace))
	}
	if c.HandBackTime <= 0 || c.HandBackTime >= c.ShutdownGrace {
		errs = append(errs, fmt.Errorf("HandBackTime = %v; must be positive and below ShutdownGrace (%v)", c.HandBackTime, c.ShutdownGrace))
	}
	if c.PollHold < 0 {
		errs = append(errs, fmt.Errorf("PollHold = %v; must be positive (0 means %v)", c.PollHold, HTTPTimeout))
	}
	if c.Backoff.Base <= 0 || c.Backoff.Max < c.Backoff.Base || c.Backoff.Attempts < 1 {
		errs = append(errs, fmt.Errorf("Backoff = %+v; need 0 < Base <= Max and Attempts >= 1", c.Backoff))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("activity config: %w", err)
	}
	return nil
}

// Backoff is exponential backoff with full jitter: the n-th wait (n from 0)
// is uniform in [0, min(Max, Base*2^n)), which spreads the retries of many
// workers hit by the same throttling ("Exponential Backoff And Jitter", AWS
// Architecture Blog).
type Backoff struct {
	Base     time.Duration // default 1 s
	Max      time.Duration // default 20 s
	Attempts int           // tries to send a result before giving up (default 8)
}

func (b Backoff) withDefaults() Backoff {
	if b.Base == 0 {
		b.Base = time.Second
	}
	if b.Max == 0 {
		b.Max = 20 * time.Second
	}
	if b.Attempts == 0 {
		b.Attempts = 8
	}
	return b
}

// delay returns the wait before retry n (n = 0 for the first retry).
func (b Backoff) delay(n int) time.Duration {
	ceiling := b.Max
	if n < 30 && b.Base<<n < b.Max && b.Base<<n > 0 {
		ceiling = b.Base << n
	}
	return rand.N(ceiling) + 1
}
