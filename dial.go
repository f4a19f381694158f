package eddy

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/internal/poll"
)

// DialOption configures Loop.Dial.
type DialOption func(*dialConfig)

type dialConfig struct {
	timeout time.Duration
	laddr   net.Addr
}

// WithDialTimeout bounds the whole dial, name resolution included. The
// connection is then closed with an error matching ErrTimeout.
func WithDialTimeout(d time.Duration) DialOption { return func(c *dialConfig) { c.timeout = d } }

// WithLocalAddr binds the connection to a local address before connecting.
func WithLocalAddr(a net.Addr) DialOption { return func(c *dialConfig) { c.laddr = a } }

type dialState struct {
	addrs   []net.Addr
	idx     int
	laddr   net.Addr
	timer   *Timer
	lastErr error
}

func (d *dialState) current() net.Addr {
	if d.idx < len(d.addrs) {
		return d.addrs[d.idx]
	}
	return nil
}

func (d *dialState) stop() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// Dial starts connecting to address and returns the connection at once,
// without blocking: OnOpen follows when the connection is established, or
// OnClose, with the dial error (an *OpError), when it fails. Writes made
// before then are queued. A host name is resolved without blocking the
// loop, and each of its addresses is tried in turn. network is "tcp",
// "tcp4", "tcp6" or "unix". Loop-only.
//
// The error result reports only a request that cannot start: an unknown
// network or a malformed address.
func (l *Loop) Dial(network, address string, h Handler, opts ...DialOption) (*Conn, error) {
	if l.state.Load() == stateClosed {
		return nil, ErrLoopClosed
	}
	k, ok := kindOfNet(network)
	if !ok {
		return nil, opError("dial", network, nil, net.UnknownNetworkError(network))
	}
	var cfg dialConfig
	for _, o := range opts {
		o(&cfg)
	}
	var host string
	var port int
	if k != netUnix {
		h, p, err := net.SplitHostPort(address)
		if err != nil {
			return nil, opError("dial", network, nil, err)
		}
		port, err = strconv.Atoi(p)
		if err != nil || port < 0 || port > 65535 {
			return nil, opError("dial", network, nil, &net.AddrError{Err: "invalid port", Addr: address})
		}
		host = h
	}
	c := l.newConn(k, h)
	c.flags |= cConnecting
	d := &dialState{laddr: cfg.laddr}
	c.ext0().dial = d
	if cfg.timeout > 0 {
		d.timer = l.AfterFunc(cfg.timeout, func() {
			c.fail(opError("dial", network, d.current(), ErrTimeout))
		})
		d.timer.Unref()
	}
	switch {
	case k == netUnix:
		d.addrs = []net.Addr{&net.UnixAddr{Name: address, Net: "unix"}}
		c.dialNext()
	case host == "":
		d.addrs = []net.Addr{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
		c.dialNext()
	default:
		if ip, err := netip.ParseAddr(host); err == nil {
			d.addrs = []net.Addr{net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port)))}
			c.dialNext()
			break
		}
		ipnet := "ip"
		switch k {
		case netTCP4:
			ipnet = "ip4"
		case netTCP6:
			ipnet = "ip6"
		}
		Work(l, func() ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(context.Background(), ipnet, host)
		}, func(ips []netip.Addr, err error) {
			if c.flags&cClosed != 0 {
				return
			}
			if err != nil {
				c.fail(opError("dial", network, nil, err))
				return
			}
			for _, ip := range ips {
				d.addrs = append(d.addrs, net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip.Unmap(), uint16(port))))
			}
			c.dialNext()
		})
	}
	return c, nil
}

// dialNext connects to the next address, or fails the dial when none is
// left.
func (c *Conn) dialNext() {
	d := c.ext.dial
	network := c.netw.String()
	for ; d.idx < len(d.addrs); d.idx++ {
		a := d.addrs[d.idx]
		s, err := poll.Socket(network, a, d.laddr)
		if err != nil {
			d.lastErr = err
			continue
		}
		if err := c.attach(s); err != nil {
			poll.CloseSock(s)
			d.lastErr = err
			continue
		}
		if err := c.loop.poller.Connect(&c.fd, a); err != nil {
			c.detach()
			d.lastErr = err
			continue
		}
		return
	}
	err := d.lastErr
	if err == nil {
		err = &net.AddrError{Err: "no addresses", Addr: ""}
	}
	var last net.Addr
	if n := len(d.addrs); n > 0 {
		last = d.addrs[n-1]
	}
	c.fail(opError("dial", network, last, err))
}

func (o *connOwner) ConnectDone(err error) {
	c := (*Conn)(o)
	d := c.ext.dial
	if err != nil {
		c.detach()
		d.lastErr = err
		d.idx++
		c.dialNext()
		return
	}
	d.stop()
	c.ext.dial = nil
	c.flags &^= cConnecting
	c.start()
}
