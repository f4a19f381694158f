//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"os"
	"testing"
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
