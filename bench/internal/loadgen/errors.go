package loadgen

import "errors"

// ErrUnsupported is returned by [Dial] on systems without epoll. Test with
// errors.Is.
var ErrUnsupported = errors.New("loadgen: unsupported on this system")

// ErrClosedByPeer reports a connection that the server closed or reset
// while the client still expected data. Test with errors.Is.
var ErrClosedByPeer = errors.New("loadgen: connection closed by peer")

// ErrTimeout reports that connecting or a one-shot echo did not finish in
// time. Test with errors.Is.
var ErrTimeout = errors.New("loadgen: timeout")

// ErrMismatch reports an echo whose bytes differ from what was sent. Test
// with errors.Is.
var ErrMismatch = errors.New("loadgen: echo mismatch")

// ErrBadConfig reports an option out of range, such as a zero message
// size. Test with errors.Is.
var ErrBadConfig = errors.New("loadgen: bad config")
