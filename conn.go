package eddy

import (
	"io"
	"net"
	"os"
	"time"

	"github.com/eddy-go/eddy/internal/poll"
)

// Handler receives a stream connection's events. Every method runs on the
// connection's loop and must not block.
type Handler interface {
	// OnOpen runs once the connection is established: right after accept
	// for a server, when the connect succeeds for a client.
	OnOpen(c *Conn)
	// OnData delivers bytes read from the connection and returns how many
	// of them the handler consumed. data is valid only during the call.
	// Unconsumed bytes are kept and shown again, in front of the next
	// bytes read, so that a handler can wait for a whole frame.
	OnData(c *Conn, data []byte) (consumed int)
	// OnDrain runs when the write queue, having been above its low water
	// mark, has fallen to it.
	OnDrain(c *Conn)
	// OnClose runs exactly once, as the connection's last callback. err
	// is nil for a clean close by either side, or the reason: a failed
	// connect, a reset, a timeout (matching ErrTimeout), ErrLoopStopped…
	//
	// The peer's end of stream (it closed, or shut down only its writing
	// side: a TCP half close) closes the connection once its queued
	// output is written, and OnClose(c, nil) follows, unless the handler
	// implements EOFHandler.
	OnClose(c *Conn, err error)
}

// EOFHandler is a Handler that wants to go on writing after the peer's
// end of stream, as a proxy, a tunnel or a server that answers a
// request later must when the peer has shut down only its writing side
// (a TCP half close, as "nc -N" or shutdown(SHUT_WR) after a request
// do): the peer still reads the reply. A handler that does not
// implement it is closed at the end of stream, once its output has gone.
type EOFHandler interface {
	Handler
	// OnEOF runs, instead of the automatic close, when the peer's end of
	// stream has been read, after the last OnData. Reading has ended for
	// good (ResumeRead does not restart it), but the connection stays
	// open for writing until the handler calls Close, Abort or
	// CloseWrite (which, with both directions shut, closes it once the
	// output has gone); OnClose still comes exactly once, last. The write
	// deadline and the idle timeout still apply, so set one of them to
	// bound a handler that forgets to close; the read deadline, which
	// ends with reading, no longer does. If the peer closed altogether,
	// rather than half, writes fail and OnClose reports why (a reset,
	// say). OnEOF is not called when this side has already shut down its
	// writing side (CloseWrite): the connection then closes as usual.
	OnEOF(c *Conn)
}

// BaseHandler implements Handler with methods that do nothing (and, for
// OnData, consume everything). Embed it to implement only what you need.
type BaseHandler struct{}

// OnOpen does nothing.
func (BaseHandler) OnOpen(*Conn) {}

// OnData consumes and discards data.
func (BaseHandler) OnData(_ *Conn, data []byte) int { return len(data) }

// OnDrain does nothing.
func (BaseHandler) OnDrain(*Conn) {}

// OnClose does nothing.
func (BaseHandler) OnClose(*Conn, error) {}

// Conn is a non-blocking stream connection (TCP or Unix) owned by a loop.
// Its methods are loop-only; other goroutines reach it through
// Loop().Post, or through the net.Conn adapter NetConn.
type Conn struct {
	fd      poll.FD
	loop    *Loop
	handler Handler
	value   any
	in      []byte    // unconsumed input kept for the next OnData
	out     []outItem // queued output not yet submitted to the poller
	outLen  int       // bytes queued, those in flight included
	flight  int       // bytes in the write in flight
	prev    *Conn
	next    *Conn
	ext     *connExt // state most connections never need
	netw    netKind
	flags   uint16
}

type outItem struct {
	b []byte
	f *fileSend
}

type fileSend struct {
	f   *os.File
	off int64
	n   int64
}

// connExt holds timers, per-connection limits and dial state, allocated
// only for the connections that use them.
type connExt struct {
	timer      *Timer
	readDL     int64 // loop time; 0 means none
	writeDL    int64
	idle       int64 // idle timeout, ns
	lastActive int64
	low, high  int
	dial       *dialState
	layer      Layer
	layerReady bool
	// held is output for the layer not yet given to it, in order: all of
	// it until Ready, then what follows a file region being read into it
	// a chunk at a time (see pumpLayer). heldLen counts its bytes, file
	// regions included.
	held       []heldOut
	heldLen    int
	closeLater bool // Close or CloseWrite waits for held to reach the layer
	// peerDone: the layer reported the peer's end of stream (PeerDone)
	// while reading was paused; it takes effect on ResumeRead, after the
	// kept input, as a socket's end of stream is read only then.
	peerDone bool
}

// heldOut is plaintext (b) or a file region (f, off, n) held for the
// layer.
type heldOut struct {
	b      []byte
	f      *os.File
	off, n int64
}

// holding reports whether output for the layer must be held rather than
// given to it now: before Ready, and behind a file region not yet read.
func (e *connExt) holding() bool {
	return e != nil && e.layer != nil && (!e.layerReady || len(e.held) > 0)
}

// hold appends plaintext, copied, to held.
func (e *connExt) hold(p []byte) {
	e.held = append(e.held, heldOut{b: append([]byte(nil), p...)})
	e.heldLen += len(p)
}

// waitsForLayer reports whether an established layer still has output
// held for it: closing must wait until it has all been given.
func (c *Conn) waitsForLayer() bool {
	e := c.ext
	return e != nil && e.layerReady && len(e.held) > 0
}

// holdsForLayer reports whether a layer, established or not, has output
// held for it: a Close waits for the layer to be ready and to have taken
// it all, rather than drop it. (A CloseWrite during the handshake fails
// it instead, as tlsx documents.)
func (c *Conn) holdsForLayer() bool {
	e := c.ext
	return e != nil && e.layer != nil && len(e.held) > 0
}

// queued counts the bytes written and not yet on the wire: the socket's
// queue and what is held for the layer.
func (c *Conn) queued() int {
	if c.ext != nil {
		return c.outLen + c.ext.heldLen
	}
	return c.outLen
}

const (
	cOpen uint16 = 1 << iota
	cConnecting
	cPaused
	cClosing   // close once the queue is flushed
	cShutWrite // shut down the write side once the queue is flushed
	cWriteShut
	cWantDrain
	cClosed
	cOnLoopList
	cAttached   // registered with the poller
	cNoRead     // a write-only stream: never read
	cNoDelayOff // SetNoDelay(false) ran before the connection opened
	cEOF        // the peer's end of stream was read, and an EOFHandler kept the connection open
)

type netKind uint8

const (
	netTCP netKind = iota
	netTCP4
	netTCP6
	netUnix
	netPipe // a pipe or other stream descriptor adopted with NewStream
)

var netNames = [...]string{"tcp", "tcp4", "tcp6", "unix", "pipe"}

func (k netKind) String() string { return netNames[k] }

func kindOfNet(network string) (netKind, bool) {
	for i, n := range netNames[:netPipe] {
		if n == network {
			return netKind(i), true
		}
	}
	return 0, false
}

// connList is an intrusive list of a loop's connections, so that a stopping
// loop can close them without a map entry per connection.
type connList struct {
	head *Conn
	n    int
}

func (cl *connList) add(c *Conn) {
	c.next = cl.head
	if cl.head != nil {
		cl.head.prev = c
	}
	cl.head = c
	cl.n++
	c.flags |= cOnLoopList
}

func (cl *connList) remove(c *Conn) {
	if c.flags&cOnLoopList == 0 {
		return
	}
	c.flags &^= cOnLoopList
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		cl.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	cl.n--
}

// owner is the Conn as the poller sees it: a separate method set, so that
// the completion methods stay out of Conn's API.
type connOwner Conn

func (l *Loop) newConn(k netKind, h Handler) *Conn {
	c := &Conn{loop: l, handler: h, netw: k}
	l.link(c)
	return c
}

// link puts a new connection on the loop's list; it keeps the loop alive
// until it closes.
func (l *Loop) link(c *Conn) {
	l.conns.add(c)
	l.refs++
}

// attach registers an open socket with the poller.
func (c *Conn) attach(s poll.Sock) error {
	if err := c.loop.poller.Register(&c.fd, s, (*connOwner)(c)); err != nil {
		return err
	}
	c.flags |= cAttached
	return nil
}

// detach unregisters and closes the socket.
func (c *Conn) detach() {
	if c.flags&cAttached != 0 {
		c.flags &^= cAttached
		_ = c.loop.poller.Close(&c.fd)
	}
}

// start delivers OnOpen and starts reading.
func (c *Conn) start() {
	c.flags |= cOpen
	if c.flags&cNoDelayOff != 0 {
		_ = poll.SetNoDelay(&c.fd, false)
	}
	if ly := c.layer(); ly != nil {
		ly.Start((*LayerConn)(c))
	} else {
		c.callOpen()
	}
	switch c.flags & (cClosed | cPaused | cNoRead) {
	case 0:
		_ = c.loop.poller.StartRead(&c.fd)
	case cPaused:
		// Paused before it opened: the poller is told, so that it
		// reports a reset meanwhile (see PauseRead).
		c.loop.poller.StopRead(&c.fd)
	}
	if c.flags&cClosed == 0 && len(c.out) > 0 && c.flight == 0 {
		c.submit()
	} else if c.flags&(cShutWrite|cClosed) == cShutWrite && c.outLen == 0 && c.layer() == nil {
		// CloseWrite ran while connecting, with nothing to send: the
		// shutdown it put off is due now (with output queued, WriteDone
		// does it after the last byte).
		c.shutWrite()
	}
}

// Loop returns the loop that owns the connection. Safe for concurrent use.
func (c *Conn) Loop() *Loop { return c.loop }

// Handler returns the connection's handler.
func (c *Conn) Handler() Handler { return c.handler }

// SetHandler replaces the connection's handler, for example to switch
// protocols. The new handler's OnOpen is not called.
func (c *Conn) SetHandler(h Handler) { c.handler = h }

// Value returns the value stored with SetValue.
func (c *Conn) Value() any { return c.value }

// SetValue stores a value of the caller's with the connection.
func (c *Conn) SetValue(v any) { c.value = v }

// LocalAddr returns the local address, or nil before the socket exists.
func (c *Conn) LocalAddr() net.Addr {
	if c.flags&cAttached == 0 || c.netw == netPipe {
		return nil
	}
	return poll.LocalAddr(&c.fd, c.netw.String())
}

// RemoteAddr returns the peer's address, or nil when it is not known.
func (c *Conn) RemoteAddr() net.Addr {
	if c.flags&cOpen == 0 {
		if c.ext != nil && c.ext.dial != nil {
			return c.ext.dial.current()
		}
		return nil
	}
	if c.netw == netPipe {
		return nil
	}
	return poll.RemoteAddr(&c.fd, c.netw.String())
}

// Network returns "tcp", "tcp4", "tcp6", "unix", or "pipe" for a stream
// made with NewStream.
func (c *Conn) Network() string { return c.netw.String() }

// Closed reports whether the connection is closed.
func (c *Conn) Closed() bool { return c.flags&cClosed != 0 }

// Buffered returns the number of bytes queued for writing, including
// those being written.
func (c *Conn) Buffered() int { return c.queued() }

// Writable reports whether a write now would be accepted, that is whether
// the queue is below its high water mark and the connection is open for
// writing.
func (c *Conn) Writable() bool {
	return c.flags&(cClosed|cClosing|cShutWrite|cWriteShut) == 0 && c.queued() < c.highWater()
}

func (c *Conn) ext0() *connExt {
	if c.ext == nil {
		c.ext = &connExt{}
	}
	return c.ext
}

func (c *Conn) highWater() int {
	if c.ext != nil && c.ext.high > 0 {
		return c.ext.high
	}
	return c.loop.cfg.highWater
}

func (c *Conn) lowWater() int {
	if c.ext != nil && c.ext.high > 0 {
		return c.ext.low
	}
	return c.loop.cfg.lowWater
}

// WriteBuffer returns the connection's low and high water marks.
func (c *Conn) WriteBuffer() (low, high int) { return c.lowWater(), c.highWater() }

// SetWriteBuffer sets this connection's low and high water marks,
// overriding the loop's defaults.
func (c *Conn) SetWriteBuffer(low, high int) {
	if high <= 0 {
		return
	}
	if low < 0 || low > high {
		low = high / 2
	}
	e := c.ext0()
	e.low, e.high = low, high
}

// SetNoDelay sets TCP_NODELAY; it is on by default. Called while a dial
// is still connecting, it is kept for the socket that connects.
func (c *Conn) SetNoDelay(on bool) error {
	if c.netw >= netUnix || c.flags&cClosed != 0 {
		return nil
	}
	if c.flags&cOpen == 0 {
		// No socket yet (the name is being resolved), or one attempt's
		// of several (Happy Eyeballs): start applies it to the winner.
		if on {
			c.flags &^= cNoDelayOff
		} else {
			c.flags |= cNoDelayOff
		}
		return nil
	}
	return poll.SetNoDelay(&c.fd, on)
}

// PauseRead stops reading: no OnData runs until ResumeRead. Data the peer
// sends meanwhile waits in the kernel, which applies TCP flow control, and
// so does its end of stream. A reset (or another socket error) does not
// wait: the connection is dead, so it closes at once and OnClose reports
// the error (matching ErrReset), paused or not. (On Windows the reset is
// seen through an AFD poll that the backend keeps in flight while reading
// is stopped; a socket whose Winsock provider refuses that poll, one
// under a layered service provider, sees it at its next read or write.)
func (c *Conn) PauseRead() {
	if c.flags&(cPaused|cClosed) != 0 {
		return
	}
	c.flags |= cPaused
	if c.flags&cOpen != 0 {
		c.loop.poller.StopRead(&c.fd)
	}
}

// ResumeRead undoes PauseRead. Unconsumed bytes kept from earlier reads
// are offered to OnData again on the next loop turn, followed by the
// peer's end of stream if a layer reported it meanwhile (see
// LayerConn.PeerDone). It does nothing once the connection is closing:
// Close stops reading for good.
func (c *Conn) ResumeRead() {
	if c.flags&cPaused == 0 || c.flags&(cClosed|cClosing) != 0 {
		return
	}
	c.flags &^= cPaused
	if c.flags&(cOpen|cNoRead) != cOpen {
		return
	}
	_ = c.loop.poller.StartRead(&c.fd)
	if len(c.in) > 0 || c.ext != nil && c.ext.peerDone {
		c.loop.NextTick(c.offerKept)
	}
}

// offerKept offers the unconsumed input kept while reading was paused to
// OnData again, on the turn after ResumeRead, and then ends the peer's
// stream if the layer reported its end meanwhile (PeerDone).
func (c *Conn) offerKept() {
	if c.flags&(cPaused|cClosed) != 0 {
		return
	}
	if len(c.in) > 0 {
		c.deliver(nil)
	}
	if e := c.ext; e != nil && e.peerDone && c.flags&(cPaused|cClosed|cClosing) == 0 {
		e.peerDone = false
		if !c.toEOFHandler(true) {
			_ = c.Close() // what the layer does when PeerDone returns false
		}
	}
}

// Paused reports whether reading is paused.
func (c *Conn) Paused() bool { return c.flags&cPaused != 0 }

// SetIdleTimeout closes the connection with an error matching ErrTimeout
// when nothing has been read or written for d. Zero turns it off.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	if d <= 0 && c.ext == nil {
		return
	}
	e := c.ext0()
	e.idle = int64(d)
	e.lastActive = c.loop.now
	c.armTimer()
}

// SetReadDeadline closes the connection with an error matching
// ErrTimeout if t passes before the deadline is moved or cleared; move it
// forward as data arrives to bound the wait for the next message. The
// zero time clears it. It ends with reading: once Close has run (or the
// peer has closed), the output still being flushed is bounded by the
// write deadline and the idle timeout only.
func (c *Conn) SetReadDeadline(t time.Time) {
	c.ext0().readDL = c.loopTime(t)
	c.armTimer()
}

// SetWriteDeadline closes the connection with an error matching
// ErrTimeout if queued output is still unwritten when t passes. The zero
// time clears it.
func (c *Conn) SetWriteDeadline(t time.Time) {
	c.ext0().writeDL = c.loopTime(t)
	c.armTimer()
}

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) {
	e := c.ext0()
	e.readDL = c.loopTime(t)
	e.writeDL = e.readDL
	c.armTimer()
}

func (c *Conn) loopTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	v := int64(t.Sub(c.loop.base))
	if v <= 0 {
		v = 1
	}
	return v
}

func (c *Conn) armTimer() {
	e := c.ext
	if e == nil || c.flags&cClosed != 0 {
		return
	}
	next := int64(0)
	pick := func(at int64) {
		if at > 0 && (next == 0 || at < next) {
			next = at
		}
	}
	pick(e.readDL)
	pick(e.writeDL)
	if e.idle > 0 {
		pick(e.lastActive + e.idle)
	}
	if next == 0 {
		if e.timer != nil {
			e.timer.Stop()
		}
		return
	}
	d := time.Duration(next - c.loop.now)
	if e.timer == nil {
		e.timer = c.loop.AfterFunc(d, c.onTimer)
		e.timer.Unref() // the connection itself keeps the loop alive
		return
	}
	e.timer.Reset(d)
}

func (c *Conn) onTimer() {
	e := c.ext
	now := c.loop.now
	if e.readDL > 0 && now >= e.readDL && c.flags&(cClosing|cEOF) != 0 {
		// Reading ended with Close (or the peer's end of stream): only
		// the flush (or an EOFHandler's writes) is left, which the write
		// deadline and the idle timeout bound. Failing it would cut the
		// output short.
		e.readDL = 0
	}
	switch {
	case e.readDL > 0 && now >= e.readDL:
		c.fail(opError("read", c.netw.String(), c.RemoteAddr(), ErrTimeout))
	case e.writeDL > 0 && now >= e.writeDL && c.queued() > 0:
		c.fail(opError("write", c.netw.String(), c.RemoteAddr(), ErrTimeout))
	case e.idle > 0 && now-e.lastActive >= e.idle:
		c.fail(opError("idle", c.netw.String(), c.RemoteAddr(), ErrTimeout))
	default:
		if e.writeDL > 0 && now >= e.writeDL {
			e.writeDL = 0 // passed with nothing queued
		}
		c.armTimer()
	}
}

func (c *Conn) touch() {
	if c.ext != nil && c.ext.idle > 0 {
		c.ext.lastActive = c.loop.now
	}
}

// --- reading ---

func (o *connOwner) ReadDone(p []byte, err error) {
	c := (*Conn)(o)
	if err == nil && c.ext == nil {
		// The common case: no layer, no idle timer to touch.
		c.deliver(p)
		return
	}
	if err != nil {
		if err == io.EOF {
			if ly := c.layer(); ly != nil {
				c.layerEOF(ly)
			} else {
				c.peerClosed()
			}
		} else {
			c.fail(opError("read", c.netw.String(), c.RemoteAddr(), err))
		}
		return
	}
	c.touch()
	if ly := c.layer(); ly != nil {
		if err := ly.Input((*LayerConn)(c), p); err != nil && c.flags&cClosed == 0 {
			c.fail(opError("read", c.netw.String(), c.RemoteAddr(), err))
		}
		return
	}
	c.deliver(p)
}

// deliver hands p, behind any kept bytes, to OnData and keeps what the
// handler leaves.
func (c *Conn) deliver(p []byte) {
	data := p
	kept := len(c.in) > 0
	if kept {
		c.in = append(c.in, p...)
		data = c.in
	}
	n, ok := c.callData(data)
	if !ok || c.flags&cClosed != 0 {
		return
	}
	if n < 0 {
		n = 0
	} else if n > len(data) {
		n = len(data)
	}
	rest := len(data) - n
	switch {
	case rest == 0:
		if cap(c.in) > 16<<10 {
			c.in = nil
		} else {
			c.in = c.in[:0]
		}
	case rest > c.loop.cfg.maxReadBuf:
		c.fail(opError("read", c.netw.String(), c.RemoteAddr(), ErrReadBufferFull))
	case kept:
		c.in = c.in[:copy(c.in, data[n:])]
	default:
		c.in = append(c.in[:0], data[n:]...)
	}
}

// peerClosed handles the peer's end of stream: an EOFHandler is told and
// keeps the connection open for writing; any other handler's connection
// closes once its output has gone.
func (c *Conn) peerClosed() {
	if c.toEOFHandler(false) {
		return
	}
	c.flags |= cClosing
	if c.outLen == 0 && !c.waitsForLayer() {
		c.closeNow(nil)
	}
}

// toEOFHandler ends reading for good and calls the handler's OnEOF, if
// it is an EOFHandler and the connection is still open for writing. It
// reports whether it did; the connection then stays open. stopRead says
// whether the socket's read is still armed (the layer's end of stream
// comes before the socket's).
func (c *Conn) toEOFHandler(stopRead bool) bool {
	if c.flags&(cOpen|cClosed|cClosing|cShutWrite|cWriteShut|cEOF) != cOpen {
		return false
	}
	if e := c.ext; e != nil && e.layer != nil && !e.layerReady {
		return false // the handler has not had OnOpen: its stream never began
	}
	h, ok := c.handler.(EOFHandler)
	if !ok {
		return false
	}
	// At the socket's end of stream the poller has disarmed the read
	// already; cNoRead keeps ResumeRead from arming it again.
	c.flags |= cEOF | cNoRead
	if stopRead && c.flags&cPaused == 0 {
		c.loop.poller.StopRead(&c.fd)
	}
	c.callEOF(h)
	return true
}

// PeerDone tells the connection that the peer has ended its stream
// within the layer's protocol, before the socket's own end (a TLS
// close_notify). If the handler is an EOFHandler, and the connection is
// still open for writing, reading stops for good, OnEOF runs and
// PeerDone returns true: the connection stays open for the handler's
// writes. Otherwise it does nothing and returns false, and the layer
// closes the connection as it would have (Conn().Close()).
//
// While the handler has reading paused, the end waits, as the socket's
// own end is not read then: the handler may be keeping data the layer
// delivered with or before the end, which ResumeRead offers again. So
// PeerDone then only notes the end and returns true, and ResumeRead,
// after that data, does what PeerDone would have (OnEOF, or Close).
func (lc *LayerConn) PeerDone() bool {
	c := (*Conn)(lc)
	if c.flags&(cOpen|cPaused|cClosing|cClosed) == cOpen|cPaused && c.ext.layerReady {
		c.ext.peerDone = true
		return true
	}
	return c.toEOFHandler(true)
}

// --- writing ---

// Write queues p for writing; the connection keeps no reference to p
// after Write returns. It writes at once what the socket takes and copies
// the rest into the write queue. A Write made before a dial completes is
// queued until it does.
//
// Write returns ErrQueueFull, and queues nothing, when the queue is at or
// above its high water mark: wait for OnDrain. It returns ErrClosed on a
// closed or closing connection. I/O errors close the connection and reach
// OnClose, once; they are not returned here.
func (c *Conn) Write(p []byte) error {
	if c.ext == nil && c.outLen == 0 && c.flags&(cOpen|cClosed|cClosing|cShutWrite|cWriteShut) == cOpen {
		// The common case: an open connection with nothing queued, no
		// layer and no timers (so nothing to touch), and hence below its
		// high water mark. Write at once.
		return c.writeNow(p)
	}
	if err := c.writable(); err != nil {
		return err
	}
	return c.write(p)
}

// write is Write once the connection has been found writable.
func (c *Conn) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if e := c.ext; e != nil && e.layer != nil {
		if e.holding() {
			e.hold(p)
			return nil
		}
		return e.layer.Output((*LayerConn)(c), p)
	}
	return c.writeRaw(p)
}

// writeRaw writes p to the socket, or queues it.
func (c *Conn) writeRaw(p []byte) error {
	if c.outLen == 0 && c.flags&cOpen != 0 {
		return c.writeNow(p)
	}
	c.enqueue(p)
	return nil
}

// writeNow writes what the socket takes of p at once and queues the
// rest. The queue must be empty and the connection open.
func (c *Conn) writeNow(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	l := c.loop
	l.iov1[0] = p
	n, err := l.poller.TryWrite(&c.fd, l.iov1[:])
	l.iov1[0] = nil
	if err != nil {
		c.fail(opError("write", c.netw.String(), c.RemoteAddr(), err))
		return ErrClosed
	}
	c.touch()
	if n < len(p) {
		c.enqueue(p[n:])
	}
	return nil
}

// Writev writes the buffers in order, as one Write of their concatenation
// would, with a single writev system call when the queue is empty.
func (c *Conn) Writev(bufs ...[]byte) error {
	if err := c.writable(); err != nil {
		return err
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if total == 0 {
		return nil
	}
	if e := c.ext; e != nil && e.layer != nil {
		// All or nothing, like a plain Writev: the high water mark was
		// checked once above, so no buffer after the first can be refused
		// with ErrQueueFull and leave the write half done.
		for _, b := range bufs {
			if len(b) == 0 {
				continue
			}
			if e.holding() {
				e.hold(b)
				continue
			}
			if err := e.layer.Output((*LayerConn)(c), b); err != nil {
				return err
			}
		}
		return nil
	}
	skip := 0
	if c.outLen == 0 && c.flags&cOpen != 0 {
		n, err := c.loop.poller.TryWrite(&c.fd, bufs)
		if err != nil {
			c.fail(opError("write", c.netw.String(), c.RemoteAddr(), err))
			return ErrClosed
		}
		c.touch()
		skip = n
	}
	for _, b := range bufs {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		c.enqueue(b[skip:])
		skip = 0
	}
	return nil
}

// SendFile queues n bytes of f, from offset off, to be copied to the
// connection by the kernel (sendfile), in order with other writes. f must
// stay open until the bytes are written: Buffered counts them until then.
// Where the system has no sendfile, the bytes are read and written. On a
// connection with a Layer (TLS), which must see the bytes, the file is
// read into the layer a chunk at a time as the socket drains (and not
// before the layer is ready), so only about the high water mark of it is
// in memory at once.
func (c *Conn) SendFile(f *os.File, off, n int64) error {
	if err := c.writable(); err != nil {
		return err
	}
	return c.sendFile(f, off, n)
}

// sendFile is SendFile once the connection has been found writable.
func (c *Conn) sendFile(f *os.File, off, n int64) error {
	if n <= 0 {
		return nil
	}
	if e := c.ext; e != nil && e.layer != nil {
		// The layer must see the bytes (sendfile would bypass it): they
		// are read into it a chunk at a time as the socket drains.
		e.held = append(e.held, heldOut{f: f, off: off, n: n})
		e.heldLen += int(n)
		if c.queued() > c.lowWater() {
			c.flags |= cWantDrain
		}
		if e.layerReady && len(e.held) == 1 {
			c.pumpLayer()
		}
		return nil
	}
	c.out = append(c.out, outItem{f: &fileSend{f: f, off: off, n: n}})
	c.outLen += int(n)
	c.afterEnqueue()
	return nil
}

// SendFileWithHead writes head and then n bytes of f from offset off, as
// Write(head) followed by SendFile(f, off, n) would, except that head is
// handed to the kernel together with the file, which lets it share the
// file's first packets (MSG_MORE on Linux): a small response head then
// does not travel, and wake the peer, on its own. head is copied. With a
// layer (TLS, say), it is Write and SendFile.
func (c *Conn) SendFileWithHead(head []byte, f *os.File, off, n int64) error {
	if err := c.writable(); err != nil {
		return err
	}
	if c.layer() != nil || n <= 0 || len(head) == 0 {
		// All or nothing, like Writev: the high water mark was checked
		// once above, so a head that fills the queue cannot leave the
		// file refused with ErrQueueFull and the head sent alone.
		if err := c.write(head); err != nil {
			return err
		}
		return c.sendFile(f, off, n)
	}
	// Queue both, so that submit hands them to the poller as one
	// operation. The head's buffer is exact: the file follows it, so no
	// later write can append to it.
	c.out = append(c.out, outItem{b: append([]byte(nil), head...)}, outItem{f: &fileSend{f: f, off: off, n: n}})
	c.outLen += len(head) + int(n)
	c.afterEnqueue()
	return nil
}

func (c *Conn) writable() error {
	if c.flags&(cClosed|cClosing|cShutWrite|cWriteShut) != 0 {
		return ErrClosed
	}
	if c.queued() >= c.highWater() {
		c.flags |= cWantDrain
		return ErrQueueFull
	}
	return nil
}

// minChunk is the smallest buffer allocated for queued output, so that
// many small writes share one.
const minChunk = 4 << 10

func (c *Conn) enqueue(p []byte) {
	if k := len(c.out) - 1; k >= 0 && c.out[k].f == nil && cap(c.out[k].b)-len(c.out[k].b) >= len(p) {
		c.out[k].b = append(c.out[k].b, p...)
	} else {
		size := len(p)
		if size < minChunk {
			size = minChunk
		}
		b := make([]byte, len(p), size)
		copy(b, p)
		c.out = append(c.out, outItem{b: b})
	}
	c.outLen += len(p)
	c.afterEnqueue()
}

func (c *Conn) afterEnqueue() {
	if c.queued() > c.lowWater() {
		c.flags |= cWantDrain
	}
	if c.flight == 0 && c.flags&cOpen != 0 {
		c.submit()
	}
	if c.ext != nil && c.ext.writeDL > 0 {
		c.armTimer()
	}
}

// submit hands the head of the queue to the poller: the buffers up to
// the first file, and that file with them as its head.
func (c *Conn) submit() {
	if len(c.out) == 0 {
		return
	}
	k := 0
	for k < len(c.out) && c.out[k].f == nil {
		k++
	}
	var bufs [][]byte
	if k > 0 {
		bufs = make([][]byte, k)
	}
	n := 0
	for i := 0; i < k; i++ {
		bufs[i] = c.out[i].b
		n += len(bufs[i])
		c.out[i] = outItem{}
	}
	var f *fileSend
	if k < len(c.out) {
		f = c.out[k].f
		c.out[k] = outItem{}
		k++
	}
	c.out = c.out[k:]
	if len(c.out) == 0 {
		c.out = nil
	}
	if f == nil {
		c.flight = n
		if err := c.loop.poller.Write(&c.fd, bufs); err != nil {
			c.fail(opError("write", c.netw.String(), c.RemoteAddr(), err))
		}
		return
	}
	c.flight = n + int(f.n)
	if err := c.loop.poller.SendFile(&c.fd, bufs, f.f, f.off, f.n); err != nil {
		c.fail(opError("sendfile", c.netw.String(), c.RemoteAddr(), err))
	}
}

func (o *connOwner) WriteDone(err error) {
	c := (*Conn)(o)
	if err != nil {
		c.fail(opError("write", c.netw.String(), c.RemoteAddr(), err))
		return
	}
	c.touch()
	c.outLen -= c.flight
	c.flight = 0
	if c.waitsForLayer() {
		c.pumpLayer() // may write, submit, or close
		if c.flags&cClosed != 0 {
			return
		}
	}
	if len(c.out) > 0 {
		if c.flight == 0 {
			c.submit()
		}
	} else if c.waitsForLayer() || c.outLen > 0 || c.ext != nil && c.ext.closeLater {
		// A file region for the layer is waiting for the queue to drain,
		// or a Close made during the layer's handshake waits for its end,
		// to send what was written before it.
	} else if c.flags&cClosing != 0 {
		c.closeNow(nil)
		return
	} else if c.flags&cShutWrite != 0 {
		c.shutWrite()
	}
	if c.flags&cWantDrain != 0 && c.queued() <= c.lowWater() && c.flags&cClosed == 0 {
		c.flags &^= cWantDrain
		c.callDrain()
	}
}

// --- closing ---

// Close closes the connection once its queued output is written: reading
// stops at once, and OnClose(c, nil) follows the last byte. Set a write
// deadline to bound how long a peer that does not read can hold it open.
// Output written for a Layer (TLS) whose handshake has not finished is
// still sent: reading goes on for the handshake, whose end sends it.
// Close on a closed connection does nothing.
func (c *Conn) Close() error {
	if c.flags&(cClosed|cClosing) != 0 {
		return nil
	}
	c.flags |= cClosing
	if c.holdsForLayer() {
		// The layer's goodbye follows the held output. Before Ready the
		// handshake still needs the socket's input, even if the handler
		// paused it: Ready stops reading.
		c.ext.closeLater = true
		if c.ext.layerReady {
			c.PauseRead()
		} else if c.flags&cPaused != 0 {
			c.flags &^= cPaused
			if c.flags&(cOpen|cNoRead) == cOpen {
				_ = c.loop.poller.StartRead(&c.fd)
			}
		}
		return nil
	}
	c.PauseRead()
	if ly := c.layer(); ly != nil && c.flags&cOpen != 0 {
		ly.Close((*LayerConn)(c))
	}
	if c.outLen == 0 && c.flags&cClosed == 0 {
		c.closeNow(nil)
	}
	return nil
}

// Abort closes the connection at once, discards queued output, and
// resets a TCP connection (the peer sees ECONNRESET). OnClose(c, nil)
// follows.
func (c *Conn) Abort() {
	if c.flags&cClosed != 0 {
		return
	}
	if c.flags&cOpen != 0 && c.netw < netUnix {
		_ = poll.SetLinger(&c.fd, 0)
	}
	c.closeNow(nil)
}

// CloseWrite shuts down the writing side once queued output is written
// (a TCP half close); reading goes on until the peer closes. After
// EOFHandler.OnEOF, when the peer has already ended its side, it closes
// the connection once the output has gone, and OnClose(c, nil) follows.
func (c *Conn) CloseWrite() error {
	if c.flags&(cClosed|cClosing|cShutWrite|cWriteShut) != 0 {
		return nil
	}
	c.flags |= cShutWrite
	if c.waitsForLayer() {
		c.ext.closeLater = true // the layer's goodbye follows the held output
		return nil
	}
	if ly := c.layer(); ly != nil && c.flags&cOpen != 0 {
		ly.Close((*LayerConn)(c)) // a TLS close_notify goes first
	}
	if c.outLen == 0 && c.flags&cOpen != 0 {
		c.shutWrite()
	}
	return nil
}

func (c *Conn) shutWrite() {
	c.flags = c.flags&^cShutWrite | cWriteShut
	if err := poll.ShutdownWrite(&c.fd); err != nil {
		c.fail(opError("shutdown", c.netw.String(), c.RemoteAddr(), err))
		return
	}
	if c.flags&cEOF != 0 {
		// The peer ended its side before (OnEOF): with both directions
		// shut, nothing is left for the connection to do.
		c.closeNow(nil)
	}
}

func (c *Conn) fail(err error) { c.closeNow(err) }

// closeNow releases everything and schedules OnClose(err), the
// connection's last callback.
func (c *Conn) closeNow(err error) {
	if c.flags&cClosed != 0 {
		return
	}
	l := c.loop
	c.flags |= cClosed
	if c.ext != nil {
		if c.ext.timer != nil {
			c.ext.timer.Stop()
		}
		if d := c.ext.dial; d != nil {
			d.stop()
		}
	}
	c.detach()
	c.in, c.out, c.outLen, c.flight = nil, nil, 0, 0
	if c.ext != nil {
		c.ext.held, c.ext.heldLen = nil, 0
	}
	l.conns.remove(c)
	l.refs--
	h := c.handler
	l.NextTick(func() { h.OnClose(c, err) })
}

// --- calling the handler safely ---

func (c *Conn) callData(data []byte) (n int, ok bool) {
	defer c.recoverHandler(&ok)
	return c.handler.OnData(c, data), true
}

func (c *Conn) callOpen() {
	var ok bool
	defer c.recoverHandler(&ok)
	c.handler.OnOpen(c)
	ok = true
}

func (c *Conn) callEOF(h EOFHandler) {
	var ok bool
	defer c.recoverHandler(&ok)
	h.OnEOF(c)
	ok = true
}

func (c *Conn) callDrain() {
	var ok bool
	defer c.recoverHandler(&ok)
	c.handler.OnDrain(c)
	ok = true
}

// recoverHandler turns a panic in a handler into a report and the close
// of that connection alone.
func (c *Conn) recoverHandler(ok *bool) {
	if *ok {
		return
	}
	if v := recover(); v != nil {
		c.loop.reportPanic(v)
		c.fail(&PanicError{Value: v})
	}
}

// Unused completions of a stream connection.
func (o *connOwner) AcceptDone(s poll.Sock, err error)           {}
func (o *connOwner) RecvDone(p []byte, from net.Addr, err error) {}

func (o *connOwner) NotifyDone(err error) {}
