package beanstalk

import (
	"errors"

	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
)

// codec adapts the sans-I/O decoder to driver.Codec.
type codec struct{ dec bs.Decoder }

func (c *codec) Feed(p []byte) { c.dec.Feed(p) }
func (c *codec) Buffered() int { return c.dec.Buffered() }
func (c *codec) Reset()        { c.dec.Reset() }

func (c *codec) Next(k bs.Kind) (bs.Reply, error) {
	r, err := c.dec.Next(k)
	switch {
	case err == nil:
		if r.Body != nil {
			r.Body = r.CloneBody()
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
