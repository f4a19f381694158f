package redis_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

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
