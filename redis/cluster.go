package redis

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// ClusterOptions configure a ClusterClient.
type ClusterOptions struct {
	// Options configure the connection to each master: authentication,
	// protocol, TLS, backoff. DB must be 0. OnState is told of the state
	// changes of every node's connection. CacheSize is not used: a
	// ClusterClient does no client-side caching (its Get always asks the
	// slot's master).
	Options
	// MaxRedirects bounds how many times in a row one command is
	// redirected (MOVED, ASK) before it fails with ErrTooManyRedirects
	// (default 5): a slot bounced between nodes is a misconfigured
	// cluster, not one that will heal. A retry (see RetryTimeout) starts
	// the count again, since a failover may redirect a command to the
	// dead master, whose connection then fails, more than once.
	MaxRedirects int
	// RetryTimeout bounds how long a command is retried that the cluster
	// could not take for now: one whose node could not be reached before
	// the command was written (a dead master), one whose node left the
	// map before it was written there, one refused with CLUSTERDOWN or
	// TRYAGAIN, and a read-only one (see Client) whose connection dropped
	// after it was written. Such a command is routed again, after a pause
	// growing from 10ms to 100ms, with a topology refresh (within
	// MinRefreshInterval) to find a promoted replica, until it goes
	// through, it is cancelled (Await's context, for the blocking
	// facade), or RetryTimeout has passed since its first failure: then it
	// fails with ErrRetryTimeout, wrapping the last failure. A master
	// failover takes the cluster's cluster-node-timeout plus an election
	// (a second or two); the default, 5s, rides out one with a node
	// timeout of a few seconds. Raise it for clusters with a longer node
	// timeout (Redis's default is 15s), or bound calls with their
	// context. Negative: no retries, the first failure is the command's.
	RetryTimeout time.Duration
	// RefreshInterval is the period of the topology refresh done even
	// when nothing went wrong (default one minute; negative: never).
	RefreshInterval time.Duration
	// MinRefreshInterval rate-limits the refreshes caused by MOVED
	// replies and lost connections: at most one starts per interval
	// (default 100ms).
	MinRefreshInterval time.Duration
}

func (o *ClusterOptions) defaults() {
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	if o.RefreshInterval == 0 {
		o.RefreshInterval = time.Minute
	}
	if o.MinRefreshInterval <= 0 {
		o.MinRefreshInterval = 100 * time.Millisecond
	}
	if o.RetryTimeout == 0 {
		o.RetryTimeout = 5 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
}

// ClusterStats count what a ClusterClient has been through.
type ClusterStats struct {
	// Moved and Ask count the MOVED and ASK redirections followed.
	Moved, Ask uint64
	// Retries counts the commands routed again after TRYAGAIN,
	// CLUSTERDOWN, a node gone from the map or a connection lost before
	// they were written (or, for read-only ones, after).
	Retries uint64
	// Refreshes counts the topology refreshes started; RefreshErrors those
	// that found no node to answer.
	Refreshes, RefreshErrors uint64
}

// ClusterClient is a Redis Cluster client on an event loop. It learns
// which master serves which hash slot (CLUSTER SHARDS, or CLUSTER SLOTS on
// servers before Redis 7), keeps one auto-pipelined connection per master
// (a Client), and sends each command to the master of its keys' slot. It
// has the typed helpers and Do of Client; their futures, and its blocking
// facade (Sync), behave the same.
//
// A MOVED reply updates the slot's master, sends the command there and
// schedules a refresh of the whole map; an ASK reply (a slot being
// migrated) sends ASKING and the command to the node named, without
// updating the map. The map is also refreshed when a node's connection
// drops, and periodically (ClusterOptions.RefreshInterval); refreshes are
// rate-limited (ClusterOptions.MinRefreshInterval).
//
// The keys of one command must hash to one slot, or the command fails with
// ErrCrossSlot before being sent; commands without keys go to any master.
// Blocking commands, transactions and SCAN are not offered: run them on a
// master's Client (see Masters) or with Do. Pub/sub is PubSub's.
//
// Every method is safe for concurrent use.
type ClusterClient struct {
	cmds
	opts  ClusterOptions
	seeds []string

	// Loop-only state.
	slots      []*Client // the master of each slot; nil before the first map
	nodes      map[string]*Client
	refreshing bool
	again      bool // refresh once more after the current one
	last       time.Time
	delayed    *eddy.Timer // a rate-limited refresh
	tick       *eddy.Timer
	waiting    []func(error) // commands waiting for the first map
	refreshed  []*future.Promise[struct{}]
	pubsubs    map[*ClusterPubSub]bool // closed with c
	closed     bool

	moved, ask, retries, refreshes, refreshErrs atomic.Uint64
}

// NewCluster returns a ClusterClient that learns the cluster's topology
// from the nodes at seeds ("host:port"; one is enough, more are tried in
// turn). It starts at once on loop; commands issued before the first slot
// map wait for it, and fail with ErrClusterDown if no seed answers. It
// fails only for invalid options. Safe for concurrent use.
func NewCluster(loop *eddy.Loop, seeds []string, opts ClusterOptions) (*ClusterClient, error) {
	if opts.DB != 0 {
		return nil, ErrClusterDB
	}
	if opts.Protocol == 0 {
		opts.Protocol = 3
	}
	if opts.Protocol != 2 && opts.Protocol != 3 {
		return nil, fmt.Errorf("%w: %d", ErrProtocolVersion, opts.Protocol)
	}
	if len(seeds) == 0 {
		return nil, fmt.Errorf("%w: no seed address", ErrClusterDown)
	}
	opts.defaults()
	c := &ClusterClient{opts: opts, seeds: append([]string(nil), seeds...), nodes: map[string]*Client{}}
	c.cmds = cmds{loop: loop, x: c}
	c.onLoop(func() {
		if c.closed {
			return
		}
		if opts.RefreshInterval > 0 {
			c.tick = loop.Every(opts.RefreshInterval, c.refresh)
			c.tick.Unref()
		}
		c.refresh()
	})
	return c, nil
}

// onLoop runs fn on the loop: at once if called there, else posted. It
// reports false if the loop has closed.
func (c *ClusterClient) onLoop(fn func()) bool {
	if c.loop.OnLoop() {
		fn()
		return true
	}
	return c.loop.Post(fn) == nil
}

// Sync returns the blocking facade of c, which shares c's connections.
// Safe for concurrent use.
func (c *ClusterClient) Sync() *ClusterSync {
	return &ClusterSync{syncCmds: syncCmds{c: &c.cmds}, cl: c}
}

// Stats returns c's counters. Safe for concurrent use.
func (c *ClusterClient) Stats() ClusterStats {
	return ClusterStats{
		Moved: c.moved.Load(), Ask: c.ask.Load(), Retries: c.retries.Load(),
		Refreshes: c.refreshes.Load(), RefreshErrors: c.refreshErrs.Load(),
	}
}

// Close closes every node's connection at once: commands in flight fail
// with ErrClosed, and so do later ones. Its PubSubs close too. Safe for
// concurrent use.
func (c *ClusterClient) Close() {
	c.onLoop(func() {
		if c.closed {
			return
		}
		c.closed = true
		for _, t := range []*eddy.Timer{c.tick, c.delayed} {
			if t != nil {
				t.Stop()
			}
		}
		for addr, n := range c.nodes {
			n.Close()
			delete(c.nodes, addr)
		}
		c.slots = nil
		for cp := range c.pubsubs {
			cp.shutdown()
		}
		c.fail(ErrClosed)
	})
}

// fail ends what waits for a slot map with err.
func (c *ClusterClient) fail(err error) {
	ws := c.waiting
	c.waiting = nil
	for _, w := range ws {
		w(err)
	}
	ps := c.refreshed
	c.refreshed = nil
	for _, p := range ps {
		p.Reject(err)
	}
}

// Refresh fetches the slot map now (or as soon as the rate limit allows)
// and resolves once a refresh has ended. Safe for concurrent use.
func (c *ClusterClient) Refresh() *future.Future[struct{}] {
	f, p := future.New[struct{}](c.loop)
	if !c.onLoop(func() {
		if c.closed {
			p.Reject(ErrClosed)
			return
		}
		c.refreshed = append(c.refreshed, p)
		c.refresh()
	}) {
		p.Reject(ErrClosed)
	}
	return f
}

// Masters returns the Clients of the masters of the current slot map,
// waiting for the first one, to run per-node commands (SCAN, FLUSHALL,
// INFO...). They belong to c: do not close them. Safe for concurrent use.
func (c *ClusterClient) Masters() *future.Future[[]*Client] {
	f, p := future.New[[]*Client](c.loop)
	if !c.onLoop(func() {
		c.whenMapped(func(err error) {
			if err != nil {
				p.Reject(err)
				return
			}
			seen := map[*Client]bool{}
			var out []*Client
			for _, n := range c.slots {
				if n != nil && !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
			p.Resolve(out)
		})
	}) {
		p.Reject(ErrClosed)
	}
	return f
}

// whenMapped runs fn once there is a slot map, or with the error that
// prevented one. Loop-only.
func (c *ClusterClient) whenMapped(fn func(error)) {
	switch {
	case c.closed:
		fn(ErrClosed)
	case c.slots != nil:
		fn(nil)
	default:
		c.waiting = append(c.waiting, fn)
		c.refresh()
	}
}

// node returns the Client for addr, making it if needed. Loop-only.
func (c *ClusterClient) node(addr string) *Client {
	if n := c.nodes[addr]; n != nil {
		return n
	}
	o := c.opts.Options
	user := o.OnState
	o.OnState = func(s driver.State, err error) {
		if user != nil {
			user(s, err)
		}
		if err != nil && (s == driver.StateDialing || s == driver.StateBackoff) {
			c.refresh() // the node may have gone: ask the others
		}
	}
	n := &Client{addr: addr, opts: o}
	n.cmds = cmds{loop: c.loop, x: n}
	n.conn = n.newConn(nil)
	c.nodes[addr] = n
	return n
}

// clusterReq is a command on its way through redirections.
type clusterReq struct {
	cmd       []byte
	flags     driver.Flags
	redirects int32 // MOVED and ASK since the last retry (beside flags: 64 bytes in all)
	slot      int   // -1 for a command without keys
	p         *future.Promise[resp.Value]
	cur       *future.Future[resp.Value] // the attempt in flight
	rt        *retryState                // made at the first retry
}

// retryState is what a clusterReq needs once it is retried, kept apart
// so that the commands that go through at once do not carry it.
type retryState struct {
	n      int
	wait   *eddy.Timer // the pause before the next retry
	expiry *eddy.Timer // RetryTimeout
	last   error       // the failure that caused the latest retry
}

// stopTimers stops r's retry timers, if any. Loop-only.
func (r *clusterReq) stopTimers() {
	rt := r.rt
	if rt == nil {
		return
	}
	if rt.wait != nil {
		rt.wait.Stop()
		rt.wait = nil
	}
	if rt.expiry != nil {
		rt.expiry.Stop()
		rt.expiry = nil
	}
}

// reject fails r with err and stops its timers. Loop-only.
func (r *clusterReq) reject(err error) {
	r.stopTimers()
	r.p.Reject(err)
}

// send routes an encoded command: it checks that its keys share a slot,
// then sends it to that slot's master on the loop.
func (c *ClusterClient) send(cmd []byte, flags driver.Flags) *future.Future[resp.Value] {
	args, ok := splitCommand(cmd)
	if !ok {
		return future.Rejected[resp.Value](c.loop, ErrBadCommand)
	}
	slot := -1
	for _, k := range commandKeys(args) {
		s := slotOf(k)
		if slot >= 0 && s != slot {
			return future.Rejected[resp.Value](c.loop, fmt.Errorf("%w: %s", ErrCrossSlot, args[0]))
		}
		slot = s
	}
	f, p := future.New[resp.Value](c.loop)
	r := &clusterReq{cmd: cmd, flags: flags, slot: slot, p: p}
	p.OnCancel(func(cause error) {
		c.onLoop(func() {
			r.stopTimers()
			if r.cur != nil {
				r.cur.Cancel(cause)
			}
		})
	})
	if !c.onLoop(func() { c.dispatch(r) }) {
		p.Reject(ErrClosed)
	}
	return f
}

// dispatch sends r to its slot's master, once there is a map. Loop-only.
func (c *ClusterClient) dispatch(r *clusterReq) {
	if r.p.Future().Done() { // cancelled meanwhile
		return
	}
	c.whenMapped(func(err error) {
		if err != nil {
			r.reject(err)
			return
		}
		c.attempt(c.route(r.slot), r, false)
	})
}

// route returns the master of slot, or any master for -1 or a slot
// nobody serves (it will redirect). Loop-only.
func (c *ClusterClient) route(slot int) *Client {
	if slot >= 0 {
		if n := c.slots[slot]; n != nil {
			return n
		}
	}
	for off, i := rand.IntN(SlotCount), 0; i < SlotCount; i += 64 {
		if n := c.slots[(off+i)%SlotCount]; n != nil {
			return n
		}
	}
	for _, n := range c.nodes {
		return n
	}
	return c.node(c.seeds[0])
}

// attempt sends r to n, after ASKING if asking. Loop-only.
func (c *ClusterClient) attempt(n *Client, r *clusterReq, asking bool) {
	flags := r.flags
	if asking {
		n.send(askingCmd, 0).OnSettle(func(resp.Value, error) {}) // its failure shows in r's
		flags = 0                                                 // ASKING would not be sent again with it
	}
	f := n.send(r.cmd, flags)
	if !asking {
		// Behind ASKING, the command is not exposed to cancellation: if
		// it were dropped before being written, the ASKING would apply
		// to the next command on n. Its reply is then dropped.
		r.cur = f
	}
	f.OnSettle(func(v resp.Value, err error) {
		r.cur = nil
		if err == nil {
			r.stopTimers()
			r.p.Resolve(v)
			return
		}
		c.failed(n, r, err)
	})
}

var askingCmd = resp.AppendCommand(nil, "ASKING")

// failed handles a failed attempt: redirections, retries, or the end.
// Loop-only.
func (c *ClusterClient) failed(n *Client, r *clusterReq, err error) {
	if c.closed || r.p.Future().Done() {
		r.reject(err)
		return
	}
	var re *Error
	isRE := errors.As(err, &re)
	var ce *driver.ConnError
	lost := errors.As(err, &ce)
	if lost {
		c.refresh()
	}
	if isRE {
		if slot, addr, ok := re.Moved(); ok {
			if !c.redirect(r, err) {
				return
			}
			c.moved.Add(1)
			to := c.node(c.resolveAddr(n, addr))
			if slot >= 0 && slot < SlotCount && c.slots != nil {
				c.slots[slot] = to
			}
			c.refresh()
			c.attempt(to, r, false)
			return
		}
		if _, addr, ok := re.Ask(); ok {
			if !c.redirect(r, err) {
				return
			}
			c.ask.Add(1)
			c.attempt(c.node(c.resolveAddr(n, addr)), r, true)
			return
		}
	}
	// A node dropped from the map by a refresh is closed: the commands
	// that were waiting for its connection fail with ErrClosed, unsent.
	dropped := errors.Is(err, ErrClosed) && c.nodes[n.addr] != n
	// A command that was written may have run, unless it only reads.
	unsent := lost && (!ce.Sent || r.flags&driver.Idempotent != 0)
	if isRE && (re.Code == "TRYAGAIN" || re.Code == "CLUSTERDOWN") || unsent || dropped {
		c.retry(r, err)
		return
	}
	r.reject(err)
}

// redirect counts a MOVED or ASK of r, failing r if there were too many
// in a row. Loop-only.
func (c *ClusterClient) redirect(r *clusterReq, err error) bool {
	if int(r.redirects) >= c.opts.MaxRedirects {
		r.reject(fmt.Errorf("%w: %w", ErrTooManyRedirects, err))
		return false
	}
	r.redirects++
	return true
}

// maxRetryWait caps the pause between two retries of a command: the
// cluster may heal at any moment (a promotion, a refresh finding it).
const maxRetryWait = 100 * time.Millisecond

// retry routes r again after a pause, with a refresh meanwhile: TRYAGAIN
// (a multi-key command during a migration), CLUSTERDOWN (a failover under
// way), a connection that could not be made (a dead master), or a node
// that left the map. It fails r once RetryTimeout has passed since its
// first retry. Loop-only.
func (c *ClusterClient) retry(r *clusterReq, err error) {
	if c.opts.RetryTimeout < 0 {
		r.reject(fmt.Errorf("%w: %w", ErrRetryTimeout, err))
		return
	}
	rt := r.rt
	if rt == nil {
		rt = &retryState{}
		r.rt = rt
		// The retries are bounded in time, not in number: a failover
		// takes seconds whatever the pauses. The timer also ends a
		// retry that waits on a node's connection for longer.
		rt.expiry = c.loop.AfterFunc(c.opts.RetryTimeout, func() {
			rt.expiry = nil
			if r.p.Future().Done() {
				return
			}
			e := fmt.Errorf("%w after %v: %w", ErrRetryTimeout, c.opts.RetryTimeout, rt.last)
			r.reject(e)
			if r.cur != nil {
				// Not yet written, it is dropped; written (a read, or
				// a command that found the node again), its reply is.
				r.cur.Cancel(e)
			}
		})
	}
	rt.last = err
	rt.n++
	r.redirects = 0
	c.retries.Add(1)
	c.refresh()
	d := min(10*time.Millisecond<<min(rt.n-1, 10), maxRetryWait)
	d = d/2 + rand.N(d/2+1) // callers that failed together retry apart
	rt.wait = c.loop.AfterFunc(d, func() {
		rt.wait = nil
		if c.closed {
			r.reject(ErrClosed)
			return
		}
		c.dispatch(r)
	})
}

// resolveAddr turns the address of a redirection, "host:port" as the
// server prints it (an IPv6 host without brackets), into one to dial; a
// node that does not know its endpoint ("" or "?" for the host) stands
// for the host of the node that sent it.
func (c *ClusterClient) resolveAddr(from *Client, addr string) string {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return addr
	}
	h, p := strings.TrimSuffix(strings.TrimPrefix(addr[:i], "["), "]"), addr[i+1:]
	if h == "" || h == "?" {
		h, _, _ = net.SplitHostPort(from.addr)
	}
	return net.JoinHostPort(h, p)
}
