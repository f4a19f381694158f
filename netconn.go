package eddy

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// netConnReadLimit is how many received bytes a net.Conn adapter buffers
// before it pauses reading from the socket.
const netConnReadLimit = 256 << 10

// netConn presents a loop connection as a net.Conn to goroutine code. The
// loop side is its Handler; the goroutine side waits on channels.
type netConn struct {
	c     *Conn // loop-only
	loop  *Loop
	laddr net.Addr
	raddr net.Addr

	mu      sync.Mutex
	rbuf    []byte
	roff    int
	rerr    error // the reason reads end: io.EOF or the close error
	closed  bool  // Close was called
	paused  bool
	rdl     time.Time
	wdl     time.Time
	rsignal chan struct{} // data, an error, or a deadline change
	wsignal chan struct{} // drain, close, or a deadline change
	opened  chan struct{} // closed when the dial has an outcome
	openErr error
}

// NetConn adapts c for goroutine code: the returned net.Conn's methods are
// safe for concurrent use and block as net.Conn's do, while the
// connection stays on its loop. It replaces c's handler. Reads are
// buffered up to 256 KiB, beyond which the socket is paused; writes wait
// for room in the write queue. Loop-only.
func NetConn(c *Conn) net.Conn {
	nc := newNetConn(c.loop)
	nc.c = c
	c.SetHandler(nc)
	if c.flags&cOpen != 0 {
		nc.laddr, nc.raddr = c.LocalAddr(), c.RemoteAddr()
		close(nc.opened)
	}
	if c.flags&cClosed != 0 {
		nc.rerr = io.EOF
	}
	return nc
}

func newNetConn(l *Loop) *netConn {
	return &netConn{
		loop:    l,
		rsignal: make(chan struct{}, 1),
		wsignal: make(chan struct{}, 1),
		opened:  make(chan struct{}),
	}
}

// DialNet dials address on the loop and returns the connection as a
// net.Conn, once it is established. It is for goroutine code: it is safe
// for concurrent use, and returns ErrNotOnLoop-style misuse errors if
// called on the loop goroutine, where it would deadlock.
func (l *Loop) DialNet(ctx context.Context, network, address string) (net.Conn, error) {
	if l.OnLoop() {
		return nil, ErrNotOnLoop
	}
	nc := newNetConn(l)
	errc := make(chan error, 1)
	if err := l.Post(func() {
		c, err := l.Dial(network, address, nc)
		if err == nil {
			nc.c = c
		}
		errc <- err
	}); err != nil {
		return nil, err
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	select {
	case <-nc.opened:
	case <-ctx.Done():
		nc.Close()
		return nil, ctx.Err()
	}
	if nc.openErr != nil {
		return nil, nc.openErr
	}
	return nc, nil
}

func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Handler side, on the loop.

func (nc *netConn) OnOpen(c *Conn) {
	nc.laddr, nc.raddr = c.LocalAddr(), c.RemoteAddr()
	close(nc.opened)
}

func (nc *netConn) OnData(c *Conn, data []byte) int {
	nc.mu.Lock()
	if nc.roff > 0 && nc.roff == len(nc.rbuf) {
		nc.rbuf, nc.roff = nc.rbuf[:0], 0
	}
	nc.rbuf = append(nc.rbuf, data...)
	if len(nc.rbuf)-nc.roff >= netConnReadLimit {
		nc.paused = true
		c.PauseRead()
	}
	nc.mu.Unlock()
	notify(nc.rsignal)
	return len(data)
}

func (nc *netConn) OnDrain(*Conn) { notify(nc.wsignal) }

func (nc *netConn) OnClose(c *Conn, err error) {
	nc.mu.Lock()
	if err == nil {
		nc.rerr = io.EOF
	} else {
		nc.rerr = err
	}
	nc.mu.Unlock()
	select {
	case <-nc.opened:
	default:
		nc.openErr = err
		if err == nil {
			nc.openErr = ErrClosed
		}
		close(nc.opened)
	}
	notify(nc.rsignal)
	notify(nc.wsignal)
}

// Goroutine side.

// wait blocks until ch signals or the deadline passes.
func wait(ch chan struct{}, dl time.Time) bool {
	if dl.IsZero() {
		<-ch
		return true
	}
	d := time.Until(dl)
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

func (nc *netConn) Read(p []byte) (int, error) {
	for {
		nc.mu.Lock()
		if nc.closed {
			nc.mu.Unlock()
			return 0, nc.opErr("read", ErrClosed)
		}
		if n := len(nc.rbuf) - nc.roff; n > 0 {
			k := copy(p, nc.rbuf[nc.roff:])
			nc.roff += k
			resume := nc.paused && n-k < netConnReadLimit/2
			if resume {
				nc.paused = false
			}
			nc.mu.Unlock()
			if resume {
				c := nc.c
				nc.loop.Post(func() { c.ResumeRead() })
			}
			return k, nil
		}
		if nc.rerr != nil {
			err := nc.rerr
			nc.mu.Unlock()
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, nc.opErr("read", err)
		}
		dl := nc.rdl
		nc.mu.Unlock()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, nc.opErr("read", ErrTimeout)
		}
		if !wait(nc.rsignal, dl) {
			return 0, nc.opErr("read", ErrTimeout)
		}
	}
}

func (nc *netConn) Write(p []byte) (int, error) {
	buf := append([]byte(nil), p...)
	result := make(chan error, 1)
	for {
		nc.mu.Lock()
		closed, rerr, dl := nc.closed, nc.rerr, nc.wdl
		nc.mu.Unlock()
		if closed || (rerr != nil && rerr != io.EOF) {
			return 0, nc.opErr("write", ErrClosed)
		}
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, nc.opErr("write", ErrTimeout)
		}
		c := nc.c
		if err := nc.loop.Post(func() { result <- c.Write(buf) }); err != nil {
			return 0, nc.opErr("write", ErrClosed)
		}
		err := <-result
		if err == nil {
			return len(p), nil
		}
		if err != ErrQueueFull {
			return 0, nc.opErr("write", err)
		}
		if !wait(nc.wsignal, dl) {
			return 0, nc.opErr("write", ErrTimeout)
		}
	}
}

func (nc *netConn) opErr(op string, err error) error {
	return &OpError{Op: op, Net: nc.netName(), Addr: nc.raddr, Err: err, kind: kindOf(err)}
}

func (nc *netConn) netName() string {
	if nc.c != nil {
		return nc.c.netw.String()
	}
	return ""
}

func (nc *netConn) Close() error {
	nc.mu.Lock()
	if nc.closed {
		nc.mu.Unlock()
		return nc.opErr("close", ErrClosed)
	}
	nc.closed = true
	nc.mu.Unlock()
	notify(nc.rsignal)
	notify(nc.wsignal)
	c := nc.c
	if c != nil {
		nc.loop.Post(func() { c.Close() })
	}
	return nil
}

func (nc *netConn) LocalAddr() net.Addr  { return nc.laddr }
func (nc *netConn) RemoteAddr() net.Addr { return nc.raddr }

func (nc *netConn) SetDeadline(t time.Time) error {
	nc.mu.Lock()
	nc.rdl, nc.wdl = t, t
	nc.mu.Unlock()
	notify(nc.rsignal)
	notify(nc.wsignal)
	return nil
}

func (nc *netConn) SetReadDeadline(t time.Time) error {
	nc.mu.Lock()
	nc.rdl = t
	nc.mu.Unlock()
	notify(nc.rsignal)
	return nil
}

func (nc *netConn) SetWriteDeadline(t time.Time) error {
	nc.mu.Lock()
	nc.wdl = t
	nc.mu.Unlock()
	notify(nc.wsignal)
	return nil
}
