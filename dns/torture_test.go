package dns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
	"golang.org/x/net/dns/dnsmessage"
)

// TestTorture drives the resolver with random lookups against hostile
// nameservers written here (a UDP socket and a TCP listener on loopback
// each, plus a server that never answers), chosen by seeds so that a run
// can be replayed. Every name carries its script in its first label
// ("kind-id-ttl-chain"), so the answer a lookup must get is a function of
// the name alone, whatever the servers do around it: spoofed datagrams
// (wrong ID, question, type or source port, not a response, garbage)
// carrying poison records before the real answer, duplicates and late
// answers after it, lost answers, poison records of other names, classes
// and sections inside the real answer, truncated UDP answers to retry over
// TCP with the answer split across TCP segments, FORMERR to EDNS0 queries,
// malformed answers (compression pointers past the end or in a loop,
// record lengths past the end, huge counts), SERVFAIL, REFUSED, NXDOMAIN
// and NODATA with SOA records, CNAME chains and no answer at all. Lookups
// (addresses for ip/ip4/ip6, LookupCNAME, LookupTXT) of fresh and repeated
// names run concurrently on one loop, with random cancellation, cache
// flushes and the clock moved forward past TTLs.
//
// Invariants, checked after every action and at the end:
//   - every lookup calls back exactly once, never inside the Lookup call,
//     with the answer its name's script gives or a *DNSError matching
//     the scripted sentinel (ErrCanceled and context.Canceled when
//     canceled first, ErrClosed when the resolver closed first);
//   - no poison record and no record of another name ever comes back, and
//     every cache entry holds what its name's script says;
//   - a name cached with a long TTL is answered again without a query;
//   - the resolver's queries in flight and live lookups are consistent,
//     and once every lookup has settled, and after Close, no query, no
//     socket and no timer is left (and leakcheck finds no goroutine or
//     descriptor).
//
// A timeout on a name whose servers do answer can happen when the machine
// is slow (tries wait 300 ms); it is accepted, counted and logged, as is
// an "ip" lookup that got only one family for the same reason.
//
// It runs for about 5 s by default; EDDY_TORTURE=60s runs longer (more
// seeds), EDDY_TORTURE_SEED=n runs one seed.
func TestTorture(t *testing.T) { Torture(t, nil) }

// TortureLoop is an event loop that Torture runs the resolver on instead
// of its own test loop: eddy's loop, from package dns_test (which may
// import eddy; this package may not). The resolver then uses the loop's
// transport and clock, so the clock is not moved forward.
type TortureLoop interface {
	// Resolver returns a resolver configured with cfg, on the loop.
	Resolver(cfg Config) *Resolver
	// Do runs fn on the loop goroutine and waits for it.
	Do(fn func())
	// Finish is called after the resolver was closed and every lookup
	// called back: the loop must now end by itself, with no timer, socket
	// or reference of the resolver left to keep it alive.
	Finish()
}

// Torture is TestTorture's body, on the loops newLoop returns (one per
// seed), or on a test loop when newLoop is nil. See TestTorture.
func Torture(t *testing.T, newLoop func(t *testing.T) TortureLoop) {
	if testing.Short() {
		t.Skip("torture test in -short mode")
	}
	leakcheck.Check(t)
	total := soak.Duration(t, 3*time.Second)
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, 3*time.Second)
	var actions, lookups, degraded int64
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var loop TortureLoop
			if newLoop != nil {
				loop = newLoop(t)
			}
			tt := newTortureRun(t, seed, total/time.Duration(len(seeds)), loop)
			tt.run()
			actions += tt.actions
			lookups += int64(len(tt.lookups()))
			degraded += tt.degraded
		})
	}
	t.Logf("%d seeds, %v of chaos, %d actions, %d lookups, %d degraded by timeouts", len(seeds), total, actions, lookups, degraded)
}

// ---- the script ----

// plan is what a name's first label says its servers do.
type plan struct {
	// a: A, AAAA and TXT records; v4: no AAAA; cn: a CNAME chain to such
	// records; tc: too many for UDP (truncated, then over TCP); fe: FORMERR
	// to EDNS0; nx, nd: NXDOMAIN, NODATA; sf, rf: SERVFAIL, REFUSED; mal:
	// malformed; to: no answer; hup: truncated, and TCP hangs up; ti:
	// truncated, and the TCP answer has another ID; cnx, cnd: a CNAME
	// chain to a name that does not exist, or has no records.
	kind  string
	id    int
	ttl   uint32
	chain int
	zone  string // lowercase, absolute
}

var tortureKinds = []string{"a", "a", "v4", "cn", "cn", "tc", "fe", "nx", "nd", "sf", "rf", "mal", "to", "hup", "ti", "cnx", "cnd"}

var tortureTTLs = []uint32{0, 5, 3600}

func (p plan) name() string {
	return fmt.Sprintf("%s-%d-%d-%d.%s", p.kind, p.id, p.ttl, p.chain, p.zone)
}

// parsePlan reads the plan of an absolute name under zone.
func parsePlan(name, zone string) (plan, bool) {
	name = lowerASCII(name)
	first, rest, ok := strings.Cut(name, ".")
	if !ok || rest != lowerASCII(zone) {
		return plan{}, false
	}
	f := strings.Split(first, "-")
	if len(f) != 4 {
		return plan{}, false
	}
	id, err1 := strconv.Atoi(f[1])
	ttl, err2 := strconv.Atoi(f[2])
	chain, err3 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || err3 != nil {
		return plan{}, false
	}
	return plan{kind: f[0], id: id, ttl: uint32(ttl), chain: chain, zone: zone}, true
}

// target is the end of the name's CNAME chain (the name itself without one).
func (p plan) target() string {
	if p.kind != "cn" && p.kind != "cnx" && p.kind != "cnd" || p.chain == 0 {
		return p.name()
	}
	return fmt.Sprintf("t%d-%d.%s", p.chain, p.id, p.zone)
}

// scripted is what a (name, type) question must establish.
type scripted struct {
	addrs []netip.Addr
	txt   []string
	err   error // nil, or the sentinel
}

func (p plan) answer(t dnsmessage.Type) scripted {
	switch p.kind {
	case "nx":
		return scripted{err: ErrNotFound}
	case "nd", "cnd":
		return scripted{err: ErrNoData}
	case "cnx":
		return scripted{err: ErrNotFound}
	case "sf":
		return scripted{err: ErrServerFailure}
	case "rf":
		return scripted{err: ErrRefused}
	case "mal":
		return scripted{err: ErrMalformed}
	case "to":
		return scripted{err: ErrTimeout}
	case "hup":
		// ErrTimeout when the dead server had a try, else ErrUnreachable;
		// check accepts both.
		return scripted{err: ErrUnreachable}
	case "ti":
		return scripted{err: ErrMalformed}
	}
	n4, n6 := 1+p.id%3, 1+p.id%2
	if p.kind == "tc" {
		n4, n6 = 40, 12
	}
	if p.kind == "v4" {
		n6 = 0
	}
	var s scripted
	switch t {
	case dnsmessage.TypeA:
		for i := range n4 {
			s.addrs = append(s.addrs, netip.AddrFrom4([4]byte{10, byte(i), byte(p.id >> 8), byte(p.id)}))
		}
	case dnsmessage.TypeAAAA:
		for i := range n6 {
			s.addrs = append(s.addrs, netip.AddrFrom16([16]byte{0: 0xfd, 12: byte(p.id >> 8), 13: byte(p.id), 15: byte(i)}))
		}
	case dnsmessage.TypeTXT:
		s.txt = []string{"id=" + strconv.Itoa(p.id)}
	}
	if s.addrs == nil && s.txt == nil {
		s.err = ErrNoData
	}
	return s
}

// poison addresses and texts never belong to any name.
var (
	poison4  = netip.AddrFrom4([4]byte{66, 66, 66, 66})
	poison6  = netip.MustParseAddr("fd66::66")
	poisonTX = "poison"
)

// ---- the hostile server ----

type hostileDNS struct {
	t      *testing.T
	zone   string
	udp    *net.UDPConn
	alt    *net.UDPConn // answers from the wrong source port
	tcp    *net.TCPListener
	addr   netip.AddrPort
	quit   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	rng    *rand.Rand
	counts map[string]int // "name type" → queries received
	conns  map[net.Conn]struct{}
}

func newHostileDNS(t *testing.T, zone string, seed uint64) *hostileDNS {
	t.Helper()
	s := &hostileDNS{t: t, zone: zone, quit: make(chan struct{}),
		rng: rand.New(rand.NewPCG(seed, 0x5eed)), counts: map[string]int{}, conns: map[net.Conn]struct{}{}}
	var err error
	for range 20 { // a UDP and a TCP socket on the same port
		s.udp, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		s.addr = s.udp.LocalAddr().(*net.UDPAddr).AddrPort()
		s.tcp, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(s.addr))
		if err == nil {
			break
		}
		s.udp.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	s.alt, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s.wg.Add(2)
	go s.serveUDP()
	go s.serveTCP()
	t.Cleanup(s.close)
	return s
}

func (s *hostileDNS) close() {
	close(s.quit)
	s.udp.Close()
	s.alt.Close()
	s.tcp.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *hostileDNS) count(name string, t dnsmessage.Type) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[lowerASCII(name)+" "+t.String()]
}

// roll returns true with probability pct/100.
func (s *hostileDNS) roll(pct int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(100) < pct
}

func (s *hostileDNS) intn(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.IntN(n)
}

func (s *hostileDNS) serveUDP() {
	defer s.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, from, err := s.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		var m dnsmessage.Message
		if m.Unpack(buf[:n]) != nil || len(m.Questions) != 1 {
			s.t.Errorf("the resolver sent a bad query: %x", buf[:n])
			continue
		}
		s.noteQuery(m.Questions[0])
		raw := slices.Clone(buf[:n])
		s.udpRespond(m, raw, from)
	}
}

func (s *hostileDNS) noteQuery(q dnsmessage.Question) {
	s.mu.Lock()
	s.counts[lowerASCII(q.Name.String())+" "+q.Type.String()]++
	s.mu.Unlock()
}

func (s *hostileDNS) udpRespond(m dnsmessage.Message, raw []byte, from netip.AddrPort) {
	q := m.Questions[0]
	send := func(c *net.UDPConn, b []byte) { c.WriteToUDPAddrPort(b, from) }
	// Spoofs before the real answer: each must be ignored.
	if s.roll(15) {
		send(s.udp, s.poisoned(m, func(h *dnsmessage.Header, q *dnsmessage.Question) { h.ID ^= 0x5a5a }))
	}
	if s.roll(15) {
		send(s.udp, s.poisoned(m, func(h *dnsmessage.Header, q *dnsmessage.Question) {
			q.Name = dnsmessage.MustNewName(plan{kind: "a", id: 99999, zone: s.zone}.name())
		}))
	}
	if s.roll(10) {
		send(s.udp, s.poisoned(m, func(h *dnsmessage.Header, q *dnsmessage.Question) {
			if q.Type == dnsmessage.TypeA {
				q.Type = dnsmessage.TypeAAAA
			} else {
				q.Type = dnsmessage.TypeA
			}
		}))
	}
	if s.roll(15) {
		send(s.alt, s.poisoned(m, nil))
	}
	if s.roll(10) {
		send(s.udp, s.poisoned(m, func(h *dnsmessage.Header, q *dnsmessage.Question) { h.Response = false }))
	}
	if s.roll(10) {
		g := make([]byte, 1+s.intn(40))
		for i := range g {
			g[i] = byte(s.intn(256))
		}
		if len(g) >= 2 {
			binary.BigEndian.PutUint16(g, m.ID)
		}
		send(s.udp, g)
	}
	if s.roll(5) { // a bare FORMERR under another ID
		send(s.udp, mustPack(dnsmessage.Message{Header: dnsmessage.Header{ID: m.ID + 1, Response: true, RCode: dnsmessage.RCodeFormatError}}))
	}
	resp := s.respond(m, raw, false)
	if resp == nil || s.roll(4) { // no answer, or a lost one
		return
	}
	if s.roll(10) { // late: maybe after the try's timeout
		d := time.Duration(50+s.intn(500)) * time.Millisecond
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			select {
			case <-time.After(d):
				send(s.udp, resp)
			case <-s.quit:
			}
		}()
		return
	}
	send(s.udp, resp)
	if s.roll(15) {
		send(s.udp, resp)
	}
	if s.roll(10) {
		send(s.alt, s.poisoned(m, nil))
	}
	_ = q
}

// poisoned is a well-formed answer to m, edited by edit, carrying poison
// records for the question asked.
func (s *hostileDNS) poisoned(m dnsmessage.Message, edit func(*dnsmessage.Header, *dnsmessage.Question)) []byte {
	h := dnsmessage.Header{ID: m.ID, Response: true, RecursionDesired: true, RecursionAvailable: true}
	q := m.Questions[0]
	if edit != nil {
		edit(&h, &q)
	}
	return mustPack(dnsmessage.Message{Header: h, Questions: []dnsmessage.Question{q}, Answers: poisonRecords(m.Questions[0].Name)})
}

func poisonRecords(n dnsmessage.Name) []dnsmessage.Resource {
	hdr := func(t dnsmessage.Type) dnsmessage.ResourceHeader {
		return dnsmessage.ResourceHeader{Name: n, Type: t, Class: dnsmessage.ClassINET, TTL: 3600}
	}
	return []dnsmessage.Resource{
		{Header: hdr(dnsmessage.TypeA), Body: &dnsmessage.AResource{A: poison4.As4()}},
		{Header: hdr(dnsmessage.TypeAAAA), Body: &dnsmessage.AAAAResource{AAAA: poison6.As16()}},
		{Header: hdr(dnsmessage.TypeTXT), Body: &dnsmessage.TXTResource{TXT: []string{poisonTX}}},
	}
}

// respond builds the real answer to m (raw is its wire form), or nil for
// no answer.
func (s *hostileDNS) respond(m dnsmessage.Message, raw []byte, tcp bool) []byte {
	q := m.Questions[0]
	hasOPT := slices.ContainsFunc(m.Additionals, func(r dnsmessage.Resource) bool { return r.Header.Type == dnsmessage.TypeOPT })
	out := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: m.ID, Response: true, Authoritative: true, RecursionDesired: m.RecursionDesired, RecursionAvailable: true},
		Questions: m.Questions,
	}
	p, ok := parsePlan(q.Name.String(), s.zone)
	if !ok {
		out.RCode = dnsmessage.RCodeRefused
		return mustPack(out)
	}
	switch p.kind {
	case "to":
		return nil
	case "sf":
		out.RCode = dnsmessage.RCodeServerFailure
		return mustPack(out)
	case "rf":
		out.RCode = dnsmessage.RCodeRefused
		return mustPack(out)
	case "mal":
		return s.malformed(m.ID, raw)
	case "hup", "ti":
		if !tcp {
			out.Truncated = true
			return mustPack(out)
		}
		if p.kind == "hup" {
			return []byte{} // hang up
		}
		out.ID ^= 0x0101
		out.Answers = poisonRecords(q.Name)
		return mustPack(out)
	case "fe":
		if hasOPT {
			out.RCode = dnsmessage.RCodeFormatError
			if s.roll(50) {
				out.Questions = nil
			}
			return mustPack(out)
		}
	}
	soa := func() {
		r := soaRec(s.zone, 3600, p.ttl)
		out.Authorities = append(out.Authorities, *r)
	}
	// Poison in the real answer: records of another name, of another
	// class, and in the additional section.
	other := dnsmessage.MustNewName(plan{kind: "a", id: p.id + 1, zone: s.zone}.name())
	out.Answers = append(out.Answers, poisonRecords(other)...)
	for _, r := range poisonRecords(q.Name) {
		r.Header.Class = dnsmessage.ClassCHAOS
		out.Answers = append(out.Answers, r)
		r.Header.Class = dnsmessage.ClassINET
		out.Additionals = append(out.Additionals, r)
	}
	switch p.kind {
	case "nx":
		out.RCode = dnsmessage.RCodeNameError
		soa()
		return mustPack(out)
	case "nd":
		soa()
		return mustPack(out)
	}
	owner := q.Name
	if p.kind == "cn" || p.kind == "cnx" || p.kind == "cnd" {
		prev := q.Name
		for i := 1; i <= p.chain; i++ {
			next := dnsmessage.MustNewName(fmt.Sprintf("t%d-%d.%s", i, p.id, p.zone))
			out.Answers = append(out.Answers, dnsmessage.Resource{
				Header: dnsmessage.ResourceHeader{Name: prev, Type: dnsmessage.TypeCNAME, Class: dnsmessage.ClassINET, TTL: p.ttl},
				Body:   &dnsmessage.CNAMEResource{CNAME: next},
			})
			prev = next
		}
		owner = prev
	}
	sc := p.answer(q.Type)
	hdr := dnsmessage.ResourceHeader{Name: owner, Type: q.Type, Class: dnsmessage.ClassINET, TTL: p.ttl}
	for _, a := range sc.addrs {
		if a.Is4() {
			out.Answers = append(out.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AResource{A: a.As4()}})
		} else {
			out.Answers = append(out.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AAAAResource{AAAA: a.As16()}})
		}
	}
	for _, x := range sc.txt {
		out.Answers = append(out.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.TXTResource{TXT: []string{x}}})
	}
	if sc.err == ErrNoData {
		soa()
	}
	if sc.err == ErrNotFound {
		out.RCode = dnsmessage.RCodeNameError
		soa()
	}
	// Shuffle the answer section: order must not matter.
	s.mu.Lock()
	s.rng.Shuffle(len(out.Answers), func(i, j int) { out.Answers[i], out.Answers[j] = out.Answers[j], out.Answers[i] })
	s.mu.Unlock()
	if p.kind == "tc" && !tcp {
		out.Truncated = true
		out.Answers = out.Answers[:min(len(out.Answers), 3)]
		out.Authorities, out.Additionals = nil, nil
	}
	return mustPack(out)
}

// malformed answers the query raw with its question intact and a damaged
// answer section.
func (s *hostileDNS) malformed(id uint16, raw []byte) []byte {
	qlen := questionLen(raw)
	qtype := raw[12+qlen-4 : 12+qlen-2]
	b := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(b[0:], id)
	b[2] = 0x81 // QR, RD
	b[3] = 0x80 // RA, NOERROR
	b[5] = 1    // QDCOUNT
	b[7] = 1    // ANCOUNT
	b = append(b, raw[12:12+qlen]...)
	rest := func(rdlen int, rdata []byte) {
		b = append(b, qtype...)
		b = append(b, 0, 1, 0, 0, 0, 60, byte(rdlen>>8), byte(rdlen))
		b = append(b, rdata...)
	}
	switch s.intn(6) {
	case 0: // compression pointer past the end
		b = append(b, 0xc0, 0xff)
		rest(4, []byte{1, 2, 3, 4})
	case 1: // pointer loop
		off := len(b)
		b = append(b, 0xc0|byte(off>>8), byte(off))
		rest(4, []byte{1, 2, 3, 4})
	case 2: // record length past the end
		b = append(b, 0xc0, 12)
		rest(200, []byte{1, 2, 3, 4})
	case 3: // huge counts
		b[6], b[7] = 0xff, 0xff
		b[8], b[9] = 0xff, 0xff
		b = append(b, 0xc0, 12)
		rest(4, []byte{1, 2, 3, 4})
	case 4: // data that does not fit the type
		b = append(b, 0xc0, 12)
		rest(5, []byte{9, 'a', 'b', 'c', 'd'})
	case 5: // cut inside a record
		b = append(b, 0xc0, 12, qtype[0])
	}
	return b
}

func (s *hostileDNS) serveTCP() {
	defer s.wg.Done()
	for {
		c, err := s.tcp.AcceptTCP()
		if err != nil {
			return
		}
		s.mu.Lock()
		select {
		case <-s.quit:
			s.mu.Unlock()
			c.Close()
			return
		default:
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		c.SetNoDelay(true)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			for {
				var n [2]byte
				if _, err := io.ReadFull(c, n[:]); err != nil {
					return
				}
				raw := make([]byte, binary.BigEndian.Uint16(n[:]))
				if _, err := io.ReadFull(c, raw); err != nil {
					return
				}
				var m dnsmessage.Message
				if m.Unpack(raw) != nil || len(m.Questions) != 1 {
					s.t.Errorf("the resolver sent a bad query over TCP: %x", raw)
					return
				}
				s.noteQuery(m.Questions[0])
				resp := s.respond(m, raw, true)
				if resp == nil {
					continue // never answers: the resolver times out
				}
				if len(resp) == 0 {
					return // hangs up
				}
				frame, _ := AppendTCPFrame(nil, resp)
				for len(frame) > 0 { // split at random points, one segment each
					k := 1 + s.intn(len(frame))
					if s.roll(50) {
						k = len(frame)
					}
					if _, err := c.Write(frame[:k]); err != nil {
						return
					}
					frame = frame[k:]
				}
			}
		}()
	}
}

// ---- the loop side ----

// tortureClock is wall time plus an offset the test moves forward (to
// expire cache entries without sleeping), with timers on the loop; it
// counts the timers that are armed and have neither fired nor been
// stopped.
type tortureClock struct {
	l      *testLoop
	offset time.Duration // loop-only
	live   int           // loop-only
}

func (c *tortureClock) Now() time.Time { return time.Now().Add(c.offset) }

func (c *tortureClock) Delay(d time.Duration, fn func()) func() {
	c.live++
	done := false // loop-only
	t := time.AfterFunc(d, func() {
		c.l.post(func() {
			if !done {
				done = true
				c.live--
				fn()
			}
		})
	})
	return func() {
		if !done {
			done = true
			c.live--
			t.Stop()
		}
	}
}

// tortureTransport is netTransport counting open exchanges, and checking
// that no callback runs after cancel.
type tortureTransport struct {
	t    *testing.T
	l    *testLoop
	open int // loop-only: UDP sockets not canceled, TCP exchanges neither canceled nor delivered
}

func (tr *tortureTransport) ExchangeUDP(server netip.AddrPort, q []byte, cb func(netip.AddrPort, []byte)) (func(), error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	if _, err := conn.WriteToUDPAddrPort(q, server); err != nil {
		conn.Close()
		return nil, err
	}
	tr.open++
	canceled := false // loop-only
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			resp := slices.Clone(buf[:n])
			tr.l.post(func() {
				if !canceled {
					cb(from, resp)
				}
			})
		}
	}()
	return func() {
		if !canceled {
			canceled = true
			tr.open--
			conn.Close()
			<-done
		}
	}, nil
}

func (tr *tortureTransport) ExchangeTCP(server netip.AddrPort, q []byte, cb func([]byte, error)) (func(), error) {
	frame, err := AppendTCPFrame(nil, q)
	if err != nil {
		return nil, err
	}
	tr.open++
	ctx, stop := context.WithCancel(context.Background())
	finished := false // loop-only
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := tcpRoundTrip(ctx, server, frame)
		tr.l.post(func() {
			if !finished {
				finished = true
				tr.open--
				stop()
				cb(resp, err)
			}
		})
	}()
	return func() {
		if !finished {
			finished = true
			tr.open--
			stop()
			<-done
		}
	}, nil
}

// tlookup is one lookup of the torture. Its fields are loop-only, but
// for done.
type tlookup struct {
	n         int
	op        string // ip ip4 ip6 cname txt
	name      string // as asked (random case)
	p         plan
	cancel    func()
	returned  bool // the Lookup call returned
	canceling bool // cancel was called before the result
	closing   bool // the resolver was closed before the result
	calls     int
	checked   bool // check ran (test goroutine only)
	addrs     []netip.Addr
	str       string
	strs      []string
	err       error
	done      chan struct{}
}

type tortureRun struct {
	t        *testing.T
	seed     uint64
	dur      time.Duration
	rng      *rand.Rand
	zone     string
	srvs     []*hostileDNS
	do       func(func())      // runs a function on the loop and waits for it
	loop     TortureLoop       // an external loop, or nil for a testLoop
	clk      *tortureClock     // nil on an external loop
	tr       *tortureTransport // nil on an external loop
	r        *Resolver
	cfg      Config
	mu       sync.Mutex
	all      []*tlookup // guarded by mu
	lrng     *rand.Rand // loop-only
	closed   bool       // loop-only: Close was called
	names    []plan
	nextID   int
	flushes  int // loop-only
	actions  int64
	degraded int64
}

func newTortureRun(t *testing.T, seed uint64, dur time.Duration, loop TortureLoop) *tortureRun {
	tt := &tortureRun{t: t, seed: seed, dur: dur, rng: rand.New(rand.NewPCG(seed, 1)), lrng: rand.New(rand.NewPCG(seed, 2)), zone: fmt.Sprintf("s%d.test.", seed)}
	a := newHostileDNS(t, tt.zone, seed*2)
	b := newHostileDNS(t, tt.zone, seed*2+1)
	tt.srvs = []*hostileDNS{a, b}
	servers := []netip.AddrPort{a.addr, b.addr, deadServer(t)}
	tt.rng.Shuffle(len(servers), func(i, j int) { servers[i], servers[j] = servers[j], servers[i] })
	tt.cfg = Config{
		Servers:   servers,
		Ndots:     1,
		Timeout:   300 * time.Millisecond,
		Attempts:  1 + tt.rng.IntN(2),
		Rotate:    tt.rng.IntN(2) == 0,
		EDNS0:     tt.rng.IntN(2) == 0,
		UseTCP:    tt.rng.IntN(5) == 0,
		CacheSize: []int{1 << 20, 1 << 20, 3, -1}[tt.rng.IntN(4)],
	}
	if tt.rng.IntN(4) == 0 {
		tt.cfg.CacheNegativeMaxTTL = -1
	}
	if loop != nil {
		tt.loop, tt.do = loop, loop.Do
		tt.r = loop.Resolver(tt.cfg)
		return tt
	}
	l := newTestLoop(t)
	tt.do = l.do
	tt.clk = &tortureClock{l: l}
	tt.tr = &tortureTransport{t: t, l: l}
	tt.do(func() { tt.r = NewResolver(&tt.cfg, tt.tr, tt.clk) })
	return tt
}

func (tt *tortureRun) fatalf(format string, args ...any) {
	tt.t.Helper()
	tt.t.Fatalf("seed %d (EDDY_TORTURE_SEED=%d, config %+v): %s", tt.seed, tt.seed, tt.cfg, fmt.Sprintf(format, args...))
}

func (tt *tortureRun) errorf(format string, args ...any) {
	tt.t.Helper()
	tt.t.Errorf("seed %d (EDDY_TORTURE_SEED=%d): %s", tt.seed, tt.seed, fmt.Sprintf(format, args...))
}

// randomCase flips the case of some letters of name.
func (tt *tortureRun) randomCase(name string) string {
	if tt.rng.IntN(3) != 0 {
		return name
	}
	b := []byte(name)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && tt.rng.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func (tt *tortureRun) pickPlan() plan {
	if len(tt.names) > 0 && tt.rng.IntN(10) < 6 {
		return tt.names[tt.rng.IntN(len(tt.names))]
	}
	tt.nextID++
	p := plan{kind: tortureKinds[tt.rng.IntN(len(tortureKinds))], id: tt.nextID, ttl: tortureTTLs[tt.rng.IntN(len(tortureTTLs))], zone: tt.zone}
	if p.kind == "cn" || p.kind == "cnx" || p.kind == "cnd" {
		p.chain = 1 + tt.rng.IntN(4)
	}
	tt.names = append(tt.names, p)
	return p
}

// start begins a lookup of kind op for p, on the loop.
func (tt *tortureRun) start(p plan, op string) *tlookup {
	name := tt.randomCase(p.name())
	var lk *tlookup
	tt.do(func() { lk = tt.startOnLoop(p, op, name) })
	return lk
}

// startOnLoop begins a lookup of kind op for p under name. Loop-only.
func (tt *tortureRun) startOnLoop(p plan, op, name string) *tlookup {
	tt.mu.Lock()
	lk := &tlookup{n: len(tt.all), op: op, name: name, p: p, done: make(chan struct{}), closing: tt.closed}
	tt.all = append(tt.all, lk)
	tt.mu.Unlock()
	settle := func() {
		lk.calls++
		if !lk.returned {
			tt.errorf("lookup %d (%s %s): callback ran inside the Lookup call", lk.n, op, lk.name)
		}
		if lk.calls == 1 {
			tt.meddle(lk) // first: what it starts is then seen with lk done
			close(lk.done)
		} else {
			tt.errorf("lookup %d (%s %s): callback called %d times", lk.n, op, lk.name, lk.calls)
		}
	}
	switch op {
	case "ip", "ip4", "ip6":
		lk.cancel = tt.r.LookupNetIP(op, lk.name, func(a []netip.Addr, err error) { lk.addrs, lk.err = a, err; settle() })
	case "cname":
		lk.cancel = tt.r.LookupCNAME(lk.name, func(c string, err error) { lk.str, lk.err = c, err; settle() })
	case "txt":
		lk.cancel = tt.r.LookupTXT(lk.name, func(x []string, err error) { lk.strs, lk.err = x, err; settle() })
	}
	lk.returned = true
	return lk
}

// meddle runs inside lk's callback, as user code may: it cancels another
// lookup (maybe one the same answer is being handed to) or asks again
// about the same name (maybe joining the query that is finishing).
// Loop-only.
func (tt *tortureRun) meddle(lk *tlookup) {
	switch x := tt.lrng.IntN(100); {
	case x < 15:
		tt.mu.Lock()
		other := tt.all[tt.lrng.IntN(len(tt.all))]
		tt.mu.Unlock()
		if other.returned && other.calls == 0 {
			other.canceling = true
			other.cancel()
			if other.calls != 1 {
				tt.errorf("lookup %d: %d callbacks after cancel inside a callback", other.n, other.calls)
			}
		}
	case x < 25:
		tt.startOnLoop(lk.p, tortureOps[tt.lrng.IntN(len(tortureOps))], lk.name)
	}
}

// lookups returns the lookups started so far.
func (tt *tortureRun) lookups() []*tlookup {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return slices.Clone(tt.all)
}

// waitAll waits for every lookup, those started by callbacks meanwhile
// included, and checks them.
func (tt *tortureRun) waitAll() {
	for seen := 0; ; {
		all := tt.lookups()
		if len(all) == seen {
			return
		}
		for _, lk := range all[seen:] {
			tt.wait(lk)
			tt.check(lk)
		}
		seen = len(all)
	}
}

var tortureOps = []string{"ip", "ip", "ip4", "ip4", "ip6", "cname", "txt"}

func (tt *tortureRun) wait(lk *tlookup) {
	tt.t.Helper()
	select {
	case <-lk.done:
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		tt.fatalf("lookup %d (%s %s) never called back", lk.n, lk.op, lk.name)
	}
}

func (tt *tortureRun) settled(lk *tlookup) bool {
	select {
	case <-lk.done:
		return true
	default:
		return false
	}
}

func (tt *tortureRun) run() {
	deadline := time.Now().Add(tt.dur)
	var lastOK *tlookup // a recent successful ip4 lookup with a long TTL
	okAt := map[*tlookup]int{}
	for time.Now().Before(deadline) {
		tt.actions++
		switch a := tt.rng.IntN(100); {
		case a < 45: // start lookups, sometimes several of the same name at once
			p := tt.pickPlan()
			n := 1
			if tt.rng.IntN(4) == 0 {
				n = 2 + tt.rng.IntN(4)
			}
			for range n {
				tt.start(p, tortureOps[tt.rng.IntN(len(tortureOps))])
			}
		case a < 55: // cancel a random lookup (maybe already settled)
			if all := tt.lookups(); len(all) > 0 {
				lk := all[tt.rng.IntN(len(all))]
				tt.do(func() {
					if lk.calls == 0 {
						lk.canceling = true
					}
					lk.cancel()
					if lk.calls != 1 {
						tt.errorf("lookup %d: %d callbacks after cancel", lk.n, lk.calls)
					}
				})
			}
		case a < 60: // move the clock: some TTLs run out
			d := []time.Duration{time.Second, 6 * time.Second, 2 * time.Hour}[tt.rng.IntN(3)]
			if tt.clk != nil {
				tt.do(func() { tt.clk.offset += d })
			}
		case a < 62:
			tt.do(func() { tt.r.FlushCache(); tt.flushes++ })
		case a < 72: // wait for a lookup
			if all := tt.lookups(); len(all) > 0 {
				lk := all[len(all)-1-tt.rng.IntN(min(len(all), 10))]
				tt.wait(lk)
				tt.check(lk)
				if lk.op == "ip4" && lk.err == nil && lk.p.ttl == 3600 && !lk.canceling {
					lastOK = lk
					tt.do(func() { okAt[lk] = tt.flushes })
				}
			}
		case a < 78: // a name just answered with a long TTL comes from the cache
			if lastOK != nil {
				tt.cacheRecheck(lastOK, okAt[lastOK])
				lastOK = nil
			}
		case a < 80: // quiesce: everything settles, nothing is left behind
			tt.quiesce()
		default: // give the loop and servers some time
			time.Sleep(time.Duration(tt.rng.IntN(3)) * time.Millisecond)
		}
		tt.do(tt.checkState)
	}
	tt.quiesce()
	// Start a few more and close under them.
	for range 20 {
		tt.start(tt.pickPlan(), tortureOps[tt.rng.IntN(len(tortureOps))])
	}
	time.Sleep(time.Duration(tt.rng.IntN(20)) * time.Millisecond)
	tt.do(func() {
		for _, lk := range tt.lookups() {
			if lk.calls == 0 {
				lk.closing = true
			}
		}
		tt.closed = true
		tt.r.Close()
	})
	// After Close, a lookup gets ErrClosed.
	tt.start(tt.pickPlan(), "ip")
	tt.waitAll()
	tt.settleTimers()
	var st Stats
	tt.do(func() {
		st = tt.r.Stats()
		if len(tt.r.inflight) != 0 || len(tt.r.ops) != 0 {
			tt.errorf("after Close: %d queries in flight, %d live ops", len(tt.r.inflight), len(tt.r.ops))
		}
	})
	if tt.loop != nil {
		tt.loop.Finish()
	}
	tt.t.Logf("seed %d: %d actions, %d lookups, %d degraded; stats %+v", tt.seed, tt.actions, len(tt.lookups()), tt.degraded, st)
}

// cacheRecheck asks again for a name answered with a one-hour TTL and
// expects the same answer without a query.
func (tt *tortureRun) cacheRecheck(prev *tlookup, flushesThen int) {
	var ok bool
	tt.do(func() {
		ok = tt.flushes == flushesThen && tt.cfg.CacheSize > 1000 && (tt.clk == nil || tt.clk.offset < time.Hour)
	})
	if !ok {
		return // flushed or moved past the TTL since
	}
	var before int
	for _, s := range tt.srvs {
		before += s.count(prev.p.name(), dnsmessage.TypeA)
	}
	lk := tt.start(prev.p, "ip4")
	tt.wait(lk)
	var after int
	for _, s := range tt.srvs {
		after += s.count(prev.p.name(), dnsmessage.TypeA)
	}
	if lk.err != nil || !slices.Equal(lk.addrs, prev.addrs) || after != before {
		tt.errorf("%s answered with a one-hour TTL, asked again: %v, %v after %d more queries; want %v from the cache",
			lk.name, lk.addrs, lk.err, after-before, prev.addrs)
	}
	tt.check(lk)
}

// quiesce waits for every lookup, then checks nothing is left: no query
// in flight, no live op, no socket, no timer.
func (tt *tortureRun) quiesce() {
	tt.waitAll()
	tt.settleTimers()
	tt.do(func() {
		if n := len(tt.r.inflight); n != 0 {
			tt.errorf("every lookup settled, yet %d queries are in flight", n)
		}
		if n := len(tt.r.ops); n != 0 {
			tt.errorf("every lookup settled, yet %d ops are live", n)
		}
	})
}

// settleTimers waits until no timer and no exchange is left on the loop:
// deliveries already scheduled (Delay(0)) run on later turns.
func (tt *tortureRun) settleTimers() {
	if tt.clk == nil {
		return // the external loop checks that nothing keeps it alive
	}
	deadline := time.Now().Add(30 * time.Second) // a hang guard
	for {
		var live, open int
		tt.do(func() { live, open = tt.clk.live, tt.tr.open })
		if live == 0 && open == 0 {
			return
		}
		if time.Now().After(deadline) {
			var inflight []string
			tt.do(func() {
				for k, q := range tt.r.inflight {
					inflight = append(inflight, fmt.Sprintf("%s/%v waiters=%d done=%v", k.name, k.qtype, len(q.waiters), q.done))
				}
			})
			tt.fatalf("every lookup settled, yet %d timers and %d exchanges stay live (in flight: %v)", live, open, inflight)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkState checks the resolver's bookkeeping and cache. Loop-only.
func (tt *tortureRun) checkState() {
	for key, q := range tt.r.inflight {
		if q.done || q.key != key || len(q.waiters) == 0 {
			tt.errorf("query %v in flight: done=%v key=%v waiters=%d", key, q.done, q.key, len(q.waiters))
		}
		for _, w := range q.waiters {
			if w.op.finished || w.op.subs[w.i] != w {
				tt.errorf("query %v waits for op of %q that is finished (%v) or no longer waits", key, w.op.host, w.op.finished)
			}
		}
	}
	for op := range tt.r.ops {
		if op.finished {
			tt.errorf("finished op of %q is still live", op.host)
		}
	}
	if tt.clk != nil && (tt.clk.live < 0 || tt.tr.open < 0) {
		tt.errorf("%d live timers, %d open exchanges", tt.clk.live, tt.tr.open)
	}
	if tt.r.cache == nil {
		return
	}
	for key, e := range tt.r.cache.m {
		p, ok := parsePlan(key.name, tt.zone)
		if !ok {
			tt.errorf("cache holds %v, a name never asked", key)
			continue
		}
		a := e.ans
		if key.qtype == 0 {
			if a.err != ErrNotFound || p.kind != "nx" {
				tt.errorf("cache holds NXDOMAIN for %s: %v", key.name, a.err)
			}
			continue
		}
		want := p.answer(key.qtype)
		got := scripted{err: a.err}
		got.addrs = answerAddrs([]*answer{a})
		for _, rb := range a.records {
			if txt, ok := rb.(*dnsmessage.TXTResource); ok {
				got.txt = append(got.txt, strings.Join(txt.TXT, ""))
			}
		}
		if got.err != want.err || !sameSet(got.addrs, want.addrs) || !sameSet(got.txt, want.txt) {
			tt.errorf("cache entry %s %v holds %+v, script says %+v", key.name, key.qtype, got, want)
		}
		if !equalFold(a.canonical, lowerASCII(p.target())) && a.err == nil {
			tt.errorf("cache entry %s %v has canonical name %q, want %q", key.name, key.qtype, a.canonical, p.target())
		}
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// check judges a settled lookup against its name's script.
func (tt *tortureRun) check(lk *tlookup) {
	tt.t.Helper()
	if lk.checked {
		return
	}
	lk.checked = true
	var (
		calls              int
		canceling, closing bool
		addrs              []netip.Addr
		str                string
		strs               []string
		err                error
	)
	tt.do(func() {
		calls, canceling, closing = lk.calls, lk.canceling, lk.closing
		addrs, str, strs, err = lk.addrs, lk.str, lk.strs, lk.err
	})
	desc := fmt.Sprintf("lookup %d (%s %s)", lk.n, lk.op, lk.name)
	if calls != 1 {
		tt.errorf("%s: %d callbacks", desc, calls)
		return
	}
	if err != nil {
		var de *DNSError
		if !errors.As(err, &de) {
			tt.errorf("%s: error %T %v is not a *DNSError", desc, err, err)
			return
		}
		if de.Name != lk.name {
			tt.errorf("%s: DNSError.Name %q", desc, de.Name)
		}
	}
	if canceling {
		if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
			tt.errorf("%s: canceled, got %v, %v", desc, addrs, err)
		}
		return
	}
	// The expected outcome.
	p := lk.p
	var want scripted
	wantName := ""
	switch lk.op {
	case "ip", "ip4", "ip6":
		a4, a6 := p.answer(dnsmessage.TypeA), p.answer(dnsmessage.TypeAAAA)
		switch lk.op {
		case "ip4":
			want = a4
		case "ip6":
			want = a6
		default:
			want.addrs = append(slices.Clone(a4.addrs), a6.addrs...)
			if want.addrs == nil {
				want.err = a4.err
			}
		}
	case "cname":
		a4, a6 := p.answer(dnsmessage.TypeA), p.answer(dnsmessage.TypeAAAA)
		if a4.err == nil || a6.err == nil || p.kind == "cnd" {
			wantName = p.target()
		} else {
			want.err = a4.err
		}
	case "txt":
		want = p.answer(dnsmessage.TypeTXT)
	}
	if closing && errors.Is(err, ErrClosed) {
		return
	}
	for _, a := range addrs {
		if a == poison4 || a == poison6 {
			tt.errorf("%s: POISON address %v returned", desc, a)
		}
	}
	if slices.Contains(strs, poisonTX) {
		tt.errorf("%s: POISON text returned", desc)
	}
	ok := false
	switch {
	case want.err != nil:
		ok = errors.Is(err, want.err)
	case err != nil:
	case lk.op == "cname":
		ok = equalFold(str, wantName)
	case lk.op == "txt":
		ok = slices.Equal(strs, want.txt)
	default:
		// In answer order (the server shuffles it), IPv4 first.
		ok = sameSet(addrs, want.addrs) && slices.IsSortedFunc(addrs, func(a, b netip.Addr) int { return a.BitLen() - b.BitLen() })
	}
	if ok {
		return
	}
	if p.kind == "hup" && errors.Is(err, ErrTimeout) {
		return // the dead server had a try
	}
	// A slow machine can make a try time out although its server answers.
	if p.kind != "to" && errors.Is(err, ErrTimeout) {
		tt.degraded++
		return
	}
	if lk.op == "ip" && err == nil && p.kind != "to" {
		a4, a6 := p.answer(dnsmessage.TypeA), p.answer(dnsmessage.TypeAAAA)
		if (sameSet(addrs, a4.addrs) || sameSet(addrs, a6.addrs)) && len(addrs) > 0 {
			tt.degraded++
			return
		}
	}
	tt.errorf("%s: got %v %q %q, %v; script says %v %q, %v (canonical %q)", desc, addrs, str, strs, err, want.addrs, want.txt, want.err, wantName)
}
