package s3local

import "sync"

// metaCacheMax bounds the in-memory metadata cache (about 200 bytes an
// entry); past it the cache starts over rather than tracking recency, which
// is enough for the sequential listings it exists for.
const metaCacheMax = 1 << 20

// metaCache keeps sidecars in memory so that listing 100,000 keys does not
// read 100,000 sidecar files every time. Entries are validated against the
// object file's size, mtime and inode on use, like the sidecar itself, so a
// stale entry only costs a lookup.
type metaCache struct {
	mu sync.Mutex
	m  map[string]*objectMeta
}

func (c *metaCache) get(path string) *objectMeta {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[path]
}

func (c *metaCache) put(path string, m *objectMeta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= metaCacheMax {
		c.m = make(map[string]*objectMeta)
	}
	c.m[path] = m
}

func (c *metaCache) remove(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, path)
}

// clear forgets everything, after a bucket is deleted.
func (c *metaCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
