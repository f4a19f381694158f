//go:build linux

package poll

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// epoll is the Linux backend. Sockets are registered once, edge-triggered,
// for input and output, so that no epoll_ctl call is needed afterwards:
// readiness edges become system calls, and system calls become the
// completions the Owner sees.
type epoll struct {
	epfd   int
	evfd   int
	events [256]unix.EpollEvent
	readyFDs
	gen  uint32
	iov  []unix.Iovec
	wake [8]byte
	gate wakeGate // Wake against Shutdown
	wakeStamp

	// Parking (see Parking): the epoll descriptor is itself registered
	// with the Go runtime's poller through file, and an idle Wait parks the
	// goroutine until it turns readable instead of blocking the thread.
	parking  bool
	file     *os.File
	rc       syscall.RawConn
	parkFn   func(uintptr) bool // p.parkPoll, bound once
	parkN    int                // parkPoll's results
	parkErr  error
	deadline bool // a read deadline is set on file
}

var _ Poller = (*epoll)(nil)

// New returns the backend for this system.
func New() (Poller, error) {
	if os.Getenv("EDDY_POLLER") == "uring" {
		if p, err := newURing(); err == nil {
			return p, nil
		}
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd), Pad: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(evfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	p := &epoll{epfd: epfd, evfd: evfd}
	p.wake[0] = 1
	p.parkFn = p.parkPoll
	return p, nil
}

var _ Parking = (*epoll)(nil)

// SetParking turns parking on or off. It registers the epoll descriptor
// (nested epoll is allowed by Linux) with the runtime's poller the first
// time; it reports false, and the backend keeps blocking in epoll_wait,
// if that fails.
func (p *epoll) SetParking(on bool) bool {
	if !on {
		p.parking = false
		return false
	}
	if p.file == nil {
		if err := unix.SetNonblock(p.epfd, true); err != nil {
			return false
		}
		f := os.NewFile(uintptr(p.epfd), "epoll")
		rc, err := f.SyscallConn()
		if err != nil || f.SetReadDeadline(time.Time{}) != nil {
			// Not pollable by the runtime: keep the descriptor ours.
			return false
		}
		p.file, p.rc = f, rc
	}
	p.parking = true
	return true
}

// park waits, with the goroutine parked in the Go scheduler, until the
// epoll descriptor turns readable or timeoutMs passes (-1: no limit), then
// collects the events without blocking.
func (p *epoll) park(timeoutMs int) (int, error) {
	if timeoutMs < 0 {
		if p.deadline {
			p.file.SetReadDeadline(time.Time{})
			p.deadline = false
		}
	} else {
		p.file.SetReadDeadline(time.Now().Add(time.Duration(timeoutMs) * time.Millisecond))
		p.deadline = true
	}
	p.parkN, p.parkErr = 0, nil
	err := p.rc.Read(p.parkFn)
	n, werr := p.parkN, p.parkErr
	if werr != nil {
		return n, werr
	}
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return n, err
	}
	return n, nil
}

// parkPoll is park's RawConn.Read callback: it reports true once events
// (or an error) are in hand, false to wait for the next edge. It must look
// even on its first call, though Wait has just looked: RawConn.Read forgets
// a readiness edge that arrived before it began, so an event (a Wake) that
// came in between would otherwise be missed.
func (p *epoll) parkPoll(uintptr) bool {
	p.parkN, p.parkErr = p.waitNow()
	return p.parkN != 0 || p.parkErr != nil
}

func (p *epoll) Register(fd *FD, s Sock, o Owner) error {
	if s < 0 {
		return syscall.EBADF
	}
	p.gen++
	*fd = FD{sock: s, gen: p.gen, owner: o}
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(s),
		Pad:    int32(fd.gen),
	}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, s, &ev); err != nil {
		fd.flags = fClosed
		return os.NewSyscallError("epoll_ctl", err)
	}
	if s >= len(p.fds) {
		n := len(p.fds) * 2
		if n <= s {
			n = s + 64
		}
		grown := make([]*FD, n)
		copy(grown, p.fds)
		p.fds = grown
	}
	p.fds[s] = fd
	return nil
}

func (p *epoll) Close(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	shared := fd.flags&fShared != 0
	fd.flags = fClosed
	fd.wbufs = nil
	fd.file = nil
	fd.owner = nil
	if fd.sock < len(p.fds) && p.fds[fd.sock] == fd {
		p.fds[fd.sock] = nil
	}
	// epoll keys a registration on the open file, not on the descriptor,
	// and close removes it only with the file's last descriptor: when
	// another one is still open (a dup that the caller of AdoptFile
	// keeps), the registration would outlive ours, deliver events for it,
	// and refuse a new descriptor for the same file that takes the number
	// (EEXIST). So a shared one's is removed first. Errors (ENOENT,
	// EBADF) mean there is nothing to remove.
	if shared {
		unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(p.epfd), unix.EPOLL_CTL_DEL, uintptr(fd.sock), 0, 0, 0)
	}
	err := unix.Close(fd.sock)
	fd.sock = InvalidSock
	return wrapErr("close", err)
}

func (p *epoll) Move(dst, src *FD, o Owner) error {
	if src.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if src.flags&(fWriting|fConnecting) != 0 {
		return ErrBusy
	}
	p.move(dst, src, o)
	return nil
}

func (p *epoll) Notify(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= fNotify
	// Level state is not re-announced by an edge: check it now.
	if readable(fd.sock) {
		p.retry(fd)
	}
	return nil
}

func (p *epoll) TryWrite(fd *FD, bufs [][]byte) (int, error) {
	if fd.flags&fClosed != 0 {
		return 0, ErrFDClosed
	}
	if fd.flags&(fWriting|fConnecting) != 0 {
		return 0, ErrBusy
	}
	for {
		n, err := p.writev(fd, bufs)
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

func (p *epoll) Wake() error {
	if !p.gate.enter() {
		return nil
	}
	_, err := unix.Write(p.evfd, p.wake[:])
	p.gate.leave()
	if err == unix.EAGAIN {
		return nil
	}
	return wrapErr("write", err)
}

func (p *epoll) Shutdown() error {
	if !p.gate.close() {
		return nil
	}
	unix.Close(p.evfd)
	if p.file != nil {
		return p.file.Close()
	}
	return wrapErr("close", unix.Close(p.epfd))
}

func (p *epoll) Wait(timeoutMs int) (int, error) {
	if len(p.again) > 0 {
		timeoutMs = 0
	}
	// A busy loop finds events waiting: look without blocking first,
	// through RawSyscall, which keeps the scheduler out of it (no P hand-off
	// and no wake-up of the runtime's monitor thread). Only an idle loop
	// makes the blocking call.
	// A loop that parks with no deadline skips that look: park's first
	// step is the same non-blocking look (see parkPoll), and it costs
	// nothing more when events are waiting. With a deadline, park would
	// first set it, so the plain look comes first.
	var n int
	var err error
	if p.parking && timeoutMs < 0 {
		n, err = p.park(timeoutMs)
	} else {
		n, err = p.waitNow()
		if n == 0 && err == nil && timeoutMs != 0 {
			if p.parking {
				n, err = p.park(timeoutMs)
			} else {
				n, err = unix.EpollWait(p.epfd, p.events[:], timeoutMs)
			}
		}
	}
	p.note()
	if err != nil {
		if err == unix.EINTR {
			n = 0
		} else {
			return 0, os.NewSyscallError("epoll_wait", err)
		}
	}
	// Take the retry list before dispatching: sockets queued by the
	// callbacks below wait for the next turn, so none can starve the loop.
	retry := p.again
	p.again, p.spare = p.spare[:0], nil
	for i := 0; i < n; i++ {
		ev := &p.events[i]
		s := int(ev.Fd)
		if s == p.evfd {
			var b [8]byte
			unix.Read(p.evfd, b[:])
			continue
		}
		if s >= len(p.fds) {
			continue
		}
		fd := p.fds[s]
		if fd == nil || fd.gen != uint32(ev.Pad) {
			continue // closed, and perhaps reused, since the event fired
		}
		p.dispatch(fd, ev.Events)
	}
	for i, fd := range retry {
		retry[i] = nil
		if fd.flags&fClosed != 0 {
			continue
		}
		var ev uint32
		what := takeQueued(fd)
		if what&fReadQueued != 0 {
			ev |= unix.EPOLLIN
		}
		if what&fWriteQueued != 0 {
			ev |= unix.EPOLLOUT
		}
		p.dispatch(fd, ev)
	}
	p.spare = retry[:0]
	return n + len(retry), nil
}

func (p *epoll) dispatch(fd *FD, ev uint32) {
	if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		if fd.flags&fConnecting != 0 {
			p.finishConnect(fd)
		} else if fd.flags&fWriting != 0 {
			p.flush(fd)
		}
	}
	if ev&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		// The end of the stream arrives as a state, not as data: once it
		// is announced, reads go on past short reads until they see it,
		// since no further edge will come.
		fd.flags |= fHup
		if ev&unix.EPOLLERR != 0 {
			// A socket error (a reset) is announced whatever the
			// interest: a read takes it, or, on a stream that is not
			// being read, pausedErr below.
			fd.flags |= fErr
		}
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && fd.flags&fClosed == 0 {
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
		pausedErr(fd)
	}
}

func (p *epoll) finishConnect(fd *FD) {
	if p.connected(fd) {
		p.flush(fd)
	}
}

func (p *epoll) flush(fd *FD) {
	for fd.flags&(fWriting|fClosed) == fWriting {
		if fd.file != nil {
			done, err := sendfileOp(fd)
			if !done {
				return
			}
			fd.file = nil
			fd.wbufs = nil
			fd.flags &^= fWriting
			fd.owner.WriteDone(err)
			continue
		}
		n, err := p.writev(fd, fd.wbufs)
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

// maxIovec is the most buffers one writev takes (IOV_MAX on Linux).
const maxIovec = 1024

func (p *epoll) writev(fd *FD, bufs [][]byte) (int, error) {
	if len(bufs) == 1 {
		return sockWrite(fd, bufs[0])
	}
	if p.iov == nil {
		p.iov = make([]unix.Iovec, 0, 64)
	}
	iov := p.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
		if len(iov) == maxIovec {
			break
		}
	}
	p.iov = iov
	if len(iov) == 0 {
		return 0, nil
	}
	r, e := sockWritev(fd, iov)
	for i := range iov {
		iov[i].Base = nil // let the buffers go
	}
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// sockWritev writes iov, which is not empty: with sendmsg(2) and
// MSG_NOSIGNAL for a socket, with writev(2) for anything else (see
// sockWrite).
func sockWritev(fd *FD, iov []unix.Iovec) (uintptr, unix.Errno) {
	if !fd.sys.notSock {
		msg := unix.Msghdr{Iov: &iov[0]}
		msg.SetIovlen(len(iov))
		r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd.sock), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL)
		if e != unix.ENOTSOCK {
			return r, e
		}
		fd.sys.notSock = true
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd.sock), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	return r, e
}

// The sockets are non-blocking, so their reads, writes and accepts return
// at once: they go through RawSyscall, which skips the scheduler's
// entersyscall/exitsyscall hand-off. Only epoll_wait, which blocks, uses
// the ordinary path.

func rawRead(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(s), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func rawWrite(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(s), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// waitNow polls for events without blocking.
func (p *epoll) waitNow() (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// fdSys is the per-descriptor state that the Linux backends need beyond
// FD's own fields.
type fdSys struct {
	// notSock is set once the descriptor has turned out not to be a
	// socket (a pipe, a terminal, an inotify descriptor): its reads and
	// writes then go through read(2) and write(2).
	notSock bool
}

// sockRead reads from a stream descriptor. A socket is read with
// recvfrom(2), which goes straight to the socket layer: read(2) first
// passes through the VFS (file position lock, access checks, a kiocb),
// which costs a few percent of a small read. A descriptor that answers
// ENOTSOCK is marked and read with read(2) from then on.
func sockRead(fd *FD, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !fd.sys.notSock {
		r, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd.sock), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
		if e != unix.ENOTSOCK {
			if e != 0 {
				return 0, e
			}
			return int(r), nil
		}
		fd.sys.notSock = true
	}
	return rawRead(fd.sock, p)
}

// sockWrite writes to a stream descriptor: with sendto(2) and
// MSG_NOSIGNAL for a socket (the socket layer directly, and no SIGPIPE
// when the peer has gone: the write fails with EPIPE), with write(2) for
// anything else, as sockRead does.
func sockWrite(fd *FD, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !fd.sys.notSock {
		r, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd.sock), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
		if e != unix.ENOTSOCK {
			if e != 0 {
				return 0, e
			}
			return int(r), nil
		}
		fd.sys.notSock = true
	}
	return rawWrite(fd.sock, p)
}
