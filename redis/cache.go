package redis

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// cache is the client-side cache of GET replies (Options.CacheSize): an
// LRU kept right by the server's RESP3 invalidation messages (CLIENT
// TRACKING ON on the shared connection). A reply is stored only if no
// invalidation, and no reconnect, came between the GET and its reply:
// gen counts those events. Safe for concurrent use.
type cache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *cacheEntry, most recently used first
	m   map[string]*list.Element
	gen uint64
	on  bool // tracking is on for the current connection

	hits, misses atomic.Uint64
}

type cacheEntry struct{ key, val string }

func newCache(max int) *cache {
	return &cache{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// get returns the cached value of key.
func (c *cache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		c.ll.MoveToFront(e)
		c.hits.Add(1)
		return e.Value.(*cacheEntry).val, true
	}
	c.misses.Add(1)
	return "", false
}

// begin returns the generation to pass to put, and whether caching is on.
func (c *cache) begin() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.on
}

// put stores a GET reply if nothing was invalidated since begin.
func (c *cache) put(key, val string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.on {
		return
	}
	if e := c.m[key]; e != nil {
		e.Value.(*cacheEntry).val = val
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&cacheEntry{key, val})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*cacheEntry).key)
	}
}

// invalidate drops keys, or everything when keys is nil.
func (c *cache) invalidate(keys []string, all bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if all {
		c.ll.Init()
		clear(c.m)
		return
	}
	for _, k := range keys {
		if e := c.m[k]; e != nil {
			c.ll.Remove(e)
			delete(c.m, k)
		}
	}
}

// setOn records whether the current connection tracks keys; a change
// empties the cache (the server forgot what it tracked).
func (c *cache) setOn(on bool) {
	c.invalidate(nil, true)
	c.mu.Lock()
	c.on = on
	c.mu.Unlock()
}

// wrote drops from the cache the keys that cmd, a command that may write,
// names (all keys for a command naming none), as it is issued: a Get
// issued after it on the same connection must not be served a value it
// replaces, and the server's invalidation comes only after its reply.
func (c *cache) wrote(cmd []byte) {
	args, ok := splitCommand(cmd)
	var keys [][]byte
	if ok {
		keys = commandKeys(args)
	}
	if len(keys) == 0 {
		c.invalidate(nil, true)
		return
	}
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = string(k)
	}
	c.invalidate(ks, false)
}

// onPush handles a push message of the shared connection: an
// "invalidate" carries the keys to drop, or null to drop all.
func (c *cache) onPush(v resp.Value) {
	if string(v.PushKind()) != "invalidate" {
		return
	}
	el := v.Elems()
	if len(el) < 2 || el[1].IsNull() {
		c.invalidate(nil, true)
		return
	}
	keys, err := strSlice(el[1])
	if err != nil {
		c.invalidate(nil, true)
		return
	}
	c.invalidate(keys, false)
}

// onState turns caching off as soon as the shared connection is not
// ready: invalidations may be lost while it is down.
func (c *cache) onState(s driver.State) {
	if s != driver.StateReady {
		c.mu.Lock()
		on := c.on
		c.mu.Unlock()
		if on {
			c.setOn(false)
		}
	}
}

// cachedGet is GET through the cache.
func (c *cmds) cachedGet(key string, cmd []byte) *future.Future[string] {
	if v, ok := c.cache.get(key); ok {
		return future.Resolved(c.loop, v)
	}
	gen, on := c.cache.begin()
	if !on {
		return callAs(c, cmd, driver.Idempotent, strReply)
	}
	return callAs(c, cmd, driver.Idempotent, func(v resp.Value) (string, error) {
		s, err := v.Str()
		if err == nil {
			c.cache.put(key, s, gen)
		}
		return s, mapNil(err)
	})
}

// CacheStats reports the hits and misses of the client-side cache
// (Options.CacheSize); both are 0 without one. Safe for concurrent use.
func (c *Client) CacheStats() (hits, misses uint64) {
	if c.cache == nil {
		return 0, 0
	}
	return c.cache.hits.Load(), c.cache.misses.Load()
}
