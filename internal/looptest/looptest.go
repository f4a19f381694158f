// Package looptest holds what tests of the packages built on a loop share:
// a running loop for the length of a test, a bounded context, and the
// polling wait for a loop's published stats.
package looptest

import (
	"context"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
)

// Start makes a loop with WithKeepAlive and opts, runs it on its own
// goroutine, and stops it (waiting for Run to return) when the test ends.
func Start(t testing.TB, opts ...eddy.Option) *eddy.Loop {
	t.Helper()
	l, err := eddy.New(append([]eddy.Option{eddy.WithKeepAlive()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); l.Run() }()
	t.Cleanup(func() { l.Stop(); <-done })
	return l
}

// Ctx returns a context that ends after d, or when the test ends.
func Ctx(t testing.TB, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// WaitStats polls l's stats until ok holds of them, for up to 10 seconds
// (stats are published before the loop sleeps and at least every
// millisecond while it is busy), and fails the test otherwise.
func WaitStats(t testing.TB, l *eddy.Loop, what string, ok func(eddy.Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := l.Stats()
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("loop stats never showed %s: %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}
