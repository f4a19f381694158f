package redis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

func recv(t *testing.T, ch <-chan redis.Message) redis.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no message")
		return redis.Message{}
	}
}

func TestPubSub(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t, testenv.Password("pw"))
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		cl := dialClient(t, l, srv, redis.Options{Protocol: p, Password: "pw"})
		s := cl.Sync()
		c := ctx(t)
		msgs := make(chan redis.Message, 100)
		ps := cl.PubSub(func(m redis.Message) { msgs <- m })
		t.Cleanup(ps.Close)
		ok(t, errOf(ps.Subscribe("news", "sport").Await(c)))
		ok(t, errOf(ps.PSubscribe("log.*").Await(c)))
		ok(t, errOf(ps.SSubscribe("shard").Await(c)))

		eq(t, "receivers", must[int64](t)(s.Publish(c, "news", "hello")), 1)
		eq(t, "message", recv(t, msgs), redis.Message{Kind: "message", Channel: "news", Payload: "hello"})
		must[int64](t)(s.Publish(c, "log.error", "disk"))
		eq(t, "pmessage", recv(t, msgs), redis.Message{Kind: "pmessage", Pattern: "log.*", Channel: "log.error", Payload: "disk"})
		must[int64](t)(s.SPublish(c, "shard", "s1"))
		eq(t, "smessage", recv(t, msgs), redis.Message{Kind: "smessage", Channel: "shard", Payload: "s1"})

		ok(t, errOf(ps.Unsubscribe("news").Await(c)))
		eq(t, "after unsubscribe", must[int64](t)(s.Publish(c, "news", "gone")), 0)
		must[int64](t)(s.Publish(c, "sport", "goal"))
		eq(t, "still subscribed", recv(t, msgs).Payload, "goal")
		ok(t, errOf(ps.PUnsubscribe("log.*").Await(c)))
		ok(t, errOf(ps.SUnsubscribe("shard").Await(c)))
		if _, err := ps.Subscribe().Await(c); !errors.Is(err, redis.ErrNoChannels) {
			t.Fatalf("Subscribe() = %v", err)
		}
		ps.Close()
		if _, err := ps.Subscribe("x").Await(c); !errors.Is(err, redis.ErrClosed) {
			t.Fatalf("Subscribe after Close = %v", err)
		}
	}
}

func TestPubSubResubscribe(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		cl := dialClient(t, l, srv, redis.Options{Protocol: p})
		s := cl.Sync()
		c := ctx(t)
		msgs := make(chan redis.Message, 100)
		ps := cl.PubSub(func(m redis.Message) { msgs <- m })
		t.Cleanup(ps.Close)
		ok(t, errOf(ps.Subscribe("a").Await(c)))
		ok(t, errOf(ps.PSubscribe("p.*").Await(c)))
		srv.Restart()
		// Once the subscriber is back, publishing reaches it.
		eventually(t, "resubscription", func() bool {
			n, err := s.Publish(c, "a", "again")
			return err == nil && n == 1
		})
		eq(t, "after restart", recv(t, msgs).Payload, "again")
		must[int64](t)(s.Publish(c, "p.x", "pat"))
		eq(t, "pattern after restart", recv(t, msgs).Channel, "p.x")
		// A subscription made while disconnected is made on connect.
		srv.Kill()
		f := ps.Subscribe("b")
		srv.Start()
		ok(t, errOf(f.Await(c)))
		eventually(t, "publish to b", func() bool {
			n, err := s.Publish(c, "b", "bee")
			return err == nil && n == 1
		})
		eq(t, "new channel", recv(t, msgs).Payload, "bee")
		ps.Close()
	}
}

// TestPubSubWriteQueueFull: a subscription change made while the
// subscriber's write queue is above its high water mark (behind a
// command much larger than the socket buffers) is not lost: the
// connection is made again with every subscription, and both futures
// resolve.
func TestPubSubWriteQueueFull(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := looptest.Start(t, eddy.WithWriteBuffer(16<<10, 64<<10))
	cl := dialClient(t, l, srv, redis.Options{})
	s := cl.Sync()
	// Not ctx(t)'s 20 s: 100,000 subscriptions under the race detector
	// take 15 s alone on this 2-core machine, more under load. This
	// bounds a hang, not speed.
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	msgs := make(chan redis.Message, 100)
	ps := cl.PubSub(func(m redis.Message) { msgs <- m })
	t.Cleanup(ps.Close)
	ok(t, errOf(ps.Subscribe("warm").Await(c)))
	many := make([]string, 100000)
	for i := range many {
		many[i] = fmt.Sprintf("bulk-%0110d", i) // 12 MiB in one command
	}
	first := ps.Subscribe(many...)
	second := ps.Subscribe("late")
	ok(t, errOf(first.Await(c)))
	ok(t, errOf(second.Await(c)))
	eq(t, "receivers", must[int64](t)(s.Publish(c, "late", "hi")), 1)
	eq(t, "message", recv(t, msgs), redis.Message{Kind: "message", Channel: "late", Payload: "hi"})
}

// A subscription the server refuses (here an ACL without the channel) is
// not kept: after a reconnect, the resubscription must not carry it, or
// the server would refuse the whole command and every other channel
// would be lost too. A refused subscription made while the connection is
// down fails alone, too.
func TestPubSubRefusedNotRestored(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t, testenv.Args("--user", "sub", "on", ">pw", "~*", "+@all", "resetchannels", "&ok*", "&ok.*"))
	l := startLoop(t)
	admin := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	for _, p := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", p), func(t *testing.T) {
			cl := dialClient(t, l, srv, redis.Options{Protocol: p, Username: "sub", Password: "pw"})
			msgs := make(chan redis.Message, 100)
			ps := cl.PubSub(func(m redis.Message) { msgs <- m })
			t.Cleanup(ps.Close)
			published := func(ch string) func() bool {
				return func() bool {
					n, err := admin.Publish(c, ch, "x")
					return err == nil && n == 1
				}
			}
			refused := func(err error) bool {
				var re *redis.Error
				return errors.As(err, &re) && re.Code == "NOPERM"
			}
			ok(t, errOf(ps.Subscribe("ok1").Await(c)))
			if _, err := ps.Subscribe("bad").Await(c); !refused(err) {
				t.Fatalf("Subscribe(bad) = %v, want NOPERM", err)
			}
			ok(t, errOf(ps.PSubscribe("ok.*").Await(c)))
			do(t, admin, "CLIENT", "KILL", "TYPE", "pubsub")
			eventually(t, "ok1 subscribed again", published("ok1"))
			eventually(t, "ok.* subscribed again", published("ok.x"))

			// Changes made while the server is away are sent after the
			// resubscription, each on its own.
			srv.Stop()
			bad, ok2 := ps.Subscribe("ok2", "bad2"), ps.Subscribe("ok3")
			srv.Start()
			if _, err := bad.Await(c); !refused(err) {
				t.Fatalf("Subscribe(ok2, bad2) while down = %v, want NOPERM", err)
			}
			ok(t, errOf(ok2.Await(c)))
			eventually(t, "ok1 subscribed after the restart", published("ok1"))
			eventually(t, "ok.* subscribed after the restart", published("ok.y"))
			eq(t, "ok3 subscribed", must[int64](t)(admin.Publish(c, "ok3", "x")), 1)
			eq(t, "ok2 not subscribed", must[int64](t)(admin.Publish(c, "ok2", "x")), 0)
			ok(t, errOf(ps.Unsubscribe("ok1").Await(c)))
			eq(t, "after unsubscribe", must[int64](t)(admin.Publish(c, "ok1", "gone")), 0)
		})
	}
}

// silentFirst listens on loopback and relays connections to addr, except
// the first n, which it accepts and never answers: a server that hangs
// after the connect.
func silentFirst(t *testing.T, addr string, n int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ok(t, err)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			track(c)
			if i < n {
				continue
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			track(s)
			// Plain copies: net's splice keeps pipes in a pool, which
			// leakcheck would count.
			relay := func(dst, src net.Conn) {
				io.Copy(struct{ io.Writer }{dst}, struct{ io.Reader }{src})
				dst.Close()
			}
			wg.Go(func() { relay(s, c) })
			wg.Go(func() { relay(c, s) })
		}
	})
	return ln.Addr().String()
}

// The subscriber's handshake is bounded by Options.DialTimeout, like that
// of every other connection: a server that accepts the connection but
// never answers does not hold the subscriptions for ever.
func TestPubSubHandshakeTimeout(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	admin := dialClient(t, l, srv, redis.Options{}).Sync()
	c := ctx(t)
	addr := silentFirst(t, srv.Addr, 2) // the shared connection's and the subscriber's
	for _, p := range []int{2, 3} {
		cl, err := redis.Dial(l, addr, redis.Options{Protocol: p, ClientName: "sub",
			DialTimeout: 200 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
		ok(t, err)
		t.Cleanup(cl.Close)
		msgs := make(chan redis.Message, 10)
		ps := cl.PubSub(func(m redis.Message) { msgs <- m })
		t.Cleanup(ps.Close)
		ok(t, errOf(ps.Subscribe("a").Await(c)))
		must[int64](t)(admin.Publish(c, "a", "hi"))
		eq(t, "message", recv(t, msgs).Payload, "hi")
		ps.Close()
	}
}

// While the subscriber is disconnected, a channel is unsubscribed (which
// sends nothing once connected: it is no longer subscribed) and another
// subscribed. The reconnect sends only SUBSCRIBE for the new channel; its
// confirmation is the subscribe's, not the unsubscribe's, whose future
// settles on its own: both resolve, and none waits for ever.
func TestPubSubChangesWhileDown(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Redis(t)
	l := startLoop(t)
	for _, p := range []int{2, 3} {
		cl := dialClient(t, l, srv, redis.Options{Protocol: p})
		s := cl.Sync()
		c := ctx(t)
		msgs := make(chan redis.Message, 100)
		ps := cl.PubSub(func(m redis.Message) { msgs <- m })
		t.Cleanup(ps.Close)
		ok(t, errOf(ps.Subscribe("x").Await(c)))
		srv.Kill()
		unsub := ps.Unsubscribe("x")
		sub := ps.Subscribe("y")
		srv.Start()
		ok(t, errOf(unsub.Await(c)))
		ok(t, errOf(sub.Await(c)))
		eventually(t, "publish to y", func() bool {
			n, err := s.Publish(c, "y", "why")
			return err == nil && n == 1
		})
		eq(t, "message", recv(t, msgs).Channel, "y")
		eq(t, "receivers of x", must[int64](t)(s.Publish(c, "x", "ex")), 0)
		ps.Close()
	}
}
