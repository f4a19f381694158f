package dns

import (
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// cacheKey names one cached answer: a lowercase absolute name and a query
// type. Type 0 holds an NXDOMAIN, which covers every type of the name
// (RFC 2308 §5).
type cacheKey struct {
	name  string
	qtype dnsmessage.Type
}

type cacheEntry struct {
	ans     *answer
	expires time.Time
}

// cache holds answers until their TTL runs out. A TTL of zero is not
// cached. When full it first drops expired entries, then arbitrary ones
// down to seven eighths of its size, so an insert costs O(1) amortized.
type cache struct {
	size      int
	maxTTL    time.Duration
	negMaxTTL time.Duration // < 0: no negative caching
	m         map[cacheKey]cacheEntry
}

func newCache(size int, maxTTL, negMaxTTL time.Duration) *cache {
	if size < 0 {
		return nil
	}
	return &cache{size: size, maxTTL: maxTTL, negMaxTTL: negMaxTTL, m: make(map[cacheKey]cacheEntry)}
}

// get returns the live answer for key, or nil.
func (c *cache) get(key cacheKey, now time.Time) *answer {
	if c == nil {
		return nil
	}
	for _, k := range [2]cacheKey{key, {key.name, 0}} {
		e, ok := c.m[k]
		if !ok {
			continue
		}
		if now.Before(e.expires) {
			return e.ans
		}
		delete(c.m, k)
	}
	return nil
}

// put stores a for key if it may be cached.
func (c *cache) put(key cacheKey, a *answer, now time.Time) {
	if c == nil || !a.cacheable || a.ttl == 0 {
		return
	}
	limit := c.maxTTL
	if a.err != nil {
		if c.negMaxTTL < 0 {
			return
		}
		limit = c.negMaxTTL
		if a.err == ErrNotFound && equalFold(a.canonical, key.name) {
			key.qtype = 0
		}
	}
	ttl := min(time.Duration(a.ttl)*time.Second, limit)
	if len(c.m) >= c.size {
		c.evict(now)
	}
	c.m[key] = cacheEntry{ans: a, expires: now.Add(ttl)}
}

func (c *cache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	target := c.size - c.size/8 - 1
	for k := range c.m {
		if len(c.m) <= target {
			break
		}
		delete(c.m, k)
	}
}

// flush empties the cache.
func (c *cache) flush() {
	if c != nil {
		clear(c.m)
	}
}
