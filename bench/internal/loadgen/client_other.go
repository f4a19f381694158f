//go:build !linux

package loadgen

import (
	"net/netip"
	"time"
)

// Client is a set of connections driven by one poller. On this system it
// cannot be created.
type Client struct{}

// Dial returns [ErrUnsupported] on this system.
func Dial(addr netip.AddrPort, n int, opts DialOptions) (*Client, error) {
	return nil, ErrUnsupported
}

// Len returns 0.
func (c *Client) Len() int { return 0 }

// Echo returns [ErrUnsupported].
func (c *Client) Echo(cfg EchoConfig) (EchoResult, error) { return EchoResult{}, ErrUnsupported }

// EchoOnce returns [ErrUnsupported].
func (c *Client) EchoOnce(size int, timeout time.Duration) error { return ErrUnsupported }

// Close does nothing.
func (c *Client) Close() error { return nil }
