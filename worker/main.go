// Command worker is the container entrypoint of the pipeline's workers. It
// reads its configuration from environment variables (see workerconfig),
// polls the Step Functions activity and runs each task's operation, logging
// JSON to stdout. On SIGTERM (Fargate Spot gives two minutes) it stops
// polling, lets running tasks finish within SHUTDOWN_GRACE_SECONDS, hands
// the rest back with Worker.Interrupted and exits 0. A configuration error
// exits 2, any other failure 1.
//
// Inside AWS Lambda (AWS_LAMBDA_RUNTIME_API is set: the compute variant
// "lambda") the same binary serves the Lambda runtime API instead, through
// aws-lambda-go: each invocation's payload is a task input, run by the same
// operations (worker/function), its configuration from function.LoadConfig.
//
// The wiring is thin on purpose: the loop is activity.Run, which the local
// runtime calls too, with its own endpoints and the same handlers.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/function"
	"github.com/montecarlo-pipeline/montecarlo/worker/ops"
	"github.com/montecarlo-pipeline/montecarlo/worker/store"
	"github.com/montecarlo-pipeline/montecarlo/worker/workerconfig"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Environ(), os.Stdout)
	stop()
	os.Exit(code)
}

// run is the whole program but for the process: the signal context, the
// environment and where logs go are passed in, so a test can run it.
func run(ctx context.Context, environ []string, stdout io.Writer) int {
	if inLambda(environ) {
		return runFunction(ctx, environ, stdout, function.Start)
	}
	cfg, err := workerconfig.Load(environ)
	if err != nil {
		slog.New(slog.NewJSONHandler(stdout, nil)).Error("invalid configuration", "err", err.Error())
		return exitConfig
	}
	log := cfg.Logger(stdout)

	// The SDK reads credentials (the ECS task role), and AWS_ENDPOINT_URL_SFN
	// and AWS_ENDPOINT_URL_S3 for local endpoints, from the environment.
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		log.Error("load AWS configuration", "err", err.Error())
		return exitFailed
	}

	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping(cfg.WorkerName))
	registerOps(mux, awsCfg, cfg, log)

	if err := activity.Run(ctx, cfg.Activity(log), mux, activity.NewSFNClient(awsCfg)); err != nil {
		log.Error("worker failed", "err", err.Error())
		return exitFailed
	}
	return exitOK
}

// inLambda reports whether the process is a Lambda function's: Lambda sets
// AWS_LAMBDA_RUNTIME_API for the runtime to reach its API.
func inLambda(environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, function.EnvRuntimeAPI+"="); ok && v != "" {
			return true
		}
	}
	return false
}

// runFunction is run inside Lambda: the same operations behind a
// function.Handler, served by start (function.Start, which returns only
// in tests).
func runFunction(ctx context.Context, environ []string, stdout io.Writer, start func(context.Context, *function.Handler)) int {
	cfg, err := function.LoadConfig(environ)
	if err != nil {
		slog.New(slog.NewJSONHandler(stdout, nil)).Error("invalid configuration", "err", err.Error())
		return exitConfig
	}
	log := cfg.Logger(stdout)
	// The function role's credentials come from the environment Lambda
	// sets (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN).
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cfg.Region))
	if err != nil {
		log.Error("load AWS configuration", "err", err.Error())
		return exitFailed
	}
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping(cfg.FunctionName))
	registerOps(mux, awsCfg, workerconfig.Config{DataBucket: cfg.DataBucket, S3Concurrency: cfg.S3Concurrency}, log)
	start(ctx, function.New(mux, log))
	return exitOK
}

// registerOps adds the pipeline's operations (plan, generate, manifest,
// prepare, simulate, aggregate) to the mux, over an S3 store built from
// awsCfg (so AWS_ENDPOINT_URL_S3 reaches the local runtime's endpoint) with
// cfg.S3Concurrency parallel transfers per task. The local-only seams of
// ops.Deps (Corrupt, Chaos) stay off in the container.
func registerOps(mux *activity.Mux, awsCfg aws.Config, cfg workerconfig.Config, log *slog.Logger) {
	st, err := store.New(store.NewClientFromConfig(awsCfg), store.Options{})
	if err != nil {
		// Only invalid Options fail, and the zero value is valid.
		panic(fmt.Sprintf("worker: S3 store: %v", err))
	}
	ops.Register(mux, ops.Deps{
		Store:         st,
		S3Concurrency: cfg.S3Concurrency,
		DataBucket:    cfg.DataBucket,
		Logger:        log,
	})
}
