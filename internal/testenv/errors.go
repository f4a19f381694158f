package testenv

import (
	"errors"
	"fmt"
)

// ErrNotFound means a server binary is not installed. Test with errors.Is.
var ErrNotFound = errors.New("testenv: server binary not found")

// ErrExited means a server process exited while it was starting. Test with
// errors.Is.
var ErrExited = errors.New("testenv: server exited during startup")

// ErrNotReady means a server did not answer in time. Test with errors.Is.
var ErrNotReady = errors.New("testenv: server not ready in time")

// errPortInUse marks a start that failed because its port was taken, which
// the start functions retry on another port.
var errPortInUse = errors.New("testenv: port in use")

// StartError describes a server that failed to start. Log holds the end of
// its output, which usually says why.
type StartError struct {
	Server string // binary name, such as "redis-server"
	Addr   string // address it was told to listen on
	Err    error  // ErrExited, ErrNotReady or a process start error
	Log    string // the last lines the server printed
}

// Error describes the failure and quotes the server's last output.
func (e *StartError) Error() string {
	return fmt.Sprintf("%v (%s on %s); its output ends:\n%s", e.Err, e.Server, e.Addr, e.Log)
}

// Unwrap returns the underlying error.
func (e *StartError) Unwrap() error { return e.Err }
