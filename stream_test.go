package eddy

import (
	"bytes"
	"net"
	"os"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestPipeStreams(t *testing.T) {
	skipOnWindows(t, "NewStream needs a handle opened for overlapped I/O, and os.Pipe's are not")
	leakcheck.Check(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	l := newLoop(t)
	var got []byte
	var closeErr error = os.ErrInvalid
	rc, err := l.NewStream(r, &funcHandler{
		data:  func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(_ *Conn, err error) { closeErr = err },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	wc, err := l.NewStream(w, &funcHandler{
		open: func(c *Conn) {
			c.Write(bytes.Repeat([]byte("p"), 200000)) // more than a pipe holds
			c.Close()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	run(t, l)
	if len(got) != 200000 || closeErr != nil {
		t.Fatalf("read %d bytes, close error %v", len(got), closeErr)
	}
	if rc.Network() != "pipe" || wc.RemoteAddr() != nil {
		t.Fatalf("network %q remote %v", rc.Network(), wc.RemoteAddr())
	}
}

// A descriptor the poller cannot watch (on Linux, a regular file: epoll
// refuses it) fails NewStream, and that error is the only report: no
// OnOpen or OnClose runs and the loop holds nothing of it.
func TestNewStreamRegisterFailure(t *testing.T) {
	skipUnlessLinux(t, "only epoll refuses regular files; kqueue and IOCP accept them")
	if os.Getenv("EDDY_POLLER") == "uring" {
		t.Skip("io_uring reads regular files; only epoll refuses them")
	}
	leakcheck.Check(t)
	f, err := os.Open("stream_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := newLoop(t)
	called := ""
	c, err := l.NewStream(f, &funcHandler{
		open:  func(*Conn) { called += "open " },
		close: func(*Conn, error) { called += "close" },
	})
	if err == nil || c != nil {
		t.Fatalf("NewStream of a regular file = %v, %v; want an error", c, err)
	}
	if l.conns.n != 0 || l.refs != 0 {
		t.Fatalf("loop still holds %d connections, %d refs", l.conns.n, l.refs)
	}
	run(t, l)
	if called != "" {
		t.Fatalf("handler called after the failed NewStream: %q", called)
	}
}

// A socket of the caller's adopted twice in turn (NewStream duplicates
// it, and the duplicates share its open file): the first stream's close
// must take its registration away, or the second, which mostly gets the
// same descriptor number, is refused (epoll: EEXIST).
func TestNewStreamSameSocketTwice(t *testing.T) {
	skipOnWindows(t, "NewStream needs a handle opened for overlapped I/O")
	leakcheck.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := sc.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := newLoop(t)
	var got []byte
	c1, err := l.NewStream(f, &funcHandler{})
	if err != nil {
		t.Fatal(err)
	}
	c1.Close()
	l.NextTick(func() {
		_, err := l.NewStream(f, &funcHandler{
			data: func(c *Conn, d []byte) int {
				got = append(got, d...)
				c.Close()
				return len(d)
			},
		})
		if err != nil {
			t.Errorf("second NewStream on the same socket: %v", err)
			return
		}
		go peer.Write([]byte("hi"))
	})
	run(t, l)
	if string(got) != "hi" {
		t.Fatalf("second stream read %q", got)
	}
}
