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
	// TLSAddr is the "127.0.0.1:port" of the TLS listener: the port after
	// Server.Port. Addr, in plain text, is what the harness checks.
	TLSAddr string
}

// RedisTLS starts a redis-server as [Redis] does, listening with TLS on
// the port after its plain one too:
//
//	--tls-port P+1 --tls-cert-file ... --tls-key-file ...
//	--tls-ca-cert-file ... --tls-auth-clients optional
//
// with the server certificate of certs (see [NewCerts]). Clients need not
// present a certificate. The redis-server must be built with TLS (Debian's
// is).
func RedisTLS(t testing.TB, certs *Certs, opts ...Option) *TLSServer {
	t.Helper()
	o := newOptions(opts)
	if o.maxJobSize != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, not Redis")
	}
	sp := redisSpec(o, func(port int, dir string) []string {
		return []string{
			"--tls-port", strconv.Itoa(port + 1),
			"--tls-cert-file", certs.CertFile,
			"--tls-key-file", certs.KeyFile,
			"--tls-ca-cert-file", certs.CAFile,
			"--tls-auth-clients", "optional",
		}
	})
	sp.portOK = func(port int) bool { return port+1 <= 65535 && portFree("tcp", port+1) }
	s := launch(t, sp)
	return &TLSServer{Server: s, TLSAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port+1))}
}
