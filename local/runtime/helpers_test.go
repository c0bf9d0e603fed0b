package localrun

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTimeScale makes heartbeat timeouts (10 s modelled) half a second and
// retry intervals of 10 s half a second too.
const testTimeScale = 0.05

// syncBuffer is a log sink shared by many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testOptions are small, fast options over a fresh data directory; logs go
// to a buffer that is printed if the test fails.
func testOptions(t *testing.T) Options {
	t.Helper()
	logs := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			out := logs.String()
			if len(out) > 200_000 {
				out = "...\n" + out[len(out)-200_000:]
			}
			t.Logf("runtime logs:\n%s", out)
		}
	})
	return Options{
		DataDir:          t.TempDir(),
		TimeScale:        testTimeScale,
		HeartbeatSeconds: 10,
		Scenarios:        50,
		Logger:           slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// start starts a runtime and closes it at the end of the test.
func start(t *testing.T, opts Options) *Runtime {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// ownGoroutines returns the stacks of goroutines running this module's code,
// other than test goroutines: what must be gone after Close.
func ownGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var own []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/montecarlo-pipeline/montecarlo/") && !strings.Contains(g, "testing.tRunner") {
			own = append(own, g)
		}
	}
	return own
}

// assertNothingRunning fails unless every goroutine of this module has
// ended. Goroutines end asynchronously after their channels close, so it
// waits for them, up to a bound.
func assertNothingRunning(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := ownGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the pipeline still running after Close:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
