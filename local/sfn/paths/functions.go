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
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

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
