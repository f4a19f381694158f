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

// A Get issued after a write on the same client sees the write, as it
// would without the cache: the write drops the keys it names from the
// cache as it is issued, before the server's invalidation comes.
func TestClientCacheReadYourWrites(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	c := ctx(t)
	cached := dialClient(t, l, srv, redis.Options{CacheSize: 10})
	s := cached.Sync()
	ok(t, s.Ping(c))
	ok(t, errOf(s.Set(c, "k", "v1", redis.SetOptions{})))
	eq(t, "first Get", must[string](t)(s.Get(c, "k")), "v1")
	hits0, _ := cached.CacheStats()
	eq(t, "cached Get", must[string](t)(s.Get(c, "k")), "v1")
	hits1, _ := cached.CacheStats()
	eq(t, "hits", hits1, hits0+1)

	set := cached.Set("k", "v2", redis.SetOptions{})
	get := cached.Get("k")
	eq(t, "Set", must[bool](t)(set.Await(c)), true)
	eq(t, "Get after Set", must[string](t)(get.Await(c)), "v2")

	// The same through Do, and for a command naming no key.
	eq(t, "cached again", must[string](t)(s.Get(c, "k")), "v2")
	eq(t, "cached again", must[string](t)(s.Get(c, "k")), "v2")
	del := cached.Do("DEL", "k")
	get = cached.Get("k")
	must[redisValue](t)(del.Await(c))
	if _, err := get.Await(c); !errors.Is(err, redis.Nil) {
		t.Fatalf("Get after DEL = %v, want Nil", err)
	}
	ok(t, errOf(s.Set(c, "k", "v3", redis.SetOptions{})))
	eq(t, "cached again", must[string](t)(s.Get(c, "k")), "v3")
	eq(t, "cached again", must[string](t)(s.Get(c, "k")), "v3")
	flush := cached.Do("FLUSHDB")
	get = cached.Get("k")
	must[redisValue](t)(flush.Await(c))
	if _, err := get.Await(c); !errors.Is(err, redis.Nil) {
		t.Fatalf("Get after FLUSHDB = %v, want Nil", err)
	}
}

// An invalidation that arrives while nothing is in flight is consumed,
// not taken for a reply nobody asked for: the shared connection stays up
// (its CLIENT ID does not change) and the cache drops the key.
func TestClientCacheInvalidationKeepsConnection(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	c := ctx(t)
	cached := dialClient(t, l, srv, redis.Options{CacheSize: 10})
	other := dialClient(t, l, srv, redis.Options{}).Sync()
	s := cached.Sync()
	id0 := must[int64](t)(do(t, s, "CLIENT", "ID").Int())
	ok(t, errOf(other.Set(c, "k", "v1", redis.SetOptions{})))
	eq(t, "first Get", must[string](t)(s.Get(c, "k")), "v1")
	eq(t, "cached Get", must[string](t)(s.Get(c, "k")), "v1")
	for i := range 3 {
		// The Set's reply comes to the other client; the invalidation
		// comes to the idle cached one.
		v := fmt.Sprint("v", i+2)
		ok(t, errOf(other.Set(c, "k", v, redis.SetOptions{})))
		eventually(t, "the new value", func() bool {
			got, err := s.Get(c, "k")
			return err == nil && got == v
		})
	}
	if id1 := must[int64](t)(do(t, s, "CLIENT", "ID").Int()); id1 != id0 {
		t.Fatalf("CLIENT ID %d, then %d: an invalidation dropped the connection", id0, id1)
	}
}

// A Get issued once a Tx's Exec has resolved sees what the transaction
// wrote: Exec drops its queued commands' keys from the cache itself, not
// leaving it to the server's invalidation, which comes on the shared
// connection in its own time. Tracking is turned off behind the cache's
// back so that no invalidation ever comes: the race is lost for sure.
func TestClientCacheTxWrites(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	c := ctx(t)
	cached := dialClient(t, l, srv, redis.Options{CacheSize: 10})
	s := cached.Sync()
	ok(t, s.Ping(c))
	do(t, s, "CLIENT", "TRACKING", "OFF")
	ok(t, errOf(s.Set(c, "k", "v1", redis.SetOptions{})))
	ok(t, errOf(s.Set(c, "other", "o", redis.SetOptions{})))
	cache := func(key, want string) {
		t.Helper()
		eq(t, "Get "+key, must[string](t)(s.Get(c, key)), want)
		hits0, _ := cached.CacheStats()
		eq(t, "cached Get "+key, must[string](t)(s.Get(c, key)), want)
		hits1, _ := cached.CacheStats()
		eq(t, "hits", hits1, hits0+1)
	}
	cache("k", "v1")
	cache("other", "o")

	tx := cached.Multi()
	tx.Queue("SET", "k", "v2")
	must[[]redisValue](t)(tx.Exec().Await(c))
	eq(t, "Get after Exec", must[string](t)(s.Get(c, "k")), "v2")
	hits0, _ := cached.CacheStats()
	eq(t, "Get of a key the Tx did not write", must[string](t)(s.Get(c, "other")), "o")
	hits1, _ := cached.CacheStats()
	eq(t, "hits for the untouched key", hits1, hits0+1)
}
