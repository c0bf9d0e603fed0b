package model

import (
	"sync"
	"testing"
)

func TestScenarioCacheBuildsOncePerKeyAndEvicts(t *testing.T) {
	t.Parallel()
	c := NewScenarioCache(2)
	p := DefaultParams()
	p.Scenarios = 20
	var wg sync.WaitGroup
	got := make([]*Scenarios, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := c.Get(p)
			if err != nil {
				t.Error(err)
			}
			got[i] = sc
		}()
	}
	wg.Wait()
	for _, sc := range got[1:] {
		if sc != got[0] {
			t.Fatal("concurrent Gets of one key built different scenario sets")
		}
	}
	q, r := p, p
	q.Seed, r.Seed = 2, 3
	sq, _ := c.Get(q)
	if again, _ := c.Get(q); again != sq {
		t.Error("a cached key was rebuilt")
	}
	_, _ = c.Get(r) // evicts p, the least recently used
	if again, _ := c.Get(p); again == got[0] {
		t.Error("the least recently used set was not evicted")
	}
	bad := p
	bad.Scenarios = 0
	if _, err := c.Get(bad); err == nil {
		t.Error("invalid params cached without error")
	}
}
