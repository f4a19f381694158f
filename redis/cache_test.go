package redis_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// Client-side caching: a second Get is served from the cache; a write by
// another client invalidates it; a reconnect empties it; the LRU keeps
// at most CacheSize keys.
func TestClientCache(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	c := ctx(t)
	cached := dialClient(t, l, srv, redis.Options{CacheSize: 2})
	other := dialClient(t, l, srv, redis.Options{}).Sync()
	s := cached.Sync()
	ok(t, s.Ping(c)) // values read while connecting are not cached
	ok(t, errOf(other.Set(c, "k", "v1", redis.SetOptions{})))

	eq(t, "first Get", must[string](t)(s.Get(c, "k")), "v1")
	hits0, _ := cached.CacheStats()
	eq(t, "second Get", must[string](t)(s.Get(c, "k")), "v1")
	hits1, _ := cached.CacheStats()
	eq(t, "hits after the second Get", hits1, hits0+1)

	// Another client changes k: the server's invalidation drops it.
	ok(t, errOf(other.Set(c, "k", "v2", redis.SetOptions{})))
	eventually(t, "the new value", func() bool {
		v, err := s.Get(c, "k")
		return err == nil && v == "v2"
	})
	eq(t, "cached new value", must[string](t)(s.Get(c, "k")), "v2")
	// Missing keys are not cached.
	if _, err := s.Get(c, "missing"); !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	ok(t, errOf(other.Set(c, "missing", "now", redis.SetOptions{})))
	eq(t, "once missing", must[string](t)(s.Get(c, "missing")), "now")

	// The LRU holds two keys: after a, b and c, k is gone.
	for _, k := range []string{"a", "b", "c"} {
		ok(t, errOf(other.Set(c, k, k, redis.SetOptions{})))
		eq(t, "Get "+k, must[string](t)(s.Get(c, k)), k)
	}
	_, m0 := cached.CacheStats()
	must[string](t)(s.Get(c, "k"))
	_, m1 := cached.CacheStats()
	eq(t, "a miss for the evicted key", m1, m0+1)

	// A dropped connection empties the cache: no stale value after a
	// write made while it was down.
	eq(t, "Get c", must[string](t)(s.Get(c, "c")), "c")
	do(t, other, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
	ok(t, errOf(other.Set(c, "c", "changed", redis.SetOptions{})))
	eventually(t, "the value written while disconnected", func() bool {
		v, err := s.Get(c, "c")
		return err == nil && v == "changed"
	})

	// Many gets of one key, most from the cache, all right.
	for i := range 100 {
		eq(t, fmt.Sprint("Get ", i), must[string](t)(s.Get(c, "a")), "a")
	}
}
