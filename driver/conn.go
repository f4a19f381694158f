package driver

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/tlsx"
)

// request is one request: its reply context, its bytes until written (for
// ever if idempotent, to send it again), and where its reply goes.
type request[K, R any] struct {
	kind     K
	cmd      []byte
	s        sink[R]
	idem     bool
	bound    bool // see Bound
	internal bool // sent by Setup: never queued, never re-sent
	sent     bool
}

// Conn is a pipelined client connection to one server, for any protocol
// given by a Codec. It dials on its loop, reconnects with backoff (unless
// Config.NoReconnect), runs a handshake after each connect, writes the
// requests of each loop turn with one Write, and matches replies to
// requests in order.
//
// Call and Do are safe for concurrent use; so are Close and Shutdown.
// Other methods are loop-only. Every callback runs on the loop.
type Conn[K, R any] struct {
	loop  *eddy.Loop
	cfg   Config[K, R]
	codec Codec[K, R]
	push  PushCodec // codec, if it knows out-of-band messages

	state    State
	link     *link[K, R] // the current socket, or nil
	pending  ring[*request[K, R]]
	unsent   int // the last unsent requests of pending are in out, not yet written
	waiting  ring[*request[K, R]]
	out      []byte
	flushing bool
	awaiting bool // told the loop that replies are due (ExpectReplies)
	attempts int
	unswept  int       // full-queue refusals left before the next sweep (sweepDue)
	readyAt  time.Time // when the current connection became ready (loop time)
	timer    *eddy.Timer
	lost     error                     // why a NoReconnect Conn closed, for later requests
	final    []byte                    // Shutdown's last bytes
	quit     *future.Promise[struct{}] // Shutdown's promise
	flushFn  func()                    // cn.flush, bound once (a method value allocates)
	nowFn    func()                    // cn.flushNow, bound once
}

// link is the handler of one socket; callbacks from a socket that is no
// longer the Conn's current one are ignored.
type link[K, R any] struct {
	cn       *Conn[K, R]
	c        *eddy.Conn
	broken   error // why the Conn dropped the socket, if it did
	answered bool  // a reply to a request (the handshake's included) arrived
}

// New returns a Conn for cfg on loop and starts connecting. Requests made
// before the connection is ready wait for it (see Call). Safe for
// concurrent use; the dial itself starts on the loop.
func New[K, R any](loop *eddy.Loop, cfg Config[K, R]) *Conn[K, R] {
	cfg.defaults()
	if cfg.TLSConfig != nil {
		cfg.TLSConfig = tlsx.ClientConfig(cfg.TLSConfig, cfg.Addr)
	}
	cn := &Conn[K, R]{loop: loop, cfg: cfg, codec: cfg.Codec}
	cn.push, _ = cfg.Codec.(PushCodec)
	cn.flushFn, cn.nowFn = cn.flush, cn.flushNow
	cn.onLoop(func() {
		loop.OnExit(func() { cn.closeAll(eddy.ErrLoopStopped) })
		if cn.state == 0 {
			cn.dial()
		}
	})
	return cn
}

// onLoop runs fn on the loop: at once if called there, else posted. It
// reports false if the loop has closed.
func (cn *Conn[K, R]) onLoop(fn func()) bool {
	if cn.loop.OnLoop() {
		fn()
		return true
	}
	return cn.loop.Post(fn) == nil
}

// Loop returns the Conn's loop. Safe for concurrent use.
func (cn *Conn[K, R]) Loop() *eddy.Loop { return cn.loop }

// State returns the Conn's state. Loop-only.
func (cn *Conn[K, R]) State() State { return max(cn.state, StateDialing) }

// InFlight returns the number of requests written, or being written,
// whose replies have not arrived, and the number waiting for a connection.
// Loop-only.
func (cn *Conn[K, R]) InFlight() (pending, waiting int) { return cn.pending.len(), cn.waiting.len() }

// Call sends a request and returns the future of its reply. k is the
// codec's context for decoding the reply; cmd the encoded request, which
// the Conn keeps, unmodified, until it is written (and, for an Idempotent
// request, until its reply arrives).
//
// The future fails with:
//   - the codec's error for an error reply (the connection stays up);
//   - a *ConnError (ErrConnLost) if the connection drops before the reply,
//     or if the connection attempt the request waited for fails; Sent says
//     whether it was written. Requests never written wait for the next
//     connection (Bound ones fail instead, or at once if no connection is
//     ready); written ones are never sent again unless Idempotent;
//   - ErrClosed after Close or Shutdown, ErrBacklogFull past MaxQueued;
//   - a *ConnError (ErrConnLost, Sent false), at once, once a
//     Config.NoReconnect connection has dropped.
//
// Cancelling the future (Cancel, WithContext, Timeout, Await's context)
// drops a request that is not yet written; once written, its reply is read
// and discarded, so that later replies still match their requests.
//
// Safe for concurrent use: off the loop, the request is posted to it.
func (cn *Conn[K, R]) Call(k K, cmd []byte, flags Flags) *future.Future[R] {
	f, p := future.New[R](cn.loop)
	cn.send(&request[K, R]{kind: k, cmd: cmd, s: (*promiseSink[R])(p), idem: flags&Idempotent != 0, bound: flags&Bound != 0})
	return f
}

// send submits req: at once on the loop (without the closure a Post
// needs), else posted to it.
func (cn *Conn[K, R]) send(req *request[K, R]) {
	if cn.loop.OnLoop() {
		cn.submit(req)
		return
	}
	if cn.loop.Post(func() { cn.submit(req) }) != nil {
		req.fail(ErrClosed)
	}
}

// Do is Call for goroutine code: it waits for the reply, or for ctx to
// end (the request is then cancelled, see Call). Called on a loop
// goroutine it returns future.ErrAwaitOnLoop at once, without sending.
// Safe for concurrent use.
func (cn *Conn[K, R]) Do(ctx context.Context, k K, cmd []byte, flags Flags) (R, error) {
	if cn.loop.OnLoop() {
		var zero R
		return zero, future.ErrAwaitOnLoop
	}
	return cn.Call(k, cmd, flags).Await(ctx)
}

// submit routes a new request by state. Loop-only.
func (cn *Conn[K, R]) submit(req *request[K, R]) {
	switch cn.state {
	case StateClosed, StateClosing:
		if cn.lost != nil {
			req.fail(&ConnError{Err: cn.lost})
			return
		}
		req.fail(ErrClosed)
	case StateReady:
		if cn.unsent >= cn.cfg.MaxQueued {
			if cn.sweepDue() {
				cn.dropCancelled()
			}
			if cn.unsent >= cn.cfg.MaxQueued {
				req.fail(ErrBacklogFull)
				return
			}
		}
		cn.enqueue(req)
	default:
		if req.bound {
			req.fail(&ConnError{Err: errNotReady})
			return
		}
		if cn.waiting.len() >= cn.cfg.MaxQueued {
			if cn.sweepDue() {
				cn.waiting.remove(done[K, R])
			}
			if cn.waiting.len() >= cn.cfg.MaxQueued {
				req.fail(ErrBacklogFull)
				return
			}
		}
		cn.waiting.push(req)
	}
}

// sweepDue reports whether a request that finds the queue full should
// first sweep out the requests cancelled since they were queued (callers
// whose Do context ended while a dial hung): they will never be written
// and must not refuse live requests. A sweep costs the queue's length, so
// after one the next MaxQueued/8 requests that find the queue full are
// refused without sweeping, which keeps a server that is simply not
// keeping up from costing a sweep per refusal.
func (cn *Conn[K, R]) sweepDue() bool {
	if cn.unswept > 0 {
		cn.unswept--
		return false
	}
	cn.unswept = cn.cfg.MaxQueued / 8
	return true
}

// done reports whether req was settled before it was written (cancelled).
func done[K, R any](req *request[K, R]) bool { return req.s.done() }

// enqueue appends a request to the turn's batch and schedules the flush.
func (cn *Conn[K, R]) enqueue(req *request[K, R]) {
	cn.pending.push(req)
	cn.out = append(cn.out, req.cmd...)
	cn.unsent++
	if !cn.flushing {
		cn.flushing = true
		cn.loop.NextTick(cn.flushFn)
	}
}

// flush writes the batch with one Write. On ErrQueueFull nothing was
// queued and OnDrain calls flush again.
func (cn *Conn[K, R]) flush() {
	cn.flushing = false
	// While written requests wait for replies, hold new ones (up to a
	// bound) until the next reply arrives: the server answers in order, so
	// they could not be answered sooner, and under load this turns many
	// small writes into a few large ones on both sides.
	if cn.pending.len() > cn.unsent && len(cn.out) < corkLimit {
		return
	}
	cn.write()
}

// flushNow writes the batch whatever is in flight.
func (cn *Conn[K, R]) flushNow() {
	cn.flushing = false
	cn.write()
}

// corkLimit is the most bytes flush holds back while replies are due.
const corkLimit = 64 << 10

// write hands the batch to the socket.
func (cn *Conn[K, R]) write() {
	if cn.link == nil || len(cn.out) == 0 {
		return
	}
	if cn.dropCancelled(); len(cn.out) == 0 {
		cn.maybeFinish() // a Shutdown may have waited only for these
		return
	}
	if err := cn.link.c.Write(cn.out); err != nil {
		return // ErrQueueFull: OnDrain retries; ErrClosed: OnClose cleans up
	}
	for i := cn.pending.len() - cn.unsent; i < cn.pending.len(); i++ {
		r := cn.pending.at(i)
		r.sent = true
		if !r.idem {
			r.cmd = nil
		}
	}
	cn.unsent = 0
	if cap(cn.out) > 1<<20 {
		cn.out = nil // do not keep a burst's buffer for ever
	} else {
		cn.out = cn.out[:0]
	}
	cn.expect()
}

// expect tells the loop whether this connection awaits replies to
// written requests, so that an adaptively spinning loop polls for them
// briefly instead of going to sleep at once.
func (cn *Conn[K, R]) expect() {
	due := cn.link != nil && cn.pending.len() > cn.unsent
	if due == cn.awaiting {
		return
	}
	cn.awaiting = due
	if due {
		cn.loop.ExpectReplies(1)
	} else {
		cn.loop.ExpectReplies(-1)
	}
}

// dropCancelled takes the requests cancelled since they were queued out
// of the batch, so that they are never written.
func (cn *Conn[K, R]) dropCancelled() {
	first := cn.pending.len() - cn.unsent
	i := first
	for i < cn.pending.len() && !cn.pending.at(i).s.done() {
		i++
	}
	if i == cn.pending.len() {
		return // the common case: nothing cancelled
	}
	tail := cn.pending.cut(first)
	cn.out, cn.unsent = cn.out[:0], 0
	for _, req := range tail {
		if !req.s.done() {
			cn.pending.push(req)
			cn.out = append(cn.out, req.cmd...)
			cn.unsent++
		}
	}
}

// dial starts a connection attempt.
func (cn *Conn[K, R]) dial() {
	cn.setState(StateDialing, nil)
	l := &link[K, R]{cn: cn}
	c, err := cn.loop.Dial(cn.cfg.Network, cn.cfg.Addr, l, eddy.WithDialTimeout(cn.cfg.DialTimeout))
	if err != nil {
		cn.attemptFailed(err)
		return
	}
	if cn.cfg.TLSConfig != nil {
		c.SetLayer(tlsx.ClientLayer(cn.cfg.TLSConfig, tlsx.WithHandshakeTimeout(cn.cfg.DialTimeout)))
	}
	l.c = c
	cn.link = l
}

// ready flushes the requests that waited for the connection.
func (cn *Conn[K, R]) ready() {
	// attempts is reset only once the connection has proved itself
	// (OnClose): a server that accepts and drops at once must meet a
	// growing backoff.
	cn.readyAt = cn.loop.Now()
	cn.setState(StateReady, nil)
	for cn.waiting.len() > 0 {
		req := cn.waiting.pop()
		if req.s.done() { // cancelled while waiting: never send it
			continue
		}
		cn.enqueue(req)
	}
}

// attemptFailed fails the requests that waited for this attempt and
// schedules the next one.
func (cn *Conn[K, R]) attemptFailed(cause error) {
	for _, req := range cn.waiting.take() {
		req.fail(&ConnError{Sent: req.sent, Err: cause})
	}
	cn.backoff(cause)
}

// backoff schedules the next attempt after a capped, jittered,
// exponentially growing delay.
func (cn *Conn[K, R]) backoff(cause error) {
	d := cn.cfg.MinBackoff << min(cn.attempts, 30)
	if d <= 0 || d > cn.cfg.MaxBackoff {
		d = cn.cfg.MaxBackoff
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	cn.attempts++
	cn.setState(StateBackoff, cause)
	cn.timer = cn.loop.AfterFunc(d, func() {
		cn.timer = nil
		if cn.state == StateBackoff {
			cn.dial()
		}
	})
}

func (cn *Conn[K, R]) setState(s State, err error) {
	if cn.state == s && err == nil {
		return
	}
	cn.state = s
	if cn.cfg.OnState != nil {
		cn.cfg.OnState(s, err)
	}
}

// Close closes the connection at once. Requests in flight or waiting fail
// with ErrClosed, and so do later ones; no reconnect follows. A
// Config.NoReconnect Conn whose connection dropped is closed already: its
// later requests keep failing with a *ConnError. Safe for concurrent use.
func (cn *Conn[K, R]) Close() {
	cn.onLoop(func() { cn.closeAll(ErrClosed) })
}

func (cn *Conn[K, R]) closeAll(cause error) {
	if cn.state == StateClosed {
		return
	}
	if cn.timer != nil {
		cn.timer.Stop()
		cn.timer = nil
	}
	if l := cn.link; l != nil {
		cn.link = nil
		l.c.Close()
	}
	err := cause
	if cause != ErrClosed {
		err = &ConnError{Err: cause}
	}
	for cn.pending.len() > 0 {
		req := cn.pending.pop()
		if req.sent && cause != ErrClosed {
			req.fail(&ConnError{Sent: true, Err: cause})
		} else {
			req.fail(err)
		}
	}
	for _, req := range cn.waiting.take() {
		req.fail(err)
	}
	cn.unsent, cn.out = 0, nil
	cn.expect()
	cn.setState(StateClosed, cn.lost) // lost: nil unless NoReconnect gave up
	if cn.quit != nil {
		cn.quit.Resolve(struct{}{})
	}
}

// Shutdown closes the connection gracefully: later requests fail with
// ErrClosed; those already written or queued on a ready connection get
// their replies; then final (if not empty, such as a QUIT command that has
// no reply) is written and the connection closed. Requests waiting for a
// connection fail with ErrClosed. The future resolves once the Conn is
// closed. Safe for concurrent use.
func (cn *Conn[K, R]) Shutdown(final []byte) *future.Future[struct{}] {
	f, p := future.New[struct{}](cn.loop)
	ok := cn.onLoop(func() {
		switch cn.state {
		case StateClosed, StateClosing:
			if cn.quit != nil && cn.state == StateClosing {
				p.Follow(cn.quit.Future())
			} else {
				p.Resolve(struct{}{})
			}
			return
		case StateReady:
			cn.quit, cn.final = p, final
			cn.setState(StateClosing, nil)
			cn.maybeFinish()
		default:
			cn.quit = p
			cn.closeAll(ErrClosed)
		}
	})
	if !ok {
		p.Resolve(struct{}{})
	}
	return f
}

// maybeFinish ends a Shutdown once nothing is in flight.
func (cn *Conn[K, R]) maybeFinish() {
	if cn.state != StateClosing || cn.pending.len() > 0 || cn.link == nil {
		return
	}
	cn.write()
	if len(cn.final) > 0 {
		_ = cn.link.c.Write(cn.final)
	}
	cn.link.c.Close() // OnClose finishes
}

// Handshake is what Config.Setup gets to talk to a fresh connection before
// it is ready.
type Handshake[K, R any] struct {
	cn *Conn[K, R]
	l  *link[K, R]
}

// Send sends a request on the connection being set up, ahead of every
// queued request, and returns the future of its reply. If the connection
// has dropped meanwhile, the future fails with a *ConnError. Loop-only.
func (h *Handshake[K, R]) Send(k K, cmd []byte) *future.Future[R] {
	f, p := future.New[R](h.cn.loop)
	if h.cn.link != h.l || h.cn.state != StateHandshaking {
		p.Reject(&ConnError{Err: io.ErrClosedPipe})
		return f
	}
	h.cn.enqueue(&request[K, R]{kind: k, cmd: cmd, s: (*promiseSink[R])(p), internal: true})
	return f
}

// OnOpen starts the handshake, or makes the connection ready.
func (l *link[K, R]) OnOpen(c *eddy.Conn) {
	cn := l.cn
	if cn.link != l {
		c.Abort()
		return
	}
	cn.codec.Reset()
	if cn.cfg.Setup == nil {
		cn.ready()
		return
	}
	cn.setState(StateHandshaking, nil)
	f := future.Timeout(cn.cfg.Setup(&Handshake[K, R]{cn: cn, l: l}), cn.cfg.DialTimeout)
	f.OnSettle(func(_ struct{}, err error) {
		if cn.link != l || cn.state != StateHandshaking {
			return
		}
		if err != nil {
			l.broken = &SetupError{Err: err}
			c.Abort()
			return
		}
		cn.ready()
	})
}

// OnData decodes replies and settles their requests in order.
func (l *link[K, R]) OnData(c *eddy.Conn, data []byte) int {
	cn := l.cn
	if cn.link != l {
		return len(data)
	}
	// Only written requests await replies: the unsent ones at the tail
	// of pending (held back by the cork or a full write queue) cannot
	// have been answered, so bytes beyond the written ones' replies are
	// unsolicited, unless they are out-of-band messages a PushCodec
	// knows.
	if cn.pending.len() == cn.unsent && cn.push == nil {
		l.fail(c, ErrUnsolicited)
		return len(data)
	}
	cn.codec.Feed(data)
	for cn.pending.len() > cn.unsent {
		req := cn.pending.peek()
		rep, err := cn.codec.Next(req.kind)
		if errors.Is(err, ErrNeedMore) {
			break
		}
		cn.pending.pop() // pop before settling
		l.answered = true
		if err != nil {
			req.fail(err)
			if errors.Is(err, ErrBroken) {
				l.fail(c, err)
				return len(data)
			}
		} else {
			req.s.settle(rep, nil)
		}
	}
	if cn.pending.len() == cn.unsent && cn.codec.Buffered() > 0 {
		err := ErrUnsolicited
		if cn.push != nil {
			err = cn.push.DrainPushes()
		}
		if err != nil && !errors.Is(err, ErrNeedMore) {
			l.fail(c, err)
			return len(data)
		}
	}
	if cn.unsent > 0 && !cn.flushing {
		cn.flushing = true
		cn.loop.NextTick(cn.nowFn) // after the replies' callbacks have queued more
	}
	cn.expect()
	cn.maybeFinish()
	return len(data)
}

func (l *link[K, R]) fail(c *eddy.Conn, err error) {
	l.broken = err
	c.Abort()
}

// OnDrain writes what the full write queue held back.
func (l *link[K, R]) OnDrain(*eddy.Conn) {
	if l.cn.link == l {
		l.cn.write()
	}
}

// OnClose fails what was in flight and reconnects, or, for a
// Config.NoReconnect Conn that was ready, closes the Conn.
func (l *link[K, R]) OnClose(_ *eddy.Conn, err error) {
	cn := l.cn
	if cn.link != l {
		return
	}
	cn.link = nil
	if l.broken != nil {
		err = l.broken
	} else if err == nil {
		err = io.EOF
	}
	if cn.state == StateClosing || errors.Is(err, eddy.ErrLoopStopped) {
		cn.closeAll(err)
		return
	}
	wasReady := cn.state == StateReady
	if wasReady && cn.cfg.NoReconnect {
		// The session's state on the server went with the connection:
		// retry nothing (not even unsent or idempotent requests, which
		// would run without it), and refuse later requests at once.
		cn.lost = err
		cn.closeAll(err)
		return
	}
	// Requests never written, and idempotent ones, go back in front of
	// those waiting, but for Bound ones; the others fail.
	var again ring[*request[K, R]]
	firstUnsent := cn.pending.len() - cn.unsent
	for i := 0; cn.pending.len() > 0; i++ {
		req := cn.pending.pop()
		retry := !req.internal && !req.bound && (i >= firstUnsent || req.idem) && !req.s.done()
		if retry {
			again.push(req)
		} else {
			req.fail(&ConnError{Sent: i < firstUnsent, Err: err})
		}
	}
	for cn.waiting.len() > 0 {
		again.push(cn.waiting.pop())
	}
	cn.waiting = again
	cn.unsent, cn.out = 0, cn.out[:0]
	cn.expect()
	if wasReady {
		if l.answered || cn.loop.Now().Sub(cn.readyAt) >= cn.cfg.MinBackoff {
			cn.attempts = 0
			cn.setState(StateDialing, err)
			cn.dial() // at once: the server was there a moment ago
			return
		}
		// Ready only for an instant, and silent (a server that accepts
		// and closes at once, or a proxy whose backend is down):
		// redialling at once would spin. It counts as a failed attempt;
		// the requests put back wait for the next one.
		cn.backoff(err)
		return
	}
	cn.attemptFailed(err)
}
