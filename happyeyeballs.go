package eddy

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-go/eddy/internal/poll"
)

// Happy Eyeballs (RFC 8305 §5): a dial starts one connection attempt,
// then another, to the next address, after the Connection Attempt Delay or
// as soon as an attempt fails, with at most maxInFlight running at once.
// The first attempt to connect wins; the others are closed.
//
// The connection's own socket (Conn.fd) carries one attempt at a time,
// the "primary": while it is free, the next attempt takes it, so a dial
// whose first attempt wins (the usual case) costs nothing more than a
// plain connect. Attempts started while it is busy run on sockets of
// their own (attempt); if one of them wins, its socket is moved into the
// connection (moveSock), so that the *Conn the caller holds stays the
// same object.

// maxInFlight bounds the connection attempts of one dial that run at once.
const maxInFlight = 4

// dialState is a connection's state while it dials.
type dialState struct {
	c      *Conn
	host   string
	port   uint16
	laddr  net.Addr
	delay  time.Duration
	addrs  []net.Addr // every address to try, in order
	next   int        // index in addrs of the next one to try
	last   net.Addr   // the address tried last
	timer  *Timer     // bounds the whole dial
	wait   *Timer     // the Connection Attempt Delay
	lookup func()     // cancels the name lookup in flight
	// primary is the address of the attempt that holds the connection's
	// own socket, or nil.
	primary net.Addr
	others  []*attempt // attempts in flight on sockets of their own
	errs    []*OpError // the failed attempts, in order
}

// attempt is a connection attempt on a socket of its own.
type attempt struct {
	fd   poll.FD
	c    *Conn
	addr net.Addr
}

// attemptOwner is an attempt as the poller sees it.
type attemptOwner attempt

// current returns the address most recently tried, or nil.
func (d *dialState) current() net.Addr { return d.last }

func (d *dialState) inFlight() int {
	n := len(d.others)
	if d.primary != nil {
		n++
	}
	return n
}

// stop releases what the dial holds besides the connection's own socket:
// its timers, the lookup and the other attempts. The connection calls it
// when it closes; a won dial calls it before it opens.
func (d *dialState) stop() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.wait != nil {
		d.wait.Stop()
		d.wait = nil
	}
	if cancel := d.lookup; cancel != nil {
		d.lookup = nil
		cancel()
	}
	for _, a := range d.others {
		_ = d.c.loop.poller.Close(&a.fd)
	}
	d.others = nil
}

func (d *dialState) remove(a *attempt) {
	for i, x := range d.others {
		if x == a {
			d.others = append(d.others[:i], d.others[i+1:]...)
			return
		}
	}
}

func (d *dialState) failed(addr net.Addr, err error) {
	d.errs = append(d.errs, &OpError{Op: "dial", Net: d.c.netw.String(), Addr: addr, Err: err, kind: kindOf(err)})
}

// connectAddrs starts dialing addrs, in order.
func (c *Conn) connectAddrs(addrs []net.Addr) {
	c.ext.dial.addrs = addrs
	c.attemptNext()
}

// attemptNext starts the next attempt that can start, if a slot is free,
// and arms the Connection Attempt Delay for the one after it. It fails
// the dial when nothing is in flight and nothing is left to try.
func (c *Conn) attemptNext() {
	d := c.ext.dial
	if d.wait != nil {
		d.wait.Stop()
	}
	for d.inFlight() < maxInFlight && d.next < len(d.addrs) {
		a := d.addrs[d.next]
		d.next++
		if err := c.startAttempt(a); err != nil {
			d.failed(a, err)
			continue
		}
		break
	}
	if d.inFlight() == 0 {
		c.fail(d.err())
		return
	}
	if d.next < len(d.addrs) && d.inFlight() < maxInFlight {
		if d.wait == nil {
			d.wait = c.loop.AfterFunc(d.delay, func() {
				if c.flags&cClosed == 0 && c.ext.dial == d {
					c.attemptNext()
				}
			})
			d.wait.Unref() // the connection itself keeps the loop alive
		} else {
			d.wait.Reset(d.delay)
		}
	}
}

// afterFailure goes on with the dial after an attempt failed. It runs on
// the next tick rather than inside the poller's completion, so that the
// event that reported the failure is not applied to a socket that took
// the failed one's place.
func (c *Conn) afterFailure() {
	d := c.ext.dial
	c.loop.NextTick(func() {
		if c.flags&cClosed == 0 && c.ext.dial == d {
			c.attemptNext()
		}
	})
}

// startAttempt opens a socket and starts connecting it to a: the
// connection's own socket if it is free, else one of its own.
func (c *Conn) startAttempt(a net.Addr) error {
	d := c.ext.dial
	p := c.loop.poller
	s, err := poll.Socket(c.netw.String(), a, d.laddr)
	if err != nil {
		return err
	}
	if c.flags&cAttached == 0 {
		if err := c.attach(s); err != nil {
			poll.CloseSock(s)
			return err
		}
		if err := p.Connect(&c.fd, a); err != nil {
			c.detach()
			return err
		}
		d.primary = a
	} else {
		at := &attempt{c: c, addr: a}
		if err := p.Register(&at.fd, s, (*attemptOwner)(at)); err != nil {
			poll.CloseSock(s)
			return err
		}
		if err := p.Connect(&at.fd, a); err != nil {
			_ = p.Close(&at.fd)
			return err
		}
		d.others = append(d.others, at)
	}
	d.last = a
	return nil
}

// ConnectDone reports the attempt on the connection's own socket.
func (o *connOwner) ConnectDone(err error) {
	c := (*Conn)(o)
	d := c.ext.dial
	a := d.primary
	d.primary = nil
	if err != nil {
		c.detach()
		d.failed(a, err)
		c.afterFailure()
		return
	}
	c.dialWon()
}

// ConnectDone reports an attempt on a socket of its own.
func (o *attemptOwner) ConnectDone(err error) {
	at := (*attempt)(o)
	c := at.c
	d := c.ext.dial
	d.remove(at)
	p := c.loop.poller
	if err != nil {
		_ = p.Close(&at.fd)
		d.failed(at.addr, err)
		c.afterFailure()
		return
	}
	// This attempt won: its socket becomes the connection's.
	c.detach()
	d.primary = nil
	if err := moveSock(p, &c.fd, &at.fd, (*connOwner)(c)); err != nil {
		c.fail(opError("dial", c.netw.String(), at.addr, err))
		return
	}
	c.flags |= cAttached
	c.dialWon()
}

// dialWon closes the losing attempts and opens the connection, which
// sends what was written while it dialed.
func (c *Conn) dialWon() {
	c.ext.dial.stop()
	c.ext.dial = nil
	c.flags &^= cConnecting
	c.start()
}

// moveSock moves the connected socket registered as src into dst, with
// owner o, and leaves src closed.
func moveSock(p poll.Poller, dst, src *poll.FD, o poll.Owner) error {
	if err := p.Move(dst, src, o); err != nil {
		_ = p.Close(src)
		return err
	}
	return nil
}

// err is the error a dial fails with: the one attempt's error, or all of
// them joined.
func (d *dialState) err() error {
	network := d.c.netw.String()
	switch len(d.errs) {
	case 0:
		return opError("dial", network, nil, &net.AddrError{Err: "no suitable address", Addr: d.host})
	case 1:
		return d.errs[0]
	}
	return &OpError{Op: "dial", Net: network, Err: dialErrors(d.errs), kind: d.errs[0].kind}
}

// dialErrors are the errors of a dial's failed attempts, in the order
// they were started. errors.Is and errors.As see each of them.
type dialErrors []*OpError

func (e dialErrors) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e)))
	b.WriteString(" attempts failed: ")
	for i, x := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		if x.Addr != nil {
			b.WriteString(x.Addr.String())
			b.WriteString(": ")
		}
		b.WriteString(x.Err.Error())
	}
	return b.String()
}

func (e dialErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, x := range e {
		errs[i] = x
	}
	return errs
}

// Unused completions of a connection attempt.
func (o *attemptOwner) ReadDone(p []byte, err error)                {}
func (o *attemptOwner) WriteDone(err error)                         {}
func (o *attemptOwner) AcceptDone(s poll.Sock, err error)           {}
func (o *attemptOwner) RecvDone(p []byte, from net.Addr, err error) {}
func (o *attemptOwner) NotifyDone(err error)                        {}
