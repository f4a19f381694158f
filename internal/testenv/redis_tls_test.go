package testenv_test

import (
	"bufio"
	"crypto/tls"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// RedisTLS answers PING over TLS with the certificate of NewCerts, which
// verifies against the CA pool.
func TestRedisTLS(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	srv := testenv.RedisTLS(t, certs)
	c, err := tls.Dial("tcp", srv.TLSAddr, &tls.Config{RootCAs: certs.CAPool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "+PONG\r\n" {
		t.Fatalf("PING over TLS = %q, %v", line, err)
	}
	if _, err := tls.Dial("tcp", srv.TLSAddr, &tls.Config{}); err == nil {
		t.Fatal("the test CA verified against the system's roots")
	}
}
