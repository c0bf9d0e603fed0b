package asl

// QueryLanguage values of the StateMachine's QueryLanguage field. This
// package models the JSONPath fields; JSONata definitions are outside it.
const (
	QueryLanguageJSONPath = "JSONPath"
	QueryLanguageJSONata  = "JSONata"
)

// StateMachine is a whole definition: the top-level object of an ASL
// document.
type StateMachine struct {
	Comment        string `json:"Comment,omitempty"`
	QueryLanguage  string `json:"QueryLanguage,omitempty"`
	Version        string `json:"Version,omitempty"`
	StartAt        string `json:"StartAt"`
	TimeoutSeconds *int   `json:"TimeoutSeconds,omitempty"`
	States         States `json:"States"`
}

// States maps state names to states within one scope (the machine, a
// Parallel branch or a Map's ItemProcessor). Transitions stay within a
// scope, yet the spec requires names to be unique in the whole machine;
// Validate checks both.
type States map[string]State

// StateType is the spec's "Type" field of a state.
type StateType string

// The eight state types.
const (
	TypePass     StateType = "Pass"
	TypeTask     StateType = "Task"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// State is one state of a definition: *PassState, *TaskState, *ChoiceState,
// *WaitState, *SucceedState, *FailState, *ParallelState or *MapState. The
// set is closed (the interface is sealed) so a type switch over these eight
// is exhaustive.
type State interface {
	// Type returns the spec's Type of the state.
	Type() StateType
	sealed()
}

// newState returns a zero state of the given type, or nil if the type is
// unknown; Parse uses it to pick the Go type from the "Type" field.
func newState(t StateType) State {
	switch t {
	case TypePass:
		return &PassState{}
	case TypeTask:
		return &TaskState{}
	case TypeChoice:
		return &ChoiceState{}
	case TypeWait:
		return &WaitState{}
	case TypeSucceed:
		return &SucceedState{}
	case TypeFail:
		return &FailState{}
	case TypeParallel:
		return &ParallelState{}
	case TypeMap:
		return &MapState{}
	}
	return nil
}

// stateTypes lists the types in the spec's order, for error messages.
var stateTypes = []StateType{TypePass, TypeTask, TypeChoice, TypeWait, TypeSucceed, TypeFail, TypeParallel, TypeMap}

// PassState passes its input to its output, optionally injecting Result.
type PassState struct {
	Comment    string `json:"Comment,omitempty"`
	InputPath  Path   `json:"InputPath,omitzero"`
	OutputPath Path   `json:"OutputPath,omitzero"`
	Parameters any    `json:"Parameters,omitempty"`
	Result     any    `json:"Result,omitempty"`
	ResultPath Path   `json:"ResultPath,omitzero"`
	Next       string `json:"Next,omitempty"`
	End        bool   `json:"End,omitempty"`
}

// TaskState runs the work named by Resource: an activity ARN, a Lambda ARN or
// a service integration such as "arn:aws:states:::aws-sdk:ecs:updateService".
type TaskState struct {
	Comment              string    `json:"Comment,omitempty"`
	InputPath            Path      `json:"InputPath,omitzero"`
	OutputPath           Path      `json:"OutputPath,omitzero"`
	Resource             string    `json:"Resource"`
	Parameters           any       `json:"Parameters,omitempty"`
	Credentials          any       `json:"Credentials,omitempty"`
	ResultSelector       any       `json:"ResultSelector,omitempty"`
	ResultPath           Path      `json:"ResultPath,omitzero"`
	TimeoutSeconds       *int      `json:"TimeoutSeconds,omitempty"`
	TimeoutSecondsPath   string    `json:"TimeoutSecondsPath,omitempty"`
	HeartbeatSeconds     *int      `json:"HeartbeatSeconds,omitempty"`
	HeartbeatSecondsPath string    `json:"HeartbeatSecondsPath,omitempty"`
	Retry                []Retrier `json:"Retry,omitempty"`
	Catch                []Catcher `json:"Catch,omitempty"`
	Next                 string    `json:"Next,omitempty"`
	End                  bool      `json:"End,omitempty"`
}

// WaitState delays for Seconds or SecondsPath, or until Timestamp or
// TimestampPath; exactly one of the four must be set.
type WaitState struct {
	Comment       string `json:"Comment,omitempty"`
	InputPath     Path   `json:"InputPath,omitzero"`
	OutputPath    Path   `json:"OutputPath,omitzero"`
	Seconds       *int   `json:"Seconds,omitempty"`
	SecondsPath   string `json:"SecondsPath,omitempty"`
	Timestamp     string `json:"Timestamp,omitempty"`
	TimestampPath string `json:"TimestampPath,omitempty"`
	Next          string `json:"Next,omitempty"`
	End           bool   `json:"End,omitempty"`
}

// SucceedState ends its scope successfully.
type SucceedState struct {
	Comment    string `json:"Comment,omitempty"`
	InputPath  Path   `json:"InputPath,omitzero"`
	OutputPath Path   `json:"OutputPath,omitzero"`
}

// FailState ends the execution with an error. Error and ErrorPath are
// mutually exclusive, as are Cause and CausePath.
type FailState struct {
	Comment   string `json:"Comment,omitempty"`
	Error     string `json:"Error,omitempty"`
	ErrorPath string `json:"ErrorPath,omitempty"`
	Cause     string `json:"Cause,omitempty"`
	CausePath string `json:"CausePath,omitempty"`
}

// ParallelState runs every branch on the same input and outputs the array of
// their outputs.
type ParallelState struct {
	Comment        string    `json:"Comment,omitempty"`
	InputPath      Path      `json:"InputPath,omitzero"`
	OutputPath     Path      `json:"OutputPath,omitzero"`
	Parameters     any       `json:"Parameters,omitempty"`
	Branches       []Branch  `json:"Branches"`
	ResultSelector any       `json:"ResultSelector,omitempty"`
	ResultPath     Path      `json:"ResultPath,omitzero"`
	Retry          []Retrier `json:"Retry,omitempty"`
	Catch          []Catcher `json:"Catch,omitempty"`
	Next           string    `json:"Next,omitempty"`
	End            bool      `json:"End,omitempty"`
}

// Branch is a scope of its own: a Parallel branch, or a Map's legacy
// Iterator. Its states transition only among themselves.
type Branch struct {
	Comment string `json:"Comment,omitempty"`
	StartAt string `json:"StartAt"`
	States  States `json:"States"`
}

// Type returns "Pass".
func (*PassState) Type() StateType { return TypePass }

// Type returns "Task".
func (*TaskState) Type() StateType { return TypeTask }

// Type returns "Choice".
func (*ChoiceState) Type() StateType { return TypeChoice }

// Type returns "Wait".
func (*WaitState) Type() StateType { return TypeWait }

// Type returns "Succeed".
func (*SucceedState) Type() StateType { return TypeSucceed }

// Type returns "Fail".
func (*FailState) Type() StateType { return TypeFail }

// Type returns "Parallel".
func (*ParallelState) Type() StateType { return TypeParallel }

// Type returns "Map".
func (*MapState) Type() StateType { return TypeMap }

func (*PassState) sealed()     {}
func (*TaskState) sealed()     {}
func (*ChoiceState) sealed()   {}
func (*WaitState) sealed()     {}
func (*SucceedState) sealed()  {}
func (*FailState) sealed()     {}
func (*ParallelState) sealed() {}
func (*MapState) sealed()      {}
