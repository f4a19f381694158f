//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || windows

package poll

import (
	"math"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
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
// path of a Unix socket (isUnix). A nil addr, or an empty IP, is the
// unspecified address and port 0; an IP of neither 4 nor 16 bytes is an
// error. The zone becomes an interface index through zoneIndex.
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
	if len(in.ip) == 0 {
		in.ip = nil
	} else if len(in.ip) != net.IPv4len && len(in.ip) != net.IPv6len {
		return in, "", false, &net.AddrError{Err: "invalid IP address", Addr: in.ip.String()}
	}
	in.zone = zoneIndex(zone)
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
// either family, is all zeros. splitAddr has checked the IP's length.
func (in inetParts) ip16() [16]byte {
	var b [16]byte
	if in.ip != nil && !in.ip.Equal(net.IPv4zero) {
		copy(b[:], in.ip.To16())
	}
	return b
}

// inet6AddrPort builds an IPv6 address and port, with the zone's name
// (see zoneName) when it has one.
func inet6AddrPort(addr [16]byte, zone uint32, port int) netip.AddrPort {
	a := netip.AddrFrom16(addr)
	if zone != 0 {
		a = a.WithZone(zoneName(zone))
	}
	return netip.AddrPortFrom(a, uint16(port))
}

// IPv6 zones are converted between interface names and indexes for every
// address with a zone, so for every datagram sent to or received from a
// link-local address: the lookups, which read the system's whole
// interface list, are cached for zoneTTL, after which a renamed or
// re-created interface is seen.
var zones struct {
	sync.RWMutex
	byName  map[string]zoneEntry
	byIndex map[uint32]zoneEntry
}

// The interface lookups, replaced by tests.
var (
	interfaceByName  = net.InterfaceByName
	interfaceByIndex = net.InterfaceByIndex
)

// zoneTTL is how long a cached zone lookup is trusted.
const zoneTTL = time.Minute

// zoneEntry is one cached zone lookup, either way.
type zoneEntry struct {
	index   uint32
	name    string
	expires time.Time
}

// zoneIndex returns the interface index of an IPv6 zone: the zone itself
// when it is a decimal number (as in "fe80::1%3"), else the index of the
// interface of that name, or 0 when there is none.
func zoneIndex(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if n, ok := zoneNumber(zone); ok {
		return n
	}
	now := time.Now()
	zones.RLock()
	e, ok := zones.byName[zone]
	zones.RUnlock()
	if ok && now.Before(e.expires) {
		return e.index
	}
	e = zoneEntry{name: zone, expires: now.Add(zoneTTL)}
	ifi, err := interfaceByName(zone)
	if err == nil {
		e.index = uint32(ifi.Index)
	}
	cacheZone(e, true, err == nil)
	return e.index
}

// zoneNumber returns zone as a number, if it is one (decimal digits, in
// 32 bits). It does not allocate, as a failed strconv.ParseUint would.
func zoneNumber(zone string) (uint32, bool) {
	var n uint64
	for i := 0; i < len(zone); i++ {
		c := zone[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n = n*10 + uint64(c-'0'); n > math.MaxUint32 {
			return 0, false
		}
	}
	return uint32(n), len(zone) > 0
}

// zoneName returns the name of the interface with the given index, or the
// index in decimal when there is none, which zoneIndex takes back.
func zoneName(index uint32) string {
	now := time.Now()
	zones.RLock()
	e, ok := zones.byIndex[index]
	zones.RUnlock()
	if ok && now.Before(e.expires) {
		return e.name
	}
	e = zoneEntry{index: index, name: strconv.FormatUint(uint64(index), 10), expires: now.Add(zoneTTL)}
	ifi, err := interfaceByIndex(int(index))
	if err == nil {
		e.name = ifi.Name
	}
	cacheZone(e, err == nil, true)
	return e.name
}

// cacheZone stores a lookup under its name, its index, or both: a lookup
// that found its interface answers both ways, one that failed only the
// question it was asked.
func cacheZone(e zoneEntry, byName, byIndex bool) {
	zones.Lock()
	defer zones.Unlock()
	if zones.byName == nil {
		zones.byName = map[string]zoneEntry{}
		zones.byIndex = map[uint32]zoneEntry{}
	}
	if byName {
		zones.byName[e.name] = e
	}
	if byIndex {
		zones.byIndex[e.index] = e
	}
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
