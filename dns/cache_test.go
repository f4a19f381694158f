package dns

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestCacheEviction(t *testing.T) {
	c := newCache(8, time.Hour, time.Hour)
	now := time.Unix(1e9, 0)
	for i := range 100 {
		c.put(cacheKey{fmt.Sprintf("n%d.", i), dnsmessage.TypeA}, &answer{ttl: 60, cacheable: true}, now)
		if len(c.m) > 8 {
			t.Fatalf("cache grew to %d", len(c.m))
		}
	}
	if c.get(cacheKey{"n99.", dnsmessage.TypeA}, now) == nil {
		t.Fatal("newest entry evicted")
	}
	// Eviction sweeps expired entries, then arbitrary ones down to 7/8.
	c.flush()
	c.put(cacheKey{"old.", dnsmessage.TypeA}, &answer{ttl: 1, cacheable: true}, now)
	for i := range 7 {
		c.put(cacheKey{fmt.Sprintf("k%d.", i), dnsmessage.TypeA}, &answer{ttl: 60, cacheable: true}, now)
	}
	later := now.Add(2 * time.Second)
	c.put(cacheKey{"new.", dnsmessage.TypeA}, &answer{ttl: 60, cacheable: true}, later)
	if _, ok := c.m[cacheKey{"old.", dnsmessage.TypeA}]; ok || len(c.m) > 8 || c.get(cacheKey{"new.", dnsmessage.TypeA}, later) == nil {
		t.Fatalf("after eviction: %d entries, expired one kept or new one missing", len(c.m))
	}
}

func TestCacheNegative(t *testing.T) {
	now := time.Unix(1e9, 0)
	nx := &answer{canonical: "x.example.", err: ErrNotFound, ttl: 60, cacheable: true}
	c := newCache(16, time.Hour, -1)
	c.put(cacheKey{"x.example.", dnsmessage.TypeA}, nx, now)
	if len(c.m) != 0 {
		t.Fatal("negative answer cached with negative caching off")
	}
	c = newCache(16, time.Hour, 10*time.Second)
	c.put(cacheKey{"x.example.", dnsmessage.TypeA}, nx, now)
	if c.get(cacheKey{"x.example.", dnsmessage.TypeMX}, now) != nx {
		t.Fatal("NXDOMAIN does not cover other types")
	}
	if c.get(cacheKey{"x.example.", dnsmessage.TypeMX}, now.Add(11*time.Second)) != nil {
		t.Fatal("negative cap ignored")
	}
	// An NXDOMAIN at the end of a CNAME chain says nothing of the alias's
	// other types.
	chained := &answer{canonical: "target.example.", err: ErrNotFound, ttl: 60, cacheable: true}
	c.put(cacheKey{"alias.example.", dnsmessage.TypeA}, chained, now)
	if c.get(cacheKey{"alias.example.", dnsmessage.TypeA}, now) != chained || c.get(cacheKey{"alias.example.", dnsmessage.TypeMX}, now) != nil {
		t.Fatal("chained NXDOMAIN cached under the wrong key")
	}
	var off *cache = newCache(-1, 0, 0)
	off.put(cacheKey{"a.", 1}, nx, now)
	if off.get(cacheKey{"a.", 1}, now) != nil {
		t.Fatal("disabled cache answered")
	}
	off.flush()
}
