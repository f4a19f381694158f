package redis_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestStreams(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		cl := dialClient(t, l, srv, redis.Options{Protocol: p})
		s := cl.Sync()
		c := ctx(t)
		do(t, s, "FLUSHALL")
		id1 := must[string](t)(s.XAdd(c, "st", "*", "a", "1", "b", "2"))
		id2 := must[string](t)(s.XAdd(c, "st", "*", "a", "3"))
		eq(t, "XLen", must[int64](t)(s.XLen(c, "st")), 2)
		got := must[[]redis.XStream](t)(s.XRead(c, redis.XReadArgs{Streams: []string{"st"}, IDs: []string{"0"}}))
		if len(got) != 1 || got[0].Stream != "st" || len(got[0].Messages) != 2 ||
			got[0].Messages[0].ID != id1 || got[0].Messages[0].Values["b"] != "2" || got[0].Messages[1].ID != id2 {
			t.Fatalf("XRead = %+v", got)
		}
		// Nothing new: an empty result, not an error.
		eq(t, "XRead after last", len(must[[]redis.XStream](t)(s.XRead(c, redis.XReadArgs{Streams: []string{"st"}, IDs: []string{id2}}))), 0)
		eq(t, "XRead BLOCK timeout", len(must[[]redis.XStream](t)(s.XRead(c, redis.XReadArgs{Streams: []string{"st"}, IDs: []string{"$"}, Block: 20 * time.Millisecond}))), 0)

		// A blocking read on its own connection, woken by an XADD on the
		// shared one.
		wait := cl.XRead(redis.XReadArgs{Streams: []string{"st"}, IDs: []string{"$"}, Block: -1})
		eventually(t, "XREAD to block", func() bool { return blocked(t, s) == 1 })
		id3 := must[string](t)(s.XAdd(c, "st", "*", "c", "4"))
		woke := must[[]redis.XStream](t)(wait.Await(c))
		if len(woke) != 1 || woke[0].Messages[0].ID != id3 {
			t.Fatalf("blocking XRead = %+v", woke)
		}

		// Consumer groups.
		ok(t, s.XGroupCreate(c, "st", "g", "0", false))
		ok(t, s.XGroupCreate(c, "new", "g", "$", true))
		msgs := must[[]redis.XStream](t)(s.XReadGroup(c, "g", "alice", redis.XReadArgs{Streams: []string{"st"}, IDs: []string{">"}, Count: 2}))
		if len(msgs) != 1 || len(msgs[0].Messages) != 2 {
			t.Fatalf("XReadGroup = %+v", msgs)
		}
		eq(t, "XAck", must[int64](t)(s.XAck(c, "st", "g", id1, id2)), 2)
		eq(t, "XAck again", must[int64](t)(s.XAck(c, "st", "g", id1)), 0)
		rest := must[[]redis.XStream](t)(s.XReadGroup(c, "g", "bob", redis.XReadArgs{Streams: []string{"st"}, IDs: []string{">"}, NoAck: true, Block: 10 * time.Millisecond}))
		if len(rest) != 1 || rest[0].Messages[0].ID != id3 {
			t.Fatalf("XReadGroup NOACK = %+v", rest)
		}
		if _, err := s.XRead(c, redis.XReadArgs{Streams: []string{"st"}}); err == nil {
			t.Fatal("XRead with no IDs accepted")
		}
		if _, err := s.XAdd(c, "st", "*"); err == nil {
			t.Fatal("XAdd without fields accepted")
		}
	}
}
