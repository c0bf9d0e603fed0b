package components

import (
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/workerconfig"
)

// The container's environment is the worker's configuration: the worker
// must accept what the component gives it.

func TestWorkerAcceptsTheContainerEnvironment(t *testing.T) {
	t.Parallel()
	for name, args := range map[string]*MonteCarloPipelineArgs{
		"defaults":                  testArgs(),
		"the most tasks per worker": {ImageTag: "t", TasksPerWorker: MaxTasksPerWorker, MaxConcurrency: 100, HeartbeatSeconds: 600},
		"debug logs":                {ImageTag: "t", WorkerLogLevel: "debug"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			var defs []map[string]any
			m.one(t, "aws:ecs/taskDefinition:TaskDefinition").JSON(t, "containerDefinitions", &defs)
			var environ []string
			for k, v := range envOf(defs[0]) {
				environ = append(environ, k+"="+v)
			}
			cfg, err := workerconfig.Load(environ)
			if err != nil {
				t.Fatalf("worker rejects the container environment %v: %v", environ, err)
			}
			if cfg.ActivityARN != testActivityArn || cfg.Concurrency != orInt(args.TasksPerWorker, 2) {
				t.Errorf("worker reads activity %s concurrency %d", cfg.ActivityARN, cfg.Concurrency)
			}
		})
	}
}

func TestEveryWorkerVariableTheComponentSetsIsOneTheWorkerReads(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, v := range workerconfig.Variables {
		known[v.Name] = true
	}
	for _, name := range []string{EnvActivityArn, EnvRegion, EnvWorkerConcurrency, EnvHeartbeatSeconds, EnvLogLevel} {
		if !known[name] {
			t.Errorf("the component sets %s, which the worker does not read", name)
		}
	}
	if slices.ContainsFunc(workerconfig.Prefixes, func(p string) bool { return strings.HasPrefix(EnvDataBucket, p) }) && !known[EnvDataBucket] {
		t.Errorf("%s falls under a prefix the worker claims but is not one of its variables", EnvDataBucket)
	}
	if MaxTasksPerWorker != workerconfig.MaxConcurrency {
		t.Errorf("MaxTasksPerWorker = %d, the worker's WORKER_CONCURRENCY limit is %d", MaxTasksPerWorker, workerconfig.MaxConcurrency)
	}
	if WorkerStopTimeoutSeconds < workerconfig.DefaultShutdownGraceSeconds {
		t.Errorf("stopTimeout %d s is shorter than the worker's shutdown grace %d s", WorkerStopTimeoutSeconds, workerconfig.DefaultShutdownGraceSeconds)
	}
}
