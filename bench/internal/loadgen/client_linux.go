//go:build linux

package loadgen

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// conn is the client's state for one socket.
type conn struct {
	fd      int
	recv    uint64 // bytes received since the run started
	done    uint64 // whole messages counted so far
	pending int    // bytes still to write
	wantOut bool   // EPOLLOUT armed
}

// Client is a set of non-blocking TCP connections to one server, driven
// by one epoll instance on the calling goroutine. Loop-only: not safe for
// concurrent use.
type Client struct {
	epfd   int
	conns  []conn
	index  []int32 // fd -> position in conns, -1 when unused
	events []unix.EpollEvent
	rbuf   []byte
}

// Dial opens n TCP connections to addr, at most opts.MaxPending
// handshakes at a time, and returns once every handshake has completed.
// On error every socket opened so far is closed.
func Dial(addr netip.AddrPort, n int, opts DialOptions) (*Client, error) {
	if n <= 0 || !addr.Addr().Is4() {
		return nil, fmt.Errorf("%w: need n > 0 and an IPv4 address, got %d, %v", ErrBadConfig, n, addr)
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = 256
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("loadgen: epoll_create1: %w", err)
	}
	c := &Client{
		epfd:   epfd,
		conns:  make([]conn, 0, n),
		events: make([]unix.EpollEvent, 512),
		rbuf:   make([]byte, 64<<10),
	}
	if err := c.dial(addr, n, opts); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) dial(addr netip.AddrPort, n int, opts DialOptions) error {
	deadline := time.Now().Add(opts.Timeout)
	sa := &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	pending, connected := 0, 0
	for connected < n {
		for pending < opts.MaxPending && len(c.conns) < n {
			i := len(c.conns)
			var src netip.Addr
			if len(opts.Sources) > 0 {
				src = opts.Sources[i%len(opts.Sources)]
			}
			fd, err := connectNonblock(sa, src)
			if err != nil {
				return err
			}
			c.add(fd)
			if err := unix.EpollCtl(c.epfd, unix.EPOLL_CTL_ADD, fd,
				&unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(fd)}); err != nil {
				return fmt.Errorf("loadgen: epoll_ctl add: %w", err)
			}
			pending++
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return fmt.Errorf("%w: %d of %d connections up", ErrTimeout, connected, n)
		}
		k, err := unix.EpollWait(c.epfd, c.events, int(wait/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("loadgen: epoll_wait: %w", err)
		}
		for _, ev := range c.events[:k] {
			fd := int(ev.Fd)
			soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
			if err == nil && soerr != 0 {
				err = unix.Errno(soerr)
			}
			if err != nil {
				return fmt.Errorf("loadgen: connect %v: %w", addr, err)
			}
			// Connected: from now on watch only for input.
			if err := unix.EpollCtl(c.epfd, unix.EPOLL_CTL_MOD, fd,
				&unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
				return fmt.Errorf("loadgen: epoll_ctl mod: %w", err)
			}
			pending--
			connected++
		}
	}
	return nil
}

// connectNonblock creates a non-blocking socket with TCP_NODELAY, binds
// it to src when src is valid, and starts connecting it to sa.
func connectNonblock(sa *unix.SockaddrInet4, src netip.Addr) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("loadgen: socket: %w", err)
	}
	fail := func(op string, err error) (int, error) {
		unix.Close(fd)
		return -1, fmt.Errorf("loadgen: %s: %w", op, err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return fail("setsockopt TCP_NODELAY", err)
	}
	if src.IsValid() {
		// Let connect pick the port, so that ports are unique per
		// 4-tuple rather than per source address.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
			return fail("setsockopt IP_BIND_ADDRESS_NO_PORT", err)
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: src.As4()}); err != nil {
			return fail("bind "+src.String(), err)
		}
	}
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS {
		return fail("connect", err)
	}
	return fd, nil
}

func (c *Client) add(fd int) {
	for fd >= len(c.index) {
		c.index = append(c.index, -1)
	}
	c.index[fd] = int32(len(c.conns))
	c.conns = append(c.conns, conn{fd: fd})
}

// Len returns the number of connections.
func (c *Client) Len() int { return len(c.conns) }

// Echo keeps cfg.Depth messages of cfg.Size bytes in flight on every
// connection for cfg.Duration and counts the whole messages echoed back.
// Message contents are not checked. It fails if a connection is closed.
func (c *Client) Echo(cfg EchoConfig) (EchoResult, error) {
	if cfg.Size <= 0 || cfg.Depth <= 0 || cfg.Duration <= 0 {
		return EchoResult{}, fmt.Errorf("%w: echo %+v", ErrBadConfig, cfg)
	}
	out := make([]byte, cfg.Size*cfg.Depth)
	for i := range out {
		out[i] = byte(i)
	}
	size := uint64(cfg.Size)
	for i := range c.conns {
		cn := &c.conns[i]
		cn.recv, cn.done, cn.pending = 0, 0, len(out)
	}
	if cfg.OnStart != nil {
		cfg.OnStart()
	}
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i := range c.conns {
		if err := c.flush(&c.conns[i], out); err != nil {
			return EchoResult{}, err
		}
	}
	var total uint64
	for {
		now := time.Now()
		if !now.Before(deadline) {
			return EchoResult{Messages: total, Elapsed: now.Sub(start)}, nil
		}
		k, err := unix.EpollWait(c.epfd, c.events, int(deadline.Sub(now)/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return EchoResult{}, fmt.Errorf("loadgen: epoll_wait: %w", err)
		}
		for _, ev := range c.events[:k] {
			cn := &c.conns[c.index[ev.Fd]]
			if ev.Events&unix.EPOLLIN != 0 {
				n, err := c.read(cn)
				if err != nil {
					return EchoResult{}, err
				}
				cn.recv += uint64(n)
				if done := cn.recv / size; done > cn.done {
					total += done - cn.done
					cn.pending += int(done-cn.done) * cfg.Size
					cn.done = done
				}
			} else if ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
				return EchoResult{}, fmt.Errorf("%w: fd %d", ErrClosedByPeer, cn.fd)
			}
			if err := c.flush(cn, out); err != nil {
				return EchoResult{}, err
			}
		}
	}
}

// read reads once from cn into the shared buffer. Level-triggered epoll
// reports the socket again if more remains.
func (c *Client) read(cn *conn) (int, error) {
	for {
		n, err := unix.Read(cn.fd, c.rbuf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, fmt.Errorf("%w: read: %v", ErrClosedByPeer, err)
		case n == 0:
			return 0, fmt.Errorf("%w: EOF on fd %d", ErrClosedByPeer, cn.fd)
		}
		return n, nil
	}
}

// flush writes what cn owes from out, arming EPOLLOUT if the socket is
// full and disarming it once everything is written.
func (c *Client) flush(cn *conn, out []byte) error {
	for cn.pending > 0 {
		n, err := unix.Write(cn.fd, out[:min(cn.pending, len(out))])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			if !cn.wantOut {
				cn.wantOut = true
				return c.watch(cn, unix.EPOLLIN|unix.EPOLLOUT)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: write: %v", ErrClosedByPeer, err)
		}
		cn.pending -= n
	}
	if cn.wantOut {
		cn.wantOut = false
		return c.watch(cn, unix.EPOLLIN)
	}
	return nil
}

func (c *Client) watch(cn *conn, events uint32) error {
	if err := unix.EpollCtl(c.epfd, unix.EPOLL_CTL_MOD, cn.fd,
		&unix.EpollEvent{Events: events, Fd: int32(cn.fd)}); err != nil {
		return fmt.Errorf("loadgen: epoll_ctl mod: %w", err)
	}
	return nil
}

// EchoOnce sends one message of size bytes on every connection and waits
// until each has come back intact, or until timeout. Each connection gets
// its own byte pattern, so crossed replies are caught as [ErrMismatch].
func (c *Client) EchoOnce(size int, timeout time.Duration) error {
	if size <= 0 || size > len(c.rbuf) {
		return fmt.Errorf("%w: echo size %d", ErrBadConfig, size)
	}
	pattern := func(i int) []byte {
		p := make([]byte, size)
		for j := range p {
			p[j] = byte(i*7 + j)
		}
		return p
	}
	got := make([][]byte, len(c.conns))
	for i := range c.conns {
		cn := &c.conns[i]
		cn.pending = 0
		// A message this small fits an empty socket buffer in one write.
		n, err := unix.Write(cn.fd, pattern(i))
		if err != nil || n != size {
			return fmt.Errorf("%w: short write %d: %v", ErrClosedByPeer, n, err)
		}
	}
	left := len(c.conns)
	deadline := time.Now().Add(timeout)
	for left > 0 {
		wait := time.Until(deadline)
		if wait <= 0 {
			return fmt.Errorf("%w: %d of %d echoes missing", ErrTimeout, left, len(c.conns))
		}
		k, err := unix.EpollWait(c.epfd, c.events, int(wait/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("loadgen: epoll_wait: %w", err)
		}
		for _, ev := range c.events[:k] {
			i := c.index[ev.Fd]
			n, err := c.read(&c.conns[i])
			if err != nil {
				return err
			}
			before := len(got[i])
			got[i] = append(got[i], c.rbuf[:n]...)
			if len(got[i]) > size {
				return fmt.Errorf("%w: %d bytes back for %d sent", ErrMismatch, len(got[i]), size)
			}
			if before < size && len(got[i]) == size {
				if string(got[i]) != string(pattern(int(i))) {
					return fmt.Errorf("%w: connection %d", ErrMismatch, i)
				}
				left--
			}
		}
	}
	return nil
}

// Close resets and closes every connection and the epoll instance. It
// returns the first error met, after trying them all.
func (c *Client) Close() error {
	var first error
	linger := &unix.Linger{Onoff: 1, Linger: 0}
	for _, cn := range c.conns {
		unix.SetsockoptLinger(cn.fd, unix.SOL_SOCKET, unix.SO_LINGER, linger)
		if err := unix.Close(cn.fd); err != nil && first == nil {
			first = err
		}
	}
	c.conns = nil
	if c.epfd >= 0 {
		if err := unix.Close(c.epfd); err != nil && first == nil {
			first = err
		}
		c.epfd = -1
	}
	return first
}
