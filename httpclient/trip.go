package httpclient

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// sink receives the final response of a trip. Loop-only.
type sink interface {
	head(t *trip, r *Response) // the final head; r.Body is empty
	body(t *trip, p []byte)    // a piece of the body, valid during the call
	end(t *trip, r *Response)  // the body is complete; trailers are set
	fail(err error)
}

// maxRedirectDrain bounds how much of a redirect's body is read (and
// dropped) to keep its connection for reuse; past it the connection is
// closed and the redirect followed at once, so that a huge or endless
// body cannot hold the request.
const maxRedirectDrain = 64 << 10

// trip is one request, through its redirects and retries. Loop-only.
type trip struct {
	c    *Client
	ls   *loopState
	req  *Request // the current hop
	sink sink

	pc      *pconn
	waiting *hostPool
	hops    int
	sent    int64 // the bytes of a streamed body written on this hop
	resp    *Response
	follow  *Request // the next hop when the current response redirects
	// reqHead is the current hop's request head, encoded (in the loop's
	// scratch buffer) before a connection is acquired, until attach
	// writes it: see send.
	reqHead []byte
	drained int      // bytes of the redirect's body dropped (see maxRedirectDrain)
	respBuf Response // the storage of resp, to save an allocation

	// gen and the flags, together: spread among the words above, each
	// would take a word of its own, and Send allocates the trip (with its
	// sink) for every request.
	gen      uint32 // counts attachments, to ignore stale body futures
	retried  bool
	done     bool
	bodyDone bool // the request body has been written
	pumping  bool
	holdBody bool // waiting for 100 (Continue)
	askGzip  bool
	raw      bool // Stream: the body is delivered as sent, never decompressed
	// bodiless is set with the final head when the response has no body
	// (HEAD, 1xx, 204, 304, Content-Length: 0), whatever its
	// Content-Length says: for a sink, it bounds nothing and sizes nothing.
	bodiless bool
	// closeConn is set when the request asked, with "Connection: close",
	// that its connection end with its response.
	closeConn bool

	// hdrT is the connection's header timer (pconn.headerTimer), the
	// others the trip's own.
	reqT, hdrT, connT, expT *eddy.Timer
	stopCtx                 func() bool
}

func (c *Client) newTrip(l *eddy.Loop, req *Request, s sink) *trip {
	t := &trip{}
	c.initTrip(t, l, req, s)
	return t
}

// initTrip sets up a zero trip in place, for callers that allocate it
// with other things.
func (c *Client) initTrip(t *trip, l *eddy.Loop, req *Request, s sink) {
	t.c, t.ls, t.req, t.sink = c, c.state(l), req, s
}

func (t *trip) loop() *eddy.Loop { return t.ls.loop }

func (t *trip) start() {
	if t.req == nil || t.req.URL == nil {
		t.fail(fmt.Errorf("%w: no URL", ErrInvalidRequest))
		return
	}
	ctx := t.req.ctx()
	if err := ctx.Err(); err != nil {
		t.fail(&CancelError{Cause: context.Cause(ctx)})
		return
	}
	if d := t.c.Timeouts.Request; d > 0 {
		t.reqT = t.loop().AfterFunc(d, func() { t.fail(&TimeoutError{Kind: ErrRequestTimeout}) })
	}
	if ctx.Done() != nil {
		l := t.loop()
		t.stopCtx = context.AfterFunc(ctx, func() {
			l.Post(func() { t.fail(&CancelError{Cause: context.Cause(ctx)}) })
		})
	}
	t.hop()
}

// hop sends the current request on a pooled or new connection.
func (t *trip) hop() {
	u := t.req.URL
	direct := t.c.Proxy == nil
	if direct {
		if p := t.ls.direct[originKey{u.Scheme, u.Host}]; p != nil {
			t.send(p)
			return
		}
	}
	var tlsOn bool
	switch u.Scheme {
	case "http":
	case "https":
		tlsOn = true
	default:
		t.fail(fmt.Errorf("%w: unsupported scheme %q", ErrInvalidRequest, u.Scheme))
		return
	}
	host := u.Hostname()
	if host == "" {
		t.fail(fmt.Errorf("%w: no host in %q", ErrInvalidRequest, u))
		return
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if tlsOn {
			port = "443"
		}
	}
	addr := net.JoinHostPort(host, port)
	key := u.Scheme + "://" + addr
	mk := func() *hostPool { return &hostPool{addr: addr, tls: tlsOn, sni: addr} }
	if t.c.Proxy != nil {
		pu, err := t.c.Proxy(u)
		if err != nil {
			t.fail(fmt.Errorf("%w: %w", ErrProxy, err))
			return
		}
		if pu != nil {
			if pu.Scheme != "http" || pu.Hostname() == "" {
				t.fail(fmt.Errorf("%w: unsupported proxy %q", ErrProxy, pu.Redacted()))
				return
			}
			proxyAddr := pu.Host
			if pu.Port() == "" {
				proxyAddr = net.JoinHostPort(pu.Hostname(), "80")
			}
			auth := proxyAuth(pu)
			if tlsOn {
				// https: a CONNECT tunnel to the origin, TLS inside it.
				key = "tunnel://" + pu.String() + "/" + addr
				if t.ls.pools[key] == nil {
					// The CONNECT request tunnelLayer will write, checked
					// once per tunnel pool: a target it could not write
					// (a host that a Host field overrides, say) is the
					// caller's error, found before the proxy is dialled.
					if _, err := http1.AppendRequestLine(nil, "CONNECT", addr); err != nil {
						t.fail(fmt.Errorf("%w: CONNECT %s: %w", ErrInvalidRequest, addr, err))
						return
					}
				}
				mk = func() *hostPool {
					return &hostPool{addr: proxyAddr, tls: true, sni: addr, tunnel: true, proxyAuth: auth}
				}
			} else {
				// http: absolute-form requests to a forward proxy.
				key = "proxy://" + pu.String()
				mk = func() *hostPool { return &hostPool{addr: proxyAddr, sni: addr, forward: true, proxyAuth: auth} }
			}
		}
	}
	p := t.ls.pool(key, mk)
	if direct {
		if t.ls.direct == nil {
			t.ls.direct = make(map[originKey]*hostPool)
		}
		t.ls.direct[originKey{u.Scheme, u.Host}] = p
	}
	t.send(p)
}

// send encodes the request head for p's connections and then acquires
// one for it. Encoding first validates the request (method, target,
// Host, fields), so that one that cannot be sent fails with
// ErrInvalidRequest before a connection is taken or dialled: a new
// connection given back unused would hold a place under MaxConnsPerHost,
// and, pooled as if it had carried a response, would make the next
// request on it retryable as on a stale connection. The head waits in
// t.reqHead, usually for no time at all (an idle or new connection is
// attached at once). A trip left waiting in line gives the loop's scratch
// buffer back, so that the requests behind it do not each allocate one
// and hold it while they wait, and is encoded again when attached.
func (t *trip) send(p *hostPool) {
	head, err := t.appendHead(t.ls.takeBuf(), p)
	if err != nil {
		t.ls.putBuf(head)
		t.fail(err)
		return
	}
	t.reqHead = head
	p.acquire(t)
	if t.waiting != nil && t.reqHead != nil {
		t.ls.putBuf(t.reqHead)
		t.reqHead = nil
	}
}

// attach binds t to pc and writes the request.
func (t *trip) attach(pc *pconn) {
	if t.done {
		// Unused: pooled as it is, and not marked reused (a new one has
		// carried no response).
		pc.pool.release(pc, true)
		return
	}
	if t.reqHead == nil {
		// It waited in line (see send): encoded again, which cannot fail
		// where it did not before, but is checked all the same.
		head, err := t.appendHead(t.ls.takeBuf(), pc.pool)
		if err != nil {
			t.ls.putBuf(head)
			pc.pool.release(pc, true)
			t.fail(err)
			return
		}
		t.reqHead = head
	}
	t.pc = pc
	t.gen++
	pc.carry(t)
	pc.got = false
	pc.interim, pc.interims = false, 0
	t.bodyDone = false
	t.sent = 0
	t.resp = nil
	t.follow = nil
	pc.parser.SetMethod(t.req.method())
	if !pc.open {
		if d := t.c.Timeouts.Connect; d > 0 {
			t.connT = t.loop().AfterFunc(d, func() { t.fail(&TimeoutError{Kind: ErrConnectTimeout}) })
		}
	}
	// Taken from the trip first: a trip that fails during the write
	// (finish gives back a head not yet taken) must not give it back too.
	head := t.reqHead
	t.reqHead = nil
	var err error
	// pc was checked writable (hostPool.reusable) or is still dialling,
	// which queues everything; but a write can still fail at once (a
	// reset), and a refused head, unnoticed, would leave the trip
	// waiting for the answer to a request never sent.
	switch {
	case t.req.BodyStream != nil:
		err = pc.conn.Write(head)
		t.ls.putBuf(head)
		if err != nil {
			break
		}
		t.holdBody = t.expectContinue()
		if !t.holdBody {
			t.pump()
		} else {
			t.holdTimer()
		}
	case len(t.req.Body) > 0 && t.expectContinue():
		err = pc.conn.Write(head)
		t.ls.putBuf(head)
		if err != nil {
			break
		}
		t.holdBody = true
		t.holdTimer()
	default:
		// One write: with a layer (TLS), Writev may queue part of it.
		if len(t.req.Body) > 0 {
			head = append(head, t.req.Body...)
		}
		err = pc.conn.Write(head)
		t.ls.putBuf(head)
		t.bodyDone = true
	}
	if err == nil {
		t.startHeaderTimer()
		return
	}
	// Nothing of the request was written: it may go on a new
	// connection, whatever its method.
	pc.carry(nil)
	t.pc = nil
	pc.conn.Close()
	if t.retried {
		t.fail(fmt.Errorf("httpclient: writing the request: %w", err))
		return
	}
	t.retry()
}

func (t *trip) expectContinue() bool {
	return strings.EqualFold(t.req.Header.Get("Expect"), "100-continue")
}

// holdTimer sends a held body anyway after Timeouts.ExpectContinue, for
// servers that do not answer 100.
func (t *trip) holdTimer() {
	d := t.c.Timeouts.ExpectContinue
	if d == 0 {
		d = DefaultExpectContinue
	}
	if d < 0 {
		return
	}
	gen := t.gen
	t.expT = t.loop().AfterFunc(d, func() {
		if !t.done && gen == t.gen {
			t.continued()
		}
	})
}

// continued sends a body held for 100 (Continue).
func (t *trip) continued() {
	if !t.holdBody || t.done || t.pc == nil {
		return
	}
	t.holdBody = false
	if t.expT != nil {
		t.expT.Stop()
		t.expT = nil
	}
	if t.req.BodyStream != nil {
		t.pump()
		return
	}
	t.pc.conn.Write(t.req.Body)
	t.bodyDone = true
	t.startHeaderTimer()
}

// startHeaderTimer starts the Timeouts.ResponseHeader timer once the
// whole request is out: its last byte written or queued, the connection
// open and its write queue down to the low-water mark. So neither the
// dial and handshake (Timeouts.Connect's) nor the upload count, as with
// net/http's Transport.ResponseHeaderTimeout. It is called at each of
// these steps (the end of the body, OnOpen, OnDrain) and does nothing
// until the last; nor once the final head has arrived.
func (t *trip) startHeaderTimer() {
	d := t.c.Timeouts.ResponseHeader
	pc := t.pc
	if d <= 0 || t.hdrT != nil || !t.bodyDone || t.done || t.resp != nil || pc == nil || !pc.open {
		return
	}
	if low, _ := pc.conn.WriteBuffer(); pc.conn.Buffered() > low {
		return // OnDrain calls again
	}
	t.hdrT = pc.headerTimer(d)
}

func (t *trip) connected() {
	if t.connT != nil {
		t.connT.Stop()
		t.connT = nil
	}
}

// pump writes the next piece of a streamed body when the connection has
// room.
func (t *trip) pump() {
	if t.done || t.bodyDone || t.pumping || t.holdBody || t.pc == nil || t.req.BodyStream == nil {
		return
	}
	if !t.pc.open || !t.pc.conn.Writable() {
		// OnOpen or OnDrain calls again. Before the connection opens,
		// writes may be held (a TLS layer's, until its handshake) where
		// the high-water mark does not see them.
		return
	}
	t.pumping = true
	gen := t.gen
	chunked := t.req.ContentLength <= 0
	t.req.BodyStream().OnSettle(func(p []byte, err error) {
		if t.done || gen != t.gen || t.pc == nil {
			return
		}
		t.pumping = false
		if err != nil && !isEOF(err) {
			t.fail(fmt.Errorf("httpclient: request body: %w", err))
			return
		}
		if len(p) > 0 && !t.writePiece(p, chunked) {
			return
		}
		if len(p) == 0 || err != nil {
			if chunked {
				last, _ := http1.AppendLastChunk(nil, nil)
				t.pc.conn.Write(last)
			} else if t.sent != t.req.ContentLength {
				// The server would wait for the rest: the message cannot
				// be completed, nor the connection used again.
				t.fail(fmt.Errorf("%w: request body of %d bytes, ContentLength %d", ErrInvalidRequest, t.sent, t.req.ContentLength))
				return
			}
			t.bodyDone = true
			t.startHeaderTimer()
			return
		}
		t.pump()
	})
}

// writePiece writes a piece of a streamed body. A piece that would take a
// body with a ContentLength beyond it is not written: the trip fails, and
// writePiece reports false.
func (t *trip) writePiece(p []byte, chunked bool) bool {
	if chunked {
		b := http1.AppendChunkHeader(make([]byte, 0, len(p)+20), len(p))
		b = append(append(b, p...), '\r', '\n')
		t.pc.conn.Write(b)
		return true
	}
	if int64(len(p)) > t.req.ContentLength-t.sent {
		// Bytes beyond the declared length would be read as the start of
		// the next request.
		t.fail(fmt.Errorf("%w: request body longer than ContentLength %d", ErrInvalidRequest, t.req.ContentLength))
		return false
	}
	t.sent += int64(len(p))
	t.pc.conn.Write(p)
	return true
}

// head handles the final response head.
func (t *trip) head(r *http1.Response) {
	if t.hdrT != nil {
		t.hdrT.Stop()
		t.hdrT = nil
	}
	if t.holdBody && t.expT != nil {
		// A final answer instead of the 100: the held body is never sent
		// (the connection, left !bodyDone, is not reused), and its timer
		// must not send it now.
		t.expT.Stop()
		t.expT = nil
	}
	// The trip's own Response, reused across hops: only the final one
	// reaches the sink, and no hop keeps an earlier one.
	resp := &t.respBuf
	*resp = Response{
		Status:        r.Status,
		Minor:         r.Minor,
		Header:        toHTTPHeader(r.Header),
		ContentLength: r.ContentLength,
		URL:           t.req.URL,
	}
	t.resp = resp
	t.bodiless = r.Framing == http1.FramingNone
	if t.c.Jar != nil {
		if cs := (&http.Response{Header: resp.Header}).Cookies(); len(cs) > 0 {
			t.c.Jar.SetCookies(t.req.URL, cs)
		}
	}
	next, err := t.redirect(resp)
	if err != nil {
		t.fail(err)
		return
	}
	if next != nil {
		t.follow = next
		return // discard the body, then follow
	}
	// A response without a body (204, 304, Content-Length: 0) may name the
	// encoding of its representation: there is nothing to decompress.
	if t.askGzip && !t.bodiless && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	t.sink.head(t, resp)
}

func (t *trip) body(p []byte) {
	if t.follow == nil && !t.done {
		t.sink.body(t, p)
	}
}

func (t *trip) trailers(h http1.Header) {
	if t.resp != nil {
		t.resp.Trailer = toHTTPHeader(h)
	}
}

// end finishes the response: follows a redirect or completes the trip.
func (t *trip) end() {
	if t.done {
		return
	}
	t.pc = nil
	if t.follow != nil {
		t.req = t.follow
		t.hops++
		t.drained = 0
		t.retried = false
		// On the next tick, as hostPool.release hands connections to
		// waiting requests: the one just released, which this hop may
		// take, may have come with the server's goodbye.
		t.loop().NextTick(t.nextHop)
		return
	}
	if t.resp == nil {
		t.fail(&ResponseError{Kind: ErrMalformedResponse})
		return
	}
	if !t.bodyDone {
		// The server answered before taking the whole body (a 417 after
		// "Expect: 100-continue", an early error): the rest is not sent,
		// and the connection was not pooled.
		t.bodyDone = true
		t.holdBody = false
	}
	t.finish()
	t.sink.end(t, t.resp)
}

// nextHop sends the next hop of a redirect, unless the trip ended
// meanwhile.
func (t *trip) nextHop() {
	if !t.done {
		t.hop()
	}
}

func (t *trip) retryable() bool {
	return !t.retried && !t.done && t.req.idempotent()
}

// retry sends the request again once, after a stale pooled connection.
func (t *trip) retry() {
	t.retried = true
	t.pc = nil
	t.stopPhaseTimers()
	t.hop()
}

// fail ends the trip with err, dropping its connection.
func (t *trip) fail(err error) {
	if t.done {
		return
	}
	t.finish()
	if pc := t.pc; pc != nil && pc.t == t {
		pc.carry(nil)
		pc.conn.Abort()
	}
	t.pc = nil
	t.sink.fail(err)
}

func (t *trip) stopPhaseTimers() {
	if t.hdrT != nil {
		t.hdrT.Stop()
		t.hdrT = nil
	}
	if t.connT != nil {
		t.connT.Stop()
		t.connT = nil
	}
	if t.expT != nil {
		t.expT.Stop()
		t.expT = nil
	}
}

func (t *trip) finish() {
	t.done = true
	if t.reqHead != nil {
		// Encoded, never written: the trip failed waiting in line.
		t.ls.putBuf(t.reqHead)
		t.reqHead = nil
	}
	t.stopPhaseTimers()
	if t.reqT != nil {
		t.reqT.Stop()
	}
	if t.stopCtx != nil {
		t.stopCtx()
	}
	if t.waiting != nil {
		t.waiting.unwait(t)
		t.waiting = nil
	}
}

// pause and resume apply a streaming sink's backpressure.
func (t *trip) pause() {
	if t.pc != nil && !t.done {
		t.pc.conn.PauseRead()
	}
}

func (t *trip) resume() {
	if t.pc != nil && !t.done {
		t.pc.conn.ResumeRead()
	}
}
