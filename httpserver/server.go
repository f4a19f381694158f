package httpserver

import (
	"context"
	"net"
	"os"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// Default limits and timeouts, used for zero Server fields.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultSendTimeout       = 60 * time.Second
)

// Server is an HTTP/1.1 server that runs on eddy loops: connections are
// served by the loop that accepted them, with no goroutine per
// connection. Set its fields before Serve; they must not change after.
type Server struct {
	// Handler answers requests. It is shared by the loops: it must only
	// touch per-request state or state safe for concurrent use.
	Handler Handler
	// ReadHeaderTimeout bounds the wait for a request head, from its
	// first byte (from the connection's start for the first request);
	// empty lines sent before a request line count as its first bytes.
	// A client still sending a head then gets 408. Zero selects
	// DefaultReadHeaderTimeout; negative disables it.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds the silence of a client while the handler
	// reads its body: 408 if the response has not begun, a close
	// otherwise. Zero selects DefaultReadBodyTimeout; negative disables.
	ReadBodyTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long
	// for its next request. Zero selects DefaultIdleTimeout; negative
	// disables it.
	IdleTimeout time.Duration
	// SendTimeout bounds how long output queued for a client may wait
	// without any of it being written (the client reads nothing, or its
	// window stays shut): then the connection closes, with an error
	// matching eddy.ErrTimeout, and the responses in flight are aborted,
	// so that a client that stops reading cannot hold its connection and
	// the output queued for it for ever (nginx's send_timeout). Every
	// write the client takes starts it again, so a slow download is not
	// cut. Zero selects DefaultSendTimeout; negative disables it.
	SendTimeout time.Duration
	// MaxHeaderBytes bounds the request line plus header section (431).
	// Zero selects http1.DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// MaxURIBytes bounds the request-target (414). Zero selects
	// http1.DefaultMaxURIBytes.
	MaxURIBytes int
	// MaxBodyBytes bounds every request body (413). Zero means no bound:
	// bodies are streamed, and Request.ReadBody takes its own limit.
	MaxBodyBytes int64
	// MaxPipeline bounds the requests in flight on one connection;
	// reading pauses beyond it. Zero selects 64.
	MaxPipeline int
	// HalfClose keeps answering a client that has ended its side of the
	// connection after its requests (a TCP half close, as "nc -N", or a
	// client that shuts down its writing side to mark the end of its
	// request, does): the responses in flight, asynchronous ones too,
	// still go out (the last one with "Connection: close" if its head
	// has not gone yet), and the connection closes after them. By
	// default the end of the client's stream is taken for a hang-up,
	// which it usually is and which TCP cannot tell from a half close:
	// the connection closes, the responses in flight are aborted
	// (OnAbort, Wait's future and a Std handler's request context are
	// cancelled), and the work for a client that has gone stops. Either
	// way, a connection with nothing in flight, or with a request cut
	// short, closes at once.
	HalfClose bool
	// BaseContext, if not nil, returns the parent of the requests'
	// contexts (Request.Context), as net/http's Server.BaseContext does:
	// a context whose values every handler sees, or whose end cancels
	// every request's (cancelling it ends none of the responses, only
	// tells the handlers). It is called on the request's loop when a
	// request first asks for its context, so it must be safe for
	// concurrent use when the server runs on several loops, and cheap;
	// a nil result means context.Background(), as a nil BaseContext
	// does.
	BaseContext func() context.Context

	mu    sync.Mutex
	group *eddy.Group
	loop  *eddy.Loop
	opts  []http1.Option
	loops sync.Map // *eddy.Loop -> *loopState
}

// loopState is what a server keeps per loop. Loop-only.
type loopState struct {
	date   http1.DateCache
	fields fieldsMemo
	head   headMemo
	conns  map[*serverConn]struct{}
	down   bool
}

func (ls *loopState) remove(sc *serverConn) { delete(ls.conns, sc) }

func (ls *loopState) shutdown() {
	ls.down = true
	for sc := range ls.conns {
		sc.gracefulClose()
	}
}

// Serve listens on address across the loops of g and serves HTTP there;
// opts are passed to the listener (a TLS layer from tlsx, for instance).
// It returns the bound address. Shutdown then shuts g down gracefully.
// Do not call it from a loop of g. Safe for concurrent use.
func (s *Server) Serve(g *eddy.Group, network, address string, opts ...eddy.ListenOption) (net.Addr, error) {
	if err := s.start(g, nil); err != nil {
		return nil, err
	}
	return g.Listen(network, address, (*acceptor)(s), opts...)
}

// ServeLoop listens on address on the loop l and serves HTTP there.
// Shutdown then shuts l down gracefully. Loop-only (or before l runs).
func (s *Server) ServeLoop(l *eddy.Loop, network, address string, opts ...eddy.ListenOption) (*eddy.Listener, error) {
	if err := s.start(nil, l); err != nil {
		return nil, err
	}
	return l.Listen(network, address, (*acceptor)(s), opts...)
}

func (s *Server) start(g *eddy.Group, l *eddy.Loop) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.group != nil || s.loop != nil {
		return ErrServerRunning
	}
	s.group, s.loop = g, l
	s.opts = []http1.Option{
		http1.WithMaxHeaderBytes(s.MaxHeaderBytes),
		http1.WithMaxURIBytes(s.MaxURIBytes),
		http1.WithMaxBodyBytes(s.MaxBodyBytes), // <= 0: unbounded
	}
	if s.Handler == nil {
		s.Handler = HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteHeader(404) })
	}
	return nil
}

// Shutdown shuts the server's group (or loop) down gracefully: the
// listeners close, idle connections close at once (their clients see
// the end of the stream at once; one that has answered requests closes
// lingering, see the package documentation), busy ones after the
// responses in flight (sent with "Connection: close" unless their head
// has gone), and the loops stop when every connection has closed or ctx
// is done, in which case it returns ctx.Err(). Safe for concurrent use,
// but not from a loop of the server's.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	g, l := s.group, s.loop
	s.mu.Unlock()
	switch {
	case g != nil:
		return g.Shutdown(ctx)
	case l != nil:
		return l.Shutdown(ctx)
	}
	return ErrNotServing
}

func (s *Server) parserOptions() []http1.Option { return s.opts }

func (s *Server) readHeaderTimeout() time.Duration {
	return orDefault(s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
}
func (s *Server) readBodyTimeout() time.Duration {
	return orDefault(s.ReadBodyTimeout, DefaultReadBodyTimeout)
}
func (s *Server) idleTimeout() time.Duration { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }
func (s *Server) sendTimeout() time.Duration { return orDefault(s.SendTimeout, DefaultSendTimeout) }

func (s *Server) maxPipeline() int {
	if s.MaxPipeline > 0 {
		return s.MaxPipeline
	}
	return defaultMaxPipeline
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// loopState returns the server's state for l, creating it (and its
// shutdown hook) on first use. Loop-only.
func (s *Server) loopState(l *eddy.Loop) *loopState {
	if v, ok := s.loops.Load(l); ok {
		return v.(*loopState)
	}
	ls := &loopState{conns: make(map[*serverConn]struct{})}
	s.loops.Store(l, ls)
	l.OnShutdown(ls.shutdown)
	ls.down = l.ShuttingDown()
	return ls
}

// acceptor is the listener's handler: it gives each new connection a
// connGlue of its own.
type acceptor Server

func (a *acceptor) OnOpen(c *eddy.Conn) {
	s := (*Server)(a)
	var g *connGlue
	if s.HalfClose {
		hg := &halfCloseGlue{connGlue{c: c}}
		g = &hg.connGlue
		c.SetHandler(hg)
	} else {
		g = &connGlue{c: c}
		c.SetHandler(g)
	}
	ls := s.loopState(c.Loop())
	ls.conns[&g.sc] = struct{}{}
	g.sc.init(s, g, ls)
	if ls.down {
		g.sc.gracefulClose()
	}
}

func (a *acceptor) OnData(c *eddy.Conn, data []byte) int { return len(data) }
func (a *acceptor) OnDrain(c *eddy.Conn)                 {}
func (a *acceptor) OnClose(c *eddy.Conn, err error)      {}

// connGlue joins a serverConn to its eddy connection: it is both the
// connection's handler and the state machine's transport.
type connGlue struct {
	c        *eddy.Conn
	timer    *eddy.Timer
	sc       serverConn
	watching bool
	low      int      // the write buffer's low water mark before WatchDrain
	laddr    net.Addr // the local address, once asked for (localAddr)
}

// halfCloseGlue is the connection's handler when Server.HalfClose is
// set: a connGlue that is also an eddy.EOFHandler, so that the core
// keeps the connection open for writing at the client's end of stream.
// (Without it, the core closes the connection then, as it always has.)
type halfCloseGlue struct{ connGlue }

// OnEOF hands the client's end of stream to the state machine (see
// serverConn.onEOF).
func (g *halfCloseGlue) OnEOF(c *eddy.Conn) { g.sc.onEOF() }

// localAddr returns the connection's local address, asking the kernel
// once per connection (Std puts it in the request's context).
func (g *connGlue) localAddr() net.Addr {
	if g.laddr == nil {
		g.laddr = g.c.LocalAddr()
	}
	return g.laddr
}

func (g *connGlue) OnOpen(c *eddy.Conn)                  {}
func (g *connGlue) OnData(c *eddy.Conn, data []byte) int { return g.sc.onData(data) }
func (g *connGlue) OnDrain(c *eddy.Conn)                 { g.sc.onDrain() }
func (g *connGlue) OnClose(c *eddy.Conn, err error) {
	if g.timer != nil {
		g.timer.Stop()
	}
	g.sc.onClose()
}

func (g *connGlue) Write(p []byte) error { return g.c.Write(p) }
func (g *connGlue) Writable() bool       { return g.c.Writable() }
func (g *connGlue) Close() error         { return g.c.Close() }
func (g *connGlue) CloseWrite() error    { return g.c.CloseWrite() }

func (g *connGlue) SetWriteDeadline(t time.Time) { g.c.SetWriteDeadline(t) }
func (g *connGlue) PauseRead()                   { g.c.PauseRead() }
func (g *connGlue) ResumeRead()                  { g.c.ResumeRead() }
func (g *connGlue) Now() time.Time               { return g.c.Loop().Now() }
func (g *connGlue) Defer(fn func())              { g.c.Loop().NextTick(fn) }
func (g *connGlue) Loop() *eddy.Loop             { return g.c.Loop() }
func (g *connGlue) RemoteAddr() net.Addr         { return g.c.RemoteAddr() }
func (g *connGlue) CanSendFile() bool            { return g.c.Layer() == nil }
func (g *connGlue) Buffered() int                { return g.c.Buffered() }

func (g *connGlue) SendFile(f *os.File, off, n int64) error { return g.c.SendFile(f, off, n) }

// Hijack gives the connection to the handler fn returns. The bytes
// the server left unread after the request reach it from the next loop
// turn on.
func (g *connGlue) Hijack(fn UpgradeFunc) {
	if g.timer != nil {
		g.timer.Stop()
	}
	g.WatchDrain(false)
	c := g.c
	if g.sc.sendDL { // SendTimeout is the server's, not the new owner's
		g.sc.sendDL = false
		c.SetWriteDeadline(time.Time{})
	}
	h := fn(c)
	if h == nil {
		c.Close()
		return
	}
	c.SetHandler(h)
	c.PauseRead()
	c.Loop().NextTick(c.ResumeRead)
}

// WatchDrain lowers the connection's low water mark to zero, so that
// OnDrain comes once everything queued has been written, and back.
func (g *connGlue) WatchDrain(on bool) {
	if on == g.watching {
		return
	}
	g.watching = on
	low, high := g.c.WriteBuffer()
	if on {
		g.low = low
		g.c.SetWriteBuffer(0, high)
	} else {
		g.c.SetWriteBuffer(g.low, high)
	}
}

func (g *connGlue) ArmTimer(d time.Duration) {
	if g.c.Closed() {
		return
	}
	if g.timer == nil {
		g.timer = g.c.Loop().AfterFunc(d, g.sc.onTimer)
		return
	}
	g.timer.Reset(d)
}
