//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Registrations that only kqueue has: a process by its id (EVFILT_PROC)
// and a file or directory by an open descriptor (EVFILT_VNODE). Both are
// then armed with Poller.Notify, like a pidfd or an inotify descriptor
// on Linux, and end with Poller.Close.

// WatchProcess registers the child process pid with p, this system's
// backend, so that Notify on fd reports its exit (NOTE_EXIT) through
// o.NotifyDone. The readiness is sticky: once the process has exited,
// every Notify completes, until Close. A pid already watched gives
// ErrBusy.
func WatchProcess(p Poller, fd *FD, pid int, o Owner) error {
	kq, ok := p.(*kqueue)
	if !ok {
		return ErrUnsupported
	}
	return kq.registerProcess(fd, pid, o)
}

// WatchVnode registers the open file or directory s with p, this
// system's backend, for the vnode events in mask (unix.NOTE_WRITE,
// NOTE_DELETE …). Events that arrive are accumulated; Notify on fd
// completes through o.NotifyDone when some are waiting, and VnodeEvents
// takes them. Close closes s.
func WatchVnode(p Poller, fd *FD, s Sock, mask uint32, o Owner) error {
	kq, ok := p.(*kqueue)
	if !ok {
		return ErrUnsupported
	}
	return kq.registerVnode(fd, s, mask, o)
}

// VnodeEvents returns the NOTE_* bits seen on a WatchVnode registration
// since the last call, and clears them.
func VnodeEvents(fd *FD) uint32 {
	if fd.sys.kind != kindVnode {
		return 0
	}
	f := fd.sys.fflags
	fd.sys.fflags = 0
	return f
}

// registerVnode registers the open file or directory s for EVFILT_VNODE
// with the NOTE_* bits in mask.
func (p *kqueue) registerVnode(fd *FD, s Sock, mask uint32, o Owner) error {
	if s < 0 {
		return syscall.EBADF
	}
	*fd = FD{sock: s, owner: o}
	fd.sys.kind = kindVnode
	if err := p.change(s, unix.EVFILT_VNODE, unix.EV_ADD|unix.EV_CLEAR, mask); err != nil {
		fd.flags = fClosed
		return os.NewSyscallError("kevent", err)
	}
	p.slot(s)
	p.fds[s] = fd
	return nil
}

// registerProcess watches the process pid for its exit (NOTE_EXIT).
func (p *kqueue) registerProcess(fd *FD, pid int, o Owner) error {
	if pid <= 0 {
		return syscall.ESRCH
	}
	if old := p.procs[pid]; old != nil && old.flags&fClosed == 0 {
		return ErrBusy
	}
	*fd = FD{sock: InvalidSock, owner: o}
	fd.sys = fdSys{kind: kindProc, pid: pid}
	switch err := p.change(pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_CLEAR, unix.NOTE_EXIT); err {
	case nil:
	case unix.ESRCH:
		// Already gone (a zombie, on some systems): it is ready to reap.
		fd.sys.ready = true
	default:
		fd.flags = fClosed
		return os.NewSyscallError("kevent", err)
	}
	p.procs[pid] = fd
	return nil
}
