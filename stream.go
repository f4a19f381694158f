package eddy

import (
	"os"

	"github.com/eddy-go/eddy/internal/poll"
)

// NewStream puts a stream descriptor of the caller's on the loop as a
// connection: a pipe (a child process's standard input or output), a
// terminal, or a socket made elsewhere. The loop works on a non-blocking
// descriptor of its own, so the caller closes f as usual. On Linux, pipes
// and terminals are opened anew for it and f keeps its flags; a socket,
// and any descriptor on the BSDs and macOS, is duplicated, and the
// O_NONBLOCK it gets is shared with f. The connection opens at
// once: h.OnOpen runs on the next loop turn. It has no addresses. A
// write-only descriptor (a pipe's write end) is never read. Loop-only.
func (l *Loop) NewStream(f *os.File, h Handler) (*Conn, error) {
	if err := l.opening(); err != nil {
		return nil, err
	}
	s, err := poll.AdoptFile(f.Fd())
	if err != nil {
		return nil, opError("open", "pipe", nil, err)
	}
	// Attached before it is linked: a stream that cannot be registered
	// reports its error here alone, and its handler never hears of it.
	c := &Conn{loop: l, handler: h, netw: netPipe}
	if poll.WriteOnly(s) {
		c.flags |= cNoRead
	}
	if err := c.attach(s); err != nil {
		poll.CloseSock(s)
		return nil, opError("open", "pipe", nil, err)
	}
	c.fd.SetShared() // f's open file may be this descriptor's too
	l.link(c)
	l.NextTick(func() {
		if c.flags&cClosed == 0 {
			c.start()
		}
	})
	return c, nil
}
