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
// an echo. Every connection reports its end once, on both sides, and
// nothing is left behind: no handshake goroutine, no socket (leakcheck).
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
	srv.open = func(*eddy.Conn) { srvOpens++ }
	srv.close = func(*eddy.Conn, error) { srvCloses++ }
	addr := ln.Addr().String()
	cfg := tlsx.ClientConfig(f.client, "localhost:1")
	started, ended := 0, 0
	var closes = make(map[*eddy.Conn]int)
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
			h := &handler{close: done}
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
	// The loop ended, so every server connection has closed too. (Those
	// of the clients that gave up early may never have been accepted,
	// and those that aborted may have finished their handshake.)
	if srvCloses < n-n/6 || srvOpens < n/6*2 || srvOpens > srvCloses {
		t.Errorf("server: %d opens, %d closes", srvOpens, srvCloses)
	}
}
