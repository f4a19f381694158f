package redis

import (
	"math/rand/v2"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// ClusterPubSub is a subscriber on a Redis Cluster that follows the
// cluster's topology. Messages go to the handler given to
// ClusterClient.PubSub, on the loop.
//
// Channels and patterns (Subscribe, PSubscribe) share one connection, to
// the master of the slot of the first name subscribed: PUBLISH reaches
// every node, so any node would do, and this spreads the subscribers of a
// cluster over its masters. Shard channels (SSubscribe) are subscribed on
// the master of their slot, one connection per master, since SPUBLISH
// reaches only the slot's nodes.
//
// When a connection drops or cannot be made (its master died), the slot
// map is refreshed (rate-limited as the ClusterClient's refreshes are)
// and, after a pause growing with backoff (Options.MinBackoff to
// MaxBackoff), the subscriptions are made again where the map says: the
// channels and patterns on the slot's master, or another master if that
// one failed; each shard channel on the current master of its slot. A
// shard channel the server unsubscribes by itself (its slot migrated)
// moves the same way; one refused with MOVED goes to the node named, as
// a command would. Until the cluster has promoted a replica, that is
// retried; a subscription made meanwhile resolves once it is made, so
// bound the wait with the context given to Await. Unsubscribing needs no
// node: a channel between nodes is just forgotten. Messages published
// while no connection was subscribed are lost, as pub/sub does not keep
// them.
//
// A connection is closed once it holds nothing: a master's shard
// connection once every shard channel on it is unsubscribed, the classic
// one once every channel and pattern is (the future of the last
// Unsubscribe or PUnsubscribe resolves after that). The next subscription
// opens a new one. Closing the ClusterClient closes cp too. Its methods
// are safe for concurrent use.
type ClusterPubSub struct {
	c       *ClusterClient
	handler func(Message)
	base    *Client // loop, options: what each subscriber needs of a Client

	// Loop-only state.
	closed   bool
	classic  *PubSub            // channels and patterns; nil before the first
	key      string             // the name that places classic (see place)
	failed   string             // the address classic last failed on
	nodes    map[string]*PubSub // shard subscribers by address
	shard    map[string]*PubSub // the shard channels wanted, with their subscriber (nil while moving)
	moves    []shardMove        // shard channels waiting for a node
	timer    *eddy.Timer        // the next attempt to place moves
	attempts int
}

// shardMove is a group of shard channels of one slot looking for the
// slot's master, with the future of the subscription that asked for them
// if it was not confirmed.
type shardMove struct {
	slot  int
	names []string
	p     *future.Promise[struct{}]
}

// PubSub returns a subscriber on the cluster whose messages go to
// handler, which runs on the loop and must not block. It connects on its
// first subscription, and follows failovers and slot migrations (see
// ClusterPubSub). Close it when done; closing c closes it too. Safe for
// concurrent use.
func (c *ClusterClient) PubSub(handler func(Message)) *ClusterPubSub {
	base := &Client{opts: c.opts.Options}
	base.cmds = cmds{loop: c.loop, x: base}
	cp := &ClusterPubSub{c: c, handler: handler, base: base, nodes: map[string]*PubSub{}, shard: map[string]*PubSub{}}
	if !c.onLoop(func() {
		if c.closed {
			cp.closed = true
			return
		}
		if c.pubsubs == nil {
			c.pubsubs = map[*ClusterPubSub]bool{}
		}
		c.pubsubs[cp] = true
	}) {
		cp.closed = true
	}
	return cp
}

// Subscribe subscribes to channels. The future resolves once the server
// has confirmed them all. Safe for concurrent use.
func (cp *ClusterPubSub) Subscribe(channels ...string) *future.Future[struct{}] {
	return cp.classicChange(subChannel, true, channels)
}

// PSubscribe subscribes to the channels matching patterns. Safe for
// concurrent use.
func (cp *ClusterPubSub) PSubscribe(patterns ...string) *future.Future[struct{}] {
	return cp.classicChange(subPattern, true, patterns)
}

// Unsubscribe unsubscribes from channels. Safe for concurrent use.
func (cp *ClusterPubSub) Unsubscribe(channels ...string) *future.Future[struct{}] {
	return cp.classicChange(subChannel, false, channels)
}

// PUnsubscribe unsubscribes from patterns. Safe for concurrent use.
func (cp *ClusterPubSub) PUnsubscribe(patterns ...string) *future.Future[struct{}] {
	return cp.classicChange(subPattern, false, patterns)
}

// classicChange sends a change of channels or patterns to the classic
// subscriber, made on the first subscription once there is a slot map.
func (cp *ClusterPubSub) classicChange(kind int, sub bool, names []string) *future.Future[struct{}] {
	return cp.whenMapped(names, func(names []string, p *future.Promise[struct{}]) {
		if cp.classic == nil && !sub {
			p.Resolve(struct{}{}) // nothing subscribed yet
			return
		}
		fresh := cp.classic == nil
		if fresh {
			cp.key = names[0]
			cp.classic = newPubSub(cp.base, "", cp.handler, cp)
		}
		ps := cp.classic
		// Once the change settles, ps may hold nothing any more (its last
		// name unsubscribed, or refused): closed then, before p settles,
		// so that the caller sees the change done.
		cf, cpr := future.New[struct{}](cp.c.loop)
		cf.OnSettle(func(_ struct{}, err error) {
			cp.closeIdleClassic(ps)
			if err != nil {
				p.Reject(err)
			} else {
				p.Resolve(struct{}{})
			}
		})
		ps.apply(kind, sub, names, cpr)
		if fresh {
			ps.dial()
		} else if !sub {
			// Not connected, the change waits for the connection; with
			// nothing left to subscribe, there is no need for one.
			cp.closeIdleClassic(ps)
		}
	})
}

// closeIdleClassic closes ps, the classic subscriber, once it holds no
// channel or pattern and waits for no confirmation: an idle connection
// would otherwise stay open for as long as cp. While ps is not connected
// (or its handshake is under way), the changes it keeps for the
// connection are settled instead: with nothing subscribed, the server has
// nothing to undo. The next Subscribe or PSubscribe opens a new
// subscriber. Loop-only.
func (cp *ClusterPubSub) closeIdleClassic(ps *PubSub) {
	if cp.closed || ps.closed || cp.classic != ps ||
		len(ps.subs[subChannel]) > 0 || len(ps.subs[subPattern]) > 0 || len(ps.waiting) > 0 ||
		(ps.ready && len(ps.resumed) > 0) {
		return
	}
	cp.classic = nil
	resumed := ps.resumed
	ps.resumed = nil
	ps.shutdown(ErrClosed)
	for _, w := range resumed {
		if w.p != nil {
			w.p.Resolve(struct{}{}) // as resume would: nothing to send
		}
	}
}

// whenMapped runs change on the loop once the cluster client has a slot
// map, with a copy of names and the promise of the future it returns;
// the future is rejected instead if names is empty, cp is closed or the
// map cannot be had.
func (cp *ClusterPubSub) whenMapped(names []string, change func(names []string, p *future.Promise[struct{}])) *future.Future[struct{}] {
	f, p := future.New[struct{}](cp.c.loop)
	if len(names) == 0 {
		p.Reject(ErrNoChannels)
		return f
	}
	names = append([]string(nil), names...)
	if !cp.c.onLoop(func() {
		cp.c.whenMapped(func(err error) {
			switch {
			case cp.closed:
				p.Reject(ErrClosed)
			case err != nil:
				p.Reject(err)
			default:
				change(names, p)
			}
		})
	}) {
		p.Reject(ErrClosed)
	}
	return f
}

// SSubscribe subscribes to shard channels (Redis 7), each on the master
// of its slot. The future resolves once every one is confirmed. Safe for
// concurrent use.
func (cp *ClusterPubSub) SSubscribe(channels ...string) *future.Future[struct{}] {
	return cp.shardChange(true, channels)
}

// SUnsubscribe unsubscribes from shard channels. Safe for concurrent use.
func (cp *ClusterPubSub) SUnsubscribe(channels ...string) *future.Future[struct{}] {
	return cp.shardChange(false, channels)
}

// shardChange sends a change of shard channels to their nodes' subscribers,
// one command per slot, and resolves once they all have.
func (cp *ClusterPubSub) shardChange(sub bool, names []string) *future.Future[struct{}] {
	return cp.whenMapped(names, func(names []string, p *future.Promise[struct{}]) {
		if sub {
			cp.subscribeShards(names, p)
		} else {
			cp.unsubscribeShards(names, p)
		}
	})
}

// subscribeShards groups names per slot and subscribes each group on its
// slot's master. Loop-only.
func (cp *ClusterPubSub) subscribeShards(names []string, p *future.Promise[struct{}]) {
	groups := map[int][]string{}
	for _, n := range names {
		s := Slot(n)
		groups[s] = append(groups[s], n)
	}
	if len(groups) == 1 {
		for s, g := range groups {
			cp.placeShards(shardMove{slot: s, names: g, p: p})
		}
		return
	}
	fs := make([]*future.Future[struct{}], 0, len(groups))
	for s, g := range groups {
		gf, gp := future.New[struct{}](cp.c.loop)
		fs = append(fs, gf)
		cp.placeShards(shardMove{slot: s, names: g, p: gp})
	}
	future.All(fs...).OnSettle(func(_ []struct{}, err error) {
		if err != nil {
			p.Reject(err)
			return
		}
		p.Resolve(struct{}{})
	})
}

// placeShards subscribes m's channels on the subscriber of the slot's
// master, or keeps them for later if no node serves the slot. A channel
// already subscribed stays on its subscriber. Loop-only.
func (cp *ClusterPubSub) placeShards(m shardMove) {
	master := cp.c.slots[m.slot]
	if master == nil { // a failover under way: the next map may have it
		cp.moves = append(cp.moves, m)
		cp.c.refresh()
		cp.schedule()
		return
	}
	to := cp.nodes[master.addr]
	var names []string
	for _, n := range m.names {
		if cur := cp.shard[n]; cur == nil || cur == to {
			names = append(names, n)
		}
		// Else it is subscribed on another node, which the map no
		// longer names: a MOVED or an unsubscription from that node
		// will bring it here.
	}
	if len(names) == 0 {
		if m.p != nil {
			m.p.Resolve(struct{}{})
		}
		return
	}
	fresh := to == nil
	if fresh {
		to = newPubSub(cp.base, master.addr, cp.handler, cp)
		cp.nodes[master.addr] = to
	}
	for _, n := range names {
		cp.shard[n] = to
	}
	to.apply(subShard, true, names, m.p)
	if fresh {
		// Dialled once it holds the channels: a connection refused at
		// once hands them on (see lost).
		to.dial()
	}
}

// unsubscribeShards unsubscribes names from the subscribers they are on;
// those between nodes are just forgotten. Loop-only.
func (cp *ClusterPubSub) unsubscribeShards(names []string, p *future.Promise[struct{}]) {
	per := map[*PubSub][]string{}
	for _, n := range names {
		if ps := cp.shard[n]; ps != nil {
			per[ps] = append(per[ps], n)
		}
		delete(cp.shard, n)
	}
	if len(per) == 0 {
		p.Resolve(struct{}{})
		return
	}
	fs := make([]*future.Future[struct{}], 0, len(per))
	for ps, g := range per {
		gf, gp := future.New[struct{}](cp.c.loop)
		fs = append(fs, gf)
		ps.apply(subShard, false, g, gp)
		gf.OnSettle(func(struct{}, error) { cp.closeIdle(ps) })
	}
	future.All(fs...).OnSettle(func(_ []struct{}, err error) {
		if err != nil {
			p.Reject(err)
			return
		}
		p.Resolve(struct{}{})
	})
}

// closeIdle closes ps, a master's shard subscriber, once it holds no
// shard channel and waits for no confirmation: an idle connection would
// otherwise stay open on that master for as long as cp. A later
// SSubscribe for the master opens a new one. Loop-only.
func (cp *ClusterPubSub) closeIdle(ps *PubSub) {
	if cp.closed || ps.closed || cp.nodes[ps.addr] != ps ||
		len(ps.subs[subShard]) > 0 || len(ps.waiting) > 0 || len(ps.resumed) > 0 {
		return
	}
	delete(cp.nodes, ps.addr)
	for n, on := range cp.shard {
		if on == ps { // a subscription the node refused: not held
			delete(cp.shard, n)
		}
	}
	ps.shutdown(ErrClosed)
}

// place picks the address of the classic subscriber before each
// connection: the master of its first name's slot, unless that is the
// address it last failed on and another master's connection is up. Only
// the map is read: lost has asked for a refresh. Loop-only.
func (cp *ClusterPubSub) place(ps *PubSub) {
	if ps != cp.classic || cp.c.slots == nil {
		return
	}
	n := cp.c.slots[Slot(cp.key)]
	if n == nil || n.addr == cp.failed {
		var ups []*Client
		for _, m := range cp.c.nodes {
			if m.addr != cp.failed && m.conn.State() == driver.StateReady {
				ups = append(ups, m)
			}
		}
		if len(ups) > 0 {
			n = ups[rand.IntN(len(ups))]
		}
	}
	if n != nil {
		ps.addr = n.addr
	} else if ps.addr == "" {
		ps.addr = cp.c.seeds[0]
	}
}

// lost handles a subscriber whose connection failed or dropped: the map
// is refreshed; the classic subscriber connects again (to the node place
// picks), and a shard subscriber is closed, its channels (with the
// futures of those not confirmed) moved to wherever their slots are
// served now. Loop-only.
func (cp *ClusterPubSub) lost(ps *PubSub) {
	cp.c.refresh()
	if ps == cp.classic {
		cp.failed = ps.addr
		if cp.closeIdleClassic(ps); ps.closed {
			return // nothing left to subscribe again
		}
		ps.retry()
		return
	}
	if cp.nodes[ps.addr] == ps {
		delete(cp.nodes, ps.addr)
	}
	bySlot := map[int]int{} // slot -> index in moves, for channels without a future
	for _, list := range [][]*subWait{ps.waiting, ps.resumed} {
		for _, w := range list {
			if w.p == nil {
				continue // a resubscription: its names are in subs
			}
			var mine []string
			if w.sub {
				for _, n := range w.names {
					if cp.shard[n] == ps {
						cp.shard[n] = nil
						mine = append(mine, n)
					}
				}
			}
			if len(mine) == 0 {
				// An unsubscription, done with the connection; or
				// nothing left to subscribe.
				w.p.Resolve(struct{}{})
				continue
			}
			cp.moves = append(cp.moves, shardMove{slot: Slot(mine[0]), names: mine, p: w.p})
		}
	}
	for n := range ps.subs[subShard] {
		if cp.shard[n] != ps {
			continue
		}
		cp.shard[n] = nil
		s := Slot(n)
		i, ok := bySlot[s]
		if !ok {
			i = len(cp.moves)
			bySlot[s] = i
			cp.moves = append(cp.moves, shardMove{slot: s})
		}
		cp.moves[i].names = append(cp.moves[i].names, n)
	}
	ps.waiting, ps.resumed = nil, nil
	ps.shutdown(ErrClosed)
	cp.schedule()
}

// moved takes names (shard channels of one slot) from ps, whose node
// no longer serves their slot, and subscribes them on the slot's master:
// the node a MOVED reply (re, if not nil) names, as the ClusterClient's
// commands do, or the one a refresh finds. p, if not nil, settles once
// they are subscribed. Loop-only.
func (cp *ClusterPubSub) moved(ps *PubSub, names []string, p *future.Promise[struct{}], re *Error) {
	var mine []string
	for _, n := range names {
		if cp.shard[n] == ps {
			cp.shard[n] = nil
			mine = append(mine, n)
		}
	}
	if len(mine) == 0 {
		if p != nil {
			p.Resolve(struct{}{}) // unsubscribed meanwhile
		}
		return
	}
	c := cp.c
	c.refresh()
	m := shardMove{slot: Slot(mine[0]), names: mine, p: p}
	if re != nil {
		if slot, addr, ok := re.Moved(); ok && slot == m.slot && c.slots != nil {
			from := c.nodes[ps.addr]
			if from == nil {
				from = &Client{addr: ps.addr}
			}
			c.moved.Add(1)
			c.slots[slot] = c.node(c.resolveAddr(from, addr))
			cp.placeShards(m)
			return
		}
	}
	cp.moves = append(cp.moves, m)
	cp.schedule()
}

// schedule places the moving shard channels after a pause, growing with
// each attempt as a reconnection's backoff does. Loop-only.
func (cp *ClusterPubSub) schedule() {
	if cp.timer != nil || cp.closed {
		return
	}
	d := backoff(&cp.c.opts.Options, cp.attempts)
	cp.attempts++
	cp.timer = cp.c.loop.AfterFunc(d, cp.placeMoves)
}

// placeMoves subscribes the moving shard channels where the map says,
// except those unsubscribed meanwhile. Loop-only.
func (cp *ClusterPubSub) placeMoves() {
	cp.timer = nil
	if cp.closed {
		return
	}
	if cp.c.slots == nil { // the ClusterClient closed
		cp.shutdown()
		return
	}
	moves := cp.moves
	cp.moves = nil
	for _, m := range moves {
		kept := m.names[:0]
		for _, n := range m.names {
			if ps, ok := cp.shard[n]; ok && ps == nil {
				kept = append(kept, n)
			}
		}
		if len(kept) == 0 {
			if m.p != nil {
				m.p.Resolve(struct{}{})
			}
			continue
		}
		m.names = kept
		cp.placeShards(m)
	}
}

// ready is told that one of cp's subscribers has (re)subscribed: the
// backoff of the moves starts again. Loop-only.
func (cp *ClusterPubSub) ready() { cp.attempts = 0 }

// Close closes every connection of cp. Futures still waiting fail with
// ErrClosed. Safe for concurrent use.
func (cp *ClusterPubSub) Close() {
	cp.c.onLoop(cp.shutdown)
}

// shutdown closes cp. Loop-only.
func (cp *ClusterPubSub) shutdown() {
	if cp.closed {
		return
	}
	cp.closed = true
	delete(cp.c.pubsubs, cp)
	if cp.timer != nil {
		cp.timer.Stop()
		cp.timer = nil
	}
	if cp.classic != nil {
		cp.classic.shutdown(ErrClosed)
	}
	for addr, ps := range cp.nodes {
		ps.shutdown(ErrClosed)
		delete(cp.nodes, addr)
	}
	for _, m := range cp.moves {
		if m.p != nil {
			m.p.Reject(ErrClosed)
		}
	}
	cp.moves = nil
}
