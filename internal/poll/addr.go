//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || windows

package poll

import (
	"net"
	"net/netip"
)

// The system-neutral half of converting between net.Addr and socket
// addresses; sock_unix.go and sock_windows.go put the parts into their
// systems' own Sockaddr types.

// addrIP returns the IP of a TCP or UDP address, or nil.
func addrIP(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP
	case *net.UDPAddr:
		return a.IP
	}
	return nil
}

// inetParts is an IP socket address taken apart.
type inetParts struct {
	ip   net.IP // nil: the unspecified address
	port int
	zone uint32 // interface index of an IPv6 zone, or 0
}

// splitAddr takes addr apart: an IP address with its port and zone, or the
// path of a Unix socket (isUnix). A nil addr is the unspecified address
// and port 0.
func splitAddr(addr net.Addr) (in inetParts, path string, isUnix bool, err error) {
	var zone string
	switch a := addr.(type) {
	case *net.TCPAddr:
		in.ip, in.port, zone = a.IP, a.Port, a.Zone
	case *net.UDPAddr:
		in.ip, in.port, zone = a.IP, a.Port, a.Zone
	case *net.UnixAddr:
		return in, a.Name, true, nil
	case nil:
	default:
		return in, "", false, &net.AddrError{Err: "unsupported address type", Addr: addr.String()}
	}
	if zone != "" {
		if ifi, err := net.InterfaceByName(zone); err == nil {
			in.zone = uint32(ifi.Index)
		}
	}
	return in, "", false, nil
}

// ip4 returns the address as 4 bytes (zero when unspecified), or an
// error for an IPv6 address.
func (in inetParts) ip4() ([4]byte, error) {
	var b [4]byte
	if in.ip != nil {
		ip4 := in.ip.To4()
		if ip4 == nil {
			return b, &net.AddrError{Err: "non-IPv4 address", Addr: in.ip.String()}
		}
		copy(b[:], ip4)
	}
	return b, nil
}

// ip16 returns the address as 16 bytes; the unspecified address, in
// either family, is all zeros.
func (in inetParts) ip16() [16]byte {
	var b [16]byte
	if in.ip != nil && !in.ip.Equal(net.IPv4zero) {
		copy(b[:], in.ip.To16())
	}
	return b
}

// inet6AddrPort builds an IPv6 address and port, naming the zone's
// interface when it has one.
func inet6AddrPort(addr [16]byte, zone uint32, port int) netip.AddrPort {
	a := netip.AddrFrom16(addr)
	if zone != 0 {
		if ifi, err := net.InterfaceByIndex(int(zone)); err == nil {
			a = a.WithZone(ifi.Name)
		}
	}
	return netip.AddrPortFrom(a, uint16(port))
}

// inetAddr returns ap as a UDP address for a datagram socket, else TCP.
func inetAddr(dgram bool, ap netip.AddrPort) net.Addr {
	if dgram {
		return net.UDPAddrFromAddrPort(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}

// unixAddr returns the address of a Unix socket.
func unixAddr(path string, dgram bool) *net.UnixAddr {
	if dgram {
		return &net.UnixAddr{Name: path, Net: "unixgram"}
	}
	return &net.UnixAddr{Name: path, Net: "unix"}
}
