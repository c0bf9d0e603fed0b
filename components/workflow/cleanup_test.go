package workflow

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

const testCleanupName = "montecarlo-cleanup"

func TestCleanupMatchesItsGoldenFileAndParsesBack(t *testing.T) {
	t.Parallel()
	d, err := CleanupDefinition(testConfig(), testCleanupName)
	if err != nil {
		t.Fatal(err)
	}
	if d.Workflow != WorkflowCleanup || d.Name != testCleanupName || d.FileName() != "cleanup.asl.json" {
		t.Errorf("definition %s %s %s", d.Workflow, d.Name, d.FileName())
	}
	golden := filepath.Join("testdata", d.FileName())
	if *update {
		if err := os.WriteFile(golden, d.JSON, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(d.JSON, want) {
		t.Errorf("cleanup differs from %s; if the change is intended, run go test ./components/workflow -update and review the diff", golden)
	}
	m, err := asl.Parse(d.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
	if again, err := Render(m); err != nil || !bytes.Equal(again, d.JSON) {
		t.Errorf("Parse then Render is not the identity (%v)", err)
	}
}

func TestCleanupRejectsAnInvalidConfig(t *testing.T) {
	t.Parallel()
	c := testConfig()
	c.ServiceName = "no spaces"
	if _, err := Cleanup(c); err == nil || !strings.Contains(err.Error(), "ServiceName") {
		t.Errorf("err = %v, want one naming ServiceName", err)
	}
}

// TestCleanupPropertiesHoldForManyConfigs checks, for seeded random configs,
// that the cleanup validates, never scales out, reaches its scale-in only
// through both listings, scales in the configured service, and lists the
// two workflows' RUNNING executions.
func TestCleanupPropertiesHoldForManyConfigs(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20261121, 2))
	for i := range 100 {
		cfg := randomConfig(r)
		c := cfg.WithDefaults()
		m, err := Cleanup(cfg)
		if err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		var scaleIns []string
		for name, st := range m.States {
			if isScaleOut(st) {
				t.Errorf("config %d: %s scales out", i, name)
			}
			if isScaleIn(st) {
				scaleIns = append(scaleIns, name)
				p := st.(*asl.TaskState).Parameters.(map[string]any)
				if p["Cluster"] != c.ClusterName || p["Service"] != c.ServiceName {
					t.Errorf("config %d: %s scales in %v/%v", i, name, p["Cluster"], p["Service"])
				}
			}
		}
		if len(scaleIns) != 1 {
			t.Fatalf("config %d: scale-in states %v, want one", i, scaleIns)
		}
		listed := map[string]bool{}
		for _, name := range []string{StateCleanupListGenerate, StateCleanupListSimulate} {
			task := m.States[name].(*asl.TaskState)
			p := task.Parameters.(map[string]any)
			listed[p["StateMachineArn"].(string)] = p["StatusFilter"] == "RUNNING"
			if retrierFor(task.Retry, asl.ErrTaskFailed) == nil {
				t.Errorf("config %d: %s does not retry a failed (throttled) call", i, name)
			}
			// Every way to the scale-in passes this listing.
			if way := wayTo(m, m.StartAt, scaleIns[0], name); way != nil {
				t.Errorf("config %d: a way to the scale-in avoids %s: %s", i, name, strings.Join(way, " → "))
			}
		}
		if !listed[c.StateMachineArn(c.GenerateStateMachineName)] || !listed[c.StateMachineArn(c.SimulateStateMachineName)] {
			t.Errorf("config %d: the cleanup lists %v, want RUNNING executions of both workflows", i, listed)
		}
		if retrierFor(m.States[scaleIns[0]].(*asl.TaskState).Retry, asl.ErrTaskFailed) == nil {
			t.Errorf("config %d: the scale-in does not retry a failed (throttled) call", i)
		}
	}
}

// wayTo returns a path from "from" to "to" that does not enter avoid, or nil.
func wayTo(m *asl.StateMachine, from, to, avoid string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == to {
			var way []string
			for x := n; x != ""; x = prev[x] {
				way = append([]string{x}, way...)
			}
			return way
		}
		for _, next := range asl.Successors(m.States[n]) {
			if _, seen := prev[next]; seen || next == avoid {
				continue
			}
			prev[next] = n
			queue = append(queue, next)
		}
	}
	return nil
}

func TestCleanupStatementsCoverItsCallsAndNothingMore(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	m, err := Cleanup(c)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.StateMachineStatements(WorkflowCleanup)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{}
	for _, s := range st {
		for _, a := range s.Action {
			allowed[a] = append(allowed[a], s.Resource...)
		}
	}
	need := map[string]bool{}
	_ = asl.Walk(m, func(v asl.Visit) error {
		if task, ok := v.State.(*asl.TaskState); ok {
			if a, ok := sdkAction(task.Resource); ok {
				need[a] = true
			}
		}
		return nil
	})
	if got, want := slices.Sorted(maps.Keys(allowed)), slices.Sorted(maps.Keys(need)); !slices.Equal(got, want) {
		t.Errorf("statements allow %v, the definition calls %v", got, want)
	}
	if got := allowed["ecs:UpdateService"]; !slices.Equal(got, []string{c.ServiceArn()}) {
		t.Errorf("ecs:UpdateService on %v, want the one service", got)
	}
	if got := slices.Sorted(slices.Values(allowed["states:ListExecutions"])); !slices.Equal(got, []string{
		c.StateMachineArn(c.GenerateStateMachineName), c.StateMachineArn(c.SimulateStateMachineName)}) {
		t.Errorf("states:ListExecutions on %v, want the two workflows", got)
	}
}
