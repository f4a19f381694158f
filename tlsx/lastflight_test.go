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
// loop, told of the end of the stream, waits for the handshake goroutine,
// which has the Finished still to process; that goroutine must not queue
// for a turn behind the others, or the loop stops waiting (after eofWait)
// and fails a handshake the client completed, with "handshake: unexpected
// EOF", and the data is lost. TestChurn hit this under load.
func TestLastFlightWhileTurnsBusy(t *testing.T) {
	leakcheck.Check(t)
	// Without the fix the wait fails whatever its bound; with it, the
	// goroutine's little work must not be cut short on a loaded machine.
	defer tlsx.SetEOFWait(5 * time.Second)()
	f := newFixture(t)
	l := newLoop(t)
	var got []byte
	peerClosed := false
	srv := &handler{data: func(c *eddy.Conn, d []byte) int {
		got = append(got, d...)
		peerClosed = tlsx.PeerClosed(c)
		return len(d)
	}}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	releases := make(chan func(), 1)
	srv.close = func(*eddy.Conn, error) {
		select {
		case release := <-releases:
			release()
		default:
		}
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
			release := tlsx.HoldTurns()
			releases <- release
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
	select {
	case release := <-releases:
		release()
	default:
	}
	wantOnce(t, "server", srv, 1)
	if srv.err != nil || string(got) != "hello" || !peerClosed {
		t.Errorf("server: %v, got %q, close_notify %v", srv.err, got, peerClosed)
	}
}

// TestEOFWaitBound: when the peer's stream ends while the server's
// handshake goroutine is held up in a tls.Config callback, with the
// client's Finished still to process, the loop waits for it only so long
// (eofWait), then fails the handshake with an error that matches
// io.ErrUnexpectedEOF and says the handshake did not finish in time.
func TestEOFWaitBound(t *testing.T) {
	leakcheck.Check(t)
	defer tlsx.SetEOFWait(10 * time.Millisecond)()
	f := newFixture(t)
	l := newLoop(t)
	hold := make(chan struct{})
	srvCfg := f.server.Clone()
	srvCfg.MaxVersion = tls.VersionTLS13
	// Called after the server's flight has gone out, before it reads the
	// client's Finished; it returns once the server has given up.
	srvCfg.VerifyConnection = func(tls.ConnectionState) error {
		<-hold
		return nil
	}
	srv := &handler{}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", srvCfg, srv)
	if err != nil {
		t.Fatal(err)
	}
	srv.close = func(*eddy.Conn, error) {
		close(hold)
		ln.Close()
	}
	cli := &handler{open: func(c *eddy.Conn) {
		c.Write([]byte("hello"))
		c.Close()
	}}
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
	wantOnce(t, "server", srv, 0)
	if !errors.Is(srv.err, tlsx.ErrHandshake) || !errors.Is(srv.err, io.ErrUnexpectedEOF) || !tlsx.CutShort(srv.err) {
		t.Errorf("server: %v", srv.err)
	}
}
