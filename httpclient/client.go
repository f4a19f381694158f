package httpclient

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// Defaults of the Client's zero fields.
const (
	DefaultMaxIdlePerHost = 16
	DefaultIdleTimeout    = 90 * time.Second
	DefaultMaxRedirects   = 10
	// DefaultExpectContinue is how long a body held after
	// "Expect: 100-continue" waits for the server's 100 before it is sent
	// anyway, when Timeouts.ExpectContinue is zero.
	DefaultExpectContinue = time.Second
)

// Timeouts bounds the phases of a request. Zero means no bound. A request
// that runs out of time fails with a *TimeoutError, which matches
// ErrConnectTimeout, ErrHeaderTimeout or ErrRequestTimeout, and
// context.DeadlineExceeded.
type Timeouts struct {
	// Connect bounds the dial and TLS handshake of a new connection.
	Connect time.Duration
	// ResponseHeader bounds the wait for the response head, counted, as
	// net/http's Transport.ResponseHeaderTimeout is, from the moment the
	// whole request has been written (body included, and all but the
	// write buffer's low-water mark of it taken by the socket): the dial,
	// the handshake and the upload do not count.
	ResponseHeader time.Duration
	// Request bounds the whole request: redirects and the whole body.
	Request time.Duration
	// ExpectContinue is how long a request body held after
	// "Expect: 100-continue" waits for the server's 100 (Continue) before
	// it is sent anyway (default DefaultExpectContinue; negative waits
	// until the server answers).
	ExpectContinue time.Duration
}

// Client is an HTTP/1.1 client whose connections live on eddy loops. Set
// its fields before the first request and do not change them afterwards.
// Send is loop-only; Do is for goroutine code and safe for concurrent use.
type Client struct {
	// Loop runs the client's connections. Either Loop or Group is needed.
	Loop *eddy.Loop
	// Group, when Loop is nil, runs the connections: Do spreads requests
	// over its loops, and Send uses the loop it is called on.
	Group *eddy.Group
	// Timeouts bounds the phases of each request.
	Timeouts Timeouts
	// MaxConnsPerHost bounds the connections to one host per loop, idle
	// ones included; requests beyond wait in line. Zero means no bound.
	MaxConnsPerHost int
	// MaxIdlePerHost bounds the idle connections kept per host and loop
	// (default DefaultMaxIdlePerHost; negative keeps none).
	MaxIdlePerHost int
	// IdleTimeout closes a connection idle for that long (default
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxRedirects bounds the redirects followed (default
	// DefaultMaxRedirects); negative follows none and returns the 3xx.
	MaxRedirects int
	// Jar, when set, receives the cookies of every response and supplies
	// those of every request, across redirects. net/http/cookiejar works.
	Jar http.CookieJar
	// Proxy returns the proxy for a request URL, or nil for none: see
	// ProxyFromEnvironment. Plain http goes through a forward proxy.
	Proxy func(*url.URL) (*url.URL, error)
	// TLSConfig is the TLS configuration of https connections; nil is the
	// default one, which verifies certificates against the system's roots.
	TLSConfig *tls.Config
	// DisableCompression stops the client from asking for gzip.
	DisableCompression bool
	// MaxResponseBody bounds, in bytes, the body that Send gathers, as
	// delivered (after decompression): a longer one fails the request
	// with a *ResponseError matching ErrBodyTooLarge (and a body still
	// arriving then is not read further: its connection is dropped). It
	// guards memory against a huge body, and against a small gzip body
	// that decompresses to a huge one (a decompression bomb), which a
	// client that asks for gzip itself would otherwise inflate whole.
	// Zero means no bound. Stream and Do hand the body over piece by
	// piece, for the caller to bound.
	MaxResponseBody int64

	mu    sync.Mutex
	loops map[*eddy.Loop]*loopState
	last  atomic.Pointer[loopState] // the last one state returned
}

// loopState is the client's per-loop state: the pools of that loop.
// Loop-only.
type loopState struct {
	c     *Client
	loop  *eddy.Loop
	pools map[string]*hostPool
	// direct finds the pool of a URL's scheme and host as written, for a
	// client without Proxy, without building the pool key.
	direct map[originKey]*hostPool
	buf    []byte // scratch for request heads: see takeBuf
}

// originKey is a URL's scheme and host as written.
type originKey struct{ scheme, host string }

func (c *Client) state(l *eddy.Loop) *loopState {
	if ls := c.last.Load(); ls != nil && ls.loop == l {
		return ls
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loops == nil {
		c.loops = make(map[*eddy.Loop]*loopState)
	}
	ls := c.loops[l]
	if ls == nil {
		ls = &loopState{c: c, loop: l, pools: make(map[string]*hostPool)}
		c.loops[l] = ls
	}
	c.last.Store(ls)
	return ls
}

// current returns the client's loop the caller runs on, or nil.
func (c *Client) current() *eddy.Loop {
	if c.Loop != nil {
		if c.Loop.OnLoop() {
			return c.Loop
		}
		return nil
	}
	if c.Group != nil {
		for _, l := range c.Group.Loops() {
			if l.OnLoop() {
				return l
			}
		}
	}
	return nil
}

// next returns a loop for a request from goroutine code.
func (c *Client) next() *eddy.Loop {
	if c.Loop != nil {
		return c.Loop
	}
	if c.Group != nil {
		return c.Group.Next()
	}
	return nil
}

// Send sends req and returns a future of the response, resolved once the
// whole body has arrived. Redirects are followed, cookies kept, and a
// stale pooled connection retried for idempotent requests. Cancelling the
// future aborts the request. Loop-only: call it on the client's Loop or a
// loop of its Group.
func (c *Client) Send(req *Request) *future.Future[*Response] {
	l := c.current()
	if l == nil {
		return future.Rejected[*Response](nil, eddy.ErrNotOnLoop)
	}
	f, p := future.New[*Response](l)
	op := &sendOp{}
	op.s.p = p
	t := &op.t
	c.initTrip(t, l, req, &op.s)
	p.OnCancel(func(cause error) { t.fail(&CancelError{Cause: cause}) })
	t.start()
	return f
}

// sendOp is what a Send allocates: the trip and its sink, in one object.
type sendOp struct {
	t trip
	s bufferSink
}

// CloseIdleConnections closes the connections idle in the pools. Safe for
// concurrent use.
func (c *Client) CloseIdleConnections() {
	c.mu.Lock()
	states := make([]*loopState, 0, len(c.loops))
	for _, ls := range c.loops {
		states = append(states, ls)
	}
	c.mu.Unlock()
	for _, ls := range states {
		ls.loop.Post(func() {
			for _, p := range ls.pools {
				for _, pc := range p.idle {
					pc.conn.Close()
				}
			}
		})
	}
}

func (c *Client) maxIdle() int {
	switch {
	case c.MaxIdlePerHost < 0:
		return 0
	case c.MaxIdlePerHost == 0:
		return DefaultMaxIdlePerHost
	}
	return c.MaxIdlePerHost
}

func (c *Client) idleTimeout() time.Duration {
	if c.IdleTimeout <= 0 {
		return DefaultIdleTimeout
	}
	return c.IdleTimeout
}

func (c *Client) maxRedirects() int {
	switch {
	case c.MaxRedirects < 0:
		return 0
	case c.MaxRedirects == 0:
		return DefaultMaxRedirects
	}
	return c.MaxRedirects
}

// maxScratch bounds the scratch buffer a loop keeps for request heads.
const maxScratch = 64 << 10

// takeBuf returns the loop's scratch buffer, empty, for a request head;
// putBuf gives it back once written (Conn.Write keeps no reference). A
// nested user, such as a request sent from a callback run during a
// write, gets a buffer of its own.
func (ls *loopState) takeBuf() []byte {
	b := ls.buf
	ls.buf = nil
	if b == nil {
		b = make([]byte, 0, 512)
	}
	return b[:0]
}

func (ls *loopState) putBuf(b []byte) {
	if cap(b) <= maxScratch {
		ls.buf = b[:0]
	}
}
