package localrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	ecslocal "github.com/montecarlo-pipeline/montecarlo/local/ecs"
	lambdalocal "github.com/montecarlo-pipeline/montecarlo/local/lambda"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

// wallPoll is the wall-clock length of the emulator's GetActivityTask long
// poll. A stopping worker waits for its poll in flight to return (a task
// Step Functions assigned to it must not be lost), so this bounds how long
// a scale-in takes.
const wallPoll = 250 * time.Millisecond

// Runtime is a running local pipeline: S3, the emulator with the activity
// and both state machines, and the ECS service whose workers the workflows
// scale. Create it with Start and stop it with Close.
type Runtime struct {
	opts Options
	log  *slog.Logger
	cfg  workflow.Config // as the state machines were built, defaults applied

	s3srv   *s3local.Server
	svc     *sfnlocal.Service
	cluster *ecslocal.Cluster   // compute fargate-spot
	lambda  *lambdalocal.Server // compute lambda
	sfnURL  string

	serveCancel context.CancelFunc
	serveDone   chan error

	transport *http.Transport // every SDK client's connections, closed by Close
	awsCfg    aws.Config
	sfnc      *sfn.Client // the runtime's own and the workers' Step Functions client
	s3c       *s3.Client
	store     *store.S3

	machines map[string]string // workflow name → state machine ARN

	chaos *chaos
	// dying counts killed workers whose activity loops are still winding
	// down after their replacement started.
	dying sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Start starts local S3 over opts.DataDir, the Step Functions emulator and
// the ECS stand-in on random loopback ports, creates the activity and the
// Generate and Simulate state machines, and returns. ctx bounds the start
// only; the runtime lives until Close.
func Start(ctx context.Context, opts Options) (_ *Runtime, err error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("localrun: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runtime{opts: opts, log: log, machines: map[string]string{}, chaos: newChaos(opts.ChaosKill, opts.ChaosSeed)}
	defer func() {
		if err != nil {
			_ = r.Close()
		}
	}()

	r.s3srv, err = s3local.Start(context.Background(), s3local.Options{
		Dir: opts.DataDir, Buckets: []string{Bucket}, Logger: log.With("component", "s3"),
	})
	if err != nil {
		return nil, fmt.Errorf("localrun: start s3: %w", err)
	}

	// One transport for every client: loopback connections are cheap, and
	// Close can then shut them all.
	r.transport = &http.Transport{
		Proxy:               nil, // loopback only, whatever HTTP_PROXY says
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
	}
	httpClient := &http.Client{Transport: r.transport, Timeout: activity.HTTPTimeout}
	// Static local credentials and a fixed region: nothing from the user's
	// AWS configuration or environment reaches the local endpoints.
	r.awsCfg = aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:  httpClient,
	}
	s3URL := r.s3srv.URL()
	r.s3c = store.NewClientFromConfig(r.awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s3URL) // what AWS_ENDPOINT_URL_S3 sets
		o.UsePathStyle = true              // the local endpoint has no per-bucket host names
		o.HTTPClient = httpClient
	})
	r.store, err = store.New(r.s3c, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("localrun: s3 store: %w", err)
	}

	r.cfg = r.workflowConfig()
	var lambdaAPI sfnlocal.LambdaAPI
	var ecsAPI sfnlocal.ECSAPI
	if r.cfg.IsLambda() {
		c, err := r.startFunction()
		if err != nil {
			return nil, err
		}
		lambdaAPI = c
	} else {
		r.cluster, err = ecslocal.New(ecslocal.Options{
			Cluster: r.cfg.ClusterName, Service: r.cfg.ServiceName, Run: r.runWorker,
			MaxDesired: MaxWorkers, Logger: log.With("component", "ecs"),
		})
		if err != nil {
			return nil, fmt.Errorf("localrun: start ecs: %w", err)
		}
		ecsAPI = r.ecsAPI()
	}

	r.svc = sfnlocal.New(sfnlocal.Options{
		TimeScale: opts.TimeScale,
		S3:        sfnlocal.NewS3Client(r.s3c),
		ECS:       ecsAPI,
		Lambda:    lambdaAPI,
		Region:    Region,
		AccountID: AccountID,
		Logger:    log.With("component", "sfn"),
		// The emulator scales the poll like every other duration; undo it
		// so the poll lasts wallPoll of real time.
		PollTimeout:  time.Duration(float64(wallPoll) / opts.TimeScale),
		MinHeartbeat: MinWallHeartbeat,
		// The workers' tasks are real work, which the scale does not speed
		// up: a generate task writing 500 per-loan objects on a loaded
		// machine outlasted its 181 s TimeoutSeconds scaled to 9 s.
		UnscaledActivityTimeouts: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("localrun: listen for step functions: %w", err)
	}
	r.sfnURL = "http://" + ln.Addr().String()
	serveCtx, cancel := context.WithCancel(context.Background())
	r.serveCancel = cancel
	r.serveDone = make(chan error, 1)
	go func() { r.serveDone <- r.svc.ServeListener(serveCtx, ln) }()

	sfnURL := r.sfnURL
	r.sfnc = activity.NewSFNClient(r.awsCfg, func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(sfnURL) // what AWS_ENDPOINT_URL_SFN sets
		o.HTTPClient = httpClient
	})

	if err := r.createResources(ctx); err != nil {
		return nil, err
	}
	log.Info("local runtime started", "s3", s3URL, "sfn", r.sfnURL, "dataDir", r.s3srv.Dir(),
		"workers", opts.Workers, "tasksPerWorker", opts.TasksPerWorker, "timeScale", opts.TimeScale)
	return r, nil
}

// workflowConfig is the config both state machines are built from: local
// names and ARNs, the options' sizes, and waits short enough for a machine
// whose workers start at once.
func (r *Runtime) workflowConfig() workflow.Config {
	o := r.opts
	c := workflow.Config{
		Region:                   Region,
		AccountID:                AccountID,
		GenerateStateMachineName: NamePrefix + "-generate",
		SimulateStateMachineName: NamePrefix + "-simulate",
		ActivityArn:              fmt.Sprintf("arn:aws:states:%s:%s:activity:%s-work", Region, AccountID, NamePrefix),
		ClusterName:              NamePrefix,
		ServiceName:              NamePrefix + "-workers",
		DataBucket:               Bucket,
		WorkerCount:              o.Workers,
		TasksPerWorker:           o.TasksPerWorker,
		BatchSize:                o.BatchSize,
		ShardSize:                o.ShardSize,
		HeartbeatSeconds:         o.HeartbeatSeconds,
		// In-process workers run as soon as they are wanted.
		WorkerWaitSeconds:  1,
		WorkerWaitMaxPolls: 30,
		Retry:              workflow.RetryPolicy{MaxAttempts: o.RetryMaxAttempts},
		Defaults:           workflow.RunDefaults{Scenarios: o.Scenarios},
	}
	if o.Compute == workflow.ComputeLambda {
		c = lambdaConfig(c)
	}
	return c.WithDefaults()
}

// createResources creates the activity and both state machines through the
// emulator's API, as the Pulumi component creates them in AWS.
func (r *Runtime) createResources(ctx context.Context) error {
	if r.cfg.IsLambda() {
		return r.createStateMachines(ctx) // the function is the endpoint's
	}
	act, err := r.sfnc.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(NamePrefix + "-work")})
	if err != nil {
		return fmt.Errorf("localrun: create activity: %w", err)
	}
	if got := aws.ToString(act.ActivityArn); got != r.cfg.ActivityArn {
		return fmt.Errorf("localrun: the emulator named the activity %s, the definitions expect %s", got, r.cfg.ActivityArn)
	}
	return r.createStateMachines(ctx)
}

// createStateMachines creates Generate and Simulate.
func (r *Runtime) createStateMachines(ctx context.Context) error {
	defs, err := workflow.Definitions(r.cfg)
	if err != nil {
		return fmt.Errorf("localrun: build definitions: %w", err)
	}
	for _, d := range defs {
		out, err := r.sfnc.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name:       aws.String(d.Name),
			Definition: aws.String(string(d.JSON)),
			RoleArn:    aws.String(fmt.Sprintf("arn:aws:iam::%s:role/%s-states", AccountID, NamePrefix)),
		})
		if err != nil {
			return fmt.Errorf("localrun: create state machine %s: %w", d.Name, err)
		}
		r.machines[d.Workflow] = aws.ToString(out.StateMachineArn)
	}
	return nil
}

// ecsAPI adapts the ECS stand-in to the emulator's aws-sdk:ecs integration.
func (r *Runtime) ecsAPI() sfnlocal.ECSAPI {
	describe := func(cluster, service string, st ecslocal.ServiceStatus, err error) (sfnlocal.ECSService, error) {
		if errors.Is(err, ecslocal.ErrNotFound) {
			return sfnlocal.ECSService{}, fmt.Errorf("%w: %w", sfnlocal.ErrServiceNotFound, err)
		}
		if err != nil {
			return sfnlocal.ECSService{}, err
		}
		return sfnlocal.ECSService{
			ServiceName:  service,
			ServiceArn:   r.cfg.ServiceArn(),
			ClusterArn:   fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", Region, AccountID, cluster),
			Status:       "ACTIVE",
			DesiredCount: st.DesiredCount,
			RunningCount: st.RunningCount,
			PendingCount: st.PendingCount,
		}, nil
	}
	return sfnlocal.ECSFuncs{
		Update: func(ctx context.Context, cluster, service string, n int) (sfnlocal.ECSService, error) {
			st, err := r.cluster.UpdateService(ctx, cluster, service, n)
			return describe(cluster, service, st, err)
		},
		Describe: func(ctx context.Context, cluster, service string) (sfnlocal.ECSService, error) {
			st, err := r.cluster.DescribeService(ctx, cluster, service)
			return describe(cluster, service, st, err)
		},
	}
}

// Config returns the workflow configuration the state machines were built
// from (local ARNs, sizes, derived timeouts).
func (r *Runtime) Config() workflow.Config { return r.cfg }

// StateMachineArn returns the ARN of the state machine of a workflow
// (workflow.WorkflowGenerate, workflow.WorkflowSimulate), or "" if the
// runtime has none by that name.
func (r *Runtime) StateMachineArn(workflow string) string { return r.machines[workflow] }

// DataDir returns the absolute data directory; bucket Bucket is the
// directory DataDir/Bucket.
func (r *Runtime) DataDir() string { return r.s3srv.Dir() }

// Endpoints returns the base URLs of the local Step Functions and S3
// endpoints, for the AWS CLI or SDK (AWS_ENDPOINT_URL_SFN,
// AWS_ENDPOINT_URL_S3 with path-style addressing).
func (r *Runtime) Endpoints() (stepFunctions, s3URL string) { return r.sfnURL, r.s3srv.URL() }

// Workers reports the ECS service's desired and running worker counts
// (0, 0 for compute lambda).
func (r *Runtime) Workers() (desired, running int) {
	if r.cluster == nil {
		return 0, 0
	}
	st, _ := r.cluster.DescribeService(context.Background(), r.cfg.ClusterName, r.cfg.ServiceName)
	return st.DesiredCount, st.RunningCount
}

// WorkersStarted reports how many workers were started since Start,
// replacements of dead ones included.
func (r *Runtime) WorkersStarted() int {
	if r.cluster == nil {
		return 0
	}
	return r.cluster.Started()
}

// Invocations reports how many times the worker function was invoked
// (compute lambda) and how many invocations failed, chaos kills included.
func (r *Runtime) Invocations() (invoked, failed int64) {
	if r.lambda == nil {
		return 0, 0
	}
	return r.lambda.Invocations(FunctionName)
}

// Kills reports how many workers (compute lambda: invocations) the chaos
// option has killed.
func (r *Runtime) Kills() int64 { return r.chaos.kills.Load() }

// Close stops everything Start started and waits for it: the workers first,
// through the interruption path (they stop polling and hand unfinished tasks
// back), then the emulator (aborting executions still running), its HTTP
// server and local S3. It is safe to call more than once.
func (r *Runtime) Close() error {
	r.closeOnce.Do(func() {
		var errs []error
		if r.cluster != nil {
			r.cluster.Close()
		}
		r.dying.Wait()
		if r.svc != nil {
			errs = append(errs, r.svc.Close())
		}
		if r.lambda != nil {
			errs = append(errs, r.lambda.Close())
		}
		// Client connections go first: a server's Shutdown waits up to 5 s
		// for a connection that was dialled but never used (net/http counts
		// it as active until then).
		if r.transport != nil {
			r.transport.CloseIdleConnections()
		}
		if r.serveCancel != nil {
			r.serveCancel()
			if err := <-r.serveDone; err != nil {
				errs = append(errs, fmt.Errorf("localrun: step functions server: %w", err))
			}
		}
		if r.s3srv != nil {
			errs = append(errs, r.s3srv.Close())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}
