package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

func defaultRun() RunParams {
	return RunParams{RunDefaults: testConfig().WithDefaults().Defaults}
}

func TestRunParamsValidateAcceptsTheDefaults(t *testing.T) {
	t.Parallel()
	for _, w := range []string{WorkflowGenerate, WorkflowSimulate} {
		if err := defaultRun().Validate(w); err != nil {
			t.Errorf("%s: %v", w, err)
		}
	}
}

func TestRunParamsValidateNamesTheKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		workflow string
		mutate   func(*RunParams)
		want     []string
	}{
		{"no scenarios", WorkflowSimulate, func(p *RunParams) { p.Scenarios = 0 }, []string{`"scenarios" = 0`, "1 to"}},
		{"a target rate in percent", WorkflowSimulate, func(p *RunParams) { p.TargetRate = 8 }, []string{`"targetRate" = 8`}},
		{"a dataset with a slash", WorkflowGenerate, func(p *RunParams) { p.Dataset = "a/b" }, []string{`"dataset"`}},
		{"zero loans to generate", WorkflowGenerate, func(p *RunParams) { p.Loans = 0 }, []string{`"loans" = 0`}},
		{"an unknown layout", WorkflowGenerate, func(p *RunParams) { p.Layout = "csv" }, []string{`"layout" = "csv"`}},
		{"two inputs", WorkflowSimulate, func(p *RunParams) { p.ManifestKey, p.InputPrefix = "m.csv", "loans/" }, []string{`"inputPrefix" and "manifestKey" are all set`}},
		{"a manifest key that is a prefix", WorkflowSimulate, func(p *RunParams) { p.ManifestKey = "loans/" }, []string{`"manifestKey" = "loans/"`}},
		{"a bad input bucket", WorkflowSimulate, func(p *RunParams) { p.InputBucket = "My_Bucket" }, []string{`"inputBucket"`}},
		{"params that are not an object", WorkflowSimulate, func(p *RunParams) { p.Params = json.RawMessage(`[1]`) }, []string{`"params"`}},
		{"a run id with a space", WorkflowSimulate, func(p *RunParams) { p.RunID = "my run" }, []string{`"runId"`}},
		{"a horizon past the model's 120 months", WorkflowSimulate, func(p *RunParams) { p.HorizonMonths = 121 }, []string{`"horizonMonths" = 121: want 1 to 120`}},
		{"a horizon past 120 months to generate too", WorkflowGenerate, func(p *RunParams) { p.HorizonMonths = 121 }, []string{`"horizonMonths" = 121: want 1 to 120`}},
		{"a zero horizon", WorkflowSimulate, func(p *RunParams) { p.HorizonMonths = 0 }, []string{`"horizonMonths" = 0: want 1 to 120`}},
		{"a negative tail shift", WorkflowSimulate, func(p *RunParams) { p.TailShift = -1 }, []string{`"tailShift" = -1: want 0 (plain Monte Carlo) to 5`}},
		{"a tail shift too far out", WorkflowSimulate, func(p *RunParams) { p.TailShift = 5.5 }, []string{`"tailShift" = 5.5`}},
		{"a scenario key given as a URI", WorkflowSimulate, func(p *RunParams) { p.ScenarioKey = "s3://data/s.csv" }, []string{`"scenarioKey" = "s3://data/s.csv"`}},
		{"a scenario key that is a prefix", WorkflowSimulate, func(p *RunParams) { p.ScenarioKey = "runs/_scenarios/" }, []string{`"scenarioKey"`}},
		{"an unknown workflow", "report", func(*RunParams) {}, []string{`unknown workflow "report"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := defaultRun()
			tc.mutate(&p)
			err := p.Validate(tc.workflow)
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
	// Generate ignores the simulation's input keys, and the reverse.
	p := defaultRun()
	p.ManifestKey, p.InputPrefix = "m.csv", "loans/"
	if err := p.Validate(WorkflowGenerate); err != nil {
		t.Errorf("generate judged simulate's keys: %v", err)
	}
	p = defaultRun()
	p.Loans, p.Layout = 0, ""
	if err := p.Validate(WorkflowSimulate); err != nil {
		t.Errorf("simulate judged generate's keys: %v", err)
	}
}

func TestRunParamsValidateAcceptsTheLimits(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*RunParams){
		func(p *RunParams) { p.HorizonMonths = 1 },
		func(p *RunParams) { p.HorizonMonths = MaxHorizonMonths },
		func(p *RunParams) { p.TailShift = MaxTailShift },
		func(p *RunParams) {
			p.ScenarioKey = ScenarioKeyFor(strings.Repeat("ab", 32), "fed-2025-severely-adverse.csv")
		},
	} {
		p := defaultRun()
		mutate(&p)
		if err := p.Validate(WorkflowSimulate); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestScenarioKeysLieWhereTheWorkersRead(t *testing.T) {
	t.Parallel()
	key := ScenarioKeyFor(strings.Repeat("0", 64), "s.csv")
	if !strings.HasPrefix(key, ScenariosPrefix) {
		t.Fatalf("ScenarioKeyFor = %q, not under ScenariosPrefix %q", key, ScenariosPrefix)
	}
	readable := false
	for _, root := range workerReadRoots {
		readable = readable || strings.HasPrefix(key, root)
	}
	if !readable {
		t.Errorf("scenario key %q lies outside the prefixes the workers may read, %v", key, workerReadRoots)
	}
	// No run can own the scenarios' folder.
	runID := strings.TrimSuffix(strings.TrimPrefix(ScenariosPrefix, runsRoot), "/")
	if ValidName(runID) {
		t.Errorf("%q is a valid run id: a run named so would share its folder with the scenario files", runID)
	}
}

func TestLoanScenarioNanosGrowWithTheHorizon(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ horizon, want int }{
		{1, 2000}, {12, 2000}, {DefaultHorizonMonths, 2000}, {54, 4000}, {MaxHorizonMonths, 8889},
	} {
		if got := LoanScenarioNanosAt(2000, tc.horizon); got != tc.want {
			t.Errorf("LoanScenarioNanosAt(2000, %d) = %d, want %d", tc.horizon, got, tc.want)
		}
	}
	// A stack whose default horizon is 120 months derives a simulate
	// timeout 4.4 times the default's share of the work.
	short, long := testConfig(), testConfig()
	long.Defaults.HorizonMonths = MaxHorizonMonths
	s, l := short.WithDefaults().TaskTimeoutSeconds-TaskStartMarginSeconds, long.WithDefaults().TaskTimeoutSeconds-TaskStartMarginSeconds
	if r := float64(l) / float64(s); r < 4.3 || r > 4.5 {
		t.Errorf("timeout beyond the start margin: %d s at 120 months, %d s at 27: ratio %.2f, want about 120/27", l, s, r)
	}
	if err := long.WithDefaults().Validate(); err != nil {
		t.Errorf("a 120-month default: %v", err)
	}
}

func TestDecodeRunParamsRejectsUnknownCaseVariantAndDuplicateKeys(t *testing.T) {
	t.Parallel()
	if _, err := DecodeRunParams([]byte(`{"dataset":"d","scenarois":5}`)); err == nil || !strings.Contains(err.Error(), "scenarois") {
		t.Errorf("err = %v, want the misspelt key named", err)
	}
	// encoding/json alone would take these; the state machines' JSONPath
	// and the workers would not.
	for in, want := range map[string]string{
		`{"dataset":"d","Scenarios":5}`:               `key "Scenarios": unknown field; keys are case-sensitive: did you mean "scenarios"?`,
		`{"dataset":"d","scenarios":5,"scenarios":6}`: `key "scenarios": given twice`,
	} {
		if _, err := DecodeRunParams([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeRunParams(%s) = %v, want an error containing %q", in, err, want)
		}
	}
	p, err := DecodeRunParams([]byte(`{"dataset":"d","scenarios":5,"inputPrefix":"x/","scenarioKey":"s.csv","tailShift":1.5}`))
	if err != nil || p.Scenarios != 5 || p.InputPrefix != "x/" || p.ScenarioKey != "s.csv" || p.TailShift != 1.5 {
		t.Errorf("got %+v, %v", p, err)
	}
}

func TestBatchItemsFollowsTheDocumentedRule(t *testing.T) {
	t.Parallel()
	timeout := SimulateTimeoutSeconds(10000, 1000, 2000, 120) // the defaults: 240 s
	cases := []struct {
		name       string
		batchLoans int
		perObject  int64
		scenarios  int
		want       int
	}{
		{"one loan per object takes the batch size", 1000, 1, 1000, 1000},
		{"unknown loans per object count as one", 1000, 0, 1000, 1000},
		{"a shard larger than the batch is one item", 1000, 10000, 1000, 1},
		{"small shards are grouped", 1000, 100, 1000, 10},
		{"more scenarios than the timeout was derived for shrink the batch", 10000, 1, 4000, 2500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := BatchItems(tc.batchLoans, tc.perObject, timeout, tc.scenarios, 2000)
			if err != nil || got != tc.want {
				t.Errorf("BatchItems = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if _, err := BatchItems(1000, 10000, timeout, 100000, 2000); err == nil || !strings.Contains(err.Error(), "10000 loans at 100000 scenarios") {
		t.Errorf("a shard that cannot fit: err = %v", err)
	}
	if _, err := BatchItems(0, 1, timeout, 1000, 2000); err == nil {
		t.Error("batch loans 0 accepted")
	}
}
