package tlsx_test

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestChurn runs 1,000 short-lived connections, 50 at a time, each ended
// at another point of its life: a plain TCP peer that closes at once or
// sends a byte and closes, a TLS client that closes before its dial
// completes, aborts during its handshake, closes in OnOpen, or closes after
// an echo. Every connection reports its end once, on both sides; every
// client that completed its handshake, and closed, is opened on the server
// too (see TestLastFlightWhileTurnsBusy); and nothing is left behind: no
// handshake goroutine, no socket (leakcheck).
func TestChurn(t *testing.T) {
	leakcheck.Check(t)
	n := 1000
	if raceEnabled {
		n = 200
	}
	const batch = 50
	f := newFixture(t)
	l := newLoop(t)
	var srvOpens, srvCloses int
	srv := &handler{
		data: func(c *eddy.Conn, d []byte) int { c.Write(d); return len(d) },
	}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	// The server connections that opened, by client address.
	srvOpened := map[string]bool{}
	srv.open = func(c *eddy.Conn) {
		srvOpens++
		srvOpened[c.RemoteAddr().String()] = true
	}
	srv.close = func(*eddy.Conn, error) { srvCloses++ }
	addr := ln.Addr().String()
	cfg := tlsx.ClientConfig(f.client, "localhost:1")
	started, ended := 0, 0
	var closes = make(map[*eddy.Conn]int)
	var kinds, opened, failed [6]int // per kind: dialled, opened, closed with an error
	var addrs [6][]string            // per kind: the addresses of the clients that opened
	var next func()
	done := func(c *eddy.Conn, err error) {
		closes[c]++
		if ended++; ended == n {
			l.AfterFunc(10*time.Millisecond, func() { ln.Close() }) // the last server ends
			return
		}
		if ended%batch == 0 {
			next()
		}
	}
	next = func() {
		for i := 0; i < batch && started < n; i++ {
			kind := started % 6
			started++
			kinds[kind]++
			h := &handler{close: func(c *eddy.Conn, err error) {
				if err != nil {
					failed[kind]++
				}
				done(c, err)
			}}
			switch kind {
			case 0: // plain TCP: connect, close
				h.open = func(c *eddy.Conn) { c.Close() }
			case 1: // plain TCP: a byte of a ClientHello, close
				h.open = func(c *eddy.Conn) { c.Write([]byte{22}); c.Close() }
			case 4: // TLS: close in OnOpen
				h.open = func(c *eddy.Conn) { c.Close() }
			case 5: // TLS: echo, close
				h.open = func(c *eddy.Conn) { c.Write([]byte("hi")) }
				h.data = func(c *eddy.Conn, d []byte) int { c.Close(); return len(d) }
			}
			if open := h.open; kind >= 4 {
				h.open = func(c *eddy.Conn) {
					opened[kind]++
					addrs[kind] = append(addrs[kind], c.LocalAddr().String())
					open(c)
				}
			}
			c, err := l.Dial("tcp", addr, h)
			if err != nil {
				t.Fatal(err)
			}
			switch kind {
			case 2: // TLS: close before the dial completes
				c.SetLayer(tlsx.ClientLayer(cfg))
				c.Close()
			case 3: // TLS: abort during the handshake
				c.SetLayer(tlsx.ClientLayer(cfg))
				l.NextTick(func() { l.NextTick(c.Abort) })
			case 4, 5:
				c.SetLayer(tlsx.ClientLayer(cfg))
			}
		}
	}
	next()
	run(t, l, 60*time.Second)
	if ended != n || len(closes) != n {
		t.Fatalf("%d of %d connections ended (%d distinct)", ended, n, len(closes))
	}
	for _, k := range closes {
		if k != 1 {
			t.Fatalf("a connection's OnClose ran %d times", k)
		}
	}
	// The TLS clients that do not give up complete their handshake and
	// close cleanly.
	for kind := 4; kind <= 5; kind++ {
		if opened[kind] != kinds[kind] || failed[kind] != 0 {
			t.Errorf("kind %d: %d clients, %d opened, %d failed", kind, kinds[kind], opened[kind], failed[kind])
		}
	}
	// Their server connections open: for those that echo, before the
	// client closes; for those that close in OnOpen, once the server has
	// processed their Finished, which it gets with their close_notify and
	// the end of the stream, which waits for the handshake
	// (TestLastFlightWhileTurnsBusy, TestEOFDuringHandshakeDoesNotBlockLoop).
	for _, a := range addrs[4] {
		if !srvOpened[a] {
			t.Errorf("server: the connection from %s, which closed in OnOpen, did not open", a)
		}
	}
	for _, a := range addrs[5] {
		if !srvOpened[a] {
			t.Errorf("server: the connection from %s, which echoed, did not open", a)
		}
	}
	// The loop ended, so every server connection has closed too. Those
	// that aborted during the handshake may have completed it too, and
	// those that gave up before their dial completed may never have been
	// accepted.
	if srvCloses < n-kinds[2] || srvCloses > n || srvOpens > srvCloses || srvOpens > kinds[3]+kinds[4]+kinds[5] {
		t.Errorf("server: %d opens, %d closes", srvOpens, srvCloses)
	}
}
