package localrun

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// chaos decides which simulate tasks kill their worker, and when.
type chaos struct {
	p     float64
	kills atomic.Int64
	// typical is a moving average of how long a simulate task takes, in
	// nanoseconds: the kill point is drawn uniformly within it, since a
	// task's own length is unknown until it ends.
	typical atomic.Int64

	mu  sync.Mutex
	rng *rand.Rand
}

// firstTaskGuess stands in for the typical task length before any task
// has finished.
const firstTaskGuess = 200 * time.Millisecond

func newChaos(p float64, seed uint64) *chaos {
	return &chaos{p: p, rng: rand.New(rand.NewPCG(seed, 0x6368616f73))}
}

// draw decides whether the next simulate task dies, and after how long.
func (c *chaos) draw() (bool, time.Duration) {
	typical := time.Duration(c.typical.Load())
	if typical <= 0 {
		typical = firstTaskGuess
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() >= c.p {
		return false, 0
	}
	return true, time.Duration(c.rng.Float64() * float64(typical))
}

// observe folds a finished task's length into the moving average.
func (c *chaos) observe(d time.Duration) {
	for {
		old := c.typical.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/8
		}
		if c.typical.CompareAndSwap(old, next) {
			return
		}
	}
}

// wrap makes h's simulate tasks kill the worker with probability p at a
// random point: kill is called then (which stops the worker's Step Functions
// calls and cancels its operations), or when the task ends if it ends first,
// so the task never reports. Other ops are left alone: the option tests the
// recovery of the Distributed Map's batches.
func (c *chaos) wrap(h activity.Handler, kill func()) activity.Handler {
	if c.p == 0 {
		return h
	}
	return activity.HandlerFunc(func(ctx context.Context, input []byte) ([]byte, error) {
		if op, err := activity.OpOf(input); err != nil || op != workflow.OpSimulate {
			return h.Handle(ctx, input)
		}
		doomed, at := c.draw()
		start := time.Now()
		if !doomed {
			out, err := h.Handle(ctx, input)
			if err == nil {
				c.observe(time.Since(start))
			}
			return out, err
		}
		die := func() {
			c.kills.Add(1)
			kill()
		}
		timer := time.AfterFunc(at, die)
		_, _ = h.Handle(ctx, input)
		if timer.Stop() {
			die() // the task ended before its kill point: die before reporting
		}
		return nil, errKilled
	})
}
