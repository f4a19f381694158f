package testenv

import (
	"net"
	"strconv"
	"testing"
)

// TLSServer is a redis-server that listens with TLS as well as in plain
// text, started by [RedisTLS].
type TLSServer struct {
	*Server
	// TLSAddr is the "127.0.0.1:port" of the TLS listener. Addr, in plain
	// text, is what the harness checks.
	TLSAddr string
}

// RedisTLS starts a redis-server as [Redis] does, listening with TLS on
// a second free port too:
//
//	--tls-port Q --tls-cert-file ... --tls-key-file ...
//	--tls-ca-cert-file ... --tls-auth-clients optional
//
// with the server certificate of certs (see [NewCerts]). Clients need not
// present a certificate. The redis-server must be built with TLS (Debian's
// is). A restart keeps both ports.
func RedisTLS(t testing.TB, certs *Certs, opts ...Option) *TLSServer {
	t.Helper()
	o := newOptions(opts)
	if o.maxJobSize != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, not Redis")
	}
	// The TLS port is picked with each new plain port (a start attempt
	// that lost its port to another process gets both anew) and kept
	// across restarts on the same plain port.
	plain, tlsPort := 0, 0
	sp := redisSpec(o, func(port int, dir string) []string {
		if port != plain || tlsPort == 0 {
			plain, tlsPort = port, 0
			for range 50 {
				if q, err := FreePort(); err == nil && q != port {
					tlsPort = q
					break
				}
			}
		}
		return []string{
			"--tls-port", strconv.Itoa(tlsPort),
			"--tls-cert-file", certs.CertFile,
			"--tls-key-file", certs.KeyFile,
			"--tls-ca-cert-file", certs.CAFile,
			"--tls-auth-clients", "optional",
		}
	})
	s := launch(t, sp)
	return &TLSServer{Server: s, TLSAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))}
}
