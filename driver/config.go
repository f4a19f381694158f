package driver

import (
	"crypto/tls"
	"time"

	"github.com/eddy-go/eddy/future"
)

// Codec is the protocol half of a driver: a sans-I/O reply decoder. K is
// what the decoder must know about a request to decode its reply (for
// beanstalkd, the command kind); R is a decoded reply.
//
// The Conn owns its codec and calls it on the loop only.
type Codec[K, R any] interface {
	// Feed appends bytes read from the connection. The codec copies them.
	Feed(p []byte)
	// Next decodes the reply to the oldest request still waiting, whose
	// context is k. It returns an error matching ErrNeedMore when the
	// reply is not complete yet (nothing is consumed), a *BrokenError (see
	// Broken) when the stream cannot be trusted any more, and any other
	// error as the request's failure (a server error reply). The reply
	// returned must stay valid after later calls: copy what aliases the
	// codec's buffer.
	Next(k K) (R, error)
	// Buffered returns the number of bytes fed but not yet decoded.
	Buffered() int
	// Reset empties the codec for a new connection.
	Reset()
}

// PushCodec is implemented by a Codec whose protocol has messages the
// server sends on its own, outside any reply (RESP3 push messages, such
// as client-side caching invalidations). Without it, bytes that arrive
// while no written request awaits a reply break the connection with
// ErrUnsolicited; with it, the Conn hands them to DrainPushes.
type PushCodec interface {
	// DrainPushes consumes the complete out-of-band messages at the front
	// of the bytes fed and not yet decoded. It returns nil when nothing
	// is left, an error matching ErrNeedMore when what is left is the
	// start of a message not complete yet, and ErrUnsolicited (or a
	// *BrokenError) when a message other than an out-of-band one is at
	// the front: the connection is then dropped.
	DrainPushes() error
}

// Config configures a Conn. Codec and Addr are required; every other field
// has a default.
type Config[K, R any] struct {
	// Network is "tcp" (the default), "tcp4", "tcp6" or "unix".
	Network string
	// Addr is the server's address.
	Addr string
	// Codec decodes replies. It is Reset on every new connection.
	Codec Codec[K, R]
	// TLSConfig, if set, runs TLS on every connection: a tlsx client
	// layer is put on the socket at dial, so the codec and Setup see
	// plaintext. The server's certificate is verified against
	// TLSConfig.RootCAs (the system's roots when nil) for
	// TLSConfig.ServerName, taken from Addr's host when empty; only
	// InsecureSkipVerify turns that off. A failed handshake is a failed
	// connection attempt (its cause a *tlsx.HandshakeError), followed by
	// the backoff. The handshake is bounded by DialTimeout.
	TLSConfig *tls.Config
	// Setup, if set, runs after each connect, before any queued request
	// is written: it sends its requests with Handshake.Send (authenticate,
	// select a database, restore a session's state...) and returns a
	// future that resolves once the connection is ready. A rejection drops
	// the connection (the requests waiting for it fail with a *ConnError
	// wrapping a *SetupError) and a new connection is tried after the
	// backoff. Setup runs on the loop and must not block.
	Setup func(h *Handshake[K, R]) *future.Future[struct{}]
	// MinBackoff and MaxBackoff shape the delay between connection
	// attempts (defaults 50ms and 5s): a base that starts at MinBackoff
	// and doubles after each failure up to MaxBackoff, and a delay drawn
	// at random between half the base and the base, so that clients that
	// failed together do not retry together. After a ready connection drops, the first new attempt
	// is made at once if the connection had answered a request (the
	// handshake's count) or had been ready for at least MinBackoff; a
	// connection that drops sooner without a word (a server that accepts
	// and closes at once) counts as a failed attempt, so that the Conn
	// does not redial in a hot loop.
	MinBackoff, MaxBackoff time.Duration
	// NoReconnect, if set, makes the Conn give up instead of reconnecting
	// once a connection that was ready drops: for a session whose state
	// on the server cannot be rebuilt by Setup (a Redis WATCH, a
	// transaction), where silently carrying on over a new connection
	// would be wrong. The Conn then goes to StateClosed (OnState gets the
	// cause); every request in flight, idempotent or not, fails with a
	// *ConnError wrapping the cause, and so does every later one, at
	// once and without dialling. Until the connection has first been
	// ready, attempts follow the usual rules (backoff and retry): none
	// of the caller's requests has been written yet, so no state can
	// have been lost.
	NoReconnect bool
	// DialTimeout bounds a connect and, separately, the handshake
	// (default 10s).
	DialTimeout time.Duration
	// MaxQueued bounds the requests waiting to be written, either for a
	// connection or because the socket is not draining (default 65536).
	// Past it new requests fail at once with ErrBacklogFull; requests
	// cancelled before they were written do not count, as they never
	// will be (they are swept out when the bound is reached). It bounds
	// admission only: requests already accepted and put back in the
	// queue by a reconnect (unwritten or idempotent ones) are kept even
	// if that takes the queue past the bound, since dropping them would
	// fail work the caller was told was under way.
	MaxQueued int
	// OnState, if set, is told on the loop of every change of state, with
	// the error that caused it, if any (for logs and tests).
	OnState func(s State, err error)
}

func (c *Config[K, R]) defaults() {
	if c.Network == "" {
		c.Network = "tcp"
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 50 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(5*time.Second, c.MinBackoff)
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 1 << 16
	}
}

// Flags mark a request; combine them with |.
type Flags uint8

const (
	// Idempotent marks a request that is safe to send again: if its
	// connection drops after it was written, it is sent again on the next
	// connection instead of failing. Mark only requests whose repetition
	// cannot change the outcome (reads, pings).
	Idempotent Flags = 1 << iota
	// Bound marks a request that acts on state held by the connection it
	// is written on (a reservation, a lock): it is written on the
	// connection ready when it reaches the loop, or not at all. If that
	// connection drops before the request is written, or none is ready,
	// it fails with a *ConnError (Sent false) rather than waiting for the
	// next connection, where the state it meant is gone. It is never
	// sent again, even if also marked Idempotent.
	Bound
)

// State is the state of a Conn.
type State uint8

// The states of a Conn. A Conn starts in StateDialing and ends in
// StateClosed; it goes around Dialing, Handshaking, Ready and Backoff while
// the server comes and goes.
const (
	StateDialing     State = iota + 1 // connecting
	StateHandshaking                  // connected, running Config.Setup
	StateReady                        // writing requests
	StateBackoff                      // waiting before the next attempt
	StateClosing                      // Shutdown: finishing what is in flight
	StateClosed                       // Close or Shutdown done; final
)

// String returns the state's name, such as "ready".
func (s State) String() string {
	switch s {
	case StateDialing:
		return "dialing"
	case StateHandshaking:
		return "handshaking"
	case StateReady:
		return "ready"
	case StateBackoff:
		return "backoff"
	case StateClosing:
		return "closing"
	case StateClosed:
		return "closed"
	}
	return "State(?)"
}
