package eddy

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/eddy-go/eddy/internal/poll"
)

// Sentinel errors. Test for them with errors.Is: operation failures are
// *OpError values that match both the sentinel of their kind and the
// underlying system error (for example both ErrRefused and
// syscall.ECONNREFUSED).
var (
	// ErrClosed is the error of an operation on a closed connection,
	// listener or loop. It is net.ErrClosed, so code written for the net
	// package recognises it.
	ErrClosed = net.ErrClosed
	// ErrLoopClosed is returned by Post and by operations on a loop whose
	// Run has returned.
	ErrLoopClosed = errors.New("eddy: loop closed")
	// ErrLoopStopped is the close reason of connections still open when
	// their loop stops, and the error of opening a handle (Dial, Listen,
	// Spawn…) from a callback that runs while the loop tears down.
	ErrLoopStopped = errors.New("eddy: loop stopped")
	// ErrTimeout is the error of a deadline, idle timeout or connect
	// timeout. errors.Is(err, os.ErrDeadlineExceeded) is also true for it.
	ErrTimeout error = timeoutError{}
	// ErrRefused means the peer refused the connection.
	ErrRefused = errors.New("eddy: connection refused")
	// ErrReset means the peer reset the connection.
	ErrReset = errors.New("eddy: connection reset by peer")
	// ErrAddrInUse means the local address is already in use.
	ErrAddrInUse = errors.New("eddy: address already in use")
	// ErrUnreachable means no route leads to the peer.
	ErrUnreachable = errors.New("eddy: network unreachable")
	// ErrQueueFull is returned by writes when the connection's write
	// queue is at or above its high water mark. Nothing was queued; wait
	// for the OnDrain callback and write again.
	ErrQueueFull = errors.New("eddy: write queue full")
	// ErrReadBufferFull closes a connection whose handler left more
	// unconsumed bytes than the maximum read buffer allows.
	ErrReadBufferFull = errors.New("eddy: read buffer full")
	// ErrNotOnLoop is returned (or panicked with, for methods without an
	// error result) when a loop-only method is called from another
	// goroutine while the loop is running.
	ErrNotOnLoop = errors.New("eddy: called off the loop goroutine")
	// ErrOnLoop is returned when a method that waits for the loop (such
	// as DialNet or Shutdown) is called on the loop's own goroutine,
	// where it would wait for ever.
	ErrOnLoop = errors.New("eddy: called on the loop goroutine, where it would block")
	// ErrPanic is matched by the error a connection is closed with when
	// its handler panicked.
	ErrPanic = errors.New("eddy: handler panicked")
	// ErrTruncated is matched by the error a PacketHandler's OnError gets
	// for a datagram larger than the socket's receive buffer (64 KiB):
	// the system cut it short, so it is dropped rather than handed to
	// OnPacket as if it were whole, and the socket keeps receiving. The
	// error's Addr is the datagram's source. Over IPv4 no UDP datagram is
	// that large; unixgram and IPv6 jumbograms can be.
	ErrTruncated = errors.New("eddy: datagram truncated")
	// ErrUncatchableSignal is matched by the error of Loop.Signal for a
	// signal that no process can catch: SIGKILL (os.Kill), and SIGSTOP on
	// Unix. The system acts on those itself, so a handler would never run,
	// and as an active handle it would keep the loop alive for ever. A nil
	// signal, or signal number 0 (which kill(2) uses to probe a process and
	// never delivers), is refused with it too.
	ErrUncatchableSignal = errors.New("eddy: signal cannot be caught")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "eddy: i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
func (timeoutError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}

// OpError is the error type of failed socket operations, in the shape of
// net.OpError. It unwraps both to the kind sentinel (ErrRefused, ErrReset,
// ErrTimeout…) and to the underlying error.
type OpError struct {
	Op   string   // "dial", "read", "write", "accept", "listen", "close"
	Net  string   // "tcp", "udp", "unix"
	Addr net.Addr // the remote (or listening) address, if known
	Err  error    // the underlying error
	kind error
}

// Error describes the failure.
func (e *OpError) Error() string {
	s := "eddy: " + e.Op
	if e.Net != "" {
		s += " " + e.Net
	}
	if e.Addr != nil {
		s += " " + e.Addr.String()
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the kind sentinel, when there is one, and the
// underlying error.
func (e *OpError) Unwrap() []error {
	if e.kind == nil || e.kind == e.Err {
		return []error{e.Err}
	}
	return []error{e.kind, e.Err}
}

// Timeout reports whether the error is a timeout.
func (e *OpError) Timeout() bool { return errors.Is(e, ErrTimeout) }

// Temporary reports whether the error is a timeout. It exists so that
// *OpError implements net.Error, which code written for the net package
// asserts directly (err.(net.Error)) rather than with errors.As.
//
// Deprecated: as for net.Error, use Timeout or errors.Is.
func (e *OpError) Temporary() bool { return e.Timeout() }

var _ net.Error = (*OpError)(nil)

func kindOf(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		switch {
		case errors.Is(err, ErrTimeout), errors.Is(err, os.ErrDeadlineExceeded):
			return ErrTimeout
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, poll.ErrTruncated):
			return ErrTruncated
		}
		return nil
	}
	switch errno {
	case syscall.ECONNREFUSED:
		return ErrRefused
	case syscall.ECONNRESET, syscall.EPIPE, syscall.ENOTCONN:
		// ENOTCONN is what shutdown(2) says of a connection the peer has
		// reset before the loop saw the reset (a CloseWrite in the same
		// turn): the connection is gone the same way.
		return ErrReset
	case syscall.EADDRINUSE:
		return ErrAddrInUse
	case syscall.ENETUNREACH, syscall.EHOSTUNREACH:
		return ErrUnreachable
	case syscall.ETIMEDOUT:
		return ErrTimeout
	}
	return nil
}

func opError(op, network string, addr net.Addr, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: op, Net: network, Addr: addr, Err: err, kind: kindOf(err)}
}
