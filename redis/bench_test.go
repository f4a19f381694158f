package redis_test

import (
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// benchClient starts a redis-server, a loop and a client to the server,
// all stopped when the benchmark ends.
func benchClient(b *testing.B) (*eddy.Loop, *redis.Client) {
	srv := testenv.Redis(b)
	l := looptest.Start(b)
	c, err := redis.Dial(l, srv.Addr, redis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return l, c
}

// benchChain runs b.N commands on the loop, one at a time (concurrency 1):
// each starts when the previous one settles, as loop code would.
func benchChain(b *testing.B, op func(c *redis.Client, done func(error))) {
	l, c := benchClient(b)
	run := func(n int) error {
		errc := make(chan error, 1)
		left := n
		var next func(error)
		next = func(err error) {
			if err != nil || left == 0 {
				errc <- err
				return
			}
			left--
			op(c, next)
		}
		if err := l.Post(func() { next(nil) }); err != nil {
			return err
		}
		return <-errc
	}
	if _, err := c.Sync().Set(b.Context(), "bench:key", "0123456789abcdef", redis.SetOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := run(100); err != nil { // warm up
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := run(b.N); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGetC1(b *testing.B) {
	benchChain(b, func(c *redis.Client, done func(error)) {
		c.Get("bench:key").OnSettle(func(_ string, err error) {
			done(err)
		})
	})
}

func BenchmarkSetC1(b *testing.B) {
	benchChain(b, func(c *redis.Client, done func(error)) {
		c.Set("bench:key", "0123456789abcdef", redis.SetOptions{}).OnSettle(func(_ bool, err error) { done(err) })
	})
}

// BenchmarkSyncGetC1 is one goroutine calling the blocking facade.
func BenchmarkSyncGetC1(b *testing.B) {
	_, c := benchClient(b)
	s := c.Sync()
	if _, err := s.Set(b.Context(), "bench:key", "0123456789abcdef", redis.SetOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(b.Context(), "bench:key"); err != nil {
			b.Fatal(err)
		}
	}
}
