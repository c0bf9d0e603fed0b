package asl

import "testing"

// The emulator parses and validates a definition per CreateStateMachine and
// the component marshals one per preview; these keep that cheap.

func BenchmarkParse(b *testing.B) {
	src, err := MarshalIndent(simulateLike().MustBuild())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalIndent(b *testing.B) {
	m := simulateLike().MustBuild()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalIndent(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	m := simulateLike().MustBuild()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
