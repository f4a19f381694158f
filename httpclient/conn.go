package httpclient

import (
	"errors"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// pconn is one pooled connection and its handler: it feeds the response
// parser and hands events to the trip it carries. Loop-only.
type pconn struct {
	pool   *hostPool
	conn   *eddy.Conn
	parser http1.ResponseParser
	t      *trip // the trip in progress, nil when idle
	open   bool
	reused bool // a response has completed on it
	got    bool // bytes of the current response have arrived
	keep   bool // the current response allows keep-alive
	// interim is set between the head of a 1xx response and its EventEnd,
	// which ends the interim response only, not the exchange.
	interim bool
	// interims counts the current exchange's 1xx responses (see
	// maxInterim).
	interims int
	idle     bool      // in the pool's idle list
	idleAt   time.Time // when it last went idle
	idleT    *eddy.Timer
	hdrT     *eddy.Timer // see headerTimer
}

// headerTimer starts the connection's response-header timer, made once
// and reset for each request, and returns it; the trip stops it when the
// head arrives or it lets the connection go. When it fires it fails the
// trip the connection carries.
func (pc *pconn) headerTimer(d time.Duration) *eddy.Timer {
	if pc.hdrT == nil {
		pc.hdrT = pc.pool.ls.loop.AfterFunc(d, func() {
			if t := pc.t; t != nil {
				t.fail(&TimeoutError{Kind: ErrHeaderTimeout})
			}
		})
	} else {
		pc.hdrT.Reset(d)
	}
	return pc.hdrT
}

// carry makes t the connection's trip (nil when it has none) and tells
// the loop while a response is due, for its adaptive spin (see
// eddy.Loop.ExpectReplies). The header timer is the connection's: a trip
// that leaves the connection leaves it too, stopped, so that whatever the
// trip does later cannot touch the timer of the next trip on it.
func (pc *pconn) carry(t *trip) {
	if old := pc.t; old != nil && old != t && old.hdrT != nil {
		old.hdrT.Stop()
		old.hdrT = nil
	}
	if (pc.t == nil) != (t == nil) {
		if t != nil {
			pc.pool.ls.loop.ExpectReplies(1)
		} else {
			pc.pool.ls.loop.ExpectReplies(-1)
		}
	}
	pc.t = t
}

// OnOpen starts the trip waiting for the connection, and a streamed body
// held until then.
func (pc *pconn) OnOpen(*eddy.Conn) {
	pc.open = true
	if t := pc.t; t != nil {
		t.connected()
		t.pump()
		t.startHeaderTimer()
	}
}

// OnDrain lets a streamed request body go on.
func (pc *pconn) OnDrain(*eddy.Conn) {
	if t := pc.t; t != nil {
		t.pump()
		t.startHeaderTimer()
	}
}

// OnData parses the response.
func (pc *pconn) OnData(c *eddy.Conn, data []byte) int {
	if pc.t == nil {
		// Bytes on an idle connection: nothing can frame them.
		c.Abort()
		return len(data)
	}
	pc.got = true
	n := 0
	for pc.t != nil {
		m, ev, err := pc.parser.Parse(data[n:])
		n += m
		if err != nil {
			if errors.Is(err, http1.ErrNeedMore) {
				return n
			}
			pc.drop(&ResponseError{Kind: ErrMalformedResponse, Err: err})
			return len(data)
		}
		t := pc.t
		switch ev.Kind {
		case http1.EventHead:
			r := pc.parser.Response()
			if r.Interim {
				if pc.interims++; pc.interims > maxInterim {
					pc.drop(&ResponseError{Kind: ErrMalformedResponse, Err: errTooManyInterim})
					return len(data)
				}
				pc.interim = true
				if r.Status == 100 {
					t.continued()
				}
				continue
			}
			pc.keep = r.KeepAlive
			t.head(r)
			if pc.t != nil && n < len(data) && c.Paused() {
				// The sink paused the response: the bytes left wait, kept
				// by the connection, until it resumes. (With none left,
				// parsing goes on, for an end that needs no more bytes.)
				return n
			}
		case http1.EventBody:
			if t.follow != nil {
				// A redirect's body is dropped. One too long to be
				// worth draining, or endless, costs the connection
				// rather than the wait: follow now.
				if t.drained += len(ev.Data); t.drained > maxRedirectDrain {
					pc.carry(nil)
					pc.pool.release(pc, false)
					t.end()
					return len(data)
				}
				continue
			}
			t.body(ev.Data)
			if pc.t != nil && n < len(data) && c.Paused() {
				return n
			}
		case http1.EventTrailers:
			t.trailers(pc.parser.Trailers())
		case http1.EventEnd:
			if pc.interim {
				// The end of a 1xx: the final response follows.
				pc.interim = false
				continue
			}
			pc.carry(nil)
			pc.reused = true
			keep := pc.keep && t.bodyDone && n == len(data) && !t.closeConn
			pc.pool.release(pc, keep)
			t.end()
			return len(data)
		}
	}
	return len(data)
}

// OnClose ends the trip in progress: a body read until the close ends
// cleanly, a stale pooled connection is retried, anything else fails.
func (pc *pconn) OnClose(_ *eddy.Conn, err error) {
	pc.pool.closed(pc)
	t := pc.t
	if t == nil {
		return
	}
	pc.carry(nil)
	if !pc.open {
		switch {
		case err == nil:
			err = eddy.ErrClosed
		case errors.Is(err, eddy.ErrTimeout) && pc.pool.ls.c.Timeouts.Connect > 0:
			// The dial's own timer (eddy.WithDialTimeout, armed with
			// Timeouts.Connect) fired before the trip's, in the same
			// turn or just ahead of it: the same timeout, reported as
			// documented.
			err = &TimeoutError{Kind: ErrConnectTimeout}
		}
		t.fail(err)
		return
	}
	ev, perr := pc.parser.EOF()
	switch {
	case err == nil && perr == nil && ev.Kind == http1.EventEnd:
		t.end()
	case !pc.got && pc.reused && t.retryable():
		t.retry()
	default:
		if err == nil {
			err = perr
		}
		t.fail(&ResponseError{Kind: ErrTruncated, Err: err})
	}
}

// drop fails the trip and closes the connection at once.
func (pc *pconn) drop(err error) {
	t := pc.t
	pc.carry(nil)
	pc.conn.Abort()
	if t != nil {
		t.fail(err)
	}
}
