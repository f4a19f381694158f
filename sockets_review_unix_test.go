//go:build unix

package eddy

import (
	"net"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestSetNoDelayBeforeConnect: SetNoDelay(false) made right after Dial,
// while the name is still being resolved and no socket exists, is kept
// and applied to the socket that connects. Before, it was applied to
// descriptor 0 (the zero poll.FD), failing or changing someone else's
// socket, and the connection kept TCP_NODELAY on.
func TestSetNoDelayBeforeConnect(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", BaseHandler{})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	nodelay := -1
	var setErr error
	c, err := l.Dial("tcp4", "localhost:"+port, &funcHandler{
		open: func(c *Conn) {
			nodelay, err = syscall.GetsockoptInt(int(c.fd.Sock()), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
			if err != nil {
				t.Error(err)
			}
			c.Close()
		},
		close: func(*Conn, error) { ln.Close() },
	})
	if err != nil {
		t.Fatal(err)
	}
	setErr = c.SetNoDelay(false)
	run(t, l)
	if setErr != nil || nodelay != 0 {
		t.Fatalf("SetNoDelay(false) before connecting: %v; TCP_NODELAY is %d once open, want 0", setErr, nodelay)
	}
}
