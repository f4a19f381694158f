package httpserver

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// transport is what a serverConn needs from its connection. The eddy
// implementation is connGlue; tests and fuzz targets use an in-memory one,
// so the protocol state machine runs without sockets.
type transport interface {
	Write(p []byte) error
	Writable() bool
	Close() error
	// CloseWrite shuts down the writing side once the output given has
	// been written; reading goes on (see serverConn.finish).
	CloseWrite() error
	// SetWriteDeadline closes the connection if output given is still
	// unwritten when t passes; the zero time clears it (see watchSend).
	SetWriteDeadline(t time.Time)
	PauseRead()
	ResumeRead()
	// Now is the connection's one clock, for deadlines and the Date
	// field: the loop's time, which moves once per loop turn.
	Now() time.Time
	// ArmTimer (re)starts the connection's one timer to call onTimer
	// after d.
	ArmTimer(d time.Duration)
	// Defer runs fn on the loop after the current callback returns.
	Defer(fn func())
	Loop() *eddy.Loop
	RemoteAddr() net.Addr
	// CanSendFile reports whether SendFile copies in the kernel, so
	// that Buffered counts the bytes the handler gave.
	CanSendFile() bool
	SendFile(f *os.File, off, n int64) error
	// Buffered is the number of bytes given and not yet written.
	Buffered() int
	// WatchDrain(true) makes onDrain run only once everything given has
	// been written, so that finished files can be reported.
	WatchDrain(on bool)
	// Hijack hands the connection to the handler fn returns; the
	// state machine is done with it.
	Hijack(fn UpgradeFunc)
}

// Deadline kinds.
const (
	dlNone uint8 = iota
	dlIdle
	dlHeader
	dlBody
	dlLinger
)

const (
	// bufferLimit is how much body a response buffers before committing
	// its head, so that small responses get a Content-Length.
	bufferLimit = 16 << 10
	// pendingLimit bounds the output a response queued behind earlier
	// pipelined ones holds before its writes report ErrQueueFull.
	pendingLimit = 256 << 10
	// outFlush is the output size at which a batch is written at once.
	outFlush = 64 << 10
	// maxDiscard is how much of an unread request body the server reads
	// and drops to keep the connection; beyond it, it closes.
	maxDiscard = 256 << 10
	// lingerTime bounds how long a connection the server closes with
	// the client's input unread goes on reading and dropping it once its
	// output has been given to the transport (see finish), and
	// lingerMax how much it drops.
	lingerTime = 5 * time.Second
	lingerMax  = 16 << 20
	// shutdownLinger is lingerTime while the server shuts down, which
	// waits for the connections to close: net/http's delay for the same.
	shutdownLinger = 500 * time.Millisecond
	// defaultMaxPipeline bounds the requests in flight on a connection.
	defaultMaxPipeline = 64
)

// serverConn is the per-connection protocol state machine: fed bytes by
// onData, it parses requests, runs handlers and writes their responses,
// in order, through its transport. Loop-only.
type serverConn struct {
	srv *Server
	t   transport
	ls  *loopState
	p   http1.RequestParser

	cur     *Request   // request whose body is being parsed, or nil
	rest    []byte     // for dispatch of a chunked request: the bytes received after its head
	serving *Request   // request whose handler ServeHTTP is running, or nil
	queue   []*Request // requests whose responses are not fully sent, in order
	out     []byte     // output of the front response not yet given to t
	held    []segment  // output that goes before out: file regions
	files   []fileWait // file regions given to t, not yet written
	sent    int64      // bytes given to t

	strs  []byte   // block request strings are carved from (see newRequest)
	last  lastHead // the previous request's head and strings (see newRequest)
	free  *Request // a finished request to reuse (see recycle)
	spare []byte   // a response body buffer to reuse (see takeBuf)

	blocked     bool     // the last write of out returned ErrQueueFull
	inData      bool     // inside onData: output is batched
	paused      bool     // reading paused by us
	closing     bool     // parse no more requests; close when the queue is done
	closeSent   bool     // t.Close called
	closed      bool     // the connection has closed
	closeLater  bool     // closeSent, but t.Close waits for the output to go
	lingering   bool     // closeSent, the writing side shut: reading and dropping (see finish)
	dropped     bool     // closing, bytes the client sent after the last request were dropped
	clientDone  bool     // the client said it sends no more requests (no keep-alive)
	quiet       bool     // the close answers nothing the client may still be sending (see finish)
	lingered    int      // bytes dropped while lingering
	sendDL      bool     // the transport's write deadline is set (watchSend)
	hijackLater bool     // an upgrade waits for the output to go
	upHold      *Request // upgrade request parsed, its answer pending: parse no further

	now time.Time // the transport's time at the start of onData (see clock)
	// leftover is the bytes of an incomplete head left after the last
	// onData, counting the empty lines the parser skipped before it in
	// that call (see onData); only whether it is zero matters.
	leftover  int
	headStart time.Time // when an incomplete head began
	dkind     uint8
	deadline  time.Time
	timerAt   time.Time // when the armed timer fires (zero: not armed)
}

func (sc *serverConn) init(srv *Server, t transport, ls *loopState) {
	sc.srv = srv
	sc.t = t
	sc.ls = ls
	sc.p.Reset(srv.parserOptions()...)
	sc.headStart = t.Now()
	sc.leftover = 0
	sc.setDeadline(dlHeader, sc.headStart.Add(srv.readHeaderTimeout()))
}

// onData parses what it can of data and reports how much it consumed.
func (sc *serverConn) onData(data []byte) (used int) {
	defer sc.guard(&used, len(data))
	if sc.lingering {
		return sc.linger(len(data))
	}
	sc.inData = true
	sc.now = sc.t.Now()
	skipped := 0 // empty lines skipped before a request line
	for !sc.closed && !sc.paused && !sc.closeSent {
		if cur := sc.cur; cur == nil {
			if sc.closing {
				sc.dropped = sc.dropped || used < len(data)
				used = len(data)
				break
			}
			if len(sc.queue) >= sc.srv.maxPipeline() {
				sc.pause()
				break
			}
		} else if cur.bstate == bodyWaiting || cur.bstate == bodyPaused || cur.bstate == bodyFailed {
			sc.pause()
			break
		}
		if sc.upHold != nil {
			sc.pause()
			break
		}
		n, ev, err := sc.p.Parse(data[used:])
		used += n
		if err != nil {
			if err == http1.ErrNeedMore { // never wrapped: cheaper than errors.Is
				// The count is used only between requests
				// (sc.cur == nil, below), where the parser
				// consumes nothing but the empty lines it skips
				// before a request line. They start a head as its
				// first bytes do (RFC 9112 §2.2 lets a server skip
				// them, not wait for them forever): else a client
				// sending only CRLFs would hold the connection
				// with neither the header timeout nor the idle
				// timeout firing.
				skipped = n
				break
			}
			sc.parseError(err)
			sc.dropped = true // the rest of what the client sent is not read
			used = len(data)
			break
		}
		switch ev.Kind {
		case http1.EventHead:
			sc.leftover = 0
			sc.headStart = time.Time{}
			hd := &sc.last.head // a repeated head parses as the previous one
			if !sc.p.Repeated() {
				hd = sc.p.Request()
			}
			if hd.Framing == http1.FramingChunked {
				sc.rest = data[used:] // for chunkedBuffered, in dispatch
			}
			sc.dispatch(hd)
		case http1.EventBody:
			sc.cur.bodyData(ev.Data)
		case http1.EventTrailers:
			sc.cur.setTrailers(sc.p.Trailers())
		case http1.EventEnd:
			r := sc.cur
			sc.cur = nil
			r.bodyEnd(nil)
			if r.upgrade && r.queued {
				// The bytes that follow may belong to another
				// protocol: parse no further until the handler
				// has answered.
				sc.upHold = r
				sc.tryHijack()
			} else if !r.queued {
				sc.advance()
			}
			sc.recycle(r)
		}
	}
	sc.inData = false
	if sc.cur == nil && !sc.closing {
		sc.leftover = len(data) - used + skipped
		if sc.leftover > 0 && sc.headStart.IsZero() {
			sc.headStart = sc.now
		}
	}
	sc.flush()
	sc.updateDeadline(sc.now)
	return used
}

// clock returns the transport's time, for the Date field. Within onData
// it is the time read when the call began, which is the same (the
// loop's time moves once per loop turn) and costs nothing for each of
// the responses the call produces.
func (sc *serverConn) clock() time.Time {
	if sc.inData {
		return sc.now
	}
	return sc.t.Now()
}

// dispatch starts a request whose head has arrived.
func (sc *serverConn) dispatch(hd *http1.Request) {
	r := sc.newRequest(hd)
	sc.enqueue(r)
	if !hd.KeepAlive || sc.ls.down {
		sc.clientDone = sc.clientDone || !hd.KeepAlive
		sc.closing = true
		r.w.closeAfter = true
	}
	switch {
	case hd.Framing == http1.FramingNone || (hd.Framing == http1.FramingLength && hd.ContentLength == 0):
		r.bstate = bodyNone
	case hd.Framing == http1.FramingChunked:
		r.bstate = bodyWaiting
		r.bodyHere = sc.chunkedBuffered(sc.rest)
		sc.rest = nil // the read's buffer is not ours past onData
	default:
		r.bstate = bodyWaiting
	}
	sc.cur = r
	r.w.holds = 1
	sc.serving = r // onData's guard fails r's response if the handler panics
	sc.srv.Handler.ServeHTTP(&r.w, r)
	sc.serving = nil
	r.w.release()
	r.sync = r.w.ended && !r.w.async && r.w.ext == nil && r.onEnd == nil && !r.w.hooked
}

// chunkedBuffered reports whether the chunked body whose head the parser
// has just reported ends within rest, the bytes received with the head,
// with at most maxDiscard bytes of data: a server that does not read it
// can then drop it and keep the connection without waiting for the
// client (see Request.closesUnread). It parses a copy of the parser,
// which leaves sc.p as it was: the copy shares only the storage of the
// trailer fields, into which it writes what sc.p writes again, from the
// same bytes, when it reaches them. Only chunked requests pay for it,
// mostly a few chunk lines: the data is skipped, not copied.
func (sc *serverConn) chunkedBuffered(rest []byte) bool {
	p := sc.p
	var size int64
	for {
		n, ev, err := p.Parse(rest)
		if err != nil {
			return false // more to come, or a bad body (which closes)
		}
		rest = rest[n:]
		switch ev.Kind {
		case http1.EventBody:
			if size += int64(len(ev.Data)); size > maxDiscard {
				return false
			}
		case http1.EventEnd:
			return true
		}
	}
}

// guard, deferred by onData, handles a panic in a handler's ServeHTTP
// (handlers run only from onData, through dispatch) once per read rather
// than once per request, which pipelining would pay 16 times: the
// response fails as ResponseWriter.recoverPanic fails it, the rest of the
// read is dropped, the connection closes after what is queued, and the
// loop reports the panic from a callback of its own. A panic outside a
// handler closes the connection.
func (sc *serverConn) guard(used *int, n int) {
	v := recover()
	if v == nil {
		return
	}
	sc.inData = false
	*used = n
	sc.closing = true
	r := sc.serving
	if r == nil {
		sc.closeConn()
		sc.t.Defer(func() { panic(v) })
		return
	}
	sc.serving = nil
	r.w.panicked(v)
	r.w.release()
	sc.flush()
	sc.updateDeadline(sc.now)
}

// recycle keeps r for the connection's next request if nothing can still
// hold it. The ownership rule: a request is reused only when its
// response ended inside the handler's ServeHTTP call (r.sync), no
// asynchronous hook was ever registered on it (Async, Wait, OnBody,
// ReadBody, OnWritable, SendFile, OnAbort, OnEnd, a body filter or an
// upgrade: any of these makes it keep its storage for good), and it has
// left the connection's queue. The strings of a recycled request stay valid; its
// Header's storage and the Request itself are reused.
func (sc *serverConn) recycle(r *Request) {
	if !r.sync || !r.w.ended || r.queued || r.upgrade || r.w.ext != nil || r.w.async ||
		r.onEnd != nil || r.onData != nil || r.w.hooked || sc.upHold == r {
		return
	}
	sc.free = r
}

func (sc *serverConn) enqueue(r *Request) {
	r.queued = true
	r.w.front = len(sc.queue) == 0
	sc.queue = append(sc.queue, r)
}

// parseError answers a request the codec rejected and closes.
func (sc *serverConn) parseError(err error) {
	status := 400
	var he *http1.Error
	if errors.As(err, &he) && he.Status != 0 {
		status = he.Status
	}
	sc.closing = true
	if r := sc.cur; r != nil {
		// The body was malformed or too large.
		sc.cur = nil
		if !r.w.ended {
			if !r.w.committed {
				r.w.abort(status)
			} else {
				r.w.closeAfter = true
			}
		}
		r.bodyEnd(err)
		sc.advance()
		return
	}
	r := &Request{sc: sc}
	r.w.sc = sc
	r.w.req = r
	r.ContentLength = -1
	sc.enqueue(r)
	r.w.abort(status)
}

// advance sends what responses at the front of the queue have finished
// and hands the connection to the next one.
func (sc *serverConn) advance() {
	for len(sc.queue) > 0 {
		w := &sc.queue[0].w
		if !w.ended {
			break
		}
		if sc.closeSent {
			// The connection is closing after a response before the
			// ones still queued (one with closeAfter, or one cut
			// short): those are never sent. They stay queued for
			// onClose to abort, which also releases the files they
			// hold (connGone); moved to the output here as they ended,
			// they were dropped with it, and their SendFile regions'
			// done never ran.
			return
		}
		if w.upgrading() != nil {
			sc.tryHijack()
			return
		}
		if sc.upHold == w.req {
			sc.upHold = nil
		}
		sc.queue[0].queued = false
		copy(sc.queue, sc.queue[1:])
		sc.queue[len(sc.queue)-1] = nil
		sc.queue = sc.queue[:len(sc.queue)-1]
		if w.closeAfter {
			sc.closeConn()
			return
		}
		if len(sc.queue) > 0 {
			nw := &sc.queue[0].w
			nw.front = true
			if nw.ext != nil && nw.ext.segs != nil {
				sc.takeSegs(nw.ext.segs)
				nw.ext.segs = nil
			}
			sc.out = append(sc.out, nw.pending...)
			nw.pending = nil
		}
	}
	if sc.closing && sc.cur == nil && len(sc.queue) == 0 {
		sc.closeConn()
		return
	}
	if sc.inData {
		return
	}
	sc.flush()
	if sc.paused && sc.canRead() {
		sc.resume()
	}
	sc.updateDeadline(sc.t.Now())
	sc.notifyWritable()
}

// canRead reports whether parsing may go on.
func (sc *serverConn) canRead() bool {
	if sc.closed || sc.closeSent {
		return false
	}
	if sc.upHold != nil {
		return false
	}
	if sc.cur != nil {
		return sc.cur.bstate != bodyWaiting && sc.cur.bstate != bodyPaused && sc.cur.bstate != bodyFailed
	}
	return !sc.closing && len(sc.queue) < sc.srv.maxPipeline()
}

func (sc *serverConn) pause() {
	if !sc.paused {
		sc.paused = true
		sc.t.PauseRead()
	}
}

// resume undoes pause and makes sure the parser runs again even when no
// new bytes arrive (the end of a body may be pending in the parser).
func (sc *serverConn) resume() {
	if !sc.paused || sc.closed || sc.closeSent {
		// Closing: nothing more is parsed, so what the client sends
		// would pile up in the read buffer until it overflowed and
		// failed the connection, cutting the last response short. It
		// waits in the kernel; finish reads and drops it.
		return
	}
	sc.paused = false
	sc.t.ResumeRead()
	if !sc.inData {
		sc.t.Defer(sc.kick)
	}
}

func (sc *serverConn) kick() {
	if !sc.closed && !sc.paused && !sc.inData {
		left := sc.leftover
		sc.onData(nil)
		sc.leftover = left
	}
}

// flush gives the batched output to the transport.
func (sc *serverConn) flush() {
	if sc.closed {
		return
	}
	if len(sc.held) > 0 && !sc.flushHeld() {
		return
	}
	if len(sc.out) == 0 {
		return
	}
	err := sc.t.Write(sc.out)
	if err != nil && errors.Is(err, eddy.ErrQueueFull) {
		sc.blocked = true
		if !sc.sendDL {
			sc.watchSend()
		}
		return
	}
	sc.blocked = false
	sc.sent += int64(len(sc.out))
	if sc.files != nil {
		sc.checkFiles()
	}
	// Output the socket may not have taken at once: a large write, or
	// files. Small writes go to the socket whole unless the client has
	// stalled, and then they fill the queue (above) soon enough.
	if sc.sendDL || len(sc.out) >= outFlush || sc.files != nil {
		sc.watchSend()
	}
	if cap(sc.out) > 4*outFlush {
		sc.out = nil
	} else {
		sc.out = sc.out[:0]
	}
}

// outAdded flushes the output after a response added to it, unless it
// is batched (inside onData) and still small.
func (sc *serverConn) outAdded() {
	if !sc.inData || len(sc.out) >= outFlush {
		sc.flush()
	}
}

// writable reports whether the front response may write more.
func (sc *serverConn) writable() bool {
	return !sc.blocked && len(sc.held) == 0 && len(sc.out) < outFlush*4 && sc.t.Writable()
}

func (sc *serverConn) onDrain() {
	sc.blocked = false
	if sc.sendDL {
		sc.watchSend() // progress
	}
	sc.flush()
	sc.checkFiles()
	if sc.hijackLater {
		sc.hijackLater = false
		sc.tryHijack()
		return
	}
	if sc.closeLater && len(sc.out) == 0 && len(sc.held) == 0 {
		sc.closeLater = false
		sc.finish()
		return
	}
	sc.notifyWritable()
}

func (sc *serverConn) notifyWritable() {
	if len(sc.queue) == 0 || sc.closed {
		return
	}
	w := &sc.queue[0].w
	if w.onWritable != nil && sc.writable() {
		fn := w.onWritable
		w.onWritable = nil
		fn()
	}
}

// closeConn closes the connection once its output is written.
func (sc *serverConn) closeConn() {
	if sc.closeSent || sc.closed {
		return
	}
	sc.closing = true
	sc.flush()
	sc.closeSent = true
	if len(sc.out) > 0 || len(sc.held) > 0 {
		// The transport's queue is full: close once it has taken the
		// rest (onDrain).
		sc.closeLater = true
		sc.pause()
		return
	}
	sc.finish()
}

// watchSend keeps the transport's write deadline SendTimeout ahead while
// output waits in it, and clears it once none does: it moves with every
// write the transport takes (flush) and every drain, so it fires only
// when the client has taken nothing for that long. Cleared, it cannot
// fire later on output that is merely queued for an instant.
func (sc *serverConn) watchSend() {
	d := sc.srv.sendTimeout()
	if d <= 0 || sc.closed {
		return
	}
	if sc.t.Buffered() == 0 && len(sc.held) == 0 {
		if sc.sendDL {
			sc.sendDL = false
			sc.t.SetWriteDeadline(time.Time{})
		}
		return
	}
	sc.sendDL = true
	sc.t.SetWriteDeadline(sc.t.Now().Add(d))
}

// finish closes the connection, its output all given to the transport.
// If the client may still be sending (the server decided to close after
// a response, and the client may be pipelining or sending a body the
// server stopped reading), closing at once would make the kernel answer
// input that arrives unread with a reset, and a reset destroys the
// response bytes the kernel has not yet transmitted: a client reading
// the end of a large response would get "connection reset" instead. So
// it shuts down the writing side (the client gets the whole output, then
// the end of the stream), and reads and drops what still comes until the
// client closes its side, lingerMax bytes, or lingerTime after the last
// of the output has left, as net/http and nginx do (a lingering close).
// It closes at once when nothing of the sort can be lost or come: an
// idle connection, the client's end of stream, or a client that said it
// sends no more and has nothing unread.
func (sc *serverConn) finish() {
	if sc.closed {
		return
	}
	if sc.quiet || sc.clientDone && !sc.paused && !sc.dropped && sc.cur == nil && sc.leftover == 0 {
		sc.t.Close()
		return
	}
	sc.lingering = true
	if err := sc.t.CloseWrite(); err != nil || sc.closed {
		sc.t.Close()
		return
	}
	if sc.paused {
		sc.paused = false
		sc.t.ResumeRead()
	}
	sc.timerAt = time.Time{}
	sc.setDeadline(dlLinger, sc.t.Now().Add(sc.lingerFor()))
}

// lingerFor is how long a lingering close waits for the client.
func (sc *serverConn) lingerFor() time.Duration {
	if sc.ls.down {
		return shutdownLinger
	}
	return lingerTime
}

// linger drops n bytes the client sent after the connection began its
// lingering close, and closes once it has dropped lingerMax.
func (sc *serverConn) linger(n int) int {
	sc.lingered += n
	if sc.lingered > lingerMax {
		sc.t.Close()
	}
	return n
}

// onClose runs when the connection has closed, for whatever reason.
func (sc *serverConn) onClose() {
	if sc.closed {
		return
	}
	sc.closed = true
	sc.deadline = time.Time{}
	sc.out = nil
	sc.releaseFiles()
	q := sc.queue
	sc.queue = nil
	for _, r := range q {
		r.queued = false
		r.w.connGone()
	}
	if r := sc.cur; r != nil {
		sc.cur = nil
		r.w.connGone()
		r.bodyEnd(ErrConnClosed)
	}
	if sc.ls != nil {
		sc.ls.remove(sc)
	}
}

// onEOF runs, with Server.HalfClose, when the client has ended its side
// of the connection, perhaps shutting down only its writing side (a half
// close, as "nc -N" does after the request): the responses in flight
// still go out, as net/http's server sends them, and the connection
// closes after them, the last one saying so if its head has not gone
// yet. With nothing in flight, or with a request cut short (part of a
// head, a body that will never end) or an upgrade pending, it closes
// now, as without HalfClose.
func (sc *serverConn) onEOF() {
	if sc.lingering && !sc.closed {
		sc.t.Close() // the client has read to our end and closed
		return
	}
	if sc.closed || sc.closeSent {
		return
	}
	sc.quiet = true // the client's end: nothing more can come
	if len(sc.queue) == 0 || sc.cur != nil || sc.upHold != nil || sc.leftover > 0 {
		sc.closeConn()
		return
	}
	sc.gracefulClose()
}

// gracefulClose closes an idle connection now and a busy one after its
// responses in flight.
func (sc *serverConn) gracefulClose() {
	if sc.lingering && !sc.closed {
		// Closing already: the server's shutdown waits for it, so it
		// lingers no longer than shutdownLinger from now.
		sc.setDeadline(dlLinger, sc.t.Now().Add(shutdownLinger))
		return
	}
	if sc.closed || sc.closeSent {
		return
	}
	if len(sc.queue) == 0 && (sc.cur == nil || sc.cur.w.ended) {
		// Nothing in flight: at most the rest of an unread body, which
		// no longer needs to be read. It closes at once only if it
		// has sent nothing: the responses handed to the socket may not
		// have reached the client yet, and a close that meets its input
		// (a request it pipelines as the shutdown comes) resets the
		// connection and destroys them, so it lingers (finish), as
		// any close that may meet the client's input does.
		sc.quiet = sc.quiet || sc.cur == nil && sc.sent == 0
		sc.closeConn()
		return
	}
	sc.closing = true
	if n := len(sc.queue); n > 0 && !sc.queue[n-1].w.committed {
		sc.queue[n-1].w.closeAfter = true
	}
}

// updateDeadline sets the connection's timer for what it waits for, now
// being the transport's time.
func (sc *serverConn) updateDeadline(now time.Time) {
	if sc.closed || sc.closeSent {
		sc.deadline = time.Time{}
		return
	}
	switch {
	case sc.cur != nil:
		if st := sc.cur.bstate; st == bodyReading || st == bodyDiscard {
			sc.setDeadline(dlBody, add(now, sc.srv.readBodyTimeout()))
		} else {
			sc.setDeadline(dlNone, time.Time{})
		}
	case len(sc.queue) > 0:
		// Responses in flight: a head that follows them is timed once
		// they have gone (from its first byte still), so that its
		// timeout does not cut them.
		sc.setDeadline(dlNone, time.Time{})
	case sc.leftover > 0 && !sc.headStart.IsZero():
		sc.setDeadline(dlHeader, add(sc.headStart, sc.srv.readHeaderTimeout()))
	default:
		sc.setDeadline(dlIdle, add(now, sc.srv.idleTimeout()))
	}
}

func add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return t.Add(d)
}

// setDeadline records the deadline; the timer is re-armed only when it
// must fire earlier than it is set to, and catches up lazily otherwise.
func (sc *serverConn) setDeadline(kind uint8, at time.Time) {
	sc.dkind = kind
	sc.deadline = at
	if at.IsZero() {
		return
	}
	if sc.timerAt.IsZero() || at.Before(sc.timerAt) {
		sc.timerAt = at
		sc.t.ArmTimer(max(at.Sub(sc.t.Now()), time.Millisecond))
	}
}

// onTimer runs when the connection's timer fires.
func (sc *serverConn) onTimer() {
	sc.timerAt = time.Time{}
	if sc.closed || sc.deadline.IsZero() || sc.closeSent && sc.dkind != dlLinger {
		return
	}
	now := sc.t.Now()
	if now.Before(sc.deadline) {
		sc.timerAt = sc.deadline
		sc.t.ArmTimer(max(sc.deadline.Sub(now), time.Millisecond))
		return
	}
	sc.deadline = time.Time{}
	switch sc.dkind {
	case dlLinger:
		if sc.t.Buffered() > 0 {
			// The output is still leaving for a slow reader: the
			// linger time counts from when it has all gone.
			sc.setDeadline(dlLinger, now.Add(sc.lingerFor()))
			return
		}
		sc.t.Close()
	case dlIdle:
		if len(sc.files) > 0 || len(sc.held) > 0 || sc.t.Buffered() > 0 {
			// The last response is still going out (a large file to
			// a slow reader): the connection is not idle yet.
			sc.setDeadline(dlIdle, add(now, sc.srv.idleTimeout()))
			return
		}
		sc.quiet = true
		sc.closeConn()
	case dlHeader:
		if sc.leftover > 0 && sc.cur == nil && len(sc.queue) == 0 {
			sc.closing = true
			r := &Request{sc: sc, ContentLength: -1}
			r.w.sc = sc
			r.w.req = r
			sc.enqueue(r)
			r.w.abort(408)
			return
		}
		sc.closeConn()
	case dlBody:
		r := sc.cur
		sc.cur = nil
		sc.closing = true
		if r == nil {
			sc.closeConn()
			return
		}
		// Before the 408 ends it so; made now if not yet, so that a
		// handler that first asks for it later (in its body callback,
		// which gets ErrTimeout) sees this cause too. A rare path: the
		// context costs nothing on the others.
		if !r.w.ended {
			r.Context()
		}
		r.endContext(ErrTimeout)
		if !r.w.ended && !r.w.committed {
			r.w.abort(408)
			r.bodyEnd(ErrTimeout)
			return
		}
		r.bodyEnd(ErrTimeout)
		r.w.closeAfter = true
		sc.advance()
		if !r.w.ended && r.w.front {
			// Its response is going out: cut it short. Otherwise
			// the connection closes once the responses before
			// it, and then it, have been sent (see advance):
			// nothing more is parsed (closing).
			sc.closeConn()
		}
	}
}

// spareMax bounds the capacity of the body buffer a connection keeps
// for its next response, so that idle connections hold little.
const spareMax = 4 << 10

// takeBuf lends the connection's spare body buffer, if it has one, to a
// response that starts buffering; commit gives it back (putBuf) once
// its bytes are copied out.
func (sc *serverConn) takeBuf() []byte {
	b := sc.spare
	sc.spare = nil
	return b
}

// putBuf keeps b as the spare body buffer if it is small enough.
func (sc *serverConn) putBuf(b []byte) {
	if c := cap(b); c > 0 && c <= spareMax {
		sc.spare = b[:0]
	}
}
