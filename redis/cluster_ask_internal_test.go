package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/testenv"
)

// A command redirected by ASK goes out right behind its ASKING even if it
// is cancelled meanwhile: dropped from the batch, it would leave the
// ASKING flag to the next command on that connection, which a node
// importing the slot would then run instead of redirecting it.
func TestAskCancelKeepsAsking(t *testing.T) {
	leakcheck.Check(t)
	l := looptest.Start(t)
	cl := testenv.RedisCluster(t, 3)
	cx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := NewCluster(l, cl.Addrs()[:1], ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const tag = "{ask-cancel}"
	slot := Slot(tag)
	// Find the slot's master and another one, which imports the slot.
	var src, dst *Client
	for _, addr := range cl.Addrs() {
		n, err := Dial(l, addr, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if _, err := n.Exists(tag).Await(cx); err == nil {
			src = n
		} else if dst == nil {
			dst = n
		}
	}
	if src == nil || dst == nil {
		t.Fatal("no owner or no importer for the slot")
	}
	srcID, err := src.Do("CLUSTER", "MYID").Await(cx)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := srcID.Str()
	if _, err := dst.Do("CLUSTER", "SETSLOT", slot, "IMPORTING", id).Await(cx); err != nil {
		t.Fatal(err)
	}
	defer dst.Do("CLUSTER", "SETSLOT", slot, "STABLE")
	if _, err := c.Masters().Await(cx); err != nil {
		t.Fatal(err)
	}

	// On the loop, in one turn: the ASK attempt on the importer, its
	// cancellation, then a command for the slot without ASKING.
	after := make(chan *future.Future[resp.Value], 1)
	if err := l.Post(func() {
		f, p := future.New[resp.Value](l)
		r := &clusterReq{cmd: resp.AppendCommand(nil, "SET", tag+"a", "asked"), slot: slot, p: p}
		p.OnCancel(func(cause error) {
			if r.cur != nil {
				r.cur.Cancel(cause)
			}
		})
		n := c.node(dst.Addr())
		// The callbacks of futures and the cancellation hooks run in
		// the order queued, in one drain, before the batch is written.
		future.Resolved(l, 0).OnSettle(func(int, error) { c.attempt(n, r, true) })
		f.Cancel(errors.New("gave up"))
		future.Resolved(l, 0).OnSettle(func(int, error) { after <- n.Do("SET", tag+"b", "not asked") })
	}); err != nil {
		t.Fatal(err)
	}
	_, err = (<-after).Await(cx)
	var re *Error
	if !errors.As(err, &re) || re.Code != "MOVED" {
		t.Fatalf("a command without ASKING on the importing node = %v, want MOVED", err)
	}
}
