package driver_test

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// A tiny line protocol for testing the kit. Requests are lines:
//
//	ECHO x       reply x
//	ERR x        reply -x (an error reply)
//	SLOW ms x    reply x after ms milliseconds (later replies wait behind it);
//	             ms may be "held": the reply waits for release
//	CLOSE        the server drops the connection
//	BAD          reply !bad (a reply the codec cannot trust)
//	PUSH x       reply x twice (one reply nobody asked for)
//	SLOWPUSH ms x  reply x twice after ms milliseconds (or "held")
//	NOTE ms x    reply ok, then, ms milliseconds later, the line >x (an
//	             out-of-band message, which pushCodec knows)
//	PAUSE ms     the server stops reading for ms milliseconds, then replies ok
//
// Replies are lines too.

// errReply is the codec's error for "-" replies.
type errReply struct{ msg string }

func (e *errReply) Error() string { return "line: " + e.msg }

// lineCodec decodes reply lines; the request context is unused.
type lineCodec struct{ buf []byte }

func (c *lineCodec) Feed(p []byte) { c.buf = append(c.buf, p...) }
func (c *lineCodec) Buffered() int { return len(c.buf) }
func (c *lineCodec) Reset()        { c.buf = c.buf[:0] }
func (c *lineCodec) Next(struct{}) (string, error) {
	i := bytes.IndexByte(c.buf, '\n')
	if i < 0 {
		return "", driver.ErrNeedMore
	}
	line := string(c.buf[:i])
	c.buf = c.buf[i+1:]
	switch {
	case strings.HasPrefix(line, "-"):
		return "", &errReply{line[1:]}
	case strings.HasPrefix(line, "!"):
		return "", driver.Broken(errors.New("line: " + line))
	}
	return line, nil
}

func cmd(s string) []byte { return []byte(s + "\n") }

// pushCodec is lineCodec for a protocol where lines starting with '>'
// are out-of-band messages, which it collects.
type pushCodec struct {
	lineCodec
	notes []string
}

var _ driver.PushCodec = (*pushCodec)(nil)

func (c *pushCodec) Next(k struct{}) (string, error) {
	for {
		line, err := c.lineCodec.Next(k)
		if err != nil || !strings.HasPrefix(line, ">") {
			return line, err
		}
		c.notes = append(c.notes, line[1:])
	}
}

func (c *pushCodec) DrainPushes() error {
	for len(c.buf) > 0 {
		if c.buf[0] != '>' {
			return driver.ErrUnsolicited
		}
		line, err := c.lineCodec.Next(struct{}{})
		if err != nil {
			return err
		}
		c.notes = append(c.notes, line[1:])
	}
	return nil
}

// lineServer serves the line protocol on its own loop.
type lineServer struct {
	addr  string
	loop  *eddy.Loop
	done  chan struct{}
	mu    sync.Mutex
	seen  []string // every request line, in order
	conns atomic.Int64
	reads atomic.Int64
	// holding lists the connections with a held reply; only the
	// server's loop touches it.
	holding []*serverConn
}

// release sends the held replies, and those queued behind them. A test
// that needs a reply to come only after it has acted (a cancel that must
// find the request still awaiting its reply) holds it, rather than
// delaying it by a time a loaded machine can overrun. The held request
// may still be on its way to the server: release waits for it (10 s at
// most).
func (s *lineServer) release(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		done := make(chan bool, 1)
		s.loop.Post(func() {
			for _, h := range s.holding {
				for i := range h.replies {
					h.replies[i].held = false
				}
				h.send(h.c)
			}
			done <- len(s.holding) > 0
			s.holding = nil
		})
		if <-done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("release: no reply was held")
		}
		time.Sleep(time.Millisecond)
	}
}

func (s *lineServer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// serverFactory is the listener's handler; per-connection state hangs
// off the connection's value.
type serverFactory struct {
	eddy.BaseHandler
	s *lineServer
}

type serverConn struct {
	s       *lineServer
	c       *eddy.Conn
	replies []timedReply // in order; the server answers one request at a time
	armed   bool
}

type timedReply struct {
	at   time.Time
	msg  string
	held bool // until lineServer.release; the replies behind wait too
}

func (f *serverFactory) OnOpen(c *eddy.Conn) {
	f.s.conns.Add(1)
	c.SetValue(&serverConn{s: f.s, c: c})
}

func (f *serverFactory) OnData(c *eddy.Conn, data []byte) int {
	return c.Value().(*serverConn).onData(c, data)
}

// reply queues msg to be sent delay after the previous reply.
func (h *serverConn) reply(c *eddy.Conn, delay time.Duration, msg string) {
	at := time.Now()
	if n := len(h.replies); n > 0 && h.replies[n-1].at.After(at) {
		at = h.replies[n-1].at
	}
	h.replies = append(h.replies, timedReply{at: at.Add(delay), msg: msg})
	h.send(c)
}

// hold queues msg to be sent once the test calls release, after the
// replies before it.
func (h *serverConn) hold(c *eddy.Conn, msg string) {
	h.replies = append(h.replies, timedReply{at: time.Now(), msg: msg, held: true})
	h.s.holding = append(h.s.holding, h)
	h.send(c)
}

// delayed queues msg after a delay given as milliseconds, or held until
// release when it is "held".
func (h *serverConn) delayed(c *eddy.Conn, ms, msg string) {
	if ms == "held" {
		h.hold(c, msg)
		return
	}
	d, _ := strconv.Atoi(ms)
	h.reply(c, time.Duration(d)*time.Millisecond, msg)
}

func (h *serverConn) send(c *eddy.Conn) {
	for len(h.replies) > 0 && !h.replies[0].held && !h.replies[0].at.After(time.Now()) {
		c.Write([]byte(h.replies[0].msg + "\n"))
		h.replies = h.replies[1:]
	}
	if len(h.replies) > 0 && !h.replies[0].held && !h.armed {
		h.armed = true
		c.Loop().AfterFunc(time.Until(h.replies[0].at), func() { h.armed = false; h.send(c) })
	}
}

func (h *serverConn) onData(c *eddy.Conn, data []byte) int {
	h.s.reads.Add(1)
	n := 0
	for {
		i := bytes.IndexByte(data[n:], '\n')
		if i < 0 {
			return n
		}
		line := string(data[n : n+i])
		n += i + 1
		h.s.mu.Lock()
		h.s.seen = append(h.s.seen, line)
		h.s.mu.Unlock()
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "ECHO":
			h.reply(c, 0, rest)
		case "ERR":
			h.reply(c, 0, "-"+rest)
		case "SLOW":
			ms, msg, _ := strings.Cut(rest, " ")
			h.delayed(c, ms, msg)
		case "CLOSE":
			c.Abort()
			return len(data)
		case "BAD":
			h.reply(c, 0, "!bad")
		case "PUSH": // both lines in one write, so that they arrive together
			h.reply(c, 0, rest+"\n"+rest)
		case "SLOWPUSH":
			ms, msg, _ := strings.Cut(rest, " ")
			h.delayed(c, ms, msg+"\n"+msg)
		case "NOTE":
			ms, msg, _ := strings.Cut(rest, " ")
			d, _ := strconv.Atoi(ms)
			h.reply(c, 0, "ok")
			h.reply(c, time.Duration(d)*time.Millisecond, ">"+msg)
		case "PAUSE":
			d, _ := strconv.Atoi(rest)
			c.PauseRead()
			c.Loop().AfterFunc(time.Duration(d)*time.Millisecond, func() {
				c.ResumeRead()
				c.Write([]byte("ok\n"))
			})
			return n
		default:
			h.reply(c, 0, "-unknown")
		}
	}
}

// startServer runs a line server until the test ends.
func startServer(t *testing.T, opts ...eddy.ListenOption) *lineServer {
	t.Helper()
	// A write queue that never refuses: the server must not drop replies
	// when the client is slow to read.
	l, err := eddy.New(eddy.WithKeepAlive(), eddy.WithWriteBuffer(1<<20, math.MaxInt))
	if err != nil {
		t.Fatal(err)
	}
	s := &lineServer{loop: l, done: make(chan struct{})}
	ch := make(chan error, 1)
	l.Post(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", &serverFactory{s: s}, opts...)
		if err == nil {
			s.addr = ln.Addr().String()
		}
		ch <- err
	})
	go func() { defer close(s.done); l.Run() }()
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop(); <-s.done })
	return s
}

func TestMain(m *testing.M) {
	// Tests await some rejected futures only after they were rejected;
	// keep the default handler's log out of the output.
	future.SetUnhandledRejectionHandler(func(error) {})
	m.Run()
}
