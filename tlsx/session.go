package tlsx

import (
	"crypto/tls"
	"errors"
	"io"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/eddy-go/eddy"
)

// session is the eddy.Layer that runs one TLS connection. Its fields are
// the loop's, except where a comment says otherwise.
type session struct {
	cfg    *tls.Config
	client bool
	opts   options

	lc    *eddy.LayerConn
	loop  *eddy.Loop
	t     *transport
	tc    *tls.Conn // the handshake goroutine's until finish, then the loop's
	st    state
	inner eddy.Handler // the connection's own handler, during the handshake
	timer *eddy.Timer

	established    bool // the handshake succeeded: tc is the loop's
	closing        bool // Close ran (for Conn.Close or CloseWrite): close_notify sent
	gotCloseNotify bool
	pausedByUs     bool // reading paused because the handshake lags behind input

	// eofPending: the peer's stream ended during the handshake, which
	// had records left to process; finish settles it (handshakeEOF).
	eofPending bool

	// hsErr is the handshake's result, set by the handshake goroutine
	// under t.mu when it returns.
	hsErr error
}

type state uint8

const (
	stNew       state = iota // before the handshake starts (a server waits for the first byte)
	stHandshake              // the handshake goroutine runs
	stOpen                   // established: everything happens on the loop
	stClosed                 // failed or abandoned
)

const (
	// pauseAt is the raw input held during a handshake at which the
	// connection stops reading until the handshake catches up.
	pauseAt = 256 << 10
	// flushAt is the ciphertext collected during one call into
	// crypto/tls after which it is written out without waiting for the
	// call to return.
	flushAt = 64 << 10
	// maxRecordPlain is the most plaintext one record holds, so the most
	// one tls.Conn.Read returns.
	maxRecordPlain = 16 << 10
	// plainBufSize is the size of the buffers plaintext is collected in:
	// one socket read's worth (eddy reads up to 64 KiB), and a record.
	plainBufSize = 64<<10 + maxRecordPlain
	// maxPooledPlain is the largest buffer kept for reuse.
	maxPooledPlain = 256 << 10
)

// plainBufs recycles the buffers that decrypted records are collected in
// before delivery, so that an idle connection holds none.
var plainBufs = sync.Pool{New: func() any { b := make([]byte, 0, plainBufSize); return &b }}

// Start implements eddy.Layer: it sets up the *tls.Conn and the handshake
// timer, and starts a client's handshake. A server's starts with the
// first bytes received, so that a peer that sends nothing costs no
// goroutine.
func (s *session) Start(lc *eddy.LayerConn) {
	s.lc, s.loop = lc, lc.Loop()
	c := lc.Conn()
	s.t = newTransport(c.LocalAddr(), c.RemoteAddr())
	s.t.post = s.postHandshakeOut
	s.t.drained = func() { _ = s.loop.Post(s.resume) }
	s.t.flush = s.writeOut
	s.t.flushAt = flushAt
	if s.client {
		s.tc = tls.Client(s.t, s.cfg)
	} else {
		s.tc = tls.Server(s.t, s.cfg)
	}
	s.inner = c.Handler()
	c.SetHandler((*guard)(s))
	if d := s.opts.handshakeTimeout; d > 0 {
		s.timer = s.loop.AfterFunc(d, s.onTimeout)
		s.timer.Unref() // the connection keeps the loop alive, not its timer
	}
	if s.client {
		s.startHandshake()
	}
}

// Input implements eddy.Layer.
func (s *session) Input(lc *eddy.LayerConn, p []byte) error {
	switch s.st {
	case stNew:
		s.t.feed(p)
		s.startHandshake()
		s.maybePause()
	case stHandshake:
		s.t.feed(p)
		s.maybePause()
	case stOpen:
		// Input still comes after CloseWrite, which closes only our
		// side; after Conn.Close, eddy has stopped reading.
		s.t.feed(p)
		return s.pump()
	}
	return nil
}

// EOF implements eddy.Layer.
func (s *session) EOF(lc *eddy.LayerConn) error {
	switch s.st {
	case stNew:
		s.abandon()
		return &HandshakeError{Err: io.EOF}
	case stHandshake:
		if s.eofPending {
			// The read was armed again while the end was pending
			// (ResumeRead), and found it a second time.
			return eddy.ErrEOFPending
		}
		return s.handshakeEOF()
	case stOpen:
		return s.openEOF()
	}
	return nil
}

// openEOF decides how an established connection's stream ended.
func (s *session) openEOF() error {
	if s.gotCloseNotify || s.readDone() {
		return nil
	}
	if s.t.buffered() > 0 || s.opts.requireCloseNotify {
		return ErrTruncated
	}
	return nil
}

// readDone reports whether the connection no longer reads because
// Conn.Close ran (after CloseWrite it still does): the peer's data and
// how its stream ends no longer matter.
func (s *session) readDone() bool {
	return s.closing && s.lc.Closing()
}

// Output implements eddy.Layer: it encrypts p into records, which go to
// the socket's write queue. eddy has already applied the high water mark
// (Conn.Write returns ErrQueueFull, before calling Output, when the queue
// of ciphertext is full), so Output takes all of p.
func (s *session) Output(lc *eddy.LayerConn, p []byte) error {
	if s.st != stOpen || s.closing {
		return eddy.ErrClosed
	}
	_, err := s.tc.Write(p)
	s.flushOut()
	return err
}

// Close implements eddy.Layer: an established connection sends
// close_notify; a handshake in progress is abandoned (eddy calls Close
// during the handshake only when no writes are held for after it: with
// some, Conn.Close waits for Ready and their Output). For CloseWrite,
// which shuts the stream at once and keeps the connection open, that
// also fails the connection, which could never finish its handshake.
func (s *session) Close(lc *eddy.LayerConn) {
	switch s.st {
	case stOpen:
		if !s.closing {
			s.closing = true
			_ = s.tc.CloseWrite()
			s.flushOut()
		}
	case stNew, stHandshake:
		s.abandon()
		c := lc.Conn()
		if !lc.Closing() { // CloseWrite
			// After CloseWrite has shut the socket down, not within it.
			s.loop.NextTick(func() {
				if !c.Closed() {
					lc.Fail(&HandshakeError{Err: eddy.ErrClosed})
				}
			})
		}
	}
}

// pump decrypts every complete record held and delivers the plaintext in
// one call, as a plain connection delivers what one read returned.
func (s *session) pump() error {
	bp := plainBufs.Get().(*[]byte)
	plain := (*bp)[:0]
	defer func() {
		if cap(plain) <= maxPooledPlain {
			*bp = plain[:0]
			plainBufs.Put(bp)
		}
	}()
	var rerr error
	for {
		if cap(plain)-len(plain) < maxRecordPlain {
			plain = slices.Grow(plain, maxRecordPlain)
		}
		n, err := s.read(plain[len(plain):cap(plain)])
		plain = plain[:len(plain)+n]
		if err != nil {
			switch {
			case errors.Is(err, errWouldBlock):
			case err == io.EOF:
				s.gotCloseNotify = true
			default:
				rerr = err
			}
			break
		}
	}
	s.flushOut() // a KeyUpdate answer, an alert
	s.deliver(plain)
	if rerr != nil {
		return rerr
	}
	if s.gotCloseNotify {
		// The peer's goodbye: as at the end of a plain TCP stream,
		// close once the queued output is written (Close answers with
		// close_notify, unless CloseWrite has sent it already), unless
		// the handler wants to go on writing (eddy.EOFHandler).
		if !s.lc.PeerDone() {
			_ = s.lc.Conn().Close()
		}
	}
	return nil
}

// read is tc.Read on the loop. crypto/tls may call a tls.Config callback
// there (ClientSessionCache.Put, for a TLS 1.3 session ticket); a panic
// in it becomes the connection's error, as a handler's does, instead of
// unwinding through the loop.
func (s *session) read(p []byte) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &eddy.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return s.tc.Read(p)
}

func (s *session) deliver(p []byte) {
	if len(p) > 0 {
		s.lc.Deliver(p)
	}
}

// flushOut writes the ciphertext crypto/tls produced to the socket, at
// the end of a call into crypto/tls, and gives the buffer back.
func (s *session) flushOut() {
	s.writeOut()
	s.t.releaseOut()
}

// writeOut writes the ciphertext collected so far to the socket, which
// copies what it cannot send at once; the transport calls it within a
// large write.
func (s *session) writeOut() {
	if len(s.t.out) > 0 {
		_ = s.lc.WriteRaw(s.t.takeOut())
	}
}

// abandon ends the handshake, if one is under way, without reporting
// anything: the caller does.
func (s *session) abandon() {
	if s.st == stClosed || s.st == stOpen {
		return
	}
	s.st = stClosed
	s.stopTimer()
	s.t.abandon()
}

func (s *session) stopTimer() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// restoreHandler gives the connection its own handler back.
func (s *session) restoreHandler() {
	c := s.lc.Conn()
	if g, ok := c.Handler().(*guard); ok && g == (*guard)(s) {
		c.SetHandler(s.inner)
	}
}

// guard is the connection's handler during the handshake, in front of its
// own: the only event it can get then is OnClose, for whatever closed the
// connection (a reset, a deadline, the loop stopping…), which must also end
// the handshake goroutine. It is a session under another name, so it costs
// no allocation.
type guard session

func (g *guard) OnOpen(c *eddy.Conn) { g.inner.OnOpen(c) }

func (g *guard) OnData(c *eddy.Conn, data []byte) int { return g.inner.OnData(c, data) }

// OnDrain drops the event: the handler does not know the connection yet.
func (g *guard) OnDrain(c *eddy.Conn) {}

func (g *guard) OnClose(c *eddy.Conn, err error) {
	s := (*session)(g)
	if s.eofPending && err != nil && !errors.Is(err, ErrHandshake) {
		// The peer's stream had ended, and the handshake failed before
		// it could finish: the peer is gone (writing its flight to it
		// met a reset), or a deadline or the loop's stop came first. It
		// is reported as the handshake's failure, as the end of the
		// stream during a handshake is, with the cause inside.
		err = &HandshakeError{Err: err}
	}
	s.abandon()
	h := s.inner
	if c.Handler() == eddy.Handler(g) {
		c.SetHandler(h)
	}
	h.OnClose(c, err)
}

// opError wraps err as eddy wraps the errors of Layer.Input.
func opError(c *eddy.Conn, err error) error {
	return &eddy.OpError{Op: "read", Net: c.Network(), Addr: c.RemoteAddr(), Err: err}
}
