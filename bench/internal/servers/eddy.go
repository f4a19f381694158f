package servers

import (
	"errors"
	"os"

	"github.com/eddy-go/eddy"
)

// eddyEcho writes back whatever arrived.
type eddyEcho struct {
	eddy.BaseHandler
}

// OnData echoes data. Write copies what the socket does not take at once.
// When the write queue is full the data is left unconsumed and reading
// pauses until the queue drains.
func (eddyEcho) OnData(c *eddy.Conn, data []byte) int {
	if err := c.Write(data); errors.Is(err, eddy.ErrQueueFull) {
		c.PauseRead()
		return 0
	}
	return len(data)
}

// OnDrain resumes reading paused by OnData.
func (eddyEcho) OnDrain(c *eddy.Conn) {
	if c.Paused() {
		c.ResumeRead()
	}
}

// serveEddy runs one eddy loop, which also accepts.
func serveEddy(addr string, ready func()) error {
	loop, err := eddy.New()
	if err != nil {
		return err
	}
	if _, err := loop.Listen("tcp4", addr, eddyEcho{}); err != nil {
		return err
	}
	ready()
	return loop.Run()
}

// serveEddyUring runs serveEddy's server on the io_uring backend
// (EDDY_POLLER=uring, read when the loop's poller is made).
func serveEddyUring(addr string, ready func()) error {
	os.Setenv("EDDY_POLLER", "uring")
	return serveEddy(addr, ready)
}
