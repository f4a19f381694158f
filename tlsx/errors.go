package tlsx

import (
	"errors"

	"github.com/eddy-go/eddy"
)

// Sentinel errors. Test for them with errors.Is: a connection's OnClose
// may receive them wrapped, in a *HandshakeError or an *eddy.OpError.
var (
	// ErrHandshake is matched by every failed handshake (see
	// HandshakeError), including a timeout.
	ErrHandshake = errors.New("tlsx: handshake failed")
	// ErrHandshakeTimeout is the cause of a handshake that did not finish
	// in time (see WithHandshakeTimeout). errors.Is(err, eddy.ErrTimeout)
	// is also true for it.
	ErrHandshakeTimeout error = handshakeTimeout{}
	// ErrTruncated means the peer closed the connection in the middle of
	// a TLS record, or, with WithRequireCloseNotify, without sending
	// close_notify: the data received may be incomplete.
	ErrTruncated = errors.New("tlsx: connection truncated (no close_notify)")
	// ErrConfig is returned by Listen and ListenGroup for a configuration
	// that cannot work: none, or a server config without certificates.
	ErrConfig = errors.New("tlsx: invalid config")
)

// handshakeTimeout is ErrHandshakeTimeout's type: it unwraps to
// eddy.ErrTimeout, so one errors.Is test catches every timeout.
type handshakeTimeout struct{}

func (handshakeTimeout) Error() string   { return "tlsx: handshake timed out" }
func (handshakeTimeout) Unwrap() error   { return eddy.ErrTimeout }
func (handshakeTimeout) Timeout() bool   { return true }
func (handshakeTimeout) Temporary() bool { return false }

// HandshakeError is the error a connection is closed with when its TLS
// handshake fails; OnClose receives it as it is, or inside an
// *eddy.OpError when the failure was found reading the socket, so test it
// with errors.Is and errors.As. It matches ErrHandshake and unwraps to the
// cause: the crypto/tls error (errors.As finds a
// *tls.CertificateVerificationError, an x509.HostnameError, an
// x509.UnknownAuthorityError, a tls.RecordHeaderError; the peer's alert is
// a *net.OpError whose Op is "remote error"), an *eddy.PanicError
// (matching eddy.ErrPanic) when a tls.Config callback panicked,
// ErrHandshakeTimeout, eddy.ErrClosed when CloseWrite cut it short, io.EOF
// when the peer closed before sending anything, or io.ErrUnexpectedEOF when
// it closed during the handshake.
type HandshakeError struct {
	Err error // the cause
}

// Error returns "tlsx: handshake: " and the cause.
func (e *HandshakeError) Error() string { return "tlsx: handshake: " + e.Err.Error() }

// Unwrap returns ErrHandshake and the cause.
func (e *HandshakeError) Unwrap() []error { return []error{ErrHandshake, e.Err} }

// Timeout reports whether the handshake timed out.
func (e *HandshakeError) Timeout() bool { return errors.Is(e.Err, ErrHandshakeTimeout) }
