// Package ecslocal is the local stand-in for the ECS cluster and service the
// workflows scale: it keeps as many in-process workers running as the
// service's desired count, like ECS does, and stops surplus workers through
// the same path a Fargate Spot interruption takes (their context is
// cancelled, which the worker treats as SIGTERM: stop polling, finish or hand
// back, exit).
package ecslocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// WorkerFunc runs one worker until ctx is cancelled (the SIGTERM path) or the
// worker dies. A worker that returns while it is still wanted is replaced, as
// ECS replaces a stopped task to keep the desired count.
type WorkerFunc func(ctx context.Context, name string) error

// Options configure a Cluster.
type Options struct {
	Cluster string // cluster name the workflows address
	Service string // service name the workflows address
	Run     WorkerFunc
	// MaxDesired bounds the desired count (ECS rejects absurd counts too);
	// 0 means 1,000.
	MaxDesired int
	// RestartDelay is how long a replacement waits after a worker died, so a
	// worker that fails at start cannot spin; 0 means 10ms.
	RestartDelay time.Duration
	Logger       *slog.Logger
}

// ServiceStatus is what DescribeService reports, in ECS's terms.
type ServiceStatus struct {
	DesiredCount int
	RunningCount int
	PendingCount int
}

// Cluster is one cluster holding one service of workers.
type Cluster struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	desired  int
	workers  map[int]*worker // by slot
	nextID   int
	started  int // workers ever started, for names and tests
	closed   bool
	stopping sync.WaitGroup
}

type worker struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

// ErrNotFound is returned for a cluster or service name this stand-in does not hold.
var ErrNotFound = errors.New("service not found")

// New returns a cluster whose service has desired count 0.
func New(opts Options) (*Cluster, error) {
	if opts.Run == nil {
		return nil, errors.New("ecslocal: Options.Run is required")
	}
	if opts.Cluster == "" || opts.Service == "" {
		return nil, errors.New("ecslocal: Options.Cluster and Options.Service are required")
	}
	if opts.MaxDesired == 0 {
		opts.MaxDesired = 1000
	}
	if opts.RestartDelay == 0 {
		opts.RestartDelay = 10 * time.Millisecond
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cluster{opts: opts, log: log, workers: map[int]*worker{}}, nil
}

func (c *Cluster) check(cluster, service string) error {
	// ECS accepts a name or an ARN; the workflows pass names.
	if cluster != c.opts.Cluster || service != c.opts.Service {
		return fmt.Errorf("ecs: cluster %q service %q: %w (have cluster %q service %q)",
			cluster, service, ErrNotFound, c.opts.Cluster, c.opts.Service)
	}
	return nil
}

// UpdateService sets the desired count and starts or stops workers to match.
func (c *Cluster) UpdateService(ctx context.Context, cluster, service string, desired int) (ServiceStatus, error) {
	if err := c.check(cluster, service); err != nil {
		return ServiceStatus{}, err
	}
	if desired < 0 || desired > c.opts.MaxDesired {
		return ServiceStatus{}, fmt.Errorf("ecs: desiredCount %d: allowed 0 to %d", desired, c.opts.MaxDesired)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ServiceStatus{}, errors.New("ecs: cluster is shut down")
	}
	c.desired = desired
	c.reconcileLocked()
	return c.statusLocked(), nil
}

// DescribeService reports the service's counts.
func (c *Cluster) DescribeService(ctx context.Context, cluster, service string) (ServiceStatus, error) {
	if err := c.check(cluster, service); err != nil {
		return ServiceStatus{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statusLocked(), nil
}

// Started reports how many workers have been started since New, replacements included.
func (c *Cluster) Started() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started
}

func (c *Cluster) statusLocked() ServiceStatus {
	return ServiceStatus{DesiredCount: c.desired, RunningCount: len(c.workers)}
}

// reconcileLocked starts workers up to the desired count, or signals the
// newest ones to stop. A stopping worker leaves the running count when it
// has drained, as an ECS task does.
func (c *Cluster) reconcileLocked() {
	active := 0
	for _, w := range c.workers {
		if w.cancel != nil {
			active++
		}
	}
	for ; active < c.desired; active++ {
		c.startLocked()
	}
	if active > c.desired {
		// Stop the highest slots first: deterministic and easy to follow in logs.
		for slot := c.nextID - 1; slot >= 0 && active > c.desired; slot-- {
			if w, ok := c.workers[slot]; ok && w.cancel != nil {
				c.log.Info("stopping worker", "worker", w.name)
				w.cancel()
				w.cancel = nil
				active--
			}
		}
	}
}

func (c *Cluster) startLocked() {
	slot := c.nextID
	c.nextID++
	c.started++
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{name: fmt.Sprintf("%s-%d", c.opts.Service, slot), cancel: cancel, done: make(chan struct{})}
	c.workers[slot] = w
	c.stopping.Add(1)
	c.log.Info("starting worker", "worker", w.name)
	go func() {
		defer c.stopping.Done()
		err := c.opts.Run(ctx, w.name)
		cancel()
		close(w.done)
		c.mu.Lock()
		delete(c.workers, slot)
		wanted := !c.closed && w.cancel != nil // died while still wanted
		c.mu.Unlock()
		if wanted {
			c.log.Warn("worker stopped unexpectedly; replacing it", "worker", w.name, "err", err)
			time.Sleep(c.opts.RestartDelay)
			c.mu.Lock()
			if !c.closed {
				c.reconcileLocked()
			}
			c.mu.Unlock()
		}
	}()
}

// Close stops every worker through the interruption path and waits for them.
func (c *Cluster) Close() {
	c.mu.Lock()
	c.closed = true
	c.desired = 0
	for _, w := range c.workers {
		if w.cancel != nil {
			w.cancel()
			w.cancel = nil
		}
	}
	c.mu.Unlock()
	c.stopping.Wait()
}
