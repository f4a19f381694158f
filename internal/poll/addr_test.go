//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || windows

package poll

import (
	"errors"
	"net"
	"testing"
)

// Addresses go to socket addresses and back unchanged; the unspecified
// address and port 0 stand for a nil one; bad ones give typed errors.
func TestSockaddrRoundTrip(t *testing.T) {
	for _, c := range []struct {
		network string
		addr    net.Addr
		want    string
		wantNet string
	}{
		{"tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "127.0.0.1:80", "tcp"},
		{"udp4", &net.UDPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 53}, "10.1.2.3:53", "udp"},
		{"tcp6", &net.TCPAddr{IP: net.IPv6loopback, Port: 443}, "[::1]:443", "tcp"},
		{"udp6", &net.UDPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5353}, "[2001:db8::1]:5353", "udp"},
		{"tcp6", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "[::]:8080", "tcp"},
		{"tcp4", nil, "0.0.0.0:0", "tcp"},
		{"unix", &net.UnixAddr{Name: "/tmp/s.sock", Net: "unix"}, "/tmp/s.sock", "unix"},
		{"unixgram", &net.UnixAddr{Name: "/tmp/d.sock", Net: "unixgram"}, "/tmp/d.sock", "unixgram"},
	} {
		fam, _ := family(c.network, nil)
		sa, err := ToSockaddr(fam, c.addr)
		if err != nil {
			t.Fatalf("ToSockaddr(%v): %v", c.addr, err)
		}
		back := FromSockaddr(c.network, sa)
		if back == nil || back.String() != c.want {
			t.Errorf("%s %v: back as %v, want %s", c.network, c.addr, back, c.want)
		}
		if back != nil && back.Network() != c.wantNet {
			t.Errorf("%s %v: back on network %s, want %s", c.network, c.addr, back.Network(), c.wantNet)
		}
	}
	inet, _ := family("tcp4", nil)
	var aerr *net.AddrError
	if _, err := ToSockaddr(inet, &net.TCPAddr{IP: net.IPv6loopback}); !errors.As(err, &aerr) {
		t.Errorf("IPv6 address for an IPv4 socket: %v", err)
	}
	if _, err := ToSockaddr(inet, &net.IPAddr{IP: net.IPv4(1, 2, 3, 4)}); !errors.As(err, &aerr) {
		t.Errorf("unsupported address type: %v", err)
	}
}
