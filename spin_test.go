package eddy

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A spinning loop still serves I/O and timers correctly.
func TestSpinningLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithSpin(50*time.Microsecond))
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	n := 0
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { c.Write([]byte("x")) },
		data: func(c *Conn, d []byte) int {
			n++
			if n == 100 {
				c.Close()
				ln.Close()
				return len(d)
			}
			c.Write(d)
			return len(d)
		},
	})
	fired := false
	l.AfterFunc(time.Millisecond, func() { fired = true })
	run(t, l)
	if n != 100 || !fired {
		t.Fatalf("round trips %d, timer fired %v", n, fired)
	}
}
