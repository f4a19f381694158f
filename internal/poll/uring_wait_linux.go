//go:build linux

package poll

import (
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func (p *uring) Wait(timeoutMs int) (int, error) {
	r := p.r
	if len(p.errq) > 0 {
		p.armErrPolls()
	}
	if len(p.again) > 0 || r.ready() > 0 {
		timeoutMs = 0
	}
	var err error
	switch {
	case timeoutMs == 0:
		// Submit what is queued and run the kernel's pending task work
		// (which posts completions), without blocking.
		if r.unsubmitted() > 0 || r.needEnter() || r.ready() == 0 {
			err = r.enter(r.unsubmitted(), 0, uEnterGetEvents, false)
		}
	default:
		r.eventArg = uGetEventsArg{}
		if timeoutMs > 0 {
			r.ts = unix.NsecToTimespec(int64(timeoutMs) * 1e6)
			r.eventArg.ts = uint64(uintptrOf(&r.ts))
		}
		err = r.enter(r.unsubmitted(), 1, uEnterGetEvents, true)
	}
	p.note()
	switch err {
	case nil, unix.ETIME, unix.EINTR, unix.EBUSY, unix.EAGAIN:
	default:
		return 0, os.NewSyscallError("io_uring_enter", err)
	}
	retry := p.again
	p.again, p.spare = p.spare[:0], nil
	n := 0
	// Only the completions present now: those that the callbacks cause
	// wait for the next turn.
	for avail := r.ready(); avail > 0; avail-- {
		c := r.cqes[*r.cqHead&r.cqMask]
		storeHead(r, *r.cqHead+1)
		p.complete(c)
		n++
	}
	for i, fd := range retry {
		retry[i] = nil
		if fd.flags&fClosed != 0 {
			continue
		}
		fd.flags &^= fReadQueued
		p.redo(fd)
	}
	p.spare = retry[:0]
	return n + len(retry), nil
}

// redo runs what was queued for fd without a completion: a read that
// completed while reading was off, a write with nothing left to write.
func (p *uring) redo(fd *FD) {
	st := p.slot(fd)
	if st == nil {
		return
	}
	if fd.flags&fReading != 0 && st.hasHeld {
		data, err := st.held, st.heldErr
		st.held, st.heldErr, st.hasHeld = nil, nil, false
		if len(data) > 0 {
			fd.owner.ReadDone(data, nil)
		}
		switch {
		case fd.flags&fClosed != 0:
		case fd.flags&fReading == 0 && err != nil && err != io.EOF:
			// ReadDone stopped reading, but the held bytes led to an
			// error (a reset): the connection is dead, and is told now.
			endRead(fd, err)
		case fd.flags&fReading == 0:
			// ReadDone stopped reading: the end of stream the held bytes
			// led to waits for the next StartRead (the kernel reports
			// it only once).
			if err != nil {
				st.heldErr, st.hasHeld = err, true
			}
		case err != nil:
			endRead(fd, err)
		case !st.reading:
			p.armRead(st)
		}
	}
	if fd.flags&(fWriting|fClosed) == fWriting && fd.file == nil && !st.writing && fd.flags&fConnecting == 0 {
		if len(appendIovec(st.iov[:0], fd.wbufs)) == 0 {
			fd.flags &^= fWriting
			fd.wbufs = nil
			fd.owner.WriteDone(nil)
		} else {
			p.submitWrite(fd, st)
		}
	}
}

func (p *uring) complete(c uCQE) {
	op := c.userData >> 56
	switch op {
	case uopIgnore:
		return
	case uopRead:
		if p.br != nil && c.flags&uCQEFBuffer != 0 {
			defer p.br.recycle(c.flags)
		}
	case uopWake:
		unix.RawSyscall(unix.SYS_READ, uintptr(p.evfd), uintptrOf(&p.drain[0]), 8)
		if c.flags&uCQEFMore == 0 && !p.gate.closed() {
			p.armWake()
		}
		return
	}
	i := int32(c.userData >> 32 & 0xffffff)
	if i < 0 || int(i) >= len(p.slots) {
		return
	}
	st := p.slots[i]
	if st.gen != uint32(c.userData) {
		return
	}
	switch op {
	case uopRead:
		if c.flags&uCQEFMore == 0 {
			st.reading, st.cancel = false, false
		}
	case uopWrite:
		st.writing = false
		clear(st.iov)
	case uopPollIn:
		st.pollIn = false
	case uopPollOut:
		st.pollOut = false
	case uopPollErr:
		if c.flags&uCQEFMore == 0 {
			st.errPoll = false
		}
	}
	fd := st.fd
	if fd == nil {
		if !st.busy() {
			p.release(i)
		}
		return
	}
	switch op {
	case uopRead:
		p.readDone(fd, st, c.res, c.flags)
	case uopWrite:
		p.writeDone(fd, st, c.res)
	case uopPollIn:
		p.inReady(fd, st, c.res)
	case uopPollOut:
		p.outReady(fd, st, c.res)
	case uopPollErr:
		p.errReady(fd, st, c.res)
	}
}

// errReady handles a completion of watchErr's poll: the socket's error,
// if it has one, ends the read as a read would have (see Owner.ReadDone).
// The kernel also completes it for the peer's end of stream and a
// hang-up, which it never masks: those wait for StartRead.
func (p *uring) errReady(fd *FD, st *uslot, res int32) {
	if fd.flags&(fReading|fClosed) != 0 {
		return // reading again: a read will see the error
	}
	if res < 0 || res&unix.POLLERR == 0 {
		if !st.errPoll && res != -int32(unix.ECANCELED) {
			p.watchErr(st) // the multishot poll ended: watch on
		}
		return
	}
	v, err := unix.GetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil || v == 0 {
		return // a write took it, and failed with it
	}
	st.held, st.heldErr, st.hasHeld = nil, nil, false
	endRead(fd, os.NewSyscallError("read", syscall.Errno(v)))
}

func (p *uring) readDone(fd *FD, st *uslot, res int32, flags uint32) {
	var data []byte
	var err error
	switch {
	case res > 0 && flags&uCQEFBuffer != 0:
		data = p.br.get(uint16(flags>>uCQEBufferShift), int(res))
	case res > 0:
		data = st.buf[:res]
	case res == 0:
		err = io.EOF
	case res == -int32(unix.EAGAIN), res == -int32(unix.EINTR), res == -int32(unix.ECANCELED), res == -int32(unix.ENOBUFS):
		if fd.flags&fReading != 0 && !st.reading {
			p.armRead(st)
		}
		return
	default:
		err = os.NewSyscallError("read", syscall.Errno(-res))
	}
	if err != nil && err != io.EOF && fd.flags&fReading == 0 {
		// An error (a reset) while reading is stopped: the connection is
		// dead, and the bytes held before the error go with it.
		st.held, st.heldErr, st.hasHeld = nil, nil, false
		endRead(fd, err)
		return
	}
	if fd.flags&fReading == 0 || st.hasHeld {
		// Reading was stopped with the request in flight: keep what it
		// brings, in order, for the next StartRead.
		st.held = append(st.held, data...)
		if err != nil {
			st.heldErr = err
		}
		st.hasHeld = true
		if fd.flags&fReading != 0 {
			p.retry(fd)
		}
		return
	}
	if err != nil {
		endRead(fd, err)
		if err == io.EOF && fd.flags&fClosed == 0 {
			p.watchErr(st) // the owner may go on writing (a half close)
		}
		return
	}
	fd.owner.ReadDone(data, nil)
	if fd.flags&(fReading|fClosed) == fReading && !st.reading {
		p.armRead(st)
	}
}

func (p *uring) writeDone(fd *FD, st *uslot, res int32) {
	if fd.flags&fWriting == 0 || fd.file != nil {
		return
	}
	if res < 0 {
		if res == -int32(unix.EAGAIN) || res == -int32(unix.EINTR) {
			p.submitWrite(fd, st)
			return
		}
		fd.flags &^= fWriting
		fd.wbufs = nil
		fd.owner.WriteDone(os.NewSyscallError("writev", syscall.Errno(-res)))
		return
	}
	fd.wbufs = consume(fd.wbufs, int(res))
	if len(fd.wbufs) > 0 {
		p.submitWrite(fd, st)
		return
	}
	fd.flags &^= fWriting
	fd.wbufs = nil
	fd.owner.WriteDone(nil)
}

func (p *uring) inReady(fd *FD, st *uslot, res int32) {
	if res == -int32(unix.ECANCELED) {
		res = 0
	}
	switch {
	case fd.flags&fNotify != 0:
		fd.flags &^= fNotify
		if res < 0 {
			fd.owner.NotifyDone(os.NewSyscallError("poll", syscall.Errno(-res)))
		} else {
			fd.owner.NotifyDone(nil)
		}
	case fd.flags&fReading != 0:
		p.readNow(fd, st)
	case fd.flags&fAccepting != 0:
		p.accept(fd, st)
	case fd.flags&fRecving != 0:
		p.recv(fd, st)
	}
}

// readNow reads a descriptor that is not a socket once it is readable.
func (p *uring) readNow(fd *FD, st *uslot) {
	if st.buf == nil {
		st.buf = make([]byte, uringReadSize)
	}
	for {
		n, err := rawRead(fd.sock, st.buf)
		switch {
		case n > 0:
			fd.owner.ReadDone(st.buf[:n], nil)
			if fd.flags&(fReading|fClosed) == fReading {
				p.armPoll(st, false)
			}
			return
		case err == nil:
			endRead(fd, io.EOF)
			return
		case err == unix.EAGAIN:
			p.armPoll(st, false)
			return
		case err == unix.EINTR:
			continue
		default:
			endRead(fd, os.NewSyscallError("read", err))
			return
		}
	}
}

func (p *uring) accept(fd *FD, st *uslot) {
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
			p.armPoll(st, false)
			return
		case unix.EINTR, unix.ECONNABORTED:
			continue
		}
		fd.owner.AcceptDone(InvalidSock, os.NewSyscallError("accept", err))
		if fd.flags&(fAccepting|fClosed) == fAccepting {
			p.armPoll(st, false)
		}
		return
	}
	p.armPoll(st, false) // level-triggered: fires again at once if more wait
}

func (p *uring) recv(fd *FD, st *uslot) {
	if len(st.buf) < ReadBufferSize {
		st.buf = make([]byte, ReadBufferSize) // datagrams up to 64 KiB
	}
	buf := st.buf
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
		case unix.EAGAIN:
			p.armPoll(st, false)
			return
		case unix.EINTR:
			continue
		default:
			fd.owner.RecvDone(nil, nil, os.NewSyscallError("recvfrom", err))
		}
		if fd.flags&(fRecving|fClosed) != fRecving {
			return
		}
	}
	p.armPoll(st, false)
}

func (p *uring) outReady(fd *FD, st *uslot, res int32) {
	if fd.flags&fConnecting != 0 {
		p.finishConnect(fd, st)
		return
	}
	if fd.flags&fWriting == 0 || fd.file == nil {
		return
	}
	done, err := sendfileOp(fd)
	if !done {
		p.armPoll(st, true)
		return
	}
	fd.file = nil
	fd.wbufs = nil
	fd.flags &^= fWriting
	fd.owner.WriteDone(err)
}

func (p *uring) finishConnect(fd *FD, st *uslot) {
	v, err := unix.GetsockoptInt(fd.sock, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && v != 0 {
		err = syscall.Errno(v)
	}
	if err == nil {
		// SO_ERROR is also 0 while the connect is still in progress.
		if _, perr := unix.Getpeername(fd.sock); perr != nil {
			p.armPoll(st, true)
			return
		}
	}
	fd.flags &^= fConnecting
	if err != nil {
		fd.owner.ConnectDone(os.NewSyscallError("connect", err))
		return
	}
	fd.owner.ConnectDone(nil)
	// ConnectDone may have submitted the write itself.
	if fd.flags&(fWriting|fClosed) == fWriting && !st.writing && !st.pollOut {
		if fd.file != nil {
			p.armPoll(st, true)
		} else {
			p.submitWrite(fd, st)
		}
	}
}
