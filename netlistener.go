package eddy

import (
	"net"
	"sync"
)

// netListenQueue is how many accepted connections a net.Listener adapter
// holds for Accept by default.
const netListenQueue = 128

// netListener presents a loop listener as a net.Listener to goroutine
// code. The loop accepts; each connection, once open, is adapted with
// NetConn and queued for Accept.
type netListener struct {
	ln    *Listener // loop-only
	loop  *Loop
	addr  net.Addr
	limit int // most connections queued for Accept

	mu     sync.Mutex
	queue  []net.Conn
	closed error         // why Accept fails: Close, or the loop stopped
	wake   chan struct{} // closed when a connection is queued or on close
}

// ListenNet listens like Listen and returns the listener as a
// net.Listener, for goroutine code that serves connections itself
// (net/http's Server.Serve, gRPC…). The connections it accepts stay on
// the loop and are presented as NetConn presents them; with WithLayer
// (TLS), Accept returns them once the layer is ready.
//
// Accept blocks until a connection is open. Connections accepted but not
// yet taken by Accept are held up to the WithBacklog value (128 by
// default); while that many wait, the loop stops accepting, and new
// connections wait in the kernel's backlog. Close stops the listener,
// closes the connections no Accept took, and makes a blocked Accept
// return an error matching net.ErrClosed, as Accept does when the loop
// stops (it then also matches ErrLoopStopped).
//
// ListenNet is safe for concurrent use. Called off the loop, it waits
// for the loop to open the listener, so the loop must be running or
// about to run.
func (l *Loop) ListenNet(network, address string, opts ...ListenOption) (net.Listener, error) {
	var cfg listenConfig
	for _, o := range opts {
		o(&cfg)
	}
	nl := &netListener{loop: l, limit: netListenQueue}
	if cfg.Backlog > 0 {
		nl.limit = cfg.Backlog
	}
	listen := func() error {
		ln, err := l.Listen(network, address, (*netAccept)(nl), opts...)
		if err != nil {
			return err
		}
		nl.ln, nl.addr = ln, ln.Addr()
		// However the listener closes (Close, or the loop stopping),
		// a blocked Accept must return.
		ln.onClose = func() {
			err := ErrClosed
			if l.stopping {
				err = ErrLoopStopped
			}
			nl.shut(&OpError{Op: "accept", Net: ln.k.String(), Addr: ln.addr, Err: err, kind: ErrClosed})
		}
		return nil
	}
	if l.OnLoop() {
		if err := listen(); err != nil {
			return nil, err
		}
		return nl, nil
	}
	errc := make(chan error, 1)
	if err := l.Post(func() { errc <- listen() }); err != nil {
		return nil, err
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	return nl, nil
}

// Accept waits for and returns the next connection.
func (nl *netListener) Accept() (net.Conn, error) {
	for {
		nl.mu.Lock()
		if n := len(nl.queue); n > 0 {
			c := nl.queue[0]
			nl.queue[0] = nil
			nl.queue = nl.queue[1:]
			closed := nl.closed != nil
			nl.mu.Unlock()
			if n == nl.limit && !closed {
				// The queue fell below its limit, at which the loop
				// stops accepting: let it decide, with what it queued
				// meanwhile, whether to accept again.
				_ = nl.loop.Post(nl.maybeResume)
			}
			return c, nil
		}
		if err := nl.closed; err != nil {
			nl.mu.Unlock()
			return nil, err
		}
		ch := waitOn(&nl.wake)
		nl.mu.Unlock()
		<-ch
	}
}

// maybeResume accepts again if the queue is below its limit. Loop-only:
// the loop alone holds and resumes accepting, so the two cannot cross.
func (nl *netListener) maybeResume() {
	nl.mu.Lock()
	below := len(nl.queue) < nl.limit && nl.closed == nil
	nl.mu.Unlock()
	if below {
		nl.ln.resumeAccept()
	}
}

// Close closes the listener and the connections no Accept has taken. A
// second Close returns an error matching net.ErrClosed.
func (nl *netListener) Close() error {
	if !nl.shut(&OpError{Op: "accept", Net: nl.ln.k.String(), Addr: nl.addr, Err: ErrClosed, kind: ErrClosed}) {
		return &OpError{Op: "close", Net: nl.ln.k.String(), Addr: nl.addr, Err: ErrClosed, kind: ErrClosed}
	}
	ln := nl.ln
	_ = nl.loop.Post(func() { ln.Close() })
	return nil
}

// shut fails Accept with err from now on and closes the queued
// connections. It reports false if the listener was already shut.
func (nl *netListener) shut(err error) bool {
	nl.mu.Lock()
	if nl.closed != nil {
		nl.mu.Unlock()
		return false
	}
	nl.closed = err
	q := nl.queue
	nl.queue = nil
	wake(&nl.wake)
	nl.mu.Unlock()
	for _, c := range q {
		c.Close()
	}
	return true
}

// Addr returns the listener's address.
func (nl *netListener) Addr() net.Addr { return nl.addr }

// netAccept is the handler of a net.Listener adapter's connections
// until they open.
type netAccept netListener

func (na *netAccept) OnOpen(c *Conn) {
	nl := (*netListener)(na)
	nl.mu.Lock()
	if nl.closed != nil {
		nl.mu.Unlock()
		c.Close()
		return
	}
	nl.queue = append(nl.queue, NetConn(c))
	if len(nl.queue) >= nl.limit {
		nl.ln.holdAccept() // a no-op if held already
	}
	wake(&nl.wake)
	nl.mu.Unlock()
}

func (*netAccept) OnData(_ *Conn, data []byte) int { return len(data) }
func (*netAccept) OnDrain(*Conn)                   {}
func (*netAccept) OnClose(*Conn, error)            {}
