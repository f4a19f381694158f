//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// What a kevent says about a socket, as dispatch sees it.
const (
	evRead  = 1 << iota // EVFILT_READ fired
	evWrite             // EVFILT_WRITE fired
	evHup               // EV_EOF on the read filter: the peer closed its side
)

func (p *kqueue) Wait(timeoutMs int) (int, error) {
	if len(p.again) > 0 {
		timeoutMs = 0
	}
	var ts *unix.Timespec
	if timeoutMs >= 0 {
		t := unix.NsecToTimespec(int64(timeoutMs) * 1e6)
		ts = &t
	}
	n, err := unix.Kevent(p.kq, nil, p.events[:], ts)
	p.note()
	if err != nil {
		if err != unix.EINTR {
			return 0, os.NewSyscallError("kevent", err)
		}
		n = 0
	}
	// A new batch: descriptors closed from now on have their remaining
	// events of this batch dropped.
	p.batch++
	p.gone = p.gone[:0]
	// Take the retry list before dispatching: descriptors queued by the
	// callbacks below wait for the next turn, so none can starve the loop.
	retry := p.again
	p.again, p.spare = p.spare[:0], nil
	for i := 0; i < n; i++ {
		p.event(&p.events[i])
	}
	for i, fd := range retry {
		retry[i] = nil
		if fd.flags&fClosed != 0 {
			continue
		}
		what := takeQueued(fd)
		switch fd.sys.kind {
		case kindProc, kindVnode:
			p.notifyReady(fd)
		default:
			ev := 0
			if what&fReadQueued != 0 {
				ev |= evRead
			}
			if what&fWriteQueued != 0 {
				ev |= evWrite
			}
			p.dispatch(fd, ev)
		}
	}
	p.spare = retry[:0]
	return n + len(retry), nil
}

// event routes one kevent to its registration.
func (p *kqueue) event(ev *unix.Kevent_t) {
	if p.wake.is(ev) {
		return
	}
	id := int(ev.Ident)
	filter := int(ev.Filter)
	if filter == unix.EVFILT_PROC {
		for _, pid := range p.gone {
			if pid == id {
				return // closed since the event fired
			}
		}
		if fd := p.procs[id]; fd != nil && ev.Fflags&unix.NOTE_EXIT != 0 {
			fd.sys.ready = true
			p.notifyReady(fd)
		}
		return
	}
	if id < 0 || id >= len(p.fds) {
		return
	}
	fd := p.fds[id]
	if fd == nil || p.closed[id] == p.batch {
		return // closed, and perhaps reused, since the event fired
	}
	if int(ev.Flags)&unix.EV_ERROR != 0 {
		return // a failed change; Register reported it
	}
	if filter == unix.EVFILT_READ || filter == unix.EVFILT_WRITE {
		if int(ev.Flags)&unix.EV_EOF != 0 && ev.Fflags != 0 {
			// EV_EOF with the socket's error (a reset): a read takes
			// it, or, on a stream that is not being read, pausedErr.
			fd.flags |= fErr
		}
	}
	switch filter {
	case unix.EVFILT_READ:
		what := evRead
		if int(ev.Flags)&unix.EV_EOF != 0 {
			what |= evHup
		}
		p.dispatch(fd, what)
	case unix.EVFILT_WRITE:
		// EV_EOF here (the connection is gone) is seen by the write or
		// the connect check that follows.
		p.dispatch(fd, evWrite)
	case unix.EVFILT_VNODE:
		if fd.sys.kind == kindVnode {
			fd.sys.fflags |= ev.Fflags
			p.notifyReady(fd)
		}
	}
}

// notifyReady completes an armed Notify on a process or vnode
// registration whose state says it is due.
func (p *kqueue) notifyReady(fd *FD) {
	if fd.flags&(fNotify|fClosed) != fNotify {
		return
	}
	switch fd.sys.kind {
	case kindProc:
		if !fd.sys.ready {
			return
		}
	case kindVnode:
		if fd.sys.fflags == 0 {
			return
		}
	}
	fd.flags &^= fNotify
	fd.owner.NotifyDone(nil)
}

func (p *kqueue) dispatch(fd *FD, what int) {
	if what&evWrite != 0 {
		if fd.flags&fConnecting != 0 {
			p.finishConnect(fd)
		} else if fd.flags&fWriting != 0 {
			p.flush(fd)
		}
	}
	if what&evHup != 0 {
		// The end of the stream arrives as a state, not as data: once it
		// is announced, reads go on past short reads until they see it,
		// since no further edge will come.
		fd.flags |= fHup
	}
	if what&evRead != 0 && fd.flags&fClosed == 0 {
		switch {
		case fd.flags&fNotify != 0:
			if readable(fd.sock) {
				fd.flags &^= fNotify
				fd.owner.NotifyDone(nil)
			}
		case fd.flags&fReading != 0:
			p.read(fd)
		case fd.flags&fAccepting != 0:
			p.accept(fd)
		case fd.flags&fRecving != 0:
			p.recv(fd)
		}
	}
	pausedErr(fd)
}
