package dns

import (
	"net/netip"
	"slices"
)

// DialOrder returns the order in which a dialer should try addrs, per
// Happy Eyeballs v2 (RFC 8305 §4): duplicates removed, sorted with
// SortRFC6724, then interleaved by family with Interleave(…, 1), so the
// preferred family comes first and a broken family costs at most every
// other attempt. addrs is not modified. Safe for concurrent use.
func DialOrder(addrs []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	SortRFC6724(out)
	return Interleave(out, 1)
}

// SortRFC6724 sorts addrs in place by the RFC 6724 §6 destination rules
// that need no source address: rule 6 (higher precedence in the default
// policy table first: ::1, then IPv6, then IPv4, then 6to4, Teredo, ULA
// and deprecated prefixes) and rule 8 (smaller scope first), keeping the
// original order otherwise (rule 10). Rules that compare candidate source
// addresses are left to the operating system at connect time. Safe for
// concurrent use.
func SortRFC6724(addrs []netip.Addr) {
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		if pa, pb := precedence(a), precedence(b); pa != pb {
			return pb - pa
		}
		return scope(a) - scope(b)
	})
}

// Interleave returns addrs reordered so that the address families
// alternate: first firstFamilyCount addresses (at least 1) of the family
// of addrs[0], then one of the other family, one of the first, and so on
// (RFC 8305 §4, "First Address Family Count"); the order within a family
// is kept, and when one family runs out the rest of the other follows.
// IPv4-mapped IPv6 addresses count as IPv4. addrs is not modified. Safe
// for concurrent use.
func Interleave(addrs []netip.Addr, firstFamilyCount int) []netip.Addr {
	if len(addrs) == 0 {
		return nil
	}
	firstFamilyCount = max(firstFamilyCount, 1)
	v4 := addrs[0].Unmap().Is4()
	var first, other []netip.Addr
	for _, a := range addrs {
		if a.Unmap().Is4() == v4 {
			first = append(first, a)
		} else {
			other = append(other, a)
		}
	}
	out := make([]netip.Addr, 0, len(addrs))
	n := min(firstFamilyCount, len(first))
	out = append(out, first[:n]...)
	first = first[n:]
	for len(first) > 0 || len(other) > 0 {
		if len(other) > 0 {
			out = append(out, other[0])
			other = other[1:]
		}
		if len(first) > 0 {
			out = append(out, first[0])
			first = first[1:]
		}
	}
	return out
}

// policy is a row of the RFC 6724 §2.1 default policy table.
type policy struct {
	prefix     netip.Prefix
	precedence int
}

// policyTable is the default table, longest prefixes first so the first
// match is the longest.
var policyTable = []policy{
	{netip.MustParsePrefix("::1/128"), 50},
	{netip.MustParsePrefix("::ffff:0:0/96"), 35},
	{netip.MustParsePrefix("::/96"), 1},
	{netip.MustParsePrefix("2001::/32"), 5},
	{netip.MustParsePrefix("2002::/16"), 30},
	{netip.MustParsePrefix("3ffe::/16"), 1},
	{netip.MustParsePrefix("fec0::/10"), 1},
	{netip.MustParsePrefix("fc00::/7"), 3},
	{netip.MustParsePrefix("::/0"), 40},
}

func precedence(a netip.Addr) int {
	if a.Is4() {
		a = netip.AddrFrom16(a.As16())
	}
	a = a.WithZone("")
	for _, p := range policyTable {
		if p.prefix.Contains(a) {
			return p.precedence
		}
	}
	return 40
}

// Scope values of RFC 4291 §2.7 as RFC 6724 §3.1 assigns them.
const (
	scopeLinkLocal = 0x2
	scopeSiteLocal = 0x5
	scopeGlobal    = 0xe
)

var siteLocal = netip.MustParsePrefix("fec0::/10")

func scope(a netip.Addr) int {
	a = a.Unmap()
	switch {
	case a.Is4():
		if a.IsLoopback() || a.IsLinkLocalUnicast() {
			return scopeLinkLocal
		}
		return scopeGlobal
	case a.IsMulticast():
		return int(a.As16()[1] & 0xf)
	case a.IsLoopback() || a.IsLinkLocalUnicast():
		return scopeLinkLocal
	case siteLocal.Contains(a.WithZone("")):
		return scopeSiteLocal
	}
	return scopeGlobal
}
