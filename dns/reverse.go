package dns

import (
	"net/netip"
	"strconv"
)

// ReverseName returns the PTR query name for addr: "d.c.b.a.in-addr.arpa."
// for IPv4 (and IPv4-mapped IPv6), and the 32 reversed nibbles under
// "ip6.arpa." for IPv6 (RFC 3596 §2.5). A zone is ignored. It returns ""
// for the zero Addr. Safe for concurrent use.
func ReverseName(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap()
	if addr.Is4() {
		a := addr.As4()
		b := make([]byte, 0, len("255.255.255.255.in-addr.arpa."))
		for i := 3; i >= 0; i-- {
			b = strconv.AppendUint(b, uint64(a[i]), 10)
			b = append(b, '.')
		}
		return string(append(b, "in-addr.arpa."...))
	}
	const hex = "0123456789abcdef"
	a := addr.As16()
	b := make([]byte, 0, 64+len("ip6.arpa."))
	for i := 15; i >= 0; i-- {
		b = append(b, hex[a[i]&0xf], '.', hex[a[i]>>4], '.')
	}
	return string(append(b, "ip6.arpa."...))
}
