package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestServerConfigCallbacks: GetConfigForClient and GetCertificate that
// choose by SNI, fail or panic. A choice is seen by both ends; a failure
// fails that handshake alone, once, with the callback's own error (or an
// *eddy.PanicError) inside a *tlsx.HandshakeError, and the client's
// handshake fails too.
func TestServerConfigCallbacks(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	a, b := f.pki.Leaf(t, "a.test"), f.pki.Leaf(t, "b.test")
	errNoConfig := errors.New("no config for you")
	perName := &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		switch h.ServerName {
		case "a.test":
			return &tls.Config{Certificates: []tls.Certificate{a}, NextProtos: []string{"a/1"}}, nil
		case "b.test":
			return &tls.Config{Certificates: []tls.Certificate{b}, NextProtos: []string{"b/1"}}, nil
		case "panic.test":
			panic("config for panic.test")
		}
		return nil, errNoConfig
	}}
	for _, name := range []string{"a.test", "b.test"} {
		cli := &tls.Config{RootCAs: f.pki.Pool, ServerName: name, NextProtos: []string{"a/1", "b/1"}}
		srv, c := handshakeOnce(t, perName, cli)
		if c.err != nil || srv.err != nil {
			t.Fatalf("%s: client %v, server %v", name, c.err, srv.err)
		}
		proto := name[:1] + "/1"
		if srv.state.NegotiatedProtocol != proto || c.state.NegotiatedProtocol != proto ||
			c.state.PeerCertificates[0].DNSNames[0] != name {
			t.Errorf("%s: ALPN %q/%q, certificate for %v", name, srv.state.NegotiatedProtocol,
				c.state.NegotiatedProtocol, c.state.PeerCertificates[0].DNSNames)
		}
	}
	failing := []struct {
		name string
		cfg  *tls.Config
		want func(error) bool
	}{
		{"config error", perName, func(err error) bool { return errors.Is(err, errNoConfig) }},
		{"config panic", perName, func(err error) bool { return errors.Is(err, eddy.ErrPanic) }},
		{"certificate error", &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return nil, errNoConfig
		}}, func(err error) bool { return errors.Is(err, errNoConfig) }},
	}
	for _, tc := range failing {
		sni := "other.test"
		if tc.name == "config panic" {
			sni = "panic.test"
		}
		srv, cli := handshakeOnce(t, tc.cfg, &tls.Config{RootCAs: f.pki.Pool, ServerName: sni})
		wantOnce(t, tc.name+" server", srv, 0)
		wantOnce(t, tc.name+" client", cli, 0)
		var he *tlsx.HandshakeError
		if !errors.As(srv.err, &he) || !tc.want(srv.err) {
			t.Errorf("%s: server %v", tc.name, srv.err)
		}
		// A panic leaves crypto/tls no chance to send an alert: the
		// client sees the connection cut short.
		if !errors.Is(cli.err, tlsx.ErrHandshake) || tc.name != "config panic" && !isRemoteAlert(cli.err) {
			t.Errorf("%s: client %v", tc.name, cli.err)
		}
	}
}

// lockedBuffer is a bytes.Buffer for a KeyLogWriter, which runs on the
// handshake goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestKeyLogWriter: both ends write the secrets of their handshake, in
// the NSS key log format, for the same client random.
func TestKeyLogWriter(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		f := newFixture(t)
		var srvLog, cliLog lockedBuffer
		f.server.MaxVersion = v
		f.server.KeyLogWriter = &srvLog
		f.client.KeyLogWriter = &cliLog
		srv, cli := handshakeOnce(t, f.server, tlsx.ClientConfig(f.client, "localhost:1"))
		if srv.err != nil || cli.err != nil {
			t.Fatalf("version %x: server %v, client %v", v, srv.err, cli.err)
		}
		want := "CLIENT_RANDOM "
		if v == tls.VersionTLS13 {
			want = "CLIENT_TRAFFIC_SECRET_0 "
		}
		s, c := srvLog.b.String(), cliLog.b.String()
		if !strings.Contains(c, want) || s != c {
			t.Errorf("version %x: client log %q, server log %q", v, c, s)
		}
		if n := strings.Count(c, "\n"); v == tls.VersionTLS13 && n != 4 || v == tls.VersionTLS12 && n != 1 {
			t.Errorf("version %x: %d lines: %q", v, n, c)
		}
	}
}
