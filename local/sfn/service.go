package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configure a Service. The zero value is usable: real time, no S3,
// no ECS, region us-east-1, account 123456789012.
type Options struct {
	// TimeScale multiplies every duration the service waits for: 0.01 makes
	// a 60 s Wait last 0.6 s. Zero or negative means 1 (real time).
	TimeScale float64
	// S3 serves ItemReader and ResultWriter of Distributed Maps and the
	// s3:listObjectsV2 reader. Nil makes those fail with
	// States.ItemReaderFailed / States.ResultWriterFailed.
	S3 S3API
	// ECS serves the aws-sdk:ecs:updateService and describeServices tasks.
	ECS ECSAPI
	// Lambda serves the arn:aws:states:::lambda:invoke tasks: an SDK
	// Lambda client, e.g. pointed at local/lambda's endpoint. Nil makes
	// them fail with States.Runtime.
	Lambda LambdaAPI
	// Region and AccountID go into every ARN the service makes.
	Region    string
	AccountID string
	// Clock reports the current time for timestamps; nil means time.Now.
	Clock func() time.Time
	// Logger receives one line per execution start and end; nil discards.
	Logger *slog.Logger
	// PollTimeout is the unscaled GetActivityTask long-poll duration;
	// zero means the service's 60 seconds.
	PollTimeout time.Duration
	// MinHeartbeat is the least wall time a task's scaled HeartbeatSeconds
	// lasts; zero means no floor. TimeScale compresses the modelled world,
	// not the machine: a worker's heartbeat is a goroutine and an HTTP
	// request, which a loaded machine can hold up for a second or more, so
	// a heartbeat timeout scaled below a few seconds fails live tasks
	// rather than detecting dead ones. Workers should beat at a fraction
	// of HeartbeatTimeout, which applies the floor.
	MinHeartbeat time.Duration
	// UnscaledActivityTimeouts makes an activity task's TimeoutSeconds wall
	// seconds, not scaled by TimeScale. Set it when the workers do real work
	// (compute, S3 I/O), which the scale does not speed up: TimeoutSeconds
	// is derived from that work's cost (workflow.SimulateTimeoutSeconds,
	// and prepare sizes batches to fit it), so scaled it would cut live
	// tasks short, the more so on a loaded machine. Dead workers are still
	// noticed through the scaled HeartbeatSeconds.
	UnscaledActivityTimeouts bool
}

// Service is the emulator. It is safe for concurrent use; executions run
// in their own goroutines until they end or Close stops them.
type Service struct {
	opts   Options
	scale  float64
	log    *slog.Logger
	ctx    context.Context // parent of every execution; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu            sync.Mutex
	activities    map[string]*activity // by ARN
	activityOrder []string
	tasks         map[string]*activityTask // by token
	machines      map[string]*stateMachine // by ARN
	machineOrder  []string
	executions    map[string]*execution // by ARN
	execOrder     []string
	mapRuns       map[string]*mapRun // by ARN
	closed        bool
}

// New returns a running Service.
func New(opts Options) *Service {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 60 * time.Second // GetActivityTask holds for up to 60 s
	}
	scale := opts.TimeScale
	if scale <= 0 {
		scale = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{
		opts: opts, scale: scale, log: log, ctx: ctx, cancel: cancel,
		activities: map[string]*activity{},
		tasks:      map[string]*activityTask{},
		machines:   map[string]*stateMachine{},
		executions: map[string]*execution{},
		mapRuns:    map[string]*mapRun{},
	}
}

// Close stops every running execution (they end ABORTED) and waits for
// their goroutines. Pending GetActivityTask polls return empty.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// ServeListener serves the API on ln until ctx is done. The service accepts
// any credentials, so ln should be a loopback listener, e.g. on
// "127.0.0.1:0" (which also lets the caller learn the port first).
func (s *Service) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-s.ctx.Done():
		case <-done:
			return
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	err := srv.Serve(ln)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// scaled converts a duration of the modelled world into wall time.
func (s *Service) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.scale)
}

func (s *Service) seconds(n float64) time.Duration {
	return s.scaled(time.Duration(n * float64(time.Second)))
}

// HeartbeatTimeout is how long, in wall time, a started task with
// HeartbeatSeconds seconds waits for a heartbeat: the seconds scaled, and
// at least Options.MinHeartbeat.
func (s *Service) HeartbeatTimeout(seconds int) time.Duration {
	return max(s.seconds(float64(seconds)), s.opts.MinHeartbeat)
}

// activityTimeout is the wall time an activity task with TimeoutSeconds
// seconds has, counted from scheduling.
func (s *Service) activityTimeout(seconds int) time.Duration {
	if s.opts.UnscaledActivityTimeouts {
		return time.Duration(seconds) * time.Second
	}
	return s.seconds(float64(seconds))
}

func (s *Service) now() time.Time { return s.opts.Clock() }

// sleep waits d of wall time or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) arn(kind, rest string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:%s:%s", s.opts.Region, s.opts.AccountID, kind, rest)
}

// ActivityARN returns the ARN an activity named name gets in this service.
func (s *Service) ActivityARN(name string) string { return s.arn("activity", name) }

// StateMachineARN returns the ARN a state machine named name gets in this
// service, so definitions can refer to machines before they exist.
func (s *Service) StateMachineARN(name string) string { return s.arn("stateMachine", name) }
