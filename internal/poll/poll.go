package poll

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// Owner receives the completions of one registered socket. All methods are
// called on the loop goroutine, from Poller.Wait (or from Poller.Poke).
type Owner interface {
	// ReadDone delivers bytes read by a multishot read. p is valid only
	// during the call. err is io.EOF when the peer closed its side, or the
	// read error; after an error the read is disarmed.
	//
	// A socket error (a reset, a keepalive timeout) also comes through
	// ReadDone, with no bytes, while the read is stopped (StopRead) or
	// has ended at the end of stream: such a connection is dead, and
	// holding it until the owner reads or writes again would keep it for
	// as long as a pause lasts. A plain end of stream is not reported
	// that way: it waits, behind the bytes before it, for StartRead.
	ReadDone(p []byte, err error)
	// WriteDone reports that the buffers given to Write were all written,
	// or that the write failed with err.
	WriteDone(err error)
	// ConnectDone reports the outcome of Connect.
	ConnectDone(err error)
	// AcceptDone delivers one accepted socket, or an accept error.
	AcceptDone(s Sock, err error)
	// RecvDone delivers one datagram and its source. p is valid only
	// during the call. A datagram larger than the read buffer comes with
	// ErrTruncated, p holding the bytes that fitted; other errors come
	// with no datagram. The receive stays armed after either.
	RecvDone(p []byte, from net.Addr, err error)
	// NotifyDone reports that a handle given to Notify became ready (a
	// process exited, a watch has events), or err.
	NotifyDone(err error)
}

// FD is a socket registered with a Poller. The zero value is not usable;
// use Poller.Register. An FD is owned by the loop goroutine.
type FD struct {
	sock  Sock
	gen   uint32
	flags uint16
	fam   uint8 // the socket's address family, once SendTo has asked; 0 before
	owner Owner
	wbufs [][]byte // pending asynchronous write (or a sendfile's head), owned by the poller
	file  *fileOp  // pending sendfile, if any: sent after wbufs
	sys   fdSys    // backend-specific state (overlapped operations on IOCP)
}

// fileOp is the file part of a pending SendFile.
type fileOp struct {
	f   *os.File
	off int64
	n   int64
}

// Flags of an FD.
const (
	fReading uint16 = 1 << iota
	fAccepting
	fRecving
	fConnecting
	fWriting
	fClosed
	fReadQueued  // to try reading (receiving, accepting) again without a new event
	fHup         // the peer has closed its side: read on to the end of file
	fNotify      // a Notify is armed
	fWriteQueued // to try writing (connecting) again without a new event
	fShared      // another descriptor may share the open file (SetShared)
	fStream      // a stream that StartRead or StopRead has named: its errors are reported while it is not read
	fErr         // the kernel announced an error (EPOLLERR) that no read has taken yet
)

// SetShared marks fd as a descriptor whose open file another descriptor
// may share: one that AdoptFile duplicated from the caller's. epoll keys
// a registration on the open file, so Close must then remove it before
// closing; for the descriptors this package makes itself, closing is
// enough, and saves that system call. Call it after Register.
func (fd *FD) SetShared() { fd.flags |= fShared }

// Sock returns the socket handle. Only the backend and the socket helpers
// in this package use it.
func (fd *FD) Sock() Sock { return fd.sock }

// Writing reports whether an asynchronous write is in flight.
func (fd *FD) Writing() bool { return fd.flags&fWriting != 0 }

// Reading reports whether a multishot read is armed.
func (fd *FD) Reading() bool { return fd.flags&fReading != 0 }

// Closed reports whether Close was called.
func (fd *FD) Closed() bool { return fd.flags&fClosed != 0 }

// Poller is the backend interface. Every method but Wake is loop-only.
type Poller interface {
	// Register initialises fd (memory that the caller owns, usually
	// embedded in its socket object) for socket s and associates it
	// with the poller and its owner.
	Register(fd *FD, s Sock, o Owner) error
	// Close unregisters the socket and closes it. Pending operations are
	// dropped without completions.
	Close(fd *FD) error
	// Move re-homes the registration of src into dst, with owner o, and
	// leaves src closed without closing the socket: a dial that raced
	// several sockets keeps the winner under the connection's own FD. No
	// operation may be in flight on src.
	Move(dst, src *FD, o Owner) error
	// StartRead arms a multishot read; StopRead disarms it. Both mark fd
	// as a stream whose socket errors are reported (see Owner.ReadDone)
	// even while it is not read.
	StartRead(fd *FD) error
	StopRead(fd *FD)
	// TryWrite writes what it can of bufs at once, without waiting, and
	// returns the count. A backend that cannot write synchronously returns
	// 0, nil. It must not be called while a Write is in flight.
	TryWrite(fd *FD, bufs [][]byte) (int, error)
	// Write submits bufs; the poller owns the slice and the buffers until
	// WriteDone. Only one Write may be in flight per FD.
	Write(fd *FD, bufs [][]byte) error
	// SendFile submits head, then a copy of n bytes of f from offset off,
	// to the socket; WriteDone reports the end of both, like Write. The
	// poller owns head until then, and the file must stay open. Where the
	// system allows (MSG_MORE on Linux), head waits for the file's first
	// bytes so that they share packets: a small HTTP response head does
	// not travel, and wake the peer, on its own.
	SendFile(fd *FD, head [][]byte, f *os.File, off int64, n int64) error
	// Connect starts a connect to addr; ConnectDone follows.
	Connect(fd *FD, addr net.Addr) error
	// StartAccept arms a multishot accept on a listening socket;
	// StopAccept disarms it.
	StartAccept(fd *FD) error
	StopAccept(fd *FD)
	// StartRecv arms multishot datagram receives; StopRecv disarms them.
	StartRecv(fd *FD) error
	StopRecv(fd *FD)
	// Notify asks for one NotifyDone when the handle becomes ready: a
	// pidfd whose process exited, an inotify descriptor with events. (On
	// Windows: an object handle that became signaled.) Call it again for
	// the next notification.
	Notify(fd *FD) error
	// Wait blocks for up to timeoutMs milliseconds (-1: no limit, 0: don't
	// block) and delivers the completions that are ready. It returns the
	// number of events handled.
	Wait(timeoutMs int) (int, error)
	// Pending reports whether completions are ready without waiting, so
	// the loop must poll with a zero timeout.
	Pending() bool
	// Wake makes a blocked Wait return. Safe for concurrent use, also
	// with Shutdown: after Shutdown it does nothing and returns nil.
	Wake() error
	// Shutdown closes the poller and its wakeup, once the Wakes in
	// progress have returned.
	Shutdown() error
	// StampNext asks the next Wait to note when its system call
	// returned, before it dispatched any completion; WokeAt reports that
	// time. The loop times a sleep apart from the callbacks Wait runs
	// (the adaptive spin). Every backend embeds wakeStamp for them.
	StampNext()
	WokeAt() time.Time
}

// Parking is implemented by backends whose Wait can park the calling
// goroutine in the Go scheduler, rather than block its OS thread in a system
// call, while there is nothing to do. A parked loop leaves its P to other
// goroutines at once, so a goroutine that the loop wakes (a blocking facade
// waiting for its answer) runs without waiting for the runtime to take the
// P back from a thread stuck in the kernel; and a loop that parks need not
// be locked to its thread. SetParking reports whether parking is on.
type Parking interface {
	SetParking(on bool) bool
}

// wakeStamp implements Poller's StampNext and WokeAt for a backend,
// which calls note once its Wait's system call has returned.
type wakeStamp struct {
	want bool
	at   time.Time
}

// StampNext implements Poller.
func (w *wakeStamp) StampNext() { w.want = true }

// WokeAt implements Poller.
func (w *wakeStamp) WokeAt() time.Time { return w.at }

// note records the time if StampNext asked for it.
func (w *wakeStamp) note() {
	if w.want {
		w.want = false
		w.at = time.Now()
	}
}

// wakeGate keeps Wake, which other goroutines call, off the wake-up
// handle once Shutdown has closed it: by then its number may name another
// file, which a late Wake would write into. Wake signals under the read
// lock, and only while the poller is open; Shutdown marks it shut under
// the write lock, so after any Wake in progress, before closing anything.
type wakeGate struct {
	mu   sync.RWMutex
	shut bool
}

// enter reports whether the poller is open and, if so, holds the read
// lock until leave: the caller may signal meanwhile.
func (g *wakeGate) enter() bool {
	g.mu.RLock()
	if g.shut {
		g.mu.RUnlock()
		return false
	}
	return true
}

// leave ends what enter began.
func (g *wakeGate) leave() { g.mu.RUnlock() }

// close marks the poller shut and reports whether it was open: the
// caller then closes the wake-up handle, which no Wake will touch again.
func (g *wakeGate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	open := !g.shut
	g.shut = true
	return open
}

// closed reports whether close was called. Loop-only: the loop is the
// only writer.
func (g *wakeGate) closed() bool { return g.shut }

// ErrUnsupported is returned where this system has no backend yet.
var ErrUnsupported = errors.New("poll: not supported on this system")

// ErrBusy is returned when an operation of the same kind is already in
// flight on the FD.
var ErrBusy = errors.New("poll: operation already in flight")

// ErrFDClosed is returned for operations on a closed FD.
var ErrFDClosed = errors.New("poll: use of closed socket")

// ErrTruncated is the error RecvDone reports with a datagram larger than
// the read buffer, which the system cut to fit (MSG_TRUNC; on Windows,
// WSAEMSGSIZE): the bytes delivered with it are not the whole datagram.
var ErrTruncated = errors.New("poll: datagram truncated: larger than the read buffer")

// ReadBufferSize is the size of the poller's shared read buffer.
const ReadBufferSize = 64 << 10

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
