package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"

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
// writer implements http.Flusher, not http.Hijacker; trailers, declared
// in the Trailer field or named with http.TrailerPrefix, follow a
// chunked body, and the request's are in its Trailer once its body has
// been read to the end. The request's context ends when the
// connection closes first. The worker pool bounds how many such requests
// run at once; the others wait for a worker.
func Std(h http.Handler) Handler { return stdHandler{h} }

type stdHandler struct{ h http.Handler }

func (s stdHandler) ServeHTTP(w *ResponseWriter, r *Request) {
	hr, err := stdRequest(r)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	l := r.Loop()
	ctx, cancel := context.WithCancel(context.Background())
	b := &stdBridge{l: l, w: w, r: r, header: make(http.Header), cancel: cancel}
	b.cond.L = &b.mu
	if r.HasBody() {
		hr.Body = (*stdBody)(b)
	}
	hr = hr.WithContext(ctx)
	b.hr = hr
	w.Async()
	w.OnAbort(b.abort)
	eddy.Work(l, func() (struct{}, error) {
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
		if http.CanonicalHeaderKey(name) == "Host" {
			continue
		}
		hr.Header.Add(name, value)
	}
	// Declared trailers get their keys now and their values at the
	// body's end, as net/http does.
	for k := range declaredTrailers(hr.Header) {
		if hr.Trailer == nil {
			hr.Trailer = make(http.Header)
		}
		hr.Trailer[k] = nil
	}
	return hr, nil
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
	opStartBody
	opResumeBody
)

type stdOp struct {
	kind int
	data []byte
}

// stdBridge joins a net/http handler's goroutine to the loop. Fields
// under mu are shared; the others belong to the loop.
type stdBridge struct {
	l      *eddy.Loop
	w      *ResponseWriter
	r      *Request
	hr     *http.Request // the handler's: its Trailer is filled on its goroutine
	cancel context.CancelFunc

	mu        sync.Mutex
	cond      sync.Cond
	ops       []stdOp
	scheduled bool // a drain is posted or running
	inflight  int  // response bytes not yet taken by the loop
	dead      bool // connection closed or response over

	// response state, goroutine side
	header      http.Header
	wroteHeader bool

	// the response's status and header as of WriteHeader, under mu
	status int
	sent   http.Header

	// body state, shared under mu
	pieces  [][]byte
	size    int
	bodyErr error
	trailer http.Header // the body's trailers, once it has ended
	started bool
	paused  bool
	closed  bool
}

// run runs the handler on a worker goroutine.
func (b *stdBridge) run(h http.Handler, hr *http.Request) {
	defer b.cancel()
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				slog.Error("httpserver: panic in net/http handler", "panic", v)
			}
			b.push(stdOp{kind: opAbort})
			return
		}
		if !b.wroteHeader {
			(*stdWriter)(b).WriteHeader(200)
		}
		b.push(stdOp{kind: opEnd, data: b.trailers()})
	}()
	h.ServeHTTP((*stdWriter)(b), hr)
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
	if b.dead && op.kind != opEnd && op.kind != opAbort {
		b.mu.Unlock()
		return false
	}
	b.ops = append(b.ops, op)
	post := !b.scheduled
	b.scheduled = true
	b.mu.Unlock()
	if post && b.l.Post(b.drain) != nil {
		b.abortLocked()
	}
	return true
}

func (b *stdBridge) abortLocked() {
	b.mu.Lock()
	b.dead = true
	b.cond.Broadcast()
	b.mu.Unlock()
	b.cancel()
}

// abort runs on the loop when the connection closes first.
func (b *stdBridge) abort() {
	b.mu.Lock()
	b.dead = true
	if b.bodyErr == nil {
		b.bodyErr = ErrConnClosed
	}
	b.cond.Broadcast()
	b.mu.Unlock()
	b.cancel()
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
				b.dead = true
			}
			b.cond.Broadcast()
			b.mu.Unlock()
		case opFlush:
			b.applyHeader()
			w.Flush()
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
		case opAbort:
			b.finish()
			w.fail()
		case opStartBody:
			b.startBody()
		case opResumeBody:
			b.r.ResumeBody()
		}
		b.mu.Lock()
		b.ops = b.ops[1:]
		b.mu.Unlock()
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

func (sw *stdWriter) WriteHeader(code int) {
	b := (*stdBridge)(sw)
	if b.wroteHeader {
		return
	}
	if code >= 100 && code < 200 {
		return // informational responses are not relayed
	}
	b.wroteHeader = true
	b.mu.Lock()
	b.status = code
	b.sent = b.header.Clone() // the handler's map is its own again
	b.mu.Unlock()
}

func (sw *stdWriter) Write(p []byte) (int, error) {
	b := (*stdBridge)(sw)
	if !b.wroteHeader {
		sw.WriteHeader(200)
	}
	if len(p) == 0 {
		return 0, nil
	}
	b.mu.Lock()
	for b.inflight >= stdBufferLimit && !b.dead {
		b.cond.Wait()
	}
	if b.dead {
		b.mu.Unlock()
		return 0, ErrConnClosed
	}
	b.inflight += len(p)
	b.mu.Unlock()
	if !b.push(stdOp{kind: opWrite, data: append([]byte(nil), p...)}) {
		return 0, ErrConnClosed
	}
	return len(p), nil
}

// Flush sends what was written so far.
func (sw *stdWriter) Flush() {
	b := (*stdBridge)(sw)
	if !b.wroteHeader {
		sw.WriteHeader(200)
	}
	b.push(stdOp{kind: opFlush})
}

// stdBody is the request body a net/http handler reads.
type stdBody stdBridge

func (sb *stdBody) Read(p []byte) (int, error) {
	b := (*stdBridge)(sb)
	b.mu.Lock()
	if !b.started {
		b.started = true
		b.mu.Unlock()
		b.push(stdOp{kind: opStartBody})
		b.mu.Lock()
	}
	for len(b.pieces) == 0 && b.bodyErr == nil {
		b.cond.Wait()
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

func (sb *stdBody) Close() error {
	b := (*stdBridge)(sb)
	b.mu.Lock()
	b.closed = true
	b.pieces = nil
	b.size = 0
	if b.bodyErr == nil {
		b.bodyErr = errors.New("httpserver: read on closed body")
	}
	b.mu.Unlock()
	return nil
}
