// Package testenv starts real servers for eddy's tests: redis-server
// (alone or as a cluster, with or without replicas, plain or over TLS),
// beanstalkd, dnsmasq and nginx, with throwaway TLS certificates
// ([NewCerts]) for the TLS ones. eddy's tests run against real servers,
// never mocks.
//
// Each server is a direct child of the test process, listening on an
// ephemeral port of 127.0.0.1, with its data and log in a fresh t.TempDir.
// The start functions return once the server answers a protocol-level
// request (redis PING, beanstalkd stats, a DNS query, an HTTP request),
// and register a cleanup that stops the server and reaps it:
//
//	func TestGet(t *testing.T) {
//		srv := testenv.Redis(t)
//		c := dial(t, srv.Addr)
//		...
//	}
//
// [Server.Stop], [Server.Kill], [Server.Start] and [Server.Restart] let a
// test take a server down and bring it back on the same port, to exercise
// reconnects. A [RedisCluster] started with [Replicas] serves failover
// tests: [Cluster.Role], [Cluster.Masters] and [Cluster.ReplicasOf] ask
// the nodes for their roles, [Cluster.BusPort] gives a node's bus port,
// and a killed master comes back on its port as a replica.
//
// # Missing servers
//
// Server binaries are looked up in $EDDY_TESTBIN/bin (by default
// $HOME/.cache/eddy-testbin/bin, where `make deps` puts servers built from
// Go source), then on PATH, then in /usr/local/sbin, /usr/sbin and /sbin.
// When one is missing, the test is skipped with a hint (run `make deps`), or
// fails if the environment has EDDY_REQUIRE_SERVERS=1, as `make test` and CI
// do, so that a broken install cannot pass as a green run.
//
// # Rules
//
// The start functions, [Server.Start] and [Server.Restart] report failure
// with t.Fatalf, so they must be called from the test's goroutine.
// [Server.Stop] and [Server.Kill] are safe from any goroutine. The package
// uses only the standard library, so that it can test every eddy package.
//
// # Portability
//
// On Linux each server gets a parent-death signal, so servers die with a
// test binary that is killed (for example by -timeout) before its cleanups
// run; elsewhere such servers outlive it. Stopping uses SIGTERM (then
// SIGKILL) on Unix and kills at once on Windows.
package testenv
