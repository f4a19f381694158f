package redis_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// A cancelled command whose reply is slow keeps its reply slot: the
// replies after it still reach their own callers.
func TestCancelSlowCommand(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	c := ctx(t)
	ok(t, errOf(s.Set(c, "k", "v", redis.SetOptions{})))
	slow := future.Timeout(cl.Do("DEBUG", "SLEEP", "0.2"), 10*time.Millisecond)
	after := cl.Get("k")
	if _, err := slow.Await(c); !errors.Is(err, future.ErrTimeout) {
		t.Fatalf("slow command = %v, want a timeout", err)
	}
	eq(t, "reply after the cancelled one", must[string](t)(after.Await(c)), "v")
	eq(t, "later reply", must[int64](t)(s.Incr(c, "n")), 1)
}

// 10,000 goroutines, one command each, on one connection.
func TestManyCallers(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	s := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range 10000 {
		wg.Go(func() {
			k := fmt.Sprint("c", i)
			_, err := s.Set(c, k, k, redis.SetOptions{})
			if err == nil {
				var v string
				v, err = s.Get(c, k)
				if err == nil && v != k {
					err = fmt.Errorf("Get(%s) = %s", k, v)
				}
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, first: %v", len(errs), errs[0])
	}
	eq(t, "keys", must[int64](t)(do(t, s, "DBSIZE").Int()), 10000)
}

// Close with commands waiting for a connection fails them all with
// ErrClosed.
func TestCloseWithQueued(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	cl := dialClient(t, l, srv, redis.Options{})
	ok(t, cl.Sync().Ping(ctx(t)))
	srv.Kill()
	var fs []*future.Future[int64]
	for range 10 {
		fs = append(fs, cl.Incr("n"))
	}
	cl.Close()
	for _, f := range fs {
		if _, err := f.Await(ctx(t)); !errors.Is(err, redis.ErrClosed) && !errors.Is(err, redis.ErrConnLost) {
			t.Fatalf("queued command after Close = %v", err)
		}
	}
}
