package eddy

import (
	"errors"
	"net"
	"syscall"

	"github.com/eddy-go/eddy/internal/poll"
)

// PacketHandler receives a datagram socket's events, on its loop.
type PacketHandler interface {
	// OnPacket delivers one datagram and its source; p is valid only
	// during the call.
	OnPacket(pc *PacketConn, p []byte, from net.Addr)
	// OnError reports a receive error, such as ECONNREFUSED on a
	// connected socket whose peer has no listener, or a datagram too
	// large for the receive buffer (ErrTruncated), which is dropped. The
	// socket stays open.
	OnError(pc *PacketConn, err error)
}

// PacketFunc adapts a function to a PacketHandler that ignores errors.
type PacketFunc func(pc *PacketConn, p []byte, from net.Addr)

// OnPacket calls f.
func (f PacketFunc) OnPacket(pc *PacketConn, p []byte, from net.Addr) { f(pc, p, from) }

// OnError does nothing.
func (f PacketFunc) OnError(*PacketConn, error) {}

// PacketConn is a non-blocking datagram socket (UDP or unixgram) owned by
// a loop, connected or not. Its methods are loop-only, except LocalAddr
// and RemoteAddr.
type PacketConn struct {
	fd      poll.FD
	loop    *Loop
	network string
	handler PacketHandler
	laddr   net.Addr
	raddr   net.Addr
	closed  bool
	unref   bool
}

type packetOwner PacketConn

// ListenPacket opens a datagram socket bound to address and delivers the
// datagrams it receives to h. network is "udp", "udp4", "udp6" or
// "unixgram". Loop-only.
func (l *Loop) ListenPacket(network, address string, h PacketHandler) (*PacketConn, error) {
	laddr, err := resolvePacketAddr(network, address)
	if err != nil {
		return nil, opError("listen", network, nil, err)
	}
	s, err := poll.ListenPacket(network, laddr, poll.ListenConfig{})
	if err != nil {
		return nil, opError("listen", network, laddr, err)
	}
	return l.newPacketConn(s, network, nil, h)
}

// DialPacket opens a datagram socket connected to address: it sends there
// with Write and receives only from there. Loop-only.
func (l *Loop) DialPacket(network, address string, h PacketHandler) (*PacketConn, error) {
	raddr, err := resolvePacketAddr(network, address)
	if err != nil {
		return nil, opError("dial", network, nil, err)
	}
	s, err := poll.Socket(network, raddr, nil)
	if err != nil {
		return nil, opError("dial", network, raddr, err)
	}
	if err := poll.ConnectNow(s, raddr); err != nil {
		poll.CloseSock(s)
		return nil, opError("dial", network, raddr, err)
	}
	return l.newPacketConn(s, network, raddr, h)
}

func resolvePacketAddr(network, address string) (net.Addr, error) {
	switch network {
	case "udp", "udp4", "udp6":
		return net.ResolveUDPAddr(network, address)
	case "unixgram":
		return &net.UnixAddr{Name: address, Net: "unixgram"}, nil
	}
	return nil, net.UnknownNetworkError(network)
}

func (l *Loop) newPacketConn(s poll.Sock, network string, raddr net.Addr, h PacketHandler) (*PacketConn, error) {
	if err := l.opening(); err != nil {
		poll.CloseSock(s)
		return nil, err
	}
	pc := &PacketConn{loop: l, network: network, handler: h, raddr: raddr}
	if err := l.poller.Register(&pc.fd, s, (*packetOwner)(pc)); err != nil {
		poll.CloseSock(s)
		return nil, opError("listen", network, raddr, err)
	}
	pc.laddr = poll.LocalAddr(&pc.fd, network)
	if err := l.poller.StartRecv(&pc.fd); err != nil {
		_ = l.poller.Close(&pc.fd)
		return nil, opError("listen", network, raddr, err)
	}
	if l.pconns == nil {
		l.pconns = map[*PacketConn]struct{}{}
	}
	l.pconns[pc] = struct{}{}
	l.refs++
	return pc, nil
}

// LocalAddr returns the local address. Safe for concurrent use.
func (pc *PacketConn) LocalAddr() net.Addr { return pc.laddr }

// RemoteAddr returns the peer of a connected socket, or nil. Safe for
// concurrent use.
func (pc *PacketConn) RemoteAddr() net.Addr { return pc.raddr }

// Loop returns the owning loop. Safe for concurrent use.
func (pc *PacketConn) Loop() *Loop { return pc.loop }

// WriteTo sends p as one datagram to addr. A full socket buffer gives an
// error matching ErrQueueFull: the datagram was not sent.
func (pc *PacketConn) WriteTo(p []byte, addr net.Addr) error {
	if pc.closed {
		return ErrClosed
	}
	_, err := poll.SendTo(&pc.fd, pc.network, p, addr)
	if err != nil {
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ENOBUFS) {
			return opError("write", pc.network, addr, &OpError{Op: "write", Net: pc.network, Addr: addr, Err: err, kind: ErrQueueFull})
		}
		return opError("write", pc.network, addr, err)
	}
	return nil
}

// Write sends p as one datagram on a connected socket. After Close it
// fails with ErrClosed, as WriteTo does, connected or not.
func (pc *PacketConn) Write(p []byte) error {
	if pc.raddr == nil && !pc.closed { // closed: ErrClosed, as from WriteTo
		return opError("write", pc.network, nil, errors.New("eddy: Write on an unconnected PacketConn; use WriteTo"))
	}
	return pc.WriteTo(p, nil)
}

// Close closes the socket. No callback runs after it.
func (pc *PacketConn) Close() error {
	if pc.closed {
		return nil
	}
	pc.closed = true
	l := pc.loop
	err := l.poller.Close(&pc.fd)
	delete(l.pconns, pc)
	if !pc.unref {
		l.refs--
	}
	return err
}

// Unref stops the socket from keeping the loop alive.
func (pc *PacketConn) Unref() {
	if !pc.unref && !pc.closed {
		pc.loop.refs--
	}
	pc.unref = true
}

// Ref undoes Unref.
func (pc *PacketConn) Ref() {
	if pc.unref && !pc.closed {
		pc.loop.refs++
	}
	pc.unref = false
}

func (o *packetOwner) RecvDone(p []byte, from net.Addr, err error) {
	pc := (*PacketConn)(o)
	l := pc.loop
	if err != nil {
		// A truncated datagram (poll.ErrTruncated, which kindOf makes
		// ErrTruncated) is dropped: its first bytes, handed on as if
		// they were all, would be parsed as a whole message. The error
		// names its source, which a handler may want to tell.
		addr := pc.raddr
		if from != nil {
			addr = from
		}
		l.call(func() { pc.handler.OnError(pc, opError("read", pc.network, addr, err)) })
		return
	}
	pc.callPacket(p, from)
}

func (pc *PacketConn) callPacket(p []byte, from net.Addr) {
	defer pc.loop.recoverPanic()
	pc.handler.OnPacket(pc, p, from)
}

func (o *packetOwner) ReadDone(p []byte, err error)      {}
func (o *packetOwner) WriteDone(err error)               {}
func (o *packetOwner) ConnectDone(err error)             {}
func (o *packetOwner) AcceptDone(s poll.Sock, err error) {}

func (o *packetOwner) NotifyDone(err error) {}
