package paths

import "testing"

// FuzzIntrinsic checks that no expression, however malformed, panics the
// parser or the functions: bad input must come back as an *Error.
func FuzzIntrinsic(f *testing.F) {
	for _, seed := range []string{
		`States.Format('Hello, {}', $.name)`,
		`States.Array(1, 'a', true, null, $.list[0], States.UUID())`,
		`States.ArrayRange(1, 9, 2)`,
		`States.JsonMerge($.a, $.b, false)`,
		`States.Hash($.name, 'SHA-256')`,
		`States.StringSplit($.s, ',')`,
		`States.Format('{} \{\}', States.ArrayGetItem($.list, 1))`,
		`States.ArrayPartition($.list, 0)`,
		`States.MathRandom(0, 10, 3)`,
		`States.Base64Decode('!!')`,
		`States.Format('`,
		`States.Array($.x[?(@.n == 'a,b')])`,
	} {
		f.Add(seed)
	}
	input := map[string]any{"name": "n", "list": []any{int64(1), "two"}, "a": map[string]any{}, "b": map[string]any{"k": 1.5}, "s": "a,b"}
	f.Fuzz(func(t *testing.T, expr string) {
		v, err := Intrinsic(expr, input, nil)
		if err != nil {
			if AsError(err).Name == "" {
				t.Fatalf("error without a name: %v", err)
			}
			return
		}
		if _, err := Marshal(v); err != nil {
			t.Fatalf("result %v is not JSON: %v", v, err)
		}
	})
}
