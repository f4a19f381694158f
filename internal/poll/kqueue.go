//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// kqueue is the backend of macOS and the BSDs. It is readiness-based like
// epoll and mirrors epoll_linux.go: each socket gets an EVFILT_READ and an
// EVFILT_WRITE filter, both EV_CLEAR (edge-triggered), once, at Register;
// readiness edges become system calls, and system calls become the
// completions the Owner sees. Processes (EVFILT_PROC) and file-system
// watches (EVFILT_VNODE) come through Notify.
//
// kqueue does not implement Parking: the Go runtime registers a
// descriptor for EVFILT_WRITE as well as EVFILT_READ, and a kqueue
// descriptor refuses EVFILT_WRITE, so it cannot be nested in the
// runtime's poller; the loop keeps its thread and blocks in kevent.
type kqueue struct {
	kq     int
	events [256]unix.Kevent_t
	readyFDs
	wakeStamp
	closed []uint64 // per descriptor: the batch in which it was closed
	batch  uint64   // counts Wait calls, for closed
	procs  map[int]*FD
	gone   []int    // process watches closed during the current batch
	io     rawIO    // writev state (iovecs or a gather buffer)
	wake   wakeup   // EVFILT_USER or a pipe, per system
	gate   wakeGate // Wake against Shutdown
}

var _ Poller = (*kqueue)(nil)

// Kinds of registration, in fdSys.kind.
const (
	kindSock  uint8 = iota // a socket, pipe or terminal: read and write filters
	kindProc               // a process id: EVFILT_PROC
	kindVnode              // a file or directory: EVFILT_VNODE
)

// fdSys is the per-registration state that kqueue needs beyond FD's own
// fields.
type fdSys struct {
	kind   uint8
	ready  bool   // kindProc: the process has exited
	pid    int    // kindProc: the process id
	fflags uint32 // kindVnode: NOTE_* bits seen and not yet taken
}

// New returns the backend for this system.
func New() (Poller, error) {
	syscall.ForkLock.RLock()
	kq, err := unix.Kqueue()
	if err == nil {
		unix.CloseOnExec(kq)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	p := &kqueue{kq: kq, procs: map[int]*FD{}}
	if err := p.wake.init(kq); err != nil {
		unix.Close(kq)
		return nil, err
	}
	return p, nil
}

// change applies one change to the kqueue.
func (p *kqueue) change(ident, filter, flags int, fflags uint32) error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], ident, filter, flags)
	ch[0].Fflags = fflags
	for {
		_, err := unix.Kevent(p.kq, ch[:], nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// slot makes room in the descriptor table for s.
func (p *kqueue) slot(s int) {
	if s < len(p.fds) {
		return
	}
	n := len(p.fds) * 2
	if n <= s {
		n = s + 64
	}
	grown := make([]*FD, n)
	copy(grown, p.fds)
	p.fds = grown
	closed := make([]uint64, n)
	copy(closed, p.closed)
	p.closed = closed
}

func (p *kqueue) Register(fd *FD, s Sock, o Owner) error {
	if s < 0 {
		return syscall.EBADF
	}
	*fd = FD{sock: s, owner: o}
	var ch [2]unix.Kevent_t
	unix.SetKevent(&ch[0], s, unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
	unix.SetKevent(&ch[1], s, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_CLEAR)
	_, err := unix.Kevent(p.kq, ch[:], nil, nil)
	if err != nil {
		// One end of a pipe may refuse the filter of the other direction:
		// add them one by one and keep what works.
		rerr := p.change(s, unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR, 0)
		werr := p.change(s, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_CLEAR, 0)
		if rerr == nil || werr == nil {
			err = nil
		}
	}
	if err != nil {
		fd.flags = fClosed
		return os.NewSyscallError("kevent", err)
	}
	p.slot(s)
	p.fds[s] = fd
	return nil
}

func (p *kqueue) Close(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags = fClosed
	fd.wbufs = nil
	fd.file = nil
	fd.owner = nil
	if fd.sys.kind == kindProc {
		pid := fd.sys.pid
		if p.procs[pid] == fd {
			delete(p.procs, pid)
			_ = p.change(pid, unix.EVFILT_PROC, unix.EV_DELETE, 0)
			p.gone = append(p.gone, pid)
		}
		fd.sys = fdSys{}
		return nil
	}
	s := fd.sock
	if s < len(p.fds) && p.fds[s] == fd {
		p.fds[s] = nil
		// Events of this batch for s belong to this socket, even if a new
		// one takes the number before they are dispatched.
		p.closed[s] = p.batch
	}
	fd.sock = InvalidSock
	fd.sys = fdSys{}
	return wrapErr("close", unix.Close(s)) // closing drops the filters
}

func (p *kqueue) Move(dst, src *FD, o Owner) error {
	if src.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if src.flags&(fWriting|fConnecting) != 0 {
		return ErrBusy
	}
	if src.sys.kind == kindProc {
		return ErrBusy
	}
	p.move(dst, src, o)
	return nil
}

func (p *kqueue) Notify(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= fNotify
	switch fd.sys.kind {
	case kindProc:
		if fd.sys.ready {
			p.retry(fd)
		}
	case kindVnode:
		if fd.sys.fflags != 0 {
			p.retry(fd)
		}
	default:
		// Level state is not re-announced by an edge: check it now.
		if readable(fd.sock) {
			p.retry(fd)
		}
	}
	return nil
}

func (p *kqueue) TryWrite(fd *FD, bufs [][]byte) (int, error) {
	if fd.flags&fClosed != 0 {
		return 0, ErrFDClosed
	}
	if fd.flags&(fWriting|fConnecting) != 0 {
		return 0, ErrBusy
	}
	for {
		n, err := p.io.writev(fd.sock, bufs)
		switch err {
		case nil:
			return n, nil
		case unix.EAGAIN:
			return 0, nil
		case unix.EINTR:
			continue
		}
		return 0, os.NewSyscallError("writev", err)
	}
}

func (p *kqueue) Wake() error {
	if !p.gate.enter() {
		return nil
	}
	defer p.gate.leave()
	return p.wake.wake()
}

func (p *kqueue) Shutdown() error {
	if !p.gate.close() {
		return nil
	}
	p.wake.close()
	return wrapErr("close", unix.Close(p.kq))
}
