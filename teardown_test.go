package eddy

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/poll"
)

// tryOpen opens one handle of each kind and reports the errors by kind.
func tryOpen(l *Loop, addr string, pipe *os.File) map[string]error {
	errs := map[string]error{}
	_, errs["listen"] = l.Listen("tcp", "127.0.0.1:0", &funcHandler{})
	_, errs["dial"] = l.Dial("tcp", addr, &funcHandler{})
	_, errs["listenpacket"] = l.ListenPacket("udp", "127.0.0.1:0", PacketFunc(func(*PacketConn, []byte, net.Addr) {}))
	_, errs["stream"] = l.NewStream(pipe, &funcHandler{})
	return errs
}

// testPipe returns the read end of a pipe that the test's cleanup closes,
// with its write end.
func testPipe(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r
}

// Handles opened by callbacks that run while the loop tears down (a
// connection's OnClose, an exit callback, a posted function) are refused
// with ErrLoopStopped, and no descriptor of theirs is left open.
func TestOpenDuringTeardownRefused(t *testing.T) {
	leakcheck.Check(t)
	r := testPipe(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{})
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	got := map[string]map[string]error{}
	_, err = l.Dial("tcp", addr, &funcHandler{
		open:  func(c *Conn) { l.Stop() },
		close: func(c *Conn, err error) { got["onclose"] = tryOpen(l, addr, r) },
	})
	if err != nil {
		t.Fatal(err)
	}
	l.OnExit(func() { got["onexit"] = tryOpen(l, addr, r) })
	run(t, l)
	for _, when := range []string{"onclose", "onexit"} {
		errs := got[when]
		if len(errs) != 4 {
			t.Fatalf("%s: callback did not run (%v)", when, errs)
		}
		for kind, err := range errs {
			if !errors.Is(err, ErrLoopStopped) {
				t.Errorf("%s: %s during teardown = %v, want ErrLoopStopped", when, kind, err)
			}
		}
	}
}

// A socket handed to a loop that is tearing down (a Group passing an
// accepted connection to a loop that is stopping) is closed, and no
// handler hears of it.
func TestAdoptDuringTeardownClosesSocket(t *testing.T) {
	leakcheck.Check(t)
	r := testPipe(t)
	l := newLoop(t)
	called := false
	h := &funcHandler{
		open:  func(*Conn) { called = true },
		close: func(*Conn, error) { called = true },
	}
	l.OnExit(func() {
		s, err := poll.AdoptFile(r.Fd())
		if err != nil {
			t.Error(err)
			return
		}
		l.adopt(s, netPipe, h, nil)
		if l.conns.n != 0 {
			t.Errorf("%d connections linked during teardown", l.conns.n)
		}
	})
	run(t, l)
	if called {
		t.Fatal("the handler of a socket adopted during teardown was called")
	}
}
