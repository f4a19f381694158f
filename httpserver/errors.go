package httpserver

import (
	"context"
	"errors"

	"github.com/eddy-go/eddy"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrResponseEnded is returned by writes to a response that has ended.
	ErrResponseEnded = errors.New("httpserver: response already ended")
	// ErrBodyNotAllowed is returned by writes to a response whose status
	// (1xx, 204, 304) or request method (HEAD is exempt: its writes are
	// counted and dropped) allows no body.
	ErrBodyNotAllowed = errors.New("httpserver: response status allows no body")
	// ErrContentLength is returned by a write that would go past the
	// Content-Length the handler set.
	ErrContentLength = errors.New("httpserver: write beyond Content-Length")
	// ErrBodyTooLarge is reported by Request.ReadBody when the body is
	// longer than the limit given to it.
	ErrBodyTooLarge = errors.New("httpserver: request body too large")
	// ErrBodyRead is returned by a second attempt to read a request body.
	ErrBodyRead = errors.New("httpserver: request body already being read")
	// ErrConnClosed reports that the connection closed before the request
	// body ended or the response could be written.
	ErrConnClosed = errors.New("httpserver: connection closed")
	// ErrTimeout ends a request body whose client sent nothing for the
	// server's ReadBodyTimeout.
	ErrTimeout = errors.New("httpserver: request body timed out")
	// ErrServerRunning is returned by Serve on a server that is already
	// serving.
	ErrServerRunning = errors.New("httpserver: server already serving")
	// ErrSendFileUnsupported is returned by ResponseWriter.SendFile on
	// a connection that cannot copy files in the kernel, such as one
	// with a TLS layer.
	ErrSendFileUnsupported = errors.New("httpserver: sendfile not supported on this connection")
	// ErrFileRange is returned by ResponseWriter.SendFile for a negative
	// offset or length.
	ErrFileRange = errors.New("httpserver: bad file region")
	// ErrFilterLate is returned by SetBodyFilter once body bytes have
	// been written.
	ErrFilterLate = errors.New("httpserver: body filter set after the body began")
	// ErrInterim is returned by WriteInterim for a status that is not
	// an interim one (100, 102-199), or once the final head is sent.
	ErrInterim = errors.New("httpserver: interim response not allowed")
	// ErrNotUpgrade is returned by Upgrade for a request that did not
	// ask to switch protocols, or that cannot be switched now.
	ErrNotUpgrade = errors.New("httpserver: request cannot be upgraded")
	// ErrNotServing is returned by Shutdown on a server that is not
	// serving.
	ErrNotServing = errors.New("httpserver: server not serving")
)

// ErrHandlerTimeout is the cause with which TimeoutHandler (and
// ServeTimeout) cancel the request's context when they give up on the
// handler, and what the handler's writes to that response report
// afterwards. errors.Is matches it with context.DeadlineExceeded too, so
// code that checks for a deadline sees one.
var ErrHandlerTimeout error = handlerTimeoutError{}

// handlerTimeoutError is ErrHandlerTimeout's type: a comparable value
// that also matches context.DeadlineExceeded.
type handlerTimeoutError struct{}

func (handlerTimeoutError) Error() string { return "httpserver: handler timed out" }

// Is reports whether target is context.DeadlineExceeded.
func (handlerTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error's Timeout does for a timeout.
func (handlerTimeoutError) Timeout() bool { return true }

// errQueueFull is eddy.ErrQueueFull, named here for the files that do
// not import eddy.
var errQueueFull = eddy.ErrQueueFull
