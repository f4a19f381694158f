package dns

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// maxHostsFile bounds the size of a hosts file that ParseHosts reads.
// Block-list hosts files run to a few megabytes.
const maxHostsFile = 64 << 20

// Hosts is a parsed hosts file (hosts(5)): lines of an address followed by
// a canonical name and aliases, '#' starting a comment. It is read-only
// once parsed and safe for concurrent use. The zero value is an empty
// table.
type Hosts struct {
	byName map[string]*hostsEntry  // lowercase, no trailing dot
	byAddr map[netip.Addr][]string // absolute names, as written
}

type hostsEntry struct {
	addrs     []netip.Addr
	canonical string // absolute: first name of the first line naming it
}

// ParseHosts parses hosts-file text. Both address families are accepted,
// and an IPv6 address may carry a zone ("fe80::1%eth0"). Lines whose
// address does not parse, and names that are not valid domain names, are
// skipped, as the C library skips what it cannot use. The error is non-nil
// only when r fails or holds more than 64 MiB (ErrTooLarge). Safe for
// concurrent use.
func ParseHosts(r io.Reader) (*Hosts, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxHostsFile+1))
	if err != nil {
		return nil, fmt.Errorf("dns: reading hosts: %w", err)
	}
	if len(data) > maxHostsFile {
		return nil, fmt.Errorf("%w: hosts file over %d bytes", ErrTooLarge, maxHostsFile)
	}
	h := &Hosts{
		byName: make(map[string]*hostsEntry),
		byAddr: make(map[netip.Addr][]string),
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		h.addLine(strings.Fields(string(line)))
	}
	return h, nil
}

func (h *Hosts) addLine(f []string) {
	if len(f) < 2 {
		return
	}
	addr, err := netip.ParseAddr(f[0])
	if err != nil {
		return
	}
	canonical := ""
	for _, name := range f[1:] {
		name, ok := bareName(name)
		if !ok {
			continue
		}
		if canonical == "" {
			canonical = name + "."
		}
		key := lowerASCII(name)
		e := h.byName[key]
		if e == nil {
			e = &hostsEntry{canonical: canonical}
			h.byName[key] = e
		}
		if !slices.Contains(e.addrs, addr) {
			e.addrs = append(e.addrs, addr)
		}
		abs := name + "."
		if !slices.Contains(h.byAddr[addr], abs) {
			h.byAddr[addr] = append(h.byAddr[addr], abs)
		}
	}
}

// LookupHost returns the addresses listed for name (case-insensitive, a
// trailing dot ignored) in file order, and its canonical name: the first
// name on the first line that lists it, with a trailing dot. It returns
// nil and "" when the name is not listed. The slice is the caller's.
func (h *Hosts) LookupHost(name string) (addrs []netip.Addr, canonical string) {
	if h == nil {
		return nil, ""
	}
	e := h.byName[lowerASCII(strings.TrimSuffix(name, "."))]
	if e == nil {
		return nil, ""
	}
	return slices.Clone(e.addrs), e.canonical
}

// LookupAddr returns the names listed for addr, with trailing dots, in
// file order; an IPv4-mapped IPv6 address also finds its IPv4 form. It
// returns nil when the address is not listed. The slice is the caller's.
func (h *Hosts) LookupAddr(addr netip.Addr) []string {
	if h == nil {
		return nil
	}
	if names := h.byAddr[addr]; names != nil {
		return slices.Clone(names)
	}
	if addr.Is4In6() {
		return slices.Clone(h.byAddr[addr.Unmap()])
	}
	return nil
}

// Len returns the number of distinct names in the table.
func (h *Hosts) Len() int {
	if h == nil {
		return 0
	}
	return len(h.byName)
}
