//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// The system calls that kqueue's readiness edges turn into completions.
// They mirror epoll_linux.go.

func (p *kqueue) read(fd *FD) {
	buf := p.readBuf()
	for {
		n, err := rawRead(fd.sock, buf)
		switch {
		case n > 0:
			fd.owner.ReadDone(buf[:n], nil)
			if fd.flags&(fReading|fClosed) != fReading {
				return
			}
			if n == len(buf) {
				p.retry(fd) // more may be waiting; come back next turn
				return
			}
			if fd.flags&fHup != 0 {
				continue
			}
			return
		case err == nil: // n == 0
			fd.flags &^= fReading
			fd.owner.ReadDone(nil, io.EOF)
			return
		case err == unix.EAGAIN:
			return
		case err == unix.EINTR:
			continue
		default:
			fd.flags &^= fReading
			fd.owner.ReadDone(nil, os.NewSyscallError("read", err))
			return
		}
	}
}

func (p *kqueue) finishConnect(fd *FD) {
	if p.connected(fd) {
		p.flush(fd)
	}
}

func (p *kqueue) flush(fd *FD) {
	for fd.flags&(fWriting|fClosed) == fWriting {
		if fd.file != nil {
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
			fd.owner.WriteDone(os.NewSyscallError("writev", err))
			return
		}
		fd.wbufs = consume(fd.wbufs, n)
		if len(fd.wbufs) == 0 {
			fd.flags &^= fWriting
			fd.wbufs = nil
			fd.owner.WriteDone(nil)
			// The callback may have submitted the next write: the loop
			// tries it at once, since no new edge will announce it.
		}
	}
}
