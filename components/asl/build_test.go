package asl

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const activity = "arn:aws:states:us-east-1:123456789012:activity:montecarlo"

// simulateLike builds a definition shaped like the pipeline's Simulate
// workflow, touching every builder.
func simulateLike() *MachineBuilder {
	worker := NewBranch().
		Add("Simulate batch", Task(activity).
			Parameters(map[string]any{"op": "simulate", "Items.$": "$.Items", "BatchInput.$": "$.BatchInput"}).
			TimeoutSeconds(900).
			HeartbeatSeconds(120).
			Retry(
				RetryOn(ErrHeartbeatTimeout, ErrTimeout, "Worker.Interrupted").IntervalSeconds(1).MaxAttempts(5).BackoffRate(2).MaxDelaySeconds(60).JitterStrategy(JitterFull),
				RetryOn(ErrTaskFailed).MaxAttempts(0),
			).
			End())
	return NewMachine("Simulate a portfolio under a rate scenario").
		TimeoutSeconds(86400).
		StartAt("Guard").
		Add("Guard", Choice().
			When(And(IsPresent("$.runId", true), Not(StringEquals("$.runId", ""))), "Scale out").
			Default("Reject")).
		Add("Reject", Fail("Input.Invalid", "runId is required")).
		Add("Scale out", Task(ResourceECSUpdateService).
			Parameters(map[string]any{"Cluster": "workers", "Service": "sim", "DesiredCount": 10}).
			DiscardResult().
			Catch(CatchAll("Scale in").ResultPath("$.error")).
			Next("Wait for workers")).
		Add("Wait for workers", Wait().Seconds(30).Next("Simulate")).
		Add("Simulate", DistributedMap(ExecutionStandard, worker).
			ItemReader(ReadCSV(map[string]any{"Bucket": "data", "Key.$": "$.manifestKey"}, CSVHeaderFirstRow)).
			MaxItemsPerBatch(500).
			BatchInput(map[string]any{"runId.$": "$.runId"}).
			MaxConcurrency(40).
			ToleratedFailurePercentage(0).
			Label("simulate").
			ResultWriter(WriteToS3("data", "runs/results")).
			ResultPath("$.mapRun").
			Catch(CatchAll("Scale in").ResultPath("$.error")).
			Next("Aggregate")).
		Add("Aggregate", Parallel(
			NewBranch().Add("Report", Task(activity).Parameters(map[string]any{"op": "aggregate"}).End()),
			NewBranch().Add("Summary", Pass().Result(map[string]any{"ok": true}).End()),
		).Catch(CatchAll("Scale in").DiscardResult()).Next("Scale in")).
		Add("Scale in", Task(ResourceECSUpdateService).
			Parameters(map[string]any{"Cluster": "workers", "Service": "sim", "DesiredCount": 0}).
			ResultPath("$.scaleIn").
			Next("Failed?")).
		Add("Failed?", Choice().When(IsPresent("$.error", true), "Failed").Default("Done")).
		Add("Failed", Fail("", "").ErrorPath("$.error.Error").CausePath("$.error.Cause")).
		Add("Done", Succeed())
}

func TestBuilderProducesTheGoldenDefinition(t *testing.T) {
	t.Parallel()
	m, err := simulateLike().Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	out, err := MarshalIndent(m)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "built_simulate.json", out)

	parsed, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse of built definition: %v", err)
	}
	again, err := MarshalIndent(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, again) {
		t.Errorf("parse then marshal changed the built definition\nbuilt:\n%s\nagain:\n%s", out, again)
	}
	if hints := m.Hints(); len(hints) != 0 {
		t.Errorf("a Distributed Map with ItemReader and ResultWriter got hints: %v", hints)
	}
}

func TestBuilderStartsAtTheFirstStateAdded(t *testing.T) {
	t.Parallel()
	m := NewMachine("").Add("First", Pass().Next("Second")).Add("Second", Succeed()).MustBuild()
	if m.StartAt != "First" {
		t.Errorf("StartAt = %q, want First", m.StartAt)
	}
}

func TestBuilderReportsMisuseAndValidationTogether(t *testing.T) {
	t.Parallel()
	_, err := NewMachine("").
		Add("A", Pass().Next("Nowhere")).
		Add("A", Succeed()).
		Add("M", InlineMap(NewBranch().Add("X", Succeed()).Add("X", Succeed())).End()).
		Build()
	if err == nil {
		t.Fatal("Build accepted a definition with a duplicate state and a dangling Next")
	}
	for _, want := range []string{`state "A" added twice`, `in state "M": state "X" added twice`, `States.A.Next: "Nowhere" is not a state in this scope`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("error %v does not wrap a *ValidationError", err)
	}
}

func TestChoiceRuleConstructorsSetOneOperator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule ChoiceRule
		op   string
		val  any
	}{
		{StringEquals("$.s", "a"), "StringEquals", "a"},
		{StringLessThanEqualsPath("$.s", "$.t"), "StringLessThanEqualsPath", "$.t"},
		{StringMatches("$.s", "log-*.txt"), "StringMatches", "log-*.txt"},
		{NumericGreaterThan("$.x", 0), "NumericGreaterThan", 0.0},
		{NumericLessThanPath("$.x", "$.y"), "NumericLessThanPath", "$.y"},
		{BooleanEquals("$.b", true), "BooleanEquals", true},
		{TimestampGreaterThanEquals("$.t", "2026-01-01T00:00:00Z"), "TimestampGreaterThanEquals", "2026-01-01T00:00:00Z"},
		{IsNull("$.n", false), "IsNull", false},
		{IsTimestamp("$.t", true), "IsTimestamp", true},
	}
	for _, tt := range tests {
		t.Run(tt.op+" sets only "+tt.op, func(t *testing.T) {
			t.Parallel()
			got := tt.rule.Comparisons()
			want := []Comparison{{Operator: tt.op, Value: tt.val}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Comparisons() = %v, want %v", got, want)
			}
			if got[0].IsPath() != strings.HasSuffix(tt.op, "Path") {
				t.Errorf("IsPath() = %t for %s", got[0].IsPath(), tt.op)
			}
		})
	}
}
