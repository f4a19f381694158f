package tlsx_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// isLocalAlert reports whether err is, or wraps, a TLS alert that
// crypto/tls sent the peer, as it reports it, with msg in its text.
func isLocalAlert(err error, msg string) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "local error" && strings.Contains(op.Err.Error(), msg)
}

// TestRenegotiationRefused: openssl s_server asks an eddy client to
// renegotiate (a TLS 1.2 HelloRequest). The client refuses, as crypto/tls
// does by default: it sends a no_renegotiation alert and the connection
// fails once, with crypto/tls's error. It does so even when the config
// allows renegotiation: crypto/tls would run that handshake inside Read,
// on the loop, where its reads cannot block; it used to fail there with
// tlsx's internal "no complete record" error, which crypto/tls kept as
// the handshake's and which tlsx took for "nothing more to read", so the
// connection hung for ever without a word.
func TestRenegotiationRefused(t *testing.T) {
	leakcheck.Check(t)
	bin := needOpenSSL(t)
	f := newFixture(t)
	_, cert, key := writePEM(t, f)
	for _, mode := range []tls.RenegotiationSupport{tls.RenegotiateNever, tls.RenegotiateOnceAsClient, tls.RenegotiateFreelyAsClient} {
		nl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := nl.Addr().String()
		nl.Close()
		_, port, _ := net.SplitHostPort(addr)
		p := start(t, bin, "s_server", "-accept", "127.0.0.1:"+port, "-cert", cert, "-key", key,
			"-tls1_2", "-naccept", "1")
		p.expect(t, "ACCEPT")
		l := newLoop(t)
		cli := &handler{open: func(c *eddy.Conn) { c.Write([]byte("hello\n")) }}
		cfg := f.client.Clone()
		cfg.Renegotiation = mode
		if _, err := tlsx.Dial(l, "tcp", addr, cfg, cli); err != nil {
			t.Fatal(err)
		}
		wait := runLoop(t, l)
		p.expect(t, "hello")
		fmt.Fprintf(p.stdin, "r\n") // s_server sends a HelloRequest
		wait()
		wantOnce(t, fmt.Sprint("mode ", mode), cli, 1)
		if !isLocalAlert(cli.err, "no renegotiation") {
			t.Errorf("mode %v: client %v", mode, cli.err)
		}
	}
}

// TestClientRenegotiationRefused: openssl s_client asks an eddy server to
// renegotiate in TLS 1.2; the server refuses, as crypto/tls does (with an
// unexpected_message alert), and the connection fails once, with
// crypto/tls's error.
func TestClientRenegotiationRefused(t *testing.T) {
	leakcheck.Check(t)
	bin := needOpenSSL(t)
	f := newFixture(t)
	ca, _, _ := writePEM(t, f)
	l := newLoop(t)
	srv := echo()
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		t.Fatal(err)
	}
	srv.close = func(*eddy.Conn, error) { ln.Close() }
	wait := runLoop(t, l)
	p := start(t, bin, "s_client", "-connect", ln.Addr().String(), "-CAfile", ca,
		"-servername", "localhost", "-verify_return_error", "-tls1_2")
	p.expect(t, "Verify return code: 0 (ok)")
	fmt.Fprintf(p.stdin, "hello\n")
	p.expect(t, "hello")
	fmt.Fprintf(p.stdin, "R\n") // s_client sends a new ClientHello
	wait()
	wantOnce(t, "server", srv, 1)
	var oe *eddy.OpError
	if !errors.As(srv.err, &oe) || !strings.Contains(srv.err.Error(), "unexpected handshake message") {
		t.Errorf("server %v", srv.err)
	}
}
