package tlsx

import (
	"sync"
	"time"

	"github.com/eddy-go/eddy"
)

// Test helpers shared with the external test package.

// TestPKI is testPKI for the external tests.
type TestPKI = testPKI

// NewTestPKI is newTestPKI for the external tests.
var NewTestPKI = newTestPKI

// LayerPeerClosed is PeerClosed for a layer made by ServerLayer or
// ClientLayer, for tests that wrap it.
func LayerPeerClosed(ly eddy.Layer) bool {
	s, ok := ly.(*session)
	return ok && s.gotCloseNotify
}

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
