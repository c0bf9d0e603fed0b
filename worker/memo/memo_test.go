package memo

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestConcurrentGetsOfOneKeyShareOneLoad(t *testing.T) {
	t.Parallel()
	c := New[int](2, false)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get("k", func() (int, error) {
				loads.Add(1)
				<-release
				return 42, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("loads = %d, want 1", n)
	}
	for i, v := range got {
		if v != 42 {
			t.Fatalf("caller %d got %d, want 42", i, v)
		}
	}
}

func TestTheLeastRecentlyUsedKeyIsForgottenFirst(t *testing.T) {
	t.Parallel()
	c := New[string](2, false)
	loads := map[string]int{}
	get := func(k string) {
		if _, err := c.Get(k, func() (string, error) { loads[k]++; return k, nil }); err != nil {
			t.Fatal(err)
		}
	}
	get("a")
	get("b")
	get("a") // a is now the most recently used
	get("c") // evicts b
	get("a")
	get("b")
	if loads["a"] != 1 || loads["b"] != 2 || loads["c"] != 1 {
		t.Fatalf("loads = %v, want a once, b twice (evicted), c once", loads)
	}
}

func TestFailedLoadsAreRetriedUnlessKept(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, keep := range []bool{false, true} {
		c := New[int](4, keep)
		loads := 0
		for range 2 {
			if _, err := c.Get("k", func() (int, error) { loads++; return 0, boom }); !errors.Is(err, boom) {
				t.Fatalf("keepErrors=%v: err = %v, want boom", keep, err)
			}
		}
		want := 2
		if keep {
			want = 1
		}
		if loads != want {
			t.Errorf("keepErrors=%v: loads = %d, want %d", keep, loads, want)
		}
	}
}

func TestForgetMakesTheNextGetLoadAgain(t *testing.T) {
	t.Parallel()
	c := New[int](4, false)
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	c.Get("k", load)
	c.Forget("k")
	if v, _ := c.Get("k", load); v != 2 {
		t.Fatalf("after Forget got %d, want a fresh load (2)", v)
	}
}
