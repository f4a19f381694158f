//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"errors"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// truncRecorder records the datagrams, and the errors, that RecvDone
// delivers.
type truncRecorder struct {
	recorder
	data [][]byte
	errs []error
	cut  []int // the length of the bytes delivered with each error
}

func (r *truncRecorder) RecvDone(p []byte, from net.Addr, err error) {
	if err != nil {
		r.errs = append(r.errs, err)
		r.cut = append(r.cut, len(p))
		return
	}
	r.data = append(r.data, append([]byte(nil), p...))
}

// A datagram larger than the read buffer is delivered with ErrTruncated
// (and the bytes that fitted), not as a whole datagram, and the receive
// stays armed: the next datagram arrives intact.
func TestRecvTruncated(t *testing.T) {
	p := newPoller(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	for _, s := range fds {
		unix.CloseOnExec(s)
		if err := unix.SetNonblock(s, true); err != nil {
			unix.Close(fds[0])
			t.Fatal(err)
		}
	}
	r := &truncRecorder{}
	var fd FD
	if err := p.Register(&fd, fds[0], r); err != nil {
		unix.Close(fds[0])
		t.Fatal(err)
	}
	defer p.Close(&fd)
	if err := p.StartRecv(&fd); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 100_000)
	if _, err := unix.Write(fds[1], big); err != nil {
		// The BSDs and macOS cap unixgram datagrams (net.local.dgram.maxdgram).
		t.Skipf("this system does not send a 100,000-byte unixgram datagram: %v", err)
	}
	if _, err := unix.Write(fds[1], []byte("small")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return len(r.data)+len(r.errs) >= 2 })
	if len(r.errs) != 1 || !errors.Is(r.errs[0], ErrTruncated) || r.cut[0] != ReadBufferSize {
		lens := make([]int, len(r.data))
		for i, d := range r.data {
			lens[i] = len(d)
		}
		t.Fatalf("errors %v with %v bytes, datagrams of %v bytes; want one ErrTruncated with %d bytes", r.errs, r.cut, lens, ReadBufferSize)
	}
	if len(r.data) != 1 || string(r.data[0]) != "small" {
		t.Fatalf("then got %q; want \"small\"", r.data)
	}
}
