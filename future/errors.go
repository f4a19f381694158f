package future

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// Sentinel errors. Test for them with errors.Is: the errors that futures
// actually carry wrap them (see CancelError, TimeoutError). They are never
// modified: safe for concurrent use.
var (
	// ErrAwaitOnLoop is returned by Await when it is called on an event
	// loop goroutine, where blocking would deadlock the loop.
	ErrAwaitOnLoop = errors.New("future: Await called on an event loop goroutine")

	// ErrCanceled is matched by every *CancelError: the rejection of a
	// future that was cancelled, directly or because nothing wanted its
	// result any more.
	ErrCanceled = errors.New("future: canceled")

	// ErrTimeout is matched by every *TimeoutError.
	ErrTimeout = errors.New("future: timeout")

	// ErrStopped is matched by the rejection of a future whose callbacks
	// could not run because its Executor had stopped (Post failed). The
	// error also wraps the error Post returned.
	ErrStopped = errors.New("future: executor stopped")

	// ErrNilFuture rejects a future that was built from, or waited on, a
	// nil *Future (for example a step function that returned nil).
	ErrNilFuture = errors.New("future: nil future")

	// ErrNilError rejects a future whose producer called Reject(nil).
	ErrNilError = errors.New("future: rejected with a nil error")

	// ErrNoFutures rejects Any and Race when they are given no futures:
	// neither could ever settle otherwise.
	ErrNoFutures = errors.New("future: no futures given")

	// ErrFollowSelf rejects a promise told to follow its own future, and
	// a step (ThenFuture, CatchFuture) whose function returns the step's
	// own future: either could never settle.
	ErrFollowSelf = errors.New("future: a promise cannot follow its own future")

	// ErrNilContext is returned by Await, and rejects the future of
	// WithContext, when they are given a nil context.Context: a nil
	// context has no Done channel to wait on, and the standard library
	// treats one as a programming error (use context.Background).
	ErrNilContext = errors.New("future: nil context")

	// ErrChanClosed rejects a future made by FromChan when the channel is
	// closed before it delivers a value.
	ErrChanClosed = errors.New("future: channel closed without a value")
)

// CancelError is the rejection of a cancelled future. Cause says why: the
// error given to Cancel, context.Cause of the context that expired, a
// *TimeoutError, or context.Canceled when no cause was given.
// errors.Is(err, ErrCanceled) is true for every CancelError, and
// errors.Is/As also see through to Cause. A CancelError is not modified
// after it is created: safe for concurrent use.
type CancelError struct {
	Cause error
}

// Error returns "future: canceled: " followed by the cause.
func (e *CancelError) Error() string {
	if e.Cause == nil {
		return ErrCanceled.Error()
	}
	return ErrCanceled.Error() + ": " + e.Cause.Error()
}

// Unwrap returns Cause.
func (e *CancelError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrCanceled.
func (e *CancelError) Is(target error) bool { return target == ErrCanceled }

// TimeoutError is the rejection of a future made by Timeout when its
// duration elapses first. errors.Is(err, ErrTimeout) and
// errors.Is(err, context.DeadlineExceeded) are both true. Safe for
// concurrent use.
type TimeoutError struct {
	After time.Duration
}

// Error returns "future: timeout after <duration>".
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s after %v", ErrTimeout.Error(), e.After)
}

// Is reports whether target is ErrTimeout or context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// PanicError is the rejection of a future whose step function panicked.
// Value is the value passed to panic and Stack the stack of the panicking
// goroutine. If Value is an error, Unwrap returns it, so that errors.Is
// and errors.As see it. Safe for concurrent use.
type PanicError struct {
	Value any
	Stack []byte
}

// Error returns "future: panic: " followed by the panic value. The stack
// is in Stack, not in the message.
func (e *PanicError) Error() string { return fmt.Sprintf("future: panic: %v", e.Value) }

// Unwrap returns Value if it is an error, or nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// AggregateError is the rejection of Any when every input failed. Errors
// holds the inputs' errors in input order; errors.Is and errors.As look
// through all of them, as with errors.Join. Safe for concurrent use.
type AggregateError struct {
	Errors []error
}

// Error returns a summary followed by each error, separated by "; ".
func (e *AggregateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "future: all %d futures failed", len(e.Errors))
	for i, err := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns Errors.
func (e *AggregateError) Unwrap() []error { return e.Errors }

// stoppedError wraps the error an Executor's Post returned.
func stoppedError(err error) error { return fmt.Errorf("%w: %w", ErrStopped, err) }
