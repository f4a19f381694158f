package httpclient_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

func TestTLS(t *testing.T) {
	leakcheck.Check(t)
	srv := httptest.NewTLSServer(hostEcho())
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	l := startLoop(t)
	c := &httpclient.Client{Loop: l, TLSConfig: &tls.Config{RootCAs: pool}}
	for i := 0; i < 3; i++ {
		st, body, err := get(t, c, srv.URL+"/secure")
		if err != nil || st != 200 || body != "GET "+srv.Listener.Addr().String()+" /secure" {
			t.Fatalf("got %d %q %v", st, body, err)
		}
	}
	// Verification is on by default: the system's roots do not know the
	// test CA.
	bad := &httpclient.Client{Loop: l}
	_, _, err := get(t, bad, srv.URL)
	var cv *tls.CertificateVerificationError
	if !errors.Is(err, tlsx.ErrHandshake) || !errors.As(err, &cv) {
		t.Fatalf("unknown CA: got %v, want a certificate verification error", err)
	}
	// A pool without the server's CA.
	empty := &httpclient.Client{Loop: l, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}}
	if _, _, err := get(t, empty, srv.URL); !errors.As(err, &cv) {
		t.Fatalf("wrong CA: got %v", err)
	}
}
