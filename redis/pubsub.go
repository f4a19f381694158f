package redis

import (
	"errors"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// Message is a message received by a PubSub.
type Message struct {
	// Kind is "message" (SUBSCRIBE), "pmessage" (PSUBSCRIBE) or
	// "smessage" (SSUBSCRIBE).
	Kind string
	// Pattern is the pattern that matched, for a pmessage.
	Pattern string
	// Channel is the channel the message was published to.
	Channel string
	// Payload is the message.
	Payload string
}

// PubSub is a subscriber on a connection of its own, made with the
// Client's options (RESP3 pushes, or RESP2 arrays). Messages go to the
// handler given to Client.PubSub, on the loop, in the order they arrive.
//
// The subscriptions are the PubSub's state: after the connection drops,
// it is made again with backoff and every channel, pattern and shard
// channel is subscribed again before anything else; messages published
// meanwhile are lost, as pub/sub does not keep them. A subscription the
// server refuses (an ACL without the channel) fails its future and is not
// kept, so that it is not sent again after a reconnect, where the server
// would refuse the command carrying it and the channels beside it. Shard
// channels are subscribed again with one SSUBSCRIBE per slot, as a
// cluster node refuses one spanning slots; those the server unsubscribes
// by itself (a cluster node no longer serving their slot) are dropped.
// Made on a cluster node's Client, a PubSub stays with that node: it does
// not follow a slot that moves or a master that fails over;
// ClusterClient.PubSub does.
//
// Its methods are safe for concurrent use.
type PubSub struct {
	c       *Client
	handler func(Message)
	// owner is the cluster subscriber ps works for, which moves its
	// subscriptions when its node goes (nil for Client.PubSub).
	owner *ClusterPubSub

	// Loop-only state.
	addr     string // the node's address (a cluster's classic subscriber changes it)
	conn     *eddy.Conn
	dec      resp.Decoder
	ready    bool // handshake done, subscriptions restored
	proto    int  // protocol of the current handshake
	hsWait   int  // handshake replies still expected
	closed   bool
	attempts int
	timer    *eddy.Timer        // the next connection attempt
	hsTimer  *eddy.Timer        // the handshake's deadline
	subs     [3]map[string]bool // desired channels, patterns, shard channels
	waiting  []*subWait         // commands written, in order
	resumed  []*subWait         // changes waiting for the connection
}

// subWait is a (un)subscribe command waiting for its n confirmations, or
// a change made while the connection was down, waiting to be sent.
type subWait struct {
	n    int
	p    *future.Promise[struct{}] // nil for the resubscription
	kind int
	sub  bool
	// names are, for a subscribe, the names it added to subs (those it
	// sends again after a reconnect), and for a resubscription the names
	// it sent: if the server refuses the command, they are dropped from
	// subs, so that they do not make the next resubscription fail too.
	names []string
}

// The three kinds of subscription.
const (
	subChannel = iota
	subPattern
	subShard
)

var (
	subCmds   = [3]string{"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"}
	unsubCmds = [3]string{"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"}
)

// PubSub returns a subscriber whose messages go to handler, which runs on
// the loop and must not block. It connects at once. Close it when done.
// Safe for concurrent use.
func (c *Client) PubSub(handler func(Message)) *PubSub {
	ps := newPubSub(c, c.addr, handler, nil)
	if c.loop.Post(ps.dial) != nil {
		ps.closed = true
	}
	return ps
}

// newPubSub returns a subscriber to addr, not yet connecting.
func newPubSub(c *Client, addr string, handler func(Message), owner *ClusterPubSub) *PubSub {
	ps := &PubSub{c: c, handler: handler, owner: owner, addr: addr}
	for i := range ps.subs {
		ps.subs[i] = map[string]bool{}
	}
	return ps
}

// Subscribe subscribes to channels. The future resolves once the server
// has confirmed them all. Safe for concurrent use.
func (ps *PubSub) Subscribe(channels ...string) *future.Future[struct{}] {
	return ps.change(subChannel, true, channels)
}

// PSubscribe subscribes to the channels matching patterns. Safe for
// concurrent use.
func (ps *PubSub) PSubscribe(patterns ...string) *future.Future[struct{}] {
	return ps.change(subPattern, true, patterns)
}

// SSubscribe subscribes to shard channels (Redis 7). Safe for concurrent
// use.
func (ps *PubSub) SSubscribe(channels ...string) *future.Future[struct{}] {
	return ps.change(subShard, true, channels)
}

// Unsubscribe unsubscribes from channels. Safe for concurrent use.
func (ps *PubSub) Unsubscribe(channels ...string) *future.Future[struct{}] {
	return ps.change(subChannel, false, channels)
}

// PUnsubscribe unsubscribes from patterns. Safe for concurrent use.
func (ps *PubSub) PUnsubscribe(patterns ...string) *future.Future[struct{}] {
	return ps.change(subPattern, false, patterns)
}

// SUnsubscribe unsubscribes from shard channels. Safe for concurrent use.
func (ps *PubSub) SUnsubscribe(channels ...string) *future.Future[struct{}] {
	return ps.change(subShard, false, channels)
}

func (ps *PubSub) change(kind int, sub bool, names []string) *future.Future[struct{}] {
	f, p := future.New[struct{}](ps.c.loop)
	if len(names) == 0 {
		p.Reject(ErrNoChannels)
		return f
	}
	names = append([]string(nil), names...)
	if err := ps.c.loop.Post(func() { ps.apply(kind, sub, names, p) }); err != nil {
		p.Reject(errors.Join(ErrClosed, err))
	}
	return f
}

// apply makes a change of subscriptions: it records it and sends it, or
// keeps it for the next connection. p, if not nil, settles once the
// server has confirmed every name. Loop-only.
func (ps *PubSub) apply(kind int, sub bool, names []string, p *future.Promise[struct{}]) {
	if ps.closed {
		if p != nil {
			p.Reject(ErrClosed)
		}
		return
	}
	w := &subWait{n: len(names), p: p, kind: kind, sub: sub}
	for _, n := range names {
		if !sub {
			delete(ps.subs[kind], n)
		} else if !ps.subs[kind][n] {
			ps.subs[kind][n] = true
			w.names = append(w.names, n)
		}
	}
	if !ps.ready {
		// Restored with every other subscription once connected.
		ps.resumed = append(ps.resumed, w)
		return
	}
	name := unsubCmds[kind]
	if sub {
		name = subCmds[kind]
	}
	ps.waiting = append(ps.waiting, w)
	if err := ps.conn.Write(resp.NewCommand(nil).Str(name).Strs(names...).Finish()); err != nil {
		// Not sent (the write queue is full, or the connection is
		// going): its confirmations would be counted against the
		// wrong command. Drop the connection instead; the
		// resubscription after the reconnect carries this change and
		// settles p.
		ps.waiting = ps.waiting[:len(ps.waiting)-1]
		ps.resumed = append(ps.resumed, w)
		ps.conn.Abort()
	}
}

// Close unsubscribes from everything by closing the connection. Futures
// still waiting fail with ErrClosed. Safe for concurrent use.
func (ps *PubSub) Close() {
	ps.c.loop.Post(func() { ps.shutdown(ErrClosed) })
}

// shutdown closes ps for good: its connection and timers stop, and the
// futures still waiting fail with err. A cluster subscriber handing its
// waiters over to other nodes takes them out first. Loop-only.
func (ps *PubSub) shutdown(err error) {
	if ps.closed {
		return
	}
	ps.closed = true
	if ps.timer != nil {
		ps.timer.Stop()
		ps.timer = nil
	}
	ps.stopHandshakeTimer()
	if c := ps.conn; c != nil {
		ps.conn = nil // its OnClose is not ours any more
		c.Close()
	}
	ps.ready = false
	ps.failAll(err)
}

func (ps *PubSub) failAll(err error) {
	for _, w := range ps.waiting {
		if w.p != nil {
			w.p.Reject(err)
		}
	}
	for _, w := range ps.resumed {
		if w.p != nil {
			w.p.Reject(err)
		}
	}
	ps.waiting, ps.resumed = nil, nil
}

// Publish posts message to channel and returns the number of subscribers
// that received it. Safe for concurrent use.
func (c *cmds) Publish(channel, message string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "PUBLISH", channel, message), 0, intReply)
}

// SPublish posts message to the shard channel channel (Redis 7). Safe for
// concurrent use.
func (c *cmds) SPublish(channel, message string) *future.Future[int64] {
	return callAs(c, resp.AppendCommand(nil, "SPUBLISH", channel, message), 0, intReply)
}
