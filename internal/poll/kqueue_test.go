//go:build darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// These tests run only on macOS and the BSDs; the tests of poll_test.go
// run there too.

func TestKqueueNotifyProcessExit(t *testing.T) {
	p := newPoller(t)
	cmd := exec.Command("/bin/sh", "-c", "read x")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	r := &recorder{}
	var fd FD
	if err := WatchProcess(p, &fd, cmd.Process.Pid, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	var dup FD
	if err := WatchProcess(p, &dup, cmd.Process.Pid, r); err != ErrBusy {
		t.Fatalf("second watch of one pid = %v, want ErrBusy", err)
	}
	if err := p.Notify(&fd); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	if r.notified != 0 {
		t.Fatal("notified before the process exited")
	}
	stdin.Close() // the shell's read sees the end of input and it exits
	waitFor(t, p, func() bool { return r.notified == 1 })
	// The exit is a state: each new Notify completes until Close.
	p.Notify(&fd)
	waitFor(t, p, func() bool { return r.notified == 2 })
}

func TestKqueueWatchProcessGone(t *testing.T) {
	p := newPoller(t)
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var fd FD
	// The pid is reaped and may be nobody's now: either the watch is
	// refused, or it reports at once.
	if err := WatchProcess(p, &fd, cmd.Process.Pid, r); err != nil {
		t.Skipf("kevent refused a reaped pid: %v", err)
	}
	defer p.Close(&fd)
	p.Notify(&fd)
	p.Wait(0)
	if r.notified > 1 {
		t.Fatalf("notified %d times", r.notified)
	}
}

func TestKqueueVnodeEvents(t *testing.T) {
	p := newPoller(t)
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var fd FD
	if err := WatchVnode(p, &fd, s, unix.NOTE_WRITE|unix.NOTE_EXTEND|unix.NOTE_DELETE, r); err != nil {
		unix.Close(s)
		t.Fatal(err)
	}
	defer p.Close(&fd)
	if err := p.Notify(&fd); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	if r.notified != 0 || VnodeEvents(&fd) != 0 {
		t.Fatal("events before any change")
	}
	if err := os.WriteFile(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return r.notified == 1 })
	if ev := VnodeEvents(&fd); ev&(unix.NOTE_WRITE|unix.NOTE_EXTEND) == 0 {
		t.Fatalf("events %#x, want a write", ev)
	}
	if VnodeEvents(&fd) != 0 {
		t.Fatal("VnodeEvents did not clear")
	}
	// Events that come while Notify is not armed wait for it.
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	p.Wait(0)
	if r.notified != 1 {
		t.Fatal("notified while not armed")
	}
	p.Notify(&fd)
	waitFor(t, p, func() bool { return r.notified == 2 })
	if ev := VnodeEvents(&fd); ev&unix.NOTE_DELETE == 0 {
		t.Fatalf("events %#x, want NOTE_DELETE", ev)
	}
}

// Many small buffers go out in one write, gathered or by writev, and
// none is lost or reordered.
func TestKqueueWriteManyBuffers(t *testing.T) {
	p := newPoller(t)
	a, b, ra, rb := pair(t, p)
	var bufs [][]byte
	var want []byte
	for i := 0; i < 3000; i++ {
		chunk := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%100)
		bufs = append(bufs, chunk)
		want = append(want, chunk...)
	}
	p.StartRead(b)
	if err := p.Write(a, bufs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.writes == 1 && rb.total() == len(want) })
	if got := bytes.Join(rb.reads, nil); !bytes.Equal(got, want) {
		t.Fatal("bytes lost or reordered")
	}
}
