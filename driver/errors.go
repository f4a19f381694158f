package driver

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is: the errors that requests
// actually fail with wrap them (see ConnError, BrokenError, SetupError).
var (
	// ErrConnLost is matched by every *ConnError: the request's connection
	// dropped, or could not be made, before its reply arrived.
	ErrConnLost = errors.New("driver: connection lost")
	// ErrClosed is the error of requests made after Close or Shutdown, and
	// of requests still in flight when Close was called.
	ErrClosed = errors.New("driver: closed")
	// ErrBacklogFull is the error of a request refused because too many
	// requests already wait to be written (Config.MaxQueued).
	ErrBacklogFull = errors.New("driver: request backlog full")
	// ErrNeedMore is returned by a Codec's Next when the buffered bytes
	// do not yet hold a whole reply.
	ErrNeedMore = errors.New("driver: need more data")
	// ErrBroken is matched by every *BrokenError: a reply after which the
	// byte stream cannot be trusted, so the connection is dropped.
	ErrBroken = errors.New("driver: stream out of step")
	// ErrUnsolicited is the cause of a connection dropped because the
	// server sent bytes while no request was waiting for a reply.
	ErrUnsolicited = errors.New("driver: reply without a request")
	// ErrSetup is matched by every *SetupError: the handshake run after a
	// connect failed.
	ErrSetup = errors.New("driver: connection setup failed")
)

// errNotReady is the cause in the ConnError of a Bound request made
// while no connection was ready.
var errNotReady = errors.New("driver: no connection is ready")

// ConnError is the error of a request whose connection dropped, or could
// not be established, before the reply came. It matches ErrConnLost with
// errors.Is and unwraps to the cause (the socket error, a *BrokenError, a
// *SetupError...).
type ConnError struct {
	// Sent reports whether the request had been written: if so, the server
	// may or may not have carried it out.
	Sent bool
	// Err is why the connection closed; io.EOF for a clean close by the
	// server.
	Err error
}

// Error implements error.
func (e *ConnError) Error() string {
	s := "driver: connection lost"
	if e.Sent {
		s += " (request sent)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *ConnError) Unwrap() error { return e.Err }

// Is reports whether target is ErrConnLost.
func (e *ConnError) Is(target error) bool { return target == ErrConnLost }

// BrokenError wraps a codec error after which the connection must be
// dropped: a malformed reply, or a server reply saying client and server
// are out of step. A Codec returns it (see Broken); the request whose reply
// it was fails with it and the others with a *ConnError wrapping it.
type BrokenError struct {
	Err error
}

// Broken wraps err in a *BrokenError, for a Codec's Next to return.
func Broken(err error) error { return &BrokenError{Err: err} }

// Error implements error.
func (e *BrokenError) Error() string { return fmt.Sprintf("driver: stream out of step: %v", e.Err) }

// Unwrap returns the codec's error.
func (e *BrokenError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBroken.
func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// SetupError is why a connection was dropped when its handshake
// (Config.Setup) failed. It matches ErrSetup and unwraps to the
// handshake's error.
type SetupError struct {
	Err error
}

// Error implements error.
func (e *SetupError) Error() string { return fmt.Sprintf("driver: connection setup failed: %v", e.Err) }

// Unwrap returns the handshake's error.
func (e *SetupError) Unwrap() error { return e.Err }

// Is reports whether target is ErrSetup.
func (e *SetupError) Is(target error) bool { return target == ErrSetup }
