package asl

import "testing"

func TestEveryBuilderMethodSetsItsSpecField(t *testing.T) {
	t.Parallel()
	params := map[string]any{"k.$": "$.v"}
	child := func() *BranchBuilder { return NewBranch().Comment("child").StartAt("W").Add("W", Succeed()) }
	tests := []struct {
		name  string
		state StateBuilder
		want  string
	}{
		{"Pass", Pass().Comment("c").InputPath("$.in").OutputPath("$.out").Parameters(params).Result(1).ResultPath("$.r").Next("N"),
			`{"Type":"Pass","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Parameters":{"k.$":"$.v"},"Result":1,"ResultPath":"$.r","Next":"N"}`},
		{"Pass discarding its result", Pass().DiscardResult().End(),
			`{"Type":"Pass","ResultPath":null,"End":true}`},
		{"Task", Task("r").Comment("c").InputPath("$.in").OutputPath("$.out").Parameters(params).Credentials(map[string]any{"RoleArn": "role"}).
			ResultSelector(params).ResultPath("$.r").TimeoutSeconds(60).HeartbeatSeconds(20).
			Retry(RetryOn(ErrAll).Comment("rc").IntervalSeconds(2).MaxAttempts(0).BackoffRate(1.5).MaxDelaySeconds(9).JitterStrategy(JitterNone)).
			Catch(CatchOn("F", "E1", "E2").Comment("cc").DiscardResult()).End(),
			`{"Type":"Task","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Resource":"r","Parameters":{"k.$":"$.v"},"Credentials":{"RoleArn":"role"},"ResultSelector":{"k.$":"$.v"},"ResultPath":"$.r","TimeoutSeconds":60,"HeartbeatSeconds":20,"Retry":[{"Comment":"rc","ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":0,"BackoffRate":1.5,"MaxDelaySeconds":9,"JitterStrategy":"NONE"}],"Catch":[{"Comment":"cc","ErrorEquals":["E1","E2"],"Next":"F","ResultPath":null}],"End":true}`},
		{"Task with path timeouts", Task("r").TimeoutSecondsPath("$.t").HeartbeatSecondsPath("$.h").DiscardResult().Next("N"),
			`{"Type":"Task","Resource":"r","ResultPath":null,"TimeoutSecondsPath":"$.t","HeartbeatSecondsPath":"$.h","Next":"N"}`},
		{"Choice", Choice().Comment("c").InputPath("$.in").OutputPath("$.out").When(Or(NumericGreaterThan("$.x", 0.5), BooleanEqualsPath("$.b", "$.c")), "N").Default("D"),
			`{"Type":"Choice","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Choices":[{"Or":[{"Variable":"$.x","NumericGreaterThan":0.5},{"Variable":"$.b","BooleanEqualsPath":"$.c"}],"Next":"N"}],"Default":"D"}`},
		{"Wait for seconds", Wait().Comment("c").InputPath("$.in").OutputPath("$.out").Seconds(0).Next("N"),
			`{"Type":"Wait","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Seconds":0,"Next":"N"}`},
		{"Wait for seconds at a path", Wait().SecondsPath("$.s").End(), `{"Type":"Wait","SecondsPath":"$.s","End":true}`},
		{"Wait until a time", Wait().Timestamp("2026-01-01T00:00:00Z").End(), `{"Type":"Wait","Timestamp":"2026-01-01T00:00:00Z","End":true}`},
		{"Wait until a time at a path", Wait().TimestampPath("$.t").End(), `{"Type":"Wait","TimestampPath":"$.t","End":true}`},
		{"Succeed", Succeed().Comment("c").InputPath("$.in").OutputPath("$.out"),
			`{"Type":"Succeed","Comment":"c","InputPath":"$.in","OutputPath":"$.out"}`},
		{"Fail", Fail("E", "why").Comment("c"), `{"Type":"Fail","Comment":"c","Error":"E","Cause":"why"}`},
		{"Fail from paths", Fail("E", "why").ErrorPath("$.e").CausePath("$.c"), `{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}`},
		{"Parallel", Parallel(child()).Comment("c").InputPath("$.in").OutputPath("$.out").Parameters(params).ResultSelector(params).ResultPath("$.r").
			Retry(RetryOn("E")).Catch(CatchAll("F")).Next("N"),
			`{"Type":"Parallel","Comment":"c","InputPath":"$.in","OutputPath":"$.out","Parameters":{"k.$":"$.v"},"Branches":[{"Comment":"child","StartAt":"W","States":{"W":{"Type":"Succeed"}}}],"ResultSelector":{"k.$":"$.v"},"ResultPath":"$.r","Retry":[{"ErrorEquals":["E"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"Next":"N"}`},
		{"Parallel discarding its result", Parallel(child()).DiscardResult().End(),
			`{"Type":"Parallel","Branches":[{"Comment":"child","StartAt":"W","States":{"W":{"Type":"Succeed"}}}],"ResultPath":null,"End":true}`},
		{"InlineMap", InlineMap(child()).Comment("c").InputPath("$.in").OutputPath("$.out").ItemsPath("$.items").ItemSelector(params).MaxConcurrency(0).
			ResultSelector(params).ResultPath("$.r").Retry(RetryOn("E")).Catch(CatchAll("F")).Next("N"),
			`{"Type":"Map","Comment":"c","InputPath":"$.in","OutputPath":"$.out","ItemsPath":"$.items","ItemSelector":{"k.$":"$.v"},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"INLINE"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"MaxConcurrency":0,"ResultSelector":{"k.$":"$.v"},"ResultPath":"$.r","Retry":[{"ErrorEquals":["E"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"Next":"N"}`},
		{"DistributedMap", DistributedMap(ExecutionExpress, child()).ItemReader(ReadJSONL(params)).MaxItemsPerBatch(10).MaxInputBytesPerBatch(1024).BatchInput(params).
			MaxConcurrencyPath("$.mc").ToleratedFailurePercentagePath("$.p").ToleratedFailureCountPath("$.n").Label("L").
			ResultWriter(WriteToS3("b", "p")).DiscardResult().End(),
			`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"k.$":"$.v"}},"ItemBatcher":{"MaxItemsPerBatch":10,"MaxInputBytesPerBatch":1024,"BatchInput":{"k.$":"$.v"}},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"MaxConcurrencyPath":"$.mc","Label":"L","ToleratedFailurePercentagePath":"$.p","ToleratedFailureCountPath":"$.n","ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},"ResultPath":null,"End":true}`},
		{"DistributedMap with counts", DistributedMap(ExecutionStandard, child()).ItemReader(ReadCSV(params, CSVHeaderGiven, "id", "amount")).ToleratedFailurePercentage(2.5).ToleratedFailureCount(3).End(),
			`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["id","amount"]},"Parameters":{"k.$":"$.v"}},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"ToleratedFailurePercentage":2.5,"ToleratedFailureCount":3,"End":true}`},
		{"DistributedMap over a manifest", DistributedMap(ExecutionStandard, child()).ItemReader(ReadManifest(params)).End(),
			`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"MANIFEST"},"Parameters":{"k.$":"$.v"}},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}`},
		{"DistributedMap over a JSON array", DistributedMap(ExecutionStandard, child()).ItemReader(ReadJSON(params)).End(),
			`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"k.$":"$.v"}},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}`},
		{"DistributedMap over a prefix", DistributedMap(ExecutionStandard, child()).ItemReader(ListObjects(params)).End(),
			`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"k.$":"$.v"}},"ItemProcessor":{"Comment":"child","ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" builds the expected JSON", func(t *testing.T) {
			t.Parallel()
			got, err := encode(tt.state.Build())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMachineBuilderSetsMachineFields(t *testing.T) {
	t.Parallel()
	b := NewMachine("c").Version("1.0").TimeoutSeconds(30).StartAt("B").
		AddState("A", &SucceedState{}).
		Add("B", Pass().Next("A"))
	m := b.MustBuild()
	got, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Comment":"c","Version":"1.0","StartAt":"B","TimeoutSeconds":30,"States":{"A":{"Type":"Succeed"},"B":{"Type":"Pass","Next":"A"}}}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if order := b.Order(); len(order) != 2 || order[0] != "A" || order[1] != "B" {
		t.Errorf("Order() = %q, want [A B]", order)
	}
	if Integration("aws-cn", "s3:getObject") != "arn:aws-cn:states:::s3:getObject" {
		t.Errorf("Integration built %q", Integration("aws-cn", "s3:getObject"))
	}
}

func TestMustBuildPanicsOnAnInvalidDefinition(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustBuild did not panic on a machine without states")
		}
	}()
	NewMachine("empty").MustBuild()
}

func TestRetrierDefaults(t *testing.T) {
	t.Parallel()
	var r Retrier
	if r.Interval() != 1 || r.Attempts() != 3 || r.Backoff() != 2.0 || r.Jitter() != JitterNone {
		t.Errorf("defaults = %d, %d, %g, %s; want the spec's 1, 3, 2.0 and NONE", r.Interval(), r.Attempts(), r.Backoff(), r.Jitter())
	}
	r = RetryOn("E").MaxAttempts(0).IntervalSeconds(7).BackoffRate(1).JitterStrategy(JitterFull).Build()
	if r.Interval() != 7 || r.Attempts() != 0 || r.Backoff() != 1 || r.Jitter() != JitterFull {
		t.Errorf("explicit values not returned: %+v", r)
	}
}
