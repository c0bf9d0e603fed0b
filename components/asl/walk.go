package asl

import (
	"errors"
	"fmt"
	"sort"
)

// Scope is one namespace of states: the machine itself, a Parallel branch
// or a Map's processor. Transitions (Next, Default, Catch) stay within a
// scope.
type Scope struct {
	// Path is the JSON path of the object holding StartAt and States:
	// "" for the machine, "States.Fan.Branches[0]" for a branch,
	// "States.Process.ItemProcessor" for a Map's processor.
	Path    string
	StartAt string
	States  States
	// Owner is the Parallel or Map state whose branch or processor this
	// is, and OwnerPath its path; both are empty for the machine's scope.
	Owner     State
	OwnerPath string
	// Parent is the enclosing scope, nil for the machine's.
	Parent *Scope
}

// StatePath returns the JSON path of the named state in the scope, e.g.
// "States.Process.ItemProcessor.States.Work".
func (s *Scope) StatePath(name string) string { return joinPath(joinPath(s.Path, "States"), name) }

// Names returns the scope's state names, sorted.
func (s *Scope) Names() []string {
	names := make([]string, 0, len(s.States))
	for n := range s.States {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Reachable returns the set of states reachable from the named state
// (itself included) by following Successors within the scope. Names that
// are not states of the scope are ignored.
func (s *Scope) Reachable(from string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		st, ok := s.States[n]
		if !ok || seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, Successors(st)...)
	}
	return seen
}

// Visit is one state met by Walk.
type Visit struct {
	Path  string // JSON path, e.g. "States.Process.ItemProcessor.States.Work"
	Name  string // the state's name within its scope
	State State
	Scope *Scope // the scope that holds the state
}

// SkipChildren, returned by a Walk callback, skips the nested scopes of the
// visited Parallel or Map state and continues with its siblings.
var SkipChildren = errors.New("asl: skip the children of this state")

// Walk calls fn for every state in every scope of the machine, depth first:
// the states of a scope in sorted name order, and each Parallel or Map state
// immediately followed by the states of its branches or processor. It stops
// at and returns the first error fn returns, except SkipChildren.
func Walk(m *StateMachine, fn func(Visit) error) error {
	return walkScope(m.scope(), fn)
}

func walkScope(sc *Scope, fn func(Visit) error) error {
	for _, name := range sc.Names() {
		st := sc.States[name]
		v := Visit{Path: sc.StatePath(name), Name: name, State: st, Scope: sc}
		err := fn(v)
		if errors.Is(err, SkipChildren) {
			continue
		}
		if err != nil {
			return err
		}
		for _, child := range childScopes(sc, v) {
			if err := walkScope(child, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Scopes returns every scope of the machine, the machine's own first, in
// Walk's order.
func Scopes(m *StateMachine) []*Scope {
	top := m.scope()
	out := []*Scope{top}
	_ = Walk(m, func(v Visit) error {
		out = append(out, childScopes(v.Scope, v)...)
		return nil
	})
	return out
}

func (m *StateMachine) scope() *Scope {
	return &Scope{StartAt: m.StartAt, States: m.States}
}

// childScopes returns the scopes nested directly in the visited state.
func childScopes(parent *Scope, v Visit) []*Scope {
	switch s := v.State.(type) {
	case *ParallelState:
		out := make([]*Scope, len(s.Branches))
		for i, b := range s.Branches {
			out[i] = &Scope{
				Path: indexPath(joinPath(v.Path, "Branches"), i), StartAt: b.StartAt, States: b.States,
				Owner: s, OwnerPath: v.Path, Parent: parent,
			}
		}
		return out
	case *MapState:
		var out []*Scope
		if p := s.ItemProcessor; p != nil {
			out = append(out, &Scope{
				Path: joinPath(v.Path, "ItemProcessor"), StartAt: p.StartAt, States: p.States,
				Owner: s, OwnerPath: v.Path, Parent: parent,
			})
		}
		if it := s.Iterator; it != nil {
			out = append(out, &Scope{
				Path: joinPath(v.Path, "Iterator"), StartAt: it.StartAt, States: it.States,
				Owner: s, OwnerPath: v.Path, Parent: parent,
			})
		}
		return out
	}
	return nil
}

// Successors returns the names of the states the given state can transition
// to within its scope, in this order and without repeats: Next, each Choice
// rule's Next, Default, then each Catcher's Next. Terminal states have none.
func Successors(s State) []string {
	var out []string
	add := func(n string) {
		if n == "" {
			return
		}
		for _, o := range out {
			if o == n {
				return
			}
		}
		out = append(out, n)
	}
	next, _ := Transition(s)
	add(next)
	if c, ok := s.(*ChoiceState); ok {
		for _, r := range c.Choices {
			add(r.Next)
		}
		add(c.Default)
	}
	for _, c := range Catchers(s) {
		add(c.Next)
	}
	return out
}

// Transition returns the state's Next and End fields. Choice, Succeed and
// Fail have neither and return ("", false).
func Transition(s State) (next string, end bool) {
	switch s := s.(type) {
	case *PassState:
		return s.Next, s.End
	case *TaskState:
		return s.Next, s.End
	case *WaitState:
		return s.Next, s.End
	case *ParallelState:
		return s.Next, s.End
	case *MapState:
		return s.Next, s.End
	}
	return "", false
}

// IsTerminal reports whether the state can end its scope: End is true, or
// it is a Succeed or Fail state.
func IsTerminal(s State) bool {
	switch s := s.(type) {
	case *SucceedState, *FailState:
		return true
	default:
		_, end := Transition(s)
		return end
	}
}

// Retriers returns the state's Retry list (Task, Parallel and Map only).
func Retriers(s State) []Retrier {
	switch s := s.(type) {
	case *TaskState:
		return s.Retry
	case *ParallelState:
		return s.Retry
	case *MapState:
		return s.Retry
	}
	return nil
}

// Catchers returns the state's Catch list (Task, Parallel and Map only).
func Catchers(s State) []Catcher {
	switch s := s.(type) {
	case *TaskState:
		return s.Catch
	case *ParallelState:
		return s.Catch
	case *MapState:
		return s.Catch
	}
	return nil
}

// Lookup returns the state at a path Walk reports, such as
// "States.Process.ItemProcessor.States.Work".
func Lookup(m *StateMachine, path string) (State, error) {
	var found State
	err := Walk(m, func(v Visit) error {
		if v.Path == path {
			found = v.State
			return errStop
		}
		return nil
	})
	if found == nil {
		if err != nil && !errors.Is(err, errStop) {
			return nil, err
		}
		return nil, fmt.Errorf("lookup %q: no such state", path)
	}
	return found, nil
}

var errStop = errors.New("stop")
