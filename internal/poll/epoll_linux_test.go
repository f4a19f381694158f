//go:build linux

package poll

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A pipe is not a socket: its first read and write answer ENOTSOCK to
// recvfrom and sendto, and the backend goes on with read and write.
func TestPipeReadWriteFallBack(t *testing.T) {
	p := newPoller(t)
	rf, wf := newPipe(t)
	rs, ws := adopt(t, rf), adopt(t, wf)
	rr, wr := &recorder{}, &recorder{}
	var rfd, wfd FD
	if err := p.Register(&rfd, rs, rr); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&rfd)
	if err := p.Register(&wfd, ws, wr); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&wfd)
	if err := p.StartRead(&rfd); err != nil {
		t.Fatal(err)
	}
	n, err := p.TryWrite(&wfd, [][]byte{[]byte("thro"), []byte("ugh ")})
	if err != nil || n != 8 {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	if err := p.Write(&wfd, [][]byte{[]byte("a pipe")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return rr.total() == 14 && wr.writes == 1 })
	if got := string(bytes.Join(rr.reads, nil)); got != "through a pipe" || wr.writeErr != nil {
		t.Fatalf("read %q, write error %v", got, wr.writeErr)
	}
	if _, ur := p.(*uring); !ur && (!rfd.sys.notSock || !wfd.sys.notSock) {
		t.Fatalf("pipe ends not marked as non-sockets: %v %v", rfd.sys.notSock, wfd.sys.notSock)
	}
}

// Sockets are read and written without the fallback.
func TestSocketsStayOnSocketCalls(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	if n, err := p.TryWrite(a, [][]byte{[]byte("x")}); err != nil || n != 1 {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	waitFor(t, p, func() bool { return rb.total() == 1 })
	if a.sys.notSock || b.sys.notSock {
		t.Fatal("a socket was marked as a non-socket")
	}
}

// A write to a connection the peer has reset fails with an error and
// raises no SIGPIPE.
func TestWriteToResetPeerRaisesNoSIGPIPE(t *testing.T) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGPIPE)
	defer signal.Stop(sig)
	p := newPoller(t)
	if _, ur := p.(*uring); ur {
		t.Skip("the io_uring backend writes with write(2)")
	}
	a, b, ra, _ := pair(t, p)
	if err := SetLinger(b, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(b); err != nil { // the peer resets
		t.Fatal(err)
	}
	if err := p.StartRead(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.readErr != nil || ra.eof })
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = p.TryWrite(a, [][]byte{[]byte("after the reset")})
	}
	if err == nil {
		t.Fatal("writes to a reset connection kept succeeding")
	}
	// Several buffers go through another system call.
	_, err = p.TryWrite(a, [][]byte{[]byte("after "), []byte("the reset")})
	if err == nil {
		t.Fatal("a writev to a reset connection succeeded")
	}
	if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("write error %v, want EPIPE or ECONNRESET", err)
	}
	select {
	case <-sig:
		t.Fatal("SIGPIPE raised")
	case <-time.After(20 * time.Millisecond):
	}
}

// Closing a registration whose file is still open through another
// descriptor (a dup the caller keeps) unregisters it: a new descriptor
// for the same file, with the same number, registers again and is read.
func TestCloseUnregistersSharedFile(t *testing.T) {
	p := newPoller(t)
	var ends [2]int
	if err := unix.Pipe2(ends[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ends[0])
	defer unix.Close(ends[1])
	s1, err := unix.FcntlInt(uintptr(ends[0]), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fd1 FD
	if err := p.Register(&fd1, s1, &recorder{}); err != nil {
		t.Fatal(err)
	}
	fd1.SetShared()
	if err := p.StartRead(&fd1); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	if err := p.Close(&fd1); err != nil {
		t.Fatal(err)
	}
	s2, err := unix.FcntlInt(uintptr(ends[0]), unix.F_DUPFD_CLOEXEC, s1)
	if err != nil {
		t.Fatal(err)
	}
	if s2 != s1 {
		unix.Close(s2)
		t.Skipf("descriptor %d was taken meanwhile", s1)
	}
	r := &recorder{}
	var fd2 FD
	if err := p.Register(&fd2, s2, r); err != nil {
		unix.Close(s2)
		t.Fatalf("registering the same file again: %v", err)
	}
	defer p.Close(&fd2)
	if err := p.StartRead(&fd2); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	if _, err := unix.Write(ends[1], []byte("again")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return r.total() == 5 })
}

// AdoptFile leaves the caller's descriptor as it was: a pipe is reopened
// as a file of its own, so that O_NONBLOCK, which belongs to the open
// file and not to the descriptor, does not reach the caller's blocking
// reads. The adopted copy is non-blocking and reads what is written.
func TestAdoptFileLeavesCallerBlocking(t *testing.T) {
	p := newPoller(t)
	var ends [2]int
	if err := unix.Pipe2(ends[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ends[0])
	defer unix.Close(ends[1])
	s, err := AdoptFile(uintptr(ends[0]))
	if err != nil {
		t.Fatal(err)
	}
	if nonblocking(t, ends[0]) {
		t.Fatal("AdoptFile made the caller's descriptor non-blocking")
	}
	if !nonblocking(t, s) {
		t.Fatal("the adopted descriptor blocks")
	}
	r := &recorder{}
	var fd FD
	if err := p.Register(&fd, s, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	if err := p.StartRead(&fd); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Write(ends[1], []byte("adopted")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return r.total() == 7 })
	// A socket cannot be reopened: it is duplicated, shares its flags,
	// and works all the same.
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	ss, err := AdoptFile(uintptr(pair[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ss)
	if !nonblocking(t, ss) {
		t.Fatal("the adopted socket blocks")
	}
}

// A pseudo-terminal's master is not reopened, which would make a new
// terminal: the adopted descriptor is the same terminal.
func TestAdoptFileKeepsPTYMaster(t *testing.T) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer unix.Close(m)
	n, err := unix.IoctlGetUint32(m, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("TIOCGPTN: %v", err)
	}
	s, err := AdoptFile(uintptr(m))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	if got, err := unix.IoctlGetUint32(s, unix.TIOCGPTN); err != nil || got != n {
		t.Fatalf("adopted terminal %d (%v), want %d", got, err, n)
	}
}

// nonblocking reports whether O_NONBLOCK is set on s's open file.
func nonblocking(t *testing.T, s int) bool {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(s), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fl&unix.O_NONBLOCK != 0
}
