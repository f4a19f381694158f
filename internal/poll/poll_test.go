//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || windows

package poll

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// recorder is an Owner that records completions.
type recorder struct {
	reads    [][]byte
	eof      bool
	readErr  error
	writes   int
	writeErr error
	connects int
	conErr   error
	accepted []Sock
	notified int
}

func (r *recorder) ReadDone(p []byte, err error) {
	if err == io.EOF {
		r.eof = true
		return
	}
	if err != nil {
		r.readErr = err
		return
	}
	r.reads = append(r.reads, append([]byte(nil), p...))
}
func (r *recorder) WriteDone(err error)   { r.writes++; r.writeErr = err }
func (r *recorder) ConnectDone(err error) { r.connects++; r.conErr = err }
func (r *recorder) AcceptDone(s Sock, err error) {
	if err == nil {
		r.accepted = append(r.accepted, s)
	}
}
func (r *recorder) RecvDone(p []byte, from net.Addr, err error) {}
func (r *recorder) NotifyDone(err error)                        { r.notified++ }

func (r *recorder) total() int {
	n := 0
	for _, b := range r.reads {
		n += len(b)
	}
	return n
}

func newPoller(t *testing.T) Poller {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

// waitFor polls until cond holds or a generous limit passes.
func waitFor(t testing.TB, p Poller, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		if _, err := p.Wait(10); err != nil {
			t.Fatal(err)
		}
	}
}

// send writes bufs whole. What TryWrite does not take at once (all of it
// on IOCP, where every write is overlapped) goes through Write, and send
// waits until that write has completed.
func send(t *testing.T, p Poller, fd *FD, bufs ...[]byte) {
	t.Helper()
	n, err := p.TryWrite(fd, bufs)
	if err != nil {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if len(bufs) == 0 {
		return
	}
	rest := append([][]byte{bufs[0][n:]}, bufs[1:]...)
	if err := p.Write(fd, rest); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return !fd.Writing() })
}

// pair returns two connected TCP sockets registered with p.
func pair(t testing.TB, p Poller) (a, b *FD, ra, rb *recorder) {
	ls, err := Listen("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	lr := &recorder{}
	var lfd FD
	if err := p.Register(&lfd, ls, lr); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&lfd)
	if err := p.StartAccept(&lfd); err != nil {
		t.Fatal(err)
	}
	cs, err := Socket("tcp4", LocalAddr(&lfd, "tcp4"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ra, rb = &recorder{}, &recorder{}
	a, b = &FD{}, &FD{}
	if err := p.Register(a, cs, ra); err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(a, LocalAddr(&lfd, "tcp4")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.connects == 1 && len(lr.accepted) == 1 })
	if ra.conErr != nil {
		t.Fatal(ra.conErr)
	}
	if err := p.Register(b, lr.accepted[0], rb); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(a); p.Close(b) })
	return a, b, ra, rb
}

func TestReadWriteCompletions(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	send(t, p, a, []byte("hello "), []byte("world"))
	waitFor(t, p, func() bool { return rb.total() == 11 })
	if got := string(bytes.Join(rb.reads, nil)); got != "hello world" {
		t.Fatalf("read %q", got)
	}
	p.StopRead(b)
	if b.Reading() {
		t.Fatal("still reading after StopRead")
	}
}

// A write larger than the socket buffers completes once, after the peer
// has read everything; a second Write while one is in flight is refused.
// (On IOCP TryWrite takes nothing, so the whole 8 MiB goes through Write.)
func TestLargeWriteCompletesOnce(t *testing.T) {
	p := newPoller(t)
	a, b, ra, rb := pair(t, p)
	big := bytes.Repeat([]byte("x"), 8<<20)
	n, err := p.TryWrite(a, [][]byte{big})
	if err != nil {
		t.Fatal(err)
	}
	if n == len(big) {
		t.Skip("the kernel took 8 MiB at once")
	}
	if err := p.Write(a, [][]byte{big[n:]}); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(a, [][]byte{[]byte("y")}); err != ErrBusy {
		t.Fatalf("second Write = %v, want ErrBusy", err)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.total() == len(big) && ra.writes == 1 })
	if ra.writeErr != nil || a.Writing() {
		t.Fatalf("write error %v, still writing %v", ra.writeErr, a.Writing())
	}
}

func TestEOFAfterData(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	send(t, p, a, []byte("last words"))
	ShutdownWrite(a)
	p.StartRead(b)
	waitFor(t, p, func() bool { return rb.eof })
	if rb.total() != len("last words") {
		t.Fatalf("read %d bytes before EOF", rb.total())
	}
}

func TestConnectRefused(t *testing.T) {
	p := newPoller(t)
	l, _ := net.Listen("tcp4", "127.0.0.1:0")
	addr := l.Addr()
	l.Close()
	s, err := Socket("tcp4", addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	var fd FD
	p.Register(&fd, s, r)
	defer p.Close(&fd)
	if err := p.Connect(&fd, addr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return r.connects > 0 })
	if r.connects != 1 || r.conErr == nil {
		t.Fatalf("connects %d err %v", r.connects, r.conErr)
	}
}

func TestWakeFromAnotherGoroutine(t *testing.T) {
	p := newPoller(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.Wake()
	}()
	start := time.Now()
	if _, err := p.Wait(-1); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Wake did not end Wait")
	}
}

// Wake, called from other goroutines, may race Shutdown: it must never
// signal through the wake-up handle once Shutdown has closed it, since a
// new file may already have its number. Files opened after Shutdown take
// the freed numbers; none of them may receive a byte.
func TestWakeRacesShutdown(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					p.Wake()
				}
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := p.Shutdown(); err != nil {
		t.Fatal(err)
	}
	var files []*os.File
	for i := 0; i < 4; i++ {
		// Not t.TempDir: its cleanup fails under Wine (see scripts/wine.sh).
		f, err := os.CreateTemp("", "eddy-wake")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		files = append(files, f)
	}
	time.Sleep(20 * time.Millisecond) // the Wakes go on
	close(stop)
	wg.Wait()
	if err := p.Wake(); err != nil {
		t.Fatalf("Wake after Shutdown = %v", err)
	}
	for _, f := range files {
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != 0 {
			t.Fatalf("a Wake after Shutdown wrote %d bytes into %s", st.Size(), f.Name())
		}
	}
}

// Closing a socket drops its pending completions, and a new socket that
// reuses the number does not receive them.
func TestCloseDropsCompletions(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	send(t, p, a, []byte("data"))
	p.StartRead(b)
	time.Sleep(10 * time.Millisecond) // the event is now pending in the kernel
	if err := p.Close(b); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(b); err != ErrFDClosed {
		t.Fatalf("second Close = %v", err)
	}
	p.Wait(0)
	if len(rb.reads) != 0 {
		t.Fatalf("closed socket delivered %q", rb.reads)
	}
}

func TestMoveRehomesRegistration(t *testing.T) {
	p := newPoller(t)
	a, b, _, rb := pair(t, p)
	p.StartRead(b)
	var moved FD
	r2 := &recorder{}
	if err := p.Move(&moved, b, r2); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&moved)
	if !b.Closed() || moved.Closed() {
		t.Fatal("Move did not hand the registration over")
	}
	send(t, p, a, []byte("to the new home"))
	waitFor(t, p, func() bool { return r2.total() == len("to the new home") })
	if len(rb.reads) != 0 {
		t.Fatalf("old owner still got %q", rb.reads)
	}
}

// SendFile sends its head, then the file region, in order and complete,
// with one WriteDone; a file shorter than asked fails the write.
func TestSendFile(t *testing.T) {
	p := newPoller(t)
	a, b, ra, rb := pair(t, p)
	content := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, several chunks
	// Not t.TempDir: its cleanup fails under Wine (see scripts/wine.sh).
	f, err := os.CreateTemp("", "eddy-sendfile")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	head := [][]byte{[]byte("HTTP/1.1 200 OK\r\n"), nil, []byte("\r\n")}
	want := append([]byte("HTTP/1.1 200 OK\r\n\r\n"), content[10:len(content)-10]...)
	if err := p.SendFile(a, head, f, 10, int64(len(content)-20)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.writes == 1 && rb.total() == len(want) })
	if ra.writeErr != nil {
		t.Fatal(ra.writeErr)
	}
	if !bytes.Equal(bytes.Join(rb.reads, nil), want) {
		t.Fatal("received bytes differ from head + file region")
	}
	// Without a head, and asking past the end of the file.
	if err := p.SendFile(a, nil, f, int64(len(content)-3), 10); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.writes == 2 })
	if !errors.Is(ra.writeErr, io.ErrUnexpectedEOF) {
		t.Fatalf("short file: %v", ra.writeErr)
	}
	waitFor(t, p, func() bool { return rb.total() == len(want)+3 })
}
