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
