package redis_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// BLPOP waits on a connection of its own: the shared one keeps working.
func TestBLPopDoesNotStall(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	ok(t, s.Ping(c))
	pop := cl.BLPop(0, "queue") // forever
	for range 20 {
		ok(t, errOf(s.Incr(c, "n")))
	}
	if pop.Done() {
		t.Fatal("BLPop returned before anything was pushed")
	}
	// Wait until the server has the BLPOP blocked, then push.
	eventually(t, "BLPOP to block", func() bool { return blocked(t, s) == 1 })
	ok(t, errOf(s.RPush(c, "queue", "job")))
	eq(t, "BLPop", must[redis.KeyValue](t)(pop.Await(c)), redis.KeyValue{Key: "queue", Value: "job"})

	// A timeout is Nil.
	if _, err := s.BRPop(c, 50*time.Millisecond, "empty"); !errors.Is(err, redis.Nil) {
		t.Fatalf("BRPop timeout = %v, want Nil", err)
	}

	// A cancelled BLPOP closes its connection: it takes nothing later.
	pop = cl.BLPop(0, "queue2")
	ok(t, s.Ping(c))
	pop.Cancel(errors.New("no longer needed"))
	if _, err := pop.Await(c); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("cancelled BLPop = %v", err)
	}
	eventually(t, "the blocked client to go", func() bool {
		return blocked(t, s) == 0
	})
	ok(t, errOf(s.RPush(c, "queue2", "kept")))
	eq(t, "queue2 kept", must[int64](t)(s.LLen(c, "queue2")), 1)
}

// blocked returns the number of clients blocked on the server.
func blocked(t *testing.T, s *redis.Sync) int {
	t.Helper()
	info := must[string](t)(do(t, s, "INFO", "clients").Str())
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no blocked_clients in %q", info)
	return 0
}
