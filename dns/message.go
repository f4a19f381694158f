package dns

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// maxCNAMEChain bounds how many CNAME records an answer may chain through.
const maxCNAMEChain = 16

// ednsPayload is the UDP payload size advertised with EDNS0 (the 2020 DNS
// flag day value, which avoids IP fragmentation).
const ednsPayload = 1232

// ednsFallbackTTL is how long a server that refused EDNS0 is asked
// without it before the resolver tries EDNS0 on it again (the server may
// have been upgraded, or the refusal may have come from a middlebox that
// went away).
const ednsFallbackTTL = 10 * time.Minute

// buildQuery appends a recursive query for q with the given ID to buf.
func buildQuery(buf []byte, id uint16, q dnsmessage.Question, edns bool) ([]byte, error) {
	b := dnsmessage.NewBuilder(buf, dnsmessage.Header{ID: id, RecursionDesired: true})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if edns {
		if err := b.StartAdditionals(); err != nil {
			return nil, err
		}
		var h dnsmessage.ResourceHeader
		if err := h.SetEDNS0(ednsPayload, dnsmessage.RCodeSuccess, false); err != nil {
			return nil, err
		}
		if err := b.OPTResource(h, dnsmessage.OPTResource{}); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// matchResponse reports whether msg answers the query with this id and
// question: the QR bit set, opcode QUERY, the same ID, and exactly one
// question equal to q (name compared case-insensitively). On a match the
// returned parser is positioned at the answer section. A message that does
// not match, including one too damaged to tell, is to be ignored.
func matchResponse(msg []byte, id uint16, q dnsmessage.Question) (p dnsmessage.Parser, h dnsmessage.Header, ok bool) {
	h, err := p.Start(msg)
	if err != nil || !h.Response || h.ID != id || h.OpCode != 0 {
		return p, h, false
	}
	rq, err := p.Question()
	if err != nil || rq.Type != q.Type || rq.Class != q.Class || !sameName(&rq.Name, &q.Name) {
		return p, h, false
	}
	if _, err := p.Question(); !errors.Is(err, dnsmessage.ErrSectionDone) {
		return p, h, false
	}
	return p, h, true
}

// ednsRefused reports whether msg is the bare header some servers from
// before EDNS0 send back, with no question section, when a query carries
// an OPT record they do not understand: a response to the query with this
// id, opcode QUERY, rcode FORMERR or NOTIMP. matchResponse ignores such a
// message (it has no question to check), but ignoring it would leave the
// try to time out. Accepting it is safe: all it can cause is the same
// query asked again without EDNS0, under a new ID.
func ednsRefused(msg []byte, id uint16) bool {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || !h.Response || h.ID != id || h.OpCode != 0 ||
		(h.RCode != dnsmessage.RCodeFormatError && h.RCode != dnsmessage.RCodeNotImplemented) {
		return false
	}
	_, err = p.Question()
	return errors.Is(err, dnsmessage.ErrSectionDone)
}

// answer is what one (name, type) query established, as cached. err is nil
// for a positive answer, or ErrNotFound or ErrNoData.
type answer struct {
	canonical string                    // end of the CNAME chain, absolute
	records   []dnsmessage.ResourceBody // records of the asked type owned by canonical
	addrs     []netip.Addr              // addresses of a synthetic answer (hosts, literal)
	err       error
	ttl       uint32 // seconds: min over the chain, or the negative TTL
	cacheable bool   // false for a negative answer without an SOA
	server    netip.AddrPort
	rcode     dnsmessage.RCode
}

type record struct {
	hdr  dnsmessage.ResourceHeader
	body dnsmessage.ResourceBody
}

// parseAnswer reads the answer and authority sections of a matched
// response whose rcode is NOERROR or NXDOMAIN, follows the CNAME chain
// from q.Name within the answer, and returns what it established. An
// error means the response is malformed.
func parseAnswer(p *dnsmessage.Parser, h dnsmessage.Header, q dnsmessage.Question) (*answer, error) {
	var recs []record
	for {
		rh, err := p.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			break
		}
		if err != nil {
			return nil, err
		}
		if rh.Class != dnsmessage.ClassINET || (rh.Type != q.Type && rh.Type != dnsmessage.TypeCNAME) {
			if err := p.SkipAnswer(); err != nil {
				return nil, err
			}
			continue
		}
		body, err := parseBody(p, rh)
		if err != nil {
			return nil, err
		}
		recs = append(recs, record{rh, body})
	}

	a := &answer{ttl: ^uint32(0), rcode: h.RCode}
	canonical := &q.Name // names compared in wire form: no String per record
	for depth := 0; ; depth++ {
		for i := range recs {
			r := &recs[i]
			if r.hdr.Type == q.Type && sameName(&r.hdr.Name, canonical) {
				a.records = append(a.records, r.body)
				a.ttl = min(a.ttl, recvTTL(r.hdr.TTL))
			}
		}
		if len(a.records) > 0 || q.Type == dnsmessage.TypeCNAME {
			break
		}
		var next *dnsmessage.Name
		for i := range recs {
			r := &recs[i]
			if r.hdr.Type == dnsmessage.TypeCNAME && sameName(&r.hdr.Name, canonical) {
				next = &r.body.(*dnsmessage.CNAMEResource).CNAME
				a.ttl = min(a.ttl, recvTTL(r.hdr.TTL))
				break
			}
		}
		if next == nil {
			break
		}
		if depth == maxCNAMEChain {
			return nil, fmt.Errorf("CNAME chain longer than %d", maxCNAMEChain)
		}
		canonical = next
	}
	a.canonical = canonical.String()
	if len(a.records) > 0 {
		a.cacheable = true
		return a, nil
	}

	// Negative answer: RFC 2308 §5, the TTL is the smaller of the SOA
	// record's TTL and its MINIMUM field.
	a.err = ErrNoData
	if h.RCode == dnsmessage.RCodeNameError {
		a.err = ErrNotFound
	}
	for {
		rh, err := p.AuthorityHeader()
		if err != nil {
			// Section done, or a damaged authority section: either way no
			// usable SOA, so the answer is not cached.
			break
		}
		if rh.Type != dnsmessage.TypeSOA || rh.Class != dnsmessage.ClassINET {
			if p.SkipAuthority() != nil {
				break
			}
			continue
		}
		soa, err := p.SOAResource()
		if err != nil {
			break
		}
		if inZone(a.canonical, rh.Name.String()) {
			a.ttl = min(a.ttl, recvTTL(rh.TTL), recvTTL(soa.MinTTL))
			a.cacheable = true
		}
		break
	}
	if !a.cacheable {
		a.ttl = 0
	}
	return a, nil
}

// recvTTL returns a TTL as received, or zero when its most significant bit is
// set (RFC 2181 §8: such values are to be treated as zero).
func recvTTL(t uint32) uint32 {
	if t > math.MaxInt32 {
		return 0
	}
	return t
}

// inZone reports whether name is zone or below it (both absolute).
func inZone(name, zone string) bool {
	if zone == "." {
		return true
	}
	if len(name) < len(zone) || !equalFold(name[len(name)-len(zone):], zone) {
		return false
	}
	return len(name) == len(zone) || name[len(name)-len(zone)-1] == '.'
}

// sameName compares two names ASCII-case-insensitively, as received.
func sameName(a, b *dnsmessage.Name) bool {
	return equalFold(a.Data[:a.Length], b.Data[:b.Length])
}

// errRDataLength reports a record whose RDATA is not the length its
// RDLENGTH says.
var errRDataLength = errors.New("record data does not fill its length")

// parseBody parses the body of an answer record of a type the resolver
// asks for, checking the body against the record's length: fixed-size
// bodies by size, and bodies holding a name by walking the name's wire
// form, since dnsmessage would read a name past the record's end (from
// the next record) or stop short of it.
func parseBody(p *dnsmessage.Parser, rh dnsmessage.ResourceHeader) (dnsmessage.ResourceBody, error) {
	switch rh.Type {
	case dnsmessage.TypeCNAME, dnsmessage.TypeNS, dnsmessage.TypePTR:
		if err := checkNameRData(p, 0); err != nil {
			return nil, err
		}
	case dnsmessage.TypeMX:
		if err := checkNameRData(p, 2); err != nil {
			return nil, err
		}
	case dnsmessage.TypeSRV:
		if err := checkNameRData(p, 6); err != nil {
			return nil, err
		}
	}
	switch rh.Type {
	case dnsmessage.TypeA:
		if rh.Length != 4 {
			return nil, errors.New("A record of wrong length")
		}
		r, err := p.AResource()
		return &r, err
	case dnsmessage.TypeAAAA:
		if rh.Length != 16 {
			return nil, errors.New("AAAA record of wrong length")
		}
		r, err := p.AAAAResource()
		return &r, err
	case dnsmessage.TypeCNAME:
		r, err := p.CNAMEResource()
		return &r, err
	case dnsmessage.TypeMX:
		r, err := p.MXResource()
		return &r, err
	case dnsmessage.TypeTXT:
		r, err := p.TXTResource()
		return &r, err
	case dnsmessage.TypeSRV:
		r, err := p.SRVResource()
		return &r, err
	case dnsmessage.TypeNS:
		r, err := p.NSResource()
		return &r, err
	case dnsmessage.TypePTR:
		r, err := p.PTRResource()
		return &r, err
	}
	r, err := p.UnknownResource()
	return &r, err
}

// checkNameRData checks that the RDATA of the record p is positioned at
// is fixed bytes followed by exactly one name (RFC 1035 §3.3), the name
// ending inside it with a zero label or a compression pointer. It reads
// through a copy of p, which stays where it was.
func checkNameRData(p *dnsmessage.Parser, fixed int) error {
	c := *p
	raw, err := c.UnknownResource() // a copy of the RDATA: one small allocation
	if err != nil {
		return err
	}
	b := raw.Data
	for i := fixed; i < len(b); {
		switch l := b[i]; {
		case l == 0:
			i++
		case l&0xC0 == 0xC0:
			i += 2
		case l&0xC0 != 0:
			return errors.New("reserved label type in record data")
		default:
			i += 1 + int(l)
			continue
		}
		if i != len(b) {
			return errRDataLength
		}
		return nil
	}
	return errRDataLength
}

// hostName converts a name found in a record to the form lookups return:
// absolute, and only if it is a valid host name, so that a hostile answer
// cannot smuggle odd bytes to the caller. The root "." is returned as is
// (a "null MX" or an SRV "no service" target).
func hostName(n dnsmessage.Name) (string, bool) {
	s := n.String()
	if s == "." {
		return s, true
	}
	if !validName(s) {
		return "", false
	}
	return absolute(s), true
}
