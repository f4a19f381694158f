package driver_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// slamServer accepts connections and closes each one at once, as a server
// past its connection limit, or a proxy whose backend is down, does.
type slamServer struct {
	eddy.BaseHandler
	accepts atomic.Int64
}

func (s *slamServer) OnOpen(c *eddy.Conn) {
	s.accepts.Add(1)
	c.Abort()
}

// startSlamServer runs a slamServer until the test ends.
func startSlamServer(t *testing.T) (*slamServer, string) {
	t.Helper()
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &slamServer{}
	ch := make(chan error, 1)
	var addr string
	l.Post(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", s)
		if err == nil {
			addr = ln.Addr().String()
		}
		ch <- err
	})
	done := make(chan struct{})
	go func() { defer close(done); l.Run() }()
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop(); <-done })
	return s, addr
}

// A server that accepts and closes at once must not be redialled in a
// hot loop: a connection that was ready only for an instant, and never
// answered, is a failed attempt, followed by the backoff, not a drop to
// recover from at once.
// The backoff here is an hour, so a second accept means a redial with no
// backoff at all.
func TestAcceptAndCloseBacksOff(t *testing.T) {
	leakcheck.Check(t)
	srv, addr := startSlamServer(t)
	l := startLoop(t)
	var mu sync.Mutex
	var states []driver.State
	backoff := make(chan struct{})
	dial(t, l, addr, func(c *driver.Config[struct{}, string]) {
		c.MinBackoff, c.MaxBackoff = time.Hour, time.Hour
		c.OnState = func(s driver.State, _ error) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, s)
			if s == driver.StateBackoff {
				close(backoff)
			}
		}
	})
	// Without a backoff the Conn redials for ever; a hundred accepts is
	// proof enough.
	wait := ctx(t)
	for srv.accepts.Load() < 100 {
		select {
		case <-backoff:
		case <-wait.Done():
			t.Fatal("neither backoff nor redials")
		default:
			time.Sleep(time.Millisecond)
			continue
		}
		break
	}
	mu.Lock()
	defer mu.Unlock()
	if n := srv.accepts.Load(); n != 1 {
		t.Fatalf("%d connections accepted before any backoff, want 1 (states %v)", n, summary(states))
	}
	// Whether the client saw the connection open before the reset
	// depends on the kernel; either way, one attempt, then the backoff.
	want1 := []driver.State{driver.StateDialing, driver.StateReady, driver.StateBackoff}
	want2 := []driver.State{driver.StateDialing, driver.StateBackoff}
	if got := fmt.Sprint(states); got != fmt.Sprint(want1) && got != fmt.Sprint(want2) {
		t.Errorf("states %v, want %v or %v", states, want1, want2)
	}
}

// A connection that has answered a request proved the server works: when
// it drops, however soon, the Conn redials at once, without the backoff
// (an hour here).
func TestAnsweredConnRedialsAtOnce(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.MinBackoff, c.MaxBackoff = time.Hour, time.Hour
	})
	echo(t, cn, "warm", "ECHO warm")
	if _, err := do(t, cn, "CLOSE"); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("CLOSE: %v", err)
	}
	echo(t, cn, "again", "after the drop")
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// summary shortens a long list of states for a failure message.
func summary(s []driver.State) string {
	if len(s) > 8 {
		return fmt.Sprintf("%v ... (%d states)", s[:8], len(s))
	}
	return fmt.Sprint(s)
}

// A Setup that panics does not leave the Conn handshaking for ever, with
// every request waiting on it: the socket's panic recovery closes the
// connection (eddy.ErrPanic), the waiting requests fail with a
// *ConnError, and the next attempt follows the backoff.
func TestSetupPanic(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t, eddy.WithPanicHandler(func(any, []byte) {})) // expected: keep it out of the log
	var calls atomic.Int32
	var cn *lineConn
	var first *future.Future[string]
	// The Conn is made and the request made in one loop callback, so
	// that the request waits on the first handshake (sent later, it
	// would wait for the second and succeed).
	onLoop(l, func() {
		cn = dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
			c.Setup = func(h *driver.Handshake[struct{}, string]) *future.Future[struct{}] {
				if calls.Add(1) == 1 {
					panic("setup bug")
				}
				return future.Map(h.Send(struct{}{}, cmd("ECHO hi")), func(string) struct{} { return struct{}{} })
			}
		})
		first = cn.Call(struct{}{}, cmd("ECHO first"), 0)
	})
	_, err := first.Await(ctx(t))
	var pe *eddy.PanicError
	if !errors.Is(err, driver.ErrConnLost) || !errors.As(err, &pe) || pe.Value != "setup bug" {
		t.Fatalf("request waiting on the panicking handshake: %v", err)
	}
	echo(t, cn, "second", "after the retried handshake")
}
