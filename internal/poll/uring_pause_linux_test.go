//go:build linux

package poll

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// streamChecker is an Owner that checks every byte it is given against
// the stream the peer writes, in order, and can stop reading from inside
// ReadDone, as the loop does when a user pauses a connection there.
type streamChecker struct {
	p         Poller
	fd        *FD
	want      []byte
	off       int  // bytes delivered so far
	calls     int  // ReadDone calls with data
	pauseNext bool // StopRead at the end of the next ReadDone
	err       error
}

func (c *streamChecker) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *streamChecker) ReadDone(b []byte, err error) {
	if err != nil {
		c.fail(fmt.Errorf("ReadDone error at offset %d: %w", c.off, err))
		return
	}
	if !c.fd.Reading() {
		c.fail(fmt.Errorf("%d bytes delivered while reading was stopped", len(b)))
	}
	if c.off+len(b) > len(c.want) || !bytes.Equal(b, c.want[c.off:c.off+len(b)]) {
		c.fail(fmt.Errorf("%d bytes at offset %d are not the stream's", len(b), c.off))
	}
	c.off += len(b)
	c.calls++
	if c.pauseNext {
		c.pauseNext = false
		c.p.StopRead(c.fd)
	}
}
func (c *streamChecker) WriteDone(error)                  {}
func (c *streamChecker) ConnectDone(error)                {}
func (c *streamChecker) AcceptDone(Sock, error)           {}
func (c *streamChecker) RecvDone([]byte, net.Addr, error) {}
func (c *streamChecker) NotifyDone(error)                 {}

// A socket whose reading is stopped must stop taking bytes from the
// kernel, so that the peer's TCP window closes (backpressure), as on
// epoll where a stopped socket is simply not read. Bytes a receive had
// already brought when StopRead was called are held, and StartRead
// delivers them and then the rest of the stream, in order, with nothing
// lost.
//
// The bound: the reader stops inside the ReadDone of the first message,
// before the peer writes anything more, so nothing was in flight then.
// Once StopRead has returned, the backend may take at most what one
// receive already under way takes: one buffer (16 KiB, the ring's buffer
// size and the single-shot read size). Twice that is allowed for slack.
// Before StopRead submitted its cancel at once, this test saw 128 KiB
// held, and the peer kept writing; with default (autotuned) socket
// buffers a paused socket held megabytes.
func TestURingStopReadStopsTaking(t *testing.T) {
	for _, mode := range []string{"multishot", "single-shot"} {
		t.Run(mode, func(t *testing.T) {
			p := newURingPoller(t)
			if mode == "single-shot" && p.br != nil {
				p.br.free()
				p.br = nil
			}
			if mode == "multishot" && p.br == nil {
				t.Skip("the kernel refused the provided buffer ring")
			}
			testStopReadStopsTaking(t, p)
		})
	}
}

func testStopReadStopsTaking(t *testing.T, p *uring) {
	const total = 16 << 20
	const bound = 2 * uringBufferSize
	a, b, _, _ := pair(t, p)
	// Small, fixed socket buffers (no autotuning) keep what the kernel
	// itself holds small, so that a peer held back stalls early.
	if err := unix.SetsockoptInt(b.sock, unix.SOL_SOCKET, unix.SO_RCVBUF, 64<<10); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetsockoptInt(a.sock, unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, total)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(data); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			data[i+j] = byte(v >> (8 * j))
		}
	}
	c := &streamChecker{p: p, fd: b, want: data, pauseNext: true}
	b.owner = c
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	// The first message; its ReadDone stops reading.
	const first = 100
	w := 0
	for w < first {
		n, err := p.TryWrite(a, [][]byte{data[w:first]})
		if err != nil {
			t.Fatal(err)
		}
		w += n
	}
	deadline := time.Now().Add(20 * time.Second)
	for c.calls == 0 {
		if time.Now().After(deadline) {
			t.Fatal("first message not read")
		}
		p.Wait(10)
	}
	if b.Reading() {
		t.Fatal("still reading after StopRead")
	}
	delivered := c.off
	// The peer writes without blocking until its writes have made no
	// progress for a while: the kernel buffers are full and nobody takes
	// from them. A backend that kept receiving lets it write everything.
	for idle := 0; w < total && idle < 40; {
		n, err := p.TryWrite(a, [][]byte{data[w:min(w+256<<10, total)]})
		if err != nil {
			t.Fatal(err)
		}
		w += n
		if n > 0 {
			idle = 0
			p.Wait(0)
		} else {
			idle++
			p.Wait(5)
		}
	}
	if c.off != delivered {
		t.Fatalf("%d bytes delivered while stopped", c.off-delivered)
	}
	c.check(t)
	held := len(p.slot(b).held)
	t.Logf("stopped after %d bytes; the peer wrote %d before stalling; %d held", delivered, w, held)
	if held > bound {
		t.Errorf("the stopped socket took %d bytes from the kernel (bound %d)", held, bound)
	}
	if w == total {
		t.Errorf("the peer wrote all %d bytes to a stopped socket: no backpressure", total)
	}
	// StartRead delivers what was held, then the rest, in order.
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	for c.off < total && c.err == nil {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d bytes read after StartRead", c.off, total)
		}
		if w < total {
			n, err := p.TryWrite(a, [][]byte{data[w:min(w+256<<10, total)]})
			if err != nil {
				t.Fatal(err)
			}
			w += n
		}
		p.Wait(1)
	}
	c.check(t)
	if !b.Reading() {
		t.Fatal("reading stopped by itself")
	}
}

func (c *streamChecker) check(t *testing.T) {
	t.Helper()
	if c.err != nil {
		t.Fatal(c.err)
	}
}

// StartRead and StopRead in the same loop turn, with bytes already
// waiting in the socket: the receive that StartRead queued must not take
// them when the pair is submitted, and they arrive, in order, after the
// next StartRead.
func TestURingStopReadBeforeSubmit(t *testing.T) {
	p := newURingPoller(t)
	if p.br == nil {
		t.Skip("the kernel refused the provided buffer ring")
	}
	a, b, _, _ := pair(t, p)
	data := make([]byte, 192<<10)
	for i := range data {
		data[i] = byte(i*31 + i>>10)
	}
	// What the socket buffers take without a reader is the stream.
	n, err := p.TryWrite(a, [][]byte{data})
	if err != nil || n < 2*uringBufferSize+1 {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	data = data[:n]
	c := &streamChecker{p: p, fd: b, want: data}
	b.owner = c
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	p.StopRead(b)
	for i := 0; i < 10; i++ {
		p.Wait(5)
	}
	c.check(t)
	if c.off != 0 {
		t.Fatalf("%d bytes delivered while stopped", c.off)
	}
	if held := len(p.slot(b).held); held > 2*uringBufferSize {
		t.Errorf("the stopped socket took %d bytes from the kernel (bound %d)", held, 2*uringBufferSize)
	}
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return c.off == len(data) || c.err != nil })
	c.check(t)
}

// streamPair returns a connected pair whose reading side b checks what it
// is given against want, and a stream of n bytes.
func streamPair(t *testing.T, p *uring, n int) (a, b *FD, c *streamChecker) {
	t.Helper()
	a, b, _, _ = pair(t, p)
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*31 + i>>10)
	}
	c = &streamChecker{p: p, fd: b, want: data}
	b.owner = c
	return a, b, c
}

// Bytes a multishot receive had already brought when the owner stopped
// reading, in the ReadDone of the first of them, are held and delivered
// in order by the next StartRead.
func TestURingStopReadHoldsInFlight(t *testing.T) {
	p := newURingPoller(t)
	a, b, c := streamPair(t, p, 64<<10)
	p.StartRead(b)
	p.Wait(0) // the receive is in the kernel
	if n, err := p.TryWrite(a, [][]byte{c.want}); n != len(c.want) || err != nil {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	c.pauseNext = true
	waitFor(t, p, func() bool { return c.calls > 0 })
	for i := 0; i < 5; i++ {
		p.Wait(5)
	}
	c.check(t)
	t.Logf("%d bytes delivered, %d held", c.off, len(p.slot(b).held))
	p.StartRead(b)
	waitFor(t, p, func() bool { return c.off == len(c.want) || c.err != nil })
	c.check(t)
}

// An error that ends a receive while reading is stopped (a reset after
// data) is not held for the next StartRead, as the bytes before it are:
// the connection is dead, so the owner is told at once, while reading is
// still stopped, and the bytes held before the error go with it.
func TestURingResetWhileStoppedReported(t *testing.T) {
	p := newURingPoller(t)
	if p.br == nil {
		t.Skip("the kernel refused the provided buffer ring")
	}
	a, b, c := streamPair(t, p, 40<<10)
	p.StartRead(b)
	p.Wait(0)
	if n, err := p.TryWrite(a, [][]byte{c.want}); n != len(c.want) || err != nil {
		t.Fatalf("TryWrite = %d, %v", n, err)
	}
	if err := unix.SetsockoptLinger(a.sock, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		t.Fatal(err)
	}
	p.Close(a) // a reset, after the data
	c.pauseNext = true
	waitFor(t, p, func() bool { return c.err != nil })
	if !errors.Is(c.err, syscall.ECONNRESET) || b.Reading() || p.slot(b).hasHeld {
		t.Fatalf("while stopped: %v, reading %v, bytes held %v; want ECONNRESET, not reading, nothing held",
			c.err, b.Reading(), p.slot(b).hasHeld)
	}
}

// useSmallBufRing replaces p's ring of provided buffers by one of n
// buffers, before any receive uses it.
func useSmallBufRing(t *testing.T, p *uring, n int) {
	t.Helper()
	const uUnregisterPbuf = 23
	reg := uBufReg{bgid: uBufGroup}
	if _, _, e := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(p.r.fd), uUnregisterPbuf, uintptr(unsafe.Pointer(&reg)), 1, 0, 0); e != 0 {
		t.Skipf("unregistering the buffer ring: %v", e)
	}
	p.br.free()
	br, err := newBufRing(p.r, n, uringBufferSize)
	if err != nil {
		t.Fatal(err)
	}
	p.br = br
}

// When the ring of provided buffers runs dry, receives end with ENOBUFS
// and are armed again: the streams arrive whole and in order.
func TestURingBufferRingDry(t *testing.T) {
	p := newURingPoller(t)
	if p.br == nil {
		t.Skip("the kernel refused the provided buffer ring")
	}
	useSmallBufRing(t, p, 2)
	const size = 2 << 20
	type stream struct {
		a *FD
		c *streamChecker
		w int
	}
	var ss []*stream
	for i := 0; i < 2; i++ {
		a, b, c := streamPair(t, p, size)
		p.StartRead(b)
		ss = append(ss, &stream{a: a, c: c})
	}
	deadline := time.Now().Add(20 * time.Second)
	for done := false; !done; {
		if time.Now().After(deadline) {
			t.Fatalf("streams stuck at %d and %d of %d bytes", ss[0].c.off, ss[1].c.off, size)
		}
		done = true
		for _, s := range ss {
			if s.w < size {
				n, err := p.TryWrite(s.a, [][]byte{s.c.want[s.w:]})
				if err != nil {
					t.Fatal(err)
				}
				s.w += n
			}
			s.c.check(t)
			done = done && s.c.off == size
		}
		p.Wait(1)
	}
}

// A Write of more buffers than one writev takes (maxIovec), larger than
// the socket buffers, is written in several requests, resubmitting what
// each short completion left: the stream arrives whole and in order, and
// WriteDone comes once.
func TestURingWriteManyBuffers(t *testing.T) {
	p := newURingPoller(t)
	a, b, c := streamPair(t, p, 3000*700)
	ra := &recorder{}
	a.owner = ra
	var bufs [][]byte
	for off := 0; off < len(c.want); off += 700 {
		bufs = append(bufs, c.want[off:off+700])
	}
	if err := p.Write(a, bufs); err != nil {
		t.Fatal(err)
	}
	p.StartRead(b)
	waitFor(t, p, func() bool { return (c.off == len(c.want) && ra.writes > 0) || c.err != nil })
	c.check(t)
	for i := 0; i < 3; i++ {
		p.Wait(0)
	}
	if ra.writes != 1 || ra.writeErr != nil {
		t.Fatalf("%d WriteDone, last error %v", ra.writes, ra.writeErr)
	}
}
