package httpclient

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

// nopHandler takes over a connection whose end the test has already
// played to the client.
type nopHandler struct{}

func (nopHandler) OnOpen(*eddy.Conn)                 {}
func (nopHandler) OnData(_ *eddy.Conn, p []byte) int { return len(p) }
func (nopHandler) OnDrain(*eddy.Conn)                {}
func (nopHandler) OnClose(*eddy.Conn, error)         {}

// TestDialTimeoutIsConnectTimeout: when the dial's own timer (armed with
// Timeouts.Connect too) closes the connection before the trip's timer
// fires, the request still fails with the documented *TimeoutError
// matching ErrConnectTimeout. Before, it failed with the dial's bare
// *eddy.OpError ("dial tcp …: i/o timeout"), which matches none of the
// package's errors; which timer won depended on the loop's timing
// (TestTortureHostileServer, seeds 702, 703, 704, 707, with a Connect
// bound of a few milliseconds). Here the dial's timeout is played to the
// connection's handler directly, while the dial is still pending.
func TestDialTimeoutIsConnectTimeout(t *testing.T) {
	leakcheck.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l := looptest.Start(t)
	c := &Client{Loop: l, Timeouts: Timeouts{Connect: time.Hour}}
	u, _ := url.Parse("http://" + ln.Addr().String() + "/")
	fc := make(chan *future.Future[*Response], 1)
	l.Post(func() {
		f, p := future.New[*Response](l)
		op := &sendOp{}
		op.s.p = p
		c.initTrip(&op.t, l, &Request{URL: u}, &op.s)
		op.t.start()
		pc := op.t.pc
		if pc == nil || pc.open {
			p.Reject(errors.New("the trip is not waiting for its dial"))
		} else {
			// What the connection reports when eddy.WithDialTimeout's
			// timer fires.
			pc.conn.SetHandler(nopHandler{})
			pc.OnClose(pc.conn, &eddy.OpError{Op: "dial", Net: "tcp", Err: eddy.ErrTimeout})
			pc.conn.Abort()
		}
		fc <- f
	})
	_, err = (<-fc).Await(context.Background())
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrConnectTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %T %v, want a *TimeoutError matching ErrConnectTimeout", err, err)
	}
}
