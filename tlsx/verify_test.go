package tlsx_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// handshakeOnce dials srvCfg's server with cliCfg on one loop and returns
// both handlers once both connections have closed. The client closes once
// open; its data callback records what arrives.
func handshakeOnce(t *testing.T, srvCfg, cliCfg *tls.Config, srvOpts ...tlsx.Option) (srv, cli *handler) {
	t.Helper()
	l := newLoop(t)
	srv = &handler{}
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv, eddy.WithLayer(tlsx.ServerLayer(srvCfg, srvOpts...)))
	if err != nil {
		t.Fatal(err)
	}
	cli = &handler{}
	cli.open = func(c *eddy.Conn) { c.Write([]byte("x")) }
	srv.data = func(c *eddy.Conn, d []byte) int { c.Close(); return len(d) }
	done := 0
	closed := func(*eddy.Conn, error) {
		if done++; done == 2 {
			ln.Close()
		}
	}
	srv.close, cli.close = closed, closed
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), cliCfg, cli); err != nil {
		t.Fatal(err)
	}
	run(t, l, 10*time.Second)
	return srv, cli
}

func TestVerifyByDefault(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	other := tlsx.NewTestPKI(t)
	cases := []struct {
		name    string
		cert    tls.Certificate
		roots   *x509.CertPool
		checkAs func(error) bool
	}{
		{"untrusted", other.Leaf(t, "127.0.0.1"), f.pki.Pool, func(err error) bool {
			var e *tls.CertificateVerificationError
			var u x509.UnknownAuthorityError
			return errors.As(err, &e) && errors.As(err, &u)
		}},
		{"no roots: system pool", f.pki.Leaf(t, "127.0.0.1"), nil, func(err error) bool {
			var e *tls.CertificateVerificationError
			return errors.As(err, &e)
		}},
		{"wrong host", f.pki.Leaf(t, "elsewhere.test"), f.pki.Pool, func(err error) bool {
			var h x509.HostnameError
			return errors.As(err, &h)
		}},
		{"expired", f.pki.Issue(t, tlsx.LeafOptions{Names: []string{"127.0.0.1"},
			NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}),
			f.pki.Pool, func(err error) bool {
				var e x509.CertificateInvalidError
				return errors.As(err, &e) && e.Reason == x509.Expired
			}},
	}
	for _, tc := range cases {
		srvCfg := &tls.Config{Certificates: []tls.Certificate{tc.cert}}
		srv, cli := handshakeOnce(t, srvCfg, &tls.Config{RootCAs: tc.roots})
		wantOnce(t, tc.name+" client", cli, 0)
		wantOnce(t, tc.name+" server", srv, 0)
		var he *tlsx.HandshakeError
		if !errors.Is(cli.err, tlsx.ErrHandshake) || !errors.As(cli.err, &he) || !tc.checkAs(cli.err) {
			t.Errorf("%s: client error %v", tc.name, cli.err)
		}
		// The server learns of it from the client's alert.
		if !errors.Is(srv.err, tlsx.ErrHandshake) || !isRemoteAlert(srv.err) {
			t.Errorf("%s: server error %v", tc.name, srv.err)
		}
	}
	// InsecureSkipVerify, set by the user, skips it.
	srvCfg := &tls.Config{Certificates: []tls.Certificate{other.Leaf(t, "elsewhere.test")}}
	srv, cli := handshakeOnce(t, srvCfg, &tls.Config{InsecureSkipVerify: true})
	if cli.err != nil || srv.err != nil || cli.opens != 1 {
		t.Errorf("insecure: client %v, server %v", cli.err, srv.err)
	}
}

func TestSNI(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	a, b := f.pki.Leaf(t, "a.test"), f.pki.Leaf(t, "b.test")
	for _, srvCfg := range []*tls.Config{
		{Certificates: []tls.Certificate{a, b}},
		{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if h.ServerName == "b.test" {
				return &b, nil
			}
			return &a, nil
		}},
	} {
		for _, name := range []string{"a.test", "b.test"} {
			srv, cli := handshakeOnce(t, srvCfg, &tls.Config{RootCAs: f.pki.Pool, ServerName: name})
			if cli.err != nil || srv.err != nil {
				t.Fatalf("%s: client %v, server %v", name, cli.err, srv.err)
			}
			if certs := cli.state.PeerCertificates; len(certs) == 0 || certs[0].DNSNames[0] != name {
				t.Errorf("asked for %s, got %v", name, certs[0].DNSNames)
			}
			if srv.state.ServerName != name {
				t.Errorf("server saw SNI %q", srv.state.ServerName)
			}
		}
	}
}

func TestALPN(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	f.server.NextProtos = []string{"h2", "http/1.1"}
	f.client.NextProtos = []string{"http/1.1"}
	srv, cli := handshakeOnce(t, f.server, f.client)
	if cli.state.NegotiatedProtocol != "http/1.1" || srv.state.NegotiatedProtocol != "http/1.1" {
		t.Errorf("negotiated %q / %q", cli.state.NegotiatedProtocol, srv.state.NegotiatedProtocol)
	}
	// No protocol in common: the server refuses.
	f.client.NextProtos = []string{"spdy/1"}
	srv, cli = handshakeOnce(t, f.server, f.client)
	if !errors.Is(srv.err, tlsx.ErrHandshake) || !errors.Is(cli.err, tlsx.ErrHandshake) {
		t.Errorf("no common protocol: server %v, client %v", srv.err, cli.err)
	}
}

func TestMutualTLS(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		f := newFixture(t)
		f.server.ClientAuth = tls.RequireAndVerifyClientCert
		f.server.ClientCAs = f.pki.Pool
		f.server.MaxVersion = v
		f.client.Certificates = []tls.Certificate{f.pki.Issue(t, tlsx.LeafOptions{Names: []string{"client.test"}, Client: true})}
		srv, cli := handshakeOnce(t, f.server, f.client)
		if cli.err != nil || srv.err != nil {
			t.Fatalf("version %x: client %v, server %v", v, cli.err, srv.err)
		}
		if certs := srv.state.PeerCertificates; len(certs) != 1 || certs[0].DNSNames[0] != "client.test" {
			t.Errorf("version %x: server saw client certificates %v", v, certs)
		}
		// Without a certificate: the server refuses. A TLS 1.3 client has
		// finished its side by then and learns it from the alert that
		// follows, after OnOpen.
		f.client.Certificates = nil
		srv, cli = handshakeOnce(t, f.server, f.client)
		wantOnce(t, "server", srv, 0)
		if !errors.Is(srv.err, tlsx.ErrHandshake) {
			t.Errorf("version %x: server %v", v, srv.err)
		}
		if cli.closes != 1 || !isRemoteAlert(cli.err) {
			t.Errorf("version %x: client %v", v, cli.err)
		}
		// A certificate from another CA: refused too.
		f.client.Certificates = []tls.Certificate{tlsx.NewTestPKI(t).Issue(t, tlsx.LeafOptions{Client: true})}
		srv, _ = handshakeOnce(t, f.server, f.client)
		var cve *tls.CertificateVerificationError
		if !errors.As(srv.err, &cve) {
			t.Errorf("version %x: server %v", v, srv.err)
		}
	}
}

// TestResumption checks session resumption: the second connection with the
// same ClientSessionCache resumes. In TLS 1.3 the ticket comes after the
// handshake, as a post-handshake message the loop reads without blocking.
func TestResumption(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		f := newFixture(t)
		f.server.MaxVersion = v
		f.client.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		_, cli := handshakeOnce(t, f.server, f.client)
		if cli.err != nil || cli.state.DidResume {
			t.Fatalf("version %x first: %v, resumed %v", v, cli.err, cli.state.DidResume)
		}
		srv, cli := handshakeOnce(t, f.server, f.client)
		if cli.err != nil || !cli.state.DidResume || !srv.state.DidResume {
			t.Errorf("version %x second: %v, resumed %v/%v", v, cli.err, cli.state.DidResume, srv.state.DidResume)
		}
	}
}

// isRemoteAlert reports whether err is, or wraps, a TLS alert from the
// peer, as crypto/tls reports it.
func isRemoteAlert(err error) bool {
	var op *net.OpError
	for errors.As(err, &op) {
		if op.Op == "remote error" {
			return true
		}
		err = op.Err
	}
	return false
}
