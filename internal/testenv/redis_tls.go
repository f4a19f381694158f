package testenv

import (
	"net"
	"strconv"
	"sync"
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
	if o.maxJobSize != 0 || o.tls != nil || o.replicas != 0 {
		t.Fatalf("testenv: MaxJobSize applies to Beanstalkd, and the TLS and Replicas options to RedisCluster, not RedisTLS")
	}
	var ports tlsPorts
	sp := redisSpec(o, func(port int, dir string) []string {
		return tlsArgs(certs, ports.forPort(port))
	})
	s := launch(t, sp)
	return &TLSServer{Server: s, TLSAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.forPort(s.Port)))}
}

// tlsArgs are redis-server's arguments for a TLS listener on port.
func tlsArgs(certs *Certs, port int) []string {
	return []string{
		"--tls-port", strconv.Itoa(port),
		"--tls-cert-file", certs.CertFile,
		"--tls-key-file", certs.KeyFile,
		"--tls-ca-cert-file", certs.CAFile,
		"--tls-auth-clients", "optional",
	}
}

// tlsPorts picks a second free port (for TLS, or a cluster bus) for each
// plain port a server is started on (a start that lost its port to another process
// gets both anew), and keeps it across restarts on the same plain port.
// Safe for concurrent use: the nodes of a cluster start together.
type tlsPorts struct {
	mu sync.Mutex
	by map[int]int
}

func (tp *tlsPorts) forPort(port int) int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if q, ok := tp.by[port]; ok {
		return q
	}
	if tp.by == nil {
		tp.by = map[int]int{}
	}
	q := 0
	for range 50 {
		p, err := FreePort()
		if err == nil && p != port && !tp.taken(p) {
			q = p
			break
		}
	}
	tp.by[port] = q
	return q
}

// taken reports whether p is already some server's TLS port.
func (tp *tlsPorts) taken(p int) bool {
	for _, q := range tp.by {
		if q == p {
			return true
		}
	}
	return false
}
