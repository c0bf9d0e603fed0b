package risk

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestLossesRoundTripThroughJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	cases := map[string]Losses{
		"an empty vector":         {},
		"all zeros":               make(Losses, 1000),
		"a dense vector":          nil,
		"a sparse vector":         make(Losses, 5000),
		"negative and huge cents": {-5, 0, 1 << 62, 0, 0, -(1 << 62)},
	}
	dense := make(Losses, 3000)
	for i := range dense {
		dense[i] = r.Int64N(1e12)
	}
	cases["a dense vector"] = dense
	for i := 0; i < 50; i++ {
		cases["a sparse vector"][r.IntN(5000)] = r.Int64N(1e8) + 1
	}
	for name, in := range cases {
		t.Run(name+" survives a round trip", func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var out Losses
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(in, out) || len(in) != len(out) {
				t.Fatalf("round trip changed the vector (len %d -> %d)", len(in), len(out))
			}
		})
	}
	t.Run("a sparse vector is far smaller than a JSON array", func(t *testing.T) {
		t.Parallel()
		raw, _ := json.Marshal(cases["a sparse vector"])
		arr, _ := json.Marshal([]int64(cases["a sparse vector"]))
		if len(raw)*10 > len(arr) {
			t.Errorf("encoded %d bytes, plain array %d", len(raw), len(arr))
		}
	})
}

func TestLossesRejectsCorruptInput(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not base64":         `"!!!"`,
		"not a string":       `[1,2]`,
		"an entry past n":    mustEncode(t, []byte{2, 5, 2}),
		"a truncated varint": mustEncode(t, []byte{3, 0, 0x80}),
		"an absurd length":   mustEncode(t, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		"a missing value":    mustEncode(t, []byte{3, 0}),
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			t.Parallel()
			var l Losses
			if err := json.Unmarshal([]byte(in), &l); err == nil {
				t.Fatalf("decoded %q as %v", in, l)
			}
		})
	}
}

func mustEncode(t *testing.T, b []byte) string {
	t.Helper()
	raw, err := json.Marshal(b) // []byte marshals as base64
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestCountsRoundTripThroughJSON(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]Counts{
		"an empty histogram": make(Counts, ShockCounts),
		"a sparse histogram": {0, 120, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
		"huge counts":        {1 << 40, 1, 1 << 50},
		"no bins":            {},
	} {
		t.Run(name+" survives a round trip", func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var out Counts
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(in, out) || len(in) != len(out) {
				t.Fatalf("round trip changed %v to %v", in, out)
			}
		})
	}
}
