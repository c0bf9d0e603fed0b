// Package operatetest runs the pipeline's local pieces over loopback for
// tests of the operating verbs: a workflowtest.Env (the local S3 and Step
// Functions behind real HTTP listeners, both workflows, a stand-in ECS
// service and a fake worker that speaks the worker contract through the
// AWS SDK) that writes operate.EndpointsFile, so `--local DIR` finds it,
// and can inject faults into the Step Functions endpoint.
package operatetest

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow/workflowtest"
	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/operate"
)

// Fault, when set on a Runtime, is asked for every Step Functions request
// with its action (e.g. "DescribeExecution"); ok makes the endpoint answer
// with that HTTP status and error code instead.
type Fault func(action string) (status int, code string, ok bool)

// Runtime is one local pipeline. Its Env gives the emulator (SFN, SFNURL),
// the S3 client, the config and the fake Worker.
type Runtime struct {
	*workflowtest.Env
	// Dir holds the endpoints file and the S3 data.
	Dir     string
	Outputs operate.StackOutputs

	mu    sync.Mutex
	fault Fault
}

// Start starts a runtime whose generate defaults to 25 loans in shards of
// 10 (3 objects), batches of 10 (workflowtest.Config), and registers its
// cleanup with tb.
func Start(tb testing.TB) *Runtime {
	tb.Helper()
	rt := &Runtime{Dir: tb.TempDir()}
	rt.Env = workflowtest.Start(tb, workflowtest.Options{Dir: filepath.Join(rt.Dir, "data"), Wrap: rt.withFaults})
	cfg := rt.Config
	rt.Outputs = operate.StackOutputs{
		GenerateStateMachineArn: rt.Arns[workflow.WorkflowGenerate], SimulateStateMachineArn: rt.Arns[workflow.WorkflowSimulate],
		DataBucketName: cfg.DataBucket, ActivityArn: rt.ActivityArn, ClusterName: cfg.ClusterName, ServiceName: cfg.ServiceName,
	}
	if err := operate.WriteLocalEndpoints(rt.Dir, operate.LocalEndpoints{
		StepFunctionsURL: rt.SFNURL, S3URL: rt.S3URL, Region: cfg.Region, Outputs: rt.Outputs,
	}); err != nil {
		tb.Fatal(err)
	}
	return rt
}

// SetFault installs f (nil removes it).
func (rt *Runtime) SetFault(f Fault) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.fault = f
}

// withFaults answers a request with the installed fault, if it takes it.
func (rt *Runtime) withFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		next.ServeHTTP(w, r)
	})
}

// Generate runs the generate workflow with its defaults to the end.
func (rt *Runtime) Generate(tb testing.TB) {
	tb.Helper()
	if d := rt.Run(tb, workflow.WorkflowGenerate, "gen-setup", nil); d.Status != sfnlocal.StatusSucceeded {
		tb.Fatalf("generate: %s %s: %s", d.Status, d.Error, d.Cause)
	}
}

// DesiredCounts returns every desired count the workflows set, in order.
func (rt *Runtime) DesiredCounts() []int { return rt.ECS.Counts() }
