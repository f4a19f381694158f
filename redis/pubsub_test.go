package redis_test

import (
	"errors"
	"fmt"
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
	c := ctx(t)
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
