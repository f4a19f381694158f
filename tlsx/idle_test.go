package tlsx

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// idleHandler is a handler made of functions for the internal tests.
type idleHandler struct {
	open  func(c *eddy.Conn)
	data  func(c *eddy.Conn, d []byte) int
	close func(c *eddy.Conn, err error)
	err   error
}

func (h *idleHandler) OnOpen(c *eddy.Conn) {
	if h.open != nil {
		h.open(c)
	}
}
func (h *idleHandler) OnData(c *eddy.Conn, d []byte) int { return h.data(c, d) }
func (h *idleHandler) OnDrain(*eddy.Conn)                {}
func (h *idleHandler) OnClose(c *eddy.Conn, err error) {
	h.err = err
	if h.close != nil {
		h.close(c, err)
	}
}

// TestIdleHoldsNoBuffers: once a connection has moved a large amount of
// data each way and gone quiet, its layer holds no ciphertext buffer, in
// or out, as an idle plain connection holds no read buffer.
func TestIdleHoldsNoBuffers(t *testing.T) {
	leakcheck.Check(t)
	pki := newTestPKI(t)
	srvCfg := &tls.Config{Certificates: []tls.Certificate{pki.Leaf(t, "localhost")}}
	cliCfg := &tls.Config{RootCAs: pki.Pool, ServerName: "localhost"}
	const size = 1 << 20
	payload := make([]byte, size)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	var srvConn *eddy.Conn
	in := 0
	srv := &idleHandler{
		open: func(c *eddy.Conn) { srvConn = c },
		data: func(c *eddy.Conn, d []byte) int {
			if in += len(d); in == size {
				c.Write(payload) // all of it back, in one write
			}
			return len(d)
		},
	}
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv, eddy.WithLayer(ServerLayer(srvCfg)))
	if err != nil {
		t.Fatal(err)
	}
	back := 0
	var outCap, inCap int
	cli := &idleHandler{
		open: func(c *eddy.Conn) { c.Write(payload) },
		data: func(c *eddy.Conn, d []byte) int {
			if back += len(d); back == size {
				// The server has read and answered everything: it is idle.
				s := srvConn.Layer().(*session)
				outCap, inCap = cap(s.t.out), cap(s.t.in.buf)
				c.Close()
			}
			return len(d)
		},
		close: func(*eddy.Conn, error) { ln.Close() },
	}
	c, err := l.Dial("tcp", ln.Addr().String(), cli)
	if err != nil {
		t.Fatal(err)
	}
	c.SetLayer(ClientLayer(cliCfg))
	dog := time.AfterFunc(20*time.Second, l.Stop)
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if back != size || cli.err != nil {
		t.Fatalf("echoed %d of %d bytes; client %v", back, size, cli.err)
	}
	if outCap != 0 || inCap != 0 {
		t.Errorf("idle server layer holds buffers: out %d bytes, in %d bytes", outCap, inCap)
	}
}
