//go:build windows

package poll

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// stopErrOwner is an Owner that counts what ReadDone reports.
type stopErrOwner struct {
	data int
	eofs int
	errs []error
}

func (o *stopErrOwner) ReadDone(p []byte, err error) {
	switch {
	case err == io.EOF:
		o.eofs++
	case err != nil:
		o.errs = append(o.errs, err)
	default:
		o.data += len(p)
	}
}
func (o *stopErrOwner) WriteDone(error)                  {}
func (o *stopErrOwner) ConnectDone(error)                {}
func (o *stopErrOwner) AcceptDone(Sock, error)           {}
func (o *stopErrOwner) RecvDone([]byte, net.Addr, error) {}
func (o *stopErrOwner) NotifyDone(error)                 {}

// stoppedPairIOCP returns a connected pair whose b end the owner o reads,
// with its read stopped, and a written to the peer first. With held, b
// had a read in flight when it stopped, which takes those bytes and holds
// them; without, b was never read, and they wait in the kernel.
func stoppedPairIOCP(t *testing.T, p Poller, o *stopErrOwner, held bool) (a, b *FD) {
	a, b, _, _ = pair(t, p)
	b.owner = o
	if held {
		if err := p.StartRead(b); err != nil {
			t.Fatal(err)
		}
		p.Wait(0)
	}
	p.StopRead(b)
	send(t, p, a, []byte("unread"))
	return a, b
}

// resetPeer closes a so that its peer sees a reset.
func resetPeer(t *testing.T, p Poller, a *FD) {
	t.Helper()
	if err := windows.SetsockoptLinger(a.sock, windows.SOL_SOCKET, windows.SO_LINGER, &windows.Linger{Onoff: 1}); err != nil {
		t.Fatal(err)
	}
	p.Close(a)
}

// settle runs a few short turns, for completions that should not come.
func settle(p Poller) {
	for i := 0; i < 5; i++ {
		p.Wait(10)
	}
}

// A socket whose read is stopped learns of its peer's reset at once,
// once, through ReadDone, as on Linux: before, IOCP had nothing in flight
// on it, and the reset waited for the owner's next read or write (for as
// long as a pause lasted). Also with unread bytes held by the backend or
// waiting in the kernel, with the peer's end of stream before the reset,
// and after the end of stream was read (the socket stays open for
// writing).
func TestIOCPStoppedReadSeesReset(t *testing.T) {
	for _, tc := range []struct {
		name     string
		held     bool
		eofFirst bool
	}{
		{"held", true, false},
		{"idle", false, false},
		{"held-eof-then-reset", true, true},
		{"idle-eof-then-reset", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPoller(t)
			o := &stopErrOwner{}
			a, b := stoppedPairIOCP(t, p, o, tc.held)
			if tc.eofFirst {
				if err := ShutdownWrite(a); err != nil {
					t.Fatal(err)
				}
			}
			settle(p)
			if w := b.sys.watch; w == nil || !w.busy {
				t.Fatal("no reset watch in flight on the stopped socket")
			}
			resetPeer(t, p, a)
			waitFor(t, p, func() bool { return len(o.errs) > 0 })
			settle(p)
			if len(o.errs) != 1 || !errors.Is(o.errs[0], syscall.ECONNRESET) || o.data != 0 || o.eofs != 0 || b.Reading() {
				t.Fatalf("errors %v, %d bytes, %d ends, reading %v; want one ECONNRESET, nothing else", o.errs, o.data, o.eofs, b.Reading())
			}
		})
	}
}

// After the end of stream has been read, the read is over, but the
// socket is open for writing: a reset then still comes through ReadDone.
func TestIOCPResetAfterEOF(t *testing.T) {
	p := newPoller(t)
	o := &stopErrOwner{}
	a, b, _, _ := pair(t, p)
	b.owner = o
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	if err := ShutdownWrite(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return o.eofs > 0 })
	settle(p)
	resetPeer(t, p, a)
	waitFor(t, p, func() bool { return len(o.errs) > 0 })
	settle(p)
	if len(o.errs) != 1 || !errors.Is(o.errs[0], syscall.ECONNRESET) || o.eofs != 1 {
		t.Fatalf("errors %v, %d ends; want the end, then one ECONNRESET", o.errs, o.eofs)
	}
}

// A reset that a read in flight at StopRead takes is reported at once
// too, rather than held for StartRead like bytes.
func TestIOCPStoppedReadInFlightReset(t *testing.T) {
	p := newPoller(t)
	o := &stopErrOwner{}
	a, b, _, _ := pair(t, p)
	b.owner = o
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	p.StopRead(b)
	if r := b.sys.read; r == nil || !r.busy {
		t.Fatal("no read in flight")
	}
	resetPeer(t, p, a)
	waitFor(t, p, func() bool { return len(o.errs) > 0 })
	settle(p)
	if len(o.errs) != 1 || !errors.Is(o.errs[0], syscall.ECONNRESET) || o.data != 0 || o.eofs != 0 {
		t.Fatalf("errors %v, %d bytes, %d ends; want one ECONNRESET, nothing else", o.errs, o.data, o.eofs)
	}
}

// The peer's plain end of stream, on the other hand, waits behind its
// bytes until StartRead, also when this side has shut down its writing:
// the watch asks for a reset alone.
func TestIOCPStoppedReadKeepsEOF(t *testing.T) {
	for _, held := range []bool{false, true} {
		for _, shut := range []bool{false, true} {
			name := map[bool]string{false: "idle", true: "held"}[held] + "-" + map[bool]string{false: "open", true: "shut"}[shut]
			t.Run(name, func(t *testing.T) {
				p := newPoller(t)
				o := &stopErrOwner{}
				a, b := stoppedPairIOCP(t, p, o, held)
				if shut {
					if err := ShutdownWrite(b); err != nil {
						t.Fatal(err)
					}
				}
				if err := ShutdownWrite(a); err != nil {
					t.Fatal(err)
				}
				settle(p)
				if len(o.errs) != 0 || o.data != 0 || o.eofs != 0 {
					t.Fatalf("while stopped: errors %v, %d bytes, %d ends; want nothing", o.errs, o.data, o.eofs)
				}
				if err := p.StartRead(b); err != nil {
					t.Fatal(err)
				}
				waitFor(t, p, func() bool { return o.eofs > 0 || len(o.errs) > 0 })
				if len(o.errs) != 0 || o.data != len("unread") || o.eofs != 1 {
					t.Fatalf("after StartRead: errors %v, %d bytes, %d ends; want the 6 bytes, then the end", o.errs, o.data, o.eofs)
				}
			})
		}
	}
}

// StartRead cancels the watch, and the reads take over: bytes come once,
// in order; a StopRead with a read in flight leaves the errors to that
// read, which reports them at once.
func TestIOCPResumeCancelsWatch(t *testing.T) {
	p := newPoller(t)
	o := &stopErrOwner{}
	a, b := stoppedPairIOCP(t, p, o, false)
	settle(p)
	w := b.sys.watch
	if w == nil || !w.busy {
		t.Fatal("no reset watch in flight on the stopped socket")
	}
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return o.data == len("unread") })
	send(t, p, a, []byte("more"))
	waitFor(t, p, func() bool { return o.data == len("unreadmore") })
	settle(p)
	if w.busy {
		t.Fatal("the watch is still in flight while reading")
	}
	p.StopRead(b)
	settle(p)
	if w.busy || !b.sys.read.busy {
		t.Fatalf("watch in flight %v, read in flight %v; want the read alone", w.busy, b.sys.read.busy)
	}
	resetPeer(t, p, a)
	waitFor(t, p, func() bool { return len(o.errs) > 0 })
	settle(p)
	if len(o.errs) != 1 || !errors.Is(o.errs[0], syscall.ECONNRESET) || o.data != len("unreadmore") || o.eofs != 0 {
		t.Fatalf("errors %v, %d bytes, %d ends; want 10 bytes, then one ECONNRESET", o.errs, o.data, o.eofs)
	}
}

// A StopRead that finds the watch still in flight, cancelled by a
// StartRead of the same turn, has it issued again once its cancel
// completes (here the held bytes leave no read in flight to see the
// reset instead), and the bytes stay held.
func TestIOCPStopAfterCancelReissuesWatch(t *testing.T) {
	p := newPoller(t)
	o := &stopErrOwner{}
	a, b := stoppedPairIOCP(t, p, o, true)
	settle(p)
	w := b.sys.watch
	if w == nil || !w.busy || !b.sys.read.ready {
		t.Fatal("want bytes held and the reset watch in flight")
	}
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	p.StopRead(b)
	settle(p)
	if !w.busy || o.data != 0 {
		t.Fatalf("watch in flight %v, %d bytes delivered; want the watch issued again, nothing delivered", w.busy, o.data)
	}
	resetPeer(t, p, a)
	waitFor(t, p, func() bool { return len(o.errs) > 0 })
	settle(p)
	if len(o.errs) != 1 || !errors.Is(o.errs[0], syscall.ECONNRESET) || o.data != 0 || o.eofs != 0 {
		t.Fatalf("errors %v, %d bytes, %d ends; want one ECONNRESET, nothing else", o.errs, o.data, o.eofs)
	}
}

// Closing a socket whose read is stopped, with its watch in flight,
// releases it: the peer reads the end of the stream, the closed side's
// owner hears nothing, and the cancelled watch leaves the poller's live
// set once its completion is dequeued.
func TestIOCPStoppedReadCloseReleases(t *testing.T) {
	p := newPoller(t)
	o := &stopErrOwner{}
	a, b, _, _ := pair(t, p)
	b.owner = o
	p.StopRead(b)
	settle(p)
	w := b.sys.watch
	if w == nil || !w.busy {
		t.Fatal("no reset watch in flight on the stopped socket")
	}
	if err := p.Close(b); err != nil {
		t.Fatal(err)
	}
	// A socket closed in the turn it stopped reading issues no watch.
	c, d, _, _ := pair(t, p)
	p.StopRead(d)
	if err := p.Close(d); err != nil {
		t.Fatal(err)
	}
	p.Close(c)
	ra := &stopErrOwner{}
	a.owner = ra
	if err := p.StartRead(a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return ra.eofs > 0 || len(ra.errs) > 0 })
	ip := p.(*iocp)
	waitFor(t, p, func() bool {
		_, live := ip.live[w]
		return !live
	})
	if ra.eofs != 1 || len(ra.errs) != 0 || len(o.errs) != 0 {
		t.Fatalf("peer: %d ends, errors %v; closed side: errors %v; want the end, no errors", ra.eofs, ra.errs, o.errs)
	}
	for op := range ip.live {
		if op.kind == opWatch {
			t.Fatal("a watch is in flight after its socket closed")
		}
	}
}
