package sfnlocal

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// stateMachine is a created state machine. Executions keep the parsed
// definition they started with, so UpdateStateMachine does not change
// running executions (as in the service).
type stateMachine struct {
	arn, name, roleArn, typ string
	definition              string
	def                     *asl.StateMachine
	created                 time.Time
	revision                int
}

// parseDefinition parses and validates a definition, mapping problems to
// InvalidDefinition with every message.
func parseDefinition(def string) (*asl.StateMachine, error) {
	m, err := asl.Parse([]byte(def))
	if err != nil {
		return nil, apiErr(codeInvalidDefinition, "%s", err.Error())
	}
	if err := validateDefinition(m); err != nil {
		return nil, apiErr(codeInvalidDefinition, "%s", err.Error())
	}
	return m, nil
}

// validateDefinition applies asl's rules (which also reject JSONata, the
// one query language the emulator cannot run).
func validateDefinition(m *asl.StateMachine) error {
	return m.Validate()
}

// CreateStateMachine creates a state machine from an Amazon States Language
// definition. Creating one again with the same name and definition returns
// the existing machine; a different definition is StateMachineAlreadyExists.
func (s *Service) CreateStateMachine(_ context.Context, in CreateStateMachineInput) (CreateStateMachineOutput, error) {
	if err := validName("name", in.Name); err != nil {
		return CreateStateMachineOutput{}, err
	}
	typ := in.Type
	if typ == "" {
		typ = "STANDARD"
	}
	if typ != "STANDARD" && typ != "EXPRESS" {
		return CreateStateMachineOutput{}, apiErr(codeValidation, "type must be STANDARD or EXPRESS, got %q", in.Type)
	}
	def, err := parseDefinition(in.Definition)
	if err != nil {
		return CreateStateMachineOutput{}, err
	}
	arn := s.StateMachineARN(in.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.machines[arn]; ok {
		if m.definition == in.Definition && m.roleArn == in.RoleArn && m.typ == typ {
			return CreateStateMachineOutput{StateMachineArn: arn, CreationDate: EpochTime(m.created)}, nil
		}
		return CreateStateMachineOutput{}, apiErr(codeStateMachineExists, "state machine already exists with a different definition or role: %q", arn)
	}
	m := &stateMachine{arn: arn, name: in.Name, roleArn: in.RoleArn, typ: typ, definition: in.Definition, def: def, created: s.now(), revision: 1}
	s.machines[arn] = m
	s.machineOrder = append(s.machineOrder, arn)
	return CreateStateMachineOutput{StateMachineArn: arn, CreationDate: EpochTime(m.created)}, nil
}

func (s *Service) machineLocked(arn string) (*stateMachine, error) {
	if !strings.HasPrefix(arn, "arn:aws:states:") || !strings.Contains(arn, ":stateMachine:") {
		return nil, apiErr(codeInvalidArn, "invalid state machine ARN %q", arn)
	}
	m, ok := s.machines[arn]
	if !ok {
		return nil, apiErr(codeStateMachineDoesNotExist, "state machine does not exist: %q", arn)
	}
	return m, nil
}

// DescribeStateMachine returns a machine's current definition.
func (s *Service) DescribeStateMachine(_ context.Context, in DescribeStateMachineInput) (DescribeStateMachineOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.machineLocked(in.StateMachineArn)
	if err != nil {
		return DescribeStateMachineOutput{}, err
	}
	return DescribeStateMachineOutput{
		StateMachineArn: m.arn, Name: m.name, Status: "ACTIVE", Definition: m.definition,
		RoleArn: m.roleArn, Type: m.typ, CreationDate: EpochTime(m.created), RevisionID: strconv.Itoa(m.revision),
	}, nil
}

// ListStateMachines lists machines in creation order.
func (s *Service) ListStateMachines(_ context.Context, in ListInput) (ListStateMachinesOutput, error) {
	s.mu.Lock()
	items := make([]StateMachineListItem, 0, len(s.machineOrder))
	for _, arn := range s.machineOrder {
		m := s.machines[arn]
		items = append(items, StateMachineListItem{StateMachineArn: m.arn, Name: m.name, Type: m.typ, CreationDate: EpochTime(m.created)})
	}
	s.mu.Unlock()
	out, next, err := page(items, in.MaxResults, in.NextToken)
	return ListStateMachinesOutput{StateMachines: out, NextToken: next}, err
}

// UpdateStateMachine replaces a machine's definition and/or role. Running
// executions keep the definition they started with.
func (s *Service) UpdateStateMachine(_ context.Context, in UpdateStateMachineInput) (UpdateStateMachineOutput, error) {
	if in.Definition == "" && in.RoleArn == "" {
		return UpdateStateMachineOutput{}, apiErr("MissingRequiredParameter", "either definition or roleArn must be given")
	}
	var def *asl.StateMachine
	if in.Definition != "" {
		var err error
		if def, err = parseDefinition(in.Definition); err != nil {
			return UpdateStateMachineOutput{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.machineLocked(in.StateMachineArn)
	if err != nil {
		return UpdateStateMachineOutput{}, err
	}
	if def != nil {
		m.definition, m.def = in.Definition, def
	}
	if in.RoleArn != "" {
		m.roleArn = in.RoleArn
	}
	m.revision++
	return UpdateStateMachineOutput{UpdateDate: EpochTime(s.now()), RevisionID: strconv.Itoa(m.revision)}, nil
}

// DeleteStateMachine deletes a state machine; its running executions run
// on to their end, as in the service.
func (s *Service) DeleteStateMachine(_ context.Context, in DeleteStateMachineInput) (Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.machineLocked(in.StateMachineArn); err != nil {
		if IsAPIError(err, codeStateMachineDoesNotExist) {
			return Empty{}, nil
		}
		return Empty{}, err
	}
	delete(s.machines, in.StateMachineArn)
	s.machineOrder = slices.DeleteFunc(s.machineOrder, func(a string) bool { return a == in.StateMachineArn })
	return Empty{}, nil
}
