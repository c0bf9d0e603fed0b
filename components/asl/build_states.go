package asl

// PassBuilder builds a PassState.
type PassBuilder struct{ s PassState }

// Pass starts a Pass state.
func Pass() *PassBuilder { return &PassBuilder{} }

// Comment sets the state's Comment.
func (b *PassBuilder) Comment(c string) *PassBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the state sees.
func (b *PassBuilder) InputPath(p string) *PassBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the output passed on.
func (b *PassBuilder) OutputPath(p string) *PassBuilder { b.s.OutputPath = PathOf(p); return b }

// Parameters sets the payload template.
func (b *PassBuilder) Parameters(v any) *PassBuilder { b.s.Parameters = v; return b }

// Result sets the value the state outputs (placed at ResultPath).
func (b *PassBuilder) Result(v any) *PassBuilder { b.s.Result = v; return b }

// ResultPath places the result at path in the input.
func (b *PassBuilder) ResultPath(p string) *PassBuilder { b.s.ResultPath = PathOf(p); return b }

// DiscardResult sets ResultPath null: the output is the input.
func (b *PassBuilder) DiscardResult() *PassBuilder { b.s.ResultPath = NullPath(); return b }

// Next names the following state.
func (b *PassBuilder) Next(name string) *PassBuilder { b.s.Next = name; return b }

// End makes the state terminal.
func (b *PassBuilder) End() *PassBuilder { b.s.End = true; return b }

// Build returns the state.
func (b *PassBuilder) Build() State { return &b.s }

// TaskBuilder builds a TaskState.
type TaskBuilder struct{ s TaskState }

// Task starts a Task state running resource: an activity ARN, a Lambda ARN
// or a service integration (see Integration).
func Task(resource string) *TaskBuilder { return &TaskBuilder{s: TaskState{Resource: resource}} }

// Comment sets the state's Comment.
func (b *TaskBuilder) Comment(c string) *TaskBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the state sees.
func (b *TaskBuilder) InputPath(p string) *TaskBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the output passed on.
func (b *TaskBuilder) OutputPath(p string) *TaskBuilder { b.s.OutputPath = PathOf(p); return b }

// Parameters sets the task input template.
func (b *TaskBuilder) Parameters(v any) *TaskBuilder { b.s.Parameters = v; return b }

// Credentials sets the role the task assumes ({"RoleArn": ...}).
func (b *TaskBuilder) Credentials(v any) *TaskBuilder { b.s.Credentials = v; return b }

// ResultSelector reshapes the task result before ResultPath applies.
func (b *TaskBuilder) ResultSelector(v any) *TaskBuilder { b.s.ResultSelector = v; return b }

// ResultPath places the result at path in the input.
func (b *TaskBuilder) ResultPath(p string) *TaskBuilder { b.s.ResultPath = PathOf(p); return b }

// DiscardResult sets ResultPath null: the output is the input.
func (b *TaskBuilder) DiscardResult() *TaskBuilder { b.s.ResultPath = NullPath(); return b }

// TimeoutSeconds bounds the task; for an activity the clock starts when the
// task is scheduled, not when a worker takes it.
func (b *TaskBuilder) TimeoutSeconds(n int) *TaskBuilder { b.s.TimeoutSeconds = &n; return b }

// TimeoutSecondsPath reads the timeout from the input.
func (b *TaskBuilder) TimeoutSecondsPath(p string) *TaskBuilder {
	b.s.TimeoutSecondsPath = p
	return b
}

// HeartbeatSeconds fails the task with States.HeartbeatTimeout when no
// heartbeat arrives for n seconds.
func (b *TaskBuilder) HeartbeatSeconds(n int) *TaskBuilder { b.s.HeartbeatSeconds = &n; return b }

// HeartbeatSecondsPath reads the heartbeat timeout from the input.
func (b *TaskBuilder) HeartbeatSecondsPath(p string) *TaskBuilder {
	b.s.HeartbeatSecondsPath = p
	return b
}

// Retry appends Retriers, tried in order.
func (b *TaskBuilder) Retry(rs ...*RetryBuilder) *TaskBuilder {
	b.s.Retry = append(b.s.Retry, retriers(rs)...)
	return b
}

// Catch appends Catchers, tried in order after retries are exhausted.
func (b *TaskBuilder) Catch(cs ...*CatchBuilder) *TaskBuilder {
	b.s.Catch = append(b.s.Catch, catchers(cs)...)
	return b
}

// Next names the following state.
func (b *TaskBuilder) Next(name string) *TaskBuilder { b.s.Next = name; return b }

// End makes the state terminal.
func (b *TaskBuilder) End() *TaskBuilder { b.s.End = true; return b }

// Build returns the state.
func (b *TaskBuilder) Build() State { return &b.s }

// ChoiceBuilder builds a ChoiceState.
type ChoiceBuilder struct{ s ChoiceState }

// Choice starts a Choice state; add rules with When.
func Choice() *ChoiceBuilder { return &ChoiceBuilder{} }

// Comment sets the state's Comment.
func (b *ChoiceBuilder) Comment(c string) *ChoiceBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the rules test.
func (b *ChoiceBuilder) InputPath(p string) *ChoiceBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the input passed on.
func (b *ChoiceBuilder) OutputPath(p string) *ChoiceBuilder { b.s.OutputPath = PathOf(p); return b }

// When appends a rule: if it matches (and no earlier rule did), go to next.
func (b *ChoiceBuilder) When(rule ChoiceRule, next string) *ChoiceBuilder {
	rule.Next = next
	b.s.Choices = append(b.s.Choices, rule)
	return b
}

// Default names the state to go to when no rule matches; without it, no
// match fails with States.NoChoiceMatched.
func (b *ChoiceBuilder) Default(name string) *ChoiceBuilder { b.s.Default = name; return b }

// Build returns the state.
func (b *ChoiceBuilder) Build() State { return &b.s }

// WaitBuilder builds a WaitState.
type WaitBuilder struct{ s WaitState }

// Wait starts a Wait state; set exactly one of Seconds, SecondsPath,
// Timestamp and TimestampPath.
func Wait() *WaitBuilder { return &WaitBuilder{} }

// Comment sets the state's Comment.
func (b *WaitBuilder) Comment(c string) *WaitBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the state sees.
func (b *WaitBuilder) InputPath(p string) *WaitBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the input passed on.
func (b *WaitBuilder) OutputPath(p string) *WaitBuilder { b.s.OutputPath = PathOf(p); return b }

// Seconds waits n seconds.
func (b *WaitBuilder) Seconds(n int) *WaitBuilder { b.s.Seconds = &n; return b }

// SecondsPath waits the number of seconds found at path.
func (b *WaitBuilder) SecondsPath(p string) *WaitBuilder { b.s.SecondsPath = p; return b }

// Timestamp waits until an RFC 3339 time.
func (b *WaitBuilder) Timestamp(ts string) *WaitBuilder { b.s.Timestamp = ts; return b }

// TimestampPath waits until the time found at path.
func (b *WaitBuilder) TimestampPath(p string) *WaitBuilder { b.s.TimestampPath = p; return b }

// Next names the following state.
func (b *WaitBuilder) Next(name string) *WaitBuilder { b.s.Next = name; return b }

// End makes the state terminal.
func (b *WaitBuilder) End() *WaitBuilder { b.s.End = true; return b }

// Build returns the state.
func (b *WaitBuilder) Build() State { return &b.s }

// SucceedBuilder builds a SucceedState.
type SucceedBuilder struct{ s SucceedState }

// Succeed starts a Succeed state.
func Succeed() *SucceedBuilder { return &SucceedBuilder{} }

// Comment sets the state's Comment.
func (b *SucceedBuilder) Comment(c string) *SucceedBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the state sees.
func (b *SucceedBuilder) InputPath(p string) *SucceedBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the input the execution outputs.
func (b *SucceedBuilder) OutputPath(p string) *SucceedBuilder { b.s.OutputPath = PathOf(p); return b }

// Build returns the state.
func (b *SucceedBuilder) Build() State { return &b.s }

// FailBuilder builds a FailState.
type FailBuilder struct{ s FailState }

// Fail starts a Fail state with an error name and a cause; either may be ""
// and either may be replaced by its Path variant.
func Fail(errorName, cause string) *FailBuilder {
	return &FailBuilder{s: FailState{Error: errorName, Cause: cause}}
}

// Comment sets the state's Comment.
func (b *FailBuilder) Comment(c string) *FailBuilder { b.s.Comment = c; return b }

// ErrorPath reads the error name from the input (and clears Error).
func (b *FailBuilder) ErrorPath(p string) *FailBuilder { b.s.ErrorPath, b.s.Error = p, ""; return b }

// CausePath reads the cause from the input (and clears Cause).
func (b *FailBuilder) CausePath(p string) *FailBuilder { b.s.CausePath, b.s.Cause = p, ""; return b }

// Build returns the state.
func (b *FailBuilder) Build() State { return &b.s }

// ParallelBuilder builds a ParallelState.
type ParallelBuilder struct {
	s        ParallelState
	branches []*BranchBuilder
}

// Parallel starts a Parallel state running the given branches.
func Parallel(branches ...*BranchBuilder) *ParallelBuilder {
	return &ParallelBuilder{branches: branches}
}

// Comment sets the state's Comment.
func (b *ParallelBuilder) Comment(c string) *ParallelBuilder { b.s.Comment = c; return b }

// InputPath selects the part of the input the branches see.
func (b *ParallelBuilder) InputPath(p string) *ParallelBuilder { b.s.InputPath = PathOf(p); return b }

// OutputPath selects the part of the output passed on.
func (b *ParallelBuilder) OutputPath(p string) *ParallelBuilder {
	b.s.OutputPath = PathOf(p)
	return b
}

// Parameters sets the branches' input template.
func (b *ParallelBuilder) Parameters(v any) *ParallelBuilder { b.s.Parameters = v; return b }

// ResultSelector reshapes the array of branch outputs.
func (b *ParallelBuilder) ResultSelector(v any) *ParallelBuilder { b.s.ResultSelector = v; return b }

// ResultPath places the result at path in the input.
func (b *ParallelBuilder) ResultPath(p string) *ParallelBuilder {
	b.s.ResultPath = PathOf(p)
	return b
}

// DiscardResult sets ResultPath null: the output is the input.
func (b *ParallelBuilder) DiscardResult() *ParallelBuilder { b.s.ResultPath = NullPath(); return b }

// Retry appends Retriers.
func (b *ParallelBuilder) Retry(rs ...*RetryBuilder) *ParallelBuilder {
	b.s.Retry = append(b.s.Retry, retriers(rs)...)
	return b
}

// Catch appends Catchers.
func (b *ParallelBuilder) Catch(cs ...*CatchBuilder) *ParallelBuilder {
	b.s.Catch = append(b.s.Catch, catchers(cs)...)
	return b
}

// Next names the following state.
func (b *ParallelBuilder) Next(name string) *ParallelBuilder { b.s.Next = name; return b }

// End makes the state terminal.
func (b *ParallelBuilder) End() *ParallelBuilder { b.s.End = true; return b }

// Build returns the state with its branches.
func (b *ParallelBuilder) Build() State {
	b.s.Branches = make([]Branch, len(b.branches))
	for i, br := range b.branches {
		b.s.Branches[i] = br.branch()
	}
	return &b.s
}

func (b *ParallelBuilder) errs() []error {
	var errs []error
	for _, br := range b.branches {
		errs = append(errs, br.scope.errs...)
	}
	return errs
}
