package httpclientbench

import "errors"

// Sentinel errors of the suite.
var (
	// ErrNoNginx means nginx is not installed.
	ErrNoNginx = errors.New("httpclientbench: nginx not installed (apt-get install nginx)")
	// ErrBadResponse means a client got another status or body than the
	// static file's.
	ErrBadResponse = errors.New("httpclientbench: unexpected response")
	// ErrTooSlow means a measurement did not finish in its time bound.
	ErrTooSlow = errors.New("httpclientbench: measurement timed out")
)
