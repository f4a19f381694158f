package redis_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// A master dies, and the others keep calling it a master (their
// node timeout has not run out): its connection waits in backoff. A
// refresh asks the masters whose connections are up first, instead of
// waiting, possibly for the whole backoff, on the dead one's.
func TestClusterRefreshSkipsDeadNode(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	// The survivors do not flag the dead node for the whole test.
	cl := testenv.RedisCluster(t, 3, testenv.Args("--cluster-node-timeout", "600000"))
	cx := ctx(t)
	var backoffs atomic.Int64
	c, err := redis.NewCluster(l, cl.Addrs()[1:], redis.ClusterOptions{
		Options: redis.Options{
			// Once down, the dead node is not dialled again during the
			// test, and a command or refresh waiting for it waits longer
			// than the test's context.
			MinBackoff: 10 * time.Minute, MaxBackoff: 10 * time.Minute, DialTimeout: 10 * time.Minute,
			OnState: func(s driver.State, err error) {
				if s == driver.StateBackoff {
					backoffs.Add(1)
				}
			},
		},
		RefreshInterval:    -1,
		MinRefreshInterval: time.Millisecond,
	})
	ok(t, err)
	defer c.Close()
	s := c.Sync()
	for i := range 100 { // connect to every master
		ok(t, errOf(s.Set(cx, fmt.Sprint("warm:", i), "v", redis.SetOptions{})))
	}
	eq(t, "masters", len(must[[]*redis.Client](t)(c.Masters().Await(cx))), 3)
	cl.Nodes[0].Kill()
	eventually(t, "the dead node's connection in backoff", func() bool { return backoffs.Load() > 0 })
	// Each refresh picks its first node at random: with the dead one
	// first 1 time in 3, 20 refreshes all miss it once in 3000 runs.
	for i := range 20 {
		if _, err := c.Refresh().Await(cx); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
	eq(t, "refresh errors", c.Stats().RefreshErrors, 0)
}
