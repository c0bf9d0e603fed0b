package asl

import (
	"errors"
	"fmt"
)

// Builders fill the state structs so that a definition reads top to bottom
// like the workflow it describes:
//
//	m, err := asl.NewMachine("Simulate a portfolio").
//		StartAt("Guard").
//		Add("Guard", asl.Task(guardArn).Next("Scale out")).
//		Add("Scale out", asl.Task(asl.Integration("aws", "aws-sdk:ecs:updateService")).
//			Parameters(map[string]any{"Cluster": cluster, "Service": service, "DesiredCount": 10}).
//			Retry(asl.RetryOn(asl.ErrTaskFailed).IntervalSeconds(2).MaxAttempts(3)).
//			Catch(asl.CatchAll("Scale in").ResultPath("$.error")).
//			Next("Done")).
//		Add("Scale in", asl.Task(scaleIn).Next("Failed")).
//		Add("Failed", asl.Fail("Run.Failed", "see the error")).
//		Add("Done", asl.Succeed()).
//		Build()
//
// Build validates; the states themselves are plain structs, reachable
// through StateMachine.States, for anything a builder does not cover.

// StateBuilder is a builder of one state: every constructor below returns
// one. Build returns the state being built (not a copy).
type StateBuilder interface {
	Build() State
}

// Int returns a pointer to n, for the optional integer fields.
func Int(n int) *int { return &n }

// Float returns a pointer to f, for the optional number fields.
func Float(f float64) *float64 { return &f }

// Integration returns the Resource of a service integration in a partition,
// e.g. Integration("aws", "aws-sdk:ecs:updateService") is
// "arn:aws:states:::aws-sdk:ecs:updateService".
func Integration(partition, api string) string { return "arn:" + partition + ":states:::" + api }

// Resources of the S3 integrations a Distributed Map uses, in the "aws"
// partition; use Integration for others.
const (
	ResourceS3GetObject      = "arn:aws:states:::s3:getObject"
	ResourceS3ListObjectsV2  = "arn:aws:states:::s3:listObjectsV2"
	ResourceS3PutObject      = "arn:aws:states:::s3:putObject"
	ResourceStartExecution   = "arn:aws:states:::states:startExecution"
	ResourceECSUpdateService = "arn:aws:states:::aws-sdk:ecs:updateService"
)

// scopeBuilder collects the states of a scope in the order they are added
// and the first misuse (a name added twice).
type scopeBuilder struct {
	startAt string
	states  States
	order   []string
	errs    []error
}

func (b *scopeBuilder) add(name string, sb StateBuilder) {
	if b.states == nil {
		b.states = States{}
	}
	if _, dup := b.states[name]; dup {
		b.errs = append(b.errs, fmt.Errorf("state %q added twice", name))
		return
	}
	if sb == nil {
		b.errs = append(b.errs, fmt.Errorf("state %q is nil", name))
		return
	}
	b.states[name] = sb.Build()
	if r, ok := sb.(errReporter); ok {
		for _, err := range r.errs() {
			b.errs = append(b.errs, fmt.Errorf("in state %q: %w", name, err))
		}
	}
	b.order = append(b.order, name)
	if b.startAt == "" {
		b.startAt = name
	}
}

// MachineBuilder builds a StateMachine.
type MachineBuilder struct {
	m     StateMachine
	scope scopeBuilder
}

// NewMachine starts a definition with the given Comment. Unless StartAt is
// called, the first state added is the start.
func NewMachine(comment string) *MachineBuilder {
	return &MachineBuilder{m: StateMachine{Comment: comment}}
}

// StartAt names the first state.
func (b *MachineBuilder) StartAt(name string) *MachineBuilder { b.scope.startAt = name; return b }

// TimeoutSeconds bounds the whole execution.
func (b *MachineBuilder) TimeoutSeconds(n int) *MachineBuilder { b.m.TimeoutSeconds = &n; return b }

// Version sets the ASL version ("1.0").
func (b *MachineBuilder) Version(v string) *MachineBuilder { b.m.Version = v; return b }

// Add adds a state under name. Adding a name twice is an error at Build.
func (b *MachineBuilder) Add(name string, s StateBuilder) *MachineBuilder {
	b.scope.add(name, s)
	return b
}

// AddState adds an already built state, e.g. a struct literal.
func (b *MachineBuilder) AddState(name string, s State) *MachineBuilder {
	if s == nil {
		return b.Add(name, nil)
	}
	return b.Add(name, built{s})
}

// Order returns the state names in the order they were added; useful for
// rendering a definition the way it was written.
func (b *MachineBuilder) Order() []string { return append([]string(nil), b.scope.order...) }

// Machine returns the definition without validating it.
func (b *MachineBuilder) Machine() *StateMachine {
	m := b.m
	m.StartAt = b.scope.startAt
	m.States = b.scope.states
	if m.States == nil {
		m.States = States{}
	}
	return &m
}

// Build returns the definition, or the builder's misuses and every
// validation problem.
func (b *MachineBuilder) Build() (*StateMachine, error) {
	m := b.Machine()
	errs := append([]error(nil), b.scope.errs...)
	if err := m.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("build state machine: %w", errors.Join(errs...))
	}
	return m, nil
}

// MustBuild is Build for definitions fixed at compile time; it panics on
// error.
func (b *MachineBuilder) MustBuild() *StateMachine {
	m, err := b.Build()
	if err != nil {
		panic(err)
	}
	return m
}

type built struct{ s State }

// Build returns the wrapped state.
func (b built) Build() State { return b.s }

// BranchBuilder builds a scope: a Parallel branch or a Map's processor.
type BranchBuilder struct {
	comment string
	scope   scopeBuilder
}

// NewBranch starts a scope. Unless StartAt is called, the first state added
// is the start.
func NewBranch() *BranchBuilder { return &BranchBuilder{} }

// Comment sets the scope's Comment.
func (b *BranchBuilder) Comment(c string) *BranchBuilder { b.comment = c; return b }

// StartAt names the scope's first state.
func (b *BranchBuilder) StartAt(name string) *BranchBuilder { b.scope.startAt = name; return b }

// Add adds a state to the scope.
func (b *BranchBuilder) Add(name string, s StateBuilder) *BranchBuilder {
	b.scope.add(name, s)
	return b
}

func (b *BranchBuilder) branch() Branch {
	states := b.scope.states
	if states == nil {
		states = States{}
	}
	return Branch{Comment: b.comment, StartAt: b.scope.startAt, States: states}
}

// errReporter is a builder that records misuses (a state name added
// twice in a nested scope) for MachineBuilder.Build to report.
type errReporter interface{ errs() []error }

// RetryBuilder builds a Retrier.
type RetryBuilder struct{ r Retrier }

// RetryOn starts a Retrier for the given error names (ErrAll for any).
func RetryOn(errorNames ...string) *RetryBuilder {
	return &RetryBuilder{r: Retrier{ErrorEquals: errorNames}}
}

// Comment sets the Retrier's Comment.
func (b *RetryBuilder) Comment(c string) *RetryBuilder { b.r.Comment = c; return b }

// IntervalSeconds sets the wait before the first retry.
func (b *RetryBuilder) IntervalSeconds(n int) *RetryBuilder { b.r.IntervalSeconds = &n; return b }

// MaxAttempts sets the number of retries; 0 means never retry.
func (b *RetryBuilder) MaxAttempts(n int) *RetryBuilder { b.r.MaxAttempts = &n; return b }

// BackoffRate sets the multiplier of the interval after each attempt.
func (b *RetryBuilder) BackoffRate(f float64) *RetryBuilder { b.r.BackoffRate = &f; return b }

// MaxDelaySeconds caps the interval.
func (b *RetryBuilder) MaxDelaySeconds(n int) *RetryBuilder { b.r.MaxDelaySeconds = &n; return b }

// JitterStrategy sets JitterFull or JitterNone.
func (b *RetryBuilder) JitterStrategy(s string) *RetryBuilder { b.r.JitterStrategy = s; return b }

// Build returns the Retrier.
func (b *RetryBuilder) Build() Retrier { return b.r }

// CatchBuilder builds a Catcher.
type CatchBuilder struct{ c Catcher }

// CatchOn starts a Catcher that goes to next on the given error names.
func CatchOn(next string, errorNames ...string) *CatchBuilder {
	return &CatchBuilder{c: Catcher{ErrorEquals: errorNames, Next: next}}
}

// CatchAll starts a Catcher that goes to next on any error (States.ALL).
func CatchAll(next string) *CatchBuilder { return CatchOn(next, ErrAll) }

// Comment sets the Catcher's Comment.
func (b *CatchBuilder) Comment(c string) *CatchBuilder { b.c.Comment = c; return b }

// ResultPath places the error output at path in the state's input.
func (b *CatchBuilder) ResultPath(path string) *CatchBuilder { b.c.ResultPath = PathOf(path); return b }

// DiscardResult sets ResultPath null: the next state gets the input
// unchanged, without the error.
func (b *CatchBuilder) DiscardResult() *CatchBuilder { b.c.ResultPath = NullPath(); return b }

// Build returns the Catcher.
func (b *CatchBuilder) Build() Catcher { return b.c }

func retriers(bs []*RetryBuilder) []Retrier {
	out := make([]Retrier, len(bs))
	for i, b := range bs {
		out[i] = b.Build()
	}
	return out
}

func catchers(bs []*CatchBuilder) []Catcher {
	out := make([]Catcher, len(bs))
	for i, b := range bs {
		out[i] = b.Build()
	}
	return out
}
