//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import "golang.org/x/sys/unix"

// This file holds the helpers that the readiness backends (epoll and
// kqueue) share.

// readable polls one descriptor without waiting.
func readable(s int) bool {
	fds := []unix.PollFd{{Fd: int32(s), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents != 0
}

// consume drops the first n bytes of bufs.
func consume(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs[0] = nil
		bufs = bufs[1:]
	}
	if len(bufs) > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}

// readyFDs is the bookkeeping the readiness backends (epoll and kqueue)
// share: registrations by descriptor number, and the retry list of
// descriptors to try again without waiting for an edge.
type readyFDs struct {
	fds   []*FD // indexed by descriptor number
	again []*FD // descriptors to try again without waiting for an edge
	spare []*FD // the other half of again, swapped each Wait
}

// retry puts fd on the retry list, once.
func (r *readyFDs) retry(fd *FD) {
	if fd.flags&fReadQueued == 0 {
		fd.flags |= fReadQueued
		r.again = append(r.again, fd)
	}
}

// move hands src's registration to dst, owned by o. The backend has
// checked that src may move.
func (r *readyFDs) move(dst, src *FD, o Owner) {
	queued := src.flags&fReadQueued != 0
	*dst = *src
	dst.owner = o
	dst.flags &^= fReadQueued
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
	if queued {
		r.retry(dst)
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

func (r *readyFDs) StartRead(fd *FD) error   { return r.start(fd, fReading) }
func (r *readyFDs) StopRead(fd *FD)          { fd.flags &^= fReading }
func (r *readyFDs) StartRecv(fd *FD) error   { return r.start(fd, fRecving) }
func (r *readyFDs) StopRecv(fd *FD)          { fd.flags &^= fRecving }
func (r *readyFDs) StartAccept(fd *FD) error { return r.start(fd, fAccepting) }
func (r *readyFDs) StopAccept(fd *FD)        { fd.flags &^= fAccepting }
