package store

import (
	"fmt"
	"testing"
	"time"
)

func TestFullJitterStaysUnderItsCeiling(t *testing.T) {
	t.Parallel()
	j := fullJitter{base: 10 * time.Millisecond, max: 300 * time.Millisecond}
	tests := []struct {
		attempt int
		ceiling time.Duration
	}{
		{1, 10 * time.Millisecond},
		{2, 20 * time.Millisecond},
		{5, 160 * time.Millisecond},
		{6, 300 * time.Millisecond}, // 320 ms capped
		{200, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("attempt %d waits under %v", tt.attempt, tt.ceiling), func(t *testing.T) {
			t.Parallel()
			var maxSeen time.Duration
			for range 2000 {
				d, err := j.BackoffDelay(tt.attempt, nil)
				if err != nil || d < 0 || d >= tt.ceiling {
					t.Fatalf("delay %v, %v: want in [0, %v)", d, err, tt.ceiling)
				}
				maxSeen = max(maxSeen, d)
			}
			// Full jitter uses the whole window, not just its bottom: the
			// largest of 2000 uniform draws is above 90% with overwhelming
			// probability (1 - 0.9^2000).
			if maxSeen < tt.ceiling*9/10 {
				t.Errorf("largest delay %v of 2000, want near %v", maxSeen, tt.ceiling)
			}
		})
	}
}
