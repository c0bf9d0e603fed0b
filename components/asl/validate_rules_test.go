package asl

import (
	"errors"
	"strings"
	"testing"
)

// one is a machine whose only state, "A", is the given JSON.
func one(state string) string { return `{"StartAt":"A","States":{"A":` + state + `}}` }

// dmap is a machine whose only state, "M", is a Distributed Map with the
// given extra fields and child states (the child starts at "W").
func dmap(execType, fields, child string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map",` + fields + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + execType + `"},"StartAt":"W","States":` + child + `},"End":true}}}`
}

// imap is like dmap for an INLINE Map.
func imap(fields string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map",` + fields + `"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}}}`
}

const okChild = `{"W":{"Type":"Succeed"}}`

type wantProblem struct {
	path string // exact Problem.Path
	msg  string // substring of Problem.Message
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 81)
	big := strings.Repeat("y", MaxPayloadBytes)
	tests := []struct {
		rule string
		doc  string
		want []wantProblem
	}{
		// Scopes and transitions.
		{"StartAt must name a state", `{"StartAt":"Nope","States":{"A":{"Type":"Succeed"}}}`,
			[]wantProblem{{"StartAt", `"Nope" is not a state in this scope`}}},
		{"StartAt is required", `{"States":{"A":{"Type":"Succeed"}}}`,
			[]wantProblem{{"StartAt", "is required"}}},
		{"a scope needs states", `{"StartAt":"A","States":{}}`,
			[]wantProblem{{"States", "at least one state"}}},
		{"Next must name a state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Gone"}}}`,
			[]wantProblem{{"States.A.Next", `"Gone" is not a state in this scope`}, {"States", "no terminal state"}}},
		{"Next cannot leave a Parallel branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"Done"}}}],"Next":"Done"},"Done":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.P.Branches[0].States.B.Next", `"Done" is not a state in this scope`}, {"States.P.Branches[0].States", "no terminal state"}}},
		{"Default must name a state", one(`{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"A"}],"Default":"Gone"}`),
			[]wantProblem{{"States.A.Default", `"Gone" is not a state in this scope`}, {"States", "no terminal state"}}},
		{"a Catch Next must name a state", one(`{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Gone"}],"End":true}`),
			[]wantProblem{{"States.A.Catch[0].Next", `"Gone" is not a state in this scope`}}},
		{"every state is reachable", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"Orphan":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.Orphan", `unreachable from StartAt "A"`}}},
		{"a scope needs a terminal state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`,
			[]wantProblem{{"States", "no terminal state"}}},
		{"every state can reach a terminal state", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.loop","BooleanEquals":true,"Next":"L1"}],"Default":"Done"},"L1":{"Type":"Pass","Next":"L2"},"L2":{"Type":"Wait","Seconds":1,"Next":"L1"},"Done":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.L1", "no path from this state reaches a terminal state"}, {"States.L2", "no path from this state reaches a terminal state"}}},
		{"Next and End are exclusive", one(`{"Type":"Pass","Next":"A","End":true}`),
			[]wantProblem{{"States.A", "has both Next and End"}}},
		{"a non-terminal state needs Next or End", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A", "has neither Next nor End"}, {"States.B", "unreachable"}}},
		{"state names are at most 80 characters", `{"StartAt":"` + long + `","States":{"` + long + `":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States." + long, "state name is 81 characters, more than the 80 allowed"}}},

		{"state names are unique in the whole machine", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Succeed"}}},{"StartAt":"W","States":{"W":{"Type":"Succeed"}}}],"Next":"W"},"W":{"Type":"Succeed"}}}`,
			[]wantProblem{
				{"States.P.Branches[1].States.W", `state name "W" is also used at States.P.Branches[0].States.W`},
				{"States.W", `state name "W" is also used at States.P.Branches[0].States.W`},
			}},

		// Retry and Catch.
		{"MaxAttempts is not negative", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].MaxAttempts", "must be in [0, 99999999], not -1"}}},
		{"BackoffRate is at least 1.0", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].BackoffRate", "must be at least 1.0, not 0.5"}}},
		{"IntervalSeconds is at least 1", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"IntervalSeconds":0}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].IntervalSeconds", "must be in [1, 99999999], not 0"}}},
		{"MaxDelaySeconds is positive when set", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"MaxDelaySeconds":0}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].MaxDelaySeconds", "must be in [1, 31622401], not 0"}}},
		{"JitterStrategy is FULL or NONE", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"JitterStrategy":"SOME"}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].JitterStrategy", `must be FULL or NONE, not "SOME"`}}},
		{"States.ALL stands alone in its ErrorEquals", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X","States.ALL"]}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].ErrorEquals[1]", "States.ALL must appear alone in its ErrorEquals"}}},
		{"States.ALL is only in the last Retrier", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].ErrorEquals[0]", "States.ALL must appear only in the last Retrier"}}},
		{"States.ALL is only in the last Catcher", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"},{"ErrorEquals":["X"],"Next":"B"}],"End":true},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Catch[0].ErrorEquals[0]", "States.ALL must appear only in the last Catcher"}}},
		{"only predefined names start with States.", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.Timeot"]}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].ErrorEquals[0]", `"States.Timeot" is not a predefined error`}}},
		{"an HTTP status code error needs three digits", one(`{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Retry":[{"ErrorEquals":["States.Http.StatusCode.4xx"]}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].ErrorEquals[0]", `"States.Http.StatusCode.4xx" is not a predefined error`}}},
		{"ErrorEquals is not empty", one(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":[]}],"End":true}`),
			[]wantProblem{{"States.A.Retry[0].ErrorEquals", "must list at least one error name"}}},

		// Task.
		{"a Task needs a Resource", one(`{"Type":"Task","End":true}`),
			[]wantProblem{{"States.A.Resource", "is required"}}},
		{"TimeoutSeconds is positive", one(`{"Type":"Task","Resource":"r","TimeoutSeconds":0,"End":true}`),
			[]wantProblem{{"States.A.TimeoutSeconds", "must be a positive integer, not 0"}}},
		{"HeartbeatSeconds is less than TimeoutSeconds", one(`{"Type":"Task","Resource":"r","TimeoutSeconds":60,"HeartbeatSeconds":60,"End":true}`),
			[]wantProblem{{"States.A.HeartbeatSeconds", "must be less than TimeoutSeconds (60 >= 60)"}}},
		{"HeartbeatSeconds is positive", one(`{"Type":"Task","Resource":"r","HeartbeatSeconds":-1,"End":true}`),
			[]wantProblem{{"States.A.HeartbeatSeconds", "must be a positive integer, not -1"}}},
		{"a Wait Timestamp is RFC 3339", one(`{"Type":"Wait","Timestamp":"2026-13-01","End":true}`),
			[]wantProblem{{"States.A.Timestamp", "is not an RFC 3339 timestamp"}}},
		{"TimeoutSeconds and TimeoutSecondsPath are exclusive", one(`{"Type":"Task","Resource":"r","TimeoutSeconds":60,"TimeoutSecondsPath":"$.t","End":true}`),
			[]wantProblem{{"States.A", "sets both TimeoutSeconds and TimeoutSecondsPath"}}},

		// Choice.
		{"a Choice needs a rule", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[],"Default":"B"},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices", "at least one rule"}}},
		{"a rule has exactly one comparison", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"NumericLessThan":2,"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0]", "exactly one comparison operator, found 2 (NumericEquals, NumericLessThan)"}}},
		{"a data-test rule needs a comparison", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0]", "exactly one comparison operator, found none"}}},
		{"a data-test rule needs a Variable", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"IsNull":true,"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0]", "needs a Variable"}}},
		{"a top-level rule needs a Next", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true}],"Default":"B"},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0].Next", "is required"}}},
		{"a nested rule has no Next", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsNull":true,"Next":"B"},"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0].Not.Next", "only a top-level Choice rule may have Next"}}},
		{"a rule is boolean or a data test, not both", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Or":[{"Variable":"$.y","IsNull":true}],"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0]", "either a boolean expression"}}},
		{"And lists at least one rule", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"And":[],"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0].And", "must list at least one rule"}}},
		{"Or lists at least one rule", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Or":[],"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0].Or", "must list at least one rule"}}},
		{"a boolean rule has one of And, Or and Not", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Or":[{"Variable":"$.y","IsNull":true}],"Not":{"Variable":"$.y","IsNull":true},"Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0]", "exactly one of And, Or and Not"}}},
		{"timestamp literals are RFC 3339", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.t","TimestampEquals":"yesterday","Next":"B"}]},"B":{"Type":"Succeed"}}}`,
			[]wantProblem{{"States.A.Choices[0].TimestampEquals", `"yesterday" is not an RFC 3339 timestamp`}}},

		// Wait and Fail.
		{"a Wait needs one of its four fields", one(`{"Type":"Wait","End":true}`),
			[]wantProblem{{"States.A", "exactly one of Seconds, SecondsPath, Timestamp and TimestampPath, found 0"}}},
		{"a Wait takes only one of its four fields", one(`{"Type":"Wait","Seconds":5,"TimestampPath":"$.t","End":true}`),
			[]wantProblem{{"States.A", "found 2 (Seconds, TimestampPath)"}}},
		{"Wait Seconds is not negative", one(`{"Type":"Wait","Seconds":-5,"End":true}`),
			[]wantProblem{{"States.A.Seconds", "must not be negative"}}},
		{"Wait Seconds is at most 99999999", one(`{"Type":"Wait","Seconds":100000000,"End":true}`),
			[]wantProblem{{"States.A.Seconds", "must be at most 99999999"}}},
		{"Fail Cause and CausePath are exclusive", one(`{"Type":"Fail","Cause":"c","CausePath":"$.c"}`),
			[]wantProblem{{"States.A", "sets both Cause and CausePath"}}},
		{"Fail Error and ErrorPath are exclusive", one(`{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`),
			[]wantProblem{{"States.A", "sets both Error and ErrorPath"}}},

		// Parallel.
		{"a Parallel needs a branch", one(`{"Type":"Parallel","Branches":[],"End":true}`),
			[]wantProblem{{"States.A.Branches", "at least one branch"}}},
		{"branches are validated in their own scope", one(`{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["X"],"BackoffRate":0}],"End":true}}}],"End":true}`),
			[]wantProblem{{"States.A.Branches[0].States.B.Retry[0].BackoffRate", "must be at least 1.0"}}},

		// Map.
		{"a Map needs an ItemProcessor", one(`{"Type":"Map","End":true}`),
			[]wantProblem{{"States.A", "needs an ItemProcessor"}}},
		{"ItemSelector and its legacy Parameters are exclusive", imap(`"ItemSelector":{"a":1},"Parameters":{"a":1},`),
			[]wantProblem{{"States.M", "sets both ItemSelector and Parameters"}}},
		{"ToleratedFailurePercentage is in [0, 100]", dmap("STANDARD", `"ToleratedFailurePercentage":101,`, okChild),
			[]wantProblem{{"States.M.ToleratedFailurePercentage", "must be in [0, 100], not 101"}}},
		{"ToleratedFailureCount is not negative", dmap("STANDARD", `"ToleratedFailureCount":-1,`, okChild),
			[]wantProblem{{"States.M.ToleratedFailureCount", "must not be negative"}}},
		{"MaxItemsPerBatch is at least 1", dmap("STANDARD", `"ItemBatcher":{"MaxItemsPerBatch":0},`, okChild),
			[]wantProblem{{"States.M.ItemBatcher.MaxItemsPerBatch", "must be at least 1, not 0"}}},
		{"MaxInputBytesPerBatch is at most 256 KiB", dmap("STANDARD", `"ItemBatcher":{"MaxInputBytesPerBatch":262145},`, okChild),
			[]wantProblem{{"States.M.ItemBatcher.MaxInputBytesPerBatch", "must be in [1, 262144] (256 KiB), not 262145"}}},
		{"an ItemBatcher sets a limit", dmap("STANDARD", `"ItemBatcher":{"BatchInput":{"a":1}},`, okChild),
			[]wantProblem{{"States.M.ItemBatcher", "needs at least one of MaxItemsPerBatch"}}},
		{"MaxConcurrency of a Distributed Map is at most 10000", dmap("STANDARD", `"MaxConcurrency":10001,`, okChild),
			[]wantProblem{{"States.M.MaxConcurrency", "at most 10000 child executions at once, not 10001"}}},
		{"MaxConcurrency is not negative", imap(`"MaxConcurrency":-1,`),
			[]wantProblem{{"States.M.MaxConcurrency", "must not be negative (0 means no limit)"}}},
		{"an EXPRESS child runs no activity", dmap("EXPRESS", "", `{"W":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}}`),
			[]wantProblem{{"States.M.ItemProcessor.States.W.Resource", "an activity task cannot run in an EXPRESS child workflow"}}},
		{"an EXPRESS child waits for no task token, at any depth", dmap("EXPRESS", "", `{"W":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}],"End":true}}`),
			[]wantProblem{{"States.M.ItemProcessor.States.W.Branches[0].States.T.Resource", "a .waitForTaskToken task cannot run in an EXPRESS child workflow"}}},
		{"an EXPRESS child runs no .sync integration", dmap("EXPRESS", "", `{"W":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","End":true}}`),
			[]wantProblem{{"States.M.ItemProcessor.States.W.Resource", "a .sync task cannot run in an EXPRESS child workflow"}}},
		{"a Distributed Map needs an ExecutionType", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}}}`,
			[]wantProblem{{"States.M.ItemProcessor.ProcessorConfig.ExecutionType", "is required when Mode is DISTRIBUTED"}}},
		{"Mode is INLINE or DISTRIBUTED", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"PARALLEL"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}}}`,
			[]wantProblem{{"States.M.ItemProcessor.ProcessorConfig.Mode", `must be INLINE or DISTRIBUTED, not "PARALLEL"`}}},
		{"an INLINE Map has no ItemReader", imap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},`),
			[]wantProblem{{"States.M.ItemReader", "is only allowed on a Distributed Map"}}},
		{"an INLINE Map has no Label, ResultWriter or tolerated failures", imap(`"Label":"x","ResultWriter":{"Resource":"r"},"ToleratedFailureCount":1,"ItemBatcher":{"MaxItemsPerBatch":2},`),
			[]wantProblem{
				{"States.M.ItemBatcher", "is only allowed on a Distributed Map"},
				{"States.M.ResultWriter", "is only allowed on a Distributed Map"},
				{"States.M.ToleratedFailureCount", "is only allowed on a Distributed Map"},
				{"States.M.Label", "is only allowed on a Distributed Map"},
			}},
		{"an ItemReader needs a Resource", dmap("STANDARD", `"ItemReader":{"ReaderConfig":{"InputType":"JSON"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.Resource", "is required"}}},
		{"InputType is known", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"XML"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.InputType", `not "XML"`}}},
		{"GIVEN headers are listed", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.CSVHeaders", "is required with CSVHeaderLocation GIVEN"}}},
		{"MaxItems is in [1, 100000000]", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"JSON","MaxItems":0}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.MaxItems", "must be in [1, 100000000], not 0"}}},
		{"CSVHeaders only come with GIVEN", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW","CSVHeaders":["a"]}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.CSVHeaders", "is only allowed with CSVHeaderLocation GIVEN"}}},
		{"CSVHeaderLocation only comes with CSV", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"JSON","CSVHeaderLocation":"FIRST_ROW"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.CSVHeaderLocation", "is only allowed with InputType CSV"}}},
		{"CSVDelimiter is known", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"CSV","CSVDelimiter":"COLON"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig.CSVDelimiter", `not "COLON"`}}},
		{"MaxItems and MaxItemsPath are exclusive", dmap("STANDARD", `"ItemReader":{"Resource":"r","ReaderConfig":{"InputType":"JSON","MaxItems":5,"MaxItemsPath":"$.n"}},`, okChild),
			[]wantProblem{{"States.M.ItemReader.ReaderConfig", "sets both MaxItems and MaxItemsPath"}}},
		{"ExecutionType is only for DISTRIBUTED", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE","ExecutionType":"EXPRESS"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}}}`,
			[]wantProblem{{"States.M.ItemProcessor.ProcessorConfig.ExecutionType", "is only allowed when Mode is DISTRIBUTED"}}},
		{"ItemProcessor and Iterator are exclusive", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"Iterator":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}}}`,
			[]wantProblem{{"States.M", "sets both ItemProcessor and its legacy form Iterator"}}},
		{"a Label is at most 40 characters", dmap("STANDARD", `"Label":"`+strings.Repeat("l", 41)+`",`, okChild),
			[]wantProblem{{"States.M.Label", "is 41 characters, more than the 40 allowed"}}},
		{"a Label has no whitespace", dmap("STANDARD", `"Label":"my run",`, okChild),
			[]wantProblem{{"States.M.Label", `found ' '`}}},
		{"a ResultWriter says where to write", dmap("STANDARD", `"ResultWriter":{},`, okChild),
			[]wantProblem{{"States.M.ResultWriter", "needs a Resource"}}},
		{"Map processors are validated in their own scope", dmap("STANDARD", "", `{"W":{"Type":"Pass","Next":"X"}}`),
			[]wantProblem{{"States.M.ItemProcessor.States.W.Next", `"X" is not a state in this scope`}, {"States.M.ItemProcessor.States", "no terminal state"}}},

		// Payload and machine-level fields.
		{"a literal fits in the payload quota", one(`{"Type":"Pass","Result":"` + big + `","End":true}`),
			[]wantProblem{{"States.A.Result", "literal is 262146 bytes, above the 262144-byte payload quota"}}},
		{"a template has no field twice once .$ is stripped", one(`{"Type":"Task","Resource":"r","Parameters":{"a":1,"nested":[{"b":2,"b.$":"$.b"}]},"ResultSelector":{"c.$":"$.c","c":3},"End":true}`),
			[]wantProblem{
				{"States.A.Parameters.nested[0].b.$", `duplicates field "b" once the ".$" suffix is stripped`},
				{"States.A.ResultSelector.c.$", `duplicates field "c" once the ".$" suffix is stripped`},
			}},
		{"a Distributed Map's templates have no field twice", dmap("STANDARD", `"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"k":1,"k.$":"$.k"}},"ResultWriter":{"Resource":"r","Parameters":{"Bucket":"b","Bucket.$":"$.b"}},`, okChild),
			[]wantProblem{
				{"States.M.ItemBatcher.BatchInput.k.$", `duplicates field "k"`},
				{"States.M.ResultWriter.Parameters.Bucket.$", `duplicates field "Bucket"`},
			}},
		{"QueryLanguage is JSONPath", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`,
			[]wantProblem{{"QueryLanguage", `must be "JSONPath"`}}},
		{"the machine's TimeoutSeconds is positive", `{"TimeoutSeconds":0,"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`,
			[]wantProblem{{"TimeoutSeconds", "must be a positive integer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = m.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			for _, w := range tt.want {
				found := false
				for _, p := range ve.Problems {
					if p.Path == w.path && strings.Contains(p.Message, w.msg) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem at %q containing %q; got:\n%v", w.path, w.msg, err)
				}
			}
			if len(ve.Problems) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(ve.Problems), len(tt.want), err)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	doc := `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"r","TimeoutSeconds":10,"HeartbeatSeconds":20,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":-2}],"Next":"Gone"},
		"B":{"Type":"Wait","End":true}}}`
	m, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	want := []string{
		"States.A.HeartbeatSeconds: must be less than TimeoutSeconds (20 >= 10)",
		"States.A.Retry[0].MaxAttempts: must be in [0, 99999999], not -2",
		`States.A.Next: "Gone" is not a state in this scope`,
		"States.B: a Wait state needs exactly one of",
		`States.B: state is unreachable from StartAt "A"`,
		"States.A: no path from this state reaches a terminal state",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	if !strings.HasPrefix(err.Error(), "invalid state machine: 6 problems:") {
		t.Errorf("error does not start with a count: %q", err)
	}
}

func TestHintsFlagDistributedMapsThatCarryPayloadsInline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields string
		want   []string
	}{
		{"no ItemReader and no ResultWriter", ``, []string{"without an ItemReader", "without a ResultWriter"}},
		{"an ItemReader but results returned inline", `"ItemReader":{"Resource":"r"},`, []string{"without a ResultWriter"}},
		{"an ItemReader and results discarded", `"ItemReader":{"Resource":"r"},"ResultPath":null,`, nil},
		{"an ItemReader and a ResultWriter", `"ItemReader":{"Resource":"r"},"ResultWriter":{"Resource":"w"},`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(dmap("STANDARD", tt.fields, okChild)))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			hints := m.Hints()
			if len(hints) != len(tt.want) {
				t.Fatalf("got hints %v, want %d", hints, len(tt.want))
			}
			for i, w := range tt.want {
				if hints[i].Path != "States.M" || !strings.Contains(hints[i].Message, w) {
					t.Errorf("hint %d = %v, want States.M: ...%s...", i, hints[i], w)
				}
			}
		})
	}
}

func TestValidateAcceptsTheErrorsAnHTTPTaskRaises(t *testing.T) {
	t.Parallel()
	for _, name := range []string{ErrHTTPSocket, ErrHTTPStatusCodePrefix + "429", ErrHTTPStatusCodePrefix + "503"} {
		t.Run(name+" may be retried and caught", func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(`{"StartAt":"A","States":{
				"A":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Retry":[{"ErrorEquals":["` + name + `"]}],"Catch":[{"ErrorEquals":["` + name + `"],"Next":"B"}],"End":true},
				"B":{"Type":"Fail"}}}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}
