package httpbench

import "errors"

// Errors of the suite, usable with errors.Is.
var (
	// ErrUnknownImpl is returned by Serve and Run for an implementation
	// they do not have.
	ErrUnknownImpl = errors.New("httpbench: unknown implementation")
	// ErrNoWrk means wrk is not installed.
	ErrNoWrk = errors.New("httpbench: wrk not found (apt-get install wrk)")
	// ErrNoNginx means nginx is not installed.
	ErrNoNginx = errors.New("httpbench: nginx not found (apt-get install nginx)")
	// ErrWrkOutput means wrk's output could not be read, or reported
	// errors.
	ErrWrkOutput = errors.New("httpbench: bad wrk output")
	// ErrNotReady means a server did not come up.
	ErrNotReady = errors.New("httpbench: server not ready")
	// ErrBadResponse means a server answered a check with something
	// other than the expected response.
	ErrBadResponse = errors.New("httpbench: unexpected response")
	// ErrBadHead is returned by the minimal parser for a request head
	// without a request line of three fields.
	ErrBadHead = errors.New("httpbench: malformed request head")
	// ErrHeadTooLarge is returned by the minimal parser when no head end
	// is found within maxHead bytes.
	ErrHeadTooLarge = errors.New("httpbench: request head too large")
)
