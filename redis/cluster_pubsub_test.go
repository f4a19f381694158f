package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// clusterPubSub returns a ClusterClient on cl, with short backoffs, and
// a ClusterPubSub on it whose messages go to the channel returned.
func clusterPubSub(t *testing.T, cl *testenv.Cluster, name string, minRefresh time.Duration) (*redis.ClusterClient, *redis.ClusterPubSub, chan redis.Message) {
	t.Helper()
	l := startLoop(t)
	c, err := redis.NewCluster(l, cl.Addrs(), redis.ClusterOptions{
		Options:            redis.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, ClientName: name},
		MinRefreshInterval: minRefresh,
	})
	ok(t, err)
	t.Cleanup(c.Close)
	msgs := make(chan redis.Message, 1000)
	ps := c.PubSub(func(m redis.Message) {
		select {
		case msgs <- m:
		default: // the test has stopped reading
		}
	})
	t.Cleanup(ps.Close)
	return c, ps, msgs
}

// delivered publishes to channel (with SPUBLISH if shard) until a message
// of its own arrives, draining the others.
func delivered(t *testing.T, s *redis.ClusterSync, msgs <-chan redis.Message, channel string, shard bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		payload := fmt.Sprint("m", i)
		var err error
		if shard {
			_, err = s.SPublish(ctx(t), channel, payload)
		} else {
			_, err = s.Publish(ctx(t), channel, payload)
		}
		if err != nil && !errors.Is(err, redis.ErrRetryTimeout) && !errors.Is(err, redis.ErrConnLost) {
			t.Fatalf("publish to %s: %v", channel, err)
		}
		wait := time.After(200 * time.Millisecond)
	drain:
		for {
			select {
			case m := <-msgs:
				if m.Channel == channel && m.Payload == payload {
					return
				}
			case <-wait:
				break drain
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message on %s (shard %v) after %d publications", channel, shard, i+1)
		}
	}
}

// subscriberOn reports whether node has a connection named name whose
// last command was cmd.
func subscriberOn(t *testing.T, node *redis.Sync, name, cmd string) bool {
	t.Helper()
	list := must[string](t)(must[redisValue](t)(node.Do(ctx(t), "CLIENT", "LIST")).Str())
	for line := range strings.SplitSeq(list, "\n") {
		if strings.Contains(line, " name="+name+" ") && strings.Contains(line, " cmd="+cmd+" ") {
			return true
		}
	}
	return false
}

// The master serving a shard channel's slot, and the connection of the
// classic channels, is killed; its replica takes over. The ClusterPubSub
// subscribes both again on the promoted replica (or another master) and
// keeps delivering. Meanwhile: a shard subscription made while the node
// is down resolves once the cluster has healed (or, awaited with a short
// context, fails with the context's error); an SUnsubscribe completes
// and is not undone by the move; and Close, at the end, leaves nothing
// running.
func TestClusterPubSubFailover(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3, testenv.Replicas(1))
	c, ps, msgs := clusterPubSub(t, cl, "cps", 0)
	s := c.Sync()
	l := startLoop(t)
	m, r := cl.Nodes[0], cl.Nodes[3]
	ma := admin(t, l, m.Addr)
	shard := ownKey(t, ma, "sch:")
	gone := ownKey(t, ma, "gone:")
	later := ownKey(t, ma, "later:")
	abandoned := ownKey(t, ma, "abandoned:")
	classic := ownKey(t, ma, "ch:") // the classic connection goes to its slot's master
	ok(t, errOf(ps.Subscribe(classic).Await(ctx(t))))
	ok(t, errOf(ps.SSubscribe(shard, gone).Await(ctx(t))))
	if !subscriberOn(t, ma, "cps", "subscribe") || !subscriberOn(t, ma, "cps", "ssubscribe") {
		t.Fatal("the subscriptions are not on the master about to be killed")
	}
	delivered(t, s, msgs, shard, true)
	delivered(t, s, msgs, gone, true)
	delivered(t, s, msgs, classic, false)

	m.Kill()
	short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
	defer cancel()
	if _, err := ps.SSubscribe(abandoned).Await(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SSubscribe awaited with a short context during the failover = %v, want DeadlineExceeded", err)
	}
	fLater := ps.SSubscribe(later)
	ok(t, errOf(ps.SUnsubscribe(gone).Await(ctx(t))))
	waitCluster(t, "the replica promoted", func() bool { return cl.Role(r) == "master" })
	cl.WaitOK()

	ok(t, errOf(fLater.Await(ctx(t))))
	delivered(t, s, msgs, shard, true)
	delivered(t, s, msgs, later, true)
	delivered(t, s, msgs, classic, false)
	eq(t, "SPUBLISH receivers of an unsubscribed channel", must[int64](t)(s.SPublish(ctx(t), gone, "x")), 0)
	ra := admin(t, l, r.Addr)
	if !subscriberOn(t, ra, "cps", "ssubscribe") {
		t.Error("the shard channels are not on the promoted replica")
	}
}

// A slot moves to another master (CLUSTER SETSLOT ... NODE): its old
// master unsubscribes the slot's shard channels by itself, and the
// ClusterPubSub subscribes them on the new one. A channel of another slot
// on the same node stays where it is. A ClusterPubSub whose map is stale
// subscribes at the old master, which answers MOVED: it subscribes at
// the new one.
func TestClusterPubSubSlotMigrated(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	c, ps, msgs := clusterPubSub(t, cl, "cpsm", 0)
	s := c.Sync()
	l := startLoop(t)
	from, to := admin(t, l, cl.Nodes[0].Addr), admin(t, l, cl.Nodes[1].Addr)
	a := ownKey(t, from, "mig:a:")
	b := a
	for i := 0; redis.Slot(b) == redis.Slot(a); i++ {
		b = ownKey(t, from, fmt.Sprintf("mig:b:%d:", i))
	}
	ok(t, errOf(ps.SSubscribe(a, b).Await(ctx(t))))
	delivered(t, s, msgs, a, true)
	delivered(t, s, msgs, b, true)

	// A second subscriber, whose map is read before the migration and
	// not refreshed for an hour after the first.
	c2, ps2, msgs2 := clusterPubSub(t, cl, "cpsm2", time.Hour)
	ok(t, errOf(c2.Masters().Await(ctx(t))))

	toID := must[string](t)(must[redisValue](t)(to.Do(ctx(t), "CLUSTER", "MYID")).Str())
	for _, n := range []*redis.Sync{to, from, admin(t, l, cl.Nodes[2].Addr)} {
		do(t, n, "CLUSTER", "SETSLOT", redis.Slot(a), "NODE", toID)
	}
	delivered(t, s, msgs, a, true)
	delivered(t, s, msgs, b, true)
	if !subscriberOn(t, to, "cpsm", "ssubscribe") {
		t.Error("the migrated slot's channel is not subscribed on its new master")
	}

	// The second subscriber's SSUBSCRIBE goes to the old master, which
	// answers MOVED: it is made on the new one instead.
	ok(t, errOf(ps2.SSubscribe(a).Await(ctx(t))))
	delivered(t, s, msgs2, a, true)
	eq(t, "MOVED replies followed by the second subscriber", c2.Stats().Moved, 1)
}

// Closing a ClusterPubSub while its node is down, or closing its
// ClusterClient, fails what waits with ErrClosed and leaves nothing
// running.
func TestClusterPubSubCloseDuringFailover(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	c, ps, _ := clusterPubSub(t, cl, "cpsc", 0)
	l := startLoop(t)
	ma := admin(t, l, cl.Nodes[0].Addr)
	ch := ownKey(t, ma, "cl:")
	ok(t, errOf(ps.SSubscribe(ch).Await(ctx(t))))
	ok(t, errOf(ps.Subscribe(ch).Await(ctx(t))))
	cl.Nodes[0].Kill()
	f := ps.SSubscribe(ch + ":more")
	ps.Close()
	if _, err := f.Await(ctx(t)); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("SSubscribe pending at Close = %v, want ErrClosed", err)
	}
	if _, err := ps.Subscribe("x").Await(ctx(t)); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}

	ps2 := c.PubSub(func(redis.Message) {})
	f2 := ps2.SSubscribe(ch)
	c.Close()
	if _, err := f2.Await(ctx(t)); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("SSubscribe pending at the ClusterClient's Close = %v, want ErrClosed", err)
	}
}

// A master's shard connection closes once every shard channel on it is
// unsubscribed, and only then; a later SSubscribe opens a new one.
func TestClusterPubSubClosesIdleShardConn(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	c, ps, msgs := clusterPubSub(t, cl, "cps-idle", 0)
	s := c.Sync()
	ma := admin(t, startLoop(t), cl.Nodes[0].Addr)
	a, b := ownKey(t, ma, "a:"), ownKey(t, ma, "b:")
	ok(t, errOf(ps.SSubscribe(a, b).Await(ctx(t))))
	if !subscriberOn(t, ma, "cps-idle", "ssubscribe") {
		t.Fatal("no shard connection on the channels' master")
	}
	ok(t, errOf(ps.SUnsubscribe(a).Await(ctx(t))))
	delivered(t, s, msgs, b, true) // b still holds the connection
	ok(t, errOf(ps.SUnsubscribe(b).Await(ctx(t))))
	// The ClusterClient's own connections have the same name: look for
	// the subscriber by its last command.
	eventually(t, "the idle shard connection to close", func() bool { return !subscriberOn(t, ma, "cps-idle", "sunsubscribe") })
	ok(t, errOf(ps.SSubscribe(a).Await(ctx(t))))
	delivered(t, s, msgs, a, true)
}

// classicOn reports whether node has the classic subscriber of a
// ClusterPubSub whose connections are named name: a connection of that
// name whose last command was a (un)subscription to channels or
// patterns. The ClusterClient's own connections have the same name, and
// run other commands.
func classicOn(t *testing.T, node *redis.Sync, name string) bool {
	t.Helper()
	for _, cmd := range []string{"subscribe", "psubscribe", "unsubscribe", "punsubscribe"} {
		if subscriberOn(t, node, name, cmd) {
			return true
		}
	}
	return false
}

// The classic connection (channels and patterns) is closed once its last
// channel and pattern are unsubscribed, and the next Subscribe or
// PSubscribe opens a new one, which delivers.
func TestClusterPubSubClosesIdleClassicConn(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	c, ps, msgs := clusterPubSub(t, cl, "cps-classic", 0)
	s := c.Sync()
	ma := admin(t, startLoop(t), cl.Nodes[0].Addr)
	// The classic connection goes to the master of its first channel's
	// slot: node 0, each time it is opened.
	ch, pat := ownKey(t, ma, "ch:"), ownKey(t, ma, "pat:")
	ok(t, errOf(ps.Subscribe(ch).Await(ctx(t))))
	ok(t, errOf(ps.PSubscribe(pat+"*").Await(ctx(t))))
	if !subscriberOn(t, ma, "cps-classic", "psubscribe") {
		t.Fatal("no classic connection on the first channel's master")
	}
	ok(t, errOf(ps.Unsubscribe(ch).Await(ctx(t))))
	delivered(t, s, msgs, pat+"x", false) // the pattern still holds the connection
	ok(t, errOf(ps.PUnsubscribe(pat+"*").Await(ctx(t))))
	eventually(t, "the idle classic connection to close", func() bool { return !classicOn(t, ma, "cps-classic") })

	ok(t, errOf(ps.Subscribe(ch).Await(ctx(t))))
	delivered(t, s, msgs, ch, false)
	ok(t, errOf(ps.PSubscribe(pat+"*").Await(ctx(t))))
	delivered(t, s, msgs, pat+"y", false)
	if !subscriberOn(t, ma, "cps-classic", "psubscribe") {
		t.Fatal("the classic connection was not opened again on the first channel's master")
	}
}

// Changes racing the close of the idle classic connection: a Subscribe
// sent while the last Unsubscribe waits for its confirmation keeps the
// connection (and its channel delivers), and a subscription unsubscribed
// before its connection was even made leaves no connection behind.
func TestClusterPubSubClassicCloseRaces(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	c, ps, msgs := clusterPubSub(t, cl, "cps-race", 0)
	s := c.Sync()
	ma := admin(t, startLoop(t), cl.Nodes[0].Addr)
	a, b := ownKey(t, ma, "a:"), ownKey(t, ma, "b:")

	ok(t, errOf(ps.Subscribe(a).Await(ctx(t))))
	fu, fs := ps.Unsubscribe(a), ps.Subscribe(b) // sent in one loop turn
	ok(t, errOf(fu.Await(ctx(t))))
	ok(t, errOf(fs.Await(ctx(t))))
	delivered(t, s, msgs, b, false)
	ok(t, errOf(ps.Unsubscribe(b).Await(ctx(t))))
	eventually(t, "the idle classic connection to close", func() bool { return !classicOn(t, ma, "cps-race") })

	// Unsubscribed before the new connection has subscribed anything.
	fs, fu = ps.Subscribe(a), ps.Unsubscribe(a)
	ok(t, errOf(fs.Await(ctx(t))))
	ok(t, errOf(fu.Await(ctx(t))))
	eventually(t, "the classic connection to close", func() bool { return !classicOn(t, ma, "cps-race") })
	ok(t, errOf(ps.PSubscribe(b+"*").Await(ctx(t))))
	delivered(t, s, msgs, b+"z", false)
}
