package tlsx

import "time"

// DefaultHandshakeTimeout bounds a handshake when no WithHandshakeTimeout
// option says otherwise.
const DefaultHandshakeTimeout = 10 * time.Second

// Option configures a TLS layer (ServerLayer, ClientLayer).
type Option func(*options)

type options struct {
	handshakeTimeout   time.Duration
	requireCloseNotify bool
}

func newOptions(opts []Option) options {
	o := options{handshakeTimeout: DefaultHandshakeTimeout}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

// WithHandshakeTimeout bounds the handshake, counted from the moment the
// socket is connected (accepted, for a server), on a loop timer. A
// handshake still unfinished then fails with a *HandshakeError matching
// ErrHandshakeTimeout and eddy.ErrTimeout. Zero or less turns the bound
// off. The default is DefaultHandshakeTimeout.
func WithHandshakeTimeout(d time.Duration) Option {
	return func(o *options) { o.handshakeTimeout = d }
}

// WithRequireCloseNotify makes the end of the peer's stream without a
// close_notify alert an error (ErrTruncated) even when it falls between
// two records. By default, like crypto/tls, tlsx accepts that as a clean
// end, since many peers close that way; an end in the middle of a record
// is ErrTruncated either way. Safe for concurrent use.
func WithRequireCloseNotify() Option {
	return func(o *options) { o.requireCloseNotify = true }
}
