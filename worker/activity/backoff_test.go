package activity

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBackoffDelayStaysUnderItsCeiling(t *testing.T) {
	t.Parallel()
	b := Backoff{Base: 10 * time.Millisecond, Max: 300 * time.Millisecond, Attempts: 3}
	for n := range 70 { // past the shift width, where a naive Base<<n overflows
		ceiling := min(b.Max, b.Base<<min(n, 20))
		var top time.Duration
		for range 200 {
			d := b.delay(n)
			if d <= 0 || d > ceiling {
				t.Fatalf("delay(%d) = %v; want in (0, %v]", n, d, ceiling)
			}
			top = max(top, d)
		}
		// Full jitter spreads over the whole range, not just near the top
		// or bottom: 200 uniform draws all below half the ceiling has
		// probability 2^-200.
		if top <= ceiling/2 {
			t.Errorf("delay(%d): largest of 200 draws %v is below half the ceiling %v", n, top, ceiling)
		}
	}
}

func TestTruncateCutsAtRuneBoundaries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		n    int
	}{
		{"short strings pass unchanged", "abc", 10},
		{"ascii is cut with a mark", strings.Repeat("a", 300), 256},
		{"multi-byte runes are never split", strings.Repeat("é", 200), 256},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := truncate(c.in, c.n)
			if len(got) > c.n || !utf8.ValidString(got) {
				t.Errorf("truncate = %d bytes, valid UTF-8 %v; want at most %d valid bytes", len(got), utf8.ValidString(got), c.n)
			}
			if len(c.in) <= c.n && got != c.in {
				t.Errorf("truncate changed a short string: %q", got)
			}
			if len(c.in) > c.n && !strings.HasSuffix(got, "…") {
				t.Errorf("truncate(%d bytes) = %q...; want a cut mark", len(c.in), got[:10])
			}
		})
	}
}
