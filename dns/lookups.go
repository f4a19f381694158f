package dns

import (
	"net"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// This file holds the Lookup methods. Each one returns a cancel func and
// calls its callback exactly once, on the loop, never before the Lookup
// call returns (answers known at once, from the cache, the hosts file or
// an IP literal, come on a later loop turn). Calling cancel before then
// calls the callback at once with an error matching ErrCanceled (and
// context.Canceled); after that cancel does nothing. Failures are always
// a *DNSError. Slices passed to callbacks belong to the callee.

// newOp prepares a lookup of names (candidates for host) with one query
// per type.
func (r *Resolver) newOp(host string, names []string, types []dnsmessage.Type, result func([]*answer, error)) *lookupOp {
	return &lookupOp{r: r, host: host, names: names, types: types, result: result}
}

// searchNames returns the candidate names for a user-supplied name, or nil
// when it is not a valid name.
func (r *Resolver) searchNames(name string) []string {
	if !validName(name) {
		return nil
	}
	return candidates(name, r.cfg.search, r.cfg.ndots)
}

// addrTypes maps a network to the query types it needs.
func addrTypes(network string) ([]dnsmessage.Type, bool) {
	switch network {
	case "ip", "tcp", "udp":
		return []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}, true
	case "ip4", "tcp4", "udp4":
		return []dnsmessage.Type{dnsmessage.TypeA}, true
	case "ip6", "tcp6", "udp6":
		return []dnsmessage.Type{dnsmessage.TypeAAAA}, true
	}
	return nil, false
}

// addrAnswer makes a synthetic answer holding the addrs of the families
// in types, or nil when none fits.
func addrAnswer(canonical string, addrs []netip.Addr, types []dnsmessage.Type) []*answer {
	var out []netip.Addr
	for _, t := range types {
		for _, a := range addrs {
			if (t == dnsmessage.TypeA && a.Is4()) || (t == dnsmessage.TypeAAAA && a.Is6()) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return []*answer{{canonical: canonical, addrs: out}}
}

// answerAddrs collects the addresses of the successful answers, A before
// AAAA, without duplicates.
func answerAddrs(ans []*answer) []netip.Addr {
	var out []netip.Addr
	add := func(ip netip.Addr) {
		if !slices.Contains(out, ip) {
			out = append(out, ip)
		}
	}
	for _, a := range ans {
		if a == nil || a.err != nil {
			continue
		}
		for _, ip := range a.addrs {
			add(ip)
		}
		for _, rb := range a.records {
			switch b := rb.(type) {
			case *dnsmessage.AResource:
				add(netip.AddrFrom4(b.A))
			case *dnsmessage.AAAAResource:
				add(netip.AddrFrom16(b.AAAA))
			}
		}
	}
	return out
}

// canonicalOf returns the canonical name of the first successful answer,
// or else, for LookupCNAME, of the first NODATA answer that followed a
// CNAME chain (see lookupOp.aliasNoData).
func canonicalOf(op *lookupOp, ans []*answer) string {
	for _, a := range ans {
		if a != nil && a.err == nil {
			return a.canonical
		}
	}
	for _, a := range ans {
		if a != nil && op.aliasNoData(a) {
			return a.canonical
		}
	}
	return ""
}

// LookupNetIP resolves host to addresses. network is "ip" (A and AAAA,
// asked in parallel), "ip4" or "ip6"; "tcp", "udp" and their 4/6 forms are
// accepted as the same. An IP literal is returned as is. Otherwise the
// hosts file is consulted first (a name listed there but without an
// address of the wanted family goes on to DNS), then "localhost" and names
// under ".localhost" resolve to the loopback addresses without any query
// (RFC 6761), then DNS is asked for each name of the search list. The
// addresses come in answer order, IPv4 first; order them for dialing with
// DialOrder. If one family fails but the other has addresses, the
// addresses are returned without error. Loop-only.
func (r *Resolver) LookupNetIP(network, host string, cb func([]netip.Addr, error)) (cancel func()) {
	types, ok := addrTypes(network)
	op := r.newOp(host, nil, types, func(ans []*answer, err error) {
		if err != nil {
			cb(nil, err)
			return
		}
		cb(answerAddrs(ans), nil)
	})
	if !ok {
		op.finishNow(nil, op.error(nil, ErrInvalidNetwork))
		return op.cancel
	}
	if ans, err, done := r.staticAddrs(op, host, types); done {
		op.finishNow(ans, err)
		return op.cancel
	}
	op.names = r.searchNames(host)
	op.run()
	return op.cancel
}

// staticAddrs answers from an IP literal, the hosts file or the localhost
// rule; done is false when DNS must be asked.
func (r *Resolver) staticAddrs(op *lookupOp, host string, types []dnsmessage.Type) (ans []*answer, err error, done bool) {
	if ip, perr := netip.ParseAddr(host); perr == nil {
		if ans := addrAnswer(host, []netip.Addr{ip}, types); ans != nil {
			return ans, nil, true
		}
		return nil, op.error(nil, ErrNoData), true
	}
	if r.closed {
		return nil, nil, false
	}
	if addrs, canon := r.hostsTable().LookupHost(host); addrs != nil {
		if ans := addrAnswer(canon, addrs, types); ans != nil {
			return ans, nil, true
		}
	}
	if validName(host) && isLocalhost(host) {
		lo := []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
		if ans := addrAnswer(absolute(host), lo, types); ans != nil {
			return ans, nil, true
		}
		return nil, op.error(nil, ErrNoData), true
	}
	return nil, nil, false
}

// LookupCNAME returns the canonical name of host: the end of its CNAME
// chain, with a trailing dot, or host itself (made absolute) when it has
// addresses but no CNAME. It asks for A and AAAA records, as the standard
// library does, and like it returns the end of a CNAME chain even when
// the target has no addresses (NODATA): only a name that is neither an
// alias nor has addresses fails with ErrNoData. It honours the hosts file
// (the canonical name there is the first name of the line). A canonical
// name that is not a valid domain name (a hostile CNAME record) fails
// with ErrMalformed.
// "localhost" and names under it are their own canonical names (RFC 6761),
// without a query. Loop-only.
func (r *Resolver) LookupCNAME(host string, cb func(cname string, err error)) (cancel func()) {
	types := []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}
	op := r.newOp(host, nil, types, nil)
	op.cname = true
	op.result = func(ans []*answer, err error) {
		if err != nil {
			cb("", err)
			return
		}
		cname := canonicalOf(op, ans)
		if !validName(cname) { // from a CNAME record: check it as hostName does
			cb("", op.error(ans[0], ErrMalformed))
			return
		}
		cb(cname, nil)
	}
	if _, perr := netip.ParseAddr(host); perr != nil && !r.closed {
		if addrs, canon := r.hostsTable().LookupHost(host); addrs != nil {
			op.finishNow([]*answer{{canonical: canon}}, nil)
			return op.cancel
		}
		if validName(host) && isLocalhost(host) { // as LookupNetIP answers it
			op.finishNow([]*answer{{canonical: absolute(host)}}, nil)
			return op.cancel
		}
	}
	op.names = r.searchNames(host)
	op.run()
	return op.cancel
}

// lookupOne starts a single-type lookup of name through the search list
// and converts the records with conv, which returns nil when none is
// usable. "localhost" and names under it have no records of these types
// and are never asked about (RFC 6761 §6.3: negative answers for all but
// address queries, and no query to DNS).
func lookupOne[T any](r *Resolver, name string, t dnsmessage.Type, names []string, conv func(a *answer) []T, cb func([]T, error)) func() {
	op := r.newOp(name, names, []dnsmessage.Type{t}, nil)
	op.result = func(ans []*answer, err error) {
		if err != nil {
			cb(nil, err)
			return
		}
		out := conv(ans[0])
		if out == nil {
			cb(nil, op.error(ans[0], ErrMalformed))
			return
		}
		cb(out, nil)
	}
	if !r.closed && validName(name) && isLocalhost(name) {
		op.finishNow(nil, op.error(nil, ErrNoData))
		return op.cancel
	}
	op.run()
	return op.cancel
}

// LookupMX returns the MX records of name, sorted by preference, with
// equal preferences in random order. Host names end with a dot; records
// whose host is not a valid name are dropped. Loop-only.
func (r *Resolver) LookupMX(name string, cb func([]*net.MX, error)) (cancel func()) {
	return lookupOne(r, name, dnsmessage.TypeMX, r.searchNames(name), func(a *answer) []*net.MX {
		var out []*net.MX
		for _, rb := range a.records {
			if mx, ok := rb.(*dnsmessage.MXResource); ok {
				if h, ok := hostName(mx.MX); ok {
					out = append(out, &net.MX{Host: h, Pref: mx.Pref})
				}
			}
		}
		r.sortMX(out)
		return out
	}, cb)
}

// LookupTXT returns the TXT records of name, each record's strings joined
// into one (RFC 7208 §3.3). Loop-only.
func (r *Resolver) LookupTXT(name string, cb func([]string, error)) (cancel func()) {
	return lookupOne(r, name, dnsmessage.TypeTXT, r.searchNames(name), func(a *answer) []string {
		var out []string
		for _, rb := range a.records {
			if txt, ok := rb.(*dnsmessage.TXTResource); ok {
				out = append(out, strings.Join(txt.TXT, ""))
			}
		}
		return out
	}, cb)
}

// LookupSRV returns the SRV records of _service._proto.name (or of name
// itself when service and proto are both empty), ordered by priority and,
// within a priority, by a weighted random draw (RFC 2782), and the
// canonical name the records were found at. Targets end with a dot; a
// canonical name that is not a valid domain name fails the lookup with
// ErrMalformed. Loop-only.
func (r *Resolver) LookupSRV(service, proto, name string, cb func(cname string, addrs []*net.SRV, err error)) (cancel func()) {
	target := name
	if service != "" || proto != "" {
		target = "_" + service + "._" + proto + "." + name
	}
	cname := ""
	return lookupOne(r, target, dnsmessage.TypeSRV, r.searchNames(target), func(a *answer) []*net.SRV {
		if !validName(a.canonical) { // from a CNAME record: check it as hostName does
			return nil
		}
		cname = a.canonical
		var out []*net.SRV
		for _, rb := range a.records {
			if s, ok := rb.(*dnsmessage.SRVResource); ok {
				if h, ok := hostName(s.Target); ok {
					out = append(out, &net.SRV{Target: h, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
				}
			}
		}
		r.sortSRV(out)
		return out
	}, func(srv []*net.SRV, err error) { cb(cname, srv, err) })
}

// LookupNS returns the NS records of name. Loop-only.
func (r *Resolver) LookupNS(name string, cb func([]*net.NS, error)) (cancel func()) {
	return lookupOne(r, name, dnsmessage.TypeNS, r.searchNames(name), func(a *answer) []*net.NS {
		var out []*net.NS
		for _, rb := range a.records {
			if ns, ok := rb.(*dnsmessage.NSResource); ok {
				if h, ok := hostName(ns.NS); ok {
					out = append(out, &net.NS{Host: h})
				}
			}
		}
		return out
	}, cb)
}

// LookupAddr returns the names of addr: from the hosts file if listed
// there, else from the PTR records of its in-addr.arpa or ip6.arpa name
// (see ReverseName). Names end with a dot; PTR targets that are not
// valid names are dropped. Loop-only.
func (r *Resolver) LookupAddr(addr netip.Addr, cb func(names []string, err error)) (cancel func()) {
	var names []string
	if rev := ReverseName(addr); rev != "" {
		names = []string{rev}
	}
	conv := func(a *answer) []string {
		var out []string
		for _, rb := range a.records {
			if ptr, ok := rb.(*dnsmessage.PTRResource); ok {
				if h, ok := hostName(ptr.PTR); ok {
					out = append(out, h)
				}
			}
		}
		return out
	}
	if !r.closed && addr.IsValid() {
		if hn := r.hostsTable().LookupAddr(addr); hn != nil {
			op := r.newOp(addr.String(), nil, nil, func(_ []*answer, err error) {
				if err != nil {
					cb(nil, err)
					return
				}
				cb(hn, nil)
			})
			op.finishNow(nil, nil)
			return op.cancel
		}
	}
	host := addr.String()
	if !addr.IsValid() {
		host = ""
	}
	return lookupOne(r, host, dnsmessage.TypePTR, names, conv, cb)
}
