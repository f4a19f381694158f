package eddy

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/eddy-go/eddy/internal/poll"
)

// Group is a set of loops, one per core by default, each on its own
// goroutine, that share listeners: either each loop listens on the same
// port with SO_REUSEPORT and the kernel spreads connections, or one loop
// accepts and hands connections out in turn. Group methods are safe for
// concurrent use.
type Group struct {
	loops   []*Loop
	pool    *Pool
	ownPool bool // pool was made by NewGroup, which closes it
	handoff bool
	mu      sync.Mutex
	started bool
	wg      sync.WaitGroup
	errs    []error
	lns     []*Listener
	next    int
}

// GroupOption configures a Group.
type GroupOption func(*groupConfig)

type groupConfig struct {
	loops   int
	handoff bool
	opts    []Option
}

// WithLoops sets the number of loops (default GOMAXPROCS).
func WithLoops(n int) GroupOption { return func(c *groupConfig) { c.loops = n } }

// WithHandoff makes one loop accept every connection and hand each to the
// loops in turn, instead of one SO_REUSEPORT listener per loop. It spreads
// connections evenly where the kernel's hashing would not. Groups always
// hand off where SO_REUSEPORT does not spread connections among sockets:
// on Windows (which has no SO_REUSEPORT), macOS, NetBSD and OpenBSD.
func WithHandoff() GroupOption { return func(c *groupConfig) { c.handoff = true } }

// WithLoopOptions passes options to every loop of the group.
func WithLoopOptions(opts ...Option) GroupOption {
	return func(c *groupConfig) { c.opts = append(c.opts, opts...) }
}

// NewGroup creates the loops of a group. They share one worker pool and
// run until Shutdown or Stop, even when idle. The pool has the size that
// WithWorkers gives among the loop options (4 workers by default); a
// WithPool among them is used instead, and its caller closes it.
func NewGroup(opts ...GroupOption) (*Group, error) {
	cfg := groupConfig{loops: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.loops < 1 {
		cfg.loops = 1
	}
	// The loops share one pool, of the size WithWorkers gives among the
	// loop options (4 by default), unless WithPool gives one.
	var lc config
	lc.workers = 4
	for _, o := range cfg.opts {
		o(&lc)
	}
	pool := lc.pool
	if pool == nil {
		pool = NewPool(lc.workers)
	}
	g := &Group{handoff: cfg.handoff || !reusePortBalances(runtime.GOOS), pool: pool, ownPool: lc.pool == nil}
	lopts := append([]Option{WithKeepAlive(), WithPool(g.pool)}, cfg.opts...)
	for i := 0; i < cfg.loops; i++ {
		l, err := New(lopts...)
		if err != nil {
			for _, l := range g.loops {
				_ = l.poller.Shutdown()
			}
			if g.ownPool {
				g.pool.Close()
			}
			return nil, err
		}
		g.loops = append(g.loops, l)
	}
	return g, nil
}

// Loops returns the group's loops.
func (g *Group) Loops() []*Loop { return g.loops }

// Next returns the loops in turn, for spreading work such as outgoing
// connections.
func (g *Group) Next() *Loop {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.loops[g.next%len(g.loops)]
	g.next++
	return l
}

// onEach runs fn on every loop and waits: inline before Start, through
// Post after.
func (g *Group) onEach(fn func(i int, l *Loop) error) error {
	g.mu.Lock()
	started := g.started
	g.mu.Unlock()
	var errs []error
	for i, l := range g.loops {
		if !started {
			errs = append(errs, fn(i, l))
			continue
		}
		done := make(chan error, 1)
		if err := l.Post(func() { done <- fn(i, l) }); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, <-done)
	}
	return errors.Join(errs...)
}

// Listen listens on address across the group and hands connections to h,
// which the loops share: h must only touch per-connection state or state
// guarded for concurrent use. It returns the bound address (useful with
// port 0). Do not call it from a loop of the group.
//
// Unless the group hands connections off (WithHandoff), each loop has its
// own listening socket with SO_REUSEPORT, so the port is also shared with
// any other process of the same user that listens on it with
// SO_REUSEPORT: a server that must be alone on its port should check
// first, with a plain listener (as eddy serve does).
func (g *Group) Listen(network, address string, h Handler, opts ...ListenOption) (net.Addr, error) {
	if g.handoff {
		return g.listenHandoff(network, address, h, opts)
	}
	opts = append(opts, WithReusePort())
	var bound net.Addr
	var created []*Listener
	failed := false
	err := g.onEach(func(i int, l *Loop) error {
		if failed {
			return nil // the other loops would only repeat the error
		}
		a := address
		if bound != nil {
			a = bound.String()
			if network == "unix" {
				failed = true
				return errors.New("eddy: unix listeners cannot be shared with SO_REUSEPORT; use WithHandoff")
			}
		}
		ln, err := l.Listen(network, a, h, opts...)
		if err != nil {
			failed = true
			return err
		}
		ln.group = true
		created = append(created, ln)
		if bound == nil {
			bound = ln.Addr()
		}
		return nil
	})
	g.mu.Lock()
	g.lns = append(g.lns, created...)
	g.mu.Unlock()
	if err != nil {
		g.closeListeners(created)
		return nil, err
	}
	return bound, nil
}

func (g *Group) listenHandoff(network, address string, h Handler, opts []ListenOption) (net.Addr, error) {
	var ln *Listener
	err := g.onEach(func(i int, l *Loop) error {
		if i != 0 {
			return nil
		}
		var err error
		ln, err = l.Listen(network, address, h, opts...)
		if err != nil {
			return err
		}
		ln.group = true
		k, mk := ln.k, ln.layer
		ln.handoff = func(s poll.Sock) {
			target := g.Next()
			if target == l {
				l.adopt(s, k, h, mk)
				return
			}
			if target.Post(func() { target.adopt(s, k, h, mk) }) != nil {
				poll.CloseSock(s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.lns = append(g.lns, ln)
	g.mu.Unlock()
	return ln.Addr(), nil
}

func (g *Group) closeListeners(lns []*Listener) {
	for _, ln := range lns {
		ln := ln
		l := ln.loop
		g.mu.Lock()
		started := g.started
		g.mu.Unlock()
		if !started {
			ln.Close()
			continue
		}
		done := make(chan struct{})
		if l.Post(func() { ln.Close(); close(done) }) == nil {
			<-done
		}
	}
}

// Start runs each loop on a goroutine of its own and returns.
func (g *Group) Start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started {
		return
	}
	g.started = true
	for _, l := range g.loops {
		g.wg.Add(1)
		go func(l *Loop) {
			defer g.wg.Done()
			if err := l.Run(); err != nil {
				g.mu.Lock()
				g.errs = append(g.errs, err)
				g.mu.Unlock()
			}
		}(l)
	}
}

// Wait blocks until every loop has returned, then releases the shared
// worker pool.
func (g *Group) Wait() error {
	g.wg.Wait()
	if g.ownPool {
		g.pool.Close()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}

// Run starts the loops and waits for them.
func (g *Group) Run() error {
	g.Start()
	return g.Wait()
}

// Stop stops every loop at once; connections still open are closed with
// ErrLoopStopped.
func (g *Group) Stop() {
	for _, l := range g.loops {
		l.Stop()
	}
}

// Shutdown stops the group gracefully: the listeners close at once, every
// loop's shutdown hooks run (see Loop.OnShutdown), and the open
// connections get until ctx is done to finish and close. Then the loops
// stop, closing whatever is left, and Shutdown waits for them. It returns
// ctx.Err() if connections had to be cut.
func (g *Group) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	started := g.started
	g.mu.Unlock()
	if !started {
		g.Start()
	}
	// Every loop at once: one loop's connections taking their time must
	// not keep the others' listeners open and their hooks waiting.
	errs := make([]error, len(g.loops)+1)
	var wg sync.WaitGroup
	for i, l := range g.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Shutdown(ctx)
		}()
	}
	wg.Wait()
	errs[len(g.loops)] = g.Wait()
	return errors.Join(errs...)
}

// OnShutdown registers fn to run on the loop when a graceful shutdown
// begins, after its listeners have closed: a server uses it to close idle
// connections and finish busy ones. Loop-only.
func (l *Loop) OnShutdown(fn func()) { l.shutdownHooks = append(l.shutdownHooks, fn) }

// ShuttingDown reports whether a graceful shutdown has begun. Loop-only.
func (l *Loop) ShuttingDown() bool { return l.shutdown }

// Shutdown stops the loop gracefully: it closes the loop's listeners, runs
// the OnShutdown hooks, waits until every connection has closed or ctx is
// done, and then stops the loop, which closes what is left. It waits for
// Run to return when the loop is running. It returns ctx.Err() if
// connections had to be cut. On a loop that is not running yet, the
// caller does that work itself and the loop then stops at once: what was
// posted to it runs afterwards, as it tears down. Safe for concurrent
// use, but not from the loop's own goroutine (ErrOnLoop).
func (l *Loop) Shutdown(ctx context.Context) error {
	if l.OnLoop() {
		return ErrOnLoop
	}
	begin := func() {
		l.shutdown = true
		for ln := range l.lns {
			ln.Close()
		}
		hooks := l.shutdownHooks
		l.shutdownHooks = nil
		for _, fn := range hooks {
			l.call(fn)
		}
		l.publishStats()
	}
	// A loop not yet running is shut down here, under startMu, so that a
	// Run starting on another goroutine (a Group's, just started) waits
	// for begin to finish and then sees the stop, instead of running
	// the loop beside it.
	l.startMu.Lock()
	if l.state.Load() == stateNew {
		begin()
		l.Stop()
		l.startMu.Unlock()
		return nil
	}
	l.startMu.Unlock()
	if l.Post(begin) != nil {
		<-l.done
		return nil
	}
	// drained asks the loop whether its connections have all closed; ok
	// is false once the loop has ended.
	drained := func() (empty, ok bool) {
		done := make(chan bool, 1)
		if l.Post(func() { done <- l.conns.n == 0 }) != nil {
			return false, false
		}
		select {
		case empty := <-done:
			return empty, true
		case <-l.done:
			return false, false
		}
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case <-l.done:
			return nil
		case <-ctx.Done():
			// Only an error if something is cut: the hooks may have
			// closed every connection already (or there were none).
			if empty, ok := drained(); ok && !empty {
				err = ctx.Err()
			}
			break wait
		case <-tick.C:
			if empty, ok := drained(); empty || !ok {
				break wait
			}
		}
	}
	l.Stop()
	<-l.done
	return err
}

// reusePortBalances reports whether listeners sharing a port with
// SO_REUSEPORT (SO_REUSEPORT_LB on FreeBSD) get the incoming connections
// spread among them on goos. Elsewhere one loop accepts for all.
func reusePortBalances(goos string) bool {
	switch goos {
	case "linux", "android", "freebsd", "dragonfly":
		return true
	}
	return false
}
