//go:build linux

package poll

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// errCounter is an Owner that counts what ReadDone reports.
type errCounter struct {
	data int
	eofs int
	errs []error
}

func (o *errCounter) ReadDone(p []byte, err error) {
	switch {
	case err == io.EOF:
		o.eofs++
	case err != nil:
		o.errs = append(o.errs, err)
	default:
		o.data += len(p)
	}
}
func (o *errCounter) WriteDone(error)                  {}
func (o *errCounter) ConnectDone(error)                {}
func (o *errCounter) AcceptDone(Sock, error)           {}
func (o *errCounter) RecvDone([]byte, net.Addr, error) {}
func (o *errCounter) NotifyDone(error)                 {}

// linuxBackends runs f on epoll and, where the kernel allows, io_uring.
func linuxBackends(t *testing.T, f func(t *testing.T, p Poller)) {
	t.Run("epoll", func(t *testing.T) {
		t.Setenv("EDDY_POLLER", "")
		f(t, newPoller(t))
	})
	t.Run("uring", func(t *testing.T) { f(t, newURingPoller(t)) })
}

// stoppedPair returns a connected pair whose b end the owner o reads, with
// its read stopped, and a written to the peer first.
func stoppedPair(t *testing.T, p Poller, o *errCounter) (a, b *FD) {
	a, b, _, _ = pair(t, p)
	b.owner = o
	if err := p.StartRead(b); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
	p.StopRead(b)
	send(t, p, a, []byte("unread"))
	return a, b
}

// A socket whose read is stopped learns of its peer's reset at once,
// once, through ReadDone: before, epoll saw EPOLLERR and did nothing, and
// io_uring had nothing in flight to see it, so the error waited for the
// owner's next read or write. Also when the peer's end of stream came
// first (a half close, then a reset), which io_uring's poll cannot mask.
func TestStoppedReadSeesReset(t *testing.T) {
	for _, halfFirst := range []bool{false, true} {
		name := "reset"
		if halfFirst {
			name = "eof-then-reset"
		}
		t.Run(name, func(t *testing.T) {
			linuxBackends(t, func(t *testing.T, p Poller) {
				o := &errCounter{}
				a, b := stoppedPair(t, p, o)
				if halfFirst {
					if err := ShutdownWrite(a); err != nil {
						t.Fatal(err)
					}
					for i := 0; i < 3; i++ {
						p.Wait(5)
					}
				}
				if err := unix.SetsockoptLinger(a.sock, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
					t.Fatal(err)
				}
				p.Close(a) // a reset
				waitFor(t, p, func() bool { return len(o.errs) > 0 })
				for i := 0; i < 3; i++ {
					p.Wait(5)
				}
				// Linux reports a reset after the peer's end of stream as
				// EPIPE (the root package maps both to ErrReset).
				want := syscall.ECONNRESET
				if halfFirst {
					want = syscall.EPIPE
				}
				if len(o.errs) != 1 || !errors.Is(o.errs[0], want) || o.data != 0 || o.eofs != 0 || b.Reading() {
					t.Fatalf("errors %v, %d bytes, %d ends, reading %v; want one %v, nothing else", o.errs, o.data, o.eofs, b.Reading(), want)
				}
			})
		})
	}
}

// The peer's plain end of stream, on the other hand, waits behind its
// bytes until StartRead, also when this side has shut down its writing
// (both directions shut: a hang-up without an error).
func TestStoppedReadKeepsEOF(t *testing.T) {
	for _, shut := range []bool{false, true} {
		name := "open"
		if shut {
			name = "shut"
		}
		t.Run(name, func(t *testing.T) {
			linuxBackends(t, func(t *testing.T, p Poller) {
				o := &errCounter{}
				a, b := stoppedPair(t, p, o)
				if shut {
					if err := ShutdownWrite(b); err != nil {
						t.Fatal(err)
					}
				}
				if err := ShutdownWrite(a); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < 5; i++ {
					p.Wait(5)
				}
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
		})
	}
}

// Closing a socket whose read is stopped (with nothing unread, which
// would make the close a reset), with its error poll in flight, releases
// it: the peer reads the end of the stream (on io_uring the
// poll's cancel goes with the next turn's enter, and the socket's last
// reference with it).
func TestStoppedReadCloseReleases(t *testing.T) {
	linuxBackends(t, func(t *testing.T, p Poller) {
		o := &errCounter{}
		a, b, _, _ := pair(t, p)
		b.owner = o
		if err := p.StartRead(b); err != nil {
			t.Fatal(err)
		}
		p.Wait(0)
		p.StopRead(b)
		for i := 0; i < 3; i++ {
			p.Wait(0)
		}
		if u, ok := p.(*uring); ok && !u.slot(b).errPoll {
			t.Fatal("no error poll in flight for the stopped socket")
		}
		if err := p.Close(b); err != nil {
			t.Fatal(err)
		}
		ra := &errCounter{}
		a.owner = ra
		if err := p.StartRead(a); err != nil {
			t.Fatal(err)
		}
		waitFor(t, p, func() bool { return ra.eofs > 0 || len(ra.errs) > 0 })
		if ra.eofs != 1 || len(ra.errs) != 0 || len(o.errs) != 0 {
			t.Fatalf("peer: %d ends, errors %v; closed side: errors %v; want the end, no errors", ra.eofs, ra.errs, o.errs)
		}
	})
}
