// Package operatetest runs the pipeline's local pieces over loopback for
// tests of the operating verbs: the local S3 (s3local) and Step Functions
// (sfnlocal) behind real HTTP listeners, both workflows created from
// components/workflow, a stand-in ECS service, and a fake worker that
// speaks the worker contract through the AWS SDK, like a real worker does.
// The runtime writes operate.EndpointsFile, so `--local DIR` finds it.
package operatetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/operate"
)

// TimeScale makes the workflows' waits, timeouts and the 60 s activity
// long poll take a twentieth: a task times out after 3 s without a
// heartbeat (the fake worker sends none), enough on a loaded machine.
const TimeScale = 0.05

// Fault, when set on a Runtime, is asked for every Step Functions request
// with its action (e.g. "DescribeExecution"); ok makes the endpoint answer
// with that HTTP status and error code instead.
type Fault func(action string) (status int, code string, ok bool)

// Runtime is one local pipeline.
type Runtime struct {
	// Dir holds the endpoints file and the S3 data.
	Dir     string
	Config  workflow.Config
	Outputs operate.StackOutputs
	SFN     *sfnlocal.Service
	S3      *s3.Client
	SFNURL  string
	Worker  *Worker

	mu    sync.Mutex
	fault Fault
	ecs   ecsState
}

// Start starts a runtime whose generate defaults to 25 loans in shards of
// 10 (3 objects), batches of 10, and registers its cleanup with tb.
func Start(tb testing.TB) *Runtime {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt := &Runtime{Dir: tb.TempDir()}
	cfg := workflow.Config{
		Region: "us-east-1", AccountID: "123456789012",
		GenerateStateMachineName: "montecarlo-generate", SimulateStateMachineName: "montecarlo-simulate",
		ClusterName: "montecarlo", ServiceName: "montecarlo-workers", DataBucket: "montecarlo-data",
		HeartbeatSeconds: 60, ShardSize: 10, BatchSize: 10,
	}
	cfg.Defaults.Loans = 25

	s3srv, err := s3local.Start(ctx, s3local.Options{Dir: filepath.Join(rt.Dir, "data"), Buckets: []string{cfg.DataBucket}})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	rt.S3 = s3.New(s3.Options{
		Region: cfg.Region, BaseEndpoint: aws.String(s3srv.URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	rt.SFN = sfnlocal.New(sfnlocal.Options{
		TimeScale: TimeScale, S3: sfnlocal.NewS3Client(rt.S3), Region: cfg.Region, AccountID: cfg.AccountID,
		ECS: sfnlocal.ECSFuncs{Update: rt.ecs.update, Describe: rt.ecs.describe},
	})
	srv := httptest.NewServer(http.HandlerFunc(rt.serveSFN))
	rt.SFNURL = srv.URL
	tb.Cleanup(func() {
		cancel()
		_ = rt.SFN.Close()
		srv.Close()
		_ = s3srv.Close()
	})

	act, err := rt.SFN.CreateActivity(ctx, sfnlocal.CreateActivityInput{Name: "montecarlo-work"})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ActivityArn = act.ActivityArn
	defs, err := workflow.Definitions(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	arns := map[string]string{}
	for _, d := range defs {
		out, err := rt.SFN.CreateStateMachine(ctx, sfnlocal.CreateStateMachineInput{Name: d.Name, Definition: string(d.JSON),
			RoleArn: "arn:aws:iam::123456789012:role/states", Type: "STANDARD"})
		if err != nil {
			tb.Fatalf("create %s: %v", d.Name, err)
		}
		arns[d.Workflow] = out.StateMachineArn
	}
	rt.Config = cfg.WithDefaults()
	rt.Outputs = operate.StackOutputs{
		GenerateStateMachineArn: arns[workflow.WorkflowGenerate], SimulateStateMachineArn: arns[workflow.WorkflowSimulate],
		DataBucketName: cfg.DataBucket, ActivityArn: act.ActivityArn, ClusterName: cfg.ClusterName, ServiceName: cfg.ServiceName,
	}
	if err := operate.WriteLocalEndpoints(rt.Dir, operate.LocalEndpoints{
		StepFunctionsURL: srv.URL, S3URL: s3srv.URL(), Region: cfg.Region, Outputs: rt.Outputs,
	}); err != nil {
		tb.Fatal(err)
	}
	sfnc := sfn.New(sfn.Options{Region: cfg.Region, BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	rt.Worker = &Worker{sfn: sfnc, s3: rt.S3, activity: act.ActivityArn}
	go rt.Worker.run(ctx)
	return rt
}

// SetFault installs f (nil removes it).
func (rt *Runtime) SetFault(f Fault) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.fault = f
}

func (rt *Runtime) serveSFN(w http.ResponseWriter, r *http.Request) {
	rt.mu.Lock()
	f := rt.fault
	rt.mu.Unlock()
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	if f != nil {
		if status, code, ok := f(action); ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"__type":"` + code + `","message":"injected ` + code + `"}`))
			return
		}
	}
	rt.SFN.ServeHTTP(w, r)
}

// Wait blocks until the execution ends and returns its description.
func (rt *Runtime) Wait(tb testing.TB, executionArn string) sfnlocal.DescribeExecutionOutput {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := rt.SFN.WaitExecution(ctx, executionArn)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// Generate runs the generate workflow with its defaults to the end.
func (rt *Runtime) Generate(tb testing.TB) {
	tb.Helper()
	out, err := rt.SFN.StartExecution(context.Background(), sfnlocal.StartExecutionInput{
		StateMachineArn: rt.Outputs.GenerateStateMachineArn, Name: "gen-setup", Input: "{}"})
	if err != nil {
		tb.Fatal(err)
	}
	if d := rt.Wait(tb, out.ExecutionArn); d.Status != sfnlocal.StatusSucceeded {
		tb.Fatalf("generate: %s %s: %s", d.Status, d.Error, d.Cause)
	}
}

// DesiredCounts returns every desired count the workflows set, in order.
func (rt *Runtime) DesiredCounts() []int {
	rt.ecs.mu.Lock()
	defer rt.ecs.mu.Unlock()
	return append([]int(nil), rt.ecs.history...)
}

// ecsState runs as many workers as desired, at once.
type ecsState struct {
	mu      sync.Mutex
	desired int
	history []int
}

func (e *ecsState) update(_ context.Context, _, service string, n int) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.desired = n
	e.history = append(e.history, n)
	return sfnlocal.ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: n, RunningCount: n}, nil
}

func (e *ecsState) describe(_ context.Context, _, service string) (sfnlocal.ECSService, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return sfnlocal.ECSService{ServiceName: service, Status: "ACTIVE", DesiredCount: e.desired, RunningCount: e.desired}, nil
}
