package testenv

import "time"

// DefaultReadyTimeout is how long a start waits for a server to answer.
// It is generous because CI machines are small and busy.
const DefaultReadyTimeout = 15 * time.Second

// Option configures a server. Options that apply to one kind of server
// say so, and fail the test when given to another.
type Option func(*options)

type options struct {
	args         []string
	password     string
	maxJobSize   int
	readyTimeout time.Duration
	tls          *Certs
	replicas     int
}

func newOptions(opts []Option) options {
	o := options{readyTimeout: DefaultReadyTimeout}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Args appends command-line arguments to the server's own, for example
// Args("--maxmemory", "10mb") for redis-server, or an ACL user with
// Args("--user", "alice", "on", ">secret", "~*", "+@all").
func Args(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// Password makes redis-server require a password (requirepass) for the
// default user; the harness authenticates its own checks with it, and
// [Server.Password] reports it. Redis only.
func Password(pw string) Option {
	return func(o *options) { o.password = pw }
}

// MaxJobSize sets beanstalkd's maximum job size in bytes (-z). Beanstalkd
// only.
func MaxJobSize(n int) Option {
	return func(o *options) { o.maxJobSize = n }
}

// ReadyTimeout sets how long to wait for the server to answer (default
// [DefaultReadyTimeout]).
func ReadyTimeout(d time.Duration) Option {
	return func(o *options) { o.readyTimeout = d }
}

// TLS makes each node of a [RedisCluster] listen with TLS too, on a
// second free port, with the server certificate of certs; the cluster bus
// and the harness's own checks stay in plain text. [Cluster.TLSAddrs]
// gives the TLS addresses. Redis Cluster only ([RedisTLS] is the single
// server's form).
func TLS(certs *Certs) Option {
	return func(o *options) { o.tls = certs }
}

// Replicas gives each master of a [RedisCluster] n replicas (n >= 0), for
// failover tests. Redis Cluster only.
func Replicas(n int) Option {
	return func(o *options) { o.replicas = n }
}
