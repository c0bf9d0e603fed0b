package localrun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	lambdalocal "github.com/montecarlo-pipeline/montecarlo/local/lambda"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/function"
	"github.com/montecarlo-pipeline/montecarlo/worker/ops"
)

// FunctionName is the local worker function's name (compute "lambda").
const FunctionName = NamePrefix + "-worker"

// FunctionArn is the local worker function's ARN.
var FunctionArn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, AccountID, FunctionName)

// startFunction starts the local Lambda Invoke endpoint serving the worker
// function, and returns the SDK Lambda client the emulator invokes it
// through: the same path as in AWS, where Step Functions calls Invoke and
// Lambda runs the image's aws-lambda-go handler.
func (r *Runtime) startFunction() (*awslambda.Client, error) {
	ep, err := lambdalocal.Start(lambdalocal.Options{
		Region: Region, AccountID: AccountID, Logger: r.log.With("component", "lambda"),
		Functions: map[string]lambdalocal.Function{FunctionName: {
			Handler: r.functionHandler(),
			// Room for every batch the Map runs at once and one control
			// invocation; beyond it Lambda throttles.
			ReservedConcurrency: r.cfg.MaxConcurrency + 1,
			Timeout:             time.Duration(float64(r.cfg.FunctionTimeoutSeconds) * r.opts.TimeScale * float64(time.Second)),
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("localrun: start lambda: %w", err)
	}
	r.lambda = ep
	url := ep.URL()
	// No client timeout: an invocation lasts as long as its batch, and the
	// task's TimeoutSeconds (the context) bounds it.
	return awslambda.NewFromConfig(r.awsCfg, func(o *awslambda.Options) {
		o.BaseEndpoint = aws.String(url) // what AWS_ENDPOINT_URL_LAMBDA sets
		o.HTTPClient = &http.Client{Transport: r.transport}
	}), nil
}

// functionHandler is the worker function: the ops behind a mux, as the
// worker binary builds them inside Lambda (function.New), wrapped per
// invocation by the chaos option. A killed invocation returns
// lambdalocal.ErrKilled, which the endpoint reports as Lambda does when a
// function's process dies: Runtime.ExitError, retried by the definitions.
func (r *Runtime) functionHandler() invokeFunc {
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping(FunctionName))
	if r.chaos.p > 0 {
		r.registerOps(mux, FunctionName, invocationChaos{})
	} else {
		r.registerOps(mux, FunctionName, nil)
	}
	var h activity.Handler = mux
	if r.opts.WrapHandler != nil {
		h = r.opts.WrapHandler(h)
	}
	fn := function.New(h, r.log.With("worker", FunctionName))
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		wc := r.chaos.forWorker(cancel) // one "process" per invocation; nil when chaos is off
		if wc == nil {
			return fn.Invoke(ctx, payload)
		}
		ctx = context.WithValue(ctx, invocationKey{}, wc)
		out, err := wc.wrap(activity.HandlerFunc(fn.Invoke)).Handle(ctx, payload)
		if errors.Is(err, errKilled) {
			return nil, fmt.Errorf("%w (chaos)", lambdalocal.ErrKilled)
		}
		return out, err
	}
}

// invokeFunc adapts a function to aws-lambda-go's lambda.Handler.
type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// invocationKey carries an invocation's workerChaos.
type invocationKey struct{}

// invocationChaos is the ops' chaos seam of the shared function mux: it
// defers to the chaos of the invocation the context belongs to.
type invocationChaos struct{}

func (invocationChaos) Step(ctx context.Context, p ops.ChaosPoint) error {
	if wc, ok := ctx.Value(invocationKey{}).(*workerChaos); ok {
		return wc.Step(ctx, p)
	}
	return nil
}

// lambdaConfig turns the activity config into the Lambda flavour's: the
// function instead of the activity and the service, and as many batches at
// once as the workers would run, so both computes load the machine alike.
func lambdaConfig(c workflow.Config) workflow.Config {
	c.Compute = workflow.ComputeLambda
	c.FunctionArn = FunctionArn
	c.ActivityArn, c.ClusterName, c.ServiceName = "", "", ""
	c.MaxConcurrency = c.WorkerCount * c.TasksPerWorker
	return c
}
