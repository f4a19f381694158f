//go:build linux

package poll

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// uring is the io_uring backend for Linux, chosen with EDDY_POLLER=uring.
// Sockets are read with multishot IORING_OP_RECV requests that take their
// buffers from a ring of provided buffers (or, if the kernel refuses the
// ring, single-shot IORING_OP_READ requests into a per-socket buffer,
// re-armed after each completion); other descriptors (pipes, inotify)
// with a poll and a direct read; asynchronous writes are
// IORING_OP_WRITEV requests; accepts, datagram receives, connects,
// sendfile and Notify wait for readiness with single-shot
// IORING_OP_POLL_ADD requests and then make the call directly, as epoll
// does. TryWrite writes at once. Every loop turn makes one io_uring_enter
// that submits the requests queued since the last one and reaps (or waits
// for) completions.
//
// Each registered socket has a slot holding the memory the kernel may
// write to (its read buffer) or read from (its iovecs), so that the
// garbage collector keeps it until the completions arrive, even after
// Close. A request's user_data carries the operation, the slot and the
// registration's generation, so completions for a closed socket, or for
// an older registration of a reused slot, are dropped.
type uring struct {
	r    *ring
	evfd int
	wakeStamp
	wake   [8]byte
	drain  [8]byte
	gen    uint32
	fds    []*FD   // indexed by socket number
	bySock []int32 // slot of each socket number, -1 for none
	slots  []*uslot
	free   []int32
	again  []*FD
	spare  []*FD
	iov    []unix.Iovec
	br     *bufRing  // buffers for multishot receives; nil: single-shot reads
	gate   wakeGate  // Wake against Shutdown
	errq   []slotRef // sockets to watch for errors from the next enter (watchErr)
}

// slotRef names a slot as one registration used it: its index and the
// generation, which a reused slot no longer has.
type slotRef struct {
	i   int32
	gen uint32
}

// uslot is the per-registration state of the uring backend.
type uslot struct {
	fd      *FD // nil once closed
	gen     uint32
	sock    Sock
	buf     []byte
	iov     []unix.Iovec
	reading bool // a read request is in flight
	writing bool // a writev request is in flight
	pollIn  bool // a POLLIN request is in flight
	pollOut bool // a POLLOUT request is in flight
	held    []byte
	heldErr error
	hasHeld bool   // a read completed while reading was stopped
	multi   bool   // the read in flight is a multishot receive
	cancel  bool   // its cancellation has been submitted
	armedAt uint32 // the submission queue position of the multishot receive
	kind    uint8  // kindUnknown, kindSock or kindOther
	errPoll bool   // a poll for the socket's error (watchErr) is in flight
	errWant bool   // on the uring's errq: the poll is submitted with the next enter
}

// Kinds of descriptor: sockets read with IORING_OP_READ; other
// descriptors (pipes, inotify) with a poll and a direct read, so that a
// read takes everything that arrived by the time the loop gets to it.
const (
	kindUnknown uint8 = iota
	kindSock
	kindOther
)

func (s *uslot) isSock() bool {
	if s.kind == kindUnknown {
		s.kind = kindOther
		if _, err := unix.GetsockoptInt(s.sock, unix.SOL_SOCKET, unix.SO_TYPE); err == nil {
			s.kind = kindSock
		}
	}
	return s.kind == kindSock
}

func (s *uslot) busy() bool { return s.reading || s.writing || s.pollIn || s.pollOut || s.errPoll }

// Operations, in the top byte of user_data.
const (
	uopIgnore uint64 = iota
	uopWake
	uopRead
	uopWrite
	uopPollIn
	uopPollOut
	uopPollErr
)

// uringReadSize is the size of each socket's read buffer.
const uringReadSize = 16 << 10

// uringBuffers and uringBufferSize shape the provided buffer ring.
const (
	uringBuffers    = 256
	uringBufferSize = 16 << 10
)

// uringEntries is the size of the submission queue.
const uringEntries = 1024

var _ Poller = (*uring)(nil)

// newURing returns the io_uring backend, or an error if the kernel lacks
// what it needs.
func newURing() (*uring, error) {
	r, err := newRing(uringEntries)
	if err != nil {
		return nil, err
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		r.close()
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &uring{r: r, evfd: evfd}
	if br, err := newBufRing(r, uringBuffers, uringBufferSize); err == nil {
		p.br = br
	}
	p.wake[0] = 1
	p.armWake()
	if err := r.enter(r.unsubmitted(), 0, 0, false); err != nil {
		unix.Close(evfd)
		r.close()
		return nil, os.NewSyscallError("io_uring_enter", err)
	}
	return p, nil
}

func (p *uring) armWake() {
	e := p.r.sqe()
	e.opcode = uOpPollAdd
	e.fd = int32(p.evfd)
	e.opFlags = unix.POLLIN
	e.len = uPollAddMulti
	e.userData = uopWake << 56
}

func userData(op uint64, slot int32, gen uint32) uint64 {
	return op<<56 | uint64(uint32(slot))<<32 | uint64(gen)
}

func (p *uring) slot(fd *FD) *uslot {
	if fd.sock < 0 || fd.sock >= len(p.bySock) {
		return nil
	}
	i := p.bySock[fd.sock]
	if i < 0 {
		return nil
	}
	return p.slots[i]
}

func (p *uring) Register(fd *FD, s Sock, o Owner) error {
	if s < 0 {
		return syscall.EBADF
	}
	p.gen++
	*fd = FD{sock: s, gen: p.gen, owner: o}
	if s >= len(p.fds) {
		n := len(p.fds) * 2
		if n <= s {
			n = s + 64
		}
		grown := make([]*FD, n)
		copy(grown, p.fds)
		p.fds = grown
		bs := make([]int32, n)
		copy(bs, p.bySock)
		for i := len(p.bySock); i < n; i++ {
			bs[i] = -1
		}
		p.bySock = bs
	}
	var i int32
	if n := len(p.free); n > 0 {
		i = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		i = int32(len(p.slots))
		p.slots = append(p.slots, &uslot{})
	}
	st := p.slots[i]
	buf := st.buf
	*st = uslot{fd: fd, gen: fd.gen, sock: s, buf: buf}
	p.fds[s] = fd
	p.bySock[s] = i
	return nil
}

func (p *uring) Close(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	s := fd.sock
	fd.flags = fClosed
	fd.wbufs = nil
	fd.file = nil
	fd.owner = nil
	fd.sock = InvalidSock
	var st *uslot
	var idx int32 = -1
	if s >= 0 && s < len(p.fds) && p.fds[s] == fd {
		p.fds[s] = nil
		idx = p.bySock[s]
		p.bySock[s] = -1
		if idx >= 0 {
			st = p.slots[idx]
			st.fd = nil
			st.held, st.heldErr, st.hasHeld = nil, nil, false
		}
	}
	if st == nil || !st.busy() {
		if st != nil {
			p.release(idx)
		}
		return wrapErr("close", unix.Close(s))
	}
	// Requests in flight hold the socket open: cancel them, by their
	// user_data, and submit that (with anything queued that names the
	// socket) before the descriptor is closed and its number reused. A
	// receive that StopRead cancelled (as the loop's Close does first)
	// needs nothing more: its cancel is already submitted, so a close
	// after a pause costs no second enter. Nor does the cancel of the
	// error poll (watchErr) alone, which touches no data: it goes with
	// the next turn's enter, and the socket's last reference (its FIN)
	// with it.
	pending := p.r.unsubmitted() > 0
	urgent := false
	for _, op := range [...]struct {
		on bool
		op uint64
	}{{st.reading && !st.cancel, uopRead}, {st.writing, uopWrite}, {st.pollIn, uopPollIn}, {st.pollOut, uopPollOut}, {st.errPoll, uopPollErr}} {
		if op.on {
			e := p.r.sqe()
			e.opcode = uOpAsyncCancel
			e.fd = -1
			e.addr = userData(op.op, idx, st.gen)
			e.userData = uopIgnore << 56
			urgent = urgent || op.op != uopPollErr
		}
	}
	if urgent || pending {
		p.submit()
	}
	return wrapErr("close", unix.Close(s))
}

func (p *uring) release(i int32) {
	st := p.slots[i]
	st.fd = nil
	st.iov = nil
	st.held, st.heldErr, st.hasHeld = nil, nil, false
	p.free = append(p.free, i)
}

func (p *uring) Move(dst, src *FD, o Owner) error {
	if src.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if src.flags&(fWriting|fConnecting) != 0 {
		return ErrBusy
	}
	queued := src.flags&fReadQueued != 0
	*dst = *src
	dst.owner = o
	dst.flags &^= fReadQueued
	if dst.sock < len(p.fds) && p.fds[dst.sock] == src {
		p.fds[dst.sock] = dst
		if st := p.slot(dst); st != nil {
			st.fd = dst
		}
	}
	*src = FD{sock: InvalidSock, flags: fClosed}
	for i, fd := range p.again {
		if fd == src {
			p.again = append(p.again[:i], p.again[i+1:]...)
			break
		}
	}
	if queued {
		p.retry(dst)
	}
	return nil
}

func (p *uring) retry(fd *FD) {
	if fd.flags&fReadQueued == 0 {
		fd.flags |= fReadQueued
		p.again = append(p.again, fd)
	}
}

func (p *uring) StartRead(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= fReading | fStream
	st := p.slot(fd)
	if st == nil {
		return ErrFDClosed
	}
	if !st.isSock() {
		p.armPoll(st, false)
	} else if st.hasHeld {
		p.retry(fd)
	} else if !st.reading {
		p.armRead(st)
	}
	return nil
}

func (p *uring) StopRead(fd *FD) {
	fd.flags = fd.flags&^fReading | fStream
	st := p.slot(fd)
	if st == nil {
		return
	}
	p.watchErr(st)
	if !st.reading || !st.multi || st.cancel {
		return
	}
	if p.unqueueRead(st) {
		return
	}
	// A multishot receive would go on receiving: cancel it, and submit
	// the cancel now rather than with the next turn's enter. Until the
	// kernel has it, every system call this thread makes (a write to
	// another socket, the peer's write in a test) runs the kernel's
	// pending task work on its way out, and in it the receive takes all
	// that arrives into the ring's buffers, up to the whole ring: the
	// peer's window would never close. Once the cancel is in, the
	// receive takes nothing more; completions it had already posted are
	// held for the next StartRead. This costs one io_uring_enter per
	// pause of a socket being read, none on a busy socket's reads.
	st.cancel = true
	e := p.r.sqe()
	e.opcode = uOpAsyncCancel
	e.fd = -1
	e.addr = userData(uopRead, p.bySock[st.sock], st.gen)
	e.userData = uopIgnore << 56
	p.submit()
}

// watchErr has the next enter submit a poll for st's socket error, so that
// a socket that is not being read (paused, or at its end of stream) still
// learns of a reset: with no receive in flight, the kernel would tell no
// one until the next read or write. The poll asks for POLLERR; the kernel
// adds POLLHUP and POLLRDHUP, which stay set once the peer's end of
// stream has come (its bytes wait for StartRead), so the poll is
// multishot: after a first completion for them it completes again only
// when the socket's state changes, as with a reset. It is submitted with
// the next turn's enter, not at once: a socket paused and closed in one
// turn (Close pauses first) costs nothing more. It stays in flight across
// a ResumeRead, until Close cancels it.
func (p *uring) watchErr(st *uslot) {
	if st.errPoll || st.errWant || st.fd == nil || st.fd.flags&fClosed != 0 || !st.isSock() {
		return
	}
	st.errWant = true
	p.errq = append(p.errq, slotRef{p.bySock[st.sock], st.gen})
}

// armErrPolls queues the polls that watchErr asked for, for sockets still
// open and not being read.
func (p *uring) armErrPolls() {
	for _, w := range p.errq {
		st := p.slots[w.i]
		if st.gen != w.gen || st.fd == nil {
			continue // closed, and perhaps reused
		}
		st.errWant = false
		if st.errPoll || st.fd.flags&(fReading|fClosed) != 0 {
			continue
		}
		st.errPoll = true
		e := p.r.sqe()
		e.opcode = uOpPollAdd
		e.fd = int32(st.sock)
		e.opFlags = unix.POLLERR
		e.len = uPollAddMulti
		e.userData = userData(uopPollErr, w.i, st.gen)
	}
	p.errq = p.errq[:0]
}

// unqueueRead turns st's multishot receive into a no-op if the kernel
// has not taken it yet (StartRead and StopRead in one turn), and reports
// whether it did. Submitted with the cancel, the receive would run
// first, and take what waits in the socket.
func (p *uring) unqueueRead(st *uslot) bool {
	r := p.r
	head := atomic.LoadUint32(r.sqHead)
	if st.armedAt-head >= r.tail-head {
		return false
	}
	e := &r.sqes[st.armedAt&r.sqMask]
	if e.opcode != uOpRecv || e.userData != userData(uopRead, p.bySock[st.sock], st.gen) {
		return false
	}
	*e = uSQE{opcode: uOpNop, userData: uopIgnore << 56}
	st.reading, st.multi = false, false
	return true
}

// submit hands the kernel what is queued, without waiting for anything.
func (p *uring) submit() {
	for {
		err := p.r.enter(p.r.unsubmitted(), 0, 0, false)
		if err != unix.EINTR {
			return
		}
	}
}

func (p *uring) armRead(st *uslot) {
	if p.br != nil && st.isSock() {
		st.reading, st.multi, st.cancel = true, true, false
		e := p.r.sqe()
		e.opcode = uOpRecv
		e.fd = int32(st.sock)
		e.ioprio = uRecvMultishot
		e.flags = uSQEBufferSelect
		e.bufIndex = uBufGroup
		e.userData = userData(uopRead, p.bySock[st.sock], st.gen)
		st.armedAt = p.r.tail - 1
		return
	}
	st.multi = false
	if st.buf == nil {
		st.buf = make([]byte, uringReadSize)
	}
	st.reading = true
	e := p.r.sqe()
	e.opcode = uOpRead
	e.fd = int32(st.sock)
	e.addr = uint64(uintptr(unsafe.Pointer(&st.buf[0])))
	e.len = uint32(len(st.buf))
	e.off = ^uint64(0) // the current position: streams have no offset
	e.userData = userData(uopRead, p.bySock[st.sock], st.gen)
}

func (p *uring) armPoll(st *uslot, out bool) {
	op, ev := uopPollIn, uint32(unix.POLLIN|unix.POLLRDHUP)
	if out {
		if st.pollOut {
			return
		}
		st.pollOut = true
		op, ev = uopPollOut, unix.POLLOUT
	} else {
		if st.pollIn {
			return
		}
		st.pollIn = true
	}
	e := p.r.sqe()
	e.opcode = uOpPollAdd
	e.fd = int32(st.sock)
	e.opFlags = ev
	e.userData = userData(op, p.bySock[st.sock], st.gen)
}

func (p *uring) startIn(fd *FD, flag uint16) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	st := p.slot(fd)
	if st == nil {
		return ErrFDClosed
	}
	fd.flags |= flag
	p.armPoll(st, false)
	return nil
}

func (p *uring) StartAccept(fd *FD) error { return p.startIn(fd, fAccepting) }
func (p *uring) StopAccept(fd *FD)        { fd.flags &^= fAccepting }
func (p *uring) StartRecv(fd *FD) error   { return p.startIn(fd, fRecving) }
func (p *uring) StopRecv(fd *FD)          { fd.flags &^= fRecving }
func (p *uring) Notify(fd *FD) error      { return p.startIn(fd, fNotify) }

func (p *uring) TryWrite(fd *FD, bufs [][]byte) (int, error) {
	if fd.flags&fClosed != 0 {
		return 0, ErrFDClosed
	}
	if fd.flags&(fWriting|fConnecting) != 0 {
		return 0, ErrBusy
	}
	for {
		n, err := p.writev(fd.sock, bufs)
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

func (p *uring) writev(s int, bufs [][]byte) (int, error) {
	if len(bufs) == 1 {
		return rawWrite(s, bufs[0])
	}
	iov := appendIovec(p.iov[:0], bufs)
	p.iov = iov
	if len(iov) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(s), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	clear(iov) // let the buffers go
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// appendIovec appends the non-empty buffers of bufs, up to maxIovec.
func appendIovec(iov []unix.Iovec, bufs [][]byte) []unix.Iovec {
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
	return iov
}

func (p *uring) Write(fd *FD, bufs [][]byte) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fWriting != 0 {
		return ErrBusy
	}
	st := p.slot(fd)
	if st == nil {
		return ErrFDClosed
	}
	fd.flags |= fWriting
	fd.wbufs = bufs
	if fd.flags&fConnecting == 0 {
		p.submitWrite(fd, st)
	}
	return nil
}

// submitWrite queues a writev of what is left of fd.wbufs, or, when
// nothing is, the completion of the write for the next turn.
func (p *uring) submitWrite(fd *FD, st *uslot) {
	st.iov = appendIovec(st.iov[:0], fd.wbufs)
	if len(st.iov) == 0 {
		p.retry(fd)
		return
	}
	st.writing = true
	e := p.r.sqe()
	e.opcode = uOpWritev
	e.fd = int32(st.sock)
	e.addr = uint64(uintptr(unsafe.Pointer(&st.iov[0])))
	e.len = uint32(len(st.iov))
	e.off = ^uint64(0)
	e.userData = userData(uopWrite, p.bySock[st.sock], st.gen)
}

func (p *uring) SendFile(fd *FD, head [][]byte, f *os.File, off int64, n int64) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fWriting != 0 {
		return ErrBusy
	}
	st := p.slot(fd)
	if st == nil {
		return ErrFDClosed
	}
	fd.flags |= fWriting
	fd.wbufs = head
	fd.file = &fileOp{f: f, off: off, n: n}
	if fd.flags&fConnecting == 0 {
		p.armPoll(st, true)
	}
	return nil
}

func (p *uring) Connect(fd *FD, addr net.Addr) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	st := p.slot(fd)
	if st == nil {
		return ErrFDClosed
	}
	sa, err := peerSockaddr(fd.sock, addr)
	if err != nil {
		return err
	}
	fd.flags |= fConnecting
	switch err := unix.Connect(fd.sock, sa); err {
	case nil, unix.EINPROGRESS, unix.EINTR, unix.EALREADY:
		p.armPoll(st, true)
		return nil
	default:
		fd.flags &^= fConnecting
		return os.NewSyscallError("connect", err)
	}
}

func (p *uring) Pending() bool {
	return len(p.again) > 0 || p.r.ready() > 0
}

func (p *uring) Wake() error {
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

func (p *uring) Shutdown() error {
	if !p.gate.close() {
		return nil
	}
	p.r.close()
	if p.br != nil {
		p.br.free()
	}
	return wrapErr("close", unix.Close(p.evfd))
}

// endRead reports the end of a read, EOF or an error.
func endRead(fd *FD, err error) {
	fd.flags &^= fReading
	fd.owner.ReadDone(nil, err)
}
