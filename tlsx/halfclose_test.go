package tlsx_test

import (
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// tlsEOFHandler answers, after the client's end of stream and a little
// later, with what it read, then half-closes: through a layer, OnEOF
// comes after the peer's close_notify, and writes still go out.
type tlsEOFHandler struct {
	eddy.BaseHandler
	req      []byte
	eofs     int
	closes   int
	closeErr error
	ln       *eddy.Listener
}

func (h *tlsEOFHandler) OnData(c *eddy.Conn, d []byte) int {
	h.req = append(h.req, d...)
	return len(d)
}

func (h *tlsEOFHandler) OnEOF(c *eddy.Conn) {
	h.eofs++
	c.Loop().AfterFunc(10*time.Millisecond, func() {
		if err := c.Write(append([]byte("reply to "), h.req...)); err != nil {
			panic(err)
		}
		c.CloseWrite()
	})
}

func (h *tlsEOFHandler) OnClose(c *eddy.Conn, err error) {
	h.closes++
	h.closeErr = err
	h.ln.Close()
}

func TestOnEOFThroughTLS(t *testing.T) {
	leakcheck.Check(t)
	cert, pool := selfSigned()
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	h := &tlsEOFHandler{}
	h.ln, err = tlsx.Listen(l, "tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, h)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		got string
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := tls.Dial("tcp", h.ln.Addr().String(), &tls.Config{RootCAs: pool})
		if err != nil {
			res <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "ping"); err != nil {
			res <- result{err: err}
			return
		}
		if err := c.CloseWrite(); err != nil { // close_notify, then the TCP half close
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(c)
		res <- result{string(b), err}
	}()
	dog := time.AfterFunc(5*time.Second, func() { t.Error("watchdog"); l.Stop() })
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	r := <-res
	if r.err != nil || r.got != "reply to ping" {
		t.Fatalf("client read %q, %v; want %q", r.got, r.err, "reply to ping")
	}
	if h.eofs != 1 || h.closes != 1 || h.closeErr != nil {
		t.Fatalf("OnEOF %d times, OnClose %d times (err %v); want 1, 1, nil", h.eofs, h.closes, h.closeErr)
	}
}
