package workflowtest

import (
	"context"
	"slices"
	"sync"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// ECS is a stand-in for the workers' ECS service, an sfnlocal.ECSAPI: it
// runs as many workers as desired, at once, unless broken. The zero value
// is a service scaled to zero.
type ECS struct {
	mu      sync.Mutex
	desired int
	history []int // every desired count set, in order
	broken  bool  // no task ever starts (no Spot capacity)
}

// NewECS returns a service already scaled to desired, as if a run were
// under way; the count is not in Counts.
func NewECS(desired int) *ECS { return &ECS{desired: desired} }

// UpdateService sets the desired count and records it.
func (e *ECS) UpdateService(_ context.Context, _, service string, n int) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.desired = n
	e.history = append(e.history, n)
	return e.describe(service), nil
}

// DescribeService reports the desired count, and as many running tasks
// unless the service is broken.
func (e *ECS) DescribeService(_ context.Context, _, service string) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.describe(service), nil
}

func (e *ECS) describe(service string) sfnlocal.ECSService {
	running := e.desired
	if e.broken {
		running = 0
	}
	return sfnlocal.ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: e.desired, RunningCount: running}
}

// SetBroken makes the service start no task from now on (true), as when
// ECS finds no Spot capacity, or start them again (false).
func (e *ECS) SetBroken(broken bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.broken = broken
}

// Counts returns every desired count set, in order.
func (e *ECS) Counts() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.history)
}
