package tlsx

import (
	"io"
	"runtime/debug"
	"time"

	"github.com/eddy-go/eddy"
)

// eofWait bounds how long the end of the peer's stream during a handshake
// may make the loop wait for the handshake goroutine (see handshakeEOF).
// A variable for the tests, which lengthen it where the bound is not what
// they test; it is read on the loops only.
var eofWait = 100 * time.Millisecond

// waitDone waits for done to be closed, for at most d.
func waitDone(done <-chan struct{}, d time.Duration) bool {
	select {
	case <-done:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// The handshake runs on a goroutine of its own (see doc.go): these are its
// two ends, the loop's and the goroutine's.

// startHandshake starts the handshake goroutine. Loop-only.
func (s *session) startHandshake() {
	s.st = stHandshake
	s.done = make(chan struct{})
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
	s.hsDone, s.hsErr = true, err
	t.mu.Unlock()
	close(s.done)             // for handshakeEOF
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
// has returned.
func (s *session) finish() {
	if s.st != stHandshake {
		return // abandoned meanwhile, and reported, or completed by handshakeEOF
	}
	s.t.mu.Lock()
	err := s.hsErr
	s.t.mu.Unlock()
	if err := s.complete(err); err != nil {
		s.lc.Fail(err)
	}
}

// complete ends the handshake with its result, hsErr: it fails, or the
// connection opens. It returns the error to close the connection with.
// Loop-only, after the handshake goroutine has returned.
func (s *session) complete(hsErr error) error {
	s.flushHandshakeOut() // everything the goroutine wrote goes first
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
	}
	return nil
}

// handshakeEOF handles the end of the peer's stream during the handshake.
// Either the handshake goroutine is waiting for input that will now never
// come, and the handshake has failed (io.ErrUnexpectedEOF), or it has records still to process
// (the peer may have sent its last handshake message, data and its FIN
// together), and the outcome depends on them: then the loop waits for the
// goroutine, which no longer needs the network and so normally finishes
// within microseconds, and completes the handshake here, so that the data
// is delivered before the end of the stream (eddy's Layer.EOF must decide
// at once). The wait is bounded by eofWait, in case a callback of the
// tls.Config blocks; past it the handshake counts as cut short. It returns
// the error to close the connection with, or nil when the handshake
// succeeded.
func (s *session) handshakeEOF() error {
	t := s.t
	t.mu.Lock()
	t.eof = true
	t.hurryUp() // the loop waits for it: no queueing for a turn
	t.cond.Broadcast()
	if !s.hsDone && t.waiting && t.in.available() == 0 {
		t.mu.Unlock()
		s.abandon()
		return &HandshakeError{Err: io.ErrUnexpectedEOF}
	}
	t.mu.Unlock()
	if !waitDone(s.done, eofWait) {
		s.abandon()
		return &HandshakeError{Err: handshakeCutShort{eofWait}}
	}
	return s.complete(s.hsErr) // written before done was closed
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
