package eddy

import (
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/internal/poll"
)

// ListenOption configures Loop.Listen.
type ListenOption func(*listenConfig)

type listenConfig struct {
	poll.ListenConfig
	layer func(c *Conn) Layer
}

// WithReusePort sets SO_REUSEPORT, so that several sockets, one per loop,
// can listen on the same port and the kernel spreads connections among
// them.
func WithReusePort() ListenOption { return func(c *listenConfig) { c.ReusePort = true } }

// WithBacklog sets the listen backlog (default: the system's maximum).
func WithBacklog(n int) ListenOption { return func(c *listenConfig) { c.Backlog = n } }

// WithLayer puts a fresh Layer, made by mk, on each accepted connection
// before it opens: this is how a TLS listener is built. mk runs on the
// accepting connection's loop.
func WithLayer(mk func(c *Conn) Layer) ListenOption {
	return func(c *listenConfig) { c.layer = mk }
}

// Listener accepts stream connections on a loop. Each accepted connection
// gets the listener's handler and starts with OnOpen. Its methods are
// loop-only, except Addr.
type Listener struct {
	fd       poll.FD
	loop     *Loop
	k        netKind
	addr     net.Addr
	handler  Handler
	handoff  func(s poll.Sock) // set by a Group that hands connections out
	layer    func(c *Conn) Layer
	retry    *Timer
	unixPath string
	closed   bool
	unref    bool
	group    bool
	held     bool   // holdAccept paused accepting
	onClose  func() // run by Close, for the net.Listener adapter
}

type listenerOwner Listener

// Listen listens on address ("host:port" for TCP, a path for Unix sockets)
// and accepts connections without blocking, handing each to h. An empty
// host listens on every address, both IPv4 and IPv6 for "tcp". A host name
// is resolved before Listen returns. Loop-only.
func (l *Loop) Listen(network, address string, h Handler, opts ...ListenOption) (*Listener, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	k, ok := kindOfNet(network)
	if !ok {
		return nil, opError("listen", network, nil, net.UnknownNetworkError(network))
	}
	var cfg listenConfig
	for _, o := range opts {
		o(&cfg)
	}
	var addr net.Addr
	if k == netUnix {
		addr = &net.UnixAddr{Name: address, Net: "unix"}
	} else {
		a, err := net.ResolveTCPAddr(network, address)
		if err != nil {
			return nil, opError("listen", network, nil, err)
		}
		addr = a
	}
	s, err := poll.Listen(network, addr, cfg.ListenConfig)
	if err != nil {
		return nil, opError("listen", network, addr, err)
	}
	ln := &Listener{loop: l, k: k, handler: h, layer: cfg.layer}
	if err := l.poller.Register(&ln.fd, s, (*listenerOwner)(ln)); err != nil {
		poll.CloseSock(s)
		return nil, opError("listen", network, addr, err)
	}
	ln.addr = poll.LocalAddr(&ln.fd, network)
	if k == netUnix {
		ln.unixPath = address
	}
	if err := l.poller.StartAccept(&ln.fd); err != nil {
		_ = l.poller.Close(&ln.fd)
		return nil, opError("listen", network, addr, err)
	}
	if l.lns == nil {
		l.lns = map[*Listener]struct{}{}
	}
	l.lns[ln] = struct{}{}
	l.refs++
	return ln, nil
}

// Addr returns the address the listener is bound to. Safe for concurrent
// use.
func (ln *Listener) Addr() net.Addr { return ln.addr }

// Close stops accepting and closes the listening socket (and removes a
// Unix socket's file). Connections already accepted stay open.
func (ln *Listener) Close() error {
	if ln.closed {
		return nil
	}
	ln.closed = true
	l := ln.loop
	if ln.retry != nil {
		ln.retry.Stop()
	}
	err := l.poller.Close(&ln.fd)
	if ln.unixPath != "" && !abstractUnix(ln.unixPath) {
		os.Remove(ln.unixPath)
	}
	delete(l.lns, ln)
	if !ln.unref {
		l.refs--
	}
	if ln.onClose != nil {
		ln.onClose()
	}
	return err
}

// Unref stops the listener from keeping the loop alive.
func (ln *Listener) Unref() {
	if !ln.unref && !ln.closed {
		ln.loop.refs--
	}
	ln.unref = true
}

// Ref undoes Unref.
func (ln *Listener) Ref() {
	if ln.unref && !ln.closed {
		ln.loop.refs++
	}
	ln.unref = false
}

// holdAccept stops accepting until resumeAccept: new connections wait in
// the kernel's backlog.
func (ln *Listener) holdAccept() {
	if !ln.closed && !ln.held {
		ln.held = true
		ln.loop.poller.StopAccept(&ln.fd)
	}
}

// resumeAccept undoes holdAccept.
func (ln *Listener) resumeAccept() {
	if !ln.closed && ln.held {
		ln.held = false
		if ln.retry == nil || !ln.retry.Pending() {
			_ = ln.loop.poller.StartAccept(&ln.fd)
		}
	}
}

func (o *listenerOwner) AcceptDone(s poll.Sock, err error) {
	ln := (*Listener)(o)
	l := ln.loop
	if err != nil {
		if !(errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)) {
			// One connection's failure (reset before it was accepted,
			// say): accepting goes on.
			l.cfg.logger.Debug("eddy: accept failed", "addr", ln.addr, "err", err)
			return
		}
		// Out of descriptors or memory: pause, so that the loop does not
		// spin on a backlog it cannot take, and try again shortly.
		l.cfg.logger.Warn("eddy: accept failed; pausing", "addr", ln.addr, "err", err)
		l.poller.StopAccept(&ln.fd)
		ln.retry = l.AfterFunc(100*time.Millisecond, func() {
			if !ln.closed && !ln.held {
				_ = l.poller.StartAccept(&ln.fd)
			}
		})
		ln.retry.Unref()
		return
	}
	l.stats.accepted.Add(1)
	if ln.handoff != nil {
		ln.handoff(s)
		return
	}
	l.adopt(s, ln.k, ln.handler, ln.layer)
}

// adopt takes an accepted socket into this loop as a connection.
func (l *Loop) adopt(s poll.Sock, k netKind, h Handler, mk func(*Conn) Layer) {
	if l.stopping {
		poll.CloseSock(s)
		return
	}
	c := l.newConn(k, h)
	if mk != nil {
		c.SetLayer(mk(c))
	}
	if err := c.attach(s); err != nil {
		poll.CloseSock(s)
		c.fail(opError("accept", k.String(), nil, err))
		return
	}
	c.start()
}

// abstractUnix reports whether a Unix socket name is in Linux's abstract
// namespace ("@name", as in package net): such a socket has no file, and
// a file of that name in the working directory is someone else's.
func abstractUnix(name string) bool {
	return (runtime.GOOS == "linux" || runtime.GOOS == "android") && name[0] == '@'
}

func (o *listenerOwner) ReadDone(p []byte, err error)                {}
func (o *listenerOwner) WriteDone(err error)                         {}
func (o *listenerOwner) ConnectDone(err error)                       {}
func (o *listenerOwner) RecvDone(p []byte, from net.Addr, err error) {}

func (o *listenerOwner) NotifyDone(err error) {}
