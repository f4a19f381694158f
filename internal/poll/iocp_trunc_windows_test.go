//go:build windows

package poll

import (
	"errors"
	"net"
	"testing"
)

// A datagram larger than the receive buffer completes with ERROR_MORE_DATA
// (or fails at once with WSAEMSGSIZE): it is delivered with ErrTruncated,
// the bytes that fitted and its source, and the receive stays armed, so
// the next datagram arrives intact. No UDP datagram outgrows the real
// 64 KiB buffer, so the test shrinks it.
func TestUDPRecvTruncated(t *testing.T) {
	defer func(n int) { dgramBufSize = n }(dgramBufSize)
	dgramBufSize = 1024
	p := newPoller(t)
	s, err := ListenPacket("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := &truncDgramRecorder{}
	var fd FD
	if err := p.Register(&fd, s, r); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&fd)
	to := LocalAddr(&fd, "udp4")
	cs, err := Socket("udp4", to, nil)
	if err != nil {
		t.Fatal(err)
	}
	var cfd FD
	if err := p.Register(&cfd, cs, &truncDgramRecorder{}); err != nil {
		t.Fatal(err)
	}
	defer p.Close(&cfd)
	// Both are sent before the receive is armed, so the first receive
	// finds the big one waiting (the immediate WSAEMSGSIZE) or takes it
	// through the port (ERROR_MORE_DATA), whichever the system does.
	if _, err := SendTo(&cfd, "udp4", make([]byte, 2000), to); err != nil {
		t.Fatal(err)
	}
	if _, err := SendTo(&cfd, "udp4", []byte("small"), to); err != nil {
		t.Fatal(err)
	}
	if err := p.StartRecv(&fd); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, func() bool { return len(r.data)+len(r.errs) >= 2 })
	if len(r.errs) != 1 || !errors.Is(r.errs[0], ErrTruncated) {
		lens := make([]int, len(r.data))
		for i, d := range r.data {
			lens[i] = len(d)
		}
		t.Fatalf("errors %v, datagrams of %v bytes; want one ErrTruncated", r.errs, lens)
	}
	if r.cut[0] != 1024 {
		t.Fatalf("truncated datagram delivered with %d bytes; want the buffer's 1024", r.cut[0])
	}
	if len(r.data) != 1 || string(r.data[0]) != "small" {
		t.Fatalf("then got %q; want \"small\"", r.data)
	}
	if from, ok := r.from[0].(*net.UDPAddr); !ok || from.Port != LocalAddr(&cfd, "udp4").(*net.UDPAddr).Port {
		t.Fatalf("truncated datagram from %v, want the sender", r.from[0])
	}
}

// truncDgramRecorder records datagrams and errors, with the source and
// the length of what came with each.
type truncDgramRecorder struct {
	recorder
	data [][]byte
	errs []error
	cut  []int
	from []net.Addr
}

func (r *truncDgramRecorder) RecvDone(p []byte, from net.Addr, err error) {
	if err != nil {
		r.errs = append(r.errs, err)
		r.cut = append(r.cut, len(p))
		r.from = append(r.from, from)
		return
	}
	r.data = append(r.data, append([]byte(nil), p...))
}
