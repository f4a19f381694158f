package tlsx

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Handshakes take turns on the CPU. Each runs on a goroutine of its own,
// and a burst of them (a thousand clients connecting at once) would make
// thousands of goroutines runnable together: Go's scheduler would then
// give the loops' goroutines, which wake from epoll needing a P, a place
// in the same long queue, and timers and I/O on every loop would lag by
// hundreds of milliseconds. So a handshake goroutine computes only while
// it holds a turn, one of GOMAXPROCS (process-wide), and gives it back
// whenever it waits for the peer; the others wait off the run queue, and
// a loop finds a P at once.
//
// A handshake that blocks while holding its turn (a tls.Config callback
// that fetches a certificate, a remote crypto.Signer) delays the others.
// If no turn at all is given back for turnStall, every holder is taken to
// be blocked, and a waiting handshake goes ahead without a turn, so that
// handshakes are never stuck behind slow callbacks.
//
// The loop never waits for a handshake: one whose peer's stream has ended
// with records still to process (see handshakeEOF) takes turns like the
// others, since a flood of peers that send a ClientHello and close at once
// must not buy their handshakes a way past the queue. An abandoned
// handshake goes ahead without a turn, only to find that it is over.

var (
	turnTokens  = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))
	turnReturns atomic.Uint64 // turns given back so far
)

// turnStall is how long waiting handshakes wait without any turn being
// given back before they go ahead without one.
const turnStall = 50 * time.Millisecond

// tryTurn takes a turn if one is free.
func tryTurn() bool {
	select {
	case turnTokens <- struct{}{}:
		return true
	default:
		return false
	}
}

// waitTurn waits for a turn and reports whether it got one (false: it goes
// ahead without, and must not give one back). It stops waiting, without a
// turn, when hurry is closed.
func waitTurn(hurry <-chan struct{}) bool {
	seen := turnReturns.Load()
	timer := time.NewTimer(turnStall)
	defer timer.Stop()
	for {
		select {
		case turnTokens <- struct{}{}:
			return true
		case <-hurry:
			return false
		case <-timer.C:
			now := turnReturns.Load()
			if now == seen {
				return false // every holder is blocked
			}
			seen = now
			timer.Reset(turnStall)
		}
	}
}

// giveTurn gives back a turn taken by takeTurn.
func giveTurn() {
	<-turnTokens
	turnReturns.Add(1)
}
