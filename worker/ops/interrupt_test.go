package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

// pauseChaos holds the first simulate task that reaches phase until its
// context ends (the worker's shutdown), then lets it go on.
type pauseChaos struct {
	phase   string
	once    sync.Once
	reached chan struct{}
	mu      sync.Mutex
	kill    bool // instead of pausing, answer with an error (a chaos kill)
	points  []ChaosPoint
}

func (p *pauseChaos) Step(ctx context.Context, pt ChaosPoint) error {
	p.mu.Lock()
	p.points = append(p.points, pt)
	kill := p.kill
	p.mu.Unlock()
	if pt.Phase != p.phase {
		return nil
	}
	first := false
	p.once.Do(func() { first = true; close(p.reached) })
	if !first {
		return nil
	}
	if kill {
		return errors.New("killed by the test")
	}
	<-ctx.Done()
	return nil
}

// reference runs the batch in a fresh environment and returns its outputs.
func referenceOutputs(t *testing.T, loans int64, r testRun) (simRun, map[string][]byte) {
	ref := newEnv(t, s3local.Options{}, nil)
	ref.generate("ds", loans, 100, workflow.LayoutSharded, 6)
	sr := ref.prepareAndSimulate("ds", r)
	out := map[string][]byte{}
	for _, b := range sr.batches {
		out[b.ResultsKey] = ref.get(b.ResultsKey)
		out[b.PartialKey] = ref.get(b.PartialKey)
	}
	return sr, out
}

func TestSimulateInterruptedBySIGTERMIsHandedBackAndRerunsToTheSameBytes(t *testing.T) {
	t.Parallel()
	run := testRun{id: "r", scenarios: testScenarios, seed: 2, batchLoans: 300}
	ref, want := referenceOutputs(t, 300, run)

	pause := &pauseChaos{phase: PhaseEvaluate, reached: make(chan struct{})}
	e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Chaos = pause })
	e.generate("ds", 300, 100, workflow.LayoutSharded, 6)
	var prep workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", run), &prep)

	// A worker with a short drain: the task cannot finish in it.
	srv := activitytest.NewServer(t)
	cfg := srv.Config(t)
	cfg.ShutdownGrace, cfg.Logger = time.Second, slog.New(slog.DiscardHandler)
	w := srv.StartWorker(t, cfg, e.mux)
	tok := srv.Enqueue(taskInput(t, workflow.OpSimulate, json.RawMessage(ref.inputs[0])))
	<-pause.reached
	w.Signal() // SIGTERM
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.WaitStatus(ctx, tok, activitytest.Failed, activitytest.Succeeded); err != nil {
		t.Fatal(err)
	}
	if task := srv.Task(tok); task.Status != activitytest.Failed || task.Error != activity.WorkerInterrupted {
		t.Fatalf("interrupted task = %s %s %q, want handed back with Worker.Interrupted", task.Status, task.Error, task.Cause)
	}
	if e.exists(ref.batches[0].PartialKey) {
		t.Error("the interrupted batch wrote its partial")
	}

	var out workflow.SimulateOutput
	e.mustCall(workflow.OpSimulate, json.RawMessage(ref.inputs[0]), &out)
	if out != ref.batches[0] {
		t.Errorf("rerun output = %+v, want %+v", out, ref.batches[0])
	}
	for k, b := range want {
		if !bytes.Equal(e.get(k), b) {
			t.Errorf("%s differs from an uninterrupted run's", k)
		}
	}
}

func TestSimulateKilledByChaosWritesNoPartialAndRerunsToTheSameBytes(t *testing.T) {
	t.Parallel()
	run := testRun{id: "r", scenarios: testScenarios, seed: 2, batchLoans: 200}
	ref, want := referenceOutputs(t, 200, run)
	for _, phase := range []string{PhaseStart, PhaseEvaluate, PhaseWriteResults, PhaseWritePartial} {
		t.Run("a kill at "+phase+" leaves the batch to its retry", func(t *testing.T) {
			t.Parallel()
			kill := &pauseChaos{phase: phase, reached: make(chan struct{}), kill: true}
			e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Chaos = kill })
			e.generate("ds", 200, 100, workflow.LayoutSharded, 6)
			var prep workflow.PrepareOutput
			e.mustCall(workflow.OpPrepare, e.prepareInput("ds", run), &prep)
			task := e.call(workflow.OpSimulate, json.RawMessage(ref.inputs[0]))
			if task.Status != activitytest.Failed || e.exists(ref.batches[0].PartialKey) {
				t.Fatalf("killed task = %s %s, partial written: %v", task.Status, task.Error, e.exists(ref.batches[0].PartialKey))
			}
			var out workflow.SimulateOutput
			e.mustCall(workflow.OpSimulate, json.RawMessage(ref.inputs[0]), &out)
			if out != ref.batches[0] {
				t.Errorf("retry output = %+v, want %+v", out, ref.batches[0])
			}
			for k, b := range want {
				if !bytes.Equal(e.get(k), b) {
					t.Errorf("%s differs from an unkilled run's", k)
				}
			}
			kill.mu.Lock()
			defer kill.mu.Unlock()
			for _, pt := range kill.points {
				if pt.Op != workflow.OpSimulate || pt.BatchID != ref.batches[0].BatchID {
					t.Errorf("chaos point %+v: want the batch's op and id", pt)
				}
			}
		})
	}
}

func TestSimulateStopsEvaluatingAtTheFirstEvaluatorError(t *testing.T) {
	t.Parallel()
	const loans, evaluators = 40 * chunkLoans, 2
	run := testRun{id: "r", scenarios: 20, seed: 2, batchLoans: loans}
	kill := &pauseChaos{phase: PhaseEvaluate, reached: make(chan struct{}), kill: true}
	e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Chaos = kill; d.Evaluators = evaluators })
	e.generate("ds", loans, loans, workflow.LayoutSharded, 6)
	var prep workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", run), &prep)
	items := e.items(prep.Input)
	batch := fmt.Sprintf(`{"Items":[%s],"BatchInput":{"run":%s}}`, joinRaw(items), mustJSON(prep.Run))
	task := e.call(workflow.OpSimulate, json.RawMessage(batch))
	if task.Status != activitytest.Failed {
		t.Fatalf("killed task = %s %s, want failed", task.Status, task.Error)
	}
	kill.mu.Lock()
	defer kill.mu.Unlock()
	evaluated := 0
	for _, pt := range kill.points {
		if pt.Phase == PhaseEvaluate {
			evaluated++
		}
	}
	// Each evaluator may finish the chunk it holds; none takes another.
	if chunks := loans / chunkLoans; evaluated > chunks/2 {
		t.Errorf("%d of %d chunks evaluated after the kill at the first, want the evaluators to stop", evaluated, chunks)
	}
}

// panicChaos panics at every evaluate point, as a model bug would inside an
// evaluator goroutine.
type panicChaos struct{}

func (panicChaos) Step(_ context.Context, pt ChaosPoint) error {
	if pt.Phase == PhaseEvaluate {
		panic("evaluator bug")
	}
	return nil
}

func TestSimulateFailsTheTaskNotTheWorkerWhenAnEvaluatorPanics(t *testing.T) {
	t.Parallel()
	run := testRun{id: "r", scenarios: testScenarios, seed: 2, batchLoans: 200}
	e := newEnv(t, s3local.Options{}, func(d *Deps) { d.Chaos = panicChaos{} })
	e.generate("ds", 200, 100, workflow.LayoutSharded, 6)
	var prep workflow.PrepareOutput
	e.mustCall(workflow.OpPrepare, e.prepareInput("ds", run), &prep)
	batch := fmt.Sprintf(`{"Items":[%s],"BatchInput":{"run":%s}}`, joinRaw(e.items(prep.Input)), mustJSON(prep.Run))
	task := e.call(workflow.OpSimulate, json.RawMessage(batch))
	if task.Status != activitytest.Failed || task.Error != activity.WorkerInternal || !strings.Contains(task.Cause, "evaluator bug") {
		t.Errorf("task = %s %s %q, want failed with %s naming the panic", task.Status, task.Error, task.Cause, activity.WorkerInternal)
	}
}
