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
	pingTLS(t, srv.TLSAddr, certs)
	if _, err := tls.Dial("tcp", srv.TLSAddr, &tls.Config{}); err == nil {
		t.Fatal("the test CA verified against the system's roots")
	}
}

// A cluster with the TLS option: every node answers on its own TLS
// address, and a restarted node keeps it.
func TestRedisClusterTLS(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	cl := testenv.RedisCluster(t, 3, testenv.TLS(certs))
	addrs := cl.TLSAddrs()
	if len(addrs) != 3 || addrs[0] == addrs[1] || addrs[1] == addrs[2] || addrs[0] == addrs[2] {
		t.Fatalf("TLS addresses %v", addrs)
	}
	for _, a := range addrs {
		pingTLS(t, a, certs)
	}
	cl.Nodes[1].Restart()
	cl.WaitOK()
	if got := cl.TLSAddrs()[1]; got != addrs[1] {
		t.Fatalf("TLS address after a restart %s, was %s", got, addrs[1])
	}
	pingTLS(t, addrs[1], certs)
}

// pingTLS sends PING over TLS to addr, verifying its certificate with the
// test CA.
func pingTLS(t *testing.T, addr string, certs *testenv.Certs) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: certs.CAPool})
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
		t.Fatalf("PING over TLS to %s = %q, %v", addr, line, err)
	}
}
