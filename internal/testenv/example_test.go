package testenv_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/eddy-go/eddy/internal/testenv"
)

// LookPath tells whether a server is installed; the start functions use it
// and skip (or fail) the test when it is not.
func ExampleLookPath() {
	_, err := testenv.LookPath("eddy-no-such-server")
	fmt.Println(errors.Is(err, testenv.ErrNotFound))
	// Output: true
}

// A test starts the servers it needs; they stop when it ends.
func ExampleRedis() {
	test := func(t *testing.T) {
		srv := testenv.Redis(t, testenv.Password("secret"))
		_ = srv.Addr // "127.0.0.1:port": dial it, AUTH with srv.Password
	}
	_ = test
}

// Restart takes a server down and back up on the same address, to test
// that a client reconnects.
func ExampleServer_Restart() {
	test := func(t *testing.T) {
		srv := testenv.Beanstalkd(t)
		// ... connect a client to srv.Addr ...
		srv.Restart()
		// ... the client should reconnect ...
	}
	_ = test
}

// A cluster of three masters covering all 16384 slots.
func ExampleRedisCluster() {
	test := func(t *testing.T) {
		c := testenv.RedisCluster(t, 3)
		_ = c.Addrs() // seed addresses for a cluster client
	}
	_ = test
}

// A DNS server with fixed records, for resolver tests.
func ExampleDnsmasq() {
	test := func(t *testing.T) {
		dns := testenv.Dnsmasq(t, testenv.DNSRecords{
			Hosts: []string{"db.example.test,192.0.2.7"},
			MX:    []string{"example.test,mail.example.test,10"},
		}, testenv.Args("--local=/example.test/"))
		_ = dns.Addr // UDP and TCP
	}
	_ = test
}
