package jsonstrict_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/internal/jsonstrict"
)

type strictInner struct {
	ShardSize int    `json:"shardSize"`
	RunID     string `json:"runId,omitempty"`
}

type strictEmbedded struct {
	Seed int `json:"seed"`
}

type strictItem struct {
	Key  string `json:"Key"`
	Size int64  `json:"Size,omitempty"`
}

type strictInput struct {
	Op      string `json:"op"`
	Run     strictInner
	Items   []strictItem     `json:"Items"`
	Params  json.RawMessage  `json:"params,omitempty"`
	Counts  map[string]int64 `json:"counts,omitempty"`
	Skipped string           `json:"-"`
	strictEmbedded
}

func TestDecodeRefusesKeysEncodingJSONWouldBend(t *testing.T) {
	t.Parallel()
	opts := []jsonstrict.Option{jsonstrict.AllowUnknownIn(strictItem{})}
	for _, tc := range []struct {
		name, input, want string
	}{
		{"a key that differs only in case from another", `{"Run":{"shardSize":500,"shardsize":3}}`, `Run: key "shardsize": given twice in one object, also as "shardSize"`},
		{"a key in another case alone", `{"Run":{"RUNID":"other"}}`, `Run: key "RUNID": unknown field; keys are case-sensitive: did you mean "runId"?`},
		{"an exact duplicate", `{"seed":1,"seed":2}`, `key "seed": given twice in one object`},
		{"an embedded field in another case", `{"Seed":5}`, `did you mean "seed"`},
		{"an unknown field", `{"sead":5}`, `key "sead": unknown field; want one of "Items", "Run", "counts", "op", "params", "seed"`},
		{"the op in another case", `{"OP":"x"}`, `key "OP": unknown field; keys are case-sensitive: did you mean "op"?`},
		{"an item key in another case, though items allow unknown fields", `{"Items":[{"Key":"a"},{"key":"b"}]}`, `Items[1]: key "key": unknown field; keys are case-sensitive: did you mean "Key"?`},
		{"an item key twice", `{"Items":[{"Key":"a","KEY":"b"}]}`, `Items[0]: key "KEY": given twice`},
		{"a duplicate inside a raw value", `{"params":{"gamma":1,"gamma":2}}`, `params: key "gamma": given twice`},
		{"a duplicate map key", `{"counts":{"a":1,"a":2}}`, `counts: key "a": given twice`},
		{"a field json ignores", `{"Skipped":"x"}`, `key "Skipped": unknown field`},
		{"not an object", `[1]`, `not a JSON object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in strictInput
			err := jsonstrict.Decode([]byte(tc.input), &in, opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode(%s) = %v; want an error containing %q", tc.input, err, tc.want)
			}
		})
	}

	var in strictInput
	good := `{"op":"x","Run":{"shardSize":500,"runId":"r"},"Items":[{"Key":"a","Etag":"\"e\"","StorageClass":"STANDARD"}],"params":{"Gamma":1,"gamma":2},"counts":{"a":1,"A":2},"seed":7}`
	if err := jsonstrict.Decode([]byte(good), &in, opts...); err != nil {
		t.Fatalf("Decode(%s) = %v", good, err)
	}
	if in.Run.ShardSize != 500 || in.Run.RunID != "r" || in.Items[0].Key != "a" || in.Seed != 7 || in.Counts["A"] != 2 {
		t.Errorf("decoded %+v", in)
	}
}
