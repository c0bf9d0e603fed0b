package paths

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
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

type function struct {
	minArgs, maxArgs int // maxArgs -1: variadic
	fn               func(args []evaluated) (any, error)
}

var functions map[string]function

func init() {
	functions = map[string]function{
		"States.Format":         {1, -1, format},
		"States.StringToJson":   {1, 1, stringToJSON},
		"States.JsonToString":   {1, 1, jsonToString},
		"States.Array":          {0, -1, array},
		"States.ArrayPartition": {2, 2, arrayPartition},
		"States.ArrayContains":  {2, 2, arrayContains},
		"States.ArrayRange":     {3, 3, arrayRange},
		"States.ArrayGetItem":   {2, 2, arrayGetItem},
		"States.ArrayLength":    {1, 1, arrayLength},
		"States.ArrayUnique":    {1, 1, arrayUnique},
		"States.Base64Encode":   {1, 1, base64Encode},
		"States.Base64Decode":   {1, 1, base64Decode},
		"States.Hash":           {2, 2, hashOf},
		"States.JsonMerge":      {3, 3, jsonMerge},
		"States.MathRandom":     {2, 3, mathRandom},
		"States.MathAdd":        {2, 2, mathAdd},
		"States.StringSplit":    {2, 2, stringSplit},
		"States.UUID":           {0, 0, newUUID},
	}
}

func str(a evaluated, what string) (string, error) {
	s, ok := a.value.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, got a %s", what, TypeName(a.value))
	}
	return s, nil
}

func arr(a evaluated, what string) ([]any, error) {
	s, ok := a.value.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an array, got a %s", what, TypeName(a.value))
	}
	return s, nil
}

func integer(a evaluated, what string) (int64, error) {
	i, ok := Integer(a.value)
	if !ok {
		return 0, fmt.Errorf("%s must be an integer, got %s", what, abbreviate(a.value))
	}
	return i, nil
}

// format replaces each "{}" of the template with the next argument. In a
// literal template, "\{" and "\}" are literal braces.
func format(args []evaluated) (any, error) {
	tmpl, err := str(args[0], "the template")
	if err != nil {
		return nil, err
	}
	if args[0].literal {
		tmpl = args[0].raw
	}
	var out strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if args[0].literal && ch == '\\' && i+1 < len(tmpl) {
			out.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if ch == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(args) {
				return nil, fmt.Errorf("the template has more {} placeholders than the %d arguments", len(args)-1)
			}
			v := args[next].value
			next++
			switch t := v.(type) {
			case string:
				out.WriteString(t)
			case map[string]any, []any:
				return nil, fmt.Errorf("argument %d is a %s; only strings, numbers, booleans and null can be formatted", next-1, TypeName(v))
			default:
				out.WriteString(MustMarshal(v))
			}
			i++
			continue
		}
		out.WriteByte(ch)
	}
	if next != len(args) {
		return nil, fmt.Errorf("the template has %d {} placeholders but %d arguments follow it", next-1, len(args)-1)
	}
	return out.String(), nil
}

func stringToJSON(args []evaluated) (any, error) {
	s, err := str(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	return DecodeString(s)
}

func jsonToString(args []evaluated) (any, error) { return Marshal(args[0].value) }

func array(args []evaluated) (any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.value
	}
	return out, nil
}

func arrayPartition(args []evaluated) (any, error) {
	a, err := arr(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	size, err := integer(args[1], "the chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be positive, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		end := min(i+int(size), len(a))
		out = append(out, append([]any(nil), a[i:end]...))
	}
	return out, nil
}

func arrayContains(args []evaluated) (any, error) {
	a, err := arr(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	for _, e := range a {
		if Equal(e, args[1].value) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(args []evaluated) (any, error) {
	var n [3]int64
	for i, what := range []string{"start", "end", "step"} {
		v, err := integer(args[i], what)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("step must not be 0")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == maxArrayRange {
			return nil, fmt.Errorf("the range has more than %d elements", maxArrayRange)
		}
		out = append(out, v)
	}
	return out, nil
}

func arrayGetItem(args []evaluated) (any, error) {
	a, err := arr(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	i, err := integer(args[1], "the index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, fmt.Errorf("index %d is outside the array of %d elements", i, len(a))
	}
	return a[i], nil
}

func arrayLength(args []evaluated) (any, error) {
	a, err := arr(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	return int64(len(a)), nil
}

func arrayUnique(args []evaluated) (any, error) {
	a, err := arr(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, e := range a {
		dup := false
		for _, o := range out {
			if Equal(e, o) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out, nil
}

func base64Encode(args []evaluated) (any, error) {
	s, err := str(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxBase64Input {
		return nil, fmt.Errorf("the input has more than %d characters", maxBase64Input)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(args []evaluated) (any, error) {
	s, err := str(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	if len(s) > maxBase64Input {
		return nil, fmt.Errorf("the input has more than %d characters", maxBase64Input)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", err)
	}
	return string(b), nil
}

func hashOf(args []evaluated) (any, error) {
	data, ok := args[0].value.(string)
	if !ok {
		data = MustMarshal(args[0].value)
	}
	alg, err := str(args[1], "the algorithm")
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// jsonMerge merges the second object into the first; the service only
// supports the shallow mode, so the third argument must be false.
func jsonMerge(args []evaluated) (any, error) {
	a, ok1 := args[0].value.(map[string]any)
	b, ok2 := args[1].value.(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both arguments must be objects, got a %s and a %s", TypeName(args[0].value), TypeName(args[1].value))
	}
	if deep, ok := args[2].value.(bool); !ok || deep {
		return nil, fmt.Errorf("the third argument must be false: only a shallow merge is supported")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

// mathRandom returns an integer in [start, end); a seed makes it repeatable.
func mathRandom(args []evaluated) (any, error) {
	start, err := integer(args[0], "start")
	if err != nil {
		return nil, err
	}
	end, err := integer(args[1], "end")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("end (%d) must be greater than start (%d)", end, start)
	}
	if start < -maxMathRandomBound || end > maxMathRandomBound {
		return nil, fmt.Errorf("start and end must be 32-bit integers")
	}
	r := rand.Int64N
	if len(args) == 3 {
		seed, err := integer(args[2], "seed")
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Int64N
	}
	return start + r(end-start), nil
}

func mathAdd(args []evaluated) (any, error) {
	a, err := integer(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	b, err := integer(args[1], "the second argument")
	if err != nil {
		return nil, err
	}
	return a + b, nil
}

// stringSplit splits on every character of the delimiter string, dropping
// empty pieces (the documented example splits "This.is+a,test=string" on
// ".+,=" into five words).
func stringSplit(args []evaluated) (any, error) {
	s, err := str(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	delims, err := str(args[1], "the delimiter")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

func newUUID([]evaluated) (any, error) { return uuid.NewString(), nil }
