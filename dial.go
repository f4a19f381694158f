package eddy

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/eddy-go/eddy/dns"
)

// DialOption configures Loop.Dial.
type DialOption func(*dialConfig)

type dialConfig struct {
	timeout      time.Duration
	laddr        net.Addr
	attemptDelay time.Duration
}

// DefaultAttemptDelay is the default Connection Attempt Delay of Happy
// Eyeballs (RFC 8305 §8): how long a dial lets one connection attempt run
// alone before it starts the next one, to the next address.
const DefaultAttemptDelay = 250 * time.Millisecond

// MinAttemptDelay is the smallest Connection Attempt Delay WithAttemptDelay
// accepts: RFC 8305 §5 forbids starting attempts less than 10 ms apart.
const MinAttemptDelay = 10 * time.Millisecond

// WithDialTimeout bounds the whole dial, name resolution included. The
// connection is then closed with an error matching ErrTimeout.
func WithDialTimeout(d time.Duration) DialOption { return func(c *dialConfig) { c.timeout = d } }

// WithLocalAddr binds the connection to a local address before connecting.
// An attempt to an address of the other family fails, and the dial goes
// on with the next address.
func WithLocalAddr(a net.Addr) DialOption { return func(c *dialConfig) { c.laddr = a } }

// WithAttemptDelay sets the Connection Attempt Delay of Happy Eyeballs:
// how long a dial to a name with several addresses waits for one
// connection attempt before it starts the next one in parallel
// (default DefaultAttemptDelay). A failed attempt starts the next one at
// once, whatever the delay. Zero or negative keeps the default; values
// below MinAttemptDelay are raised to it.
func WithAttemptDelay(d time.Duration) DialOption {
	return func(c *dialConfig) { c.attemptDelay = d }
}

// Dial starts connecting to address and returns the connection at once,
// without blocking: OnOpen follows when the connection is established, or
// OnClose, once, with the dial error (an *OpError), when it fails. Writes
// made before then are queued and sent once connected. network is "tcp",
// "tcp4", "tcp6" or "unix". Loop-only.
//
// A host name is resolved by the loop's asynchronous Resolver (the hosts
// file and "localhost" need no network), and its addresses are tried the
// Happy Eyeballs way (RFC 8305): in dns.DialOrder order, alternating
// address families, each attempt given WithAttemptDelay before the next
// starts beside it, the first to connect winning and the others closed.
// When every attempt fails, the error joins theirs (each an *OpError
// with its address), and errors.Is finds any of them. The returned *Conn
// is the same object throughout.
//
// The error result reports only a request that cannot start: a closed
// loop, an unknown network or a malformed address.
func (l *Loop) Dial(network, address string, h Handler, opts ...DialOption) (*Conn, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	k, ok := kindOfNet(network)
	if !ok {
		return nil, opError("dial", network, nil, net.UnknownNetworkError(network))
	}
	var cfg dialConfig
	for _, o := range opts {
		o(&cfg)
	}
	if k == netUnix {
		c := l.newDial(k, h, cfg)
		c.connectAddrs([]net.Addr{&net.UnixAddr{Name: address, Net: "unix"}})
		return c, nil
	}
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return nil, opError("dial", network, nil, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return nil, opError("dial", network, nil, &net.AddrError{Err: "invalid port", Addr: address})
	}
	c := l.newDial(k, h, cfg)
	d := c.ext.dial
	d.host, d.port = host, uint16(port)
	switch {
	case host == "":
		ip := netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if k == netTCP6 {
			ip = netip.IPv6Loopback()
		}
		c.connectIPs([]netip.Addr{ip})
	default:
		if ip, err := netip.ParseAddr(host); err == nil {
			c.connectIPs([]netip.Addr{ip})
		} else {
			c.resolve(host)
		}
	}
	return c, nil
}

// newDial creates a connection in the connecting state, with its dial
// state and, if asked, the timer that bounds the whole dial.
func (l *Loop) newDial(k netKind, h Handler, cfg dialConfig) *Conn {
	c := l.newConn(k, h)
	c.flags |= cConnecting
	delay := cfg.attemptDelay
	if delay <= 0 {
		delay = DefaultAttemptDelay
	} else if delay < MinAttemptDelay {
		delay = MinAttemptDelay
	}
	d := &dialState{c: c, laddr: cfg.laddr, delay: delay}
	c.ext0().dial = d
	if cfg.timeout > 0 {
		d.timer = l.AfterFunc(cfg.timeout, func() {
			c.fail(opError("dial", c.netw.String(), d.current(), ErrTimeout))
		})
		d.timer.Unref() // the connection itself keeps the loop alive
	}
	return c
}

// resolve looks host up with the loop's resolver, then connects to what
// it finds. dns.Resolver.LookupNetIP asks for A and AAAA in parallel and
// answers when both are in: RFC 8305 §3 would allow starting on the first,
// which this does not do.
func (c *Conn) resolve(host string) {
	d := c.ext.dial
	ipnet := "ip"
	switch c.netw {
	case netTCP4:
		ipnet = "ip4"
	case netTCP6:
		ipnet = "ip6"
	}
	d.lookup = c.loop.Resolver().LookupNetIP(ipnet, host, func(ips []netip.Addr, err error) {
		d.lookup = nil
		if c.flags&cClosed != 0 || c.ext.dial != d {
			return // timed out, aborted or closed meanwhile
		}
		if err != nil {
			c.fail(opError("dial", c.netw.String(), nil, err))
			return
		}
		c.connectIPs(ips)
	})
}

// connectIPs connects to the addresses of ips that suit the network, in
// Happy Eyeballs order.
func (c *Conn) connectIPs(ips []netip.Addr) {
	d := c.ext.dial
	ordered := ips
	if len(ips) > 1 {
		ordered = dns.DialOrder(ips)
	}
	addrs := make([]net.Addr, 0, len(ordered))
	for _, ip := range ordered {
		ip = ip.Unmap()
		if (c.netw == netTCP4 && !ip.Is4()) || (c.netw == netTCP6 && !ip.Is6()) {
			continue
		}
		addrs = append(addrs, net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, d.port)))
	}
	c.connectAddrs(addrs)
}
