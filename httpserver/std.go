package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/eddy-go/eddy"
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
// writer implements http.Flusher. The request's context ends when the
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
	return hr, nil
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
	status      int

	// body state, shared under mu
	pieces  [][]byte
	size    int
	bodyErr error
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
		b.push(stdOp{kind: opEnd})
	}()
	h.ServeHTTP((*stdWriter)(b), hr)
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
			b.finish()
			w.End()
		case opAbort:
			b.finish()
			if !w.Committed() && !w.Ended() {
				w.abort(500)
			} else {
				w.closeAfter = true
				w.End()
			}
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

// applyHeader copies the handler's header and status, once. The header
// map is not touched by the goroutine after WriteHeader.
func (b *stdBridge) applyHeader() {
	w := b.w
	if w.prepared || w.ended {
		return
	}
	b.mu.Lock()
	status, h := b.status, b.header
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
		b.mu.Lock()
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
	b.header = b.header.Clone()
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
		b.mu.Unlock()
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
