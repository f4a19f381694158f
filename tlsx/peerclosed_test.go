package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// heldConn is a net.Conn whose writes, while hold is set, collect in buf
// until flush sends them in one write to the socket, so that a TLS
// server's last data and its close_notify reach the peer in one segment.
type heldConn struct {
	net.Conn
	hold bool
	buf  []byte
}

func (c *heldConn) Write(p []byte) (int, error) {
	if c.hold {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *heldConn) flush() error {
	// tls.Conn.CloseWrite leaves a write deadline in the past.
	if err := c.Conn.SetWriteDeadline(time.Time{}); err != nil {
		return err
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = nil
	return err
}

// TestPeerClosed: a server answers a first request, then answers a second
// and says goodbye (close_notify) in the same segment. PeerClosed is false
// while the first answer is delivered and true in the OnData call that
// delivers the second, before the connection closes.
func TestPeerClosed(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		f := newFixture(t)
		f.server.MaxVersion = v
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srvErr := make(chan error, 1)
		go func() {
			srvErr <- func() error {
				raw, err := nl.Accept()
				nl.Close()
				if err != nil {
					return err
				}
				hc := &heldConn{Conn: raw}
				tc := tls.Server(hc, f.server)
				defer raw.Close()
				buf := make([]byte, 64)
				if _, err := tc.Read(buf); err != nil { // the first request
					return err
				}
				if _, err := tc.Write([]byte("one")); err != nil {
					return err
				}
				if _, err := tc.Read(buf); err != nil { // the second
					return err
				}
				hc.hold = true
				if _, err := tc.Write([]byte("two")); err != nil {
					return err
				}
				if err := tc.CloseWrite(); err != nil { // close_notify
					return err
				}
				return hc.flush()
			}()
		}()

		l := newLoop(t)
		var got []byte
		var seen []bool // PeerClosed in each OnData call
		cli := &handler{open: func(c *eddy.Conn) {
			if tlsx.PeerClosed(c) {
				t.Error("PeerClosed in OnOpen")
			}
			c.Write([]byte("first"))
		}}
		cli.data = func(c *eddy.Conn, d []byte) int {
			got = append(got, d...)
			seen = append(seen, tlsx.PeerClosed(c))
			if bytes.Equal(got, []byte("one")) {
				c.Write([]byte("second"))
			}
			return len(d)
		}
		var closedSeen bool
		cli.close = func(c *eddy.Conn, err error) { closedSeen = tlsx.PeerClosed(c) }
		if _, err := tlsx.Dial(l, "tcp", nl.Addr().String(), tlsx.ClientConfig(f.client, "localhost:1"), cli); err != nil {
			t.Fatal(err)
		}
		run(t, l, 10*time.Second)
		if err := <-srvErr; err != nil {
			t.Fatalf("version %x: server: %v", v, err)
		}
		wantOnce(t, "client", cli, 1)
		if string(got) != "onetwo" || cli.err != nil {
			t.Fatalf("version %x: got %q, client %v", v, got, cli.err)
		}
		if len(seen) != 2 || seen[0] || !seen[1] || !closedSeen {
			t.Errorf("version %x: PeerClosed in OnData calls %v (want [false true]), in OnClose %v", v, seen, closedSeen)
		}
	}
	// Not a TLS connection: false.
	l := newLoop(t)
	ln, err := l.Listen("tcp", "127.0.0.1:0", &handler{})
	if err != nil {
		t.Fatal(err)
	}
	plain := &handler{open: func(c *eddy.Conn) {
		if tlsx.PeerClosed(c) {
			t.Error("PeerClosed on a plain connection")
		}
		c.Close()
		ln.Close()
	}}
	if _, err := l.Dial("tcp", ln.Addr().String(), plain); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
}
