package eddy

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// netConnReadLimit is how many received bytes a net.Conn adapter buffers
// before it pauses reading from the socket.
const netConnReadLimit = 256 << 10

// netConnWriteChunk is the most a net.Conn adapter's Write hands to the
// loop at once: a large Write goes into the write queue a piece at a
// time, as the queue drains, rather than being copied into it whole, and
// a deadline that passes half way reports how much was written.
const netConnWriteChunk = 128 << 10

// netConn presents a loop connection as a net.Conn to goroutine code. The
// loop side is its Handler; the goroutine side waits on channels.
//
// Waiting goroutines are woken by closing a channel, not by sending on
// one, so that an event (data, drain, close) wakes all of them: any
// number of goroutines may block in Read or Write at once. The channel
// is made only when someone waits.
type netConn struct {
	c    *Conn // loop-only, but set before the adapter is shared
	loop *Loop

	// wmu makes each Write's bytes contiguous on the wire, as the net
	// package's fd lock does, though a Write goes to the loop in pieces.
	wmu sync.Mutex

	mu     sync.Mutex
	laddr  net.Addr
	raddr  net.Addr
	rbuf   []byte
	roff   int
	rerr   error         // the reason reads end: io.EOF or the close error
	cerr   error         // the error the connection closed with, if any
	closed bool          // Close was called
	wshut  bool          // CloseWrite was called
	paused bool          // the adapter paused reading: the buffer is full
	rwake  chan struct{} // closed on data or close; nil when no reader waits
	wwake  chan struct{} // closed on drain or close; nil when no writer waits

	rdl, wdl deadline

	opened  chan struct{} // closed when the dial has an outcome
	openErr error
}

// NetConn adapts c for goroutine code: the returned net.Conn's methods are
// safe for concurrent use and block as net.Conn's do, while the
// connection stays on its loop. It replaces c's handler. Reads are
// buffered up to 256 KiB, beyond which the socket is paused; writes wait
// for room in the write queue. Deadlines are the net package's: a Read or
// Write that passes one fails with an error matching
// os.ErrDeadlineExceeded, and the connection stays usable; Close unblocks
// every Read and Write with an error matching net.ErrClosed. Half closes
// work as with *net.TCPConn: Read returns io.EOF once the peer has shut
// down its writing side, and Write still works after it; the returned
// net.Conn also has a CloseWrite method (interface{ CloseWrite() error }),
// for proxies. Loop-only.
func NetConn(c *Conn) net.Conn {
	nc := newNetConn(c.loop)
	nc.c = c
	c.SetHandler(nc)
	if c.flags&cOpen != 0 {
		nc.laddr, nc.raddr = c.LocalAddr(), c.RemoteAddr()
		close(nc.opened)
	}
	if c.flags&(cClosed|cEOF) != 0 {
		nc.rerr = io.EOF
	}
	return nc
}

func newNetConn(l *Loop) *netConn {
	nc := &netConn{loop: l, opened: make(chan struct{})}
	nc.rdl.init()
	nc.wdl.init()
	return nc
}

// DialNet dials address on the loop and returns the connection as a
// net.Conn, once it is established. It is for goroutine code: it is safe
// for concurrent use, and returns ErrOnLoop if called on the loop
// goroutine, where it would deadlock.
func (l *Loop) DialNet(ctx context.Context, network, address string) (net.Conn, error) {
	if l.OnLoop() {
		return nil, ErrOnLoop
	}
	nc := newNetConn(l)
	errc := make(chan error, 1)
	if err := l.Post(func() {
		c, err := l.Dial(network, address, nc)
		if err == nil {
			nc.c = c
		}
		errc <- err
	}); err != nil {
		return nil, err
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	select {
	case <-nc.opened:
	case <-ctx.Done():
		nc.Close()
		return nil, ctx.Err()
	}
	if nc.openErr != nil {
		return nil, nc.openErr
	}
	return nc, nil
}

// wake closes *ch, if a goroutine waits on it, waking every such
// goroutine. nc.mu must be held.
func wake(ch *chan struct{}) {
	if *ch != nil {
		close(*ch)
		*ch = nil
	}
}

// waitOn returns the channel that the next wake of *ch closes. nc.mu
// must be held.
func waitOn(ch *chan struct{}) chan struct{} {
	if *ch == nil {
		*ch = make(chan struct{})
	}
	return *ch
}

// Handler side, on the loop.

func (nc *netConn) OnOpen(c *Conn) {
	nc.mu.Lock()
	nc.laddr, nc.raddr = c.LocalAddr(), c.RemoteAddr()
	nc.mu.Unlock()
	close(nc.opened)
}

func (nc *netConn) OnData(c *Conn, data []byte) int {
	nc.mu.Lock()
	if nc.roff > 0 && nc.roff == len(nc.rbuf) {
		nc.rbuf, nc.roff = nc.rbuf[:0], 0
	}
	nc.rbuf = append(nc.rbuf, data...)
	if len(nc.rbuf)-nc.roff >= netConnReadLimit {
		nc.paused = true
		c.PauseRead()
	}
	wake(&nc.rwake)
	nc.mu.Unlock()
	return len(data)
}

func (nc *netConn) OnDrain(*Conn) {
	nc.mu.Lock()
	wake(&nc.wwake)
	nc.mu.Unlock()
}

// OnEOF ends reading at the peer's half close, as a socket's read ends:
// the adapter is an EOFHandler, so that Write goes on working after it,
// until Close or CloseWrite.
func (nc *netConn) OnEOF(c *Conn) {
	nc.mu.Lock()
	if nc.rerr == nil {
		nc.rerr = io.EOF
	}
	wake(&nc.rwake)
	nc.mu.Unlock()
}

func (nc *netConn) OnClose(c *Conn, err error) {
	nc.mu.Lock()
	switch {
	case nc.rerr != nil:
		// Reading ended at the peer's end of stream (OnEOF) and goes on
		// returning io.EOF; a later error is for Write.
		nc.cerr = err
	case err == nil:
		nc.rerr = io.EOF
	default:
		nc.rerr = err
		nc.cerr = err
	}
	wake(&nc.rwake)
	wake(&nc.wwake)
	nc.mu.Unlock()
	select {
	case <-nc.opened:
	default:
		nc.openErr = err
		if err == nil {
			nc.openErr = ErrClosed
		}
		close(nc.opened)
	}
}

// Goroutine side.

// Read reads as net.Conn's Read does. A zero-length Read returns at once.
func (nc *netConn) Read(p []byte) (int, error) {
	for {
		nc.mu.Lock()
		if nc.closed {
			nc.mu.Unlock()
			return 0, nc.opErr("read", ErrClosed)
		}
		if len(p) == 0 {
			nc.mu.Unlock()
			return 0, nil
		}
		if nc.rdl.expired() {
			nc.mu.Unlock()
			return 0, nc.opErr("read", ErrTimeout)
		}
		if n := len(nc.rbuf) - nc.roff; n > 0 {
			k := copy(p, nc.rbuf[nc.roff:])
			nc.roff += k
			resume := nc.paused && n-k < netConnReadLimit/2
			if resume {
				nc.paused = false
			}
			nc.mu.Unlock()
			if resume {
				c := nc.c
				_ = nc.loop.Post(func() { c.ResumeRead() })
			}
			return k, nil
		}
		if nc.rerr != nil {
			err := nc.rerr
			nc.mu.Unlock()
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, nc.opErr("read", err)
		}
		ch := waitOn(&nc.rwake)
		nc.mu.Unlock()
		select {
		case <-ch:
		case <-nc.rdl.wait():
		}
	}
}

// writeResult is what the loop tells a Write: the error of Conn.Write
// and, when the queue was full, the channel that its drain will close.
type writeResult struct {
	err  error
	wait chan struct{}
}

// Write writes as net.Conn's Write does: it returns once all of p is in
// the connection's write queue, or with the count queued and the error
// that stopped it. It waits for the queue to drain when it is full.
// Concurrent Writes do not interleave: each one's bytes go out together.
func (nc *netConn) Write(p []byte) (int, error) {
	nc.wmu.Lock()
	defer nc.wmu.Unlock()
	var result chan writeResult
	written := 0
	for {
		if written == len(p) && written > 0 {
			return written, nil
		}
		nc.mu.Lock()
		closed, wshut := nc.closed, nc.wshut
		nc.mu.Unlock()
		if closed {
			return written, nc.opErr("write", ErrClosed)
		}
		if wshut {
			// As a socket's write after shutdown(SHUT_WR) fails.
			return written, nc.opErr("write", syscall.EPIPE)
		}
		if nc.wdl.expired() {
			return written, nc.opErr("write", ErrTimeout)
		}
		if len(p) == 0 {
			return 0, nil
		}
		chunk := p[written:]
		if len(chunk) > netConnWriteChunk {
			chunk = chunk[:netConnWriteChunk]
		}
		if result == nil {
			result = make(chan writeResult, 1)
		}
		// The goroutine waits for the loop's answer, so the loop may read
		// chunk directly: Conn.Write copies what it keeps.
		c := nc.c
		if err := nc.loop.Post(func() { result <- nc.loopWrite(c, chunk) }); err != nil {
			return written, nc.opErr("write", ErrClosed)
		}
		r := <-result
		switch {
		case r.err == nil:
			written += len(chunk)
		case r.wait != nil:
			select {
			case <-r.wait:
			case <-nc.wdl.wait():
			}
		default:
			return written, nc.opErr("write", r.err)
		}
	}
}

// loopWrite writes p on the loop for Write.
func (nc *netConn) loopWrite(c *Conn, p []byte) writeResult {
	err := c.Write(p)
	if err == nil {
		return writeResult{}
	}
	nc.mu.Lock()
	defer nc.mu.Unlock()
	switch {
	case nc.closed:
		return writeResult{err: ErrClosed}
	case err == ErrQueueFull:
		// OnDrain runs on the loop, after this: it closes the channel.
		return writeResult{err: err, wait: waitOn(&nc.wwake)}
	case err == ErrClosed && nc.wshut:
		return writeResult{err: syscall.EPIPE}
	case err == ErrClosed && nc.cerr != nil:
		return writeResult{err: nc.cerr}
	case err == ErrClosed && nc.rerr == io.EOF:
		// The peer closed the connection, and it closed after its last
		// output: as a socket would, say so rather than claim that this
		// side closed it.
		return writeResult{err: syscall.EPIPE}
	case err == ErrClosed && nc.rerr != nil:
		return writeResult{err: nc.rerr}
	}
	return writeResult{err: err}
}

// opErr wraps err for op, unless it already is an *OpError.
func (nc *netConn) opErr(op string, err error) error {
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: op, Net: nc.netName(), Addr: nc.RemoteAddr(), Err: err, kind: kindOf(err)}
}

func (nc *netConn) netName() string {
	if nc.c != nil {
		return nc.c.netw.String()
	}
	return ""
}

// Close closes the connection once what Write queued is written (or the
// write deadline, if one is set, has passed), and at once unblocks every
// Read and Write with an error matching net.ErrClosed. A second Close
// returns such an error too.
func (nc *netConn) Close() error {
	nc.mu.Lock()
	if nc.closed {
		nc.mu.Unlock()
		return nc.opErr("close", ErrClosed)
	}
	nc.closed = true
	wake(&nc.rwake)
	wake(&nc.wwake)
	nc.rbuf, nc.roff = nil, 0
	nc.mu.Unlock()
	nc.rdl.stop()
	nc.wdl.stop()
	if c := nc.c; c != nil {
		// Close flushes what Write queued. A write deadline bounds that
		// flush too, or a peer that stops reading would hold the
		// connection, and its queue, open on the loop for ever.
		dl := nc.wdl.time()
		_ = nc.loop.Post(func() {
			if !dl.IsZero() {
				c.SetWriteDeadline(dl)
			}
			c.Close()
		})
	}
	return nil
}

// CloseWrite shuts down the writing side of the connection once what
// Write queued is written (a TCP half close), as *net.TCPConn's
// CloseWrite does: the peer reads to the end of the stream, Read goes on
// until the peer ends its side, and a later Write fails. Once both sides
// have ended, the loop closes the connection; Close is still to be
// called, as for any net.Conn.
func (nc *netConn) CloseWrite() error {
	nc.mu.Lock()
	if nc.closed {
		nc.mu.Unlock()
		return nc.opErr("close", ErrClosed)
	}
	nc.wshut = true
	nc.mu.Unlock()
	c := nc.c
	if err := nc.loop.Post(func() { c.CloseWrite() }); err != nil {
		return nc.opErr("close", ErrClosed)
	}
	return nil
}

func (nc *netConn) LocalAddr() net.Addr {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return nc.laddr
}

func (nc *netConn) RemoteAddr() net.Addr {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return nc.raddr
}

func (nc *netConn) SetDeadline(t time.Time) error {
	if err := nc.SetReadDeadline(t); err != nil {
		return err
	}
	return nc.SetWriteDeadline(t)
}

func (nc *netConn) SetReadDeadline(t time.Time) error {
	if nc.isClosed() {
		return nc.opErr("set", ErrClosed)
	}
	nc.rdl.set(t)
	return nil
}

func (nc *netConn) SetWriteDeadline(t time.Time) error {
	if nc.isClosed() {
		return nc.opErr("set", ErrClosed)
	}
	nc.wdl.set(t)
	return nil
}

func (nc *netConn) isClosed() bool {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return nc.closed
}

// deadline is a net.Conn deadline for goroutines: a channel closed when
// it passes, by a runtime timer, so that any number of blocked calls see
// it, and see it move. (net.Pipe's deadlines work the same way.)
type deadline struct {
	mu     sync.Mutex
	t      time.Time
	timer  *time.Timer
	passed chan struct{} // closed when the deadline has passed
}

func (d *deadline) init() { d.passed = make(chan struct{}) }

// set moves the deadline to t; the zero time removes it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.passed // the timer fired: wait until it has closed the channel
	}
	d.timer = nil
	d.t = t
	closed := isClosedChan(d.passed)
	if t.IsZero() {
		if closed {
			d.passed = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.passed = make(chan struct{})
		}
		ch := d.passed
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !closed {
		close(d.passed)
	}
}

// stop releases the timer of a deadline that no call will wait for.
func (d *deadline) stop() {
	d.mu.Lock()
	if d.timer != nil && d.timer.Stop() {
		d.timer = nil
	}
	d.mu.Unlock()
}

// time returns the deadline; zero if there is none.
func (d *deadline) time() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.t
}

// wait returns a channel closed once the deadline has passed.
func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.passed
}

// expired reports whether the deadline has passed.
func (d *deadline) expired() bool { return isClosedChan(d.wait()) }

func isClosedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
