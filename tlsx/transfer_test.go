package tlsx_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// pattern returns n bytes that are not all alike.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>10)
	}
	return b
}

// sender writes src through c as fast as the write queue allows: until
// ErrQueueFull, then again from OnDrain; it half-closes nothing.
type sender struct {
	src   []byte
	off   int
	chunk int
}

func (s *sender) pump(c *eddy.Conn) {
	for s.off < len(s.src) {
		end := min(s.off+s.chunk, len(s.src))
		if err := c.Write(s.src[s.off:end]); err != nil {
			if !errors.Is(err, eddy.ErrQueueFull) {
				panic(err)
			}
			return
		}
		s.off = end
	}
}

// TestLargeTransfer echoes 4 MiB through an eddy TLS server to an eddy TLS
// client on one loop, both directions at once, with small write queues so
// that backpressure (ErrQueueFull, OnDrain) works on both sides.
func TestLargeTransfer(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t, eddy.WithWriteBuffer(16<<10, 64<<10))
	srv := echo()
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	src := pattern(4 << 20)
	s := &sender{src: src, chunk: 100 << 10}
	got := sha256.New()
	n := 0
	fullSeen := false
	// The client starts sending once both ends are open, with the
	// server's reading paused until the client's queue is full: only
	// then is backpressure certain. A server reading at once can take it
	// all: on io_uring its multishot receive goes on taking what arrives
	// into the loop's ring of provided buffers (4 MiB) while the client
	// writes, so the socket takes every write and the queue never fills.
	var srvConn, cliConn *eddy.Conn
	start := func() {
		if srvConn == nil || cliConn == nil {
			return
		}
		s.pump(cliConn)
		srvConn.ResumeRead()
	}
	srv.open = func(c *eddy.Conn) {
		srvConn = c
		c.PauseRead()
		start()
	}
	cli := &handler{
		open: func(c *eddy.Conn) {
			cliConn = c
			start()
		},
		drain: func(c *eddy.Conn) {
			fullSeen = true
			s.pump(c)
		},
		data: func(c *eddy.Conn, d []byte) int {
			got.Write(d)
			if n += len(d); n == len(src) {
				c.Close()
			}
			return len(d)
		},
		close: func(*eddy.Conn, error) { ln.Close() },
	}
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli); err != nil {
		t.Fatal(err)
	}
	run(t, l, 30*time.Second)
	want := sha256.Sum256(src)
	if n != len(src) || !bytes.Equal(got.Sum(nil), want[:]) {
		t.Fatalf("echoed %d of %d bytes, or other bytes", n, len(src))
	}
	if !fullSeen {
		t.Error("the write queue never filled: backpressure untested")
	}
	if cli.err != nil || srv.err != nil {
		t.Errorf("client %v, server %v", cli.err, srv.err)
	}
}

// TestInteropStdClient: an eddy TLS server and a crypto/tls client over a
// net.Conn, 2 MiB each way.
func TestInteropStdClient(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	src := pattern(2 << 20)
	srv := echo()
	err := serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		errc := make(chan error, 1)
		go func() {
			_, err := tc.Write(src)
			errc <- err
		}()
		back := make([]byte, len(src))
		if _, err := io.ReadFull(tc, back); err != nil {
			return err
		}
		if err := <-errc; err != nil {
			return err
		}
		if !bytes.Equal(back, src) {
			return errors.New("echo differs")
		}
		return tc.Close()
	})
	if err != nil || srv.err != nil {
		t.Fatalf("peer %v, server %v", err, srv.err)
	}
}

// TestInteropStdServer: an eddy TLS client and a crypto/tls server over a
// net.Listener, 2 MiB each way; also checks ALPN and the server's view.
func TestInteropStdServer(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	f.server.NextProtos = []string{"x"}
	f.client.NextProtos = []string{"x"}
	nl, err := tls.Listen("tcp", "127.0.0.1:0", f.server)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := nl.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = io.Copy(c, c) // echo until the client's close_notify
		srvErr <- err
	}()
	l := newLoop(t)
	src := pattern(2 << 20)
	s := &sender{src: src, chunk: 64 << 10}
	got := sha256.New()
	n := 0
	cli := &handler{
		open:  s.pump,
		drain: s.pump,
		data: func(c *eddy.Conn, d []byte) int {
			got.Write(d)
			if n += len(d); n == len(src) {
				c.Close()
			}
			return len(d)
		},
	}
	if _, err := tlsx.Dial(l, "tcp", nl.Addr().String(), f.client, cli); err != nil {
		t.Fatal(err)
	}
	run(t, l, 30*time.Second)
	if err := <-srvErr; err != nil {
		t.Errorf("server: %v", err)
	}
	want := sha256.Sum256(src)
	if n != len(src) || !bytes.Equal(got.Sum(nil), want[:]) || cli.err != nil {
		t.Fatalf("echoed %d of %d bytes; client %v", n, len(src), cli.err)
	}
	if cli.state.NegotiatedProtocol != "x" {
		t.Errorf("ALPN %q", cli.state.NegotiatedProtocol)
	}
}

// TestGroup: a TLS listener shared by the loops of a group.
func TestGroup(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	g, err := eddy.NewGroup(eddy.WithLoops(2))
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	defer func() {
		g.Stop()
		g.Wait()
	}()
	addr, err := tlsx.ListenGroup(g, "tcp", "127.0.0.1:0", f.server, groupEcho{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := tlsx.ClientConfig(f.client, "localhost:1")
	for i := 0; i < 8; i++ {
		c, err := tls.Dial("tcp", addr.String(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("group"))
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "group" {
			t.Fatalf("conn %d: %q %v", i, buf, err)
		}
		c.Close()
	}
}

// groupEcho is an echo handler without state, which the loops of a group
// can share.
type groupEcho struct{ eddy.BaseHandler }

func (groupEcho) OnData(c *eddy.Conn, d []byte) int {
	c.Write(d)
	return len(d)
}
