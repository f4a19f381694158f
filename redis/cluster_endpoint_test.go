package redis_test

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// With cluster-preferred-endpoint-type unknown-endpoint, the nodes say
// that they do not know how clients reach them: CLUSTER SHARDS gives an
// empty endpoint (and the node's IP beside it), CLUSTER SLOTS a null one.
// Redis then expects the client to use the host it sent the command to,
// with the port given (redis.conf), not the IP, which in the setups that
// use this (NAT, load balancers) the client cannot reach. Here the client
// reaches the seed as "localhost", so it must dial the masters there too.
func TestClusterUnknownEndpoint(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl := testenv.RedisCluster(t, 3, testenv.Args("--cluster-preferred-endpoint-type", "unknown-endpoint"))
	seed := net.JoinHostPort("localhost", strconv.Itoa(cl.Nodes[0].Port))
	c, err := redis.NewCluster(l, []string{seed}, redis.ClusterOptions{
		Options: redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
	})
	ok(t, err)
	defer c.Close()
	cx := ctx(t)
	sets := make([]*future.Future[bool], 100)
	for i := range sets {
		sets[i] = c.Set(fmt.Sprint("k", i), "v", redis.SetOptions{})
	}
	must[[]bool](t)(future.All(sets...).Await(cx))
	masters := must[[]*redis.Client](t)(c.Masters().Await(cx))
	eq(t, "masters", len(masters), 3)
	for _, m := range masters {
		if host, _, _ := net.SplitHostPort(m.Addr()); host != "localhost" {
			t.Errorf("master dialled at %s, want the seed's host, localhost", m.Addr())
		}
	}
	eq(t, "MOVED", c.Stats().Moved, 0)
}
