package beanstalk_test

import (
	"context"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestMain(m *testing.M) {
	// Some tests await rejected futures only after the rejection; keep
	// the default handler's log out of the output.
	future.SetUnhandledRejectionHandler(func(error) {})
	m.Run()
}

// startLoop runs a loop until the test ends.
func startLoop(t *testing.T) *eddy.Loop { return looptest.Start(t) }

func fastOpts(o beanstalk.Options) beanstalk.Options {
	o.MinBackoff, o.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	return o
}

func dial(t *testing.T, l *eddy.Loop, srv *testenv.Server, o beanstalk.Options) *beanstalk.Sync {
	t.Helper()
	c, err := beanstalk.Dial(l, srv.Addr, fastOpts(o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.Sync()
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
