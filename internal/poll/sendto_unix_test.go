//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// SendTo learns the socket's family once, not with a getsockname for
// every datagram, and the datagrams still go out in the socket's own
// family: IPv4, IPv6, and IPv4 over a dual-stack IPv6 socket.
func TestSendToAsksFamilyOnce(t *testing.T) {
	calls := 0
	sendGetsockname = func(s int) (unix.Sockaddr, error) {
		calls++
		return unix.Getsockname(s)
	}
	defer func() { sendGetsockname = unix.Getsockname }()
	for _, c := range []struct {
		network string
		local   net.IP // where the sender is bound (nil: the wildcard)
		to      net.IP
	}{
		{"udp4", net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 1)},
		{"udp6", net.IPv6loopback, net.IPv6loopback},
		{"udp", nil, net.IPv4(127, 0, 0, 1)}, // dual stack: sent as ::ffff:127.0.0.1
	} {
		t.Run(c.network, func(t *testing.T) {
			p := newPoller(t)
			rnet := "udp4"
			if c.to.To4() == nil {
				rnet = "udp6"
			}
			rs, err := ListenPacket(rnet, &net.UDPAddr{IP: c.to}, ListenConfig{})
			if err != nil {
				t.Skipf("no %s loopback here: %v", rnet, err)
			}
			blockingRecv(t, rs)
			var rfd FD
			if err := p.Register(&rfd, rs, &recorder{}); err != nil {
				unix.Close(rs)
				t.Fatal(err)
			}
			defer p.Close(&rfd)
			to := LocalAddr(&rfd, rnet)
			ss, err := ListenPacket(c.network, &net.UDPAddr{IP: c.local}, ListenConfig{})
			if err != nil {
				t.Fatal(err)
			}
			var sfd FD
			if err := p.Register(&sfd, ss, &recorder{}); err != nil {
				unix.Close(ss)
				t.Fatal(err)
			}
			defer p.Close(&sfd)
			calls = 0
			buf := make([]byte, 16)
			for i := 0; i < 3; i++ {
				if _, err := SendTo(&sfd, c.network, []byte("ping"), to); err != nil {
					t.Fatal(err)
				}
				n, _, err := unix.Recvfrom(rs, buf, 0)
				if err != nil || string(buf[:n]) != "ping" {
					t.Fatalf("datagram %d: %q, %v", i, buf[:n], err)
				}
			}
			if calls != 1 {
				t.Fatalf("%d getsockname calls for 3 datagrams; want 1", calls)
			}
		})
	}
}

// BenchmarkSendTo sends one small datagram to an address per iteration
// and takes it off the receiving socket: the datagram path a UDP server's
// replies take, without the loop around it.
func BenchmarkSendTo(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown()
	rs, err := ListenPacket("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		b.Fatal(err)
	}
	blockingRecv(b, rs)
	var rfd FD
	if err := p.Register(&rfd, rs, &recorder{}); err != nil {
		b.Fatal(err)
	}
	defer p.Close(&rfd)
	to := LocalAddr(&rfd, "udp4")
	ss, err := ListenPacket("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, ListenConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var sfd FD
	if err := p.Register(&sfd, ss, &recorder{}); err != nil {
		b.Fatal(err)
	}
	defer p.Close(&sfd)
	msg := make([]byte, 64)
	buf := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SendTo(&sfd, "udp", msg, to); err != nil {
			b.Fatal(err)
		}
		if _, _, err := unix.Recvfrom(rs, buf, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// blockingRecv makes s, which the test reads itself (it arms no receive),
// wait for a datagram, for a generous limit.
func blockingRecv(t testing.TB, s int) {
	t.Helper()
	if err := unix.SetNonblock(s, false); err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval(int64(10 * time.Second))
	if err := unix.SetsockoptTimeval(s, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
}
