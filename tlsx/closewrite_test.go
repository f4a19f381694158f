package tlsx_test

import (
	"bytes"
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

// stdServer runs fn on one connection accepted by a crypto/tls server and
// returns the listener's address and fn's error channel.
func stdServer(t *testing.T, cfg *tls.Config, fn func(tc *tls.Conn) error) (string, <-chan error) {
	t.Helper()
	nl, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		defer nl.Close()
		c, err := nl.Accept()
		if err != nil {
			res <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		res <- fn(c.(*tls.Conn))
	}()
	return nl.Addr().String(), res
}

// TestCloseWriteKeepsReading: after CloseWrite (with reading running, or
// paused and resumed later) the connection goes on reading: the reply to
// a "send, half-close, read" request arrives.
func TestCloseWriteKeepsReading(t *testing.T) {
	for _, paused := range []bool{false, true} {
		t.Run(map[bool]string{false: "reading", true: "paused"}[paused], func(t *testing.T) {
			leakcheck.Check(t)
			f := newFixture(t)
			addr, srvErr := stdServer(t, f.server, func(tc *tls.Conn) error {
				req, err := io.ReadAll(tc) // until the client's close_notify
				if err != nil {
					return err
				}
				if _, err := tc.Write(append([]byte("re: "), req...)); err != nil {
					return err
				}
				return tc.Close()
			})
			l := newLoop(t)
			cli := &handler{open: func(c *eddy.Conn) {
				if paused {
					c.PauseRead()
					c.Loop().AfterFunc(20*time.Millisecond, c.ResumeRead)
				}
				c.Write([]byte("ping"))
				c.CloseWrite()
			}}
			got := collect(cli)
			if _, err := tlsx.Dial(l, "tcp", addr, f.client, cli); err != nil {
				t.Fatal(err)
			}
			run(t, l, 10*time.Second)
			if err := <-srvErr; err != nil {
				t.Errorf("server: %v", err)
			}
			wantOnce(t, "client", cli, 1)
			if string(*got) != "re: ping" || cli.err != nil {
				t.Errorf("client got %q, %v; want %q, nil", *got, cli.err, "re: ping")
			}
		})
	}
}

// TestCloseWriteStillDetectsTruncation: after CloseWrite, a peer's end of
// stream without close_notify is still a truncation when close_notify is
// required.
func TestCloseWriteStillDetectsTruncation(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	srv := &handler{data: func(c *eddy.Conn, d []byte) int { c.CloseWrite(); return len(d) }}
	err := serveOnce(t, f, srv, func(raw net.Conn, tc *tls.Conn) error {
		if _, err := tc.Write([]byte("hi")); err != nil {
			return err
		}
		if _, err := io.ReadAll(tc); err != nil { // the server's close_notify
			return err
		}
		return nil // raw closes: a FIN without close_notify
	}, tlsx.WithRequireCloseNotify())
	if err != nil {
		t.Fatalf("peer: %v", err)
	}
	if !errors.Is(srv.err, tlsx.ErrTruncated) {
		t.Errorf("server: %v, want ErrTruncated", srv.err)
	}
}

// TestCallbackPanic: a tls.Config callback that panics on the handshake
// goroutine fails that handshake alone, with an error matching
// eddy.ErrPanic, instead of crashing the process.
func TestCallbackPanic(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	srvCfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		panic("no certificate today")
	}}
	srv, cli := handshakeOnce(t, srvCfg, f.client)
	wantOnce(t, "server", srv, 0)
	wantOnce(t, "client", cli, 0)
	if !errors.Is(srv.err, tlsx.ErrHandshake) || !errors.Is(srv.err, eddy.ErrPanic) {
		t.Errorf("server: %v, want a handshake error matching eddy.ErrPanic", srv.err)
	}
	if !errors.Is(cli.err, tlsx.ErrHandshake) {
		t.Errorf("client: %v", cli.err)
	}
}

// TestCloseInOpenWithFinalFlight: a server that closes in OnOpen, facing
// a client that sends data and its end of stream with its last handshake
// message, closes cleanly: after Close the peer's stream does not matter.
func TestCloseInOpenWithFinalFlight(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	// The server's handshake waits, before it reads the client's
	// Finished, until the loop has read the client's data and its end of
	// stream (heldServer), so that they are there before it returns, and
	// the end of the stream waits for the handshake. Waiting until the
	// client had sent them did not do: the handshake could finish, and
	// the server open and close, before the loop had read them, and
	// closing with unread input resets the connection, cutting the
	// goodbye short (1 run in 4 under -race).
	for i := 0; i < 5; i++ {
		l := newLoop(t)
		// A goodbye too large for the socket buffers: Close must wait
		// for it to be written.
		bye := bytes.Repeat([]byte("bye "), 1<<20)
		srv := &handler{open: func(c *eddy.Conn) { c.Write(bye); c.Close() }}
		got := collect(srv)
		var ln *eddy.Listener
		var release func()
		ln, release = heldServer(t, l, f, srv, func(*eddy.Conn) { release() }, tlsx.WithRequireCloseNotify())
		srv.close = func(*eddy.Conn, error) {
			release()
			ln.Close()
		}
		var read []byte
		res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), func(raw net.Conn, tc *tls.Conn) error {
			if _, err := tc.Write([]byte("hello")); err != nil {
				return err
			}
			tc.CloseWrite()
			raw.(*net.TCPConn).CloseWrite() // close_notify and FIN
			var err error
			read, err = io.ReadAll(tc)
			return err
		})
		run(t, l, 5*time.Second)
		release()
		if err := <-res; err != nil || !bytes.Equal(read, bye) || srv.err != nil || srv.opens != 1 || len(*got) != 0 {
			t.Fatalf("run %d: peer %v, read %d of %d bytes; server %v, opens %d, got %q", i, err, len(read), len(bye), srv.err, srv.opens, *got)
		}
	}
}

// TestCloseWriteDuringHandshake: CloseWrite before the handshake has
// finished cuts it short (the TCP stream is shut at once): the
// connection fails with a handshake error, once, instead of staying open
// with its handshake abandoned, to end later as a clean close or never.
func TestCloseWriteDuringHandshake(t *testing.T) {
	for _, paused := range []bool{false, true} {
		t.Run(map[bool]string{false: "reading", true: "paused"}[paused], func(t *testing.T) {
			testCloseWriteDuringHandshake(t, paused)
		})
	}
}

// testCloseWriteDuringHandshake: with paused, reading is paused before
// CloseWrite, which must still count as a half close, not a Close.
func testCloseWriteDuringHandshake(t *testing.T, paused bool) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t)
	srv := &handler{}
	var cli *eddy.Conn
	hold := make(chan struct{})
	cert := f.server.Certificates[0]
	srvCfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		// The client is connected and waits for the server's flight.
		l.Post(func() {
			if paused {
				cli.PauseRead()
			}
			cli.CloseWrite()
			close(hold)
		})
		<-hold
		return &cert, nil
	}}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", srvCfg, srv)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	closed := func(*eddy.Conn, error) {
		if done++; done == 2 {
			ln.Close()
		}
	}
	srv.close = closed
	h := &handler{close: closed}
	cli, err = tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, h)
	if err != nil {
		t.Fatal(err)
	}
	cli.Write([]byte("never sent"))
	run(t, l, 10*time.Second)
	wantOnce(t, "client", h, 0)
	if !errors.Is(h.err, tlsx.ErrHandshake) {
		t.Errorf("client: %v, want a handshake error", h.err)
	}
}

// panickyCache is a ClientSessionCache whose Put panics.
type panickyCache struct{}

func (panickyCache) Get(string) (*tls.ClientSessionState, bool) { return nil, false }
func (panickyCache) Put(string, *tls.ClientSessionState)        { panic("cache is broken") }

// TestCallbackPanicOnLoop: a tls.Config callback that crypto/tls calls on
// the loop, after the handshake (ClientSessionCache.Put, for a TLS 1.3
// session ticket), fails that connection alone with an error matching
// eddy.ErrPanic, as a handler's panic does, instead of crashing the loop.
func TestCallbackPanicOnLoop(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	f.client.ClientSessionCache = panickyCache{}
	_, cli := handshakeOnce(t, f.server, f.client)
	wantOnce(t, "client", cli, 1)
	if !errors.Is(cli.err, eddy.ErrPanic) {
		t.Errorf("client: %v, want an error matching eddy.ErrPanic", cli.err)
	}
}
