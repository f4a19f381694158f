package redis_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

type redisValue = resp.Value

// newCluster starts a three-master cluster and a ClusterClient seeded with
// its first node only.
func newCluster(t *testing.T, l *eddy.Loop) (*testenv.Cluster, *redis.ClusterClient) {
	t.Helper()
	cl := testenv.RedisCluster(t, 3)
	c, err := redis.NewCluster(l, cl.Addrs()[:1], redis.ClusterOptions{
		Options: redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return cl, c
}

// admin returns a plain Client to one node, for cluster administration.
func admin(t *testing.T, l *eddy.Loop, addr string) *redis.Sync {
	t.Helper()
	c, err := redis.Dial(l, addr, redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.Sync()
}

func TestClusterOptionsInvalid(t *testing.T) {
	l := startLoop(t)
	if _, err := redis.NewCluster(l, []string{"127.0.0.1:1"}, redis.ClusterOptions{Options: redis.Options{DB: 1}}); !errors.Is(err, redis.ErrClusterDB) {
		t.Fatalf("DB 1: %v", err)
	}
	if _, err := redis.NewCluster(l, nil, redis.ClusterOptions{}); !errors.Is(err, redis.ErrClusterDown) {
		t.Fatalf("no seeds: %v", err)
	}
	if _, err := redis.NewCluster(l, []string{"x:1"}, redis.ClusterOptions{Options: redis.Options{Protocol: 4}}); !errors.Is(err, redis.ErrProtocolVersion) {
		t.Fatalf("protocol 4: %v", err)
	}
}

// No seed answers: commands fail with ErrClusterDown, not hang.
func TestClusterNoSeed(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	c, err := redis.NewCluster(l, []string{"127.0.0.1:1"}, redis.ClusterOptions{
		Options: redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
	})
	ok(t, err)
	defer c.Close()
	if _, err := c.Sync().Get(ctx(t), "k"); !errors.Is(err, redis.ErrClusterDown) {
		t.Fatalf("Get = %v, want ErrClusterDown", err)
	}
}

func TestClusterRouting(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	const n = 2000
	sets := make([]*future.Future[bool], n)
	for i := range sets {
		sets[i] = c.Set(fmt.Sprint("key:", i), fmt.Sprint(i), redis.SetOptions{})
	}
	must[[]bool](t)(future.All(sets...).Await(cx))
	gets := make([]*future.Future[string], n)
	for i := range gets {
		gets[i] = c.Get(fmt.Sprint("key:", i))
	}
	for i, v := range must[[]string](t)(future.All(gets...).Await(cx)) {
		eq(t, "Get", v, fmt.Sprint(i))
	}
	// Each key is on the master of its slot: the masters hold n keys in
	// all, each some, and none answered with a redirection (every node
	// is known from the first map).
	masters := must[[]*redis.Client](t)(c.Masters().Await(cx))
	eq(t, "masters", len(masters), 3)
	total := int64(0)
	for _, m := range masters {
		k := must[int64](t)(must[redisValue](t)(m.Do("DBSIZE").Await(cx)).Int())
		if k == 0 {
			t.Fatalf("master %v holds no key", m)
		}
		total += k
	}
	eq(t, "keys on the masters", total, n)
	// Commands whose key follows a subcommand go to the key's master too.
	for i := range 10 {
		k := fmt.Sprint("stream:", i)
		ok(t, s.XGroupCreate(cx, k, "g", "$", true))
		eq(t, "OBJECT ENCODING", must[string](t)(must[redisValue](t)(s.Do(cx, "OBJECT", "ENCODING", k)).Str()), "stream")
	}
	eq(t, "MOVED", c.Stats().Moved, 0)
	// Slot agrees with the server's CLUSTER KEYSLOT, hash tags included.
	a := admin(t, l, cl.Addrs()[1])
	for _, k := range []string{"", "a", "key:1", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}", "\xff\x00{x}"} {
		got := must[int64](t)(do(t, a, "CLUSTER", "KEYSLOT", k).Int())
		eq(t, "Slot("+k+")", int64(redis.Slot(k)), got)
	}
	// Keyless commands go to some master.
	ok(t, s.Ping(cx))
	eq(t, "Do ECHO", must[string](t)(must[redisValue](t)(s.Do(cx, "ECHO", "hi")).Str()), "hi")
}

func TestClusterHashTagsAndCrossSlot(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	_, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	eq(t, "same slot", redis.Slot("{u1}:a"), redis.Slot("{u1}:b"))
	ok(t, s.MSet(cx, "{u1}:a", "1", "{u1}:b", "2"))
	got := must[[]redis.NullString](t)(s.MGet(cx, "{u1}:a", "{u1}:b", "{u1}:c"))
	if got[0].String != "1" || got[1].String != "2" || got[2].Valid {
		t.Fatalf("MGet = %v", got)
	}
	eq(t, "LCS", must[string](t)(must[redisValue](t)(s.Do(cx, "LCS", "{u1}:a", "{u1}:b")).Str()), "")
	eq(t, "Del", must[int64](t)(s.Del(cx, "{u1}:a", "{u1}:b")), 2)
	// Keys in different slots fail before being sent.
	if redis.Slot("a") == redis.Slot("b") {
		t.Fatal("a and b share a slot")
	}
	for name, err := range map[string]error{
		"MSet": s.MSet(cx, "a", "1", "b", "2"),
		"Del":  errOf(s.Del(cx, "a", "b")),
		"Do":   errOf(s.Do(cx, "MGET", "a", "b")),
		"Eval": errOf(s.Eval(cx, "return 1", []string{"a", "b"})),
		// Keys the server finds by keyword or in a second position.
		"LCS":             errOf(s.Do(cx, "LCS", "a", "b")),
		"SORT STORE":      errOf(s.Do(cx, "SORT", "a", "BY", "nosort", "STORE", "b")),
		"GEORADIUS STORE": errOf(s.Do(cx, "GEORADIUS", "a", 0, 0, 1, "km", "STORE", "b")),
		"MIGRATE KEYS":    errOf(s.Do(cx, "MIGRATE", "h", 1, "", 0, 1, "KEYS", "a", "b")),
	} {
		if !errors.Is(err, redis.ErrCrossSlot) {
			t.Fatalf("%s across slots = %v, want ErrCrossSlot", name, err)
		}
	}
	// Scripts run on the slot of their keys.
	sc := redis.NewScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
	eq(t, "Script", must[int64](t)(must[redisValue](t)(s.Run(cx, sc, []string{"{u2}:n"}, 5)).Int()), 5)
	eq(t, "Script again", must[int64](t)(must[redisValue](t)(sc.Run(c, []string{"{u2}:n"}, 2).Await(cx)).Int()), 7)
}

// A batch over many keys goes to the three masters and comes back in
// order, each command with its own result.
func TestClusterBatch(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	_, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	var b redis.Batch
	const n = 500
	for i := range n {
		b.Do("SET", fmt.Sprint("b:", i), i)
	}
	bad := b.Do("MSET", "a", "1", "b", "2")
	wrong := b.Do("LPUSH", "b:7", "x")
	for i := range n {
		b.Do("GET", fmt.Sprint("b:", i))
	}
	argErr := b.Do("GET", struct{}{})
	eq(t, "Len", b.Len(), 2*n+3)
	res := must[[]redis.BatchResult](t)(s.Exec(cx, &b))
	eq(t, "results", len(res), b.Len())
	for i := range n {
		ok(t, res[i].Err)
		eq(t, "GET", must[string](t)(res[n+2+i].Value.Str()), fmt.Sprint(i))
	}
	if !errors.Is(res[bad].Err, redis.ErrCrossSlot) {
		t.Fatalf("cross-slot in batch: %v", res[bad].Err)
	}
	var re *redis.Error
	if !errors.As(res[wrong].Err, &re) || re.Code != "WRONGTYPE" {
		t.Fatalf("LPUSH on a string: %v", res[wrong].Err)
	}
	if !errors.Is(res[argErr].Err, redis.ErrArgType) {
		t.Fatalf("bad argument: %v", res[argErr].Err)
	}
	// Exec on a single-node Client works the same way.
	srv := testenv.Redis(t)
	one := dialClient(t, l, srv, redis.Options{})
	var b2 redis.Batch
	b2.Do("INCR", "x")
	b2.Do("INCR", "x")
	r2 := must[[]redis.BatchResult](t)(one.Exec(&b2).Await(cx))
	eq(t, "second INCR", must[int64](t)(r2[1].Value.Int()), 2)
}

// Losing the connection to a node makes the client refresh its map, and
// commands go on working.
func TestClusterNodeConnLoss(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	ok(t, errOf(s.Set(cx, "k", "v", redis.SetOptions{})))
	for i := range 100 { // connect to every master
		ok(t, errOf(s.Set(cx, fmt.Sprint("warm:", i), "v", redis.SetOptions{})))
	}
	before := c.Stats().Refreshes
	for _, addr := range cl.Addrs() {
		do(t, admin(t, l, addr), "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
	}
	eventually(t, "a refresh after the connections dropped", func() bool { return c.Stats().Refreshes > before })
	eq(t, "Get after reconnect", must[string](t)(s.Get(cx, "k")), "v")
	must[struct{}](t)(c.Refresh().Await(cx))
}

// A slot migrates from one master to another while goroutines keep
// reading and writing keys in it: every command succeeds, following ASK
// during the migration and MOVED after it.
func TestClusterReslot(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	const tag = "{reslot}"
	slot := redis.Slot(tag)

	// Find the slot's master (the others redirect) and pick a target.
	var src, dst *redis.Sync
	var srcAddr, dstAddr string
	var others []*redis.Sync
	for _, addr := range cl.Addrs() {
		a := admin(t, l, addr)
		others = append(others, a)
		if _, err := a.Exists(cx, tag); err == nil {
			src, srcAddr = a, addr
		} else if dst == nil {
			dst, dstAddr = a, addr
		}
	}
	if src == nil || dst == nil {
		t.Fatal("no owner or no target for the slot")
	}
	srcID := must[string](t)(must[redisValue](t)(src.Do(cx, "CLUSTER", "MYID")).Str())
	dstID := must[string](t)(must[redisValue](t)(dst.Do(cx, "CLUSTER", "MYID")).Str())

	const keys, workers = 64, 8
	for i := range keys {
		ok(t, errOf(s.Set(cx, fmt.Sprint(tag, i), "0", redis.SetOptions{})))
	}
	var stop atomic.Bool
	var ops atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for round := 1; !stop.Load(); round++ {
				for i := w; i < keys; i += workers {
					k, v := fmt.Sprint(tag, i), fmt.Sprint(round)
					if _, err := s.Set(cx, k, v, redis.SetOptions{}); err != nil {
						errs <- fmt.Errorf("SET %s: %w", k, err)
						return
					}
					if got, err := s.Get(cx, k); err != nil || got != v {
						errs <- fmt.Errorf("GET %s = %q, %v; want %q", k, got, err, v)
						return
					}
					ops.Add(2)
				}
			}
		})
	}
	failed := func() bool {
		select {
		case err := <-errs:
			stop.Store(true)
			wg.Wait()
			t.Fatal(err)
		default:
		}
		return false
	}
	progress := func(what string) { // wait for more traffic
		n := ops.Load() + 100
		eventually(t, what, func() bool { return failed() || ops.Load() >= n })
	}
	progress("traffic before the migration")

	host, port, _ := strings.Cut(dstAddr, ":")
	do(t, dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID)
	do(t, src, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID)
	migrate := func(max int) int {
		moved := 0
		for moved < max {
			v := do(t, src, "CLUSTER", "GETKEYSINSLOT", slot, 8)
			ks := must[[]redisValue](t)(v.Array())
			if len(ks) == 0 {
				break
			}
			args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
			for _, k := range ks {
				args = append(args, must[string](t)(k.Str()))
			}
			do(t, src, args...)
			moved += len(ks)
		}
		return moved
	}
	if migrate(keys/2) == 0 {
		t.Fatal("no key to migrate")
	}
	eventually(t, "an ASK redirection", func() bool { return failed() || c.Stats().Ask > 0 })
	progress("traffic during the migration")
	migrate(1 << 30)
	for _, a := range others { // the target first, as redis-cli does
		if a == dst {
			do(t, a, "CLUSTER", "SETSLOT", slot, "NODE", dstID)
		}
	}
	for _, a := range others {
		if a != dst {
			do(t, a, "CLUSTER", "SETSLOT", slot, "NODE", dstID)
		}
	}
	eventually(t, "a MOVED redirection", func() bool { return failed() || c.Stats().Moved > 0 })
	eventually(t, "a refresh after MOVED", func() bool { return failed() || c.Stats().Refreshes > 1 })
	progress("traffic after the migration")
	stop.Store(true)
	wg.Wait()
	failed()
	st := c.Stats()
	if st.Ask == 0 || st.Moved == 0 {
		t.Fatalf("ASK %d, MOVED %d: both should have been seen", st.Ask, st.Moved)
	}
	t.Logf("reslot of slot %d from %s to %s: %d commands, %d ASK, %d MOVED, %d retries, %d refreshes",
		slot, srcAddr, dstAddr, ops.Load(), st.Ask, st.Moved, st.Retries, st.Refreshes)
	// Every key ended on the target, with the last value written.
	eq(t, "keys left on the source", must[int64](t)(do(t, src, "CLUSTER", "COUNTKEYSINSLOT", slot).Int()), 0)
	eq(t, "keys on the target", must[int64](t)(do(t, dst, "CLUSTER", "COUNTKEYSINSLOT", slot).Int()), keys)
	for i := range keys {
		if _, err := s.Get(cx, fmt.Sprint(tag, i)); err != nil {
			t.Fatal(err)
		}
	}
}

// A slot left MIGRATING towards a node that is not importing it sends a
// command back and forth (ASK, then MOVED): it fails after MaxRedirects
// with ErrTooManyRedirects instead of looping.
func TestClusterRedirectLimit(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl, c := newCluster(t, l)
	s := c.Sync()
	cx := ctx(t)
	const tag = "{ping-pong}"
	slot := redis.Slot(tag)
	var src, dst *redis.Sync
	for _, addr := range cl.Addrs() {
		a := admin(t, l, addr)
		if _, err := a.Exists(cx, tag); err == nil {
			src = a
		} else if dst == nil {
			dst = a
		}
	}
	dstID := must[string](t)(must[redisValue](t)(dst.Do(cx, "CLUSTER", "MYID")).Str())
	if _, err := s.Get(cx, tag+"x"); !errors.Is(err, redis.Nil) { // the map is known
		t.Fatal(err)
	}
	do(t, src, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID)
	before := c.Stats()
	_, err := s.Get(cx, tag+"missing")
	var re *redis.Error
	if !errors.Is(err, redis.ErrTooManyRedirects) || !errors.As(err, &re) {
		t.Fatalf("Get = %v, want ErrTooManyRedirects wrapping the last redirection", err)
	}
	st := c.Stats()
	if st.Ask == before.Ask || st.Moved == before.Moved || st.Ask+st.Moved-before.Ask-before.Moved != 5 {
		t.Fatalf("redirections: %+v then %+v, want 5 ASK and MOVED", before, st)
	}
	do(t, src, "CLUSTER", "SETSLOT", slot, "STABLE")
	if _, err := s.Get(cx, tag+"missing"); !errors.Is(err, redis.Nil) {
		t.Fatalf("Get after STABLE = %v, want Nil", err)
	}
}

// The map is refreshed periodically even when nothing goes wrong.
func TestClusterPeriodicRefresh(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	cl := testenv.RedisCluster(t, 3)
	c, err := redis.NewCluster(l, cl.Addrs(), redis.ClusterOptions{
		RefreshInterval: 20 * time.Millisecond, MinRefreshInterval: 10 * time.Millisecond,
	})
	ok(t, err)
	defer c.Close()
	ok(t, c.Sync().Ping(ctx(t)))
	eventually(t, "three refreshes", func() bool { return c.Stats().Refreshes >= 3 })
	eq(t, "refresh errors", c.Stats().RefreshErrors, 0)
}
