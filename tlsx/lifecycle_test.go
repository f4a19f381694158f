package tlsx_test

import (
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

func wantTimeout(t *testing.T, name string, err error) {
	t.Helper()
	var he *tlsx.HandshakeError
	if !errors.Is(err, tlsx.ErrHandshakeTimeout) || !errors.Is(err, eddy.ErrTimeout) ||
		!errors.Is(err, tlsx.ErrHandshake) || !errors.As(err, &he) || !he.Timeout() {
		t.Errorf("%s: %v", name, err)
	}
}

// TestHandshakeTimeout: a peer that connects and sends nothing, or part of
// a ClientHello, or a server that never answers.
func TestHandshakeTimeout(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	for _, send := range [][]byte{nil, {22, 3, 1}, {22, 3, 1, 0, 200, 1, 0}} {
		l := newLoop(t)
		srv := &handler{}
		ln, err := l.Listen("tcp", "127.0.0.1:0", srv,
			eddy.WithLayer(tlsx.ServerLayer(f.server, tlsx.WithHandshakeTimeout(30*time.Millisecond))))
		if err != nil {
			t.Fatal(err)
		}
		raw := &handler{open: func(c *eddy.Conn) { c.Write(send) }}
		raw.close = func(*eddy.Conn, error) { ln.Close() }
		l.Dial("tcp", ln.Addr().String(), raw) // plain TCP
		run(t, l, 5*time.Second)
		wantOnce(t, "server", srv, 0)
		wantTimeout(t, "server", srv.err)
	}
	// The client side, against a server that accepts and says nothing.
	l := newLoop(t)
	mute := &handler{}
	ln, _ := l.Listen("tcp", "127.0.0.1:0", mute)
	cli := &handler{close: func(*eddy.Conn, error) { ln.Close() }}
	mute.close = func(c *eddy.Conn, _ error) {}
	c, _ := l.Dial("tcp", ln.Addr().String(), cli)
	c.SetLayer(tlsx.ClientLayer(tlsx.ClientConfig(f.client, "localhost:1"), tlsx.WithHandshakeTimeout(30*time.Millisecond)))
	run(t, l, 5*time.Second)
	wantOnce(t, "client", cli, 0)
	wantTimeout(t, "client", cli.err)
}

// TestCloseDuringHandshake: closing, resetting or stopping the loop while
// the handshake goroutine waits ends it (leakcheck) and reports once.
func TestCloseDuringHandshake(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	// The client closes while the server's handshake is held up in
	// GetCertificate; the server sees the handshake cut short.
	l := newLoop(t)
	srv := &handler{}
	hold := make(chan struct{})
	cert := f.server.Certificates[0]
	srvCfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		<-hold
		return &cert, nil
	}}
	ln, _ := tlsx.Listen(l, "tcp", "127.0.0.1:0", srvCfg, srv)
	srv.close = func(*eddy.Conn, error) { ln.Close() }
	cli := &handler{close: func(*eddy.Conn, error) { close(hold) }}
	c, _ := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli)
	l.AfterFunc(5*time.Millisecond, func() { c.Close() })
	run(t, l, 5*time.Second)
	wantOnce(t, "client", cli, 0)
	wantOnce(t, "server", srv, 0)
	if cli.err != nil || !errors.Is(srv.err, tlsx.ErrHandshake) {
		t.Errorf("client %v, server %v", cli.err, srv.err)
	}

	// A server that never answers; the client's goroutine waits, then the
	// peer resets, then (another one) the loop stops.
	for _, how := range []string{"reset", "stop"} {
		l := newLoop(t)
		var peer *eddy.Conn
		mute := &handler{open: func(c *eddy.Conn) { peer = c }}
		ln, _ := l.Listen("tcp", "127.0.0.1:0", mute)
		cli := &handler{}
		tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli)
		mute.data = func(c *eddy.Conn, d []byte) int {
			if how == "reset" {
				c.Abort()
				ln.Close()
			} else {
				l.Stop()
			}
			return len(d)
		}
		_ = peer
		run(t, l, 5*time.Second)
		wantOnce(t, how, cli, 0)
		if how == "stop" && !errors.Is(cli.err, eddy.ErrLoopStopped) {
			t.Errorf("stop: %v", cli.err)
		}
		if how == "reset" && cli.err == nil {
			t.Error("reset: no error")
		}
	}
}

// TestPeerGivesUp: a peer that closes before or during the handshake.
func TestPeerGivesUp(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	for _, tc := range []struct {
		send  []byte
		pause time.Duration // before closing, so that the handshake waits for more
		want  error
	}{
		{nil, 0, io.EOF}, // connects and closes
		{[]byte{22, 3, 1, 0, 200, 1}, 0, io.ErrUnexpectedEOF}, // part of a ClientHello
		{[]byte{22, 3, 1, 0, 200, 1}, 20 * time.Millisecond, io.ErrUnexpectedEOF},
		{[]byte("GET / HTTP/1.1\r\n\r\n"), 0, nil}, // not TLS: crypto/tls's error
	} {
		l := newLoop(t)
		srv := &handler{}
		ln, _ := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
		srv.close = func(*eddy.Conn, error) { ln.Close() }
		raw := &handler{open: func(c *eddy.Conn) {
			c.Write(tc.send)
			if tc.pause == 0 {
				c.Close()
			} else {
				l.AfterFunc(tc.pause, func() { c.Close() })
			}
		}}
		l.Dial("tcp", ln.Addr().String(), raw)
		run(t, l, 5*time.Second)
		wantOnce(t, "server", srv, 0)
		if !errors.Is(srv.err, tlsx.ErrHandshake) || (tc.want != nil && !errors.Is(srv.err, tc.want)) {
			t.Errorf("sent %q: %v, want %v", tc.send, srv.err, tc.want)
		}
		if tc.want == nil {
			var rh tls.RecordHeaderError
			if !errors.As(srv.err, &rh) {
				t.Errorf("sent %q: %v, want a tls.RecordHeaderError", tc.send, srv.err)
			}
		}
	}
}

// goPeer runs fn on a goroutine with a crypto/tls client connected to
// addr, and returns a channel with fn's error.
func goPeer(addr string, cfg *tls.Config, fn func(raw net.Conn, tc *tls.Conn) error) <-chan error {
	res := make(chan error, 1)
	go func() {
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			res <- err
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(5 * time.Second))
		tc := tls.Client(raw, cfg)
		if err := tc.Handshake(); err != nil {
			res <- err
			return
		}
		res <- fn(raw, tc)
	}()
	return res
}

// serveOnce listens with a server layer, runs peer against it, and returns
// the server's handler and the peer's error once the connection closed.
func serveOnce(t *testing.T, f *fixture, srv *handler, peer func(raw net.Conn, tc *tls.Conn) error, opts ...tlsx.Option) error {
	t.Helper()
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv, eddy.WithLayer(tlsx.ServerLayer(f.server, opts...)))
	if err != nil {
		t.Fatal(err)
	}
	prev := srv.close
	srv.close = func(c *eddy.Conn, err error) {
		ln.Close()
		if prev != nil {
			prev(c, err)
		}
	}
	res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), peer)
	run(t, l, 5*time.Second)
	return <-res
}

func collect(h *handler) *[]byte {
	var got []byte
	h.data = func(c *eddy.Conn, d []byte) int { got = append(got, d...); return len(d) }
	return &got
}

// TestTruncation: the end of the stream without close_notify.
func TestTruncation(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	sendAndCut := func(raw net.Conn, tc *tls.Conn) error {
		_, err := tc.Write([]byte("data"))
		return err // then raw closes, with no close_notify
	}
	// Between records: clean by default, as in crypto/tls…
	srv := &handler{}
	got := collect(srv)
	if err := serveOnce(t, f, srv, sendAndCut); err != nil {
		t.Fatal(err)
	}
	if string(*got) != "data" || srv.err != nil {
		t.Errorf("lenient: got %q, %v", *got, srv.err)
	}
	// …ErrTruncated when close_notify is required.
	srv = &handler{}
	got = collect(srv)
	serveOnce(t, f, srv, sendAndCut, tlsx.WithRequireCloseNotify())
	if string(*got) != "data" || !errors.Is(srv.err, tlsx.ErrTruncated) {
		t.Errorf("strict: got %q, %v", *got, srv.err)
	}
	// In the middle of a record: ErrTruncated either way.
	srv = &handler{}
	got = collect(srv)
	serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		if _, err := tc.Write([]byte("data")); err != nil {
			return err
		}
		_, err := raw.Write([]byte{23, 3, 3, 0, 100, 1, 2, 3})
		return err
	})
	if string(*got) != "data" || !errors.Is(srv.err, tlsx.ErrTruncated) {
		t.Errorf("cut record: got %q, %v", *got, srv.err)
	}
}

// TestCloseNotify: close_notify both ways.
func TestCloseNotify(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	// The peer says goodbye and waits: eddy closes, answering with its
	// own close_notify, which the peer reads as a clean io.EOF.
	srv := &handler{}
	got := collect(srv)
	err := serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		tc.Write([]byte("bye"))
		if err := tc.CloseWrite(); err != nil {
			return err
		}
		if n, err := tc.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			return errors.New("no close_notify back: " + err.Error())
		}
		return nil
	}, tlsx.WithRequireCloseNotify())
	if err != nil || string(*got) != "bye" || srv.err != nil {
		t.Errorf("peer first: %v, got %q, server %v", err, *got, srv.err)
	}
	// eddy says goodbye first.
	srv = &handler{open: func(c *eddy.Conn) { c.Write([]byte("so long")); c.Close() }}
	var read []byte
	err = serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		var err error
		read, err = io.ReadAll(tc) // nil error: io.EOF came from close_notify
		return err
	})
	if err != nil || string(read) != "so long" || srv.err != nil {
		t.Errorf("eddy first: %v, read %q, server %v", err, read, srv.err)
	}
}

// TestDataWithFinalFlight: a client that finishes its handshake, sends
// data and closes at once. The data must reach the handler even when the
// end of the stream is seen before the server's handshake has returned.
func TestDataWithFinalFlight(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	for i := 0; i < 20; i++ {
		srv := &handler{}
		got := collect(srv)
		err := serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
			_, err := tc.Write([]byte("last words"))
			tc.CloseWrite()
			return err
		}, tlsx.WithRequireCloseNotify())
		if err != nil || string(*got) != "last words" || srv.err != nil || srv.opens != 1 {
			t.Fatalf("run %d: peer %v, got %q, server %v", i, err, *got, srv.err)
		}
	}
}
