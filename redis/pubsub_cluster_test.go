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

// A subscriber to two shard channels of one cluster node, in different
// slots (each SSUBSCRIBE of its own, since a cluster refuses one naming
// several slots with CROSSSLOT), loses its connection: both are
// subscribed again, so that SPUBLISH reaches it, instead of being sent
// together, refused, and silently dropped.
func TestPubSubShardResubscribeCluster(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	l := startLoop(t)
	node := cl.Nodes[0]
	for _, p := range []int{2, 3} {
		name := fmt.Sprint("shardsub", p)
		c := dialClient(t, l, node, redis.Options{Protocol: p, ClientName: name})
		s := c.Sync()
		cx := ctx(t)
		a := ownKey(t, s, "sch:a:")
		b := a
		for i := 0; redis.Slot(b) == redis.Slot(a); i++ {
			b = ownKey(t, s, fmt.Sprintf("sch:b:%d:", i))
		}
		msgs := make(chan redis.Message, 100)
		ps := c.PubSub(func(m redis.Message) { msgs <- m })
		t.Cleanup(ps.Close)
		ok(t, errOf(ps.SSubscribe(a).Await(cx)))
		ok(t, errOf(ps.SSubscribe(b).Await(cx)))
		for _, ch := range []string{a, b} {
			eq(t, "receivers of "+ch, must[int64](t)(s.SPublish(cx, ch, "before")), 1)
			eq(t, "message on "+ch, recv(t, msgs).Channel, ch)
		}

		// Drop the subscriber's connection.
		list := must[string](t)(must[redisValue](t)(s.Do(cx, "CLIENT", "LIST")).Str())
		var addr string
		for line := range strings.SplitSeq(list, "\n") {
			if strings.Contains(line, " name="+name+" ") && strings.Contains(line, "cmd=ssubscribe") {
				for f := range strings.FieldsSeq(line) {
					if v, found := strings.CutPrefix(f, "addr="); found {
						addr = v
					}
				}
			}
		}
		if addr == "" {
			t.Fatalf("no subscriber named %s in CLIENT LIST:\n%s", name, list)
		}
		do(t, s, "CLIENT", "KILL", "ADDR", addr)

		for _, ch := range []string{a, b} {
			eventually(t, "resubscribed to "+ch, func() bool {
				n, err := s.SPublish(cx, ch, "after")
				return err == nil && n == 1
			})
			for m := recv(t, msgs); m.Channel != ch || m.Payload != "after"; m = recv(t, msgs) {
			}
		}
		ps.Close()
	}
}

// A cluster node that stops serving a slot unsubscribes its subscribers
// from the slot's shard channels itself, with an "sunsubscribe" no command
// asked for. It arrives here while SSUBSCRIBE b and SSUBSCRIBE z are
// waiting for the server (which sleeps, then drops the slot, then reads
// them), z being a channel the node does not serve: it must not count as
// b's confirmation, else b's would count as z's, and z, refused with
// MOVED, would resolve as subscribed.
func TestPubSubShardDroppedByServer(t *testing.T) {
	leakcheck.Check(t)
	cl := testenv.RedisCluster(t, 3)
	l := startLoop(t)
	node, other := cl.Nodes[0], cl.Nodes[1]
	c := dialClient(t, l, node, redis.Options{})
	s := c.Sync()
	cx := ctx(t)
	a := ownKey(t, s, "sch:a:")
	b := a
	for i := 0; redis.Slot(b) == redis.Slot(a); i++ {
		b = ownKey(t, s, fmt.Sprintf("sch:b:%d:", i))
	}
	z := ownKey(t, admin(t, l, other.Addr), "sch:z:")
	otherID := must[string](t)(must[redisValue](t)(admin(t, l, other.Addr).Do(cx, "CLUSTER", "MYID")).Str())
	ps := c.PubSub(func(redis.Message) {})
	t.Cleanup(ps.Close)
	ok(t, errOf(ps.SSubscribe(a).Await(cx)))

	// The node sleeps, then gives a's slot away at once: both come in one
	// write, so it runs them back to back, before reading the others.
	var batch redis.Batch
	batch.Do("DEBUG", "SLEEP", 2)
	batch.Do("CLUSTER", "SETSLOT", redis.Slot(a), "NODE", otherID)
	slept := c.Exec(&batch)
	probe := dialClient(t, l, node, redis.Options{}).Sync()
	eventually(t, "the node asleep", func() bool {
		pcx, cancel := context.WithTimeout(cx, 200*time.Millisecond)
		defer cancel()
		_, err := probe.Do(pcx, "PING")
		return errors.Is(err, context.DeadlineExceeded)
	})
	fb, fz := ps.SSubscribe(b), ps.SSubscribe(z)
	for i, r := range must[[]redis.BatchResult](t)(slept.Await(cx)) {
		if r.Err != nil {
			t.Fatalf("batch command %d: %v", i, r.Err)
		}
	}
	ok(t, errOf(fb.Await(cx)))
	var re *redis.Error
	if _, err := fz.Await(cx); !errors.As(err, &re) || re.Code != "MOVED" {
		t.Fatalf("SSubscribe of a channel the node does not serve = %v, want MOVED", err)
	}
	eq(t, "receivers of b", must[int64](t)(s.SPublish(cx, b, "bee")), 1)
}
