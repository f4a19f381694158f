package dns

import (
	"net/netip"
	"time"
)

// Transport moves DNS messages for a Resolver. eddy's loop implements it
// with its own non-blocking sockets; tests implement it with package net.
//
// Every method is called on the loop goroutine, and every callback must
// run on that same goroutine, never synchronously inside the call that
// registered it. After cancel returns, the callback must not run again
// (a late datagram or connection result is dropped). cancel is idempotent.
// The resolver does not modify q after the call; the transport may keep it
// until cancel or, for TCP, until it has delivered its result.
type Transport interface {
	// ExchangeUDP sends the message q to server from a fresh UDP socket
	// bound to an ephemeral port chosen by the operating system (a new
	// random source port for every call is part of the defence against
	// spoofed answers, RFC 5452), then calls cb for every datagram that
	// socket receives, from any source, until cancel is called; the
	// resolver checks the source itself. resp is only valid during cb.
	// Receive buffers should hold 65535 bytes: a datagram cut short cannot
	// be parsed. An error means nothing was sent (for example no route to
	// an IPv6 server); the resolver then moves on to the next server.
	// Loop-only.
	ExchangeUDP(server netip.AddrPort, q []byte, cb func(from netip.AddrPort, resp []byte)) (cancel func(), err error)

	// ExchangeTCP connects to server, writes q with a 2-byte big-endian
	// length prefix (RFC 1035 §4.2.2; see AppendTCPFrame), reads one
	// length-prefixed message and calls cb exactly once with it (without
	// the prefix) or with an error, then closes the connection. resp is
	// only valid during cb. An error returned by ExchangeTCP itself means
	// nothing was started and cb will not be called. cancel aborts the
	// exchange; cb is then not called. Loop-only.
	ExchangeTCP(server netip.AddrPort, q []byte, cb func(resp []byte, err error)) (cancel func(), err error)
}

// Clock gives the resolver time and timers on its loop. eddy's loop
// implements it; its Delay is the one future.Executor has.
type Clock interface {
	// Now returns the current time; the cache measures TTLs with it and
	// the hosts file is re-checked by it. Loop-only.
	Now() time.Time
	// Delay runs fn on the loop goroutine once d has passed, unless cancel
	// is called first. fn never runs synchronously inside Delay, even for
	// d <= 0, where it runs on a later turn of the loop: the resolver uses
	// Delay(0, fn) to deliver answers from the cache asynchronously.
	// cancel is idempotent and does nothing once fn has run. Loop-only.
	Delay(d time.Duration, fn func()) (cancel func())
}
