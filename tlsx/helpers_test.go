package tlsx_test

import (
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/tlsx"
)

// newLoop returns a loop for a test.
func newLoop(t testing.TB, opts ...eddy.Option) *eddy.Loop {
	t.Helper()
	l, err := eddy.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run runs l on the test goroutine, stopping it (and failing the test) if
// it has not ended by itself within limit.
func run(t testing.TB, l *eddy.Loop, limit time.Duration) {
	t.Helper()
	dog := time.AfterFunc(limit, func() {
		t.Errorf("watchdog: loop still running after %v", limit)
		l.Stop()
	})
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
}

// handler builds an eddy.Handler from functions; nil ones do the least.
type handler struct {
	open   func(c *eddy.Conn)
	data   func(c *eddy.Conn, d []byte) int
	drain  func(c *eddy.Conn)
	close  func(c *eddy.Conn, err error)
	opens  int
	closes int
	err    error               // the OnClose error
	state  tls.ConnectionState // as OnOpen saw it
}

func (h *handler) OnOpen(c *eddy.Conn) {
	h.opens++
	h.state, _ = tlsx.ConnectionState(c)
	if h.open != nil {
		h.open(c)
	}
}

func (h *handler) OnData(c *eddy.Conn, d []byte) int {
	if h.data != nil {
		return h.data(c, d)
	}
	return len(d)
}

func (h *handler) OnDrain(c *eddy.Conn) {
	if h.drain != nil {
		h.drain(c)
	}
}

func (h *handler) OnClose(c *eddy.Conn, err error) {
	h.closes++
	h.err = err
	if h.close != nil {
		h.close(c, err)
	}
}

// echo is a handler that writes back what it reads, with backpressure: when
// the write queue is full it keeps the bytes and pauses reading until
// OnDrain.
func echo() *handler {
	return &handler{
		data: func(c *eddy.Conn, d []byte) int {
			if err := c.Write(d); err != nil {
				if errors.Is(err, eddy.ErrQueueFull) {
					c.PauseRead()
					return 0
				}
				return len(d)
			}
			return len(d)
		},
		drain: func(c *eddy.Conn) { c.ResumeRead() },
	}
}

// fixture holds a PKI and the configs most tests use.
type fixture struct {
	pki    *tlsx.TestPKI
	server *tls.Config
	client *tls.Config
}

func newFixture(t testing.TB) *fixture {
	pki := tlsx.NewTestPKI(t)
	return &fixture{
		pki:    pki,
		server: &tls.Config{Certificates: []tls.Certificate{pki.Leaf(t, "localhost", "127.0.0.1")}},
		client: &tls.Config{RootCAs: pki.Pool},
	}
}

// wantOnce checks that h's OnClose ran exactly once, and its OnOpen opens
// times.
func wantOnce(t testing.TB, name string, h *handler, opens int) {
	t.Helper()
	if h.closes != 1 || h.opens != opens {
		t.Errorf("%s: OnOpen %d times (want %d), OnClose %d times (want 1)", name, h.opens, opens, h.closes)
	}
}
