package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// stdBufferLimit bounds the bytes in flight each way between a net/http
// handler's goroutine and the loop: past it, the goroutine's writes block
// and the request body's reading pauses.
const stdBufferLimit = 256 << 10

// Std adapts a net/http handler: each request runs h in the loop's worker
// pool, so h may block, stream its response and read the body as it
// arrives. The http.ResponseWriter and Request.Body it gets are bridged
// to the loop, with backpressure both ways: writes block while 256 KiB
// are still unsent, and the body pauses when 256 KiB are unread. The
// worker pool bounds how many such requests run at once; the others wait
// for a worker.
//
// What a handler and its client see is what net/http's server gives
// them: the writer gathers writes as net/http's does (2 KiB) and sniffs
// a Content-Type from them when the handler set none (not with a
// Content-Encoding, nor when the key is present with no value); writes
// past the Content-Length the handler set fail with http.ErrContentLength,
// and writes to a 204 or 304 with http.ErrBodyNotAllowed; WriteHeader
// with a 1xx code other than 101 sends an interim response carrying the
// header as it is then, and a second final WriteHeader is logged
// (log/slog) and ignored. The writer implements http.Flusher and
// http.Hijacker (so WebSocket libraries written for net/http, and
// httputil.ReverseProxy's upgrades, work), and through
// http.ResponseController, Flush, Hijack, SetReadDeadline,
// SetWriteDeadline (a
// body read or a write that would wait past it fails with an error
// matching os.ErrDeadlineExceeded, and a response whose write failed so
// is cut short) and EnableFullDuplex. Trailers, declared in the Trailer
// field or named with http.TrailerPrefix, follow a chunked body, and the
// request's are in its Trailer once its body has been read to the end.
// The request has net/http's Host, RequestURI, URL (absolute-form
// targets and "*" included), Close, ContentLength (-1 when chunked) and
// TransferEncoding, with Host, Transfer-Encoding and a chunked body's
// Trailer taken out of its Header; its context has the values of the
// request's (Request.Context, and so Server.BaseContext's) and
// http.LocalAddrContextKey, and ends when the handler returns or, first,
// when the request's context ends (the connection closes, TimeoutHandler
// gives up), with the same cause (context.Cause); after Hijack, only
// when the handler returns. Reads of the body after Close, or once the handler
// has returned, fail with http.ErrBodyReadAfterClose. Server.Shutdown
// waits for a handler only while its connection is open: a handler whose
// client has gone, one still waiting for a worker then, and every one
// still running when Shutdown's context ends (which closes their
// connections) may run on after Shutdown has returned, their writes
// failing and their contexts ended with ErrConnClosed (but for one that
// hijacked its connection), so a handler that must not outlive the
// server watches its context. "OPTIONS *" is
// answered 200 without calling h, as net/http's server does. A handler
// that panics with http.ErrAbortHandler has its connection closed with
// nothing more sent, and nothing logged.
//
// Deliberate differences from net/http's server:
//   - Hijack (http.Hijacker, ResponseController.Hijack) must come
//     before anything of the response is written, and the request must
//     have been received whole with no request after it; otherwise it
//     fails with ErrNotHijackable (net/http flushes what was written and
//     hijacks). The net.Conn it returns is served by the loop
//     (eddy.NetConn), and the handler leaves the worker pool. The writer
//     is not an io.ReaderFrom: io.Copy goes through Write.
//   - A handler that panics with anything else is logged and gets a 500,
//     if nothing of its response was sent, where net/http closes the
//     connection without a response.
//   - Std is always full duplex: the body stays readable after the
//     response has begun, where net/http drops it unless the handler
//     calls EnableFullDuplex.
//   - Responses up to 16 KiB that end unflushed get a Content-Length
//     (net/http: up to 2 KiB); longer ones are chunked, and so is a HEAD
//     response whose handler wrote more than that, with no chunk sent.
//   - A trailer named with http.TrailerPrefix makes the body chunked, so
//     that it is sent; net/http drops it from a body it had already
//     given a Content-Length.
//   - http.MaxBytesReader cannot tell Std that its limit was hit, so
//     the connection closes only if the rest of the body is too long to
//     discard (see the package documentation), not always.
//   - An HTTP/1.0 client gets no interim (1xx) responses; the context
//     holds no http.ServerContextKey, there being no http.Server.
func Std(h http.Handler) Handler { return stdHandler{h} }

type stdHandler struct{ h http.Handler }

func (s stdHandler) ServeHTTP(w *ResponseWriter, r *Request) {
	if r.Method == "OPTIONS" && r.Target == "*" {
		// net/http's server answers these itself, without the handler.
		w.Header().Set("Content-Length", "0")
		return
	}
	hr, err := stdRequest(r)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	l := r.Loop()
	// The handler's context is the request's: it ends with it (the
	// connection closes, TimeoutHandler gives up), with its cause, or
	// when the handler returns, as net/http's does. cancel is the
	// request's own, kept here so that the handler's goroutine can call
	// it (a CancelCauseFunc is safe anywhere; the first cause wins).
	// Hijack ends the response but not the handler: hijackOnLoop takes
	// the cancel away from the request, for the handler's return alone
	// to end the context.
	ctx := r.Context()
	cancel := r.cancel
	if cancel == nil { // already ended
		cancel = func(error) {}
	}
	if g, ok := r.sc.t.(*connGlue); ok {
		if la := g.localAddr(); la != nil {
			ctx = context.WithValue(ctx, http.LocalAddrContextKey, la)
		}
	}
	b := &stdBridge{l: l, w: w, r: r, header: make(http.Header), cancel: cancel, clen: -1}
	b.cond.L = &b.mu
	if r.HasBody() {
		hr.Body = (*stdBody)(b)
	}
	hr = hr.WithContext(ctx)
	b.hr = hr
	w.Async()
	w.OnAbort(b.abort)
	eddy.WorkDetachable(l, func(detach func()) (struct{}, error) {
		b.detach = detach
		b.run(s.h, hr)
		return struct{}{}, nil
	}, func(struct{}, error) {})
}

// stdRequest converts a request to net/http's form.
func stdRequest(r *Request) (*http.Request, error) {
	var u *url.URL
	var err error
	switch {
	case r.Method == "CONNECT" && len(r.Target) > 0 && r.Target[0] != '/':
		u = &url.URL{Host: r.Target}
	case r.Target == "*":
		u = &url.URL{Path: "*"}
	default:
		u, err = url.ParseRequestURI(r.Target)
		if err != nil {
			return nil, err
		}
	}
	hr := &http.Request{
		Method:        r.Method,
		URL:           u,
		Proto:         fmt.Sprintf("HTTP/1.%d", r.ProtoMinor),
		ProtoMajor:    1,
		ProtoMinor:    r.ProtoMinor,
		Header:        make(http.Header, r.Header.Len()),
		Body:          http.NoBody,
		ContentLength: r.ContentLength,
		Host:          r.Host,
		RequestURI:    r.Target,
	}
	if a := r.RemoteAddr(); a != nil {
		hr.RemoteAddr = a.String()
	}
	if r.Chunked {
		hr.TransferEncoding = []string{"chunked"}
	}
	for name, value := range r.Header.All() {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Transfer-Encoding":
			// net/http moves these to Host and TransferEncoding.
			continue
		}
		hr.Header.Add(name, value)
	}
	hr.Close = stdShouldClose(r.ProtoMinor, hr.Header["Connection"])
	if !r.Chunked {
		// A Trailer field without a chunked body stays a plain field.
		return hr, nil
	}
	// Declared trailers get their keys now and their values at the
	// body's end, as net/http does, which also takes the Trailer field
	// out of the header and refuses framing fields as trailers.
	for k := range declaredTrailers(hr.Header) {
		switch k {
		case "Transfer-Encoding", "Trailer", "Content-Length":
			return nil, fmt.Errorf("httpserver: bad trailer key %q", k)
		}
		if hr.Trailer == nil {
			hr.Trailer = make(http.Header)
		}
		hr.Trailer[k] = nil
	}
	delete(hr.Header, "Trailer")
	return hr, nil
}

// stdShouldClose reports whether a request asks for its connection to
// close after the response, as net/http sets Request.Close: HTTP/1.0
// without "keep-alive", or the "close" option.
func stdShouldClose(minor int, conn []string) bool {
	hasClose := hasListTokens(conn, "close")
	if minor == 0 {
		return hasClose || !hasListTokens(conn, "keep-alive")
	}
	return hasClose
}

// hasListTokens reports whether one of the comma-separated lists vs
// holds token, ignoring case.
func hasListTokens(vs []string, token string) bool {
	for _, v := range vs {
		if hasListToken(v, token) {
			return true
		}
	}
	return false
}

// declaredTrailers yields the field names the Trailer fields of h
// declare, canonical.
func declaredTrailers(h http.Header) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, v := range h["Trailer"] {
			for k := range strings.SplitSeq(v, ",") {
				if k = textproto.TrimString(k); k != "" && !yield(http.CanonicalHeaderKey(k)) {
					return
				}
			}
		}
	}
}

// Operation kinds from the handler's goroutine to the loop.
const (
	opWrite = iota
	opFlush
	opEnd
	opAbort
	opDrop
	opInterim
	opStartBody
	opResumeBody
	opHijack
)

type stdOp struct {
	kind   int
	status int         // opInterim
	header http.Header // opInterim
	data   []byte
}

// stdBufferSize is how much of a response a net/http handler's writes
// gather before they go to the loop: net/http's own buffer, so that
// Content-Type is sniffed from the same bytes.
const stdBufferSize = 2048

// stdBufPool recycles the writers that gather a handler's writes.
var stdBufPool sync.Pool

// stdBridge joins a net/http handler's goroutine to the loop. Fields
// under mu are shared; the others belong to the loop.
type stdBridge struct {
	l      *eddy.Loop
	w      *ResponseWriter
	r      *Request
	hr     *http.Request // the handler's: its Trailer is filled on its goroutine
	cancel context.CancelCauseFunc
	detach func() // gives the handler's worker back to the pool (Hijack)

	mu        sync.Mutex
	cond      sync.Cond
	ops       []stdOp
	scheduled bool  // a drain is posted or running
	inflight  int   // response bytes not yet taken by the loop
	dead      bool  // connection closed or response over
	deadErr   error // why the loop refused a write, if it did: what later writes report

	// response state, goroutine side
	header      http.Header
	wroteHeader bool
	code        int   // the status, once WriteHeader has run
	clen        int64 // the Content-Length the handler set, or -1
	written     int64 // body bytes the handler wrote, as net/http counts them
	bw          *bufio.Writer
	headerDone  bool // the header is final: Content-Type was sniffed
	writeFailed bool // a write passed the write deadline

	// the response's status and header as of WriteHeader, under mu
	status int
	sent   http.Header

	// deadlines set through http.ResponseController, under mu
	readDL, writeDL stdDeadline

	// body state, shared under mu
	pieces  [][]byte
	size    int
	bodyErr error
	trailer http.Header // the body's trailers, once it has ended
	started bool
	paused  bool
	closed  bool // the handler closed the body or returned: reads fail

	// Hijack's outcome, under mu: the connection, once handed over, or
	// the error that refused it; hijacked is goroutine side.
	hjConn   net.Conn
	hjErr    error
	hijacked bool
}

// run runs the handler on a worker goroutine.
func (b *stdBridge) run(h http.Handler, hr *http.Request) {
	defer b.cancel(context.Canceled)
	defer func() {
		b.readDL.stop(b)
		b.writeDL.stop(b)
		if b.hijacked {
			// The connection is the handler's: the server sends
			// nothing more, and a panic is the handler's own.
			b.releaseBuffer()
			b.closeBody()
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				slog.Error("httpserver: panic in net/http handler after Hijack", "panic", v)
			}
			return
		}
		if v := recover(); v != nil {
			b.releaseBuffer()
			b.closeBody()
			if v == http.ErrAbortHandler {
				// net/http drops the connection without a word.
				b.push(stdOp{kind: opDrop})
				return
			}
			slog.Error("httpserver: panic in net/http handler", "panic", v)
			b.push(stdOp{kind: opAbort})
			return
		}
		sw := (*stdWriter)(b)
		if !b.wroteHeader {
			sw.WriteHeader(200)
		}
		if b.bw != nil {
			b.bw.Flush()
			b.releaseBuffer()
		}
		b.finishHeader(nil)
		b.closeBody()
		if b.writeFailed {
			b.push(stdOp{kind: opDrop})
			return
		}
		b.push(stdOp{kind: opEnd, data: b.trailers()})
	}()
	h.ServeHTTP((*stdWriter)(b), hr)
}

// releaseBuffer returns the write buffer to its pool.
func (b *stdBridge) releaseBuffer() {
	if b.bw != nil {
		b.bw.Reset(nil)
		stdBufPool.Put(b.bw)
		b.bw = nil
	}
}

// closeBody makes the request body unreadable, as net/http does once
// the handler has returned.
func (b *stdBridge) closeBody() {
	b.mu.Lock()
	b.closed = true
	b.pieces = nil
	b.size = 0
	b.cond.Broadcast()
	b.mu.Unlock()
}

// trailers encodes the handler's trailer fields, those the Trailer
// field declared and those named with http.TrailerPrefix, or returns nil.
// Goroutine side, once the handler has returned.
func (b *stdBridge) trailers() []byte {
	var out []byte
	add := func(name string, values []string) {
		for _, v := range values {
			if nb, err := http1.AppendField(out, name, v); err == nil {
				out = nb
			}
		}
	}
	for k := range declaredTrailers(b.header) {
		add(k, b.header[k])
	}
	for k, vs := range b.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			add(name, vs)
		}
	}
	return out
}

// push queues op for the loop, posting a drain if none is pending.
func (b *stdBridge) push(op stdOp) bool {
	b.mu.Lock()
	if b.dead && op.kind != opEnd && op.kind != opAbort && op.kind != opDrop {
		b.mu.Unlock()
		return false
	}
	b.ops = append(b.ops, op)
	post := !b.scheduled
	b.scheduled = true
	b.mu.Unlock()
	if post && b.l.Post(b.drain) != nil {
		b.abort() // the loop has stopped
	}
	return true
}

// abort runs on the loop when the connection closes first, or on the
// handler's goroutine when the loop has stopped.
func (b *stdBridge) abort() {
	b.mu.Lock()
	b.dead = true
	if b.bodyErr == nil {
		b.bodyErr = ErrConnClosed
	}
	if b.hjErr == nil && b.hjConn == nil {
		b.hjErr = ErrConnClosed // for a Hijack waiting for the switch
	}
	b.cond.Broadcast()
	b.mu.Unlock()
	b.cancel(ErrConnClosed)
}

// drain applies the queued operations on the loop, in order, until one
// must wait for the connection to become writable.
func (b *stdBridge) drain() {
	for {
		b.mu.Lock()
		if len(b.ops) == 0 {
			b.scheduled = false
			b.mu.Unlock()
			return
		}
		op := b.ops[0]
		b.mu.Unlock()
		w := b.w
		switch op.kind {
		case opWrite:
			if !b.headerSent() {
				b.applyHeader()
			}
			_, err := w.Write(op.data)
			if errors.Is(err, eddy.ErrQueueFull) {
				w.OnWritable(b.drain)
				return
			}
			b.mu.Lock()
			b.inflight -= len(op.data)
			if err != nil {
				b.refused(err)
			}
			b.cond.Broadcast()
			b.mu.Unlock()
		case opFlush:
			b.applyHeader()
			if err := w.Flush(); err != nil {
				b.mu.Lock()
				b.refused(err)
				b.mu.Unlock()
			}
		case opInterim:
			if !w.ended && !w.dead {
				var h Header
				for _, name := range slices.Sorted(maps.Keys(op.header)) {
					for _, v := range op.header[name] {
						h.Add(name, v)
					}
				}
				w.WriteInterim(op.status, &h)
			}
		case opEnd:
			b.applyHeader()
			if op.data != nil {
				// Trailers need a chunked body, as with net/http.
				if !w.committed {
					w.Flush()
				}
				w.x().trailer = op.data
			}
			b.finish()
			w.End()
		case opAbort, opDrop:
			b.finish()
			switch {
			case w.ended:
				// TimeoutHandler answered for the handler long
				// ago: the connection has gone on, and the
				// handler's end is nothing to it any more, as
				// with net/http's TimeoutHandler.
			case op.kind == opAbort:
				w.fail()
			default:
				w.drop()
			}
		case opStartBody:
			b.startBody()
		case opResumeBody:
			b.r.ResumeBody()
		case opHijack:
			b.hijackOnLoop()
		}
		b.mu.Lock()
		b.ops = b.ops[1:]
		b.mu.Unlock()
	}
}

// refused records that the response takes no more writes, because of
// err (ErrHandlerTimeout, when TimeoutHandler gave up on it): the
// handler's later writes and flushes report it. Called with mu held.
func (b *stdBridge) refused(err error) {
	b.dead = true
	if b.deadErr == nil {
		b.deadErr = err
	}
}

func (b *stdBridge) finish() {
	b.mu.Lock()
	b.dead = true
	b.closed = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// headerSent reports whether the header was applied to the response.
func (b *stdBridge) headerSent() bool { return b.w.prepared || b.w.ended }

// applyHeader copies the handler's header and status, as of
// WriteHeader, once.
func (b *stdBridge) applyHeader() {
	w := b.w
	if w.prepared || w.ended {
		return
	}
	b.mu.Lock()
	status, h := b.status, b.sent
	b.mu.Unlock()
	for name, values := range h {
		for _, v := range values {
			w.header.Add(name, v)
		}
	}
	w.WriteHeader(status)
	w.prepare()
}

// startBody starts reading the request body into the pipe.
func (b *stdBridge) startBody() {
	if w := b.w; w.ended || w.dead {
		// The response is over before the handler asked for the body
		// (TimeoutHandler gave up on it): the server drops the body,
		// or has, and the handler must not take what it would read
		// for the whole body.
		err := ErrConnClosed
		if w.ended {
			err = w.endedErr()
		}
		b.mu.Lock()
		if b.bodyErr == nil {
			b.bodyErr = err
		}
		b.cond.Broadcast()
		b.mu.Unlock()
		return
	}
	b.r.OnBody(func(p []byte) {
		b.mu.Lock()
		if !b.closed {
			b.pieces = append(b.pieces, append([]byte(nil), p...))
			b.size += len(p)
		}
		pause := b.size >= stdBufferLimit && !b.paused
		if pause {
			b.paused = true
		}
		b.cond.Broadcast()
		b.mu.Unlock()
		if pause {
			b.r.PauseBody()
		}
	}, func(err error) {
		var trailer http.Header
		if err == nil {
			for name, value := range b.r.Trailers().All() {
				if trailer == nil {
					trailer = make(http.Header)
				}
				trailer.Add(name, value)
			}
		}
		b.mu.Lock()
		b.trailer = trailer
		if err == nil {
			err = io.EOF
		}
		if b.bodyErr == nil {
			b.bodyErr = err
		}
		b.cond.Broadcast()
		b.mu.Unlock()
	})
}

// stdWriter is the http.ResponseWriter a net/http handler gets.
type stdWriter stdBridge

func (sw *stdWriter) Header() http.Header { return sw.header }

// WriteHeader follows net/http: a code outside 100-999 panics, a second
// call is logged and ignored, and 1xx codes other than 101 send an
// interim response with the header as it is now.
func (sw *stdWriter) WriteHeader(code int) {
	b := (*stdBridge)(sw)
	if b.hijacked {
		slog.Warn("httpserver: response.WriteHeader on hijacked connection")
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if b.wroteHeader {
		if _, file, line, ok := runtime.Caller(1); ok {
			slog.Warn("httpserver: superfluous response.WriteHeader call", "from", file+":"+strconv.Itoa(line))
		} else {
			slog.Warn("httpserver: superfluous response.WriteHeader call")
		}
		return
	}
	if code >= 100 && code <= 199 && code != 101 {
		h := b.header.Clone()
		delete(h, "Content-Length")
		delete(h, "Transfer-Encoding")
		b.push(stdOp{kind: opInterim, status: code, header: h})
		return
	}
	b.wroteHeader = true
	b.code = code
	if cl := b.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			b.clen = n
		} else {
			b.header.Del("Content-Length")
		}
	}
	b.mu.Lock()
	b.status = code
	b.sent = b.header.Clone() // the handler's map is its own again
	b.mu.Unlock()
}

// bodyAllowed reports whether the status allows a body.
func (b *stdBridge) bodyAllowed() bool { return b.code != 204 && b.code != 304 }

// check does what net/http does before taking n body bytes: it counts
// them, and refuses them with http.ErrBodyNotAllowed or
// http.ErrContentLength.
func (b *stdBridge) check(n int) error {
	if !b.wroteHeader {
		(*stdWriter)(b).WriteHeader(200)
	}
	if !b.bodyAllowed() {
		return http.ErrBodyNotAllowed
	}
	b.written += int64(n)
	if b.clen >= 0 && b.written > b.clen {
		return http.ErrContentLength
	}
	if b.bw == nil {
		if v := stdBufPool.Get(); v != nil {
			b.bw = v.(*bufio.Writer)
			b.bw.Reset((*stdSink)(b))
		} else {
			b.bw = bufio.NewWriterSize((*stdSink)(b), stdBufferSize)
		}
	}
	return nil
}

func (sw *stdWriter) Write(p []byte) (int, error) {
	b := (*stdBridge)(sw)
	if b.hijacked {
		return 0, http.ErrHijacked
	}
	if len(p) == 0 {
		if !b.wroteHeader {
			sw.WriteHeader(200)
		}
		return 0, nil
	}
	if err := b.check(len(p)); err != nil {
		return 0, err
	}
	return b.bw.Write(p)
}

// WriteString is Write for a string, as net/http's writer has it.
func (sw *stdWriter) WriteString(s string) (int, error) {
	b := (*stdBridge)(sw)
	if b.hijacked {
		return 0, http.ErrHijacked
	}
	if len(s) == 0 {
		if !b.wroteHeader {
			sw.WriteHeader(200)
		}
		return 0, nil
	}
	if err := b.check(len(s)); err != nil {
		return 0, err
	}
	return b.bw.WriteString(s)
}

// Flush sends what was written so far.
func (sw *stdWriter) Flush() { sw.FlushError() }

// FlushError is Flush that reports a connection that has gone; it is
// what http.ResponseController.Flush calls.
func (sw *stdWriter) FlushError() error {
	b := (*stdBridge)(sw)
	if b.hijacked {
		return http.ErrHijacked
	}
	if !b.wroteHeader {
		sw.WriteHeader(200)
	}
	if b.bw != nil {
		if err := b.bw.Flush(); err != nil {
			return err
		}
	}
	b.finishHeader(nil)
	if !b.push(stdOp{kind: opFlush}) {
		return b.deadError()
	}
	return nil
}

// EnableFullDuplex is for http.ResponseController: Std always lets a
// handler read the request body while it writes the response.
func (sw *stdWriter) EnableFullDuplex() error { return nil }

// SetReadDeadline is for http.ResponseController: a read of the request
// body that would wait past t fails with an error matching
// os.ErrDeadlineExceeded. The zero time means no deadline.
func (sw *stdWriter) SetReadDeadline(t time.Time) error {
	b := (*stdBridge)(sw)
	b.readDL.set(b, t)
	return nil
}

// SetWriteDeadline is for http.ResponseController: a write that would
// wait for the client past t fails with an error matching
// os.ErrDeadlineExceeded. The zero time means no deadline.
func (sw *stdWriter) SetWriteDeadline(t time.Time) error {
	b := (*stdBridge)(sw)
	b.writeDL.set(b, t)
	return nil
}

// finishHeader fixes the header at the first body bytes to go out, or
// at a flush or the end: like net/http, it sniffs a Content-Type from
// those bytes when the handler set none. Goroutine side.
func (b *stdBridge) finishHeader(p []byte) {
	if b.headerDone {
		return
	}
	b.headerDone = true
	b.mu.Lock()
	h := b.sent
	if _, ok := h["Content-Type"]; !ok && len(p) > 0 && b.bodyAllowed() &&
		h.Get("Content-Encoding") == "" && h.Get("Transfer-Encoding") == "" {
		h.Set("Content-Type", http.DetectContentType(p))
	}
	b.mu.Unlock()
}

// stdSink takes the handler's gathered writes to the loop.
type stdSink stdBridge

func (sk *stdSink) Write(p []byte) (int, error) {
	b := (*stdBridge)(sk)
	b.finishHeader(p)
	b.mu.Lock()
	for b.inflight >= stdBufferLimit && !b.dead && !b.writeDL.passed {
		b.cond.Wait()
	}
	if b.dead {
		err := b.deadErrLocked()
		b.mu.Unlock()
		return 0, err
	}
	if b.writeDL.passed {
		b.mu.Unlock()
		// As when net/http's connection times out, the response is
		// cut short: the client must not take it for a whole one.
		b.writeFailed = true
		return 0, errStdDeadline
	}
	b.inflight += len(p)
	b.mu.Unlock()
	if !b.push(stdOp{kind: opWrite, data: append([]byte(nil), p...)}) {
		return 0, b.deadError()
	}
	return len(p), nil
}

// deadError is what a write reports once the response takes no more:
// the loop's reason, or ErrConnClosed.
func (b *stdBridge) deadError() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.deadErrLocked()
}

// deadErrLocked is deadError with mu held.
func (b *stdBridge) deadErrLocked() error {
	if b.deadErr != nil {
		return b.deadErr
	}
	return ErrConnClosed
}

// stdBody is the request body a net/http handler reads.
type stdBody stdBridge

func (sb *stdBody) Read(p []byte) (int, error) {
	b := (*stdBridge)(sb)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, http.ErrBodyReadAfterClose
	}
	if !b.started {
		b.started = true
		b.mu.Unlock()
		ok := b.push(stdOp{kind: opStartBody})
		b.mu.Lock()
		if !ok && b.bodyErr == nil {
			// The response takes nothing more (its writes were
			// refused): the loop will not read the body for it.
			b.bodyErr = b.deadErrLocked()
		}
	}
	for len(b.pieces) == 0 && b.bodyErr == nil && !b.closed && !b.readDL.passed {
		b.cond.Wait()
	}
	if b.closed {
		b.mu.Unlock()
		return 0, http.ErrBodyReadAfterClose
	}
	if len(b.pieces) == 0 && b.bodyErr == nil {
		b.mu.Unlock()
		return 0, errStdDeadline
	}
	if len(b.pieces) == 0 {
		err := b.bodyErr
		trailer := b.trailer
		b.trailer = nil
		b.mu.Unlock()
		if err == io.EOF && trailer != nil {
			// At the end of the body, on the handler's goroutine, as
			// net/http fills it.
			if b.hr.Trailer == nil {
				b.hr.Trailer = make(http.Header, len(trailer))
			}
			maps.Copy(b.hr.Trailer, trailer)
		}
		return 0, err
	}
	n := copy(p, b.pieces[0])
	if n == len(b.pieces[0]) {
		b.pieces[0] = nil
		b.pieces = b.pieces[1:]
	} else {
		b.pieces[0] = b.pieces[0][n:]
	}
	b.size -= n
	resume := b.paused && b.size < stdBufferLimit/2
	if resume {
		b.paused = false
	}
	b.mu.Unlock()
	if resume {
		b.push(stdOp{kind: opResumeBody})
	}
	return n, nil
}

// Close makes later reads fail with http.ErrBodyReadAfterClose; the
// rest of the body is dropped.
func (sb *stdBody) Close() error {
	(*stdBridge)(sb).closeBody()
	return nil
}

// errStdDeadline is what a body read or a write past a deadline set
// through http.ResponseController returns.
var errStdDeadline error = &stdDeadlineError{}

// stdDeadlineError matches os.ErrDeadlineExceeded, as the net package's
// timeouts do.
type stdDeadlineError struct{}

func (*stdDeadlineError) Error() string   { return "httpserver: i/o timeout" }
func (*stdDeadlineError) Timeout() bool   { return true }
func (*stdDeadlineError) Temporary() bool { return true }
func (*stdDeadlineError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}

// stdDeadline is a read or write deadline of a net/http handler: a timer
// that wakes the waiters when it passes. Fields under the bridge's mu.
type stdDeadline struct {
	timer  *time.Timer
	passed bool
}

// set moves the deadline to t (zero: none). Goroutine side.
func (d *stdDeadline) set(b *stdBridge, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.passed = false
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		d.passed = true
		b.cond.Broadcast()
		return
	}
	var timer *time.Timer
	timer = time.AfterFunc(dur, func() {
		b.mu.Lock()
		if d.timer == timer {
			d.passed = true
			d.timer = nil
			b.cond.Broadcast()
		}
		b.mu.Unlock()
	})
	d.timer = timer
}

// stop ends the deadline's timer, once the handler has returned.
func (d *stdDeadline) stop(b *stdBridge) {
	b.mu.Lock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	b.mu.Unlock()
}

// Hijack is http.Hijacker's (and http.ResponseController.Hijack's): it
// takes the connection from the server and gives it to the handler, as a
// net.Conn that the loop still serves (eddy.NetConn), with a
// bufio.ReadWriter over it whose reader starts with any bytes of the
// request body the handler has not read and then the bytes the client
// sent after the request. The server sends nothing more on it, and the
// handler's goroutine leaves the worker pool, so that a connection kept
// for long (a WebSocket) does not hold a worker. The writer's methods
// then fail with http.ErrHijacked. It must come before anything of the
// response is written, and the request must have been received whole,
// with no request after it (ErrNotHijackable otherwise, matched with
// errors.Is); it waits for the responses to earlier pipelined requests
// to be sent.
func (sw *stdWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	b := (*stdBridge)(sw)
	if b.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if b.wroteHeader || b.bw != nil {
		return nil, nil, ErrNotHijackable
	}
	b.mu.Lock()
	b.hjConn, b.hjErr = nil, nil
	b.mu.Unlock()
	if !b.push(stdOp{kind: opHijack}) {
		return nil, nil, ErrConnClosed
	}
	b.mu.Lock()
	for b.hjConn == nil && b.hjErr == nil {
		b.cond.Wait()
	}
	nc, err := b.hjConn, b.hjErr
	var unread []byte
	if nc != nil {
		for _, p := range b.pieces {
			unread = append(unread, p...)
		}
		b.pieces, b.size = nil, 0
	}
	b.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	b.hijacked = true
	b.readDL.stop(b)
	b.writeDL.stop(b)
	if b.detach != nil {
		b.detach()
	}
	var r io.Reader = nc
	if len(unread) > 0 {
		r = io.MultiReader(bytes.NewReader(unread), nc)
	}
	return nc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(nc)), nil
}

// hijackOnLoop hands the connection over for Hijack, or reports why not.
func (b *stdBridge) hijackOnLoop() {
	// Hijack ends the response, which would end the request's context
	// and so the handler's: take the cancel away from the request, for
	// the handler's return (run's b.cancel) to end it, as net/http's
	// server does.
	r := b.r
	rcancel := r.cancel
	r.cancel = nil
	err := b.w.hijack(func(c *eddy.Conn) eddy.Handler {
		nc := eddy.NetConn(c)
		b.mu.Lock()
		b.hjConn = nc
		b.cond.Broadcast()
		b.mu.Unlock()
		return c.Handler()
	})
	if err != nil {
		b.mu.Lock()
		b.hjErr = err
		r.cancel = rcancel // no hijack: the request's again
		b.cond.Broadcast()
		b.mu.Unlock()
	}
}
