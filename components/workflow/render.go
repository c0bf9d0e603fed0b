package workflow

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// Workflow names, as used for file names and in messages.
const (
	WorkflowGenerate = "generate"
	WorkflowSimulate = "simulate"
)

// Definition is one rendered state machine.
type Definition struct {
	Workflow string // WorkflowGenerate or WorkflowSimulate
	Name     string // the state machine's name (Config.*StateMachineName)
	Machine  *asl.StateMachine
	JSON     []byte // Render(Machine)
}

// FileName returns "<workflow>.asl.json", the name the definitions verb and
// the golden files use.
func (d Definition) FileName() string { return d.Workflow + ".asl.json" }

// Render returns a definition as the service takes it: indented JSON with a
// trailing newline, the same bytes for the same definition.
func Render(sm *asl.StateMachine) ([]byte, error) {
	b, err := asl.MarshalIndent(sm)
	if err != nil {
		return nil, fmt.Errorf("workflow: render: %w", err)
	}
	return append(b, '\n'), nil
}

// Definitions builds and renders both state machines, Generate first.
func Definitions(cfg Config) ([]Definition, error) {
	c, err := prepared(cfg)
	if err != nil {
		return nil, err
	}
	var out []Definition
	for _, w := range []struct {
		workflow, name string
		build          func(Config) (*asl.StateMachine, error)
	}{
		{WorkflowGenerate, c.GenerateStateMachineName, Generate},
		{WorkflowSimulate, c.SimulateStateMachineName, Simulate},
	} {
		m, err := w.build(c)
		if err != nil {
			return nil, err
		}
		js, err := Render(m)
		if err != nil {
			return nil, err
		}
		out = append(out, Definition{Workflow: w.workflow, Name: w.name, Machine: m, JSON: js})
	}
	return out, nil
}
