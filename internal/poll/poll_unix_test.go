//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Readiness for a file that is not a socket: a pipe. (On IOCP, Notify
// is for waitable objects such as processes, not pipes.)
func TestNotifyOnReadablePipe(t *testing.T) {
	p := newPoller(t)
	rf, wf := newPipe(t)
	s := adopt(t, rf)
	r := &recorder{}
	var fd FD
	p.Register(&fd, s, r)
	defer p.Close(&fd)
	p.Notify(&fd)
	p.Wait(0)
	if r.notified != 0 {
		t.Fatal("notified before the pipe had data")
	}
	wf.Write([]byte("!"))
	waitFor(t, p, func() bool { return r.notified == 1 })
	// One-shot: no second notification until armed again.
	p.Wait(0)
	if r.notified != 1 {
		t.Fatalf("notified %d times", r.notified)
	}
	p.Notify(&fd) // still readable: fires again
	waitFor(t, p, func() bool { return r.notified == 2 })
}

// newPipe makes a pipe whose ends are closed at cleanup.
func newPipe(t *testing.T) (rf, wf *os.File) {
	t.Helper()
	rf, wf, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rf.Close(); wf.Close() })
	return rf, wf
}

// adopt makes a Sock of f's descriptor for the backend.
func adopt(t *testing.T, f *os.File) Sock {
	t.Helper()
	s, err := AdoptFile(f.Fd())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ready gives the tests the shared state of a readiness backend.
func (r *readyFDs) ready() *readyFDs { return r }

// readyOf returns p's shared readiness state, or skips the test on a
// backend that has none (io_uring).
func readyOf(t *testing.T, p Poller) *readyFDs {
	t.Helper()
	rp, ok := p.(interface{ ready() *readyFDs })
	if !ok {
		t.Skipf("%T is not a readiness backend", p)
	}
	return rp.ready()
}

// A Write has the socket written on the next turn, and nothing more: no
// read is attempted for it, which would only find nothing (EAGAIN).
func TestWriteMakesNoReadAttempt(t *testing.T) {
	p := newPoller(t)
	r := readyOf(t, p)
	a, b, ra, rb := pair(t, p)
	p.StartRead(a)
	p.StartRead(b)
	for i := 0; i < 3; i++ {
		p.Wait(0)
	}
	before := r.emptyReads
	for i := 1; i <= 10; i++ {
		if err := p.Write(a, [][]byte{[]byte("x")}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, p, func() bool { return ra.writes == i && rb.total() == i })
	}
	p.Wait(0)
	if n := r.emptyReads - before; n != 0 {
		t.Fatalf("writes caused %d reads that found nothing", n)
	}
	if ra.writeErr != nil || len(ra.reads) != 0 {
		t.Fatalf("write error %v, reads %q", ra.writeErr, ra.reads)
	}
}

// acceptRecorder is a recorder that keeps accept errors.
type acceptRecorder struct {
	recorder
	errs []error
}

func (r *acceptRecorder) AcceptDone(s Sock, err error) {
	if err != nil {
		r.errs = append(r.errs, err)
	}
	r.recorder.AcceptDone(s, err)
}

// An accept that fails for want of descriptors is reported, and the
// listener is tried again on a later turn: the connection waiting in the
// backlog, which no new edge announces, is still accepted.
func TestAcceptErrorRetries(t *testing.T) {
	p := newPoller(t)
	ls, err := Listen("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	lr := &acceptRecorder{}
	var lfd FD
	if err := p.Register(&lfd, ls, lr); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&lfd)
	c, err := net.Dial("tcp4", LocalAddr(&lfd, "tcp4").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 5; i++ {
		p.Wait(5) // the connection's edge passes while nobody accepts
	}
	fail := 1
	acceptFn = func(s int) (int, error) {
		if fail > 0 {
			fail--
			return InvalidSock, unix.EMFILE
		}
		return acceptSock(s)
	}
	defer func() { acceptFn = acceptSock }()
	if err := p.StartAccept(&lfd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return len(lr.accepted) == 1 })
	CloseSock(lr.accepted[0])
	if len(lr.errs) != 1 || !errors.Is(lr.errs[0], syscall.EMFILE) {
		t.Fatalf("accept errors %v, want one EMFILE", lr.errs)
	}
}
