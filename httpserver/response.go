package httpserver

import (
	"strconv"
	"strings"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// ResponseWriter builds the response to one request. Its head is sent
// with the first body bytes beyond a small buffer, at Flush, or at End,
// whichever comes first; a response that ends with its whole body
// buffered gets a Content-Length, a longer one without a Content-Length
// set by the handler is sent chunked (or, to an HTTP/1.0 client, until
// the connection closes).
//
// The response ends when End is called or, unless Async was called, when
// everything holding it open has returned: ServeHTTP, and the callbacks
// of Request.OnBody, Request.ReadBody and Wait. Loop-only, like its
// Request; it must not be used after the response has ended.
type ResponseWriter struct {
	sc     *serverConn
	req    *Request
	header Header
	status int

	clen    int64 // Content-Length set by the handler, or -1
	written int64 // body bytes accepted
	buf     []byte
	pending []byte // output queued behind earlier responses

	holds      int
	onWritable func()
	ext        *respExt // what few responses need

	prepared   bool
	committed  bool
	ended      bool
	async      bool
	front      bool // first in the connection's queue: writes go out
	isHEAD     bool
	noBody     bool // status forbids a body
	chunked    bool
	untilClose bool
	closeAfter bool
	tunnel     bool // the request is a CONNECT: a 2xx response makes the connection a tunnel
	continued  bool // 100 Continue sent
	dead       bool // connection gone
	broken     bool // cut short: End must not complete the body's framing
	hooked     bool // a callback that may outlive the response was given: never recycle
}

// Header returns the response header, to change until the head is sent.
func (w *ResponseWriter) Header() *Header { return &w.header }

// WriteHeader sets the status code (default 200). Codes outside 200-599
// are replaced by 500: informational responses are the server's job.
// It has no effect once the head is sent.
func (w *ResponseWriter) WriteHeader(status int) {
	if w.committed || w.ended {
		return
	}
	if status < 200 || status > 599 {
		status = 500
	}
	w.status = status
}

// Status returns the status code set so far (200 if none).
func (w *ResponseWriter) Status() int {
	if w.status == 0 {
		return 200
	}
	return w.status
}

// Written returns the number of body bytes accepted so far.
func (w *ResponseWriter) Written() int64 { return w.written }

// Committed reports whether the head has been sent.
func (w *ResponseWriter) Committed() bool { return w.committed }

// Ended reports whether the response has ended.
func (w *ResponseWriter) Ended() bool { return w.ended }

// prepare fixes the status and framing inputs at the first write.
func (w *ResponseWriter) prepare() {
	if w.prepared {
		return
	}
	w.prepared = true
	if w.status == 0 {
		w.status = 200
	}
	w.noBody = w.status < 200 || w.status == 204 || w.status == 304
	w.clen = -1
	// One pass over the fields for Content-Length and Connection,
	// comparing names by length first.
	badLen := false
	seenLen := false
	for i := range w.header.fields {
		f := &w.header.fields[i]
		switch len(f.Name) {
		case len("Content-Length"):
			if !seenLen && strings.EqualFold(f.Name, "Content-Length") {
				seenLen = true
				n, err := strconv.ParseInt(f.Value, 10, 64)
				if err != nil || n < 0 {
					badLen = true
				} else {
					w.clen = n
				}
			}
		case len("Connection"):
			if !w.closeAfter && strings.EqualFold(f.Name, "Connection") && hasListToken(f.Value, "close") {
				w.closeAfter = true
			}
		}
	}
	if badLen {
		w.header.Del("Content-Length")
	}
}

// Write adds p to the body. It returns eddy.ErrQueueFull, having taken
// nothing, when the connection's write queue is full: wait for
// OnWritable and write again. Other errors: ErrResponseEnded (or
// ErrHandlerTimeout, when TimeoutHandler ended it), ErrBodyNotAllowed,
// ErrContentLength, ErrConnClosed. A response to HEAD
// counts the bytes and sends none.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.ext != nil && w.ext.filter != nil {
		return w.filterWrite(p)
	}
	if err := w.check(len(p)); err != nil {
		return 0, err
	}
	if !w.committed && len(w.buf)+len(p) <= bufferLimit {
		if w.buf == nil {
			w.buf = w.sc.takeBuf()
		}
		w.buf = append(w.buf, p...)
		w.written += int64(len(p))
		return len(p), nil
	}
	if !w.canWrite() {
		return 0, eddy.ErrQueueFull
	}
	if !w.committed {
		w.commit(false)
	}
	w.written += int64(len(p))
	w.body(p)
	return len(p), nil
}

// WriteString is Write for a string.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	if (w.ext == nil || w.ext.filter == nil) && !w.committed && len(w.buf)+len(s) <= bufferLimit {
		if err := w.check(len(s)); err != nil {
			return 0, err
		}
		if w.buf == nil {
			w.buf = w.sc.takeBuf()
		}
		w.buf = append(w.buf, s...)
		w.written += int64(len(s))
		return len(s), nil
	}
	return w.Write([]byte(s))
}

func (w *ResponseWriter) check(n int) error {
	if w.ended {
		return w.endedErr()
	}
	if w.dead {
		return ErrConnClosed
	}
	w.prepare()
	if w.noBody && n > 0 {
		return ErrBodyNotAllowed
	}
	if w.clen >= 0 && w.written+int64(n) > w.clen {
		return ErrContentLength
	}
	return nil
}

// canWrite reports whether output would be accepted now.
func (w *ResponseWriter) canWrite() bool {
	if w.front {
		return w.sc.writable()
	}
	return len(w.pending) < pendingLimit && (w.ext == nil || len(w.ext.segs) < 64)
}

// Flush sends the head, if not yet sent, and the buffered body.
func (w *ResponseWriter) Flush() error {
	if w.ended {
		return w.endedErr()
	}
	if w.dead {
		return ErrConnClosed
	}
	if f := w.filter(); f != nil {
		f.Flush(w.emit)
		if w.ended || w.dead {
			return nil
		}
	}
	w.prepare()
	if !w.committed {
		w.commit(false)
	}
	return nil
}

// OnWritable calls fn, once, when a write would be accepted again: after
// Write returned eddy.ErrQueueFull, this is the moment to go on. If
// writes are accepted now, fn runs soon, not inside OnWritable. If the
// connection closes first, fn runs too, and the next write reports
// ErrConnClosed; so it does if TimeoutHandler gives up on the response
// first, and the next write reports ErrHandlerTimeout.
func (w *ResponseWriter) OnWritable(fn func()) {
	w.hooked = true
	if w.dead || w.ended {
		w.sc.t.Defer(fn)
		return
	}
	w.onWritable = fn
	if w.canWrite() {
		w.sc.t.Defer(func() {
			if w.onWritable != nil {
				f := w.onWritable
				w.onWritable = nil
				f()
			}
		})
	}
}

// OnAbort calls fn if the connection closes before the response has
// ended, so that an asynchronous handler can cancel its work. Every
// callback registered is called, in order of registration (Wait
// registers one too). Called on a response whose connection has already
// gone, it calls fn soon (not inside OnAbort); on an ended response it
// does nothing.
func (w *ResponseWriter) OnAbort(fn func()) {
	switch {
	case w.ended:
	case w.dead:
		w.sc.t.Defer(fn)
	default:
		w.x().onAbort = append(w.x().onAbort, fn)
	}
}

// OnEnd calls fn once the response has ended and its bytes are queued
// for sending (for an access log, say), or once it has ended after its
// connection closed. Several calls run in order. Called on an ended
// response it calls fn at once.
func (w *ResponseWriter) OnEnd(fn func()) {
	if w.ended {
		fn()
		return
	}
	w.x().onEnd = append(w.x().onEnd, fn)
}

// runEnd runs the OnEnd callbacks, once.
func (w *ResponseWriter) runEnd() {
	if w.ext == nil {
		return
	}
	fns := w.ext.onEnd
	w.ext.onEnd = nil
	for _, fn := range fns {
		fn()
	}
}

// Async keeps the response open after ServeHTTP (and any body or Wait
// callback) has returned, until End is called.
func (w *ResponseWriter) Async() {
	if !w.async {
		w.async = true
		w.holds++
	}
}

// release drops one hold; the last ends the response.
func (w *ResponseWriter) release() {
	w.holds--
	if w.holds <= 0 {
		w.End()
	}
}

// End ends the response: it sends the head if not yet sent, the rest of
// the body and the end of a chunked body. A body shorter than the
// Content-Length the handler set makes the connection close afterwards.
// End on an ended response does nothing.
func (w *ResponseWriter) End() {
	if w.ended {
		return
	}
	w.closeFilter()
	r := w.req
	if w.dead {
		w.ended = true
		if r.cancel != nil {
			r.endContext(ErrConnClosed)
		}
		if w.ext != nil {
			w.ext.onAbort = nil
		}
		w.onWritable = nil
		w.runEnd()
		return
	}
	w.prepare()
	if r == w.sc.cur && !r.discardBody() {
		w.closeAfter = true
	}
	if !w.committed {
		w.commit(true)
	} else if w.chunked && !w.isHEAD && !w.broken {
		if w.ext != nil && w.ext.trailer != nil {
			tr := w.ext.trailer
			w.out(func(b []byte) []byte { return append(append(append(b, "0\r\n"...), tr...), "\r\n"...) })
		} else {
			w.out(func(b []byte) []byte { return append(b, "0\r\n\r\n"...) })
		}
	}
	if w.clen >= 0 && w.written < w.clen && !w.noBody && !w.isHEAD {
		w.closeAfter = true
	}
	if w.untilClose {
		w.closeAfter = true
	}
	w.ended = true
	if r.cancel != nil { // the one cost of contexts to a request that asks for none
		r.endContext(ErrResponseEnded)
	}
	w.onWritable = nil
	if w.ext != nil && w.ext.upgradeFn == nil {
		// A response that switches the connection keeps its OnAbort
		// callbacks until the switch: they run if the connection
		// closes first (connGone).
		w.ext.onAbort = nil
	}
	w.buf = nil
	if w.closeAfter {
		w.sc.closing = true
	}
	if w.sc.paused {
		w.sc.resume()
	}
	w.sc.advance()
	w.runEnd()
}

// out appends to the connection's output if the response is in front,
// or to its own queue otherwise.
func (w *ResponseWriter) out(fn func([]byte) []byte) {
	if w.front {
		w.sc.out = fn(w.sc.out)
		w.sc.outAdded()
		return
	}
	w.pending = fn(w.pending)
}

// body sends p as body bytes, framed.
func (w *ResponseWriter) body(p []byte) {
	if w.isHEAD || len(p) == 0 {
		return
	}
	w.out(func(b []byte) []byte {
		if w.chunked {
			return http1.AppendChunk(b, p)
		}
		return append(b, p...)
	})
}

// commit sends the head and the buffered body; final means the body is
// complete.
func (w *ResponseWriter) commit(final bool) {
	w.committed = true
	if w.closeAfter {
		w.sc.closing = true
	}
	r := w.req
	switch {
	case w.tunnel && w.status < 300:
		// A 2xx response to CONNECT makes the connection a tunnel
		// after its head, so it has no Content-Length or
		// Transfer-Encoding (RFC 9110 §9.3.6): the client, and any
		// proxy in between, take what follows for the target's
		// bytes. The server has no tunnel to offer: the handler's
		// body goes out until the connection closes, and the bytes
		// that followed the request are never parsed as HTTP (they
		// wait, see newRequest, and End closes).
		w.clen = -1
		w.untilClose = true
		w.closeAfter = true
	case w.noBody:
	case w.clen >= 0:
	case final:
		w.clen = int64(len(w.buf))
	case r.ProtoMinor >= 1:
		w.chunked = true
	default:
		w.untilClose = true
		w.closeAfter = true
	}
	if w.sc.closing && !w.closeAfter && w.isLast() {
		w.closeAfter = true
	}
	if !final && !w.closeAfter && r == w.sc.cur && r.bstate == bodyWaiting && r.closesUnread() {
		// The head goes before the end of a response whose handler
		// has not asked for the body: if it ends so, the connection
		// closes after it (see End), which only the head can tell.
		// A handler that reads the body after all just costs the
		// connection.
		w.closeAfter = true
		w.sc.closing = true
	}
	buf := w.buf
	w.buf = nil
	// Head and buffered body go out as one piece of the connection's
	// output, written once per batch (see serverConn.flush).
	if w.front {
		w.sc.out = w.appendCommit(w.sc.out, buf)
		w.sc.outAdded()
	} else {
		w.pending = w.appendCommit(w.pending, buf)
	}
	w.sc.putBuf(buf)
}

// appendCommit appends the head and the buffered body buf.
func (w *ResponseWriter) appendCommit(b, buf []byte) []byte {
	b = w.appendHead(b)
	if len(buf) > 0 && !w.isHEAD {
		if w.chunked {
			b = http1.AppendChunk(b, buf)
		} else {
			b = append(b, buf...)
		}
	}
	return b
}

// isLast reports whether no request follows this one on the connection.
func (w *ResponseWriter) isLast() bool {
	if w.sc.cur == w.req {
		return true
	}
	q := w.sc.queue
	return w.sc.cur == nil && len(q) > 0 && q[len(q)-1] == w.req
}

// appendHead appends the status line, the handler's fields and those
// the server adds: Date (unless the handler set one), the framing and
// Connection.
func (w *ResponseWriter) appendHead(b []byte) []byte {
	ls := w.sc.ls
	m := &ls.fields
	matched := m.match(w.header.fields)
	// A plain response (see headMemo) like the previous one, in the same
	// second, is the previous head again.
	plain := matched && !m.hasDate && w.status == 200 && !w.chunked && w.clen >= 0 &&
		!w.noBody && !w.closeAfter && w.req.ProtoMinor != 0
	now := w.sc.clock()
	sec := now.Unix()
	if h := &ls.head; plain && h.gen == m.gen && h.sec == sec && h.clen == w.clen {
		return append(b, h.head...)
	}
	start := len(b)
	if w.status == 200 {
		b = append(b, okLine...)
	} else {
		b, _ = http1.AppendStatusLine(b, w.status)
	}
	var hasDate bool
	if matched {
		b = append(b, m.lines...)
		hasDate = m.hasDate
	} else {
		at := len(b)
		b, hasDate = w.appendFields(b)
		m.store(w.header.fields, b[at:], hasDate)
	}
	if !hasDate {
		b = ls.date.AppendField(b, now)
	}
	switch {
	case w.chunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	case w.clen >= 0 && (!w.noBody || w.status == 304):
		b = append(b, "Content-Length: "...)
		b = appendLength(b, w.clen)
		b = append(b, '\r', '\n')
	}
	switch {
	case w.closeAfter:
		b = append(b, "Connection: close\r\n\r\n"...)
	case w.req.ProtoMinor == 0:
		b = append(b, "Connection: keep-alive\r\n\r\n"...)
	default:
		b = append(b, '\r', '\n')
	}
	if plain {
		ls.head.store(m.gen, sec, w.clen, b[start:])
	}
	return b
}

// appendFields appends the handler's fields, but for the framing ones
// and Connection, which the server sets, and any that is invalid; it
// reports whether one is a Date.
func (w *ResponseWriter) appendFields(b []byte) (_ []byte, hasDate bool) {
	for i := range w.header.fields {
		f := &w.header.fields[i]
		// Compare by length first: most names match none.
		switch len(f.Name) {
		case len("Date"):
			if strings.EqualFold(f.Name, "Date") {
				hasDate = true
			}
		case len("Content-Length"):
			if strings.EqualFold(f.Name, "Content-Length") {
				continue
			}
		case len("Transfer-Encoding"):
			if strings.EqualFold(f.Name, "Transfer-Encoding") {
				continue
			}
		case len("Connection"):
			if strings.EqualFold(f.Name, "Connection") {
				continue
			}
		}
		if nb, err := http1.AppendField(b, f.Name, f.Value); err == nil {
			b = nb
		}
	}
	return b, hasDate
}

// sendContinue sends the interim 100 (Continue) response.
func (w *ResponseWriter) sendContinue() {
	if w.continued || w.committed || w.ended {
		return
	}
	w.continued = true
	w.out(func(b []byte) []byte { return append(b, "HTTP/1.1 100 Continue\r\n\r\n"...) })
}

// abort replaces a response not yet committed with an error response and
// makes the connection close after it.
func (w *ResponseWriter) abort(status int) {
	w.reset(0)
	w.status = status
	w.closeAfter = true
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.prepare()
	text := http1.StatusText(status)
	w.buf = append(w.buf, text...)
	w.buf = append(w.buf, '\n')
	w.written = int64(len(w.buf)) // to HEAD, only its length is sent
	w.async = false
	w.End()
}

// reset drops what a response not yet committed holds (header, status,
// buffered body, body filter), for a response that replaces it; the
// first keep header fields stay (see ServeTimeout).
func (w *ResponseWriter) reset(keep int) {
	w.dropFilter()
	if w.header.own == &w.header {
		keep = min(keep, len(w.header.fields))
		clear(w.header.fields[keep:])
		w.header.fields = w.header.fields[:keep]
	} else {
		// A Header the handler put there (*w.Header() = h) keeps its
		// fields: the new response starts a Header of its own.
		w.header = Header{}
	}
	w.buf = w.buf[:0]
	w.written = 0
	w.status = 0
	w.prepared = false
}

// dropFilter removes the body filter, if any, and closes it with what
// it holds dropped, for a response that is replaced or cut short. The
// filter's Close sees the response as one whose connection has gone:
// else what it does there reaches the client, such as a gzip filter's
// Flush of a HEAD response that sends the head it would have made (a
// 200 with Content-Encoding) in place of the replacement.
func (w *ResponseWriter) dropFilter() {
	f := w.filter()
	if f == nil {
		return
	}
	w.ext.filter = nil
	dead := w.dead
	w.dead = true
	f.Close(func([]byte) {})
	w.dead = dead
}

// endedErr is what a write to an ended response reports.
func (w *ResponseWriter) endedErr() error {
	if w.ext != nil && w.ext.timedOut {
		return ErrHandlerTimeout
	}
	return ErrResponseEnded
}

// fail ends a response its handler could not finish (it panicked): with
// a 500 if nothing was sent, and otherwise by closing the connection
// after what was sent, without the end of a chunked body, so that the
// client sees the response cut short.
func (w *ResponseWriter) fail() {
	switch {
	case w.dead:
		w.End()
	case w.ended:
		w.sc.closing = true
		w.sc.advance()
	case !w.committed:
		w.abort(500)
	default:
		w.broken = true
		w.closeAfter = true
		w.End()
	}
}

// drop ends a response its handler abandoned (a net/http handler that
// panicked with http.ErrAbortHandler): what of it was not sent is
// dropped, nothing more is sent, and the connection closes after the
// responses before it, so that the client sees no response or one cut
// short, as net/http's server does it.
func (w *ResponseWriter) drop() {
	if w.ended || w.dead {
		w.fail()
		return
	}
	w.dropFilter()
	if !w.committed {
		w.prepare()
		w.committed = true
		w.sc.putBuf(w.buf)
		w.buf = nil
	}
	w.broken = true
	w.closeAfter = true
	w.End()
}

// recoverPanic, deferred around a handler's code, fails the response
// if that code panicked; the loop then reports the panic like one in any
// loop callback, from a callback of its own.
func (w *ResponseWriter) recoverPanic() {
	if v := recover(); v != nil {
		w.panicked(v)
	}
}

// panicked fails the response whose handler code panicked with v and
// hands the panic to the loop, from a callback of its own, to be
// reported like one in any loop callback.
func (w *ResponseWriter) panicked(v any) {
	w.fail()
	w.sc.t.Defer(func() { panic(v) })
}

// connGone marks the response as having lost its connection.
func (w *ResponseWriter) connGone() {
	w.dead = true
	if w.req.cancel != nil {
		w.req.endContext(ErrConnClosed)
	}
	w.pending = nil
	w.buf = nil
	if w.ext == nil {
		w.gone()
		return
	}
	for _, s := range w.ext.segs {
		if s.done != nil {
			s.done()
		}
	}
	w.ext.segs = nil
	if fns := w.ext.onAbort; len(fns) > 0 && (!w.ended || w.ext.upgradeFn != nil) {
		w.ext.onAbort = nil
		for _, fn := range fns {
			fn()
		}
	}
	w.gone()
}

// gone defers the OnWritable callback of a response whose connection
// has gone.
func (w *ResponseWriter) gone() {
	if fn := w.onWritable; fn != nil {
		w.onWritable = nil
		w.sc.t.Defer(fn)
	}
}

// respExt holds the state of a response that few responses need.
type respExt struct {
	onAbort   []func()
	onEnd     []func()
	filter    BodyFilter
	segs      []segment   // file regions queued behind earlier responses, before pending
	upgradeFn UpgradeFunc // set by Upgrade until the switch
	trailer   []byte      // trailer field lines, sent after a chunked body (Std)
	timedOut  bool        // ended by ServeTimeout: writes report ErrHandlerTimeout
}

// x returns the response's respExt, allocating it.
func (w *ResponseWriter) x() *respExt {
	if w.ext == nil {
		w.ext = &respExt{}
	}
	return w.ext
}

// filter returns the body filter, or nil.
func (w *ResponseWriter) filter() BodyFilter {
	if w.ext == nil {
		return nil
	}
	return w.ext.filter
}

// upgrading returns the upgrade function set by Upgrade, or nil.
func (w *ResponseWriter) upgrading() UpgradeFunc {
	if w.ext == nil {
		return nil
	}
	return w.ext.upgradeFn
}

// okLine is the status line of a 200 response.
const okLine = "HTTP/1.1 200 OK\r\n"

// appendLength appends n in decimal, digit by digit for the small
// values most bodies have.
func appendLength(b []byte, n int64) []byte {
	switch {
	case n < 0 || n >= 100000:
		return strconv.AppendInt(b, n, 10)
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, byte('0'+n/10), byte('0'+n%10))
	case n < 1000:
		return append(b, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10))
	case n < 10000:
		return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	}
	return append(b, byte('0'+n/10000), byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}
