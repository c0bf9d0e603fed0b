package localrun

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/ops"
)

// chaos decides which simulate tasks kill their worker, and when. One is
// shared by all workers of a runtime.
type chaos struct {
	p     float64
	kills atomic.Int64
	// typical is a moving average of how long a simulate task takes, in
	// nanoseconds: the kill time is drawn uniformly within it, since a
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

// forWorker returns the chaos of one worker, whose death is kill; nil when
// the option is off, so the operations get no seam at all.
func (c *chaos) forWorker(kill func()) *workerChaos {
	if c.p == 0 {
		return nil
	}
	return &workerChaos{c: c, kill: kill}
}

// workerChaos kills one worker. It wraps the worker's handler, where it
// decides a simulate task's fate, and is the operations' ops.Chaos seam,
// where it stops a doomed task before the write that would complete it.
type workerChaos struct {
	c        *chaos
	kill     func()
	dead     atomic.Bool
	killOnce sync.Once
}

// doomedKey marks the context of a task whose worker is to die.
type doomedKey struct{}

// die kills the worker, once.
func (w *workerChaos) die() {
	w.killOnce.Do(func() {
		w.dead.Store(true)
		w.c.kills.Add(1)
		w.kill()
	})
}

// Step implements ops.Chaos: once the worker is dead every task stops at its
// next point, and a doomed task never reaches the write of its partial,
// which would complete the batch.
func (w *workerChaos) Step(ctx context.Context, p ops.ChaosPoint) error {
	if w.dead.Load() {
		return errKilled
	}
	if ctx.Value(doomedKey{}) != nil && p.Phase == ops.PhaseWritePartial {
		w.die()
		return errKilled
	}
	return nil
}

// wrap makes h's simulate tasks kill the worker with probability p at a
// random point: at a random time within the typical task length, or at the
// last write if the task gets there first. The task never reports. Other ops
// are left alone: the option tests the recovery of the Distributed Map's
// batches.
func (w *workerChaos) wrap(h activity.Handler) activity.Handler {
	if w == nil {
		return h
	}
	return activity.HandlerFunc(func(ctx context.Context, input []byte) ([]byte, error) {
		if op, err := activity.OpOf(input); err != nil || op != workflow.OpSimulate {
			return h.Handle(ctx, input)
		}
		doomed, at := w.c.draw()
		start := time.Now()
		if !doomed {
			out, err := h.Handle(ctx, input)
			if err == nil {
				w.c.observe(time.Since(start))
			}
			return out, err
		}
		timer := time.AfterFunc(at, w.die)
		defer timer.Stop()
		_, _ = h.Handle(context.WithValue(ctx, doomedKey{}, true), input)
		w.die() // the task ended (or skipped its work) before dying: die before reporting
		return nil, errKilled
	})
}
