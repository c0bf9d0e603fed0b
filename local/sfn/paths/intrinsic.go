package paths

import (
	"fmt"
	"strconv"
	"strings"
)

// Intrinsic functions of the Amazon States Language
// (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
// Limits below are the documented ones.
const (
	maxIntrinsicNesting = 10      // "You can nest up to 10 intrinsic functions"
	maxArrayRange       = 1000    // States.ArrayRange: "up to 1000 elements"
	maxBase64Input      = 10000   // States.Base64Encode/Decode: "up to 10,000 characters"
	maxMathRandomBound  = 1 << 31 // arguments are 32-bit integers
)

// argKind tells how an intrinsic argument was written.
type argKind int

const (
	argLiteral argKind = iota // a string, number, boolean or null literal
	argPath                   // a Path: "$.x" or "$$.x"
	argCall                   // a nested intrinsic function call
)

type arg struct {
	kind  argKind
	value any    // the literal's value
	raw   string // string literal as written, escapes kept (for States.Format)
	path  string
	call  *call
}

type call struct {
	name string
	args []arg
}

// Intrinsic parses and evaluates an intrinsic function call such as
// "States.Format('Hello, {}', $.name)". Failures are States.IntrinsicFailure,
// except paths that select nothing (States.Runtime).
func Intrinsic(expr string, input, context any) (any, error) {
	p := &parser{s: expr}
	c, err := p.parseCall(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected %q after the closing parenthesis", p.s[p.i:])
	}
	return c.eval(input, context)
}

type parser struct {
	s string
	i int
}

func (p *parser) errorf(format string, a ...any) error {
	return Errorf(ErrIntrinsicFailure, "invalid intrinsic function %q at offset %d: %s", p.s, p.i, fmt.Sprintf(format, a...))
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *parser) parseCall(depth int) (*call, error) {
	if depth >= maxIntrinsicNesting {
		return nil, p.errorf("more than %d nested intrinsic functions", maxIntrinsicNesting)
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '(' {
		p.i++
	}
	if p.i == len(p.s) {
		return nil, p.errorf("missing '('")
	}
	c := &call{name: strings.TrimSpace(p.s[start:p.i])}
	if _, ok := functions[c.name]; !ok {
		return nil, p.errorf("unknown function %q", c.name)
	}
	p.i++ // (
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return c, nil
	}
	for {
		p.skipSpace()
		a, err := p.parseArg(depth)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("missing ')'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
			p.i++
			return c, nil
		default:
			return nil, p.errorf("expected ',' or ')', got %q", p.s[p.i])
		}
	}
}

func (p *parser) parseArg(depth int) (arg, error) {
	if p.i >= len(p.s) {
		return arg{}, p.errorf("missing argument")
	}
	switch ch := p.s[p.i]; {
	case ch == '\'':
		return p.parseString()
	case ch == '$':
		return p.parsePath()
	case ch == '-' || (ch >= '0' && ch <= '9'):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		v, err := DecodeString(p.s[start:p.i])
		if err != nil {
			return arg{}, p.errorf("invalid number %q", p.s[start:p.i])
		}
		return arg{kind: argLiteral, value: v}, nil
	case strings.HasPrefix(p.s[p.i:], "States."):
		c, err := p.parseCall(depth + 1)
		if err != nil {
			return arg{}, err
		}
		return arg{kind: argCall, call: c}, nil
	}
	for _, lit := range []struct {
		word  string
		value any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.s[p.i:], lit.word) {
			p.i += len(lit.word)
			return arg{kind: argLiteral, value: lit.value}, nil
		}
	}
	return arg{}, p.errorf("unexpected %q: arguments are 'strings', numbers, true, false, null, paths or States functions", p.s[p.i])
}

// parseString reads a single-quoted literal. A backslash escapes the next
// character (\' \\ \{ \}); the raw text keeps the escapes so that
// States.Format can tell a literal "\{}" from a placeholder.
func (p *parser) parseString() (arg, error) {
	p.i++ // opening quote
	var val, raw strings.Builder
	for p.i < len(p.s) {
		ch := p.s[p.i]
		switch ch {
		case '\\':
			if p.i+1 >= len(p.s) {
				return arg{}, p.errorf("unterminated escape")
			}
			raw.WriteByte(ch)
			raw.WriteByte(p.s[p.i+1])
			val.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		case '\'':
			p.i++
			return arg{kind: argLiteral, value: val.String(), raw: raw.String()}, nil
		}
		raw.WriteByte(ch)
		val.WriteByte(ch)
		p.i++
	}
	return arg{}, p.errorf("unterminated string")
}

// parsePath reads a JSONPath up to the next ',' or ')' outside brackets,
// parentheses and quotes, so filters like $.a[?(@.b == 'x,y')] stay whole.
func (p *parser) parsePath() (arg, error) {
	start := p.i
	depth := 0
	var quote byte
	for p.i < len(p.s) {
		ch := p.s[p.i]
		switch {
		case quote != 0:
			if ch == '\\' {
				p.i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '[' || ch == '(':
			depth++
		case ch == ']':
			depth--
		case ch == ')':
			if depth == 0 {
				return arg{kind: argPath, path: strings.TrimSpace(p.s[start:p.i])}, nil
			}
			depth--
		case ch == ',' && depth == 0:
			return arg{kind: argPath, path: strings.TrimSpace(p.s[start:p.i])}, nil
		}
		p.i++
	}
	return arg{}, p.errorf("unterminated path")
}

// evaluated is an argument's value and, for string literals, its raw text.
type evaluated struct {
	value   any
	raw     string
	literal bool
}

func (c *call) eval(input, context any) (any, error) {
	args := make([]evaluated, len(c.args))
	for i, a := range c.args {
		switch a.kind {
		case argLiteral:
			args[i] = evaluated{value: a.value, raw: a.raw, literal: true}
		case argPath:
			v, err := Get(a.path, input, context)
			if err != nil {
				return nil, err
			}
			args[i] = evaluated{value: v}
		case argCall:
			v, err := a.call.eval(input, context)
			if err != nil {
				return nil, err
			}
			args[i] = evaluated{value: v}
		}
	}
	f := functions[c.name]
	if len(args) < f.minArgs || (f.maxArgs >= 0 && len(args) > f.maxArgs) {
		want := strconv.Itoa(f.minArgs)
		if f.maxArgs != f.minArgs {
			if f.maxArgs < 0 {
				want += " or more"
			} else {
				want += " to " + strconv.Itoa(f.maxArgs)
			}
		}
		return nil, Errorf(ErrIntrinsicFailure, "%s takes %s arguments, got %d", c.name, want, len(args))
	}
	v, err := f.fn(args)
	if err != nil {
		return nil, Errorf(ErrIntrinsicFailure, "%s: %v", c.name, err)
	}
	return v, nil
}
