package paths

import (
	"reflect"
	"runtime"
	"slices"
	"sync"
)

// Objects are map[string]any, which has no order, while the service keeps
// the order of an object's keys as the document gave them: a path that
// matches several nodes ("$..id", "$.*", filters) returns them in document
// order. Iterating a Go map instead gave a different order on each run
// ([2,1,3] one time, [3,2,1] the next). So the package remembers the key
// order of every object it decodes from JSON text (Decode) or copies
// (Normalize, Clone), keyed by the map's identity and forgotten when the map
// is garbage collected, and multi-node paths walk objects in that order.
// An object built in Go (a payload template, a Map item the emulator made)
// has no recorded order; its keys are walked sorted, which is the order
// Marshal writes them in, so a result never depends on map iteration.

type orderEntry struct {
	gen  uint64
	keys []string
}

type orderKey struct {
	p   uintptr
	gen uint64
}

var keyOrders = struct {
	sync.Mutex
	m   map[uintptr]orderEntry
	gen uint64
}{m: map[uintptr]orderEntry{}}

// setKeyOrder records keys (every key of m, in document order) as m's order.
func setKeyOrder(m map[string]any, keys []string) {
	if len(keys) < 2 || m == nil {
		return // nothing to order
	}
	p := reflect.ValueOf(m).UnsafePointer()
	keyOrders.Lock()
	keyOrders.gen++
	k := orderKey{p: uintptr(p), gen: keyOrders.gen}
	keyOrders.m[k.p] = orderEntry{gen: k.gen, keys: keys}
	keyOrders.Unlock()
	// The entry goes with the map; the generation keeps a late cleanup of
	// a collected map from removing the entry of a new map at its address.
	runtime.AddCleanup((*byte)(p), func(k orderKey) {
		keyOrders.Lock()
		if e, ok := keyOrders.m[k.p]; ok && e.gen == k.gen {
			delete(keyOrders.m, k.p)
		}
		keyOrders.Unlock()
	}, k)
}

// KeyOrder returns the keys of m in document order: the recorded order of
// the keys it has, then any others (added since, or all of them when no
// order was recorded) sorted.
func KeyOrder(m map[string]any) []string {
	var recorded []string
	if len(m) > 1 {
		keyOrders.Lock()
		if e, ok := keyOrders.m[uintptr(reflect.ValueOf(m).UnsafePointer())]; ok {
			recorded = e.keys
		}
		keyOrders.Unlock()
	}
	out := make([]string, 0, len(m))
	seen := make(map[string]bool, len(recorded))
	for _, k := range recorded {
		if _, ok := m[k]; ok && !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	if len(out) == len(m) {
		return out
	}
	rest := make([]string, 0, len(m)-len(out))
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// copyKeyOrder gives dst (a copy of src) src's recorded order, if any.
func copyKeyOrder(dst, src map[string]any) {
	if len(src) < 2 {
		return
	}
	keyOrders.Lock()
	_, ok := keyOrders.m[uintptr(reflect.ValueOf(src).UnsafePointer())]
	keyOrders.Unlock()
	if ok {
		setKeyOrder(dst, KeyOrder(src))
	}
}

// objectView and arrayView present a value to ojg's jp as ordered
// collections (jp.Keyed, jp.Indexed): jp walks a map[string]any in map
// order, a Keyed in the order of its Keys.
type objectView struct {
	m    map[string]any
	keys []string
}

func (o *objectView) ValueForKey(key string) (any, bool) {
	v, ok := o.m[key]
	return view(v), ok
}
func (o *objectView) SetValueForKey(key string, value any) { o.m[key] = unview(value) }
func (o *objectView) RemoveValueForKey(key string)         { delete(o.m, key) }
func (o *objectView) Keys() []string                       { return o.keys }

type arrayView struct{ a []any }

func (a *arrayView) ValueAtIndex(i int) any {
	if i < 0 || i >= len(a.a) {
		return nil
	}
	return view(a.a[i])
}
func (a *arrayView) SetValueAtIndex(i int, value any) {
	if i >= 0 && i < len(a.a) {
		a.a[i] = unview(value)
	}
}
func (a *arrayView) Size() int { return len(a.a) }

// view wraps objects and arrays for jp; scalars are themselves.
func view(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return &objectView{m: t, keys: KeyOrder(t)}
	case []any:
		return &arrayView{a: t}
	}
	return v
}

// unview returns the value a view wraps.
func unview(v any) any {
	switch t := v.(type) {
	case *objectView:
		return t.m
	case *arrayView:
		return t.a
	}
	return v
}
