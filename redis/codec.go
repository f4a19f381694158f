package redis

import (
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
)

// codec adapts resp.Decoder to driver.Codec. Replies are cloned, so that
// they outlive the decoder's buffer; error replies become the request's
// error (a *resp.RedisError); push messages go to onPush or are
// skipped, whether or not a reply is awaited (the shared connection
// never subscribes).
type codec struct {
	dec resp.Decoder
	// onPush, if set, receives push messages (cloned) instead of
	// dropping them.
	onPush func(resp.Value)
}

// Feed, Buffered and Reset pass through to the decoder.
func (c *codec) Feed(p []byte) { c.dec.Feed(p) }
func (c *codec) Buffered() int { return c.dec.Buffered() }
func (c *codec) Reset()        { c.dec.Reset() }

var _ driver.PushCodec = (*codec)(nil)

// next decodes the next value that is not a push message, handing the
// push messages before it to onPush.
func (c *codec) next() (resp.Value, error) {
	for {
		v, err := c.dec.Next()
		if err != nil {
			if errors.Is(err, resp.ErrNeedMore) {
				return resp.Value{}, driver.ErrNeedMore
			}
			return resp.Value{}, driver.Broken(err)
		}
		if !v.IsPush() {
			return v, nil
		}
		if c.onPush != nil {
			c.onPush(v.Clone())
		}
	}
}

// DrainPushes consumes the push messages that arrive while no reply is
// awaited (client-side caching invalidations come at any time).
func (c *codec) DrainPushes() error {
	_, err := c.next()
	switch {
	case err == nil:
		return driver.ErrUnsolicited // a reply nobody asked for
	case errors.Is(err, driver.ErrNeedMore) && c.dec.Buffered() == 0:
		return nil
	}
	return err
}

// Next returns the next reply, skipping push messages.
func (c *codec) Next(struct{}) (resp.Value, error) {
	v, err := c.next()
	if err != nil {
		return resp.Value{}, err
	}
	if v.IsError() {
		return resp.Value{}, v.Err()
	}
	return v.Clone(), nil
}
