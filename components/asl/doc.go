// Package asl is typed Amazon States Language (ASL): the JSON language of AWS
// Step Functions state machines, as specified at https://states-language.net
// and in the AWS Step Functions developer guide. It builds, marshals, parses
// and validates definitions and is pure Go: it imports neither Pulumi nor the
// AWS SDK, so the Pulumi component, the workflow definitions and the local
// Step Functions emulator can all share it.
//
// # Modelling choices
//
// Every field carries the spec's name as its JSON key (PascalCase), so the
// spec can be read beside the code.
//
// A state is one Go struct per state Type (PassState, TaskState,
// ChoiceState, WaitState, SucceedState, FailState, ParallelState, MapState),
// always used by pointer behind the sealed State interface. An interpreter
// switches on the concrete type:
//
//	switch s := st.(type) {
//	case *asl.TaskState:
//		... s.Resource, s.TimeoutSeconds, s.Retry ...
//	case *asl.MapState:
//		... s.ItemProcessor, s.ItemReader, s.ItemBatcher ...
//	}
//
// and State.Type returns the spec's Type string when only the name matters.
// The concrete structs have exported fields in the spec's order, so a reader
// of a parsed definition sees every field; builders (Task, Choice,
// DistributedMap, ...) fill the same structs and are only a convenience.
//
// Optional numbers whose zero differs from absent (MaxAttempts: 0 means "do
// not retry", MaxConcurrency: 0 means "no limit", Wait Seconds: 0 is a valid
// wait) are pointers: nil means absent. Reference paths that may be JSON null
// (InputPath, OutputPath, ResultPath) use the Path type, which distinguishes
// absent, null and a path, and round-trips all three.
//
// Free-form JSON (Parameters, Result, ResultSelector, ItemSelector,
// BatchInput, ...) is held as plain Go JSON values: map[string]any, []any,
// string, bool, nil and numbers. Parse produces json.Number for numbers so
// that no digit is lost; builders may use any Go number. Keys ending in ".$"
// are paths or intrinsic functions, evaluated by the interpreter, not here.
//
// A free-form field set to JSON null is treated as absent. Only the
// JSONPath query language is modelled: JSONata fields (Arguments, Output,
// Items) and workflow variables (Assign) are unknown fields to Parse.
//
// # Building, walking, successors
//
// NewMachine, Task, Pass, Choice (with rule constructors such as
// NumericGreaterThan, And, Or, Not), Wait, Succeed, Fail, Parallel,
// InlineMap and DistributedMap, with RetryOn and CatchOn, build definitions
// that read like the workflow; MachineBuilder.Build validates. Walk visits
// every state of every scope with its JSON path; Scopes lists the scopes;
// Successors, Transition, IsTerminal, Retriers and Catchers read a state's
// control flow without a type switch.
//
// # Deterministic JSON
//
// Marshal and MarshalIndent produce the same bytes for the same definition:
// struct fields in a fixed order (Type first, then the spec's order), and the
// keys of every JSON object that is a Go map, including the States of each
// scope and Parameters payloads, sorted by encoding/json's byte-wise order.
// Insertion order is not kept. Parse followed by Marshal is therefore the
// identity on anything Marshal produced, provided payloads are built from
// maps, slices and scalars: a Go struct inside Parameters marshals in its
// field order and parses back as a map with sorted keys.
//
// # Parsing and validation
//
// Parse is strict: an unknown field, a wrong JSON type or an unknown state
// Type is an error naming its JSON path, for example
// "States.Work.Retry[0].MaxAtempts: unknown field". Validate checks the
// spec's and the service's rules and reports every problem at once as a
// ValidationError listing Problems, each with the path of the state it
// concerns and the rule broken.
package asl
