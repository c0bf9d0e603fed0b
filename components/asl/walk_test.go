package asl

import (
	"errors"
	"reflect"
	"testing"
)

func walkPaths(t *testing.T, m *StateMachine, skip string) []string {
	t.Helper()
	var paths []string
	err := Walk(m, func(v Visit) error {
		paths = append(paths, v.Path)
		if v.Scope.StatePath(v.Name) != v.Path || v.Scope.States[v.Name] != v.State {
			t.Errorf("visit %s does not match its scope", v.Path)
		}
		if v.Name == skip {
			return SkipChildren
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return paths
}

func TestWalkVisitsEveryStateInEveryScopeWithItsPath(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	want := []string{
		"States.Aggregate",
		"States.Aggregate.Branches[0].States.Report",
		"States.Aggregate.Branches[1].States.Summary",
		"States.Done",
		"States.Failed",
		"States.Failed?",
		"States.Guard",
		"States.Reject",
		"States.Scale in",
		"States.Scale out",
		"States.Simulate",
		"States.Simulate.ItemProcessor.States.Simulate batch",
		"States.Wait for workers",
	}
	if got := walkPaths(t, m, ""); !reflect.DeepEqual(got, want) {
		t.Errorf("Walk paths =\n%q\nwant\n%q", got, want)
	}
}

func TestWalkSkipsChildrenOnRequest(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	for _, p := range walkPaths(t, m, "Simulate") {
		if p == "States.Simulate.ItemProcessor.States.Simulate batch" {
			t.Errorf("Walk entered the processor of a state whose children were skipped")
		}
	}
}

func TestWalkStopsAtTheFirstError(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	stop := errors.New("stop here")
	n := 0
	err := Walk(m, func(v Visit) error {
		n++
		if v.Name == "Done" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 4 {
		t.Errorf("Walk returned %v after %d visits, want the callback's error after 4", err, n)
	}
}

func TestScopesListsTheMachineThenNestedScopes(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	var got []string
	for _, s := range Scopes(m) {
		got = append(got, s.Path+" owned by "+s.OwnerPath)
	}
	want := []string{
		" owned by ",
		"States.Aggregate.Branches[0] owned by States.Aggregate",
		"States.Aggregate.Branches[1] owned by States.Aggregate",
		"States.Simulate.ItemProcessor owned by States.Simulate",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scopes = %q, want %q", got, want)
	}
}

func TestSuccessors(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	tests := []struct {
		state string
		want  []string
	}{
		{"Guard", []string{"Scale out", "Reject"}},
		{"Scale out", []string{"Wait for workers", "Scale in"}},
		{"Simulate", []string{"Aggregate", "Scale in"}},
		{"Aggregate", []string{"Scale in"}}, // Next and Catch agree: listed once
		{"Failed?", []string{"Failed", "Done"}},
		{"Done", nil},
		{"Reject", nil},
	}
	for _, tt := range tests {
		t.Run("of "+tt.state, func(t *testing.T) {
			t.Parallel()
			if got := Successors(m.States[tt.state]); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Successors(%s) = %q, want %q", tt.state, got, tt.want)
			}
		})
	}
}

func TestEveryPathFromScaleOutReachesScaleIn(t *testing.T) {
	t.Parallel()
	// The property the workflow package tests, here on a definition built
	// the same way: removing Scale in from the graph must cut every path
	// from Scale out to a terminal state.
	m := simulateLike().MustBuild()
	top := Scopes(m)[0]
	without := &Scope{StartAt: top.StartAt, States: States{}}
	for n, s := range top.States {
		if n != "Scale in" {
			without.States[n] = s
		}
	}
	for n := range without.Reachable("Scale out") {
		if IsTerminal(without.States[n]) {
			t.Errorf("%s is reachable from Scale out without passing Scale in", n)
		}
	}
	if !top.Reachable("Scale out")["Done"] {
		t.Errorf("Done is not reachable from Scale out at all")
	}
}

func TestLookupFindsNestedStates(t *testing.T) {
	t.Parallel()
	m := simulateLike().MustBuild()
	s, err := Lookup(m, "States.Simulate.ItemProcessor.States.Simulate batch")
	if err != nil {
		t.Fatal(err)
	}
	task, ok := s.(*TaskState)
	if !ok || task.HeartbeatSeconds == nil || *task.HeartbeatSeconds != 120 {
		t.Errorf("Lookup returned %#v, want the activity task with HeartbeatSeconds 120", s)
	}
	if _, err := Lookup(m, "States.Nope"); err == nil {
		t.Error("Lookup of a missing state returned no error")
	}
}

func TestMapProcessorReadsLegacyIteratorAsInline(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"W","States":{"W":{"Type":"Succeed"}}},"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ms := m.States["M"].(*MapState)
	p := ms.Processor()
	if p == nil || p.StartAt != "W" || ms.Mode() != ModeInline || ms.ExecutionType() != "" {
		t.Errorf("Processor() = %#v, Mode() = %q, want the Iterator as an INLINE processor", p, ms.Mode())
	}
	if got := walkPaths(t, m, ""); !reflect.DeepEqual(got, []string{"States.M", "States.M.Iterator.States.W"}) {
		t.Errorf("Walk paths = %q", got)
	}
}
