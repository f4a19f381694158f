package eddy

import (
	"io"
	"net"
	"net/netip"

	"github.com/eddy-go/eddy/dns"
)

// The loop's DNS resolver: package dns's sans-I/O Resolver, given the
// loop's own sockets as its Transport and the loop's timers as its Clock,
// so that a lookup costs no goroutine and never blocks the loop.

// The loop as the resolver's clock: Now and Delay.
var _ dns.Clock = (*Loop)(nil)

// loopDNS is what a loop keeps for DNS, in Loop.dnsState.
type loopDNS struct {
	cfg *dns.Config   // from SetResolverConfig; nil means the system's
	r   *dns.Resolver // created on first use
}

func (l *Loop) resolverState() *loopDNS {
	s, _ := l.dnsState.(*loopDNS)
	if s == nil {
		s = &loopDNS{}
		l.dnsState = s
	}
	return s
}

// Resolver returns the loop's asynchronous DNS resolver, which Dial uses
// for host names. It is created on first use, from the configuration given
// to SetResolverConfig or else from the system's (dns.SystemConfig: that
// first call reads /etc/resolv.conf on the loop, once; the resolver then
// checks /etc/hosts at most every few seconds). Its queries go out on the
// loop's own UDP sockets, a fresh ephemeral port per query, and TCP
// connections, and its timeouts are loop timers. A lookup in flight keeps
// the loop alive; an idle resolver holds no socket or timer and does not.
// The resolver is closed when the loop ends, failing lookups still in
// flight with dns.ErrClosed. Loop-only.
func (l *Loop) Resolver() *dns.Resolver {
	s := l.resolverState()
	if s.r == nil {
		cfg := s.cfg
		if cfg == nil {
			var err error
			cfg, err = dns.SystemConfig()
			if err != nil {
				l.cfg.logger.Warn("eddy: cannot read the system's resolver configuration; using the defaults", "err", err)
				cfg = dns.DefaultConfig()
			}
		}
		r := dns.NewResolver(cfg, loopTransport{l}, l)
		s.r = r
		l.OnExit(r.Close)
	}
	return s.r
}

// SetResolverConfig makes the loop's resolver use cfg instead of the
// system's configuration: its nameservers, search list, timeouts, hosts
// file and cache limits. Call it before the first use of Resolver or of
// Dial with a host name. A later call takes effect for later lookups,
// which get a new resolver with an empty cache; lookups already started
// finish on the previous one. Loop-only.
func (l *Loop) SetResolverConfig(cfg dns.Config) {
	s := l.resolverState()
	s.cfg = &cfg
	s.r = nil
}

// loopTransport is the dns.Transport of a loop: its UDP exchanges are
// PacketConns and its TCP exchanges Conns of that loop, so their
// callbacks run on the loop, from the poller, never inside the Exchange
// call.
type loopTransport struct{ l *Loop }

// ExchangeUDP sends q to server from a new unconnected UDP socket on an
// ephemeral port and passes every datagram that socket receives to cb,
// until cancel closes it.
func (t loopTransport) ExchangeUDP(server netip.AddrPort, q []byte, cb func(from netip.AddrPort, resp []byte)) (cancel func(), err error) {
	network, local := "udp6", "[::]:0"
	if a := server.Addr(); a.Is4() || a.Is4In6() {
		network, local = "udp4", "0.0.0.0:0"
		server = netip.AddrPortFrom(a.Unmap(), server.Port())
	}
	x := &udpExchange{cb: cb}
	pc, err := t.l.ListenPacket(network, local, x)
	if err != nil {
		return nil, err
	}
	x.pc = pc
	if err := pc.WriteTo(q, net.UDPAddrFromAddrPort(server)); err != nil {
		pc.Close()
		return nil, err
	}
	return x.cancel, nil
}

// udpExchange is one UDP exchange: its socket and its callback.
type udpExchange struct {
	pc   *PacketConn
	cb   func(from netip.AddrPort, resp []byte)
	done bool
}

func (x *udpExchange) OnPacket(_ *PacketConn, p []byte, from net.Addr) {
	ua, ok := from.(*net.UDPAddr)
	if x.done || !ok {
		return
	}
	ap := ua.AddrPort()
	x.cb(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), p)
}

// OnError ignores receive errors: an unanswered query times out in the
// resolver, which then tries the next server.
func (x *udpExchange) OnError(*PacketConn, error) {}

func (x *udpExchange) cancel() {
	if !x.done {
		x.done = true
		x.pc.Close()
	}
}

// ExchangeTCP connects to server, sends q framed with its length, reads
// one framed answer, passes it to cb, and closes the connection.
func (t loopTransport) ExchangeTCP(server netip.AddrPort, q []byte, cb func(resp []byte, err error)) (cancel func(), err error) {
	l := t.l
	if err := l.opening(); err != nil {
		return nil, err
	}
	frame, err := dns.AppendTCPFrame(nil, q)
	if err != nil {
		return nil, err
	}
	x := &tcpExchange{cb: cb}
	x.c = l.newDial(netTCP, x, dialConfig{})
	x.c.ext.dial.port = server.Port()
	// A failure to start reaches OnClose on the next tick, and the
	// frame waits in the write queue until the connection opens.
	x.c.connectIPs([]netip.Addr{server.Addr()})
	_ = x.c.Write(frame)
	return x.cancel, nil
}

// tcpExchange is one TCP exchange, as the handler of its connection.
type tcpExchange struct {
	c    *Conn
	dec  dns.TCPDecoder
	cb   func(resp []byte, err error)
	done bool
}

func (x *tcpExchange) OnOpen(*Conn)  {}
func (x *tcpExchange) OnDrain(*Conn) {}

func (x *tcpExchange) OnData(c *Conn, p []byte) int {
	if x.done {
		return len(p)
	}
	x.dec.Feed(p)
	msg, err := x.dec.Next()
	if err == dns.ErrNeedMore {
		return len(p)
	}
	x.done = true
	x.cb(msg, err)
	c.Close()
	return len(p)
}

func (x *tcpExchange) OnClose(_ *Conn, err error) {
	if x.done {
		return
	}
	x.done = true
	if err == nil {
		err = io.ErrUnexpectedEOF // the server closed before a whole answer
	}
	x.cb(nil, err)
}

func (x *tcpExchange) cancel() {
	if !x.done {
		x.done = true
		x.c.Abort()
	}
}
