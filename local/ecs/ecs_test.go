package ecslocal

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// eventually polls cond until it holds or a generous deadline passes; the
// deadline only bounds a hung test, it asserts nothing about speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newCluster(t *testing.T, run WorkerFunc) *Cluster {
	t.Helper()
	c, err := New(Options{Cluster: "c", Service: "s", Run: run})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func running(c *Cluster) int {
	st, _ := c.DescribeService(context.Background(), "c", "s")
	return st.RunningCount
}

func TestScalingOutStartsWorkersAndScalingInInterruptsThem(t *testing.T) {
	t.Parallel()
	var live, interrupted atomic.Int32
	c := newCluster(t, func(ctx context.Context, name string) error {
		live.Add(1)
		<-ctx.Done() // the SIGTERM path
		interrupted.Add(1)
		live.Add(-1)
		return nil
	})
	st, err := c.UpdateService(context.Background(), "c", "s", 3)
	if err != nil || st.DesiredCount != 3 {
		t.Fatalf("UpdateService = %+v, %v", st, err)
	}
	eventually(t, "3 live workers", func() bool { return live.Load() == 3 && running(c) == 3 })

	if _, err := c.UpdateService(context.Background(), "c", "s", 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "1 running worker", func() bool { return running(c) == 1 })
	if got := interrupted.Load(); got != 2 {
		t.Fatalf("interrupted workers = %d, want 2", got)
	}
	if got := c.Started(); got != 3 {
		t.Fatalf("started = %d, want 3 (scale-in must not start anyone)", got)
	}
}

func TestAWorkerThatDiesWhileWantedIsReplaced(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	names := map[string]bool{}
	var first atomic.Bool
	c := newCluster(t, func(ctx context.Context, name string) error {
		mu.Lock()
		names[name] = true
		mu.Unlock()
		if first.CompareAndSwap(false, true) {
			return errors.New("killed") // dies abruptly, as under --chaos-kill
		}
		<-ctx.Done()
		return nil
	})
	if _, err := c.UpdateService(context.Background(), "c", "s", 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a replacement running under a new name", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(names) == 2 && running(c) == 1
	})
	if got := c.Started(); got != 2 {
		t.Fatalf("started = %d, want 2: one death, one replacement", got)
	}
}

func TestCloseStopsEveryWorker(t *testing.T) {
	t.Parallel()
	var live atomic.Int32
	c, err := New(Options{Cluster: "c", Service: "s", Run: func(ctx context.Context, name string) error {
		live.Add(1)
		defer live.Add(-1)
		<-ctx.Done()
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateService(context.Background(), "c", "s", 4); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 live workers", func() bool { return live.Load() == 4 })
	c.Close()
	if got := live.Load(); got != 0 {
		t.Fatalf("live workers after Close = %d, want 0", got)
	}
	if _, err := c.UpdateService(context.Background(), "c", "s", 1); err == nil {
		t.Fatal("UpdateService after Close succeeded, want an error")
	}
}

func TestBadRequestsAreRejectedWithTheFieldNamed(t *testing.T) {
	t.Parallel()
	c := newCluster(t, func(ctx context.Context, name string) error { <-ctx.Done(); return nil })
	tests := []struct {
		name             string
		cluster, service string
		desired          int
	}{
		{"unknown cluster", "other", "s", 1},
		{"unknown service", "c", "other", 1},
		{"negative desired count", "c", "s", -1},
		{"desired count above the bound", "c", "s", 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.UpdateService(context.Background(), tt.cluster, tt.service, tt.desired); err == nil {
				t.Fatal("accepted, want an error")
			}
		})
	}
	if _, err := c.DescribeService(context.Background(), "nope", "s"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("DescribeService unknown cluster err = %v, want ErrNotFound", err)
	}
}
