package operate

import (
	"strings"
	"testing"
)

func TestRetryNameNumbersNewExecutionsWithinTheNameLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 80)
	cases := []struct {
		name string
		n    int
		want string
	}{
		{"sim-1", 1, "sim-1-r1"},
		{"sim-1-r1", 2, "sim-1-r2"},
		{"sim-r-and-d", 1, "sim-r-and-d-r1"},
		{long, 12, strings.Repeat("x", 76) + "-r12"},
	}
	for _, tc := range cases {
		if got := retryName(tc.name, tc.n); got != tc.want || len(got) > 80 {
			t.Errorf("retryName(%q, %d) = %q, want %q", tc.name, tc.n, got, tc.want)
		}
	}
}
