package redis_test

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/redis"
)

func TestStrings(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		_, err := s.Get(c, "missing")
		if !errors.Is(err, redis.Nil) || !errors.Is(err, redis.ErrNil) {
			t.Fatalf("Get(missing) error = %v, want redis.Nil", err)
		}
		eq(t, "Set", must[bool](t)(s.Set(c, "k", "v", redis.SetOptions{})), true)
		eq(t, "Get", must[string](t)(s.Get(c, "k")), "v")
		eq(t, "Set NX on existing", must[bool](t)(s.Set(c, "k", "w", redis.SetOptions{NX: true})), false)
		eq(t, "Set XX on missing", must[bool](t)(s.Set(c, "k2", "w", redis.SetOptions{XX: true})), false)
		eq(t, "Set XX", must[bool](t)(s.Set(c, "k", "w", redis.SetOptions{XX: true, TTL: time.Hour})), true)
		ttl := must[time.Duration](t)(s.TTL(c, "k"))
		if ttl <= 59*time.Minute || ttl > time.Hour {
			t.Fatalf("TTL = %v, want about 1h", ttl)
		}
		eq(t, "Set KEEPTTL", must[bool](t)(s.Set(c, "k", "x", redis.SetOptions{KeepTTL: true})), true)
		if must[time.Duration](t)(s.TTL(c, "k")) <= 0 {
			t.Fatal("KEEPTTL lost the expiry")
		}
		eq(t, "Incr", must[int64](t)(s.Incr(c, "n")), 1)
		eq(t, "IncrBy", must[int64](t)(s.IncrBy(c, "n", 10)), 11)
		eq(t, "Decr", must[int64](t)(s.Decr(c, "n")), 10)
		eq(t, "IncrByFloat", must[float64](t)(s.IncrByFloat(c, "f", 1.5)), 1.5)
		eq(t, "Append", must[int64](t)(s.Append(c, "a", "xy")), 2)
		eq(t, "StrLen", must[int64](t)(s.StrLen(c, "a")), 2)
		ok(t, s.MSet(c, "m1", "1", "m2", "2"))
		got := must[[]redis.NullString](t)(s.MGet(c, "m1", "nope", "m2"))
		want := []redis.NullString{{"1", true}, {}, {"2", true}}
		if !slices.Equal(got, want) {
			t.Fatalf("MGet = %v, want %v", got, want)
		}
		if err := s.MSet(c, "odd"); !errors.Is(err, redis.ErrOddArgs) {
			t.Fatalf("MSet(odd) = %v", err)
		}
		eq(t, "GetDel", must[string](t)(s.GetDel(c, "m1")), "1")
		if _, err := s.Incr(c, "k"); err == nil {
			t.Fatal("Incr on a non-number succeeded")
		} else {
			var re *redis.Error
			if !errors.As(err, &re) || re.Code != "ERR" {
				t.Fatalf("Incr error = %#v, want a server ERR", err)
			}
		}
		big := string(make([]byte, 1<<20))
		ok(t, errOf(s.Set(c, "big", big, redis.SetOptions{})))
		eq(t, "big Get", must[string](t)(s.Get(c, "big")) == big, true)
	})
}

func errOf[T any](_ T, err error) error { return err }

func TestKeys(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		ok(t, s.MSet(c, "a", "1", "b", "2"))
		eq(t, "Exists", must[int64](t)(s.Exists(c, "a", "b", "z")), 2)
		eq(t, "Type", must[string](t)(s.Type(c, "a")), "string")
		eq(t, "TTL no expiry", must[time.Duration](t)(s.TTL(c, "a")), redis.NoExpiry)
		if _, err := s.TTL(c, "z"); !errors.Is(err, redis.Nil) {
			t.Fatalf("TTL(missing) = %v, want Nil", err)
		}
		eq(t, "Expire", must[bool](t)(s.Expire(c, "a", time.Minute)), true)
		eq(t, "Expire missing", must[bool](t)(s.Expire(c, "z", time.Minute)), false)
		eq(t, "Persist", must[bool](t)(s.Persist(c, "a")), true)
		ok(t, s.Rename(c, "b", "c"))
		eq(t, "Del", must[int64](t)(s.Del(c, "a", "b", "c")), 2)
		ok(t, s.Ping(c))
	})
}

func TestHashes(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		eq(t, "HSet", must[int64](t)(s.HSet(c, "h", "f1", "v1", "f2", "v2")), 2)
		eq(t, "HGet", must[string](t)(s.HGet(c, "h", "f1")), "v1")
		if _, err := s.HGet(c, "h", "nope"); !errors.Is(err, redis.Nil) {
			t.Fatalf("HGet(missing) = %v", err)
		}
		all := must[map[string]string](t)(s.HGetAll(c, "h"))
		if !maps.Equal(all, map[string]string{"f1": "v1", "f2": "v2"}) {
			t.Fatalf("HGetAll = %v", all)
		}
		eq(t, "HGetAll missing", len(must[map[string]string](t)(s.HGetAll(c, "nope"))), 0)
		hm := must[[]redis.NullString](t)(s.HMGet(c, "h", "f2", "x"))
		if !slices.Equal(hm, []redis.NullString{{"v2", true}, {}}) {
			t.Fatalf("HMGet = %v", hm)
		}
		eq(t, "HExists", must[bool](t)(s.HExists(c, "h", "f1")), true)
		eq(t, "HIncrBy", must[int64](t)(s.HIncrBy(c, "h", "n", 5)), 5)
		eq(t, "HLen", must[int64](t)(s.HLen(c, "h")), 3)
		keys := must[[]string](t)(s.HKeys(c, "h"))
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"f1", "f2", "n"}) {
			t.Fatalf("HKeys = %v", keys)
		}
		eq(t, "HDel", must[int64](t)(s.HDel(c, "h", "f1", "zz")), 1)
		if _, err := s.HSet(c, "h", "odd"); !errors.Is(err, redis.ErrOddArgs) {
			t.Fatalf("HSet(odd) = %v", err)
		}
	})
}

func TestLists(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		eq(t, "RPush", must[int64](t)(s.RPush(c, "l", "b", "c")), 2)
		eq(t, "LPush", must[int64](t)(s.LPush(c, "l", "a")), 3)
		if got := must[[]string](t)(s.LRange(c, "l", 0, -1)); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Fatalf("LRange = %v", got)
		}
		eq(t, "LLen", must[int64](t)(s.LLen(c, "l")), 3)
		eq(t, "LIndex", must[string](t)(s.LIndex(c, "l", -1)), "c")
		eq(t, "LPop", must[string](t)(s.LPop(c, "l")), "a")
		eq(t, "RPop", must[string](t)(s.RPop(c, "l")), "c")
		eq(t, "LRem", must[int64](t)(s.LRem(c, "l", 0, "b")), 1)
		if _, err := s.LPop(c, "l"); !errors.Is(err, redis.Nil) {
			t.Fatalf("LPop(empty) = %v", err)
		}
		eq(t, "LRange empty", len(must[[]string](t)(s.LRange(c, "l", 0, -1))), 0)
	})
}

func TestSets(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		eq(t, "SAdd", must[int64](t)(s.SAdd(c, "s", "a", "b", "a")), 2)
		m := must[[]string](t)(s.SMembers(c, "s"))
		slices.Sort(m)
		if !slices.Equal(m, []string{"a", "b"}) {
			t.Fatalf("SMembers = %v", m)
		}
		eq(t, "SIsMember", must[bool](t)(s.SIsMember(c, "s", "a")), true)
		eq(t, "SIsMember no", must[bool](t)(s.SIsMember(c, "s", "z")), false)
		eq(t, "SCard", must[int64](t)(s.SCard(c, "s")), 2)
		eq(t, "SRem", must[int64](t)(s.SRem(c, "s", "a", "z")), 1)
	})
}

func TestSortedSets(t *testing.T) {
	leakcheck.Check(t)
	protocols(t, func(t *testing.T, s *redis.Sync) {
		c := ctx(t)
		eq(t, "ZAdd", must[int64](t)(s.ZAdd(c, "z", redis.Z{"a", 1}, redis.Z{"b", 2.5}, redis.Z{"c", -1})), 3)
		eq(t, "ZScore", must[float64](t)(s.ZScore(c, "z", "b")), 2.5)
		if _, err := s.ZScore(c, "z", "nope"); !errors.Is(err, redis.Nil) {
			t.Fatalf("ZScore(missing) = %v", err)
		}
		eq(t, "ZIncrBy", must[float64](t)(s.ZIncrBy(c, "z", 2, "a")), 3)
		if got := must[[]string](t)(s.ZRange(c, "z", 0, -1)); !slices.Equal(got, []string{"c", "b", "a"}) {
			t.Fatalf("ZRange = %v", got)
		}
		want := []redis.Z{{"c", -1}, {"b", 2.5}, {"a", 3}}
		if got := must[[]redis.Z](t)(s.ZRangeWithScores(c, "z", 0, -1)); !slices.Equal(got, want) {
			t.Fatalf("ZRangeWithScores = %v", got)
		}
		eq(t, "ZRem", must[int64](t)(s.ZRem(c, "z", "a")), 1)
		eq(t, "ZCard", must[int64](t)(s.ZCard(c, "z")), 2)
	})
}
