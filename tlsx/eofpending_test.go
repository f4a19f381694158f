package tlsx_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// eofSpy is a layer that runs after on the loop once the layer it wraps
// has answered EOF, so that a test knows the loop has been told of the
// end of the peer's stream.
type eofSpy struct {
	eddy.Layer
	after func()
}

func (s *eofSpy) EOF(lc *eddy.LayerConn) error {
	err := s.Layer.EOF(lc)
	if s.after != nil {
		after := s.after
		s.after = nil
		after()
	}
	return err
}

// heldServer listens on l with a TLS 1.3 server layer whose handshake
// stops in VerifyConnection (after the server's flight, before it reads
// the client's Finished) until release; atEOF runs on the loop once the
// layer has answered the end of the stream, with the connection.
func heldServer(t *testing.T, l *eddy.Loop, f *fixture, h eddy.Handler, atEOF func(c *eddy.Conn), opts ...tlsx.Option) (ln *eddy.Listener, release func()) {
	t.Helper()
	hold := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	cfg := f.server.Clone()
	cfg.MaxVersion = tls.VersionTLS13
	cfg.VerifyConnection = func(tls.ConnectionState) error {
		<-hold
		return nil
	}
	mk := tlsx.ServerLayer(cfg, opts...)
	ln, err := l.Listen("tcp", "127.0.0.1:0", h, eddy.WithLayer(func(c *eddy.Conn) eddy.Layer {
		return &eofSpy{Layer: mk(c), after: func() { atEOF(c) }}
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ln, release
}

// sendAll is a goPeer function: the client's data, close_notify and FIN
// follow its Finished, then it reads until the server closes (reading
// the server's session tickets, so that its close is not a reset).
func sendAll(raw net.Conn, tc *tls.Conn) error {
	if _, err := tc.Write([]byte("hello")); err != nil {
		return err
	}
	if err := tc.CloseWrite(); err != nil {
		return err
	}
	if err := raw.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, raw)
	return err
}

// TestEOFDuringHandshakeDoesNotBlockLoop: the client's Finished, data,
// close_notify and FIN reach the server while its handshake goroutine is
// held in a tls.Config callback (VerifyConnection, as one that asks a
// database would be). The loop must not wait for the goroutine: a timer
// on the same loop fires while the handshake is still undecided, and
// releases the callback; the handshake then succeeds, and the data comes
// before the end of the stream. Before, Layer.EOF made the loop wait for
// the goroutine, up to 100 ms, then failed the handshake as cut short.
func TestEOFDuringHandshakeDoesNotBlockLoop(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t)
	srv := &handler{}
	got := collect(srv)
	ticked, undecided := false, false
	var ln *eddy.Listener
	var release func()
	ln, release = heldServer(t, l, f, srv, func(c *eddy.Conn) {
		l.AfterFunc(time.Millisecond, func() {
			ticked = true
			undecided = !c.Closed() && srv.opens == 0 && srv.closes == 0
			release()
		})
	})
	defer release()
	srv.close = func(*eddy.Conn, error) {
		release()
		ln.Close()
	}
	res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), sendAll)
	run(t, l, 10*time.Second)
	if err := <-res; err != nil {
		t.Errorf("client: %v", err)
	}
	if !ticked || !undecided {
		t.Errorf("the loop's timer ran %v, with the handshake undecided %v: the loop waited for the handshake goroutine", ticked, undecided)
	}
	wantOnce(t, "server", srv, 1)
	if srv.err != nil || string(*got) != "hello" {
		t.Errorf("server: %v, got %q", srv.err, *got)
	}
}

// eofRecorder is an EOFHandler that records the order of its events.
type eofRecorder struct {
	handler
	events []string
	eof    func(c *eddy.Conn)
}

func (h *eofRecorder) OnEOF(c *eddy.Conn) {
	h.events = append(h.events, "eof")
	if h.eof != nil {
		h.eof(c)
	}
}

// TestEOFPendingHandler: while the end of the stream waits for the
// handshake (as in TestEOFDuringHandshakeDoesNotBlockLoop), whatever the
// server's handler does in OnOpen, it gets OnClose exactly once, and the
// data before the end; an EOFHandler gets OnEOF once, after the data, and
// can still answer.
func TestEOFPendingHandler(t *testing.T) {
	cases := []struct {
		name     string
		open     func(c *eddy.Conn)
		wantData string
	}{
		{"nothing", nil, "hello"},
		{"close", func(c *eddy.Conn) { c.Close() }, ""},
		{"abort", func(c *eddy.Conn) { c.Abort() }, ""},
		{"closewrite", func(c *eddy.Conn) { c.CloseWrite() }, "hello"},
		{"write", func(c *eddy.Conn) { c.Write([]byte("hi")) }, "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			f := newFixture(t)
			l := newLoop(t)
			srv := &handler{open: tc.open}
			got := collect(srv)
			var ln *eddy.Listener
			var release func()
			ln, release = heldServer(t, l, f, srv, func(*eddy.Conn) { l.NextTick(release) })
			defer release()
			srv.close = func(*eddy.Conn, error) {
				release()
				ln.Close()
			}
			res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), sendAll)
			run(t, l, 10*time.Second)
			if err := <-res; err != nil && tc.name != "abort" {
				t.Errorf("client: %v", err)
			}
			wantOnce(t, "server", srv, 1)
			if srv.err != nil || string(*got) != tc.wantData {
				t.Errorf("server: %v, got %q, want %q", srv.err, *got, tc.wantData)
			}
		})
	}
	t.Run("eofhandler", func(t *testing.T) {
		leakcheck.Check(t)
		f := newFixture(t)
		l := newLoop(t)
		srv := &eofRecorder{}
		srv.data = func(c *eddy.Conn, d []byte) int {
			srv.events = append(srv.events, "data "+string(d))
			return len(d)
		}
		srv.eof = func(c *eddy.Conn) {
			c.Write([]byte("bye"))
			c.Close()
		}
		var ln *eddy.Listener
		var release func()
		ln, release = heldServer(t, l, f, srv, func(*eddy.Conn) { l.NextTick(release) })
		defer release()
		srv.close = func(*eddy.Conn, error) {
			release()
			ln.Close()
		}
		var read []byte
		res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), func(raw net.Conn, tc *tls.Conn) error {
			if _, err := tc.Write([]byte("hello")); err != nil {
				return err
			}
			if err := raw.(*net.TCPConn).CloseWrite(); err != nil { // no close_notify: the FIN ends it
				return err
			}
			var err error
			read, err = io.ReadAll(tc)
			return err
		})
		run(t, l, 10*time.Second)
		if err := <-res; err != nil {
			t.Errorf("client: %v", err)
		}
		wantOnce(t, "server", &srv.handler, 1)
		if srv.err != nil || len(srv.events) != 2 || srv.events[0] != "data hello" || srv.events[1] != "eof" || string(read) != "bye" {
			t.Errorf("server: %v, events %q; client read %q", srv.err, srv.events, read)
		}
	})
}

// TestEOFPendingTimeout: the handshake timeout still applies while the
// end of the stream waits for the handshake, which a callback holds up.
func TestEOFPendingTimeout(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t)
	srv := &handler{}
	var ln *eddy.Listener
	var release func()
	ln, release = heldServer(t, l, f, srv, func(*eddy.Conn) {}, tlsx.WithHandshakeTimeout(50*time.Millisecond))
	defer release()
	srv.close = func(*eddy.Conn, error) {
		release()
		ln.Close()
	}
	res := goPeer(ln.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), sendAll)
	run(t, l, 10*time.Second)
	<-res
	wantOnce(t, "server", srv, 0)
	if !errors.Is(srv.err, tlsx.ErrHandshakeTimeout) {
		t.Errorf("server: %v, want a handshake timeout", srv.err)
	}
}

// TestTicketWhenClosedInOpen: a TLS 1.3 client that writes and closes in
// OnOpen still keeps the session ticket that came with the server's
// flight, so that its next connection resumes, as a client of crypto/tls
// that reads once would. Before, the records read after the handshake
// were dropped unprocessed when the handler closed in OnOpen.
func TestTicketWhenClosedInOpen(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	f.server.MaxVersion = tls.VersionTLS13
	f.client.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	l := newLoop(t)
	srv := &handler{}
	got := collect(srv)
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	closeInOpen := func(c *eddy.Conn) {
		c.Write([]byte("x"))
		c.Close()
	}
	first := &handler{open: closeInOpen}
	second := &handler{open: closeInOpen}
	srvClosed := 0
	srv.close = func(*eddy.Conn, error) {
		srvClosed++
		switch srvClosed {
		case 1:
			if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, second); err != nil {
				t.Error(err)
				ln.Close()
			}
		case 2:
			ln.Close()
		}
	}
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, first); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
	wantOnce(t, "first", first, 1)
	wantOnce(t, "second", second, 1)
	if first.err != nil || second.err != nil || first.state.DidResume || !second.state.DidResume || string(*got) != "xx" {
		t.Errorf("first: %v, resumed %v; second: %v, resumed %v; server got %q", first.err, first.state.DidResume, second.err, second.state.DidResume, *got)
	}
}

// TestTicketPanicWhenClosedInOpen: a ClientSessionCache.Put that panics
// on a ticket processed after the handler closed in OnOpen does not
// unwind through the loop: the connection has closed cleanly already, so
// the loop reports the panic (WithPanicHandler).
func TestTicketPanicWhenClosedInOpen(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	f.server.MaxVersion = tls.VersionTLS13
	f.client.ClientSessionCache = panickyCache{}
	var panics []any
	l := newLoop(t, eddy.WithPanicHandler(func(v any, _ []byte) { panics = append(panics, v) }))
	srv := &handler{}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	srv.close = func(*eddy.Conn, error) { ln.Close() }
	cli := &handler{open: func(c *eddy.Conn) { c.Close() }}
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
	wantOnce(t, "client", cli, 1)
	if cli.err != nil || len(panics) != 1 || panics[0] != "cache is broken" {
		t.Errorf("client: %v; panics reported: %v", cli.err, panics)
	}
}
