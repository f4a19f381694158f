package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func TestMain(m *testing.M) {
	// Some tests await rejected futures only after the rejection; keep
	// the default handler's log out of the output.
	future.SetUnhandledRejectionHandler(func(error) {})
	m.Run()
}

// startLoop runs a loop until the test ends.
func startLoop(t *testing.T) *eddy.Loop { return looptest.Start(t) }

func dialClient(t *testing.T, l *eddy.Loop, srv *testenv.Server, o redis.Options) *redis.Client {
	t.Helper()
	o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	c, err := redis.Dial(l, srv.Addr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// protocols runs fn once per protocol version, each on a fresh client.
func protocols(t *testing.T, fn func(t *testing.T, s *redis.Sync)) {
	srv := testenv.Redis(t)
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		t.Run("resp"+string(rune('0'+p)), func(t *testing.T) {
			c := dialClient(t, l, srv, redis.Options{Protocol: p})
			s := c.Sync()
			do(t, s, "FLUSHALL")
			fn(t, s)
			eq(t, "protocol", c.Protocol(), p)
		})
	}
}

func do(t *testing.T, s *redis.Sync, args ...any) resp.Value {
	t.Helper()
	v, err := s.Do(ctx(t), args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// eventually polls cond until it holds or the test's patience runs out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
