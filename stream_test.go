package eddy

import (
	"bytes"
	"os"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestPipeStreams(t *testing.T) {
	skipOnWindows(t, "NewStream needs a handle opened for overlapped I/O, and os.Pipe's are not")
	leakcheck.Check(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	l := newLoop(t)
	var got []byte
	var closeErr error = os.ErrInvalid
	rc, err := l.NewStream(r, &funcHandler{
		data:  func(c *Conn, d []byte) int { got = append(got, d...); return len(d) },
		close: func(_ *Conn, err error) { closeErr = err },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	wc, err := l.NewStream(w, &funcHandler{
		open: func(c *Conn) {
			c.Write(bytes.Repeat([]byte("p"), 200000)) // more than a pipe holds
			c.Close()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	run(t, l)
	if len(got) != 200000 || closeErr != nil {
		t.Fatalf("read %d bytes, close error %v", len(got), closeErr)
	}
	if rc.Network() != "pipe" || wc.RemoteAddr() != nil {
		t.Fatalf("network %q remote %v", rc.Network(), wc.RemoteAddr())
	}
}
