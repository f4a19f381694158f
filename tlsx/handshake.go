package tlsx

import (
	"errors"
	"io"
	"runtime/debug"

	"github.com/eddy-go/eddy"
)

// The handshake runs on a goroutine of its own (see doc.go): these are its
// two ends, the loop's and the goroutine's.

// startHandshake starts the handshake goroutine. Loop-only.
func (s *session) startHandshake() {
	s.st = stHandshake
	go s.runHandshake()
}

// runHandshake is the handshake goroutine. It blocks in the transport's
// Read until the loop feeds it records, and ends with the handshake.
func (s *session) runHandshake() {
	s.t.takeTurn()
	err := s.handshake()
	s.t.endTurn()
	t := s.t
	t.mu.Lock()
	s.hsErr = err
	t.mu.Unlock()
	_ = s.loop.Post(s.finish) // fails only if the loop has ended
}

// handshake runs crypto/tls's handshake on the handshake goroutine. A
// panic in it (a tls.Config callback's) would end the process, since no
// one else can recover it on this goroutine: it fails this handshake
// instead, as an *eddy.PanicError, as the loop's worker pool does.
func (s *session) handshake() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &eddy.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return s.tc.Handshake()
}

// postHandshakeOut asks the loop to write what the handshake goroutine has
// written. Called on the handshake goroutine.
func (s *session) postHandshakeOut() error {
	return s.loop.Post(s.flushHandshakeOut)
}

// flushHandshakeOut writes the handshake's output to the socket, in the
// order it was written. Loop-only.
func (s *session) flushHandshakeOut() {
	q := s.t.takeHandshakeOut()
	if s.st != stHandshake {
		return
	}
	for _, p := range q {
		if s.lc.WriteRaw(p) != nil {
			return
		}
	}
}

// finish takes the handshake's result on the loop, once the goroutine
// has returned, and settles the end of the peer's stream if it came
// meanwhile (handshakeEOF): after the data that came before it.
func (s *session) finish() {
	if s.st != stHandshake {
		return // abandoned meanwhile, and reported
	}
	s.t.mu.Lock()
	err := s.hsErr
	s.t.mu.Unlock()
	if err := s.complete(err); err != nil {
		s.lc.Fail(err)
		return
	}
	if s.eofPending && s.st == stOpen {
		s.eofPending = false
		s.lc.SettleEOF(s.openEOF())
	}
}

// complete ends the handshake with its result, hsErr: it fails, or the
// connection opens. It returns the error to close the connection with
// (nil if it has closed already). Loop-only, after the handshake
// goroutine has returned.
func (s *session) complete(hsErr error) error {
	s.flushHandshakeOut() // everything the goroutine wrote goes first
	if s.lc.Conn().Closed() {
		// The connection has closed since the goroutine returned (an
		// Abort, a deadline, a reset, or that last write failing), and
		// its OnClose, queued by the close, has not run yet. It goes
		// to the guard, which reports the close to the handler: the
		// connection must not open now, nor the guard lose the handler.
		s.abandon()
		return nil
	}
	s.stopTimer()
	if hsErr != nil {
		s.st = stClosed
		s.t.abandon()
		return &HandshakeError{Err: hsErr}
	}
	s.t.setAsync()
	s.st = stOpen
	s.established = true
	s.restoreHandler()
	s.inner = nil
	c := s.lc.Conn()
	if s.pausedByUs {
		s.pausedByUs = false
		c.ResumeRead()
	}
	s.lc.Ready()
	// Records that came with or after the peer's last handshake message
	// (application data, TLS 1.3 session tickets) wait in the transport.
	// A handler that closed in OnOpen gets none; one that only called
	// CloseWrite still reads.
	if !c.Closed() && !s.readDone() {
		if err := s.pump(); err != nil {
			return opError(c, err)
		}
	} else {
		s.keepTickets()
	}
	return nil
}

// keepTickets processes, without delivering their data, the records
// already received when the handler closed in OnOpen: a client that
// writes its request and closes there (or that is aborted) keeps the
// TLS 1.3 session tickets that came with the server's last flight (as
// crypto/tls's do), so that its next connection can resume, as a
// crypto/tls client's would once it had read. Tickets that come later
// are not waited for. It costs nothing without a ClientSessionCache,
// which is all that a ticket goes to.
func (s *session) keepTickets() {
	if !s.client || s.cfg.ClientSessionCache == nil || s.cfg.SessionTicketsDisabled {
		return
	}
	bp := plainBufs.Get().(*[]byte)
	buf := (*bp)[:maxRecordPlain]
	var err error
	for err == nil {
		_, err = s.read(buf)
	}
	plainBufs.Put(bp)
	// Anything crypto/tls wrote meanwhile (a KeyUpdate's answer) would
	// follow our close_notify: it is dropped.
	s.t.releaseOut()
	var pe *eddy.PanicError
	if errors.As(err, &pe) {
		// A ClientSessionCache.Put that panicked: the connection's error
		// if it is still open, else the loop's to report.
		if c := s.lc.Conn(); !c.Closed() {
			s.lc.Fail(opError(c, err))
		} else {
			s.loop.NextTick(func() { panic(pe.Value) })
		}
	}
}

// handshakeEOF handles the end of the peer's stream during the handshake.
// Either the handshake goroutine is waiting for input that will now never
// come, and the handshake has failed (io.ErrUnexpectedEOF), or it has
// records still to process (the peer may have sent its last handshake
// message, data and its FIN together), and the outcome depends on them.
// The loop does not wait for the goroutine, which may be held up in a
// tls.Config callback (a GetCertificate or VerifyConnection that asks a
// database), as a loop must never wait: the end of the stream is left
// pending (eddy.ErrEOFPending), and finish, posted by the goroutine when
// it returns, delivers the data that came before it and then settles it.
// Meanwhile the handshake timeout, and a Close or Abort, still apply.
func (s *session) handshakeEOF() error {
	if s.t.setEOF() {
		s.abandon()
		return &HandshakeError{Err: io.ErrUnexpectedEOF}
	}
	s.eofPending = true
	return eddy.ErrEOFPending
}

// onTimeout fails a handshake that did not finish in time.
func (s *session) onTimeout() {
	s.timer = nil
	if s.st == stNew || s.st == stHandshake {
		s.abandon()
		s.lc.Fail(&HandshakeError{Err: ErrHandshakeTimeout})
	}
}

// maybePause stops reading while the handshake goroutine lags far behind
// the input; the goroutine asks for reading to resume (resume) when it has
// caught up. Loop-only.
func (s *session) maybePause() {
	if s.pausedByUs {
		return
	}
	t := s.t
	t.mu.Lock()
	pause := t.in.buffered() >= pauseAt
	if pause {
		t.paused = true
	}
	t.mu.Unlock()
	if pause {
		s.pausedByUs = true
		s.lc.Conn().PauseRead()
	}
}

// resume undoes maybePause. Loop-only.
func (s *session) resume() {
	if s.pausedByUs && s.st == stHandshake {
		s.pausedByUs = false
		s.lc.Conn().ResumeRead()
	}
}
