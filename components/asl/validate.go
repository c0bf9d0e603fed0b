package asl

import (
	"fmt"
	"sort"
	"strings"
	"time"
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
//   - Wait: exactly one of Seconds (>= 0), SecondsPath, Timestamp (RFC 3339),
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
//     CSVHeaderLocation, CSVHeaders exactly when GIVEN, a known CSVDelimiter, MaxItems in
//     [1, 100000000]; Label
//     at most 40 characters without whitespace; each value field exclusive
//     with its Path variant;
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

func (v *validator) exclusive(path, a string, hasA bool, b string, hasB bool) {
	if hasA && hasB {
		v.add(path, "sets both %s and %s; they are mutually exclusive", a, b)
	}
}

func (v *validator) payload(path, field string, value any) {
	if value == nil {
		return
	}
	b, err := encode(value)
	if err != nil {
		v.add(joinPath(path, field), "is not JSON: %v", err)
		return
	}
	if len(b) > MaxPayloadBytes {
		v.add(joinPath(path, field), "literal is %d bytes, above the %d-byte payload quota; keep large data in S3 and pass a reference (a Distributed Map with an ItemReader reads items from S3)", len(b), MaxPayloadBytes)
	}
}

func (v *validator) task(path string, s *TaskState, express bool) {
	if s.Resource == "" {
		v.add(joinPath(path, "Resource"), "is required")
	}
	v.exclusive(path, "TimeoutSeconds", s.TimeoutSeconds != nil, "TimeoutSecondsPath", s.TimeoutSecondsPath != "")
	v.exclusive(path, "HeartbeatSeconds", s.HeartbeatSeconds != nil, "HeartbeatSecondsPath", s.HeartbeatSecondsPath != "")
	if s.TimeoutSeconds != nil && *s.TimeoutSeconds < 1 {
		v.add(joinPath(path, "TimeoutSeconds"), "must be a positive integer, not %d", *s.TimeoutSeconds)
	}
	if s.HeartbeatSeconds != nil && *s.HeartbeatSeconds < 1 {
		v.add(joinPath(path, "HeartbeatSeconds"), "must be a positive integer, not %d", *s.HeartbeatSeconds)
	}
	if s.TimeoutSeconds != nil && s.HeartbeatSeconds != nil && *s.HeartbeatSeconds >= *s.TimeoutSeconds {
		v.add(joinPath(path, "HeartbeatSeconds"), "must be less than TimeoutSeconds (%d >= %d)", *s.HeartbeatSeconds, *s.TimeoutSeconds)
	}
	if express {
		// Express workflows support neither activities nor the .sync and
		// .waitForTaskToken integration patterns (developer guide,
		// "Choosing workflow type": Standard vs Express).
		switch {
		case IsActivity(s.Resource):
			v.add(joinPath(path, "Resource"), "an activity task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		case strings.HasSuffix(s.Resource, ".waitForTaskToken"):
			v.add(joinPath(path, "Resource"), "a .waitForTaskToken task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		case strings.HasSuffix(s.Resource, ".sync") || strings.Contains(s.Resource, ".sync:"):
			v.add(joinPath(path, "Resource"), "a .sync task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		}
	}
}

// IsActivity reports whether a Task Resource is an activity ARN
// (arn:<partition>:states:<region>:<account>:activity:<name>).
func IsActivity(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}

// predefinedErrors are the "States." names a Retrier or Catcher may use.
var predefinedErrors = map[string]bool{
	ErrAll: true, ErrHeartbeatTimeout: true, ErrTimeout: true, ErrTaskFailed: true,
	ErrPermissions: true, ErrResultPathMatchFailure: true, ErrParameterPathFailure: true,
	ErrQueryEvaluationError: true, ErrBranchFailed: true, ErrNoChoiceMatched: true,
	ErrIntrinsicFailure: true, ErrExceedToleratedFailureThreshold: true,
	ErrItemReaderFailed: true, ErrResultWriterFailed: true, ErrDataLimitExceeded: true,
	ErrRuntime: true,
}

// errorEquals checks one ErrorEquals list. The spec: "States.ALL" MUST
// appear alone in its ErrorEquals and MUST appear in the last Retrier (or
// Catcher).
func (v *validator) errorEquals(path string, names []string, last bool, kind string) {
	if len(names) == 0 {
		v.add(joinPath(path, "ErrorEquals"), "must list at least one error name")
	}
	for j, n := range names {
		switch {
		case n == ErrAll && len(names) > 1:
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%s must appear alone in its ErrorEquals", ErrAll)
		case n == ErrAll && !last:
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%s must appear only in the last %s", ErrAll, kind)
		case strings.HasPrefix(n, "States.") && !predefinedErrors[n]:
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%q is not a predefined error; only predefined names may start with \"States.\"", n)
		case n == "":
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "error name must not be empty")
		}
	}
}

func (v *validator) errorHandling(sc *Scope, path string, retry []Retrier, catch []Catcher) {
	for i, r := range retry {
		p := indexPath(joinPath(path, "Retry"), i)
		v.errorEquals(p, r.ErrorEquals, i == len(retry)-1, "Retrier")
		if r.MaxAttempts != nil && (*r.MaxAttempts < 0 || *r.MaxAttempts > MaxRetryValue) {
			v.add(joinPath(p, "MaxAttempts"), "must be in [0, %d], not %d", MaxRetryValue, *r.MaxAttempts)
		}
		if r.IntervalSeconds != nil && (*r.IntervalSeconds < 1 || *r.IntervalSeconds > MaxRetryValue) {
			v.add(joinPath(p, "IntervalSeconds"), "must be in [1, %d], not %d", MaxRetryValue, *r.IntervalSeconds)
		}
		if r.BackoffRate != nil && *r.BackoffRate < 1.0 {
			v.add(joinPath(p, "BackoffRate"), "must be at least 1.0, not %g", *r.BackoffRate)
		}
		if r.MaxDelaySeconds != nil && (*r.MaxDelaySeconds < 1 || *r.MaxDelaySeconds > MaxDelaySecondsLimit) {
			v.add(joinPath(p, "MaxDelaySeconds"), "must be in [1, %d], not %d", MaxDelaySecondsLimit, *r.MaxDelaySeconds)
		}
		if r.JitterStrategy != "" && r.JitterStrategy != JitterFull && r.JitterStrategy != JitterNone {
			v.add(joinPath(p, "JitterStrategy"), "must be %s or %s, not %q", JitterFull, JitterNone, r.JitterStrategy)
		}
	}
	for i, c := range catch {
		p := indexPath(joinPath(path, "Catch"), i)
		v.errorEquals(p, c.ErrorEquals, i == len(catch)-1, "Catcher")
		v.target(sc, p, "Next", c.Next)
	}
}

func (v *validator) choice(sc *Scope, path string, s *ChoiceState) {
	if len(s.Choices) == 0 {
		v.add(joinPath(path, "Choices"), "a Choice state needs at least one rule")
	}
	for i := range s.Choices {
		p := indexPath(joinPath(path, "Choices"), i)
		v.target(sc, p, "Next", s.Choices[i].Next)
		v.rule(p, &s.Choices[i], true)
	}
	if s.Default != "" {
		v.target(sc, path, "Default", s.Default)
	}
}

// rule checks a Choice Rule's shape, recursively.
func (v *validator) rule(path string, r *ChoiceRule, top bool) {
	if !top && r.Next != "" {
		v.add(joinPath(path, "Next"), "only a top-level Choice rule may have Next")
	}
	comps := r.Comparisons()
	bools := 0
	for _, set := range []bool{r.And != nil, r.Or != nil, r.Not != nil} {
		if set {
			bools++
		}
	}
	switch {
	case bools > 1:
		v.add(path, "a boolean rule has exactly one of And, Or and Not")
	case bools == 1 && (len(comps) > 0 || r.Variable != ""):
		v.add(path, "a rule is either a boolean expression (And, Or, Not) or a data test (Variable and a comparison), not both")
	case bools == 0 && r.Variable == "":
		v.add(path, "a data-test rule needs a Variable")
	}
	if bools == 0 {
		switch len(comps) {
		case 0:
			v.add(path, "a data-test rule needs exactly one comparison operator, found none")
		case 1:
		default:
			ops := make([]string, len(comps))
			for i, c := range comps {
				ops[i] = c.Operator
			}
			v.add(path, "a data-test rule needs exactly one comparison operator, found %d (%s)", len(comps), strings.Join(ops, ", "))
		}
	}
	for _, c := range comps {
		if strings.HasPrefix(c.Operator, "Timestamp") && !c.IsPath() {
			if _, err := time.Parse(time.RFC3339, c.Value.(string)); err != nil {
				v.add(joinPath(path, c.Operator), "%q is not an RFC 3339 timestamp", c.Value)
			}
		}
	}
	if r.And != nil && len(r.And) == 0 {
		v.add(joinPath(path, "And"), "must list at least one rule")
	}
	if r.Or != nil && len(r.Or) == 0 {
		v.add(joinPath(path, "Or"), "must list at least one rule")
	}
	for i := range r.And {
		v.rule(indexPath(joinPath(path, "And"), i), &r.And[i], false)
	}
	for i := range r.Or {
		v.rule(indexPath(joinPath(path, "Or"), i), &r.Or[i], false)
	}
	if r.Not != nil {
		v.rule(joinPath(path, "Not"), r.Not, false)
	}
}

func (v *validator) wait(path string, s *WaitState) {
	var set []string
	if s.Seconds != nil {
		set = append(set, "Seconds")
		if *s.Seconds < 0 {
			v.add(joinPath(path, "Seconds"), "must not be negative, not %d", *s.Seconds)
		}
	}
	if s.SecondsPath != "" {
		set = append(set, "SecondsPath")
	}
	if s.Timestamp != "" {
		set = append(set, "Timestamp")
		if _, err := time.Parse(time.RFC3339, s.Timestamp); err != nil {
			v.add(joinPath(path, "Timestamp"), "%q is not an RFC 3339 timestamp", s.Timestamp)
		}
	}
	if s.TimestampPath != "" {
		set = append(set, "TimestampPath")
	}
	if len(set) != 1 {
		v.add(path, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath, found %d%s", len(set), listed(set))
	}
}

func listed(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// template checks a payload template (Parameters, ResultSelector,
// ItemSelector, BatchInput): its size, as payload does, and the spec's rule
// that "a JSON object MUST NOT have duplicate field names after fields
// ending with the characters ".$" are renamed to strip the ".$" suffix".
func (v *validator) template(path, field string, value any) {
	v.payload(path, field, value)
	v.duplicateFields(joinPath(path, field), value)
}

func (v *validator) duplicateFields(path string, value any) {
	switch x := value.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if plain, ok := strings.CutSuffix(k, ".$"); ok {
				if _, dup := x[plain]; dup {
					v.add(joinPath(path, k), "duplicates field %q once the \".$\" suffix is stripped", plain)
				}
			}
			v.duplicateFields(joinPath(path, k), x[k])
		}
	case []any:
		for i, e := range x {
			v.duplicateFields(indexPath(path, i), e)
		}
	}
}
