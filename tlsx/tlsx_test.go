package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestEcho runs an eddy TLS client against an eddy TLS server on one loop:
// writes made before the handshake are held and sent after it, the
// handler sees plaintext, ConnectionState reports the session, and both
// ends close cleanly with close_notify (WithRequireCloseNotify would
// report ErrTruncated otherwise).
func TestEcho(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		f := newFixture(t)
		f.server.MaxVersion = v
		l := newLoop(t)
		srv := echo()
		var srvState tls.ConnectionState
		srv.open = func(c *eddy.Conn) {
			var ok bool
			if srvState, ok = tlsx.ConnectionState(c); !ok {
				t.Error("server: no connection state in OnOpen")
			}
		}
		ln, err := l.Listen("tcp", "127.0.0.1:0", srv,
			eddy.WithLayer(tlsx.ServerLayer(f.server, tlsx.WithRequireCloseNotify())))
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		want := []byte("hello, tls on a loop")
		cli := &handler{}
		cli.open = func(c *eddy.Conn) {
			st, ok := tlsx.ConnectionState(c)
			if !ok || st.Version != v || !st.HandshakeComplete {
				t.Errorf("client state %v %+v", ok, st)
			}
			c.Write(want[5:])
		}
		cli.data = func(c *eddy.Conn, d []byte) int {
			got = append(got, d...)
			if len(got) == len(want) {
				c.Close()
			}
			return len(d)
		}
		cli.close = func(*eddy.Conn, error) { ln.Close() }
		c, err := l.Dial("tcp", ln.Addr().String(), cli)
		if err != nil {
			t.Fatal(err)
		}
		c.SetLayer(tlsx.ClientLayer(tlsx.ClientConfig(f.client, "localhost:1"), tlsx.WithRequireCloseNotify()))
		if _, ok := tlsx.ConnectionState(c); ok {
			t.Error("connection state before the handshake")
		}
		c.Write(want[:5]) // before the handshake: held, then sent
		run(t, l, 10*time.Second)
		if !bytes.Equal(got, want) {
			t.Errorf("version %x: got %q", v, got)
		}
		if srvState.Version != v || srvState.ServerName != "localhost" {
			t.Errorf("server state: version %x name %q", srvState.Version, srvState.ServerName)
		}
		wantOnce(t, "client", cli, 1)
		wantOnce(t, "server", srv, 1)
		if cli.err != nil || srv.err != nil {
			t.Errorf("version %x: client %v, server %v", v, cli.err, srv.err)
		}
	}
}

// TestDial checks Dial: the server name comes from the address, and the
// certificate is verified for it.
func TestDial(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	l := newLoop(t)
	srv := echo()
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	cli := &handler{}
	var got []byte
	cli.data = func(c *eddy.Conn, d []byte) int {
		got = append(got, d...)
		c.Close()
		return len(d)
	}
	cli.close = func(*eddy.Conn, error) { ln.Close() }
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli); err != nil {
		t.Fatal(err)
	}
	cli.open = func(c *eddy.Conn) {
		st, _ := tlsx.ConnectionState(c)
		if len(st.VerifiedChains) == 0 { // verified for 127.0.0.1, taken from the address
			t.Error("no verified chains")
		}
		c.Write([]byte("ping"))
	}
	run(t, l, 10*time.Second)
	if string(got) != "ping" || cli.err != nil || srv.err != nil {
		t.Fatalf("got %q, client %v, server %v", got, cli.err, srv.err)
	}
	if f.client.ServerName != "" {
		t.Error("Dial modified the caller's config")
	}
}

func TestListenConfigErrors(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	for _, cfg := range []*tls.Config{nil, {}} {
		if _, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", cfg, echo()); !errors.Is(err, tlsx.ErrConfig) {
			t.Errorf("config %v: %v", cfg, err)
		}
	}
	run(t, l, 5*time.Second)
}

func TestClientConfig(t *testing.T) {
	leakcheck.Check(t)
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	for addr, want := range map[string]string{
		"example.com:443": "example.com",
		"[::1]:443":       "::1",
		"/run/x.sock":     "",
	} {
		if got := tlsx.ClientConfig(base, addr).ServerName; got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
	named := &tls.Config{ServerName: "x"}
	if tlsx.ClientConfig(named, "y:1") != named {
		t.Error("a named config was copied")
	}
	if tlsx.ClientConfig(nil, "y:1").ServerName != "y" {
		t.Error("nil config")
	}
}
