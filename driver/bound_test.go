package driver_test

import (
	"errors"
	"testing"

	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A Bound request not yet written when its connection drops fails with a
// *ConnError (Sent false) instead of going to the next connection, while
// an unmarked one made at the same time is written there; one made while
// no connection is ready fails at once.
func TestBound(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	var closer, bound, plain *future.Future[string]
	issued := make(chan struct{})
	onLoop(l, func() {
		_ = cn.Call(struct{}{}, cmd("SLOW 50 first"), 0)
		closer = cn.Call(struct{}{}, cmd("CLOSE"), 0)
		// On the next turn, whose timers run before it reads anything:
		// after those two were written, and before their replies or the
		// close can have been seen, however loaded the machine (from the
		// test's goroutine, a late second call found the connection
		// made again, and rightly wrote the bound request there). Held
		// back while those replies are due (see flush): not written when
		// the CLOSE drops the connection.
		l.AfterFunc(0, func() {
			bound = cn.Call(struct{}{}, cmd("ECHO bound"), driver.Bound|driver.Idempotent)
			plain = cn.Call(struct{}{}, cmd("ECHO plain"), 0)
			close(issued)
		})
	})
	<-issued
	if _, err := closer.Await(ctx(t)); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("CLOSE: %v", err)
	}
	_, err := bound.Await(ctx(t))
	var ce *driver.ConnError
	if !errors.As(err, &ce) || ce.Sent {
		t.Fatalf("bound request: %v, want a *ConnError with Sent false", err)
	}
	if v, err := plain.Await(ctx(t)); err != nil || v != "plain" {
		t.Fatalf("unmarked request: %q, %v; want it written on the next connection", v, err)
	}
	for _, line := range srv.lines() {
		if line == "ECHO bound" {
			t.Fatal("the bound request was written on the next connection")
		}
	}

	// With no connection ready, at once.
	dead := startServer(t)
	addr := dead.addr
	dead.loop.Stop()
	<-dead.done
	cn2 := dial(t, l, addr)
	var early *future.Future[string]
	onLoop(l, func() { early = cn2.Call(struct{}{}, cmd("ECHO early"), driver.Bound) })
	if !early.Done() {
		t.Fatal("a bound request made while no connection is ready did not fail at once")
	}
	if _, err := early.Await(ctx(t)); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("bound request with no connection: %v, want ErrConnLost", err)
	}
}
