//go:build windows

package poll

import (
	"io"
	"unsafe"

	"golang.org/x/sys/windows"
)

// handleKind says which calls a registered handle takes.
type handleKind uint8

const (
	kindSocket handleKind = iota // WSARecv, WSASend, AcceptEx, ConnectEx
	kindFile                     // ReadFile, WriteFile: pipes
	kindDir                      // ReadDirectoryChangesW
	kindObject                   // a process or event: Notify only
)

// fdSys is the per-handle state of the IOCP backend: its overlapped
// operations, made on first use and kept while the handle is open.
type fdSys struct {
	kind    handleKind
	dgram   bool
	dirMask uint32 // ReadDirectoryChangesW filter
	dirSub  bool   // ReadDirectoryChangesW on the whole tree
	read    *op    // the multishot read or receive
	write   *op
	conn    *op
	accepts []*op // AcceptEx calls kept in flight together
	notify  *op
	// watch is the reset watch of a stream that is not being read (see
	// watchLater). watchOff turns it off for good, where the system
	// refused it or it completed for something else than a reset;
	// errSent says that a socket error was reported, by a read or the
	// watch, which happens once.
	watch    *op
	watchOff bool
	errSent  bool
}

// ops returns the FD's operations.
func (s *fdSys) ops() []*op {
	all := make([]*op, 0, 5+len(s.accepts))
	for _, o := range [...]*op{s.read, s.write, s.conn, s.notify, s.watch} {
		if o != nil {
			all = append(all, o)
		}
	}
	return append(all, s.accepts...)
}

type opKind uint8

const (
	opRead opKind = iota
	opRecv
	opAccept
	opWrite
	opConnect
	opNotify
	opWatch // an AFD poll for the reset of a stream that is not read
)

// op is one overlapped operation. The OVERLAPPED comes first, so that the
// pointer the port returns is the op's own.
type op struct {
	ov      windows.Overlapped
	fd      *FD // nil once the FD is closed
	kind    opKind
	busy    bool // the kernel owns ov and the buffers
	ready   bool // a result is held for delivery
	queued  bool // on the poller's again list (a watch: on its watch list)
	qty     uint32
	flags   uint32
	err     error
	buf     []byte
	wsa     []windows.WSABuf
	sa      windows.Sockaddr // connect target
	as      Sock             // AcceptEx's pre-created socket
	from    windows.RawSockaddrAny
	fromLen int32
	waitKey uintptr        // Notify: the key its wait posts
	waitH   windows.Handle // Notify: the RegisterWaitForSingleObject handle
}

// dgramBufSize is the receive buffer of a datagram socket, large enough
// for any UDP datagram over IPv4 or IPv6 without jumbograms. A variable
// so that a test can make one arrive truncated.
var dgramBufSize = 64 << 10

// Read buffer sizes: each FD reading has its own, since the kernel
// fills it while the loop does other work.
const (
	streamBufSize = 32 << 10
	dirBufSize    = 64 << 10
	fileChunk     = 64 << 10
	// acceptAddrLen is the room AcceptEx wants for each address.
	acceptAddrLen = uint32(unsafe.Sizeof(windows.RawSockaddrAny{})) + 16
	// acceptDepth is how many AcceptEx calls a listener keeps in flight,
	// so that a burst of connections is taken in one turn, not one per
	// turn.
	acceptDepth = 16
	// maxWSABufs bounds the buffers one WSASend takes.
	maxWSABufs = 1024
)

func newOp(fd *FD, k opKind) *op {
	o := &op{fd: fd, kind: k, as: InvalidSock}
	switch k {
	case opRead:
		switch fd.sys.kind {
		case kindDir:
			o.buf = make([]byte, dirBufSize)
		default:
			o.buf = make([]byte, streamBufSize)
		}
	case opRecv:
		o.buf = make([]byte, dgramBufSize)
	case opAccept:
		o.buf = make([]byte, 2*acceptAddrLen)
	case opWatch:
		// The buffer is the poll's record, allocated as one so that it
		// is aligned as one; no WSABUF.
		o.buf = unsafe.Slice((*byte)(unsafe.Pointer(new(afdPollInfo))), unsafe.Sizeof(afdPollInfo{}))
		return o
	}
	if o.buf != nil {
		o.wsa = []windows.WSABuf{{Len: uint32(len(o.buf)), Buf: &o.buf[0]}}
	}
	return o
}

// release lets go of what an op holds once no completion can come.
func (o *op) release() {
	if o.as != InvalidSock {
		windows.Closesocket(o.as)
		o.as = InvalidSock
	}
	o.ready = false
	o.buf, o.wsa, o.sa = nil, nil, nil
}

// dropBufs forgets the caller's buffers after a write.
func (o *op) dropBufs() {
	if o.kind != opWrite {
		return
	}
	for i := range o.wsa {
		o.wsa[i] = windows.WSABuf{}
	}
	o.wsa = o.wsa[:0]
}

// name is the system call an op's error is reported under.
func (o *op) name(fd *FD) string {
	switch {
	case o.kind == opRead && fd.sys.kind == kindDir:
		return "readdirectorychanges"
	case o.kind == opRead && fd.sys.kind == kindFile:
		return "readfile"
	case o.kind == opRead:
		return "wsarecv"
	case o.kind == opWrite && fd.sys.kind == kindFile:
		return "writefile"
	}
	return "wsasend"
}

// start issues the overlapped call. It returns nil or ERROR_IO_PENDING
// when a completion will follow, and any other error when none will.
func (o *op) start(p *iocp) error {
	fd := o.fd
	s := fd.sock
	switch o.kind {
	case opRead:
		switch fd.sys.kind {
		case kindFile:
			return windows.ReadFile(s, o.buf, &o.qty, &o.ov)
		case kindDir:
			mask := fd.sys.dirMask
			if mask == 0 {
				mask = defaultDirMask
			}
			return windows.ReadDirectoryChanges(s, &o.buf[0], uint32(len(o.buf)), fd.sys.dirSub, mask, &o.qty, &o.ov, 0)
		}
		o.flags = 0
		return windows.WSARecv(s, &o.wsa[0], 1, &o.qty, &o.flags, &o.ov, nil)
	case opRecv:
		o.flags = 0
		o.fromLen = int32(unsafe.Sizeof(o.from))
		return windows.WSARecvFrom(s, &o.wsa[0], 1, &o.qty, &o.flags, &o.from, &o.fromLen, &o.ov, nil)
	case opAccept:
		fam := sockFamily(s)
		as, err := windows.WSASocket(int32(fam), windows.SOCK_STREAM, windows.IPPROTO_TCP, nil, 0,
			windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
		if err != nil {
			return err
		}
		o.as = as
		err = windows.AcceptEx(s, as, &o.buf[0], 0, acceptAddrLen, acceptAddrLen, &o.qty, &o.ov)
		if err != nil && err != windows.ERROR_IO_PENDING {
			windows.Closesocket(as)
			o.as = InvalidSock
		}
		return err
	case opConnect:
		return windows.ConnectEx(s, o.sa, nil, 0, nil, &o.ov)
	case opWrite:
		return o.startWrite(p, fd)
	case opWatch:
		info := o.pollInfo()
		*info = afdPollInfo{timeout: 1<<63 - 1, count: 1, sock: s, events: afdPollAbort}
		n := uint32(len(o.buf))
		return windows.DeviceIoControl(s, ioctlAFDPoll, &o.buf[0], n, &o.buf[0], n, nil, &o.ov)
	}
	return windows.ERROR_INVALID_FUNCTION
}

// defaultDirMask is what a directory watch reports unless told otherwise.
const defaultDirMask = windows.FILE_NOTIFY_CHANGE_FILE_NAME | windows.FILE_NOTIFY_CHANGE_DIR_NAME |
	windows.FILE_NOTIFY_CHANGE_ATTRIBUTES | windows.FILE_NOTIFY_CHANGE_SIZE |
	windows.FILE_NOTIFY_CHANGE_LAST_WRITE | windows.FILE_NOTIFY_CHANGE_CREATION

// startWrite sends the FD's queued buffers (a SendFile's head first), or
// the next chunk of its file.
func (o *op) startWrite(p *iocp, fd *FD) error {
	if fd.file != nil && len(fd.wbufs) == 0 {
		if o.buf == nil {
			o.buf = make([]byte, fileChunk)
		}
		chunk := int64(len(o.buf))
		if fd.file.n < chunk {
			chunk = fd.file.n
		}
		n, err := fd.file.f.ReadAt(o.buf[:chunk], fd.file.off)
		if n == 0 {
			if err == nil || err == io.EOF {
				return io.ErrUnexpectedEOF // the file is shorter than asked
			}
			return err
		}
		o.wsa = append(o.wsa[:0], windows.WSABuf{Len: uint32(n), Buf: &o.buf[0]})
	} else {
		o.wsa = o.wsa[:0]
		for _, b := range fd.wbufs {
			if len(b) == 0 {
				continue
			}
			o.wsa = append(o.wsa, windows.WSABuf{Len: uint32(len(b)), Buf: &b[0]})
			if len(o.wsa) == maxWSABufs || fd.sys.kind == kindFile {
				break
			}
		}
	}
	if len(o.wsa) == 0 {
		// Nothing but empty buffers: complete with 0 bytes.
		return windows.PostQueuedCompletionStatus(p.port, 0, keyIO, &o.ov)
	}
	if fd.sys.kind == kindFile {
		b := unsafe.Slice(o.wsa[0].Buf, o.wsa[0].Len)
		return windows.WriteFile(fd.sock, b, &o.qty, &o.ov)
	}
	return windows.WSASend(fd.sock, &o.wsa[0], uint32(len(o.wsa)), &o.qty, 0, &o.ov, nil)
}

// A stream that is not being read (paused, or past its end of stream)
// has no receive in flight, so nothing would tell it of a reset until its
// owner reads or writes again. The reset watch is the poll that AFD, the
// driver under Winsock, offers for this (IOCTL_AFD_POLL, which libuv and
// mio use too): asked for AFD_POLL_ABORT alone, it completes through the
// port when the connection is reset or aborted, and not for data or the
// peer's end of stream, which wait for the next read. A zero-byte WSARecv
// would complete for those as well, and could not be issued again while
// they waited.
const (
	ioctlAFDPoll = 0x00012024
	afdPollAbort = 0x0010
)

// afdPollInfo is AFD_POLL_INFO with its one AFD_POLL_HANDLE_INFO: the
// poll's input and, written back by the driver, its result.
type afdPollInfo struct {
	timeout int64  // in 100 ns units; the largest value never expires
	count   uint32 // handles polled: 1
	excl    uint32 // 0: the poll leaves other polls of the socket alone
	sock    windows.Handle
	events  uint32 // asked, then those that happened
	status  uint32 // an NTSTATUS for the events, if any
}

// pollInfo is the watch's poll record, which lives in its buffer: heap
// memory that the op keeps reachable while the driver owns it.
func (o *op) pollInfo() *afdPollInfo {
	return (*afdPollInfo)(unsafe.Pointer(&o.buf[0]))
}
