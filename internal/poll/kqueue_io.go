//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The system calls that kqueue's readiness edges turn into completions.
// They mirror epoll_linux.go.

// acceptBatch bounds the accepts made for one event, so that a flood of
// connections cannot starve the rest of the loop.
const acceptBatch = 64

// recvBatch bounds the datagrams read for one event.
const recvBatch = 64

func (p *kqueue) readBuf() []byte {
	if p.buf == nil {
		p.buf = make([]byte, ReadBufferSize)
	}
	return p.buf
}

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

func (p *kqueue) accept(fd *FD) {
	for i := 0; i < acceptBatch; i++ {
		s, err := acceptSock(fd.sock)
		switch err {
		case nil:
			InitAccepted(s)
			fd.owner.AcceptDone(s, nil)
			if fd.flags&(fAccepting|fClosed) != fAccepting {
				return
			}
			continue
		case unix.EAGAIN:
			return
		case unix.EINTR, unix.ECONNABORTED:
			continue
		}
		fd.owner.AcceptDone(InvalidSock, os.NewSyscallError("accept", err))
		return
	}
	p.retry(fd)
}

func (p *kqueue) recv(fd *FD) {
	buf := p.readBuf()
	network := "udp"
	for i := 0; i < recvBatch; i++ {
		n, sa, err := unix.Recvfrom(fd.sock, buf, 0)
		switch err {
		case nil:
			var from net.Addr
			if sa != nil {
				if _, ok := sa.(*unix.SockaddrUnix); ok {
					network = "unixgram"
				}
				from = FromSockaddr(network, sa)
			}
			fd.owner.RecvDone(buf[:n], from, nil)
			if fd.flags&(fRecving|fClosed) != fRecving {
				return
			}
			continue
		case unix.EAGAIN:
			return
		case unix.EINTR:
			continue
		}
		// Errors such as ECONNREFUSED (from an earlier send on a
		// connected socket) are reported but leave the receive armed.
		fd.owner.RecvDone(nil, nil, os.NewSyscallError("recvfrom", err))
		if fd.flags&(fRecving|fClosed) != fRecving {
			return
		}
	}
	p.retry(fd)
}

func (p *kqueue) finishConnect(fd *FD) {
	v, err := unix.GetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && v != 0 {
		err = syscall.Errno(v)
	}
	if err == nil {
		// SO_ERROR is also 0 while the connect is still in progress.
		if _, perr := unix.Getpeername(fd.sock); perr != nil {
			return
		}
	}
	fd.flags &^= fConnecting
	if err != nil {
		fd.owner.ConnectDone(os.NewSyscallError("connect", err))
		return
	}
	fd.owner.ConnectDone(nil)
	if fd.flags&(fWriting|fClosed) == fWriting {
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
