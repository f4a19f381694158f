package redis_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
	"github.com/eddy-go/eddy/tlsx"
)

// A redis-server with --tls-port: the shared connection, a dedicated one
// (BLPOP) and pub/sub all run over TLS, with the certificate verified;
// without the CA, commands fail typed.
func TestTLS(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	srv := testenv.RedisTLS(t, certs)
	l := startLoop(t)
	c := ctx(t)

	cl, err := redis.Dial(l, srv.TLSAddr, redis.Options{
		TLSConfig:  &tls.Config{RootCAs: certs.CAPool},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	ok(t, err)
	defer cl.Close()
	s := cl.Sync()
	ok(t, errOf(s.Set(c, "k", "over tls", redis.SetOptions{})))
	eq(t, "Get", must[string](t)(s.Get(c, "k")), "over tls")
	eq(t, "protocol", cl.Protocol(), 3)
	ok(t, errOf(s.RPush(c, "q", "job")))
	eq(t, "BLPop over TLS", must[redis.KeyValue](t)(s.BLPop(c, time.Second, "q")).Value, "job")

	got := make(chan redis.Message, 1)
	ps := cl.PubSub(func(m redis.Message) { got <- m })
	defer ps.Close()
	ok(t, errOf(ps.Subscribe("ch").Await(c)))
	eq(t, "Publish", must[int64](t)(s.Publish(c, "ch", "hi")), 1)
	eq(t, "message", (<-got).Payload, "hi")

	// Verification is on by default: the system's roots do not know the
	// test CA.
	bad, err := redis.Dial(l, srv.TLSAddr, redis.Options{TLSConfig: &tls.Config{}, MinBackoff: time.Second})
	ok(t, err)
	defer bad.Close()
	err = bad.Sync().Ping(c)
	var uerr x509.UnknownAuthorityError
	if !errors.Is(err, redis.ErrConnLost) || !errors.Is(err, tlsx.ErrHandshake) || !errors.As(err, &uerr) {
		t.Fatalf("Ping to an unverified server = %v", err)
	}
}

// A three-master cluster whose nodes listen with TLS as well: seeded with
// one node's TLS address, the client learns the others' TLS ports from
// CLUSTER SHARDS and reaches every master over TLS with the certificate
// verified (a plain-text port would fail the handshake).
func TestClusterTLS(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	cl := testenv.RedisCluster(t, 3, testenv.TLS(certs))
	l := startLoop(t)
	cx := ctx(t)
	c, err := redis.NewCluster(l, cl.TLSAddrs()[:1], redis.ClusterOptions{
		Options: redis.Options{
			TLSConfig:  &tls.Config{RootCAs: certs.CAPool},
			MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		},
	})
	ok(t, err)
	defer c.Close()
	const n = 300
	sets := make([]*future.Future[bool], n)
	for i := range sets {
		sets[i] = c.Set(fmt.Sprint("key:", i), fmt.Sprint(i), redis.SetOptions{})
	}
	must[[]bool](t)(future.All(sets...).Await(cx))
	s := c.Sync()
	for i := range n {
		eq(t, "Get", must[string](t)(s.Get(cx, fmt.Sprint("key:", i))), fmt.Sprint(i))
	}
	masters := must[[]*redis.Client](t)(c.Masters().Await(cx))
	eq(t, "masters", len(masters), 3)
	tlsAddrs := map[string]bool{}
	for _, a := range cl.TLSAddrs() {
		tlsAddrs[a] = true
	}
	total := int64(0)
	for _, m := range masters {
		if !tlsAddrs[m.Addr()] {
			t.Errorf("master at %s, not a TLS address %v", m.Addr(), cl.TLSAddrs())
		}
		k := must[int64](t)(must[redisValue](t)(m.Do("DBSIZE").Await(cx)).Int())
		if k == 0 {
			t.Errorf("master %s holds no key", m.Addr())
		}
		total += k
	}
	eq(t, "keys on the masters", total, n)
}
