package eddy

import (
	"testing"
	"time"
)

// newLoop returns a loop for a test.
func newLoop(t testing.TB, opts ...Option) *Loop {
	t.Helper()
	l, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// run runs l on the test goroutine, stopping it (and failing the test) if
// it has not ended by itself within the limit.
func run(t testing.TB, l *Loop) {
	t.Helper()
	dog := time.AfterFunc(5*time.Second, func() {
		t.Error("watchdog: loop still running after 5s")
		l.Stop()
	})
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
}

// funcHandler builds a Handler from functions; nil ones do nothing.
type funcHandler struct {
	open  func(c *Conn)
	data  func(c *Conn, d []byte) int
	drain func(c *Conn)
	close func(c *Conn, err error)
}

func (h *funcHandler) OnOpen(c *Conn) {
	if h.open != nil {
		h.open(c)
	}
}

func (h *funcHandler) OnData(c *Conn, d []byte) int {
	if h.data != nil {
		return h.data(c, d)
	}
	return len(d)
}

func (h *funcHandler) OnDrain(c *Conn) {
	if h.drain != nil {
		h.drain(c)
	}
}

func (h *funcHandler) OnClose(c *Conn, err error) {
	if h.close != nil {
		h.close(c, err)
	}
}

// echo writes back whatever it reads.
type echo struct{ BaseHandler }

func (echo) OnData(c *Conn, d []byte) int {
	c.Write(d)
	return len(d)
}
