//go:build windows

package poll

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// iocp is the Windows backend: every handle is associated with one I/O
// completion port, and every operation is an overlapped call whose
// completion is read back with GetQueuedCompletionStatusEx. Multishot
// reads, receives and accepts are emulated by submitting the next call as
// soon as the previous one has been delivered.
//
// The kernel writes into an op (its OVERLAPPED, its buffer, its WSABUF
// array, its address buffer) until the completion is dequeued. Every op
// therefore lives on the heap, is referenced by its FD while the FD is
// open, and by the poller's live set while the kernel owns it, so that a
// socket closed with a read in flight leaves nothing the collector could
// free under the kernel.
type iocp struct {
	port    windows.Handle
	entries [128]overlappedEntry
	live    map[*op]struct{} // ops the kernel owns
	again   []*op            // ops with a result to deliver next Wait
	spare   []*op
	watchq  []*op           // reset watches to issue at the start of the next Wait
	waits   map[uintptr]*op // armed Notify waits by key
	wakeStamp
	gate wakeGate // Wake against Shutdown
}

// overlappedEntry is OVERLAPPED_ENTRY.
type overlappedEntry struct {
	key      uintptr
	ov       *windows.Overlapped
	internal uintptr
	qty      uint32
}

// Completion keys: sockets and files carry keyIO; Wake posts keyWake;
// a signaled Notify wait posts its own key, from keyNotifyBase up.
const (
	keyIO         = 0
	keyWake       = 1
	keyNotifyBase = 16
)

var (
	modkernel32                   = windows.NewLazySystemDLL("kernel32.dll")
	procGetQueuedCompletionStatus = modkernel32.NewProc("GetQueuedCompletionStatusEx")
	procRegisterWait              = modkernel32.NewProc("RegisterWaitForSingleObject")
	procUnregisterWaitEx          = modkernel32.NewProc("UnregisterWaitEx")
)

var _ Poller = (*iocp)(nil)

var wsaOnce sync.Once

// startup initialises Winsock once per process.
func startup() {
	wsaOnce.Do(func() {
		var d windows.WSAData
		_ = windows.WSAStartup(uint32(0x202), &d)
	})
}

// New returns the backend for this system.
func New() (Poller, error) {
	startup()
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 1)
	if err != nil {
		return nil, os.NewSyscallError("createiocompletionport", err)
	}
	return &iocp{port: port, live: map[*op]struct{}{}, waits: map[uintptr]*op{}}, nil
}

func (p *iocp) Register(fd *FD, s Sock, o Owner) error {
	if s == InvalidSock || s == 0 {
		return syscall.EINVAL
	}
	*fd = FD{sock: s, owner: o}
	fd.sys.kind = kindOf(s)
	if fd.sys.kind == kindObject {
		return nil // waited on with Notify only
	}
	if _, err := windows.CreateIoCompletionPort(s, p.port, keyIO, 0); err != nil {
		fd.flags = fClosed
		return os.NewSyscallError("createiocompletionport", err)
	}
	if fd.sys.kind == kindSocket {
		if t, err := windows.GetsockoptInt(s, windows.SOL_SOCKET, soType); err == nil && t == windows.SOCK_DGRAM {
			fd.sys.dgram = true
		}
	}
	return nil
}

// kindOf tells a socket from a pipe, a directory or an object handle.
func kindOf(h windows.Handle) handleKind {
	if _, err := windows.GetsockoptInt(h, windows.SOL_SOCKET, soType); err == nil {
		return kindSocket
	}
	t, err := windows.GetFileType(h)
	if err != nil || t == windows.FILE_TYPE_UNKNOWN {
		return kindObject
	}
	if t == windows.FILE_TYPE_DISK {
		var info windows.ByHandleFileInformation
		if windows.GetFileInformationByHandle(h, &info) == nil && info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
			return kindDir
		}
	}
	return kindFile
}

func (p *iocp) Close(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags = fClosed
	fd.wbufs = nil
	fd.file = nil
	fd.owner = nil
	sys := &fd.sys
	if sys.notify != nil {
		p.unwait(sys.notify)
	}
	busy := false
	for _, o := range sys.ops() {
		o.fd = nil
		if o.busy {
			busy = true
		} else {
			o.release()
		}
	}
	var err error
	switch sys.kind {
	case kindSocket:
		if busy {
			_ = windows.CancelIoEx(fd.sock, nil)
		}
		err = wrapErr("closesocket", windows.Closesocket(fd.sock))
	default:
		if busy {
			_ = windows.CancelIoEx(fd.sock, nil)
		}
		err = wrapErr("closehandle", windows.CloseHandle(fd.sock))
	}
	fd.sock = InvalidSock
	fd.sys = fdSys{}
	return err
}

func (p *iocp) Move(dst, src *FD, o Owner) error {
	if src.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if src.flags&(fWriting|fConnecting) != 0 {
		return ErrBusy
	}
	*dst = *src
	dst.owner = o
	for _, op := range dst.sys.ops() {
		op.fd = dst
	}
	*src = FD{sock: InvalidSock, flags: fClosed}
	return nil
}

// queue schedules o's held result for the next Wait.
func (p *iocp) queue(o *op) {
	if !o.queued {
		o.queued = true
		p.again = append(p.again, o)
	}
}

func (p *iocp) StartRead(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.sys.kind == kindObject {
		return syscall.EINVAL
	}
	fd.flags |= fReading | fStream
	if w := fd.sys.watch; w != nil && w.busy {
		// Reading again: the reads see a reset now, and the watch
		// would only cost a completion later. (Under Wine, a read made
		// after a poll has seen the reset returns a plain end of stream
		// instead of the error.) The cancelled poll completes with
		// ERROR_OPERATION_ABORTED, which watchDone drops. This costs one
		// system call per StartRead of a socket whose pause lasted
		// across a Wait; none for a pause and resume within one turn.
		_ = windows.CancelIoEx(fd.sock, &w.ov)
	}
	if fd.flags&fConnecting != 0 {
		return nil // armed when the connect completes
	}
	return p.arm(fd, &fd.sys.read, opRead)
}

// StopRead disarms the read. A read already in flight completes into its
// buffer, held for StartRead; a socket stream then also gets its reset
// watch (see watchLater).
func (p *iocp) StopRead(fd *FD) {
	fd.flags = fd.flags&^fReading | fStream
	p.watchLater(fd)
}

// watchLater asks the next Wait to issue the reset watch of fd, a stream
// socket that is not being read, so that a reset reaches its owner
// through ReadDone at once (see Owner.ReadDone), not at its next read or
// write. It is issued with the next Wait, not at once, so that a read
// stopped and started again in one turn, or stopped to close (Close
// pauses first), costs no system call. Once issued it stays in flight
// while reading is stopped: a StartRead cancels it, and the next StopRead
// issues it again.
func (p *iocp) watchLater(fd *FD) {
	sys := &fd.sys
	if sys.kind != kindSocket || sys.dgram || sys.watchOff || sys.errSent || fd.flags&fClosed != 0 {
		return
	}
	o := sys.watch
	if o == nil {
		o = newOp(fd, opWatch)
		sys.watch = o
	}
	if o.busy || o.queued {
		return
	}
	o.queued = true
	p.watchq = append(p.watchq, o)
}

// issueWatches issues the reset watches that watchLater asked for, on the
// sockets still open and still not read, with no read in flight (its
// completion holds an error for deliver, which asks for the watch again
// if it brought bytes or the end of stream instead).
func (p *iocp) issueWatches() {
	for i, o := range p.watchq {
		p.watchq[i] = nil
		o.queued = false
		fd := o.fd
		if fd == nil || o.busy || fd.sys.watchOff || fd.sys.errSent || fd.flags&(fReading|fConnecting|fClosed) != 0 {
			continue
		}
		if r := fd.sys.read; r != nil && r.busy {
			continue
		}
		o.ov = windows.Overlapped{}
		o.qty = 0
		if err := o.start(p); err != nil && err != windows.ERROR_IO_PENDING {
			// A socket that AFD does not serve (a layered provider's):
			// its reset is seen at the next read or write, as before.
			fd.sys.watchOff = true
			continue
		}
		o.busy = true
		p.live[o] = struct{}{}
	}
	p.watchq = p.watchq[:0]
}

func (p *iocp) StartRecv(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= fRecving
	return p.arm(fd, &fd.sys.read, opRecv)
}

func (p *iocp) StopRecv(fd *FD) { fd.flags &^= fRecving }

func (p *iocp) StartAccept(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	fd.flags |= fAccepting
	if fd.sys.accepts == nil {
		fd.sys.accepts = make([]*op, acceptDepth)
	}
	for i := range fd.sys.accepts {
		if err := p.arm(fd, &fd.sys.accepts[i], opAccept); err != nil {
			return err
		}
	}
	return nil
}

func (p *iocp) StopAccept(fd *FD) { fd.flags &^= fAccepting }

// arm makes sure the multishot operation of kind k is in flight, or its
// held result queued for delivery.
func (p *iocp) arm(fd *FD, slot **op, k opKind) error {
	o := *slot
	if o == nil {
		o = newOp(fd, k)
		*slot = o
	}
	switch {
	case o.busy:
		return nil
	case o.ready:
		p.queue(o)
		return nil
	}
	p.submit(o)
	return nil
}

// submit starts o. A call that fails at once (no completion will follow)
// holds its error for the next Wait, so that owners are only ever called
// from Wait.
func (p *iocp) submit(o *op) {
	o.ov = windows.Overlapped{}
	o.qty = 0
	err := o.start(p)
	if err == nil || err == windows.ERROR_IO_PENDING {
		// Without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, a call done at
		// once still queues its completion. (Skipping it was tried: under
		// Wine it made the echo bench three times slower.)
		o.busy = true
		p.live[o] = struct{}{}
		return
	}
	o.ready, o.qty, o.err = true, 0, err
	if err == windows.WSAEMSGSIZE || err == windows.ERROR_MORE_DATA {
		// A datagram cut to fit, received at once: the count of its
		// bytes in the buffer is where a completion would have put it.
		o.qty = uint32(o.ov.InternalHigh)
	}
	p.queue(o)
}

func (p *iocp) Notify(fd *FD) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fNotify != 0 {
		return nil
	}
	if fd.sys.kind != kindObject {
		return syscall.EINVAL
	}
	o := fd.sys.notify
	if o == nil {
		o = newOp(fd, opNotify)
		fd.sys.notify = o
	}
	if err := p.wait(o); err != nil {
		return err
	}
	fd.flags |= fNotify
	return nil
}

func (p *iocp) TryWrite(fd *FD, bufs [][]byte) (int, error) {
	if fd.flags&fClosed != 0 {
		return 0, ErrFDClosed
	}
	if fd.flags&(fWriting|fConnecting) != 0 {
		return 0, ErrBusy
	}
	// Every write is overlapped: nothing is written synchronously.
	return 0, nil
}

func (p *iocp) Write(fd *FD, bufs [][]byte) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.flags&fWriting != 0 {
		return ErrBusy
	}
	fd.flags |= fWriting
	fd.wbufs = bufs
	if fd.flags&fConnecting == 0 {
		p.startWrite(fd)
	}
	return nil
}

func (p *iocp) SendFile(fd *FD, head [][]byte, f *os.File, off int64, n int64) error {
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
		p.startWrite(fd)
	}
	return nil
}

// startWrite submits the next part of the FD's pending write.
func (p *iocp) startWrite(fd *FD) {
	o := fd.sys.write
	if o == nil {
		o = newOp(fd, opWrite)
		fd.sys.write = o
	}
	if o.busy || o.ready {
		return
	}
	p.submit(o)
}

func (p *iocp) Connect(fd *FD, addr net.Addr) error {
	if fd.flags&fClosed != 0 {
		return ErrFDClosed
	}
	if fd.sys.kind != kindSocket {
		return syscall.EINVAL
	}
	fam := sockFamily(fd.sock)
	sa, err := ToSockaddr(fam, addr)
	if err != nil {
		return err
	}
	if _, err := windows.Getsockname(fd.sock); err != nil {
		// ConnectEx wants a bound socket.
		any, _ := ToSockaddr(fam, nil)
		if err := windows.Bind(fd.sock, any); err != nil {
			return os.NewSyscallError("bind", mapErr(err))
		}
	}
	o := fd.sys.conn
	if o == nil {
		o = newOp(fd, opConnect)
		fd.sys.conn = o
	}
	if o.busy {
		return ErrBusy
	}
	o.sa = sa
	fd.flags |= fConnecting
	p.submit(o)
	return nil
}

func (p *iocp) Pending() bool { return len(p.again) > 0 }

func (p *iocp) Wake() error {
	if !p.gate.enter() {
		return nil
	}
	defer p.gate.leave()
	return wrapErr("postqueuedcompletionstatus", windows.PostQueuedCompletionStatus(p.port, 0, keyWake, nil))
}

// graveyard keeps the ops still owned by the kernel when their poller
// shut down: their memory must outlive any late write into it.
var graveyard struct {
	sync.Mutex
	ops []*op
}

func (p *iocp) Shutdown() error {
	if !p.gate.close() {
		return nil
	}
	for _, o := range p.waits {
		p.unwait(o)
	}
	if len(p.live) > 0 {
		// Calls still in flight on handles left open are cancelled; their
		// memory is kept, since the port that would report them is gone.
		graveyard.Lock()
		for o := range p.live {
			if o.fd != nil && o.fd.flags&fClosed == 0 {
				_ = windows.CancelIoEx(o.fd.sock, &o.ov)
			}
			graveyard.ops = append(graveyard.ops, o)
		}
		graveyard.Unlock()
	}
	p.live = nil
	p.watchq = nil
	return wrapErr("closehandle", windows.CloseHandle(p.port))
}

func (p *iocp) Wait(timeoutMs int) (int, error) {
	if len(p.watchq) > 0 {
		p.issueWatches()
	}
	if len(p.again) > 0 {
		timeoutMs = 0
	}
	t := uint32(windows.INFINITE)
	if timeoutMs >= 0 {
		t = uint32(timeoutMs)
	}
	var n uint32
	r, _, e := procGetQueuedCompletionStatus.Call(uintptr(p.port),
		uintptr(unsafe.Pointer(&p.entries[0])), uintptr(len(p.entries)),
		uintptr(unsafe.Pointer(&n)), uintptr(t), 0)
	p.note()
	if r == 0 {
		n = 0
		if errno, _ := e.(syscall.Errno); errno != syscall.Errno(windows.WAIT_TIMEOUT) {
			return 0, os.NewSyscallError("getqueuedcompletionstatusex", e)
		}
	}
	// Results held for this turn go after the fresh completions; the ones
	// queued by the callbacks below wait for the next turn.
	again := p.again
	p.again, p.spare = p.spare[:0], nil
	for i := uint32(0); i < n; i++ {
		ent := &p.entries[i]
		key, ov, status, qty := ent.key, ent.ov, windows.NTStatus(ent.internal), ent.qty
		ent.ov = nil
		switch {
		case key == keyWake:
			continue
		case key >= keyNotifyBase:
			p.notified(key)
			continue
		case ov == nil:
			continue
		}
		o := (*op)(unsafe.Pointer(ov))
		delete(p.live, o)
		o.busy = false
		var err error
		if status != 0 {
			err = status.Errno()
		}
		p.complete(o, qty, err)
	}
	for i, o := range again {
		again[i] = nil
		o.queued = false
		if o.fd == nil || !o.ready {
			continue
		}
		p.deliver(o)
	}
	p.spare = again[:0]
	return int(n) + len(again), nil
}

// complete takes the result of a dequeued operation.
func (p *iocp) complete(o *op, qty uint32, err error) {
	if o.fd == nil {
		// Its FD was closed: the completion (usually
		// ERROR_OPERATION_ABORTED) is swallowed.
		o.release()
		return
	}
	o.ready, o.qty, o.err = true, qty, err
	p.deliver(o)
}

// deliver hands a held result to the owner if the operation is armed.
func (p *iocp) deliver(o *op) {
	fd := o.fd
	switch o.kind {
	case opRead:
		if fd.flags&fReading == 0 {
			p.heldRead(fd, o)
			return
		}
		o.ready = false
		p.readDone(fd, o)
	case opRecv:
		if fd.flags&fRecving == 0 {
			return
		}
		o.ready = false
		p.recvDone(fd, o)
	case opAccept:
		if fd.flags&fAccepting == 0 {
			return
		}
		o.ready = false
		p.acceptDone(fd, o)
	case opWrite:
		o.ready = false
		p.writeDone(fd, o)
	case opConnect:
		o.ready = false
		p.connectDone(fd, o)
	case opWatch:
		o.ready = false
		p.watchDone(fd, o)
	}
}

// heldRead takes the result of a read that completed after StopRead. Bytes
// and the end of stream are held for StartRead, and the socket's reset
// watch is asked for, since nothing is in flight any more. A socket error
// (a reset) is reported at once instead, as the watch would have: the
// connection is dead.
func (p *iocp) heldRead(fd *FD, o *op) {
	if fd.sys.kind != kindSocket {
		return // held until StartRead
	}
	err := o.err
	if err == nil || err == windows.ERROR_MORE_DATA || isEOF(err) {
		p.watchLater(fd)
		return
	}
	if fd.sys.errSent {
		return // the watch reported the error; StartRead has it again
	}
	o.ready = false
	fd.sys.errSent = true
	fd.owner.ReadDone(nil, os.NewSyscallError(o.name(fd), mapErr(err)))
}

// watchDone takes the completion of a reset watch. It reports the reset
// through ReadDone while reading is stopped. A watch that StartRead
// cancelled, or that completed while the owner reads again, is dropped,
// since the reads see the error; if reading has stopped again since (a
// StopRead that found this watch still in flight), it is issued again,
// and one issued after a reset completes at once. A poll that failed, or
// completed for anything but the reset it asked for, turns the watch off
// rather than being issued again, which could spin.
func (p *iocp) watchDone(fd *FD, o *op) {
	if fd.sys.watchOff || fd.sys.errSent {
		return
	}
	if o.err == windows.ERROR_OPERATION_ABORTED || fd.flags&fReading != 0 {
		if fd.flags&fReading == 0 {
			p.watchLater(fd)
		}
		return
	}
	info := o.pollInfo()
	if o.err != nil || info.events&afdPollAbort == 0 {
		fd.sys.watchOff = true
		return
	}
	fd.sys.errSent = true
	var err error = windows.WSAECONNRESET
	if info.status != 0 {
		// The driver's own status for the abort (a keepalive that timed
		// out, say), where it gave one.
		err = windows.NTStatus(info.status).Errno()
	}
	fd.owner.ReadDone(nil, os.NewSyscallError("wsarecv", mapErr(err)))
}

func (p *iocp) readDone(fd *FD, o *op) {
	qty, err := o.qty, o.err
	switch {
	case err != nil && err != windows.ERROR_MORE_DATA && !(fd.sys.kind == kindDir && err == windows.ERROR_NOTIFY_ENUM_DIR):
		fd.flags &^= fReading
		if isEOF(err) {
			fd.owner.ReadDone(nil, io.EOF)
			p.watchLater(fd) // open for writing: a reset still matters
		} else {
			// Reported: no reset watch reports it again.
			fd.sys.errSent = true
			fd.owner.ReadDone(nil, os.NewSyscallError(o.name(fd), mapErr(err)))
		}
		return
	case qty == 0 && fd.sys.kind != kindDir:
		fd.flags &^= fReading
		fd.owner.ReadDone(nil, io.EOF)
		p.watchLater(fd) // open for writing: a reset still matters
		return
	}
	// A directory read of 0 bytes means the change buffer overflowed.
	fd.owner.ReadDone(o.buf[:qty], nil)
	if fd.flags&(fReading|fClosed) == fReading && !o.busy && !o.ready {
		p.submit(o)
	}
}

func (p *iocp) recvDone(fd *FD, o *op) {
	switch o.err {
	case nil, windows.ERROR_MORE_DATA, windows.WSAEMSGSIZE:
		// A datagram larger than the buffer completes with
		// ERROR_MORE_DATA (STATUS_BUFFER_OVERFLOW) through the port,
		// or fails at once with WSAEMSGSIZE: either way it was taken
		// off the socket, cut to fit.
		var from net.Addr
		if o.fromLen > 0 {
			if sa, err := o.from.Sockaddr(); err == nil {
				from = FromSockaddr("udp", sa)
			}
		}
		qty := min(int(o.qty), len(o.buf))
		if o.err != nil {
			fd.owner.RecvDone(o.buf[:qty], from, ErrTruncated)
		} else {
			fd.owner.RecvDone(o.buf[:qty], from, nil)
		}
	default:
		// Errors (a port unreachable after a send on a connected
		// socket) are reported but leave the receive armed.
		fd.owner.RecvDone(nil, nil, os.NewSyscallError("wsarecvfrom", mapRecvErr(o.err)))
	}
	if fd.flags&(fRecving|fClosed) == fRecving && !o.busy && !o.ready {
		p.submit(o)
	}
}

func (p *iocp) acceptDone(fd *FD, o *op) {
	s := o.as
	o.as = InvalidSock
	if o.err != nil {
		if s != InvalidSock {
			windows.Closesocket(s)
		}
		fd.owner.AcceptDone(InvalidSock, os.NewSyscallError("acceptex", mapErr(o.err)))
	} else {
		ls := fd.sock
		_ = windows.Setsockopt(s, windows.SOL_SOCKET, windows.SO_UPDATE_ACCEPT_CONTEXT,
			(*byte)(unsafe.Pointer(&ls)), int32(unsafe.Sizeof(ls)))
		InitAccepted(s)
		fd.owner.AcceptDone(s, nil)
	}
	if fd.flags&(fAccepting|fClosed) == fAccepting && !o.busy && !o.ready {
		p.submit(o)
	}
}

func (p *iocp) connectDone(fd *FD, o *op) {
	fd.flags &^= fConnecting
	o.sa = nil
	if o.err != nil {
		fd.owner.ConnectDone(os.NewSyscallError("connectex", mapErr(o.err)))
		return
	}
	_ = windows.Setsockopt(fd.sock, windows.SOL_SOCKET, windows.SO_UPDATE_CONNECT_CONTEXT, nil, 0)
	fd.owner.ConnectDone(nil)
	if fd.flags&fClosed != 0 {
		return
	}
	if fd.flags&fReading != 0 {
		_ = p.arm(fd, &fd.sys.read, opRead)
	} else if fd.flags&fStream != 0 {
		p.watchLater(fd) // StopRead came while connecting
	}
	if fd.flags&fWriting != 0 {
		p.startWrite(fd)
	}
}

func (p *iocp) writeDone(fd *FD, o *op) {
	o.dropBufs()
	if fd.flags&fWriting == 0 {
		return
	}
	err := o.err
	if err == nil {
		if fd.file != nil && len(fd.wbufs) > 0 {
			// Part of a SendFile's head: the file follows it.
			fd.wbufs = consume(fd.wbufs, int(o.qty))
			p.submit(o)
			return
		}
		if fd.file != nil {
			fd.file.n -= int64(o.qty)
			fd.file.off += int64(o.qty)
			if fd.file.n > 0 {
				p.submit(o)
				return
			}
		} else {
			fd.wbufs = consume(fd.wbufs, int(o.qty))
			if len(fd.wbufs) > 0 {
				p.submit(o)
				return
			}
		}
	} else if err != io.ErrUnexpectedEOF {
		err = os.NewSyscallError(o.name(fd), mapErr(err))
	}
	fd.flags &^= fWriting
	fd.wbufs = nil
	fd.file = nil
	fd.owner.WriteDone(err)
}
