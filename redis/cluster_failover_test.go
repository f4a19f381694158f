package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// callTimeout bounds each call of the failover tests: a call that has not
// settled by then hangs, which is a failure.
const callTimeout = 20 * time.Second

// failoverLoad is goroutines writing and reading through a ClusterClient,
// half of their calls through the blocking facade and half through
// futures, recording what was acknowledged and what failed.
type failoverLoad struct {
	t    *testing.T
	c    *redis.ClusterClient
	pre  map[string]string // keys written before the load, all replicated
	stop atomic.Bool
	wg   sync.WaitGroup

	// confirm, if set, is asked whether an acknowledged write counts as
	// one that must survive, unless the write was issued once safe was
	// set: no node dies from then on.
	confirm func(cx context.Context) bool
	safe    atomic.Bool

	mu     sync.Mutex
	acked  map[string]string // acknowledged and confirmed writes
	errs   []error           // every failed call
	writes []int             // successful writes per writer
}

// startLoad runs writers and readers until stopLoad, or the end of the
// test. Each writer writes keys of its own, so that a key's last
// acknowledged value is known.
func startLoad(t *testing.T, c *redis.ClusterClient, pre map[string]string, phase string, confirm func(context.Context) bool) *failoverLoad {
	ld := &failoverLoad{t: t, c: c, pre: pre, confirm: confirm, acked: map[string]string{}, writes: make([]int, 4)}
	t.Cleanup(func() { ld.stopLoad() }) // a test that fails half-way, before its loop stops
	s := c.Sync()
	for w := range 4 {
		ld.wg.Go(func() {
			for j := 0; !ld.stop.Load(); j++ {
				key, val := fmt.Sprintf("%s:w%d:%d", phase, w, j), fmt.Sprint("v", j)
				cx, cancel := context.WithTimeout(context.Background(), callTimeout)
				safe := ld.safe.Load()
				var err error
				if j%2 == 0 {
					_, err = s.Set(cx, key, val, redis.SetOptions{})
				} else {
					_, err = c.Set(key, val, redis.SetOptions{}).Await(cx)
				}
				if err == nil && (safe || ld.confirm == nil || ld.confirm(cx)) {
					ld.mu.Lock()
					ld.acked[key] = val
					ld.writes[w]++
					ld.mu.Unlock()
				}
				cancel()
				ld.record(err)
			}
		})
	}
	keys := make([]string, 0, len(pre))
	for k := range pre {
		keys = append(keys, k)
	}
	for rd := range 2 {
		ld.wg.Go(func() {
			for j := rd; !ld.stop.Load(); j++ {
				key := keys[j%len(keys)]
				cx, cancel := context.WithTimeout(context.Background(), callTimeout)
				var v string
				var err error
				if j%2 == 0 {
					v, err = s.Get(cx, key)
				} else {
					v, err = c.Get(key).Await(cx)
				}
				cancel()
				if err == nil && v != pre[key] {
					err = fmt.Errorf("GET %s = %q, want %q", key, v, pre[key])
				}
				ld.record(err)
			}
		})
	}
	return ld
}

func (ld *failoverLoad) record(err error) {
	if err != nil {
		ld.mu.Lock()
		ld.errs = append(ld.errs, err)
		ld.mu.Unlock()
	}
}

// waitWrites waits until every writer has had n more writes acknowledged.
func (ld *failoverLoad) waitWrites(n int) {
	ld.t.Helper()
	ld.mu.Lock()
	base := append([]int(nil), ld.writes...)
	ld.mu.Unlock()
	eventually(ld.t, fmt.Sprintf("%d more acknowledged writes per writer", n), func() bool {
		ld.mu.Lock()
		defer ld.mu.Unlock()
		for w, b := range base {
			if ld.writes[w] < b+n {
				return false
			}
		}
		return true
	})
}

// stopLoad stops the goroutines and returns the acknowledged writes and
// the errors.
func (ld *failoverLoad) stopLoad() (map[string]string, []error) {
	ld.stop.Store(true)
	ld.wg.Wait()
	return ld.acked, ld.errs
}

// checkAcked reads back every acknowledged write.
func checkAcked(t *testing.T, s *redis.ClusterSync, acked map[string]string) {
	t.Helper()
	for k, v := range acked {
		got, err := s.Get(ctx(t), k)
		if err != nil || got != v {
			t.Fatalf("acknowledged write lost: GET %s = %q, %v; want %q", k, got, err, v)
		}
	}
}

// ownKey returns a key whose slot node serves, asking node itself (a key
// it does not serve gets MOVED).
func ownKey(t *testing.T, on *redis.Sync, prefix string) string {
	t.Helper()
	for i := 0; ; i++ {
		k := fmt.Sprint(prefix, i)
		_, err := on.Get(ctx(t), k)
		var re *redis.Error
		if errors.As(err, &re) && re.Code == "MOVED" {
			continue
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
		return k
	}
}

// waitCluster is eventually for changes of the cluster's own making
// (failovers), which take a few seconds, and longer on a busy machine.
func waitCluster(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mastersOf returns the addresses of the client's masters.
func mastersOf(t *testing.T, c *redis.ClusterClient) []string {
	t.Helper()
	var out []string
	for _, n := range must[[]*redis.Client](t)(c.Masters().Await(ctx(t))) {
		out = append(out, n.Addr())
	}
	return out
}

// A master is killed while goroutines write and read through a
// ClusterClient; its replica takes over. Then the old master is restarted
// on its port (it comes back as the new master's replica) and takes its
// slots back with a manual CLUSTER FAILOVER, under load again.
//
// Killed: calls in flight to the dead master fail with typed errors
// (ErrConnLost for writes written to it, or ErrRetryTimeout if the
// cluster takes longer than RetryTimeout to promote the replica;
// TestClusterFailoverRetries has the calls that ride the failover out),
// none hangs, refreshes stay within the rate limit, later calls reach the
// promoted replica, and no acknowledged write is lost. Redis replicates asynchronously: a write the
// dead master acknowledged just before it died may never have reached its
// replica. So until the failover is over, a write counts as acknowledged
// only once WAIT 1 on every master's connection (the connection the write
// went over, among them) has confirmed that a replica has it; writes
// issued after it count as soon as they succeed. A write that went to the
// dead master unconfirmed never counts: WAIT there fails, and once the
// map has dropped it, WAIT on its successor finds no replica (the dead
// master was the only one). The dead master does not come back while it
// could matter: a new connection would confirm nothing of the old one.
//
// Manual failover: the old master catches up and takes over without
// dropping a connection, so callers see no error at all, and the client
// uses the restarted node again.
func TestClusterFailover(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl := testenv.RedisCluster(t, 3, testenv.Replicas(1))
	const minRefresh = 100 * time.Millisecond
	c, err := redis.NewCluster(l, cl.Addrs(), redis.ClusterOptions{
		Options:            redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
		RefreshInterval:    -1,
		MinRefreshInterval: minRefresh,
	})
	ok(t, err)
	defer c.Close()
	s := c.Sync()
	m, r := cl.Nodes[0], cl.Nodes[3]
	probe := ownKey(t, admin(t, l, m.Addr), "probe:")

	// Keys for the readers, replicated before the kill.
	pre := map[string]string{}
	for i := range 100 {
		k := fmt.Sprint("pre:", i)
		pre[k] = fmt.Sprint("p", i)
		ok(t, errOf(s.Set(ctx(t), k, pre[k], redis.SetOptions{})))
	}
	waitReplicated := func(cx context.Context) bool {
		ms, err := c.Masters().Await(cx)
		if err != nil {
			return false
		}
		for _, n := range ms {
			wcx, cancel := context.WithTimeout(cx, 2*time.Second)
			v, err := n.Sync().Do(wcx, "WAIT", 1, 1000)
			cancel()
			if err != nil {
				return false
			}
			if got, err := v.Int(); err != nil || got < 1 {
				return false
			}
		}
		return true
	}
	for !waitReplicated(ctx(t)) {
		time.Sleep(10 * time.Millisecond)
	}

	// (a) Kill the master under load.
	ld := startLoad(t, c, pre, "kill", waitReplicated)
	ld.waitWrites(20)
	refreshes, t0 := c.Stats().Refreshes, time.Now()
	m.Kill()
	waitCluster(t, "the replica promoted", func() bool { return cl.Role(r) == "master" })
	cl.WaitOK()
	ld.safe.Store(true)
	eventually(t, "the client routing to the promoted replica", func() bool {
		ms := mastersOf(t, c)
		return len(ms) == 3 && strings.Contains(strings.Join(ms, " "), r.Addr) && !strings.Contains(strings.Join(ms, " "), m.Addr)
	})
	ld.waitWrites(20)
	acked, errs := ld.stopLoad()
	elapsed := time.Since(t0)
	if n, limit := c.Stats().Refreshes-refreshes, uint64(elapsed/minRefresh)+2; n > limit {
		t.Errorf("%d refreshes in %v, more than the rate limit allows (%d)", n, elapsed, limit)
	}
	for _, err := range errs {
		if !errors.Is(err, redis.ErrConnLost) && !errors.Is(err, redis.ErrRetryTimeout) {
			t.Errorf("call failed with %v (%T), want ErrConnLost or ErrRetryTimeout", err, err)
		}
	}
	kinds := map[string]int{}
	for _, err := range errs {
		kinds[err.Error()]++
	}
	t.Logf("kill: %d writes acknowledged, %d calls failed (%v), %d refreshes", len(acked), len(errs), kinds, c.Stats().Refreshes-refreshes)
	checkAcked(t, s, acked)
	for k, v := range pre {
		eq(t, "GET "+k, must[string](t)(s.Get(ctx(t), k)), v)
	}
	ok(t, errOf(s.Set(ctx(t), probe, "promoted", redis.SetOptions{})))
	eq(t, "GET on the promoted replica", must[string](t)(admin(t, l, r.Addr).Get(ctx(t), probe)), "promoted")
	if t.Failed() {
		return
	}

	// (c) The old master, restarted on its port, rejoins as a replica.
	m.Start()
	waitCluster(t, "the restarted node replicating the new master", func() bool {
		rs := cl.ReplicasOf(r)
		return len(rs) == 1 && rs[0] == m
	})
	cl.WaitOK()

	// (b) It takes its slots back with a manual failover, under load:
	// no call fails.
	ld = startLoad(t, c, pre, "manual", nil)
	ld.waitWrites(20)
	// A manual failover that has not ended within five seconds (on a
	// busy machine) is given up by the node: ask again then.
	ma := admin(t, l, m.Addr)
	asked := time.Time{}
	waitCluster(t, "the restarted node promoted", func() bool {
		if cl.Role(m) == "master" {
			return true
		}
		if time.Since(asked) > 6*time.Second {
			// An error here is a failover that ended meanwhile: the
			// role shows it.
			ma.Do(ctx(t), "CLUSTER", "FAILOVER")
			asked = time.Now()
		}
		return false
	})
	cl.WaitOK()
	eventually(t, "the client routing to the restarted node", func() bool {
		ms := mastersOf(t, c)
		return len(ms) == 3 && strings.Contains(strings.Join(ms, " "), m.Addr) && !strings.Contains(strings.Join(ms, " "), r.Addr)
	})
	ld.waitWrites(20)
	acked, errs = ld.stopLoad()
	for _, err := range errs {
		t.Errorf("call failed during a manual failover: %v", err)
	}
	t.Logf("manual: %d writes acknowledged, %d calls failed", len(acked), len(errs))
	checkAcked(t, s, acked)
	ok(t, errOf(s.Set(ctx(t), probe, "back", redis.SetOptions{})))
	eq(t, "GET on the restarted node", must[string](t)(admin(t, l, m.Addr).Get(ctx(t), probe)), "back")
}
