package redis_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// A 64 MiB value goes out and comes back intact, with small commands
// pipelined on either side of it.
func TestLargeValue(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	// Not ctx(t)'s 20 s: 64 MiB each way under the race detector on a
	// loaded 2-core machine has taken 21 s. This bounds a hang, not speed.
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	val := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB
	val[len(val)/3] = 'X'
	before := cl.Incr("n")
	set := cl.Do("SET", "big", val)
	after := cl.Incr("n")
	ok(t, errOf(set.Await(c)))
	eq(t, "INCR before", must[int64](t)(before.Await(c)), 1)
	eq(t, "INCR after", must[int64](t)(after.Await(c)), 2)
	eq(t, "STRLEN", must[int64](t)(s.StrLen(c, "big")), int64(len(val)))
	v := must[redisValue](t)(s.Do(c, "GET", "big"))
	got := must[[]byte](t)(v.Bytes())
	if !bytes.Equal(got, val) {
		t.Fatalf("GET big: %d bytes back, not equal to the %d sent", len(got), len(val))
	}
	eq(t, "Incr after the big reply", must[int64](t)(s.Incr(c, "n")), 3)
}
