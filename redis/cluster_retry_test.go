package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// rideOutTimeout bounds the calls that must ride out a failover: far
// longer than one takes, even on a busy machine. A call that has not
// settled by then hangs.
const rideOutTimeout = 90 * time.Second

// counters tracks INCRs of one key: acknowledged, failed after being
// written (they may have run), and the reply of the latest one.
type counters struct {
	acked, unknown, last int64
}

// A master is killed while goroutines INCR counters (one key of the dead
// master's slots and one elsewhere per goroutine, one by one, through the
// blocking facade, futures and two-command batches) and GET keys of
// every slot, all with contexts that outlast the failover. Every call
// rides it out: the reads and the writes that had not been written to the
// dead master succeed once the replica is promoted; only writes written
// to it as it died fail, with ErrConnLost saying they were sent. No
// INCR is applied twice: each counter ends at most at its acknowledged
// plus its unknown increments, and at the reply of its latest INCR.
// Meanwhile, calls with a short context fail with its error, calls on a
// client with a short RetryTimeout fail with ErrRetryTimeout wrapping the
// cause, and refreshes stay within the rate limit.
func TestClusterFailoverRetries(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl := testenv.RedisCluster(t, 3, testenv.Replicas(1))
	const minRefresh = 100 * time.Millisecond
	opts := redis.ClusterOptions{
		Options:            redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
		RefreshInterval:    -1,
		MinRefreshInterval: minRefresh,
		RetryTimeout:       rideOutTimeout,
	}
	c, err := redis.NewCluster(l, cl.Addrs(), opts)
	ok(t, err)
	defer c.Close()
	opts.RetryTimeout = 300 * time.Millisecond // well within the node timeout (2 s)
	var shortDown atomic.Bool
	opts.OnState = func(st driver.State, err error) {
		if st == driver.StateBackoff && err != nil {
			shortDown.Store(true) // the dead master's connection
		}
	}
	short, err := redis.NewCluster(l, cl.Addrs(), opts)
	ok(t, err)
	defer short.Close()
	s := c.Sync()
	m, r := cl.Nodes[0], cl.Nodes[3]
	onDead := admin(t, l, m.Addr)
	onOther := admin(t, l, cl.Nodes[1].Addr)

	pre := map[string]string{}
	for i := range 100 {
		k := fmt.Sprint("pre:", i)
		pre[k] = fmt.Sprint("p", i)
		ok(t, errOf(s.Set(ctx(t), k, pre[k], redis.SetOptions{})))
	}
	deadKey := ownKey(t, onDead, "dead:")
	ok(t, errOf(s.Set(ctx(t), deadKey, "x", redis.SetOptions{})))
	must[[]*redis.Client](t)(short.Masters().Await(ctx(t))) // its map, before the kill
	// Every key of pre is on a replica before the kill.
	for _, n := range must[[]*redis.Client](t)(c.Masters().Await(ctx(t))) {
		eventually(t, "pre replicated from "+n.Addr(), func() bool {
			v, err := n.Sync().Do(ctx(t), "WAIT", 1, 1000)
			got, _ := v.Int()
			return err == nil && got >= 1
		})
	}

	const writers = 4
	var (
		stop, safe atomic.Bool
		wg         sync.WaitGroup
		mu         sync.Mutex
		counts     = map[string]*counters{}
		errs       []error
		afterSafe  [writers]int
	)
	var keys [writers][2]string
	for w := range writers {
		keys[w] = [2]string{ownKey(t, onDead, fmt.Sprintf("cnt:dead:%d:", w)), ownKey(t, onOther, fmt.Sprintf("cnt:other:%d:", w))}
		for _, k := range keys[w] {
			counts[k] = &counters{}
		}
	}
	// note records the outcome of one INCR.
	note := func(w int, key string, n int64, err error) {
		mu.Lock()
		defer mu.Unlock()
		ct := counts[key]
		var ce *driver.ConnError
		switch {
		case err == nil:
			ct.acked++
			ct.last = n
			if safe.Load() {
				afterSafe[w]++
			}
		case errors.As(err, &ce) && ce.Sent:
			ct.unknown++ // written to the dead master: it may have run
		default:
			errs = append(errs, fmt.Errorf("INCR %s: %w", key, err))
		}
	}
	for w := range writers {
		wg.Go(func() {
			for j := 0; !stop.Load(); j++ {
				cx, cancel := context.WithTimeout(context.Background(), rideOutTimeout)
				key := keys[w][j%2]
				switch j % 3 {
				case 0:
					n, err := s.Incr(cx, key)
					note(w, key, n, err)
				case 1:
					n, err := c.Incr(key).Await(cx)
					note(w, key, n, err)
				default:
					var b redis.Batch
					b.Do("INCR", keys[w][0])
					b.Do("INCR", keys[w][1])
					res, err := s.Exec(cx, &b)
					if err != nil {
						mu.Lock()
						errs = append(errs, fmt.Errorf("Exec: %w", err))
						mu.Unlock()
						break
					}
					for i, rs := range res {
						var n int64
						if rs.Err == nil {
							n, rs.Err = rs.Value.Int()
						}
						note(w, keys[w][i], n, rs.Err)
					}
				}
				cancel()
			}
		})
	}
	var reads atomic.Int64
	pk := make([]string, 0, len(pre))
	for k := range pre {
		pk = append(pk, k)
	}
	for rd := range 2 {
		wg.Go(func() {
			for j := rd; !stop.Load(); j++ {
				key := pk[j%len(pk)]
				cx, cancel := context.WithTimeout(context.Background(), rideOutTimeout)
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
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				reads.Add(1)
			}
		})
	}
	stopLoad := func() {
		stop.Store(true)
		wg.Wait()
	}
	t.Cleanup(stopLoad) // a test that fails half-way
	waitAfterSafe := func(n int) {
		eventually(t, fmt.Sprintf("%d acknowledged INCRs per writer", n), func() bool {
			mu.Lock()
			defer mu.Unlock()
			for w := range writers {
				if afterSafe[w] < n {
					return false
				}
			}
			return true
		})
	}
	safe.Store(true)
	waitAfterSafe(20)
	mu.Lock()
	safe.Store(false)
	afterSafe = [writers]int{}
	mu.Unlock()

	refreshes, t0 := c.Stats().Refreshes, time.Now()
	m.Kill()

	// A short context ends a call for the dead master's slots with its
	// own error, on the blocking facade and on a future alike. (GET, which
	// is retried even if it was written to the dead master before its
	// connection was seen to drop.)
	for i := range 4 {
		cx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		var err error
		if i%2 == 0 {
			_, err = s.Get(cx, deadKey)
		} else {
			_, err = c.Get(deadKey).Await(cx)
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("call %d with a 50ms context during the failover: %v, want context.DeadlineExceeded", i, err)
		}
	}
	// A client with a short RetryTimeout gives up with ErrRetryTimeout,
	// wrapping why it could not send: the dead master's connection
	// (never written: it is known to be down), or CLUSTERDOWN.
	eventually(t, "the dead master's connection down", shortDown.Load)
	for i := range 2 {
		var err error
		if i == 0 {
			_, err = short.Sync().Get(ctx(t), deadKey)
		} else {
			_, err = short.Set(deadKey, "y", redis.SetOptions{}).Await(ctx(t))
		}
		var ce *driver.ConnError
		var re *redis.Error
		switch {
		case !errors.Is(err, redis.ErrRetryTimeout):
			t.Errorf("call %d with RetryTimeout 300ms during the failover: %v, want ErrRetryTimeout", i, err)
		case errors.As(err, &ce) && (i == 0 || !ce.Sent) && errors.Is(err, redis.ErrConnLost):
		case errors.As(err, &re) && re.Code == "CLUSTERDOWN":
		case errors.Is(err, redis.ErrClosed): // the node dropped from the map
		default:
			t.Errorf("call %d: %v, want it to wrap an unsent ErrConnLost, CLUSTERDOWN or ErrClosed", i, err)
		}
	}

	waitCluster(t, "the replica promoted", func() bool { return cl.Role(r) == "master" })
	cl.WaitOK()
	safe.Store(true)
	eventually(t, "the client routing to the promoted replica", func() bool {
		ms := strings.Join(mastersOf(t, c), " ")
		return strings.Contains(ms, r.Addr) && !strings.Contains(ms, m.Addr)
	})
	waitAfterSafe(20)
	stopLoad()
	elapsed := time.Since(t0)
	if n, limit := c.Stats().Refreshes-refreshes, uint64(elapsed/minRefresh)+2; n > limit {
		t.Errorf("%d refreshes in %v, more than the rate limit allows (%d)", n, elapsed, limit)
	}
	for _, err := range errs {
		t.Errorf("call failed during the failover: %v", err)
	}
	var unknown int64
	for k, ct := range counts {
		n := must[int64](t)(strconv.ParseInt(must[string](t)(s.Get(ctx(t), k)), 10, 64))
		if n > ct.acked+ct.unknown {
			t.Errorf("%s = %d after %d acknowledged INCRs and %d unknown: some ran twice", k, n, ct.acked, ct.unknown)
		}
		if n != ct.last {
			t.Errorf("%s = %d, but its latest INCR replied %d", k, n, ct.last)
		}
		unknown += ct.unknown
	}
	t.Logf("%d INCRs unknown (written to the dead master), %d reads, stats %+v", unknown, reads.Load(), c.Stats())
	if c.Stats().Retries == 0 {
		t.Error("no command was retried: the kill went unnoticed")
	}
	for k, v := range pre {
		eq(t, "GET "+k, must[string](t)(s.Get(ctx(t), k)), v)
	}
	ok(t, errOf(s.Set(ctx(t), deadKey, "promoted", redis.SetOptions{})))
	eq(t, "GET on the promoted replica", must[string](t)(admin(t, l, r.Addr).Get(ctx(t), deadKey)), "promoted")
}
