package httpclient

import (
	"slices"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/tlsx"
)

// hostPool holds the connections of one loop to one origin (scheme, host
// and port), or to one proxy for plain-http requests. Loop-only.
type hostPool struct {
	ls   *loopState
	key  string
	addr string // host:port dialled
	tls  bool
	sni  string // host:port whose name TLS verifies
	// forward marks a pool of connections to a forward proxy, tunnel one of
	// CONNECT tunnels through a proxy to sni; proxyAuth is then the
	// Proxy-Authorization value from the proxy URL's user info, if any.
	forward   bool
	tunnel    bool
	proxyAuth string
	idle      []*pconn
	total     int // open connections, idle ones included
	waiters   []*trip
	// handoff holds connections released while requests wait in line,
	// until handOff, run as a next tick (handOffFn, made once), gives
	// them out: see release.
	handoff   []*pconn
	handOffFn func()
	head      headCache // the last request line and Host field sent
}

func (ls *loopState) pool(key string, mk func() *hostPool) *hostPool {
	p := ls.pools[key]
	if p == nil {
		p = mk()
		p.ls = ls
		p.key = key
		ls.pools[key] = p
	}
	return p
}

// acquire gives t a connection: an idle one, a new one, or, at the
// per-host bound, the next one released.
func (p *hostPool) acquire(t *trip) {
	for len(p.idle) > 0 && !t.retried {
		pc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		pc.idle = false // its idle timer, if it fires, finds it busy
		if !pc.reusable() {
			continue
		}
		t.attach(pc)
		return
	}
	if max := p.ls.c.MaxConnsPerHost; max > 0 && p.total >= max {
		p.waiters = append(p.waiters, t)
		t.waiting = p
		return
	}
	p.dial(t)
}

func (p *hostPool) dial(t *trip) {
	pc := &pconn{pool: p}
	var opts []eddy.DialOption
	if d := p.ls.c.Timeouts.Connect; d > 0 {
		opts = append(opts, eddy.WithDialTimeout(d))
	}
	var (
		conn *eddy.Conn
		err  error
	)
	l := p.ls.loop
	switch {
	case p.tunnel:
		conn, err = l.Dial("tcp", p.addr, pc, opts...)
		if err == nil {
			inner := tlsx.ClientLayer(tlsx.ClientConfig(p.ls.c.TLSConfig, p.sni))
			conn.SetLayer(&tunnelLayer{target: p.sni, auth: p.proxyAuth, inner: inner})
		}
	case p.tls:
		conn, err = tlsx.Dial(l, "tcp", p.addr, tlsx.ClientConfig(p.ls.c.TLSConfig, p.sni), pc, opts...)
	default:
		conn, err = l.Dial("tcp", p.addr, pc, opts...)
	}
	if err != nil {
		t.fail(err)
		return
	}
	pc.conn = conn
	p.total++
	t.attach(pc)
}

// release takes pc back after a response; keep says whether it may carry
// another request. It does not mark pc reused: only a completed response
// does (pconn.OnData), so that a connection given back without one (see
// attach) is not retried as a stale one would be.
func (p *hostPool) release(pc *pconn, keep bool) {
	if !keep || pc.conn.Closed() {
		if pc.conn.Buffered() > 0 {
			// The rest of a request body that the server answered
			// without reading, and will not read: it closes the
			// connection. Close would send it all first; the client
			// stops sending instead (RFC 9112 §9.5), as the whole
			// response is in.
			pc.conn.Abort()
			return
		}
		pc.conn.Close()
		return
	}
	if pc.conn.Paused() {
		pc.conn.ResumeRead()
	}
	if len(p.waiters) > 0 {
		// Not at once: release runs within OnData, and the server's
		// goodbye may have been read with the response (a TLS
		// close_notify, which the layer acts on when OnData returns). A
		// request written now would go to a server that has said it
		// reads no more, and one that cannot be sent again would fail.
		p.handoff = append(p.handoff, pc)
		if len(p.handoff) == 1 {
			if p.handOffFn == nil {
				p.handOffFn = p.handOff
			}
			p.ls.loop.NextTick(p.handOffFn)
		}
		return
	}
	p.park(pc)
}

// handOff gives the connections released while requests waited to the
// first in line, or parks them when none waits any more.
//
// A request retried after a stale pooled connection is never given one of
// them: it has had its one retry, and a pooled connection may be stale
// too (acquire skips the idle ones for the same reason). The connection
// is closed instead, so that its OnClose dials for the first in line;
// fresh counts those, to give the next connections to the requests
// behind.
func (p *hostPool) handOff() {
	fresh := 0
	// By index: a trip attached here may release a connection again,
	// which appends to the list.
	for i := 0; i < len(p.handoff); i++ {
		pc := p.handoff[i]
		switch {
		case !pc.reusable():
			// Its OnClose lets the first in line dial.
		case fresh < len(p.waiters) && p.waiters[fresh].retried:
			pc.conn.Close()
			fresh++
		case fresh < len(p.waiters):
			t := p.waiters[fresh]
			if fresh == 0 {
				p.waiters = p.waiters[1:]
			} else {
				p.waiters = slices.Delete(p.waiters, fresh, fresh+1)
			}
			t.waiting = nil
			t.attach(pc)
		default:
			p.park(pc)
		}
	}
	clear(p.handoff)
	p.handoff = p.handoff[:0]
}

// reusable reports whether pc, out of the idle list or the hand-off
// list, can carry a request; if not, it is closed. Closed is not enough:
// a connection may be closing (its close_notify, in answer to the
// server's or for the idle timer, still queued), or the body of the last
// request, which the server answered before reading it all, may still
// fill its queue. A request written to it would be refused, and lost.
func (pc *pconn) reusable() bool {
	if pc.conn.Writable() {
		return true
	}
	pc.conn.Close()
	return false
}

// park puts pc in the idle list, or closes it when the list is full.
func (p *hostPool) park(pc *pconn) {
	if len(p.idle) >= p.ls.c.maxIdle() {
		pc.conn.Close()
		return
	}
	p.idle = append(p.idle, pc)
	pc.idle = true
	pc.idleAt = p.ls.loop.Now()
	// The idle timer is left armed while the connection works: a request
	// costs no timer operation, and the timer, when it fires, closes the
	// connection only if it has been idle long enough, or waits again.
	d := p.ls.c.idleTimeout()
	switch {
	case pc.idleT == nil:
		pc.idleT = p.ls.loop.AfterFunc(d, pc.idleCheck)
		pc.idleT.Unref()
	case !pc.idleT.Pending():
		pc.idleT.Reset(d)
	}
}

// idleCheck runs when pc's idle timer fires: it closes pc if it has been
// idle for the whole timeout, and otherwise waits for the rest of it. A
// busy connection's timer is armed again when it goes idle.
func (pc *pconn) idleCheck() {
	if !pc.idle {
		return
	}
	d := pc.pool.ls.c.idleTimeout()
	if left := d - pc.pool.ls.loop.Now().Sub(pc.idleAt); left > 0 {
		pc.idleT.Reset(left)
		return
	}
	pc.conn.Close()
}

// closed forgets a connection that has closed, and lets a waiting request
// dial in its place.
func (p *hostPool) closed(pc *pconn) {
	p.total--
	if pc.idle {
		pc.idle = false
		if i := slices.Index(p.idle, pc); i >= 0 {
			p.idle = slices.Delete(p.idle, i, i+1)
		}
	}
	if pc.idleT != nil {
		pc.idleT.Stop()
	}
	if pc.hdrT != nil {
		pc.hdrT.Stop()
	}
	if len(p.waiters) > 0 {
		t := p.waiters[0]
		p.waiters = p.waiters[1:]
		t.waiting = nil
		p.dial(t)
	}
}

// unwait removes t from the line.
func (p *hostPool) unwait(t *trip) {
	if i := slices.Index(p.waiters, t); i >= 0 {
		p.waiters = slices.Delete(p.waiters, i, i+1)
	}
}
