package driver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Requests cancelled while they wait for a connection (callers whose Do
// context ended during a dial that hangs) will never be written: they must
// not fill Config.MaxQueued and refuse live requests with ErrBacklogFull.
func TestCancelledWaitingLeaveRoom(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	// A handshake that never ends keeps every request waiting.
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.MaxQueued = 2
		c.DialTimeout = time.Hour
		c.Setup = func(*driver.Handshake[struct{}, string]) *future.Future[struct{}] {
			f, _ := future.New[struct{}](l)
			return f
		}
	})
	for range 2 {
		c, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := cn.Do(c, struct{}{}, cmd("ECHO gone"), 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Do: %v", err)
		}
	}
	testLiveAdmitted(t, cn, func() int { _, w := cn.InFlight(); return w })
}

// The same on a ready connection, for requests held back (here by the
// cork, while a written request awaits its reply) and cancelled before
// they are written.
func TestCancelledUnsentLeaveRoom(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) { c.MaxQueued = 2 })
	echo(t, cn, "warm", "ECHO warm")
	held := cn.Call(struct{}{}, cmd("SLOW held first"), 0)
	// Written before the others arrive, so that they are held back.
	wait := ctx(t)
	for len(srv.lines()) < 2 {
		select {
		case <-wait.Done():
			t.Fatal("the held request never reached the server")
		case <-time.After(time.Millisecond):
		}
	}
	for range 2 {
		c, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := cn.Do(c, struct{}{}, cmd("ECHO gone"), 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Do: %v", err)
		}
	}
	unsent := func() int {
		p, _ := cn.InFlight()
		return p - 1 // all but the held request
	}
	lives := testLiveAdmitted(t, cn, unsent)
	srv.release(t)
	if v, err := held.Await(ctx(t)); err != nil || v != "first" {
		t.Fatalf("held: %q, %v", v, err)
	}
	for i, f := range lives {
		if v, err := f.Await(ctx(t)); err != nil || v != "live" {
			t.Fatalf("live request %d: %q, %v", i, v, err)
		}
	}
	for _, line := range srv.lines() {
		if line == "ECHO gone" {
			t.Errorf("a cancelled request was written")
		}
	}
}

// testLiveAdmitted checks, with two cancelled requests queued on cn
// (MaxQueued 2), that two live requests are admitted and a third is
// refused, and returns the two. queued reports, on the loop, how many
// requests wait to be written.
func testLiveAdmitted(t *testing.T, cn *lineConn, queued func() int) []*future.Future[string] {
	t.Helper()
	l := cn.Loop()
	var lives []*future.Future[string]
	for range 2 {
		lives = append(lives, cn.Call(struct{}{}, cmd("ECHO live"), 0))
	}
	over := cn.Call(struct{}{}, cmd("ECHO over"), 0)
	var n int
	onLoop(l, func() { n = queued() }) // after the Calls' posts
	for i, f := range lives {
		if r, done := f.Peek(); done {
			t.Fatalf("live request %d refused (%v) while only cancelled ones waited", i, r.Err)
		}
	}
	if _, err := over.Await(ctx(t)); !errors.Is(err, driver.ErrBacklogFull) {
		t.Fatalf("third live request: %v, want ErrBacklogFull", err)
	}
	if n != 2 {
		t.Errorf("%d requests queued, want the 2 live ones", n)
	}
	return lives
}
