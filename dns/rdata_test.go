package dns

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// rawResponse answers the query q (as the resolver sent it) with a
// hand-made message: NOERROR, q's question, ancount answer records, then
// the bytes of body as they are, so that the records can lie about their
// lengths.
func rawResponse(q []byte, ancount uint16, body []byte) []byte {
	out := []byte{q[0], q[1], 0x81, 0x80, 0, 1, byte(ancount >> 8), byte(ancount), 0, 0, 0, 0}
	out = append(out, q[12:12+questionLen(q)]...)
	return append(out, body...)
}

// rawRR returns a record header for owner (wire form) of type typ, class
// IN and TTL 60, claiming RDLENGTH length, followed by rdata.
func rawRR(owner []byte, typ dnsmessage.Type, length int, rdata ...byte) []byte {
	b := append([]byte{}, owner...)
	b = binary.BigEndian.AppendUint16(b, uint16(typ))
	b = binary.BigEndian.AppendUint16(b, uint16(dnsmessage.ClassINET))
	b = binary.BigEndian.AppendUint32(b, 60)
	b = binary.BigEndian.AppendUint16(b, uint16(length))
	return append(b, rdata...)
}

// wireName is the uncompressed wire form of an absolute name.
func wireName(s string) []byte {
	n := mustName(s)
	var b []byte
	start := 0
	for i := 0; i < int(n.Length); i++ {
		if n.Data[i] == '.' {
			if i > start {
				b = append(b, byte(i-start))
				b = append(b, n.Data[start:i]...)
			}
			start = i + 1
		}
	}
	return append(b, 0)
}

// TestRDataLengthChecked: a record whose name-bearing RDATA (CNAME, MX,
// SRV, NS, PTR) does not fill its RDLENGTH exactly is malformed (RFC 1035
// §3.2.1), and the answer is refused as the A and AAAA length checks
// refuse theirs. dnsmessage reads such a name past RDLENGTH, from the
// next record's bytes: a CNAME claiming no RDATA at all took the next
// record's owner as its target, and the lookup succeeded.
func TestRDataLengthChecked(t *testing.T) {
	qn := []byte{0xc0, 12} // the question's name
	target := wireName("a.example.")
	a := rawRR(target, dnsmessage.TypeA, 4, 192, 0, 2, 1)
	be16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		qtype   dnsmessage.Type
		ancount uint16
		body    []byte
		ok      bool // well formed: controls that must still succeed
	}{
		{"CNAME", dnsmessage.TypeA, 2, cat(rawRR(qn, dnsmessage.TypeCNAME, len(target), target...), a), true},
		{"CNAME empty", dnsmessage.TypeA, 2, cat(rawRR(qn, dnsmessage.TypeCNAME, 0), a), false},
		{"CNAME short", dnsmessage.TypeA, 2, cat(rawRR(qn, dnsmessage.TypeCNAME, 3, target...), a), false},
		{"CNAME long", dnsmessage.TypeA, 2, cat(rawRR(qn, dnsmessage.TypeCNAME, len(target)+1, append(target, 7)...), a), false},
		{"MX", dnsmessage.TypeMX, 1, rawRR(qn, dnsmessage.TypeMX, 2+len(target), cat(be16(10), target)...), true},
		{"MX short", dnsmessage.TypeMX, 1, rawRR(qn, dnsmessage.TypeMX, 2, cat(be16(10), target)...), false},
		{"MX long", dnsmessage.TypeMX, 1, rawRR(qn, dnsmessage.TypeMX, 4+len(target), cat(be16(10), target, be16(0))...), false},
		{"SRV", dnsmessage.TypeSRV, 1, rawRR(qn, dnsmessage.TypeSRV, 6+len(target), cat(be16(1), be16(1), be16(80), target)...), true},
		{"SRV short", dnsmessage.TypeSRV, 1, rawRR(qn, dnsmessage.TypeSRV, 7, cat(be16(1), be16(1), be16(80), target)...), false},
		{"NS compressed", dnsmessage.TypeNS, 1, rawRR(qn, dnsmessage.TypeNS, 4, 1, 'x', 0xc0, 12), true},
		{"NS long", dnsmessage.TypeNS, 1, rawRR(qn, dnsmessage.TypeNS, 5, 1, 'x', 0xc0, 12, 0), false},
		{"PTR empty", dnsmessage.TypePTR, 2, cat(rawRR(qn, dnsmessage.TypePTR, 0), a), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			tr := newFakeTransport(clk)
			r := NewResolver(&Config{Servers: []netip.AddrPort{srv1}, Attempts: 1, Timeout: time.Second}, tr, clk)
			var err error
			calls := 0
			done := func(e error) { calls++; err = e }
			const name = "q.example."
			switch tc.qtype {
			case dnsmessage.TypeA:
				r.LookupNetIP("ip4", name, func(_ []netip.Addr, e error) { done(e) })
			case dnsmessage.TypeMX:
				r.LookupMX(name, func(_ []*net.MX, e error) { done(e) })
			case dnsmessage.TypeSRV:
				r.LookupSRV("", "", name, func(_ string, _ []*net.SRV, e error) { done(e) })
			case dnsmessage.TypeNS:
				r.LookupNS(name, func(_ []*net.NS, e error) { done(e) })
			case dnsmessage.TypePTR:
				r.LookupAddr(netip.MustParseAddr("192.0.2.1"), func(_ []string, e error) { done(e) })
			}
			ex := tr.udp[0]
			ex.reply(srv1, rawResponse(ex.raw, tc.ancount, tc.body))
			clk.RunAll()
			if calls != 1 {
				t.Fatalf("%d calls", calls)
			}
			if tc.ok {
				if err != nil {
					t.Fatalf("well-formed answer failed: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

// BenchmarkParseAnswerCNAME measures parseAnswer on a typical CDN answer:
// a CNAME chain of two links ending in two A records.
func BenchmarkParseAnswerCNAME(b *testing.B) {
	q := dnsmessage.Question{Name: mustName("www.example."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	msg := mustPack(dnsmessage.Message{
		Header:    dnsmessage.Header{ID: 1, Response: true, RecursionDesired: true, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
		Answers: []dnsmessage.Resource{
			cnameRec("www.example.", 300, "www.example.cdn.example."),
			cnameRec("www.example.cdn.example.", 60, "edge7.cdn.example."),
			aRec("edge7.cdn.example.", 20, "192.0.2.1"),
			aRec("edge7.cdn.example.", 20, "192.0.2.2"),
		},
	})
	b.ReportAllocs()
	for b.Loop() {
		p, h, ok := matchResponse(msg, 1, q)
		if !ok {
			b.Fatal("no match")
		}
		if a, err := parseAnswer(&p, h, q); err != nil || len(a.records) != 2 {
			b.Fatal(a, err)
		}
	}
}

// BenchmarkExtendedRCode measures what reading the extended RCODE adds to
// each response: the typical CDN answer of BenchmarkParseAnswerCNAME
// with an OPT record (an EDNS0 response, walked to its additional
// section), and without one (ARCOUNT 0: nothing is walked).
func BenchmarkExtendedRCode(b *testing.B) {
	q := dnsmessage.Question{Name: mustName("www.example."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: 1, Response: true, RecursionDesired: true, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
		Answers: []dnsmessage.Resource{
			cnameRec("www.example.", 300, "www.example.cdn.example."),
			cnameRec("www.example.cdn.example.", 60, "edge7.cdn.example."),
			aRec("edge7.cdn.example.", 20, "192.0.2.1"),
			aRec("edge7.cdn.example.", 20, "192.0.2.2"),
		},
	}
	plain := mustPack(m)
	var h dnsmessage.ResourceHeader
	if err := h.SetEDNS0(ednsPayload, dnsmessage.RCodeSuccess, false); err != nil {
		b.Fatal(err)
	}
	m.Additionals = []dnsmessage.Resource{{Header: h, Body: &dnsmessage.OPTResource{}}}
	withOPT := mustPack(m)
	for _, bc := range []struct {
		name string
		msg  []byte
	}{{"opt", withOPT}, {"plain", plain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, h, ok := matchResponse(bc.msg, 1, q)
				if !ok {
					b.Fatal("no match")
				}
				if rc, err := extendedRCode(p, h, bc.msg); err != nil || rc != dnsmessage.RCodeSuccess {
					b.Fatal(rc, err)
				}
			}
		})
	}
}
