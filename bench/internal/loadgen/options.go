package loadgen

import (
	"net/netip"
	"time"
)

// DialOptions tunes [Dial]. The zero value connects from the kernel's
// choice of source address, at most 256 handshakes at a time, with a
// 30-second limit.
type DialOptions struct {
	// Sources are local addresses to bind, used in turn (connection i uses
	// Sources[i%len(Sources)]) so that more connections than one address
	// has ephemeral ports can be opened. Empty means the kernel chooses.
	Sources []netip.Addr
	// MaxPending bounds the handshakes in progress at once, to stay below
	// the server's listen backlog. Zero means 256.
	MaxPending int
	// Timeout bounds the whole of Dial. Zero means 30 s.
	Timeout time.Duration
}

// EchoConfig describes an [Client.Echo] run.
type EchoConfig struct {
	// Size is the size of one message in bytes; it must be positive.
	Size int
	// Depth is how many messages each connection keeps in flight; it must
	// be positive.
	Depth int
	// Duration is the length of the timed window; it must be positive.
	Duration time.Duration
	// OnStart, if not nil, is called just before the first message is
	// sent, for example to sample the server's CPU time.
	OnStart func()
}

// EchoResult is what an [Client.Echo] run measured.
type EchoResult struct {
	// Messages is the number of whole messages echoed back in the window.
	Messages uint64
	// Elapsed is the length of the window actually measured, from just
	// before the first send to the moment the loop stopped counting.
	Elapsed time.Duration
}

// PerSecond returns Messages per second of Elapsed, or 0 for an empty run.
func (r EchoResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Messages) / r.Elapsed.Seconds()
}
