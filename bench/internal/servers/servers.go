package servers

import (
	"fmt"
	"slices"
)

// registry maps an implementation name to its echo server. Each function
// listens on a TCP address such as "127.0.0.1:9000", calls ready once the
// socket is listening, and serves until the process ends, returning only
// on error.
var registry = map[string]func(addr string, ready func()) error{
	"std":        serveStd,
	"gnet":       serveGnet,
	"nbio":       serveNbio,
	"eddy":       serveEddy,
	"eddy-uring": serveEddyUring,
}

// Names returns the implementation names in a fixed order: std, gnet,
// nbio, eddy, eddy-uring.
func Names() []string {
	order := []string{"std", "gnet", "nbio", "eddy", "eddy-uring"}
	return slices.DeleteFunc(order, func(n string) bool { return registry[n] == nil })
}

// Serve runs the echo server impl on addr. It calls ready, if not nil,
// once the listening socket exists, so that connections are queued from
// then on. It blocks until the server fails, and returns an error wrapping
// [ErrUnknownImpl] for a name that is not in [Names].
func Serve(impl, addr string, ready func()) error {
	fn := registry[impl]
	if fn == nil {
		return fmt.Errorf("%w: %q", ErrUnknownImpl, impl)
	}
	if ready == nil {
		ready = func() {}
	}
	return fn(addr, ready)
}
