package dns

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func FuzzResolvConf(f *testing.F) {
	f.Add([]byte(sampleResolvConf))
	f.Add([]byte("nameserver 1.1.1.1\noptions ndots:3 timeout:99 attempts:0 rotate\n"))
	f.Add([]byte("search a.example b..c\ndomain x\n;c\n#c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseResolvConf(bytes.NewReader(data))
		if err != nil {
			if len(data) <= maxResolvConf {
				t.Fatalf("error on a small input: %v", err)
			}
			return
		}
		if n := len(cfg.Servers); n < 1 || n > maxNameservers {
			t.Fatalf("%d servers", n)
		}
		for _, s := range cfg.Servers {
			if !s.IsValid() || s.Port() != 53 {
				t.Fatalf("server %v", s)
			}
		}
		for _, d := range cfg.Search {
			if !validName(d) || d[len(d)-1] != '.' {
				t.Fatalf("search domain %q", d)
			}
		}
		if cfg.Ndots < 0 || cfg.Ndots > maxNdots || cfg.Timeout < time.Second || cfg.Timeout > maxTimeout ||
			cfg.Attempts < 1 || cfg.Attempts > maxAttempts || len(cfg.Search) > maxSearch {
			t.Fatalf("out of range: %+v", cfg)
		}
		again, err := ParseResolvConf(iotest.OneByteReader(bytes.NewReader(data)))
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("byte-at-a-time parse differs: %+v vs %+v (%v)", cfg, again, err)
		}
	})
}

func FuzzHosts(f *testing.F) {
	f.Add([]byte(sampleHosts))
	f.Add([]byte("::ffff:1.2.3.4 mapped\n1.2.3.4 a a. A\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHosts(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		for key := range h.byName {
			if !validName(key) || key != lowerASCII(key) {
				t.Fatalf("bad key %q", key)
			}
			addrs, canon := h.LookupHost(key)
			if len(addrs) == 0 || !validName(canon) || canon[len(canon)-1] != '.' {
				t.Fatalf("LookupHost(%q) = %v %q", key, addrs, canon)
			}
			for _, a := range addrs {
				if !slices.ContainsFunc(h.LookupAddr(a), func(n string) bool { return equalFold(n, key+".") }) {
					t.Fatalf("%v lists no %q", a, key)
				}
			}
		}
		for a, names := range h.byAddr {
			if !a.IsValid() || len(names) == 0 {
				t.Fatalf("byAddr[%v] = %q", a, names)
			}
			for _, n := range names {
				if got, _ := h.LookupHost(n); !slices.Contains(got, a) {
					t.Fatalf("%q does not list %v", n, a)
				}
			}
		}
		again, err := ParseHosts(iotest.OneByteReader(bytes.NewReader(data)))
		if err != nil || !reflect.DeepEqual(h, again) {
			t.Fatal("byte-at-a-time parse differs")
		}
	})
}

func FuzzTCPDecoder(f *testing.F) {
	f.Add([]byte{0, 3, 'a', 'b', 'c', 0, 0, 0, 1}, uint16(4))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		split := int(cut) % (len(stream) + 1)
		var whole, parts TCPDecoder
		whole.Feed(stream)
		var want [][]byte
		for {
			m, err := whole.Next()
			if err != nil {
				break
			}
			want = append(want, bytes.Clone(m))
		}
		var got [][]byte
		for _, chunk := range [][]byte{stream[:split], stream[split:]} {
			parts.Feed(chunk)
			for {
				m, err := parts.Next()
				if err != nil {
					break
				}
				got = append(got, bytes.Clone(m))
			}
		}
		if !reflect.DeepEqual(got, want) || whole.Buffered() != parts.Buffered() {
			t.Fatalf("split at %d: %d messages vs %d", split, len(got), len(want))
		}
		var re []byte
		for _, m := range want {
			re, _ = AppendTCPFrame(re, m)
		}
		if !bytes.Equal(re, stream[:len(stream)-whole.Buffered()]) {
			t.Fatal("re-framing differs")
		}
	})
}

// fuzzKinds are the lookups FuzzResponse drives, by kind byte.
var fuzzKinds = []dnsmessage.Type{
	dnsmessage.TypeA, dnsmessage.TypeAAAA, dnsmessage.TypeMX, dnsmessage.TypeTXT,
	dnsmessage.TypeSRV, dnsmessage.TypeNS, dnsmessage.TypePTR,
}

// buildFuzzResponse turns fuzz data into a datagram for query ex:
// mode&3 == 0 sends data as is; 1 patches in the query's ID; 2 and 3 send
// the query's ID, flags data[0:2] with QR set and opcode QUERY, one
// question, section counts from data[2:8], the query's own question, then
// data[8:]. mode&4 sends it from the wrong source. (mode&8, read by
// FuzzResponse, turns EDNS0 on.)
func buildFuzzResponse(mode byte, data []byte, query []byte) []byte {
	switch mode & 3 {
	case 0:
		return data
	case 1:
		out := bytes.Clone(data)
		if len(out) >= 2 {
			copy(out, query[:2])
		}
		return out
	}
	var hdr [8]byte
	copy(hdr[:], data)
	rest := data[min(len(data), 8):]
	qlen := questionLen(query)
	out := append([]byte{}, query[0], query[1], (hdr[0]|0x80)&^0x78, hdr[1], 0, 1)
	out = append(out, hdr[2:8]...)
	out = append(out, query[12:12+qlen]...)
	return append(out, rest...)
}

// questionLen returns the length of the (uncompressed) question section
// of a query the resolver built.
func questionLen(q []byte) int {
	i := 12
	for q[i] != 0 {
		i += int(q[i]) + 1
	}
	return i + 1 + 4 - 12
}

// fuzzExtendedRCode returns the response code of resp, whose header is
// h, with the upper bits of its first OPT record if it has one it can
// reach (RFC 6891 §6.1.3): the fuzz target's own reading, kept apart
// from the resolver's.
func fuzzExtendedRCode(resp []byte, h dnsmessage.Header) dnsmessage.RCode {
	var p dnsmessage.Parser
	if _, err := p.Start(resp); err != nil || p.SkipAllQuestions() != nil || p.SkipAllAnswers() != nil || p.SkipAllAuthorities() != nil {
		return h.RCode
	}
	for {
		rh, err := p.AdditionalHeader()
		if err != nil {
			return h.RCode
		}
		if rh.Type == dnsmessage.TypeOPT {
			return dnsmessage.RCode(rh.TTL>>24<<4) | h.RCode
		}
		if p.SkipAdditional() != nil {
			return h.RCode
		}
	}
}

func FuzzResponse(f *testing.F) {
	for i := range fuzzKinds {
		f.Add(byte(1), byte(i), []byte{})
		f.Add(byte(2), byte(i), []byte{0x81, 0x80, 0, 1, 0, 0, 0, 0})
	}
	// OPT records carrying an extended RCODE (RFC 6891 §6.1.3), with and
	// without EDNS0 asked: BADVERS (16) in versions 0 and 1, NXDOMAIN
	// extended to 19, two OPT records, and an A answer beside BADVERS.
	opt := func(ext, version byte) []byte { return []byte{0, 0, 41, 4, 0xd0, ext, version, 0, 0, 0, 0} }
	aAnswer := []byte{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1}
	for _, mode := range []byte{2, 10} {
		f.Add(mode, byte(0), append([]byte{0x81, 0x80, 0, 0, 0, 0, 0, 1}, opt(1, 0)...))
		f.Add(mode, byte(0), append([]byte{0x81, 0x80, 0, 0, 0, 0, 0, 1}, opt(1, 1)...))
		f.Add(mode, byte(0), append([]byte{0x81, 0x83, 0, 0, 0, 0, 0, 1}, opt(1, 0)...))
		f.Add(mode, byte(0), slices.Concat([]byte{0x81, 0x80, 0, 0, 0, 0, 0, 2}, opt(0, 0), opt(0, 0)))
		f.Add(mode, byte(0), slices.Concat([]byte{0x81, 0x80, 0, 1, 0, 0, 0, 1}, aAnswer, opt(1, 0)))
	}
	f.Fuzz(func(t *testing.T, mode, kind byte, data []byte) {
		clk := newFakeClock()
		tr := newFakeTransport(clk)
		edns := mode&8 != 0
		r := NewResolver(&Config{Servers: []netip.AddrPort{srv1}, Attempts: 1, Timeout: time.Second, EDNS0: edns}, tr, clk)
		qtype := fuzzKinds[int(kind)%len(fuzzKinds)]
		calls := 0
		var gotErr error
		var gotAddrs []netip.Addr
		done := func(err error) { calls++; gotErr = err }
		switch qtype {
		case dnsmessage.TypeA, dnsmessage.TypeAAAA:
			network := "ip4"
			if qtype == dnsmessage.TypeAAAA {
				network = "ip6"
			}
			r.LookupNetIP(network, "fuzz.example.", func(a []netip.Addr, err error) { gotAddrs = a; done(err) })
		case dnsmessage.TypeMX:
			r.LookupMX("fuzz.example.", func(_ []*net.MX, err error) { done(err) })
		case dnsmessage.TypeTXT:
			r.LookupTXT("fuzz.example.", func(_ []string, err error) { done(err) })
		case dnsmessage.TypeSRV:
			r.LookupSRV("", "", "fuzz.example.", func(_ string, _ []*net.SRV, err error) { done(err) })
		case dnsmessage.TypeNS:
			r.LookupNS("fuzz.example.", func(_ []*net.NS, err error) { done(err) })
		case dnsmessage.TypePTR:
			r.LookupAddr(netip.MustParseAddr("192.0.2.1"), func(_ []string, err error) { done(err) })
		}
		if len(tr.udp) != 1 {
			t.Fatalf("%d exchanges", len(tr.udp))
		}
		ex := tr.udp[0]
		resp := buildFuzzResponse(mode, data, ex.raw)
		from := srv1
		if mode&4 != 0 {
			from = srv2
		}
		ex.reply(from, resp)
		clk.Run()
		if len(tr.tcp) > 0 {
			tr.tcp[0].replyTCP(resp, nil)
		}
		clk.RunAll()
		if calls != 1 {
			t.Fatalf("callback called %d times", calls)
		}
		// The query is asked again without EDNS0 only after a FORMERR or
		// NOTIMP from the server, with the query's ID.
		if fb := r.Stats().EDNSFallbacks; fb > 1 || (fb == 1 && (!edns || from != srv1 || len(tr.udp) != 2)) {
			t.Fatalf("%d EDNS0 fallbacks (EDNS0 %v, from %v, %d exchanges)", fb, edns, from, len(tr.udp))
		}
		if len(tr.udp) == 2 {
			var p dnsmessage.Parser
			h, err := p.Start(resp)
			rc := fuzzExtendedRCode(resp, h)
			if err != nil || h.ID != ex.q.ID || !h.Response ||
				(rc != dnsmessage.RCodeFormatError && rc != dnsmessage.RCodeNotImplemented && rc != 16) {
				t.Fatalf("fell back without EDNS0 after %+v, extended rcode %d (%v)", h, rc, err)
			}
			if len(ex.q.Additionals) != 1 || len(tr.udp[1].q.Additionals) != 0 {
				t.Fatalf("fallback query %+v", tr.udp[1].q)
			}
		}
		if gotErr != nil {
			var de *DNSError
			if !errors.As(gotErr, &de) {
				t.Fatalf("error %T is not a *DNSError", gotErr)
			}
			return
		}
		// Success: the response must have matched the query exactly.
		if from != srv1 {
			t.Fatal("accepted an answer from the wrong source")
		}
		var p dnsmessage.Parser
		h, err := p.Start(resp)
		if err != nil || h.ID != ex.q.ID || !h.Response || h.OpCode != 0 {
			t.Fatalf("accepted a response with header %+v (%v)", h, err)
		}
		qs, err := p.AllQuestions()
		if err != nil || len(qs) != 1 || qs[0].Type != qtype || qs[0].Class != dnsmessage.ClassINET ||
			!equalFold(qs[0].Name.String(), ex.q.Questions[0].Name.String()) {
			t.Fatalf("accepted a response with questions %+v (%v)", qs, err)
		}
		if h.RCode != dnsmessage.RCodeSuccess && h.RCode != dnsmessage.RCodeNameError {
			t.Fatalf("accepted rcode %v", h.RCode)
		}
		// Nor an extended RCODE: an OPT record's upper 8 bits are zero,
		// and there is one OPT record at most. (A damaged authority
		// section is accepted, as no SOA, when no additional record
		// follows it.)
		opts := 0
		q := p
		if err := q.SkipAllAnswers(); err != nil {
			t.Fatalf("accepted a response whose answers do not parse: %v", err)
		}
		if err := q.SkipAllAuthorities(); err != nil && resp[10]|resp[11] != 0 {
			t.Fatalf("accepted a response with additional records whose authority section does not parse: %v", err)
		}
		for resp[10]|resp[11] != 0 {
			rh, err := q.AdditionalHeader()
			if errors.Is(err, dnsmessage.ErrSectionDone) {
				break
			}
			if err != nil || q.SkipAdditional() != nil {
				t.Fatalf("accepted a response whose additional section does not parse: %v", err)
			}
			if rh.Type == dnsmessage.TypeOPT {
				opts++
				if rh.TTL>>24 != 0 {
					t.Fatalf("accepted extended rcode %d", rh.TTL>>24<<4|uint32(h.RCode))
				}
			}
		}
		if opts > 1 {
			t.Fatalf("accepted %d OPT records", opts)
		}
		// Every address returned is an A/AAAA record of the response. Bodies
		// of other types are skipped, as the resolver skips them (newer
		// dnsmessage versions parse SVCB and HTTPS bodies, which it does
		// not need).
		var answers []netip.Addr
		for {
			rh, err := p.AnswerHeader()
			if errors.Is(err, dnsmessage.ErrSectionDone) {
				break
			}
			if err != nil {
				t.Fatalf("accepted a response whose answers do not parse: %v", err)
			}
			switch rh.Type {
			case dnsmessage.TypeA:
				b, err := p.AResource()
				if err != nil {
					t.Fatalf("accepted a response with a bad A record: %v", err)
				}
				answers = append(answers, netip.AddrFrom4(b.A))
			case dnsmessage.TypeAAAA:
				b, err := p.AAAAResource()
				if err != nil {
					t.Fatalf("accepted a response with a bad AAAA record: %v", err)
				}
				answers = append(answers, netip.AddrFrom16(b.AAAA))
			default:
				if err := p.SkipAnswer(); err != nil {
					t.Fatalf("accepted a response whose answers do not parse: %v", err)
				}
			}
		}
		for _, a := range gotAddrs {
			if !slices.Contains(answers, a) {
				t.Fatalf("returned %v, not in the response", a)
			}
		}
	})
}
