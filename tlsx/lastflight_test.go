package tlsx_test

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// holdAfterFirst is a net.Conn that sends its first write (a ClientHello)
// and collects the later ones until flush, so that a client's last
// handshake flight, data, close_notify and FIN reach the server together.
type holdAfterFirst struct {
	net.Conn
	sent bool
	buf  []byte
}

func (c *holdAfterFirst) Write(p []byte) (int, error) {
	if !c.sent {
		c.sent = true
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *holdAfterFirst) flush() error {
	// tls.Conn.CloseWrite leaves a write deadline in the past.
	if err := c.Conn.SetWriteDeadline(time.Time{}); err != nil {
		return err
	}
	_, err := c.Conn.Write(c.buf)
	return err
}

// TestLastFlightWhileTurnsBusy: a TLS 1.3 client's Finished, data,
// close_notify and FIN reach the server together while every handshake
// turn is taken by others (as in a burst of connections). The server's
// handshake goroutine, which has the Finished still to process, waits for
// a turn like any other; the end of the stream waits for it, and so the
// loop must not: it is the loop, told of the end of the stream, that
// gives the turns back here. The handshake then completes, and the data
// and close_notify reach the handler. Before, the loop waited for the
// goroutine (which went ahead without a turn so as not to keep it
// waiting), and a handshake that took longer than 100 ms was failed with
// "handshake: unexpected EOF", its data lost: TestChurn hit this under
// load.
func TestLastFlightWhileTurnsBusy(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t)
	var got []byte
	var layer eddy.Layer
	peerClosed := false
	srv := &handler{data: func(c *eddy.Conn, d []byte) int {
		got = append(got, d...)
		peerClosed = tlsx.LayerPeerClosed(layer)
		return len(d)
	}}
	releases := make(chan func(), 1)
	release := func() {
		select {
		case release := <-releases:
			release()
		default:
		}
	}
	mk := tlsx.ServerLayer(f.server)
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv, eddy.WithLayer(func(c *eddy.Conn) eddy.Layer {
		layer = mk(c)
		return &eofSpy{Layer: layer, after: func() { l.NextTick(release) }}
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv.close = func(*eddy.Conn, error) {
		release()
		ln.Close()
	}
	cliErr := make(chan error, 1)
	go func() {
		cliErr <- func() error {
			raw, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return err
			}
			defer raw.Close()
			hc := &holdAfterFirst{Conn: raw}
			tc := tls.Client(hc, tlsx.ClientConfig(f.client, "localhost:1"))
			if err := tc.Handshake(); err != nil {
				return err
			}
			// The server's handshake goroutine waits for the Finished
			// held in hc, having given its turn back.
			releases <- tlsx.HoldTurns()
			if _, err := tc.Write([]byte("hello")); err != nil {
				return err
			}
			if err := tc.CloseWrite(); err != nil {
				return err
			}
			if err := hc.flush(); err != nil {
				return err
			}
			// A FIN, not the reset that closing with the server's session
			// tickets unread would send.
			if err := raw.(*net.TCPConn).CloseWrite(); err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, raw)
			return err
		}()
	}()
	run(t, l, 10*time.Second)
	if err := <-cliErr; err != nil {
		t.Errorf("client: %v", err)
	}
	release()
	wantOnce(t, "server", srv, 1)
	if srv.err != nil || string(got) != "hello" || !peerClosed {
		t.Errorf("server: %v, got %q, close_notify %v", srv.err, got, peerClosed)
	}
}
