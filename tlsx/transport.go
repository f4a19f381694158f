package tlsx

import (
	"io"
	"net"
	"sync"
	"time"
)

// transport is the net.Conn that a *tls.Conn runs over. It has no socket:
// the loop feeds it the bytes read from the connection, and what crypto/tls
// writes to it goes to the loop.
//
// It has two modes. During the handshake, which runs on a goroutine of its
// own, Read blocks (on a condition) until a complete record has been fed,
// and Write queues a copy of the bytes for the loop (hsOut) and asks the
// loop, with post, to write them. Once the handshake is over, the *tls.Conn is used on the loop
// only: Read never blocks, returning errWouldBlock when no complete record
// is held, and Write appends to out, which the session writes to the
// socket after each call into crypto/tls.
type transport struct {
	mu     sync.Mutex
	cond   sync.Cond
	in     recordBuf
	eof    bool // the peer closed its side: Read drains, then reports EOF
	closed bool // abandoned: Read and Write fail
	async  bool // the handshake is over: Read never blocks

	// hsOut holds the bytes written during the handshake, in order, until
	// the loop takes them (takeHandshakeOut); post asks the loop to, when
	// hsOut stops being empty. post is called on the handshake goroutine.
	hsOut   [][]byte
	post    func() error
	waiting bool // the handshake goroutine waits in Read for input
	turn    bool // the handshake goroutine holds a turn (turns.go)
	// hurried is set, and hurry closed, when the handshake goroutine
	// must no longer wait for a turn (hurryUp). hurry is made only when
	// the goroutine has to wait for one.
	hurried bool
	hurry   chan struct{}
	// drained runs (on the handshake goroutine, without mu) when a Read
	// has taken the held input below resumeAt after paused was set.
	drained func()
	paused  bool

	out          []byte  // ciphertext written after the handshake, not yet flushed
	outBP        *[]byte // the pooled buffer out came from, until releaseOut
	flushAt      int     // flush out once it reaches this size (0: never)
	flush        func()  // writes out to the socket (keeping the buffer); loop-only
	laddr, raddr net.Addr
}

// resumeAt is the held input below which a paused connection resumes
// reading during the handshake.
const resumeAt = 64 << 10

func newTransport(laddr, raddr net.Addr) *transport {
	t := &transport{laddr: laddr, raddr: raddr}
	t.cond.L = &t.mu
	return t
}

// errWouldBlock is the error of a non-blocking Read with no complete record
// held. crypto/tls does not make read errors sticky when they are net.Error
// values whose Temporary method returns true (see doc.go), which is what
// lets a *tls.Conn be read without blocking.
var errWouldBlock net.Error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlsx: no complete record buffered" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

// feed appends bytes read from the socket. Any goroutine.
func (t *transport) feed(p []byte) {
	t.mu.Lock()
	t.in.feed(p)
	if !t.async && t.in.available() > 0 {
		t.cond.Broadcast()
	}
	t.mu.Unlock()
}

// setEOF records the end of the peer's stream. It reports whether the
// handshake goroutine is waiting for input with no complete record held:
// that input will never come. Any goroutine.
func (t *transport) setEOF() (starved bool) {
	t.mu.Lock()
	t.eof = true
	t.cond.Broadcast()
	starved = t.waiting && t.in.available() == 0
	t.mu.Unlock()
	return starved
}

// hurryUp lets the handshake goroutine go ahead without a turn, including
// from a wait for one already under way: the handshake was abandoned, and
// the goroutine has only to find that out. Called with mu held.
func (t *transport) hurryUp() {
	if !t.hurried {
		t.hurried = true
		if t.hurry != nil {
			close(t.hurry)
		}
	}
}

// abandon makes every later or blocked Read and Write fail, which ends a
// handshake in progress. Any goroutine.
func (t *transport) abandon() {
	t.mu.Lock()
	t.closed = true
	t.hurryUp()
	t.cond.Broadcast()
	t.mu.Unlock()
}

// setAsync switches to the loop's non-blocking mode once the handshake
// goroutine has returned.
func (t *transport) setAsync() {
	t.mu.Lock()
	t.async = true
	t.paused = false
	t.eof = false // from here on the session, not crypto/tls, sees the end of the stream
	t.mu.Unlock()
}

// takeTurn takes a turn for the handshake goroutine, as it starts and
// whenever input wakes it, unless it has been hurried (hurryUp): then it
// goes ahead without one. Called on the handshake goroutine, without mu.
func (t *transport) takeTurn() {
	got := tryTurn()
	if !got {
		t.mu.Lock()
		if t.hurried {
			t.mu.Unlock()
			return
		}
		if t.hurry == nil {
			t.hurry = make(chan struct{})
		}
		hurry := t.hurry
		t.mu.Unlock()
		got = waitTurn(hurry)
	}
	t.mu.Lock()
	t.turn = got
	t.mu.Unlock()
}

// endTurn gives back the handshake goroutine's turn, if it holds one, as
// it ends.
func (t *transport) endTurn() {
	t.mu.Lock()
	got := t.turn
	t.turn = false
	t.mu.Unlock()
	if got {
		giveTurn()
	}
}

// buffered returns the number of raw bytes held.
func (t *transport) buffered() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.in.buffered()
}

// Read implements net.Conn for crypto/tls.
func (t *transport) Read(p []byte) (int, error) {
	t.mu.Lock()
	for {
		switch {
		case t.closed:
			t.mu.Unlock()
			return 0, net.ErrClosed
		case t.in.available() > 0:
			n := t.in.take(p)
			resume := t.paused && !t.async && t.in.buffered() < resumeAt
			if resume {
				t.paused = false
			}
			t.mu.Unlock()
			if resume && t.drained != nil {
				t.drained()
			}
			return n, nil
		case t.eof:
			n := t.in.takeAll(p)
			t.mu.Unlock()
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		case t.async:
			t.mu.Unlock()
			return 0, errWouldBlock
		}
		t.waiting = true
		if t.turn { // waiting for the peer: let another handshake compute
			t.turn = false
			giveTurn()
		}
		t.cond.Wait()
		t.waiting = false
		if (t.in.available() > 0 || t.eof) && !t.hurried {
			t.mu.Unlock()
			t.takeTurn()
			t.mu.Lock()
		}
	}
}

// Write implements net.Conn for crypto/tls.
func (t *transport) Write(p []byte) (int, error) {
	if t.async { // loop-only from here on: no lock needed for out
		if t.closed {
			return 0, net.ErrClosed
		}
		if t.outBP == nil {
			t.outBP = getRawBuf()
			t.out = (*t.outBP)[:0]
		}
		t.out = append(t.out, p...)
		if t.flushAt > 0 && len(t.out) >= t.flushAt && t.flush != nil {
			t.flush()
		}
		return len(p), nil
	}
	t.mu.Lock()
	if t.closed || t.post == nil {
		t.mu.Unlock()
		return 0, net.ErrClosed
	}
	t.hsOut = append(t.hsOut, append([]byte(nil), p...))
	first := len(t.hsOut) == 1
	t.mu.Unlock()
	if first {
		if err := t.post(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// takeHandshakeOut returns the bytes written during the handshake since
// the last call, in order.
func (t *transport) takeHandshakeOut() [][]byte {
	t.mu.Lock()
	q := t.hsOut
	t.hsOut = nil
	t.mu.Unlock()
	return q
}

// takeOut returns the ciphertext written since the last call and forgets
// it; the slice is valid until the next Write or releaseOut.
func (t *transport) takeOut() []byte {
	b := t.out
	t.out = t.out[:0]
	return b
}

// releaseOut gives the output buffer back to the pool, once what it held
// has been written, so that an idle connection holds none. Loop-only.
func (t *transport) releaseOut() {
	if t.outBP != nil {
		putRawBuf(t.outBP, t.out)
		t.outBP = nil
	}
	t.out = nil
}

// Close implements net.Conn. crypto/tls calls it only from tls.Conn.Close
// and when a handshake context is cancelled, neither of which tlsx uses.
func (t *transport) Close() error {
	t.abandon()
	return nil
}

func (t *transport) LocalAddr() net.Addr  { return t.laddr }
func (t *transport) RemoteAddr() net.Addr { return t.raddr }

// The deadlines are the loop's business (the handshake timer, and the
// connection's own deadlines); crypto/tls only sets a write deadline
// around close_notify, which never blocks here.
func (t *transport) SetDeadline(time.Time) error      { return nil }
func (t *transport) SetReadDeadline(time.Time) error  { return nil }
func (t *transport) SetWriteDeadline(time.Time) error { return nil }
