package paths

import (
	"runtime"
	"testing"
)

// TestMultiNodePathsKeepDocumentOrder: "$..id" over an object gave its
// matches in Go map order, a different order from run to run ([2,1,3],
// then [3,2,1]); the service returns them in document order.
func TestMultiNodePathsKeepDocumentOrder(t *testing.T) {
	t.Parallel()
	const doc = `{"b":{"id":2},"a":{"id":1},"c":{"id":3},"z":{"id":4},"y":{"id":5},"x":{"id":6},"w":{"id":7},"v":{"id":8},"u":{"id":9}}`
	for _, tc := range []struct{ path, doc, want string }{
		{"$..id", doc, `[2,1,3,4,5,6,7,8,9]`},
		{"$.*.id", doc, `[2,1,3,4,5,6,7,8,9]`},
		{"$.*", `{"k":1,"c":2,"a":3,"q":4,"e":5,"d":6,"b":7,"f":8,"g":9}`, `[1,2,3,4,5,6,7,8,9]`},
		{"$.items[?(@.n > 1)].id", `{"items":[{"id":"x","n":2},{"n":1,"id":"y"},{"n":3,"id":"z"}]}`, `["x","z"]`},
		{"$..id", `{"m":[{"q":{"id":1},"p":{"id":2}},{"id":3}],"a":{"id":4}}`, `[1,2,3,4]`},
		{"$..id", `{"id":0,"b":{"id":2,"k":{"id":5}},"a":{"id":1}}`, `[0,2,5,1]`},
		{"$..*", `{"id":0,"b":{"id":2,"k":{"id":5}},"a":{"id":1}}`, `[0,{"id":2,"k":{"id":5}},{"id":1},2,{"id":5},5,1]`},
		{"$.m..id", `{"id":9,"m":{"y":{"id":1},"x":[{"id":2}]}}`, `[1,2]`},
		{"$..x..id", `{"x":{"b":{"id":1},"a":{"id":2}},"y":{"x":{"id":3}}}`, `[1,2,3]`},
	} {
		var first string
		for i := range 50 {
			// Decode afresh each time, as each execution does.
			got, err := Get(tc.path, mustDecode(t, tc.doc), nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
			s := MustMarshal(got)
			if i == 0 {
				first = s
				if tc.want != "" && s != tc.want {
					t.Errorf("%s over %s = %s; want %s (document order)", tc.path, tc.doc, s, tc.want)
				}
			} else if s != first {
				t.Fatalf("%s over %s: run %d gave %s, run 1 gave %s", tc.path, tc.doc, i+1, s, first)
			}
			if i%10 == 0 {
				runtime.GC() // orders of collected maps go; the new ones must still hold
			}
		}
	}
}

// TestObjectsWithoutARecordedOrderWalkSorted: an object built in Go has no
// document; it is walked in the order Marshal writes it (sorted keys), never
// in map order.
func TestObjectsWithoutARecordedOrderWalkSorted(t *testing.T) {
	t.Parallel()
	v := map[string]any{"d": map[string]any{"id": int64(4)}, "b": map[string]any{"id": int64(2)}, "a": map[string]any{"id": int64(1)}, "c": map[string]any{"id": int64(3)}}
	for range 20 {
		got, err := Get("$..id", v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s := MustMarshal(got); s != `[1,2,3,4]` {
			t.Fatalf("$..id = %s; want [1,2,3,4]", s)
		}
	}
	// A copy keeps the original's order.
	d := mustDecode(t, `{"b":{"id":2},"a":{"id":1},"c":{"id":3}}`)
	for _, c := range []any{Clone(d), Normalize(d)} {
		got, _ := Get("$..id", c, nil)
		if s := MustMarshal(got); s != `[2,1,3]` {
			t.Errorf("$..id of a copy = %s; want [2,1,3]", s)
		}
	}
}
