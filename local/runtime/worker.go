package localrun

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

// errKilled is what a worker killed by the chaos option returns to the ECS
// stand-in, which then replaces it as ECS replaces a stopped task.
var errKilled = errors.New("worker killed (chaos)")

// runWorker is one ECS task: the worker binary's loop (activity.Run) with
// the real operations, until ctx is cancelled (scale-in, the SIGTERM path)
// or the worker is killed.
func (r *Runtime) runWorker(ctx context.Context, name string) error {
	api := newMortalAPI(r.sfnc)
	h := r.handler(name, api)

	// The heartbeat timeout the emulator applies: HeartbeatSeconds scaled,
	// but at least MinWallHeartbeat.
	heartbeatTimeout := r.svc.HeartbeatTimeout(r.cfg.HeartbeatSeconds)
	// Fargate Spot gives 120 s between SIGTERM and SIGKILL; here the drain
	// is short, because a local stop is a user waiting at a terminal.
	grace := min(max(time.Duration(float64(110*time.Second)*r.opts.TimeScale), time.Second), 5*time.Second)
	cfg := activity.Config{
		ActivityARN: r.cfg.ActivityArn,
		WorkerName:  name,
		Executors:   r.opts.TasksPerWorker,
		Pollers:     1,
		// A quarter of that timeout, so three beats in a row may be
		// late or lost before a live task times out: the limits of 30-60 s
		// that protect the service's quota in AWS (workerconfig) do not
		// apply on loopback.
		HeartbeatPeriod: heartbeatTimeout / 4,
		ShutdownGrace:   grace,
		HandBackTime:    grace / 5,
		Backoff:         activity.Backoff{Base: 50 * time.Millisecond, Max: time.Second, Attempts: 8},
		Logger:          r.log.With("worker", name),
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- activity.Run(runCtx, cfg, h, api) }()
	select {
	case err := <-done:
		return err
	case <-api.dead:
		// The process is gone: ECS sees the task stop now. The loop's
		// goroutines wind down on their own (every call they make fails at
		// once); Close waits for them.
		cancel()
		r.dying.Add(1)
		go func() { defer r.dying.Done(); <-done }()
		r.log.Warn("worker killed", "worker", name)
		return errKilled
	}
}

// handler is one worker's task handler: the ops and ping behind a mux,
// wrapped by the options' test hook and the chaos option.
func (r *Runtime) handler(name string, api *mortalAPI) activity.Handler {
	wc := r.chaos.forWorker(api.kill)
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping(name))
	if wc != nil {
		r.registerOps(mux, name, wc)
	} else {
		r.registerOps(mux, name, nil) // no seam: a nil *workerChaos in the interface would not be nil
	}
	var h activity.Handler = mux
	if r.opts.WrapHandler != nil {
		h = r.opts.WrapHandler(h)
	}
	h = wc.wrap(h)
	// A dead worker's operations stop too: their contexts end with it.
	return activity.HandlerFunc(func(ctx context.Context, input []byte) ([]byte, error) {
		c, done := api.bind(ctx)
		defer done()
		return h.Handle(c, input)
	})
}

// mortalAPI is a worker's Step Functions client that can die: after kill,
// calls in flight are cancelled and new ones fail at once, so the worker sends
// no result, no heartbeat and no hand-back, as when its container is killed.
type mortalAPI struct {
	api      activity.API
	ctx      context.Context // cancelled by kill
	cancel   context.CancelFunc
	dead     chan struct{}
	killOnce sync.Once
}

func newMortalAPI(api activity.API) *mortalAPI {
	ctx, cancel := context.WithCancel(context.Background())
	return &mortalAPI{api: api, ctx: ctx, cancel: cancel, dead: make(chan struct{})}
}

// kill ends every call of the worker, now and later.
func (m *mortalAPI) kill() {
	m.killOnce.Do(func() {
		m.cancel()
		close(m.dead)
	})
}

// bind returns a context cancelled with either ctx or the worker's death.
// context.Canceled is not a transient error to the activity loop, so it does
// not retry calls after the death.
func (m *mortalAPI) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(m.ctx, cancel)
	return c, func() { stop(); cancel() }
}

// alive fails once the worker is dead or ctx is done. It checks the death
// itself: bind's cancellation runs in a goroutine of its own, so ctx may not
// show it yet.
func (m *mortalAPI) alive(ctx context.Context) error {
	if m.ctx.Err() != nil {
		return context.Canceled
	}
	return ctx.Err()
}

func (m *mortalAPI) GetActivityTask(ctx context.Context, in *sfn.GetActivityTaskInput, optFns ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error) {
	c, done := m.bind(ctx)
	defer done()
	if err := m.alive(c); err != nil {
		return nil, err
	}
	out, err := m.api.GetActivityTask(c, in, optFns...)
	if err == nil && m.ctx.Err() != nil {
		// A task that reached a dead worker is lost until its heartbeat
		// timeout, as in AWS.
		return nil, context.Canceled
	}
	return out, err
}

func (m *mortalAPI) SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	c, done := m.bind(ctx)
	defer done()
	if err := m.alive(c); err != nil {
		return nil, err
	}
	return m.api.SendTaskSuccess(c, in, optFns...)
}

func (m *mortalAPI) SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	c, done := m.bind(ctx)
	defer done()
	if err := m.alive(c); err != nil {
		return nil, err
	}
	return m.api.SendTaskFailure(c, in, optFns...)
}

func (m *mortalAPI) SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	c, done := m.bind(ctx)
	defer done()
	if err := m.alive(c); err != nil {
		return nil, err
	}
	return m.api.SendTaskHeartbeat(c, in, optFns...)
}
