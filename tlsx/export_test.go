package tlsx

import (
	"errors"
	"sync"
	"time"
)

// Test helpers shared with the external test package.

// TestPKI is testPKI for the external tests.
type TestPKI = testPKI

// NewTestPKI is newTestPKI for the external tests.
var NewTestPKI = newTestPKI

// SetEOFWait sets the bound on the loop's wait for a handshake at the end
// of the peer's stream (eofWait), for tests in which it is not what is
// tested, and returns a function that restores it. Call both with no loop
// running.
func SetEOFWait(d time.Duration) (restore func()) {
	old := eofWait
	eofWait = d
	return func() { eofWait = old }
}

// CutShort reports whether err is that of a handshake failed because the
// loop stopped waiting for it at the end of the peer's stream (eofWait).
func CutShort(err error) bool { return errors.As(err, new(handshakeCutShort)) }

// HoldTurns takes every handshake turn and keeps turns seemingly changing
// hands, as a crowd of other handshakes computing would: a handshake that
// waits for a turn waits until release (the stall fallback, which needs
// no turn to be given back for turnStall, never comes). Blocks until the
// turns held elsewhere are given back.
func HoldTurns() (release func()) {
	n := cap(turnTokens)
	for range n {
		turnTokens <- struct{}{}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(turnStall / 5)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				turnReturns.Add(1)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			for range n {
				giveTurn()
			}
		})
	}
}
