//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// The system calls that kqueue's readiness edges turn into completions.
// They mirror epoll_linux.go.

// sockRead reads from any registered descriptor (socket, pipe,
// terminal): read(2), made as the system's raw call.
func sockRead(fd *FD, p []byte) (int, error) { return rawRead(fd.sock, p) }

func (p *kqueue) finishConnect(fd *FD) {
	if p.connected(fd) {
		p.flush(fd)
	}
}

func (p *kqueue) flush(fd *FD) {
	for fd.flags&(fWriting|fClosed) == fWriting {
		if fd.file != nil && len(fd.wbufs) == 0 {
			// A SendFile whose head (in wbufs, written by the code
			// below) has gone out. These systems have no MSG_MORE.
			done, err := p.sendfile(fd)
			if !done {
				return
			}
			fd.file = nil
			fd.flags &^= fWriting
			fd.owner.WriteDone(err)
			continue
		}
		n, err := p.io.writev(fd.sock, fd.wbufs)
		switch err {
		case nil:
		case unix.EAGAIN:
			return
		case unix.EINTR:
			continue
		default:
			fd.flags &^= fWriting
			fd.wbufs = nil
			fd.file = nil
			fd.owner.WriteDone(os.NewSyscallError("writev", err))
			return
		}
		fd.wbufs = consume(fd.wbufs, n)
		if len(fd.wbufs) == 0 && fd.file == nil {
			fd.flags &^= fWriting
			fd.wbufs = nil
			fd.owner.WriteDone(nil)
			// The callback may have submitted the next write: the loop
			// tries it at once, since no new edge will announce it.
		}
	}
}
