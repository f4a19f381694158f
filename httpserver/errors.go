package httpserver

import "errors"

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
	// ErrNotServing is returned by Shutdown on a server that is not
	// serving.
	ErrNotServing = errors.New("httpserver: server not serving")
)
