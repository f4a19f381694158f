package eddy

import (
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy/internal/loopthread"
	"github.com/eddy-go/eddy/internal/poll"
)

// Loop is an event loop: one goroutine that owns sockets, timers, idle and next-tick callbacks, signal handlers and the
// results of blocking work run in a worker pool.
//
// Methods are loop-only unless their documentation says otherwise: call
// them from callbacks running on the loop, or before Run from the
// goroutine that created the loop. Other goroutines reach the loop through
// Post, which is safe for concurrent use, as are Stop and Stats.
//
// The loop runs while anything referenced remains: an open connection or
// listener, a pending timer, an active idle callback or signal handler,
// work in the worker pool, or an explicit Ref. Each handle can be Unref'd
// so that it no longer keeps the loop alive, as in libuv.
type Loop struct {
	poller poll.Poller
	cfg    config

	// Posted work, shared with other goroutines.
	mu       sync.Mutex
	posted   []func()
	spare    []func()
	nposted  atomic.Int32
	polling  atomic.Bool
	wakeSent atomic.Bool
	state    atomic.Int32
	stopReq  atomic.Bool
	tid      atomic.Uint64
	// startMu orders Run's start with a Shutdown of a loop not yet
	// running, which then does its work itself (see Shutdown).
	startMu sync.Mutex

	// Everything below is loop-only.
	base       time.Time
	now        int64 // nanoseconds since base, refreshed once per turn
	timers     timerHeap
	timerSeq   uint64
	idles      []*Idle
	idleSnap   []*Idle // runIdles's copy of idles, kept between turns
	ticks      []func()
	spareTicks []func() // the tick queue's second buffer (see runTicks)
	exits      []func()
	refs       int
	conns      connList
	lns        map[*Listener]struct{}
	pconns     map[*PacketConn]struct{}
	sigs       *signalSet
	pool       *Pool
	iov1       [1][]byte
	layerBuf   []byte // pumpLayer's chunk of a file region, for the layer
	stats      loopStats
	shutdown   bool
	stopping   bool // teardown has begun: no new handle may open
	// shutdownHooks run when a graceful shutdown begins.
	shutdownHooks []func()
	done          chan struct{} // closed when Run has returned
	dnsState      any           // the loop's resolver, created on first use (resolver.go)
	procState     any           // the loop's children (process_linux.go)
	watchState    any           // the loop's file watchers (fswatch.go)
	iterations    uint64        // loop turns, published with the stats
	shortSleeps   int           // sleeps in a row that ended within AutoSpin (adaptive spinning)
	expecting     int           // connections awaiting replies (ExpectReplies)
	spins         uint64        // spins before sleeping, published with the stats
	published     int64         // loop time of the last publishStats
}

const (
	stateNew int32 = iota
	stateRunning
	stateClosed
)

type config struct {
	logger     *slog.Logger
	onPanic    func(v any, stack []byte)
	crash      bool
	pool       *Pool
	workers    int
	keepAlive  bool
	lowWater   int
	highWater  int
	maxReadBuf int
	spin       time.Duration
	lockThread bool
}

// Option configures a Loop.
type Option func(*config)

// WithLogger sets the logger for panics, accept errors and unhandled
// problems. The default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithPanicHandler sets the function told about a panic recovered from a
// callback. The default logs it, with its stack, at error level. The loop
// keeps running; a connection whose handler panicked is closed.
func WithPanicHandler(fn func(v any, stack []byte)) Option {
	return func(c *config) { c.onPanic = fn }
}

// WithCrashOnPanic makes a panic in a callback crash the program, as in
// ordinary Go code, instead of being recovered.
func WithCrashOnPanic() Option { return func(c *config) { c.crash = true } }

// WithPool runs the loop's blocking work in p, which may be shared with
// other loops. The caller closes p.
func WithPool(p *Pool) Option { return func(c *config) { c.pool = p } }

// WithWorkers sets the size of the loop's own worker pool (default 4),
// used when no WithPool is given.
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithKeepAlive keeps the loop running until Stop even when nothing is
// referenced, so that other goroutines can Post to it at any time.
func WithKeepAlive() Option { return func(c *config) { c.keepAlive = true } }

// WithWriteBuffer sets the default low and high water marks of each
// connection's write queue (defaults 16 KiB and 256 KiB). Writes fail with
// ErrQueueFull at or above high; OnDrain follows when the queue falls to
// low.
func WithWriteBuffer(low, high int) Option {
	return func(c *config) { c.lowWater, c.highWater = low, high }
}

// WithMaxReadBuffer bounds the unconsumed bytes a connection may keep
// between OnData calls (default 4 MiB). A connection over it is closed
// with ErrReadBufferFull.
func WithMaxReadBuffer(n int) Option { return func(c *config) { c.maxReadBuf = n } }

// WithSpin sets how long the loop polls before it goes to sleep waiting
// for I/O. Waking a sleeping thread costs several microseconds (more in a
// virtual machine), so a reply that arrives within the spin is taken
// sooner: a loop that drives request/response protocols itself, such as a
// driver used through futures, gains latency at concurrency 1 (measured
// here: Redis GETs from about 37k to 46–51k per second with 20 µs). The
// cost is CPU: a spinning loop keeps its thread busy for up to d each
// time it runs out of work.
//
// d > 0 spins for up to d every time. d == 0 turns spinning off; d < 0
// keeps the default. By default the loop spins adaptively, for up to AutoSpin, and only while
// a connection on it awaits replies to requests it has written (see
// ExpectReplies: the drivers built on package driver say so) and the last
// few sleeps each ended within AutoSpin; a spin that finds nothing ends
// that streak. So a server loop, or an idle one, never spins. While it
// spins, the loop yields its P between polls, so goroutines it has woken
// (a blocking facade, Await) run at once.
func WithSpin(d time.Duration) Option {
	return func(c *config) { c.spin = max(d, spinDefault) }
}

// AutoSpin is the longest a loop spins by default (see WithSpin): about
// one loopback round trip to a server such as Redis on this kind of
// machine.
const AutoSpin = 50 * time.Microsecond

// spinStreak is how many short sleeps in a row make an adaptive loop spin.
const spinStreak = 3

// spinEvents is the most completions a short sleep may end with and still
// count towards the streak.
const spinEvents = 4

// spinDefault marks the default, adaptive spinning in config.spin.
const spinDefault time.Duration = -1

// WithLockedThread locks the loop goroutine to its OS thread for the whole
// of Run, and the loop sleeps in the kernel's wait call itself, as libuv
// does. By default an idle loop instead parks in the Go scheduler (where
// the backend allows it: epoll does), which hands its P to other goroutines
// at once: a goroutine waiting on the loop (a blocking facade, Await) is
// then woken in well under the ~20 µs it takes the runtime to notice a
// thread blocked in a system call. A locked thread is still used where the
// backend cannot park.
func WithLockedThread() Option { return func(c *config) { c.lockThread = true } }

// New creates a loop. Safe for concurrent use.
func New(opts ...Option) (*Loop, error) {
	cfg := config{workers: 4, lowWater: 16 << 10, highWater: 256 << 10, maxReadBuf: 4 << 20, spin: spinDefault}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.highWater <= 0 {
		cfg.highWater = 256 << 10
	}
	if cfg.lowWater < 0 || cfg.lowWater > cfg.highWater {
		cfg.lowWater = cfg.highWater / 2
	}
	p, err := poll.New()
	if err != nil {
		return nil, err
	}
	l := &Loop{poller: p, cfg: cfg, base: time.Now(), done: make(chan struct{}), published: -int64(time.Hour)}
	l.pool = cfg.pool
	return l, nil
}

// Run runs the loop on the calling goroutine until Stop is called or
// nothing referenced remains, then closes what is still open, runs the
// exit callbacks, and releases the loop. A loop runs once: afterwards Post
// returns ErrLoopClosed.
func (l *Loop) Run() error {
	l.startMu.Lock()
	if !l.state.CompareAndSwap(stateNew, stateRunning) {
		l.startMu.Unlock()
		return ErrLoopClosed
	}
	l.startMu.Unlock()
	id := loopthread.Enter()
	l.tid.Store(id)
	defer loopthread.Leave(id)
	if l.stopReq.Load() { // stopped before it started
		l.teardown() // its callbacks run on the loop too (OnLoop)
		l.tid.Store(0)
		close(l.done)
		return nil
	}
	if !l.parks() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	l.updateTime()
	var err error
	for {
		l.runTimers()
		l.runTicks()
		l.runIdles()
		if l.stopReq.Load() || !l.alive() {
			break
		}
		timeout := l.pollTimeout()
		slept := false
		if timeout != 0 {
			l.publishStats() // before sleeping, so that readers see the latest
			if l.spinFor() > 0 && l.spin() {
				timeout = 0
			} else {
				slept = true
			}
		}
		// The adaptive spin times sleeps while replies are awaited: from
		// now (not the turn's cached time, which is as old as the
		// callbacks this turn ran) to when the kernel returned, before
		// Wait dispatched anything.
		timed := slept && l.cfg.spin == spinDefault && l.expecting > 0
		var before time.Time
		if timed {
			before = time.Now()
			l.poller.StampNext()
		}
		var n int
		n, err = l.poller.Wait(timeout)
		// Awake: clear both flags before draining the queue. A Post that
		// still saw polling set has written (or is about to write) the
		// wakeup, which only costs one spare turn. (Loads first: a store
		// is a locked instruction, and most turns have nothing to clear.)
		if l.polling.Load() {
			l.polling.Store(false)
		}
		if l.wakeSent.Load() {
			l.wakeSent.Store(false)
		}
		if err != nil {
			break
		}
		l.updateTime()
		if timed {
			l.noteSleep(l.poller.WokeAt().Sub(before), n)
		}
		l.runPosted()
		l.runTicks()
		l.iterations++
		if l.now-l.published >= int64(time.Millisecond) {
			l.publishStats()
		}
	}
	l.teardown()
	l.publishStats()
	// Only now is the loop goroutine done with callbacks: the last of
	// them run in teardown after the loop has closed, and must still be
	// told they are on it (see OnLoop). The id is cleared before Run
	// returns, since the goroutine descriptor it names may then be reused.
	l.tid.Store(0)
	close(l.done)
	return err
}

// parks turns parking on in the backend, unless WithLockedThread asked for
// a locked thread, and reports whether it is on.
func (l *Loop) parks() bool {
	pk, ok := l.poller.(poll.Parking)
	if !ok {
		return false
	}
	return pk.SetParking(!l.cfg.lockThread)
}

func (l *Loop) alive() bool {
	return l.refs > 0 || l.cfg.keepAlive || len(l.ticks) > 0 || l.nposted.Load() > 0 || l.poller.Pending()
}

// pollTimeout returns how long the poller may block, in milliseconds.
// It announces that the loop is about to block before it checks the
// post queue, so that a Post racing with it always wakes the loop.
func (l *Loop) pollTimeout() int {
	if len(l.ticks) > 0 || l.activeIdles() > 0 {
		return 0
	}
	l.polling.Store(true)
	if l.nposted.Load() > 0 {
		return 0
	}
	if l.timers.len() == 0 {
		return -1
	}
	d := l.timers.top().when - l.now
	if d <= 0 {
		return 0
	}
	ms := (d + int64(time.Millisecond) - 1) / int64(time.Millisecond) // never early
	if ms > 1<<30 {
		ms = 1 << 30
	}
	return int(ms)
}

func (l *Loop) updateTime() { l.now = int64(time.Since(l.base)) }

// Now returns the loop's cached notion of the current time, refreshed at
// the start of each loop turn and whenever a timer is started or reset
// (so that a timer measured from it is never early). Loop-only.
func (l *Loop) Now() time.Time { return l.base.Add(time.Duration(l.now)) }

// Stop asks the loop to stop: Run closes everything still open, runs the
// exit callbacks and returns. Safe for concurrent use.
func (l *Loop) Stop() {
	l.stopReq.Store(true)
	if l.state.Load() == stateRunning && !l.OnLoop() {
		_ = l.poller.Wake()
	}
}

// OnLoop reports whether the caller is running on this loop's goroutine.
// Safe for concurrent use.
//
// It is true for every callback Run makes, including those that run as the
// loop tears down after it has closed (functions posted from exit
// callbacks, say): those run on the loop goroutine too, and code that
// asks so that it does not wait for the loop from the loop (Shutdown,
// blocking facades) must not be told otherwise.
func (l *Loop) OnLoop() bool {
	tid := l.tid.Load()
	return tid != 0 && loopthread.Current() == tid
}

// Post queues fn to run on the loop and wakes the loop if it sleeps; many
// posts share one wakeup. Functions run in the order they were posted.
// Post returns ErrLoopClosed, and fn never runs, once the loop has closed.
// Safe for concurrent use.
func (l *Loop) Post(fn func()) error {
	if fn == nil {
		return errors.New("eddy: Post of a nil func")
	}
	l.mu.Lock()
	if l.state.Load() == stateClosed {
		l.mu.Unlock()
		return ErrLoopClosed
	}
	l.posted = append(l.posted, fn)
	l.nposted.Add(1)
	l.mu.Unlock()
	// A Post made on the loop itself (a callback the poller is
	// dispatching) needs no wakeup: the loop runs the queue as soon as the
	// poller returns, and looks at it again before it blocks.
	if l.polling.Load() && !l.wakeSent.Load() && !l.OnLoop() && !l.wakeSent.Swap(true) {
		_ = l.poller.Wake()
	}
	return nil
}

func (l *Loop) runPosted() {
	if l.nposted.Load() == 0 {
		return
	}
	l.mu.Lock()
	q := l.posted
	l.posted = l.spare[:0]
	l.nposted.Store(0)
	l.mu.Unlock()
	for i, fn := range q {
		q[i] = nil
		l.call(fn)
	}
	l.spare = q[:0]
}

// NextTick queues fn to run on the loop before it next waits for I/O,
// after the callback now running returns. Loop-only.
func (l *Loop) NextTick(fn func()) { l.ticks = append(l.ticks, fn) }

func (l *Loop) runTicks() {
	for len(l.ticks) > 0 {
		q := l.ticks
		l.ticks = l.spareTicks[:0]
		for i, fn := range q {
			q[i] = nil
			l.call(fn)
		}
		l.spareTicks = q[:0]
	}
}

// OnExit registers fn to run when the loop ends, after its handles are
// closed, in the order registered; one registered by an exit callback (or
// by a function one posted) runs after those registered before it.
// Loop-only.
func (l *Loop) OnExit(fn func()) { l.exits = append(l.exits, fn) }

// Ref keeps the loop alive until a matching Unref, for example while
// another goroutine will Post to it. Loop-only.
func (l *Loop) Ref() { l.refs++ }

// Unref releases a Ref. Loop-only.
func (l *Loop) Unref() {
	if l.refs > 0 {
		l.refs--
	}
}

// Delay runs fn after d on the loop and returns a function that cancels
// it. It is AfterFunc in the shape of future.Executor. Loop-only.
func (l *Loop) Delay(d time.Duration, fn func()) (cancel func()) {
	t := l.AfterFunc(d, fn)
	return func() { t.Stop() }
}

// call runs a callback, recovering a panic unless the loop crashes on
// panics. It is a function of its own so that its defer stays cheap.
func (l *Loop) call(fn func()) {
	defer l.recoverPanic()
	fn()
}

func (l *Loop) recoverPanic() {
	if v := recover(); v != nil {
		l.reportPanic(v)
	}
}

func (l *Loop) reportPanic(v any) {
	if l.cfg.crash {
		panic(v)
	}
	stack := debug.Stack()
	l.stats.panics.Add(1)
	if l.cfg.onPanic != nil {
		l.cfg.onPanic(v, stack)
		return
	}
	l.cfg.logger.Error("eddy: panic in loop callback", "panic", v, "stack", string(stack))
}

// teardown closes every handle when the loop stops, then runs the exit
// callbacks and releases the poller.
func (l *Loop) teardown() {
	l.stopping = true
	for c := l.conns.head; c != nil; c = l.conns.head {
		c.closeNow(ErrLoopStopped)
	}
	for ln := range l.lns {
		ln.Close()
	}
	for pc := range l.pconns {
		pc.Close()
	}
	l.dropTimersAndIdles()
	if l.sigs != nil {
		l.sigs.stopAll()
	}
	l.runTicks()
	l.runPosted()
	l.runExits()
	l.mu.Lock()
	l.state.Store(stateClosed)
	l.mu.Unlock()
	l.runPosted() // anything that raced with closing
	l.runTicks()
	l.runExits() // registered by those
	// Nothing keeps a closed loop alive: what teardown closed or dropped
	// (pending timers, children left running, work whose result will be
	// dropped, Refs never released, timers and idles started by the exit
	// callbacks) no longer counts, and no handle can release a reference
	// any more.
	l.dropTimersAndIdles()
	l.refs = 0
	if l.pool != nil && l.cfg.pool == nil {
		l.pool.Close()
	}
	_ = l.poller.Shutdown()
}

// runExits runs the exit callbacks, in the order registered, until none
// is left: one may register another (a resource closed by one whose
// close registers its own cleanup), which runs too, after those
// registered before it.
func (l *Loop) runExits() {
	for len(l.exits) > 0 {
		fns := l.exits
		l.exits = nil
		for _, fn := range fns {
			l.call(fn)
		}
	}
}

// dropTimersAndIdles drops the pending timers and active idle callbacks
// of a loop that is ending: they will never run.
func (l *Loop) dropTimersAndIdles() {
	l.timers.clear()
	for _, i := range l.idles {
		i.active = false // so that a later Stop does not release it again
	}
	l.idles = nil
}

// opening reports why no new handle may open on the loop: ErrLoopClosed
// once it has closed, ErrLoopStopped while it tears down (a handle opened
// by a close or exit callback would never be closed), or nil.
func (l *Loop) opening() error {
	if l.state.Load() == stateClosed {
		return ErrLoopClosed
	}
	if l.stopping {
		return ErrLoopStopped
	}
	return nil
}

// spinFor returns how long the loop may spin before it sleeps now: the
// WithSpin duration, or with adaptive spinning AutoSpin once a streak of
// short sleeps has been seen.
func (l *Loop) spinFor() time.Duration {
	if l.cfg.spin != spinDefault {
		return l.cfg.spin
	}
	if l.expecting > 0 && l.shortSleeps >= spinStreak {
		return AutoSpin
	}
	return 0
}

// ExpectReplies adds delta, which may be negative, to the number of
// connections on the loop that have written requests and await their
// replies. While it is positive, a loop with the default, adaptive
// spinning (see WithSpin) polls briefly before it sleeps, since a reply
// from a nearby server often comes back sooner than a sleeping thread
// wakes. Connections from package driver call it themselves; a protocol
// client written on the bare loop may do the same. Loop-only.
func (l *Loop) ExpectReplies(delta int) { l.expecting += delta }

// noteSleep counts sleeps that ended within AutoSpin with at most
// spinEvents completions; any other ends the streak. Many completions at a
// time mean many requests in flight: throughput is then bounded by the
// servers, and spinning would only burn CPU.
func (l *Loop) noteSleep(d time.Duration, events int) {
	if d <= AutoSpin && events <= spinEvents {
		if l.shortSleeps < spinStreak {
			l.shortSleeps++
		}
	} else {
		l.shortSleeps = 0
	}
}

// spin polls for posted work and I/O for up to spinFor before the loop
// sleeps, yielding its P between polls, and never past the next timer. It
// reports whether work arrived or a timer fell due; I/O found while
// spinning has been dispatched. An adaptive spin that finds nothing ends
// the streak that started it.
func (l *Loop) spin() bool {
	l.spins++
	now := int64(time.Since(l.base))
	end, timer := now+int64(l.spinFor()), false
	if l.timers.len() > 0 && l.timers.top().when <= end {
		end, timer = l.timers.top().when, true
	}
	for {
		if l.nposted.Load() > 0 {
			return true
		}
		if n, _ := l.poller.Wait(0); n > 0 {
			if n > spinEvents {
				l.shortSleeps = 0
			}
			return true
		}
		if int64(time.Since(l.base)) >= end {
			if timer {
				return true // the turn runs the timer without sleeping
			}
			l.shortSleeps = 0
			return false
		}
		runtime.Gosched()
	}
}
