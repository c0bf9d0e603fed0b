package workflow

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// These tests push realistic data through the definitions' templates with
// the local emulator's data-flow layer (the same JSONPath, payload template
// and intrinsic function code the local runtime executes) and decode what
// each activity task would receive strictly into the contract's types: a
// field the worker expects that the state machine does not send, or the
// reverse, fails here rather than at run time.

// flow is an execution's data as it moves from state to state.
type flow struct {
	t     *testing.T
	m     *asl.StateMachine
	data  any
	ctx   any
	trace []string
}

func newFlow(t *testing.T, m *asl.StateMachine, execName string, input any) *flow {
	t.Helper()
	in := paths.Normalize(mustJSONValue(t, input))
	ctx := paths.Normalize(map[string]any{"Execution": map[string]any{
		"Id":        "arn:aws:states:us-east-1:123456789012:execution:sm:" + execName,
		"Name":      execName,
		"StartTime": "2026-11-21T20:00:00Z",
		"Input":     in,
	}})
	return &flow{t: t, m: m, data: in, ctx: ctx}
}

func (f *flow) state(name string) asl.State {
	f.t.Helper()
	st, ok := f.m.States[name]
	if !ok {
		f.t.Fatalf("no state %s", name)
	}
	f.trace = append(f.trace, name)
	return st
}

// pass runs a Pass state.
func (f *flow) pass(name string) {
	f.t.Helper()
	s := f.state(name).(*asl.PassState)
	var result any = f.data
	var err error
	switch {
	case s.Parameters != nil:
		result, err = paths.Template(paths.Normalize(s.Parameters), f.data, f.ctx)
	case s.Result != nil:
		result = paths.Normalize(s.Result)
	}
	if err != nil {
		f.t.Fatalf("%s: Parameters: %v", name, err)
	}
	f.apply(name, s.ResultPath, result)
}

// task runs a Task state whose service or worker answers with response
// (nil: the input the task receives is returned for inspection only). It
// returns the task's effective input (its Parameters evaluated).
func (f *flow) task(name string, response any) any {
	f.t.Helper()
	s := f.state(name).(*asl.TaskState)
	input, err := paths.Template(paths.Normalize(s.Parameters), f.data, f.ctx)
	if err != nil {
		f.t.Fatalf("%s: Parameters: %v", name, err)
	}
	result := paths.Normalize(mustJSONValue(f.t, response))
	if s.ResultSelector != nil {
		if result, err = paths.Template(paths.Normalize(s.ResultSelector), result, f.ctx); err != nil {
			f.t.Fatalf("%s: ResultSelector: %v", name, err)
		}
	}
	f.apply(name, s.ResultPath, result)
	return input
}

// catch puts an error output where the state's last Catcher puts it.
func (f *flow) catch(name, errName, cause string) {
	f.t.Helper()
	cs := asl.Catchers(f.state(name))
	f.apply(name, cs[len(cs)-1].ResultPath, paths.Normalize(map[string]any{"Error": errName, "Cause": cause}))
}

func (f *flow) apply(name string, rp asl.Path, result any) {
	f.t.Helper()
	if rp.IsNull() {
		return
	}
	out, err := paths.Set(rp.Or("$"), f.data, result)
	if err != nil {
		f.t.Fatalf("%s: ResultPath: %v", name, err)
	}
	f.data = out
}

func (f *flow) get(path string) any {
	f.t.Helper()
	v, err := paths.Get(path, f.data, f.ctx)
	if err != nil {
		f.t.Fatalf("get %s: %v", path, err)
	}
	return v
}

func mustJSONValue(t *testing.T, v any) any {
	t.Helper()
	if v == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := paths.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeExact decodes v into out, failing on a key out does not have and on
// a field of out (other than omitempty ones) that v lacks.
func decodeExact(t *testing.T, what string, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b)
	}
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	for _, name := range requiredKeys(reflect.TypeOf(out).Elem()) {
		if _, ok := keys[name]; !ok {
			t.Errorf("%s: the state machine does not send %q, which %T has\n%s", what, name, out, b)
		}
	}
}

// requiredKeys lists the JSON keys of a struct's fields without omitempty,
// embedded structs flattened.
func requiredKeys(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && tag == "" {
			out = append(out, requiredKeys(f.Type)...)
			continue
		}
		if name == "-" || strings.Contains(opts, "omitempty") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

func TestSimulateDataFlowMatchesTheWorkerContract(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	m, err := Simulate(c)
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, m, "run-42", map[string]any{"scenarios": 5000, "inputPrefix": "loans/", "params": map[string]any{"gamma": 1.2}})

	f.pass(StateApplyDefaults)
	f.pass(StateMergeInput)
	var run RunParams
	decodeExact(t, "the merged run parameters", f.get(pathRun), &run)
	want := c.Defaults
	want.Scenarios = 5000
	if run.RunDefaults != want || run.InputPrefix != "loans/" || string(run.Params) != `{"gamma":1.2}` {
		t.Errorf("merged run = %+v, want the defaults with scenarios 5000 and the input's keys", run)
	}

	f.task(StateCheckOwnRuns, map[string]any{"Executions": []any{map[string]any{"ExecutionArn": "a"}}})
	f.task(StateCheckOtherRuns, map[string]any{"Executions": []any{}})
	if f.get("$.guard.own.count") != int64(1) || f.get("$.guard.other.count") != int64(0) {
		t.Errorf("guard = %v", f.get(pathGuard))
	}
	f.task(StateScaleOut, map[string]any{"Service": map[string]any{}})
	f.pass(StateStartWorkerWait)
	f.task(StateDescribeWorkers, map[string]any{"Services": []any{map[string]any{"RunningCount": 2, "DesiredCount": 2, "Events": []any{"..."}}}, "Failures": []any{}})
	f.pass(StateCountWorkerPoll)
	if f.get("$.wait.polls") != int64(1) {
		t.Errorf("polls after one count = %v, want 1", f.get("$.wait.polls"))
	}
	f.pass(StateWorkersReady)
	if f.get("$.workers.running") != int64(2) {
		t.Errorf("workers = %v, want {running: 2}", f.get(pathWorkers))
	}

	prepared := PrepareOutput{
		RunID:            "run-42",
		Input:            InputSource{Kind: InputKindPrefix, Bucket: c.DataBucket, Prefix: "loans/"},
		MaxItemsPerBatch: 250,
		ResultPrefix:     RunMapResultPrefix("run-42"),
		Run: RunContext{RunID: "run-42", Bucket: c.DataBucket, Prefix: RunPrefix("run-42"), ManifestKey: RunManifestKey("run-42"),
			Seed: 1, Scenarios: 5000, HorizonMonths: 27, TargetRate: 0.08, ParamsHash: "ab12", InputBucket: c.DataBucket},
	}
	var prep PrepareInput
	decodeExact(t, "prepare's input", f.task(StatePrepare, prepared), &prep)
	if prep.Op != OpPrepare || prep.ExecutionName != "run-42" || !strings.HasSuffix(prep.ExecutionArn, ":run-42") ||
		prep.Bucket != c.DataBucket || prep.BatchLoans != c.BatchSize || prep.TaskTimeoutSeconds != c.TaskTimeoutSeconds ||
		prep.LoanScenarioNanos != c.LoanScenarioNanos || prep.Run.Scenarios != 5000 || prep.StartTime == "" {
		t.Errorf("prepare input = %+v", prep)
	}

	// The three Maps read their input from prepare's output and hand every
	// batch the run context.
	items := []InputItem{{Key: "loans/L1.json", Size: 300}, {Key: "loans/L2.json", Size: 310}}
	inputs := map[string]InputSource{
		StateSimulateCSV:       {Kind: InputKindCSV, Bucket: c.DataBucket, Key: ManifestKey("default")},
		StateSimulateInventory: {Kind: InputKindInventory, Bucket: c.DataBucket, Key: InventoryManifestKey("default")},
		StateSimulatePrefix:    prepared.Input,
	}
	for _, name := range []string{StateSimulateCSV, StateSimulateInventory, StateSimulatePrefix} {
		s := m.States[name].(*asl.MapState)
		f.apply("input of "+name, asl.PathOf("$.prepared.input"), paths.Normalize(mustJSONValue(t, inputs[name])))
		reader, err := paths.Template(paths.Normalize(s.ItemReader.Parameters), f.data, f.ctx)
		if err != nil {
			t.Fatalf("%s ItemReader: %v", name, err)
		}
		wantKey, wantValue := "Key", inputs[name].Key
		if name == StateSimulatePrefix {
			wantKey, wantValue = "Prefix", inputs[name].Prefix
		}
		if r := reader.(map[string]any); r["Bucket"] != c.DataBucket || len(r) != 2 || r[wantKey] != wantValue {
			t.Errorf("%s ItemReader parameters = %v", name, reader)
		}
		if n := f.get(s.ItemBatcher.MaxItemsPerBatchPath); n != int64(250) {
			t.Errorf("%s MaxItemsPerBatchPath selects %v, want prepare's 250", name, n)
		}
		batchInput, err := paths.Template(paths.Normalize(s.ItemBatcher.BatchInput), f.data, f.ctx)
		if err != nil {
			t.Fatalf("%s BatchInput: %v", name, err)
		}
		var bi SimulateBatchInput
		decodeExact(t, name+" BatchInput", batchInput, &bi)
		if bi.Run != prepared.Run {
			t.Errorf("%s BatchInput.run = %+v, want prepare's run context", name, bi.Run)
		}
		writer, err := paths.Template(paths.Normalize(s.ResultWriter.Parameters), f.data, f.ctx)
		if err != nil {
			t.Fatalf("%s ResultWriter: %v", name, err)
		}
		if w := writer.(map[string]any); w["Bucket"] != c.DataBucket || w["Prefix"] != "scratch/runs/run-42/map" {
			t.Errorf("%s ResultWriter parameters = %v", name, writer)
		}
		// The child execution's input is the ItemBatcher shape.
		child := newFlow(t, &asl.StateMachine{StartAt: s.ItemProcessor.StartAt, States: s.ItemProcessor.States}, "child",
			map[string]any{"Items": items, "BatchInput": batchInput})
		var sim SimulateInput
		decodeExact(t, name+" child task input", child.task(s.ItemProcessor.StartAt, SimulateOutput{}), &sim)
		if sim.Op != OpSimulate || len(sim.Items) != 2 || sim.Items[1].Key != "loans/L2.json" || sim.BatchInput.Run.RunID != "run-42" {
			t.Errorf("%s child task input = %+v", name, sim)
		}
	}

	mapRun := MapRun{MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/SimulatePrefix:1", ResultWriterDetails: ResultWriterDetails{Bucket: c.DataBucket, Key: "scratch/runs/run-42/map/1/manifest.json"}}
	f.state(StateSimulatePrefix)
	f.apply(StateSimulatePrefix, m.States[StateSimulatePrefix].(*asl.MapState).ResultPath, paths.Normalize(mustJSONValue(t, mapRun)))
	report := AggregateOutput{RunID: "run-42", Batches: 2, Loans: 2, ReportKey: ReportKey("run-42"), ReportHTMLKey: ReportHTMLKey("run-42")}
	var agg AggregateInput
	decodeExact(t, "aggregate's input", f.task(StateAggregate, report), &agg)
	if agg.Op != OpAggregate || agg.Run != prepared.Run || agg.Input != prepared.Input || agg.MapRun != mapRun {
		t.Errorf("aggregate input = %+v", agg)
	}
	f.task(StateScaleIn, map[string]any{})
	var out AggregateOutput
	decodeExact(t, "the execution's output", f.get(m.States[StateSucceeded].(*asl.SucceedState).OutputPath.Or("$")), &out)
	if out != report {
		t.Errorf("output = %+v, want aggregate's report", out)
	}
}

func TestGenerateDataFlowMatchesTheWorkerContract(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	m, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, m, "gen-1", map[string]any{"dataset": "big", "loans": 100_000_000})
	f.pass(StateApplyDefaults)
	f.pass(StateMergeInput)
	f.task(StateCheckOwnRuns, map[string]any{"Executions": []any{map[string]any{}}})
	f.task(StateCheckOtherRuns, map[string]any{"Executions": []any{}})
	f.task(StateScaleOut, nil)
	f.pass(StateStartWorkerWait)
	f.task(StateDescribeWorkers, map[string]any{"Services": []any{map[string]any{"RunningCount": 2}}})
	f.pass(StateWorkersReady)

	dataset := DatasetContext{Name: "big", Bucket: c.DataBucket, Prefix: DatasetPrefix("big"), Loans: 100_000_000,
		ShardSize: c.ShardSize, Shards: 10_000, Seed: 1, Layout: LayoutSharded}
	plan := PlanOutput{Dataset: dataset, PlanKey: PlanKey("big"), ResultPrefix: DatasetMapResultPrefix("big")}
	var pin PlanInput
	decodeExact(t, "plan's input", f.task(StatePlan, plan), &pin)
	if pin.Op != OpPlan || pin.ExecutionName != "gen-1" || pin.ShardSize != c.ShardSize || pin.Run.Loans != 100_000_000 || pin.Run.Dataset != "big" || pin.Bucket != c.DataBucket {
		t.Errorf("plan input = %+v", pin)
	}

	s := m.States[StateGenerateShards].(*asl.MapState)
	reader, err := paths.Template(paths.Normalize(s.ItemReader.Parameters), f.data, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := reader.(map[string]any); r["Bucket"] != c.DataBucket || r["Key"] != "datasets/big/plan.csv" {
		t.Errorf("ItemReader parameters = %v", reader)
	}
	batchInput, err := paths.Template(paths.Normalize(s.ItemBatcher.BatchInput), f.data, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A CSV row as the ItemReader delivers it: the header's names, strings.
	row := map[string]any{"shard": "7", "firstLoan": "70000", "loans": "10000"}
	child := newFlow(t, &asl.StateMachine{StartAt: s.ItemProcessor.StartAt, States: s.ItemProcessor.States}, "child",
		map[string]any{"Items": []any{row}, "BatchInput": batchInput})
	var gin GenerateInput
	decodeExact(t, "generate's input", child.task(s.ItemProcessor.StartAt, GenerateOutput{}), &gin)
	if gin.Op != OpGenerate || !slices.Equal(gin.Items, []PlanShard{{Shard: 7, FirstLoan: 70000, Loans: 10000}}) || gin.BatchInput.Dataset != dataset {
		t.Errorf("generate input = %+v", gin)
	}
	writer, err := paths.Template(paths.Normalize(s.ResultWriter.Parameters), f.data, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := writer.(map[string]any); w["Prefix"] != "scratch/datasets/big/map" {
		t.Errorf("ResultWriter parameters = %v", writer)
	}

	mapRun := MapRun{MapRunArn: "arn:x", ResultWriterDetails: ResultWriterDetails{Bucket: c.DataBucket, Key: "scratch/datasets/big/map/1/manifest.json"}}
	f.state(StateGenerateShards)
	f.apply(StateGenerateShards, s.ResultPath, paths.Normalize(mustJSONValue(t, mapRun)))
	manifest := ManifestOutput{Dataset: "big", ManifestKey: ManifestKey("big"), InventoryManifestKey: InventoryManifestKey("big"), SummaryKey: DatasetSummaryKey("big"), Objects: 10_000, Loans: 100_000_000}
	var min ManifestInput
	decodeExact(t, "manifest's input", f.task(StateWriteManifest, manifest), &min)
	if min.Op != OpManifest || min.Dataset != dataset || min.MapRun != mapRun {
		t.Errorf("manifest input = %+v", min)
	}
	var out ManifestOutput
	decodeExact(t, "the execution's output", f.get(m.States[StateSucceeded].(*asl.SucceedState).OutputPath.Or("$")), &out)
	if out != manifest {
		t.Errorf("output = %+v", out)
	}
}

func TestFailedReportsTheOriginalErrorAfterScaleIn(t *testing.T) {
	t.Parallel()
	m, err := Simulate(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, m, "run-1", nil)
	f.pass(StateApplyDefaults)
	f.pass(StateMergeInput)
	f.catch(StateAggregate, ErrAggregateMismatch, "3 loans counted twice")
	// Scale-in after the failure fails too; the original error survives.
	f.catch(StateScaleInAfterFailure, "Ecs.ServerException", "try again")
	fail := m.States[StateFailed].(*asl.FailState)
	errName, err := paths.Evaluate(fail.ErrorPath, f.data, f.ctx)
	if err != nil || errName != ErrAggregateMismatch {
		t.Errorf("Failed's error = %v (%v), want %s", errName, err, ErrAggregateMismatch)
	}
	cause, err := paths.Evaluate(fail.CausePath, f.data, f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := cause.(string); !strings.Contains(s, "3 loans counted twice") || !strings.Contains(s, ErrAggregateMismatch) {
		t.Errorf("Failed's cause = %v, want the original error and cause", cause)
	}

	// A Catch output without a Cause still gives Failed a string cause.
	f.apply("timeout", asl.PathOf(pathError), paths.Normalize(map[string]any{"Error": asl.ErrTimeout}))
	if cause, err := paths.Evaluate(fail.CausePath, f.data, f.ctx); err != nil || !strings.Contains(cause.(string), asl.ErrTimeout) {
		t.Errorf("cause without a Cause = %v, %v", cause, err)
	}
}

func TestRaisedErrorsExplainThemselves(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	m, err := Simulate(c)
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, m, "run-1", nil)
	f.pass(StateApplyDefaults)
	f.pass(StateMergeInput)
	f.task(StateCheckOwnRuns, map[string]any{"Executions": []any{1, 2}})
	f.task(StateCheckOtherRuns, map[string]any{"Executions": []any{1}})
	f.pass(StateRunInProgress)
	if f.get("$.error.Error") != ErrRunInProgress {
		t.Errorf("error = %v", f.get(pathError))
	}
	cause := f.get("$.error.Cause").(string)
	for _, want := range []string{"2 RUNNING executions of montecarlo-simulate, this one included", "1 of montecarlo-generate", "workers of both"} {
		if !strings.Contains(cause, want) {
			t.Errorf("Run.InProgress cause %q lacks %q", cause, want)
		}
	}

	f.pass(StateStartWorkerWait)
	for range c.WorkerWaitMaxPolls {
		f.pass(StateCountWorkerPoll)
	}
	f.pass(StateWorkersNotStarted)
	cause = f.get("$.error.Cause").(string)
	if f.get("$.error.Error") != ErrWorkersNotStarted || !strings.Contains(cause, "after 40 polls 15 s apart") || !strings.Contains(cause, "montecarlo-workers") {
		t.Errorf("Workers.NotStarted = %v", f.get(pathError))
	}

	f.task(StatePrepare, map[string]any{"input": map[string]any{"kind": "s3-select"}})
	f.pass(StateUnknownInputKind)
	if f.get("$.error.Error") != ErrInputInvalid || !strings.Contains(f.get("$.error.Cause").(string), "s3-select") {
		t.Errorf("unknown input kind = %v", f.get(pathError))
	}
}
