package httpclient

import (
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/eddy-go/eddy"
)

// Water marks of a streamed response body: the connection stops reading
// above pipeHigh buffered bytes and starts again at pipeLow.
const (
	pipeHigh = 256 << 10
	pipeLow  = 64 << 10
)

// errBodyClosed is the cause of a trip cancelled by closing its body.
var errBodyClosed = errors.New("httpclient: response body closed")

// pipe carries a response body from the loop to a goroutine, with
// backpressure. The loop side is the sink methods; the goroutine side is
// Read and Close, which are safe for concurrent use.
type pipe struct {
	loop *eddy.Loop
	// closeReq closes the caller's request body when the exchange ends,
	// or is nil.
	closeReq func()

	tr trip // the trip, allocated with the pipe

	mu      sync.Mutex
	cond    sync.Cond
	t       *trip
	resp    *Response
	trailer http.Header // nil unless the body can have trailers
	buf     []byte
	err     error // io.EOF at the end, or the failure
	closed  bool  // the reader closed the body
	paused  bool
	started bool
	// headDone is set when the head or a failure before it arrives; Do
	// waits for it on cond, and headErr is the failure.
	headDone bool
	headErr  error
}

func newPipe(l *eddy.Loop) *pipe {
	p := &pipe{loop: l}
	p.cond.L = &p.mu
	return p
}

func (p *pipe) head(t *trip, r *Response) {
	p.mu.Lock()
	p.t = t
	p.resp = r
	if r.ContentLength < 0 {
		// Chunked or read until the close: trailers can only come with
		// chunked, and end fills this map, which the caller already holds.
		p.trailer = make(http.Header)
	}
	if r.ContentLength > 0 && r.ContentLength <= pipeHigh && !t.bodiless {
		p.buf = make([]byte, 0, r.ContentLength) // one allocation, no copy
	}
	p.started = true
	p.headDone = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

// waitHead blocks until the head or a failure before it arrives, and
// returns the failure.
func (p *pipe) waitHead() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.headDone {
		p.cond.Wait()
	}
	return p.headErr
}

func (p *pipe) body(t *trip, b []byte) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.buf = append(p.buf, b...)
	pause := len(p.buf) > pipeHigh && !p.paused
	if pause {
		p.paused = true
	}
	p.mu.Unlock()
	p.cond.Broadcast()
	if pause {
		t.pause()
	}
}

// done closes the request body, off the loop: a caller's Close may block.
func (p *pipe) done() {
	if p.closeReq != nil {
		go p.closeReq()
	}
}

func (p *pipe) end(_ *trip, r *Response) {
	p.done()
	p.mu.Lock()
	// Not after Close: the caller holds this map as
	// http.Response.Trailer and may read it once the body is closed.
	if p.trailer != nil && !p.closed {
		for k, v := range r.Trailer {
			p.trailer[k] = v
		}
	}
	p.err = io.EOF
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *pipe) fail(err error) {
	p.done()
	p.mu.Lock()
	if p.started {
		p.err = err
	} else {
		p.headDone = true
		p.headErr = err
	}
	p.mu.Unlock()
	p.cond.Broadcast()
}

// Read reads the body, blocking until bytes, the end or a failure arrive.
func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && p.err == nil && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return 0, errBodyClosed
	}
	if len(p.buf) == 0 {
		return 0, p.err
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	if p.paused && len(p.buf) <= pipeLow {
		p.paused = false
		t := p.t
		p.loop.Post(func() { t.resume() })
	}
	return n, nil
}

// Close drops the rest of the body; a response not yet complete is
// aborted and its connection closed.
func (p *pipe) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.buf = nil
	unfinished := p.err == nil
	t := p.t
	p.mu.Unlock()
	p.cond.Broadcast()
	if unfinished && t != nil {
		p.loop.Post(func() { t.fail(&CancelError{Cause: errBodyClosed}) })
	}
	return nil
}

// gzipBody decompresses a body on first read. A stream that does not
// decompress (a corrupt or cut-short gzip stream inside a body that was
// framed correctly) fails with a *ResponseError matching
// ErrMalformedResponse, as Send's does; the body's own failures (a
// truncated response, a timeout, a cancellation) come through as they are.
type gzipBody struct {
	body io.ReadCloser
	src  gzipSource
	zr   *gzip.Reader
	err  error
}

// gzipSource reads the compressed body for the gzip reader and keeps the
// last error the body returned, to tell its failures from the
// decompressor's.
type gzipSource struct {
	body io.Reader
	err  error
}

func (s *gzipSource) Read(b []byte) (int, error) {
	n, err := s.body.Read(b)
	if err != nil {
		s.err = err
	}
	return n, err
}

func (g *gzipBody) Read(b []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		g.src.body = g.body
		zr, err := gzip.NewReader(&g.src)
		if err != nil {
			g.err = g.typed(err)
			return 0, g.err
		}
		g.zr = zr
	}
	n, err := g.zr.Read(b)
	if err != nil {
		g.err = g.typed(err)
	}
	return n, g.err
}

// typed returns err as the reader should see it: io.EOF and the body's own
// errors as they are, anything else (gzip.ErrHeader, gzip.ErrChecksum, a
// flate.CorruptInputError, or io.ErrUnexpectedEOF for a compressed stream
// that stops before its end) as a malformed response.
func (g *gzipBody) typed(err error) error {
	if err == io.EOF || (g.src.err != nil && g.src.err != io.EOF && errors.Is(err, g.src.err)) {
		return err
	}
	return &ResponseError{Kind: ErrMalformedResponse, Err: err}
}

func (g *gzipBody) Close() error { return g.body.Close() }
