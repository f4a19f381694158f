//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// This file holds the helpers that the readiness backends (epoll and
// kqueue) share.

// readable polls one descriptor without waiting.
func readable(s int) bool {
	fds := []unix.PollFd{{Fd: int32(s), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents != 0
}

// readyFDs is the bookkeeping the readiness backends (epoll and kqueue)
// share: registrations by descriptor number, and the retry list of
// descriptors to try again without waiting for an edge.
type readyFDs struct {
	fds   []*FD  // indexed by descriptor number
	again []*FD  // descriptors to try again without waiting for an edge
	spare []*FD  // the other half of again, swapped each Wait
	buf   []byte // the shared read buffer, allocated on first use

	emptyReads int // reads that found nothing (EAGAIN): tests watch it
}

// fQueued are the flags of a descriptor on the retry list, which say
// what to try again: its input side (a read, a receive, an accept or a
// Notify), its output side (a write or a connect), or both.
const fQueued = fReadQueued | fWriteQueued

// retry puts fd on the retry list, once, to try its input side again.
func (r *readyFDs) retry(fd *FD) { r.queue(fd, fReadQueued) }

// retryWrite puts fd on the retry list, once, to try its output side:
// a write attempt alone, with no read that would find nothing.
func (r *readyFDs) retryWrite(fd *FD) { r.queue(fd, fWriteQueued) }

// queue puts fd on the retry list, once, with what (fQueued bits) to try.
func (r *readyFDs) queue(fd *FD, what uint16) {
	if fd.flags&fQueued == 0 {
		r.again = append(r.again, fd)
	}
	fd.flags |= what
}

// takeQueued clears fd's fQueued flags, as the retry list is processed,
// and returns them.
func takeQueued(fd *FD) uint16 {
	what := fd.flags & fQueued
	fd.flags &^= fQueued
	return what
}

// move hands src's registration to dst, owned by o. The backend has
// checked that src may move.
func (r *readyFDs) move(dst, src *FD, o Owner) {
	queued := src.flags & fQueued
	*dst = *src
	dst.owner = o
	dst.flags &^= fQueued
	if dst.sock < len(r.fds) && r.fds[dst.sock] == src {
		r.fds[dst.sock] = dst
	}
	*src = FD{sock: InvalidSock, flags: fClosed}
	// src may wait on the retry list of this turn or of the next: either
	// way dst takes its place on the next one.
	for i, fd := range r.again {
		if fd == src {
			r.again = append(r.again[:i], r.again[i+1:]...)
			break
		}
	}
	if queued != 0 {
		r.queue(dst, queued)
	}
}

// start turns on what flag stands for (reading, receiving, accepting) and
// tries fd once: the edge may have passed while it was off.
func (r *readyFDs) start(fd *FD, flag uint16) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= flag
	r.retry(fd)
	return nil
}

// The Poller methods that turn reading, receiving and accepting on and off.

func (r *readyFDs) StartRead(fd *FD) error {
	fd.flags |= fStream
	return r.start(fd, fReading)
}

// StopRead disarms the read. An error announced with the edge that the
// read was taking when its owner stopped it is reported next turn (see
// sockErr): no new edge would bring it.
func (r *readyFDs) StopRead(fd *FD) {
	fd.flags = fd.flags&^fReading | fStream
	if fd.flags&(fErr|fClosed) == fErr {
		r.retry(fd)
	}
}

func (r *readyFDs) StartRecv(fd *FD) error   { return r.start(fd, fRecving) }
func (r *readyFDs) StopRecv(fd *FD)          { fd.flags &^= fRecving }
func (r *readyFDs) StartAccept(fd *FD) error { return r.start(fd, fAccepting) }
func (r *readyFDs) StopAccept(fd *FD)        { fd.flags &^= fAccepting }

// sockErr reports, through ReadDone, the error pending on a stream socket
// that is not being read (paused, or ended at the end of stream), once the
// kernel has announced one: a reset peer is gone, and waiting for the
// owner's next read or write would keep the connection, its buffers and
// its owner's state for as long as a pause lasts (possibly for ever). A
// plain end of stream (the peer's FIN) is no error: its bytes wait in the
// kernel until StartRead. SO_ERROR takes the error, which a later read
// would otherwise return; 0 means a read or write took it first, and
// ENOTSOCK a descriptor (a pipe) that has no such error. The caller has
// checked that fd is an open stream, not reading, with fErr set.
func sockErr(fd *FD) {
	fd.flags &^= fErr
	v, err := unix.GetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil || v == 0 {
		return
	}
	fd.owner.ReadDone(nil, os.NewSyscallError("read", syscall.Errno(v)))
}

// pausedErr is what dispatch does last: it reports the error of a stream
// that is not being read (sockErr), if the kernel announced one.
func pausedErr(fd *FD) {
	if fd.flags&(fErr|fStream|fReading|fClosed) == fErr|fStream {
		sockErr(fd)
	}
}

// acceptBatch bounds the connections accepted for one event, and
// recvBatch the datagrams read for one event, so that one busy listener
// or socket cannot starve the others.
const (
	acceptBatch = 64
	recvBatch   = 64
)

// readBuf returns the backend's shared read buffer, allocated on first
// use.
func (r *readyFDs) readBuf() []byte {
	if r.buf == nil {
		r.buf = make([]byte, ReadBufferSize)
	}
	return r.buf
}

// recv reads datagrams until the socket is drained, the owner stops
// receiving, or recvBatch have been read (then fd is tried again).
func (r *readyFDs) recv(fd *FD) {
	buf := r.readBuf()
	network := "udp"
	for i := 0; i < recvBatch; i++ {
		n, sa, trunc, err := recvDgram(fd.sock, buf)
		switch err {
		case nil:
			var from net.Addr
			if sa != nil {
				if _, ok := sa.(*unix.SockaddrUnix); ok {
					network = "unixgram"
				}
				from = FromSockaddr(network, sa)
			}
			if trunc {
				fd.owner.RecvDone(buf[:n], from, ErrTruncated)
			} else {
				fd.owner.RecvDone(buf[:n], from, nil)
			}
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
	r.retry(fd)
}

// connected finishes a connect that the output edge announced, unless it
// is still in progress, and reports whether fd has writes queued to flush
// now.
func (r *readyFDs) connected(fd *FD) bool {
	v, err := unix.GetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && v != 0 {
		err = syscall.Errno(v)
	}
	if err == nil {
		// SO_ERROR is also 0 while the connect is still in progress.
		if _, perr := unix.Getpeername(fd.sock); perr != nil {
			return false
		}
	}
	fd.flags &^= fConnecting
	if err != nil {
		fd.owner.ConnectDone(os.NewSyscallError("connect", err))
		return false
	}
	fd.owner.ConnectDone(nil)
	return fd.flags&(fWriting|fClosed) == fWriting
}

// The Poller methods that queue writes and connects: the next turn (or,
// for a write, the end of the connect) writes, since completions come
// from Wait; it tries the output side only (retryWrite).

func (r *readyFDs) Write(fd *FD, bufs [][]byte) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fWriting != 0 {
		return ErrBusy
	}
	fd.flags |= fWriting
	fd.wbufs = bufs
	if fd.flags&fConnecting == 0 {
		r.retryWrite(fd)
	}
	return nil
}

func (r *readyFDs) SendFile(fd *FD, head [][]byte, f *os.File, off int64, n int64) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fWriting != 0 {
		return ErrBusy
	}
	fd.flags |= fWriting
	fd.wbufs = head
	fd.file = &fileOp{f: f, off: off, n: n}
	if fd.flags&fConnecting == 0 {
		r.retryWrite(fd)
	}
	return nil
}

func (r *readyFDs) Connect(fd *FD, addr net.Addr) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	sa, err := peerSockaddr(fd.sock, addr)
	if err != nil {
		return err
	}
	fd.flags |= fConnecting
	switch err := unix.Connect(fd.sock, sa); err {
	case nil, unix.EINPROGRESS, unix.EINTR, unix.EALREADY:
		// A connect that finished at once (Unix sockets) still reports
		// through ConnectDone, after an SO_ERROR check, like the others.
		r.retryWrite(fd)
		return nil
	default:
		fd.flags &^= fConnecting
		return os.NewSyscallError("connect", err)
	}
}

func (r *readyFDs) Pending() bool { return len(r.again) > 0 }

// acceptFn is acceptSock; tests replace it to inject errors.
var acceptFn = acceptSock

// accept takes connections until the backlog is empty, the owner stops
// accepting, acceptBatch have been taken or an accept fails (then fd is
// tried again next turn).
func (r *readyFDs) accept(fd *FD) {
	for i := 0; i < acceptBatch; i++ {
		s, err := acceptFn(fd.sock)
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
		// Out of descriptors (EMFILE, ENFILE) or memory, or an error
		// that Linux passes on from the new connection: reported, and
		// tried again next turn, since the connections still waiting
		// in the backlog will not be announced by a new edge. An owner
		// that wants a pause stops accepting meanwhile.
		fd.owner.AcceptDone(InvalidSock, os.NewSyscallError("accept", err))
		if fd.flags&(fAccepting|fClosed) == fAccepting {
			r.retry(fd)
		}
		return
	}
	r.retry(fd)
}

// read reads fd until it would block, the owner stops reading, or a read
// fills the buffer (then fd is tried again next turn, so that one busy
// connection cannot starve the others).
func (r *readyFDs) read(fd *FD) {
	buf := r.readBuf()
	for {
		n, err := sockRead(fd, buf)
		switch {
		case n > 0:
			fd.owner.ReadDone(buf[:n], nil)
			if fd.flags&(fReading|fClosed) != fReading {
				return
			}
			if n == len(buf) {
				r.retry(fd) // more may be waiting; come back next turn
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
			r.emptyReads++
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
