package asl

import (
	"fmt"
	"unicode/utf8"
)

// Limits the validator enforces. Sources: states-language.net and the AWS
// Step Functions developer guide ("Step Functions service quotas", "Map
// state in Distributed mode", "ItemBatcher", "Retrying after an error").
const (
	// MaxPayloadBytes is the quota on a state's input and output and on an
	// execution's input: 256 KiB.
	MaxPayloadBytes = 256 * 1024
	// MaxStateNameLength is the longest state name the service accepts.
	MaxStateNameLength = 80
	// MaxLabelLength is the longest Distributed Map Label.
	MaxLabelLength = 40
	// MaxDistributedConcurrency is the most child executions a Distributed
	// Map runs at once; an absent or zero MaxConcurrency means this many.
	MaxDistributedConcurrency = 10000
	// MaxReaderItems bounds an ItemReader's MaxItems.
	MaxReaderItems = 100000000
	// MaxRetryValue bounds MaxAttempts and IntervalSeconds.
	MaxRetryValue = 99999999
	// MaxWaitSeconds bounds a Wait state's Seconds ("an integer value from
	// 0 to 99999999", developer guide, "Wait workflow state").
	MaxWaitSeconds = 99999999
	// MaxDelaySecondsLimit bounds a Retrier's MaxDelaySeconds (one year and
	// a second).
	MaxDelaySecondsLimit = 31622401
)

// Validate checks the definition against the spec's and the service's rules
// and returns nil or a *ValidationError listing every problem, each with the
// path of the state (or field) concerned and the rule broken. Rules:
//
//   - every scope (machine, Parallel branch, Map processor) has states, a
//     StartAt naming one of them, at least one terminal state (End, Succeed,
//     Fail); every state is reachable from StartAt and can reach a terminal
//     state; every Next, Default and Catch Next names a state of the same
//     scope; state names are 1 to 80 characters and unique in the whole
//     machine, nested scopes included;
//   - Pass, Task, Wait, Parallel and Map have exactly one of Next and End;
//   - Retry and Catch: ErrorEquals is not empty; States.ALL appears alone in
//     its ErrorEquals and only in the last Retrier or Catcher; names starting
//     with "States." are predefined ones; MaxAttempts >= 0, IntervalSeconds
//     >= 1, BackoffRate >= 1.0, MaxDelaySeconds >= 1, JitterStrategy FULL or
//     NONE;
//   - Task: Resource is set; TimeoutSeconds and HeartbeatSeconds are
//     positive, each exclusive with its Path variant, and HeartbeatSeconds <
//     TimeoutSeconds;
//   - Choice: at least one rule; each top-level rule has a Next, nested rules
//     do not; each rule is either a data test (Variable and exactly one
//     comparison) or exactly one of And (non-empty), Or (non-empty), Not;
//     timestamp literals are RFC 3339;
//   - Wait: exactly one of Seconds (0 to 99999999), SecondsPath, Timestamp (RFC 3339),
//     TimestampPath; Fail: not both Error and ErrorPath, nor Cause and
//     CausePath;
//   - Parallel: at least one branch; Map: exactly one of ItemProcessor and
//     Iterator; not both ItemSelector and Parameters; Mode INLINE or
//     DISTRIBUTED; ExecutionType STANDARD or EXPRESS, required for
//     DISTRIBUTED and absent for INLINE; ItemReader, ItemBatcher,
//     ResultWriter, ToleratedFailure* and Label only when DISTRIBUTED;
//     MaxConcurrency >= 0 and, when DISTRIBUTED, <= 10000;
//     ToleratedFailurePercentage in [0, 100]; ToleratedFailureCount >= 0;
//     ItemBatcher sets a limit, MaxItemsPerBatch >= 1, MaxInputBytesPerBatch
//     in [1, 262144]; ItemReader has a Resource, a known InputType and
//     CSVHeaderLocation, CSVHeaders exactly when GIVEN, a known
//     CSVDelimiter, MaxItems in [1, 100000000]; Label at most 40 characters
//     without whitespace; each value field exclusive with its Path variant;
//   - inside an EXPRESS child (at any depth) no activity task and no
//     ".sync" or ".waitForTaskToken" integration: Express workflows support
//     neither;
//   - payload: a literal (Pass Result, Parameters, ItemSelector,
//     ResultSelector, BatchInput) must fit in 256 KiB, since it becomes part
//     of a state's input or output; a template has no field that duplicates
//     another once its ".$" suffix is stripped;
//   - QueryLanguage, if set, is JSONPath (the only language modelled here);
//     the machine's TimeoutSeconds is positive.
//
// See Hints for advice that is not an error.
func (m *StateMachine) Validate() error {
	v := &validator{}
	if m.QueryLanguage != "" && m.QueryLanguage != QueryLanguageJSONPath {
		v.add("QueryLanguage", "must be %q (this package models JSONPath definitions only), not %q", QueryLanguageJSONPath, m.QueryLanguage)
	}
	if m.TimeoutSeconds != nil && *m.TimeoutSeconds < 1 {
		v.add("TimeoutSeconds", "must be a positive integer, not %d", *m.TimeoutSeconds)
	}
	v.scope(m.scope(), false)
	v.uniqueNames(m)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

type validator struct {
	problems []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// scope validates one scope and, recursively, the scopes nested in it.
// express is true inside the child workflow of an EXPRESS Distributed Map.
func (v *validator) scope(sc *Scope, express bool) {
	if len(sc.States) == 0 {
		v.add(joinPath(sc.Path, "States"), "a scope must have at least one state")
	}
	switch _, ok := sc.States[sc.StartAt]; {
	case sc.StartAt == "":
		v.add(joinPath(sc.Path, "StartAt"), "is required")
	case !ok && len(sc.States) > 0:
		v.add(joinPath(sc.Path, "StartAt"), "%q is not a state in this scope", sc.StartAt)
	}

	names := sc.Names()
	terminal := false
	for _, name := range names {
		st := sc.States[name]
		path := sc.StatePath(name)
		if st == nil {
			v.add(path, "state is nil")
			continue
		}
		if IsTerminal(st) {
			terminal = true
		}
		v.name(path, name)
		v.state(sc, path, st, express)
	}
	if len(sc.States) > 0 && !terminal {
		v.add(joinPath(sc.Path, "States"), "no terminal state: a scope needs a state with End true, or a Succeed or Fail state")
	}
	if _, ok := sc.States[sc.StartAt]; ok {
		reach := sc.Reachable(sc.StartAt)
		for _, name := range names {
			if !reach[name] {
				v.add(sc.StatePath(name), "state is unreachable from StartAt %q", sc.StartAt)
			}
		}
		if terminal {
			v.dead(sc, names, reach)
		}
	}
}

// uniqueNames reports a state name used twice anywhere in the machine. The
// spec: "State names MUST be unique within the scope of the whole state
// machine", branches and Map processors included (the service, and
// asl-validator, reject duplicates even though transitions never cross a
// scope).
func (v *validator) uniqueNames(m *StateMachine) {
	first := map[string]string{}
	_ = Walk(m, func(vis Visit) error {
		if p, dup := first[vis.Name]; dup {
			v.add(vis.Path, "state name %q is also used at %s; names must be unique in the whole state machine", vis.Name, p)
		} else {
			first[vis.Name] = vis.Path
		}
		return nil
	})
}

// dead reports reachable states from which no terminal state can be
// reached: an execution entering one could never finish.
func (v *validator) dead(sc *Scope, names []string, reach map[string]bool) {
	live := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, name := range names {
			st := sc.States[name]
			if live[name] || st == nil {
				continue
			}
			ok := IsTerminal(st)
			for _, n := range Successors(st) {
				ok = ok || live[n]
			}
			if ok {
				live[name], changed = true, true
			}
		}
	}
	for _, name := range names {
		// A state with no successors at all already has a Next/End or
		// Choices problem; a second message would only repeat it.
		if reach[name] && !live[name] && sc.States[name] != nil && len(Successors(sc.States[name])) > 0 {
			v.add(sc.StatePath(name), "no path from this state reaches a terminal state (End, Succeed or Fail): the execution could never finish")
		}
	}
}

func (v *validator) name(path, name string) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.add(path, "state name must not be empty")
	case n > MaxStateNameLength:
		v.add(path, "state name is %d characters, more than the %d allowed", n, MaxStateNameLength)
	}
}

// target checks that a transition names a state of the scope.
func (v *validator) target(sc *Scope, path, field, next string) {
	if next == "" {
		v.add(joinPath(path, field), "is required")
		return
	}
	if _, ok := sc.States[next]; !ok {
		v.add(joinPath(path, field), "%q is not a state in this scope", next)
	}
}

// transition checks the Next/End pair of a non-terminal-typed state.
func (v *validator) transition(sc *Scope, path, next string, end bool) {
	switch {
	case next != "" && end:
		v.add(path, "has both Next and End; a state either continues or ends")
	case next == "" && !end:
		v.add(path, "has neither Next nor End; set one")
	case next != "":
		v.target(sc, path, "Next", next)
	}
}

func (v *validator) state(sc *Scope, path string, st State, express bool) {
	switch s := st.(type) {
	case *PassState:
		v.transition(sc, path, s.Next, s.End)
		v.payload(path, "Result", s.Result)
		v.template(path, "Parameters", s.Parameters)
	case *TaskState:
		v.transition(sc, path, s.Next, s.End)
		v.task(path, s, express)
		v.errorHandling(sc, path, s.Retry, s.Catch)
		v.template(path, "Parameters", s.Parameters)
		v.template(path, "ResultSelector", s.ResultSelector)
	case *ChoiceState:
		v.choice(sc, path, s)
	case *WaitState:
		v.transition(sc, path, s.Next, s.End)
		v.wait(path, s)
	case *SucceedState:
	case *FailState:
		v.exclusive(path, "Error", s.Error != "", "ErrorPath", s.ErrorPath != "")
		v.exclusive(path, "Cause", s.Cause != "", "CausePath", s.CausePath != "")
	case *ParallelState:
		v.transition(sc, path, s.Next, s.End)
		v.errorHandling(sc, path, s.Retry, s.Catch)
		v.template(path, "Parameters", s.Parameters)
		v.template(path, "ResultSelector", s.ResultSelector)
		if len(s.Branches) == 0 {
			v.add(joinPath(path, "Branches"), "a Parallel state needs at least one branch")
		}
		for _, child := range childScopes(sc, Visit{Path: path, State: s, Scope: sc}) {
			v.scope(child, express)
		}
	case *MapState:
		v.transition(sc, path, s.Next, s.End)
		v.errorHandling(sc, path, s.Retry, s.Catch)
		v.mapState(sc, path, s, express)
	default:
		v.add(path, "unsupported state %T", st)
	}
}
