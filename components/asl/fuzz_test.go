package asl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseMarshalRoundTrip checks, for any input Parse accepts, that
// Marshal's output parses again to the same bytes, and that Validate and
// Hints never panic. The seeds are the example definitions.
func FuzzParseMarshalRoundTrip(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "examples", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":null,"End":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		_ = m.Validate()
		_ = m.Hints()
		out, err := Marshal(m)
		if err != nil {
			t.Fatalf("Marshal of a parsed definition: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of marshalled output %s: %v", out, err)
		}
		out2, err := Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the bytes\nfirst:  %s\nsecond: %s", out, out2)
		}
	})
}
