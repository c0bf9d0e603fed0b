package asl

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a definition: where, and which rule.
type Problem struct {
	// Path locates the offender in the JSON document, e.g.
	// "States.Process.ItemProcessor.States.Work" or
	// "States.Work.Retry[0].MaxAttempts"; "" is the document itself.
	Path string
	// Message states the rule broken, e.g. "Next \"Done\" is not a state in
	// this scope".
	Message string
}

// Error formats the problem as "path: message".
func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem Validate found.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line after a count.
func (e *ValidationError) Error() string { return formatProblems("invalid state machine", e.Problems) }

// ParseError lists every problem Parse found: JSON that is not a definition
// this package can represent (unknown fields, wrong JSON types, unknown
// state types).
type ParseError struct {
	Problems []Problem
}

// Error lists the problems, one per line after a count.
func (e *ParseError) Error() string { return formatProblems("parse state machine", e.Problems) }

func formatProblems(prefix string, ps []Problem) string {
	if len(ps) == 1 {
		return prefix + ": " + ps[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", prefix, len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// joinPath appends a field name to a JSON path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath appends an array index to a JSON path.
func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
