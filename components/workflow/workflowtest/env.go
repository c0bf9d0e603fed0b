// Package workflowtest runs both workflows of package workflow on the local
// Step Functions emulator (sfnlocal) and the local S3 (s3local), each
// behind a real loopback HTTP listener, with a stand-in ECS service and a
// fake worker that speaks the worker contract through the AWS SDK, as a
// real worker does. It serves the workflow package's end-to-end tests and,
// through operate/operatetest, the operating verbs' tests.
package workflowtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
)

// TimeScale makes the workflows' waits, timeouts and the 60 s activity
// long poll take a twentieth.
const TimeScale = 0.05

// MinHeartbeat is the least wall time a task waits for a heartbeat, however
// short its scaled HeartbeatSeconds (0.5 s for the 10 s the end-to-end tests
// set): the fake worker sends no heartbeat, so each of its tasks must end
// within it, and on a loaded machine (go test ./... on two cores at load
// 30-60) a task that writes to S3 over loopback can take more than a second.
// A dropped task (Dropped) is noticed after it.
const MinHeartbeat = 5 * time.Second

// ActivityName is the name of the activity the worker polls.
const ActivityName = "montecarlo-work"

// Config returns the config every Env starts from, before its ActivityArn
// is set and Options.Configure runs: generate defaults to 25 loans in
// shards of 10 (3 objects), and simulate to batches of 10.
func Config() workflow.Config {
	cfg := workflow.Config{
		Region: "us-east-1", AccountID: "123456789012",
		GenerateStateMachineName: "montecarlo-generate", SimulateStateMachineName: "montecarlo-simulate",
		ClusterName: "montecarlo", ServiceName: "montecarlo-workers", DataBucket: "montecarlo-data",
		HeartbeatSeconds: 60, ShardSize: 10, BatchSize: 10,
	}
	cfg.Defaults.Loans = 25
	return cfg
}

// Options change what Start starts.
type Options struct {
	// Dir holds the S3 data (default: a fresh temporary directory).
	Dir string
	// Configure, when set, changes the config (Config, with ActivityArn
	// set) before the state machines are built from it.
	Configure func(*workflow.Config)
	// Wrap, when set, wraps the emulator's HTTP handler, e.g. to inject
	// faults; the worker's requests go through it too.
	Wrap func(http.Handler) http.Handler
}

// Env is one local pipeline: the emulator with the activity and both state
// machines, S3, the ECS stand-in and a running fake worker.
type Env struct {
	// Config is the config the state machines were built from, with
	// defaults applied.
	Config workflow.Config
	// SFN is the emulator, to call in-process.
	SFN *sfnlocal.Service
	// SFNURL is the emulator's endpoint (through Options.Wrap).
	SFNURL string
	// S3 is a client of the local S3, whose endpoint is S3URL.
	S3    *s3.Client
	S3URL string
	// ECS is the workers' service the workflows scale.
	ECS *ECS
	// Worker answers the activity's tasks.
	Worker *Worker
	// ActivityArn is the activity's ARN.
	ActivityArn string
	// Arns maps a workflow name (workflow.WorkflowGenerate,
	// workflow.WorkflowSimulate) to its state machine's ARN.
	Arns map[string]string
}

// Start starts an Env and registers its cleanup with tb.
func Start(tb testing.TB, opts Options) *Env {
	tb.Helper()
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config()
	env := &Env{ECS: &ECS{}, Arns: map[string]string{}}
	s3srv, err := s3local.Start(ctx, s3local.Options{Dir: opts.Dir, Buckets: []string{cfg.DataBucket}})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	env.S3URL = s3srv.URL()
	// The SDK clients share a transport whose idle connections the cleanup
	// closes: the S3 server's graceful shutdown would otherwise wait 5 s
	// for a connection the transport dialed but never sent a request on.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	hc := &http.Client{Transport: tr}
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	env.S3 = s3.New(s3.Options{Region: cfg.Region, BaseEndpoint: aws.String(env.S3URL), UsePathStyle: true, Credentials: creds, HTTPClient: hc})
	env.SFN = sfnlocal.New(sfnlocal.Options{
		TimeScale: TimeScale, MinHeartbeat: MinHeartbeat,
		S3: sfnlocal.NewS3Client(env.S3), ECS: env.ECS, Region: cfg.Region, AccountID: cfg.AccountID,
	})
	var h http.Handler = env.SFN
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	srv := httptest.NewServer(h)
	env.SFNURL = srv.URL
	tb.Cleanup(func() {
		cancel()
		_ = env.SFN.Close()
		srv.Close()
		tr.CloseIdleConnections()
		_ = s3srv.Close()
	})

	act, err := env.SFN.CreateActivity(ctx, sfnlocal.CreateActivityInput{Name: ActivityName})
	if err != nil {
		tb.Fatal(err)
	}
	env.ActivityArn = act.ActivityArn
	cfg.ActivityArn = act.ActivityArn
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	defs, err := workflow.Definitions(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range defs {
		out, err := env.SFN.CreateStateMachine(ctx, sfnlocal.CreateStateMachineInput{Name: d.Name, Definition: string(d.JSON),
			RoleArn: "arn:aws:iam::123456789012:role/states", Type: "STANDARD"})
		if err != nil {
			tb.Fatalf("create %s: %v", d.Name, err)
		}
		env.Arns[d.Workflow] = out.StateMachineArn
	}
	env.Config = cfg.WithDefaults()
	sfnc := sfn.New(sfn.Options{Region: cfg.Region, BaseEndpoint: aws.String(srv.URL), Credentials: creds, HTTPClient: hc})
	env.Worker = &Worker{sfn: sfnc, s3: env.S3, activity: act.ActivityArn}
	go env.Worker.run(ctx)
	return env
}

// StartExecution starts an execution of the workflow named wf (e.g.
// workflow.WorkflowSimulate) with input marshalled to JSON, {} when nil
// (as StartExecution without input gives), and returns its ARN.
func (env *Env) StartExecution(tb testing.TB, wf, name string, input any) string {
	tb.Helper()
	if input == nil {
		input = map[string]any{}
	}
	b, err := json.Marshal(input)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := env.SFN.StartExecution(context.Background(), sfnlocal.StartExecutionInput{StateMachineArn: env.Arns[wf], Name: name, Input: string(b)})
	if err != nil {
		tb.Fatal(err)
	}
	return out.ExecutionArn
}

// Wait blocks until the execution ends and returns its description.
func (env *Env) Wait(tb testing.TB, executionArn string) sfnlocal.DescribeExecutionOutput {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := env.SFN.WaitExecution(ctx, executionArn)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// Run starts an execution as StartExecution does and waits for its end.
func (env *Env) Run(tb testing.TB, wf, name string, input any) sfnlocal.DescribeExecutionOutput {
	tb.Helper()
	return env.Wait(tb, env.StartExecution(tb, wf, name, input))
}
