package driver_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/tlsx"
)

// A Conn with a TLSConfig talks TLS, verifying the server's certificate
// by default: against the right CA it works, across reconnects; against
// the system's roots every attempt fails, typed.
func TestTLS(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	srv := startServer(t, eddy.WithLayer(tlsx.ServerLayer(&tls.Config{Certificates: []tls.Certificate{certs.Server}})))
	l := startLoop(t)

	good := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.TLSConfig = &tls.Config{RootCAs: certs.CAPool}
	})
	for _, line := range []string{"ECHO a", "ECHO b"} {
		got, err := do(t, good, line)
		if err != nil || got != line[5:] {
			t.Fatalf("%s = %q, %v", line, got, err)
		}
	}
	if _, err := do(t, good, "CLOSE"); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("CLOSE = %v", err)
	}
	if got, err := do(t, good, "ECHO again"); err != nil || got != "again" {
		t.Fatalf("after reconnect: %q, %v", got, err)
	}

	bad := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.TLSConfig = &tls.Config{} // the system's roots do not know the test CA
	})
	_, err := do(t, bad, "ECHO x")
	var uerr x509.UnknownAuthorityError
	if !errors.Is(err, driver.ErrConnLost) || !errors.Is(err, tlsx.ErrHandshake) || !errors.As(err, &uerr) {
		t.Fatalf("unverified server: %v, want ErrConnLost wrapping a handshake error", err)
	}
	for _, s := range srv.lines() {
		if s == "ECHO x" {
			t.Fatal("the request reached a server that failed verification")
		}
	}
}
