package redis_test

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestDialOptionsInvalid(t *testing.T) {
	l := startLoop(t)
	if _, err := redis.Dial(l, "127.0.0.1:1", redis.Options{Protocol: 4}); !errors.Is(err, redis.ErrProtocolVersion) {
		t.Fatalf("Dial(Protocol 4) = %v", err)
	}
}

func TestDoArgs(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	s := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	do(t, s, "SET", []byte("k"), 42)
	do(t, s, "RPUSH", "l", int64(1), uint(2), 0.5, true, time.Second, fmt.Stringer(big.NewInt(7)), int32(-3), uint64(4), uint32(5), float32(0.25))
	eq(t, "value", must[string](t)(s.Get(c, "k")), "42")
	eq(t, "list", strings.Join(must[[]string](t)(s.LRange(c, "l", 0, -1)), " "), "1 2 0.5 1 1000 7 -3 4 5 0.25")
	if _, err := s.Do(c, "SET", struct{}{}); !errors.Is(err, redis.ErrArgType) {
		t.Fatalf("Do(struct) = %v", err)
	}
	if _, err := s.Do(c); !errors.Is(err, redis.ErrArgType) {
		t.Fatalf("Do() = %v", err)
	}
	v := do(t, s, "HELLO")
	m, err := v.Map()
	ok(t, err)
	eq(t, "HELLO is a map", v.Type(), resp.TypeMap)
	eq(t, "HELLO pairs", len(m) > 0, true)
	if _, err := s.Do(c, "NOSUCHCOMMAND"); err == nil {
		t.Fatal("unknown command succeeded")
	}
	// The connection still works after an error reply.
	ok(t, s.Ping(c))
}

// Commands of 100 goroutines share one connection, and every reply goes to
// its own caller.
func TestAutoPipelining(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	s := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 100 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("g%d:%d", g, i)
				if _, err := s.Set(c, key, key, redis.SetOptions{}); err != nil {
					errs <- err
					return
				}
				v, err := s.Get(c, key)
				if err == nil && v != key {
					err = fmt.Errorf("Get(%s) = %s", key, v)
				}
				if err == nil {
					_, err = s.Incr(c, "counter")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	eq(t, "counter", must[string](t)(s.Get(c, "counter")), "5000")
	info := must[string](t)(must[resp.Value](t)(s.Do(c, "INFO", "clients")).Str())
	if !strings.Contains(info, "connected_clients:1\r\n") {
		t.Fatalf("more than one connection: %s", info)
	}
}

// A loop-side burst: thousands of futures issued in one turn.
func TestPipelineBurstFutures(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	fs := make([]*future.Future[int64], 5000)
	for i := range fs {
		fs[i] = cl.Incr("n")
	}
	got := must[[]int64](t)(future.All(fs...).Await(ctx(t)))
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("reply %d = %d", i, n)
		}
	}
}

func TestReconnect(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	ok(t, s.Ping(c))
	// A slow command holds the replies of the ones behind it.
	slow := cl.Do("DEBUG", "SLEEP", "5")
	var incrs []*future.Future[int64]
	for range 10 {
		incrs = append(incrs, cl.Incr("n"))
	}
	time.Sleep(50 * time.Millisecond) // let the batch be written
	srv.Kill()
	_, err := slow.Await(c)
	var ce *driver.ConnError
	if !errors.Is(err, redis.ErrConnLost) || !errors.As(err, &ce) || !ce.Sent {
		t.Fatalf("in-flight error = %#v, want a sent *driver.ConnError", err)
	}
	// The INCRs behind it were held back (the server answers in order)
	// or sent: either way they fail, typed, and none hangs.
	for _, f := range incrs {
		if _, err := f.Await(c); !errors.Is(err, redis.ErrConnLost) {
			t.Fatalf("queued error = %v, want ErrConnLost", err)
		}
	}
	srv.Start()
	eq(t, "Set after restart", must[bool](t)(s.Set(c, "k", "v", redis.SetOptions{})), true)
	// The INCRs were not sent again: the fresh server has no n.
	if _, err := s.Get(c, "n"); !errors.Is(err, redis.Nil) {
		t.Fatalf("Get(n) after restart = %v, want Nil", err)
	}
	srv.Restart()
	eq(t, "Get after Restart", errors.Is(errOf(s.Get(c, "k")), redis.Nil), true)
	eq(t, "Incr after Restart", must[int64](t)(s.Incr(c, "n")), 1)
}

func TestClose(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	ok(t, s.Ping(ctx(t)))
	cl.Close()
	if err := s.Ping(ctx(t)); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Ping after Close = %v", err)
	}
}

func TestQuit(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	ok(t, cl.Sync().Ping(ctx(t)))
	f := cl.Incr("n")
	must[struct{}](t)(cl.Quit().Await(ctx(t)))
	eq(t, "Incr before Quit", must[int64](t)(f.Await(ctx(t))), 1)
}

func TestAuthACLUser(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t, testenv.Password("adminpw"), testenv.Args("--user", "alice", "on", ">secret", "~app:*", "+@all"))
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		s := dialClient(t, l, srv, redis.Options{Username: "alice", Password: "secret", Protocol: p, ClientName: "eddy-test"}).Sync()
		c := ctx(t)
		eq(t, "whoami", must[resp.Value](t)(s.Do(c, "ACL", "WHOAMI")).String(), resp.BulkString("alice").String())
		eq(t, "name", must[resp.Value](t)(s.Do(c, "CLIENT", "GETNAME")).String(), resp.BulkString("eddy-test").String())
		ok(t, errOf(s.Set(c, "app:x", "1", redis.SetOptions{})))
		if _, err := s.Set(c, "other", "1", redis.SetOptions{}); err == nil {
			t.Fatal("ACL did not restrict keys")
		}
		// The default user with requirepass.
		admin := dialClient(t, l, srv, redis.Options{Password: "adminpw", Protocol: p}).Sync()
		ok(t, admin.Ping(c))
	}
	// Bad credentials fail the commands waiting for the connection with
	// the server's error.
	bad := dialClient(t, l, srv, redis.Options{Username: "alice", Password: "wrong"}).Sync()
	_, err := bad.Get(ctx(t), "k")
	var re *redis.Error
	if !errors.Is(err, redis.ErrConnLost) || !errors.Is(err, driver.ErrSetup) || !errors.As(err, &re) || re.Code != "WRONGPASS" {
		t.Fatalf("bad password: %v", err)
	}
}

func TestSelectDB(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	c := ctx(t)
	s3 := dialClient(t, l, srv, redis.Options{DB: 3}).Sync()
	s0 := dialClient(t, l, srv, redis.Options{}).Sync()
	ok(t, errOf(s3.Set(c, "k", "three", redis.SetOptions{})))
	if _, err := s0.Get(c, "k"); !errors.Is(err, redis.Nil) {
		t.Fatalf("db 0 sees db 3's key: %v", err)
	}
	// After a reconnect the database is selected again.
	srv.Restart()
	ok(t, errOf(s3.Set(c, "k", "again", redis.SetOptions{})))
	if _, err := s0.Get(c, "k"); !errors.Is(err, redis.Nil) {
		t.Fatalf("db 0 sees db 3's key after restart: %v", err)
	}
	eq(t, "db 3", must[string](t)(s3.Get(c, "k")), "again")
}

// A server without HELLO gets the RESP2 handshake.
func TestHelloFallback(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t, testenv.Password("pw"), testenv.Args("--rename-command", "HELLO", ""))
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{Password: "pw", ClientName: "fallback"})
	s := cl.Sync()
	c := ctx(t)
	eq(t, "name", must[resp.Value](t)(s.Do(c, "CLIENT", "GETNAME")).String(), resp.BulkString("fallback").String())
	eq(t, "protocol", cl.Protocol(), 2)
	ok(t, errOf(s.HSet(c, "h", "a", "1")))
	eq(t, "HGetAll over RESP2", must[map[string]string](t)(s.HGetAll(c, "h"))["a"], "1")
}
