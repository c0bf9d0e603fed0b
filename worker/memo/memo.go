// Package memo remembers the results of expensive loads for the last few
// keys: concurrent callers of one key share a single load, and the least
// recently used key is forgotten first. The worker uses it for what every
// batch of a run needs and no batch should rebuild: the run's scenario set
// and its manifest.
package memo

import (
	"slices"
	"sync"
)

// LRU holds the results of up to a fixed number of keys. It is safe for
// concurrent use.
type LRU[V any] struct {
	mu         sync.Mutex
	max        int
	keepErrors bool
	entries    []*entry[V] // most recently used first
}

type entry[V any] struct {
	key  string
	once sync.Once
	v    V
	err  error
}

// New returns an LRU of up to size keys (at least 1). With keepErrors a
// failed load is remembered like a success (right when the failure is a
// property of the key, such as invalid parameters); without it the key is
// forgotten so the next Get loads again (right for I/O that may succeed on
// a retry).
func New[V any](size int, keepErrors bool) *LRU[V] {
	return &LRU[V]{max: max(1, size), keepErrors: keepErrors}
}

// Get returns the remembered result for key, calling load on first use.
// Callers that arrive while a load of key runs wait for it and share it.
func (c *LRU[V]) Get(key string, load func() (V, error)) (V, error) {
	c.mu.Lock()
	var e *entry[V]
	for i, x := range c.entries {
		if x.key == key {
			e = x
			copy(c.entries[1:i+1], c.entries[:i])
			c.entries[0] = e
			break
		}
	}
	if e == nil {
		e = &entry[V]{key: key}
		c.entries = append([]*entry[V]{e}, c.entries...)
		if len(c.entries) > c.max {
			c.entries = c.entries[:c.max]
		}
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v, e.err = load() })
	if e.err != nil && !c.keepErrors {
		c.mu.Lock()
		if i := slices.Index(c.entries, e); i >= 0 {
			c.entries = slices.Delete(c.entries, i, i+1)
		}
		c.mu.Unlock()
	}
	return e.v, e.err
}

// Forget drops key, so the next Get loads it again (its source changed).
func (c *LRU[V]) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e *entry[V]) bool { return e.key == key })
}
