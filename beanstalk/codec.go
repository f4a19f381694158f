package beanstalk

import (
	"errors"
	"sync/atomic"

	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// op is what the codec knows of a command: its kind and, for the reserve
// commands, the reservation that watches over the job it gets.
type op struct {
	kind bs.Kind
	res  *reservation
}

// reservation watches a reserve command. If its caller gave up after the
// command was written, the server still reserves a job for it; the codec
// then hands the job to orphan instead of leaving it reserved, for nobody,
// until its TTR runs out.
type reservation struct {
	f atomic.Pointer[future.Future[bs.Reply]] // the command's future, once Call returned
}

// abandoned reports whether the reserve's future settled before its reply
// was read: it was cancelled.
func (r *reservation) abandoned() bool {
	f := r.f.Load()
	return f != nil && f.Done()
}

// codec adapts the sans-I/O decoder to driver.Codec.
type codec struct {
	dec    bs.Decoder
	orphan func(id uint64) // gets the jobs of abandoned reserves; loop-only
}

func (c *codec) Feed(p []byte) { c.dec.Feed(p) }
func (c *codec) Buffered() int { return c.dec.Buffered() }
func (c *codec) Reset()        { c.dec.Reset() }

func (c *codec) Next(o op) (bs.Reply, error) {
	r, err := c.dec.Next(o.kind)
	switch {
	case err == nil:
		if r.Body != nil {
			r.Body = r.CloneBody()
		}
		if o.res != nil && r.Type == bs.ReplyReserved && c.orphan != nil && o.res.abandoned() {
			c.orphan(r.ID)
		}
		return r, nil
	case errors.Is(err, bs.ErrNeedMore):
		return r, driver.ErrNeedMore
	case errors.Is(err, bs.ErrProtocol), errors.Is(err, bs.ErrBadFormat),
		errors.Is(err, bs.ErrUnknownCommand), errors.Is(err, bs.ErrExpectedCRLF):
		// The server and the client no longer agree on where commands
		// start: drop the connection.
		return r, driver.Broken(err)
	}
	return r, err
}
