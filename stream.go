package eddy

import (
	"os"

	"github.com/eddy-go/eddy/internal/poll"
)

// NewStream puts a stream descriptor of the caller's on the loop as a
// connection: a pipe (a child process's standard input or output), a
// terminal, or a socket made elsewhere. The loop works on a non-blocking
// duplicate, so the caller closes f as usual. The connection opens at
// once: h.OnOpen runs on the next loop turn. It has no addresses. A
// write-only descriptor (a pipe's write end) is never read. Loop-only.
func (l *Loop) NewStream(f *os.File, h Handler) (*Conn, error) {
	if l.state.Load() == stateClosed {
		return nil, ErrLoopClosed
	}
	s, err := poll.AdoptFile(f.Fd())
	if err != nil {
		return nil, opError("open", "pipe", nil, err)
	}
	c := l.newConn(netPipe, h)
	if poll.WriteOnly(s) {
		c.flags |= cNoRead
	}
	if err := c.attach(s); err != nil {
		poll.CloseSock(s)
		c.closeNow(nil)
		return nil, opError("open", "pipe", nil, err)
	}
	l.NextTick(func() {
		if c.flags&cClosed == 0 {
			c.start()
		}
	})
	return c, nil
}
