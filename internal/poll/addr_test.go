//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || windows

package poll

import (
	"errors"
	"net"
	"net/netip"
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

// fakeInterfaces replaces the interface lookups, for the length of the
// test, with a table that knows eddy-test7 as index 7, and counts them.
// The zone cache starts, and is left, empty.
func fakeInterfaces(t *testing.T) (lookups *int) {
	lookups = new(int)
	byName, byIndex := interfaceByName, interfaceByIndex
	forgetZones()
	t.Cleanup(func() {
		interfaceByName, interfaceByIndex = byName, byIndex
		forgetZones()
	})
	interfaceByName = func(name string) (*net.Interface, error) {
		*lookups++
		if name == "eddy-test7" {
			return &net.Interface{Index: 7, Name: name}, nil
		}
		return nil, errors.New("no such interface")
	}
	interfaceByIndex = func(index int) (*net.Interface, error) {
		*lookups++
		if index == 7 {
			return &net.Interface{Index: 7, Name: "eddy-test7"}, nil
		}
		return nil, errors.New("no such interface")
	}
	return lookups
}

// forgetZones empties the zone cache.
func forgetZones() {
	zones.Lock()
	zones.byName, zones.byIndex = nil, nil
	zones.Unlock()
}

// An IPv6 zone that is a number is the interface index itself; a name is
// looked up, once and not for every address converted (every datagram
// sent); a zone that names no interface is index 0. The cases run in
// order: lookups counts the lookups made up to each one.
func TestSplitAddrZones(t *testing.T) {
	lookups := fakeInterfaces(t)
	ll := net.ParseIP("fe80::1")
	for _, c := range []struct {
		addr    net.Addr
		zone    uint32
		lookups int
	}{
		{&net.UDPAddr{IP: ll, Port: 53}, 0, 0},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "3"}, 3, 0},
		{&net.TCPAddr{IP: ll, Port: 80, Zone: "4294967295"}, 4294967295, 0},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "eddy-test7"}, 7, 1},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "eddy-test7"}, 7, 1},
		{&net.TCPAddr{IP: ll, Port: 80, Zone: "eddy-test7"}, 7, 1},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "eddy-none"}, 0, 2},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "eddy-none"}, 0, 2},
		{&net.UDPAddr{IP: ll, Port: 53, Zone: "4294967296"}, 0, 3}, // too big: a name
	} {
		in, _, _, err := splitAddr(c.addr)
		if err != nil {
			t.Fatalf("%v: %v", c.addr, err)
		}
		if in.zone != c.zone {
			t.Errorf("%v: zone index %d, want %d", c.addr, in.zone, c.zone)
		}
		if *lookups != c.lookups {
			t.Errorf("%v: %d interface lookups so far, want %d", c.addr, *lookups, c.lookups)
		}
	}
}

// A zone index received back is named by its interface, looked up once,
// or written as its number when no interface has it, which splitAddr
// takes back as the same index.
func TestInet6ZoneNames(t *testing.T) {
	lookups := fakeInterfaces(t)
	ll := netip.MustParseAddr("fe80::1").As16()
	for _, c := range []struct {
		zone    uint32
		want    string
		lookups int
	}{
		{0, "[fe80::1]:53", 0},
		{7, "[fe80::1%eddy-test7]:53", 1},
		{7, "[fe80::1%eddy-test7]:53", 1},
		{9, "[fe80::1%9]:53", 2},
		{9, "[fe80::1%9]:53", 2},
	} {
		ap := inet6AddrPort(ll, c.zone, 53)
		if ap.String() != c.want {
			t.Errorf("zone %d: %v, want %s", c.zone, ap, c.want)
		}
		if *lookups != c.lookups {
			t.Errorf("zone %d: %d interface lookups so far, want %d", c.zone, *lookups, c.lookups)
		}
		in, _, _, err := splitAddr(net.UDPAddrFromAddrPort(ap))
		if err != nil || in.zone != c.zone {
			t.Errorf("zone %d: back as %d, %v", c.zone, in.zone, err)
		}
	}
}

// An IP of neither 4 nor 16 bytes is an error for either family, not the
// unspecified address; an empty one is the unspecified address.
func TestMalformedIP(t *testing.T) {
	inet, _ := family("tcp4", nil)
	inet6, _ := family("tcp6", nil)
	for _, ip := range []net.IP{{1, 2, 3}, make(net.IP, 5), make(net.IP, 17)} {
		for _, fam := range []int{inet, inet6} {
			var aerr *net.AddrError
			if sa, err := ToSockaddr(fam, &net.TCPAddr{IP: ip, Port: 80}); !errors.As(err, &aerr) {
				t.Errorf("family %d, IP %x: %v, %v", fam, []byte(ip), sa, err)
			}
		}
	}
	for _, fam := range []int{inet, inet6} {
		if _, err := ToSockaddr(fam, &net.UDPAddr{IP: net.IP{}, Port: 53}); err != nil {
			t.Errorf("family %d, empty IP: %v", fam, err)
		}
	}
}
