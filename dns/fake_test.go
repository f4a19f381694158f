package dns

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// fakeClock is a manual clock for single-goroutine unit tests: timers run
// only from Run, RunAll and Advance, on the test goroutine (the "loop").
type fakeClock struct {
	now    time.Time
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	seq  int
	fn   func()
	dead bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Delay(d time.Duration, fn func()) func() {
	t := &fakeTimer{at: c.now.Add(max(d, 0)), seq: c.seq, fn: fn}
	c.seq++
	c.timers = append(c.timers, t)
	return func() { t.dead = true }
}

// next removes and returns the earliest live timer due by limit, or nil.
func (c *fakeClock) next(limit time.Time) *fakeTimer {
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool { return t.dead })
	best := -1
	for i, t := range c.timers {
		if t.at.After(limit) {
			continue
		}
		if best < 0 || t.at.Before(c.timers[best].at) || (t.at.Equal(c.timers[best].at) && t.seq < c.timers[best].seq) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	t := c.timers[best]
	c.timers = slices.Delete(c.timers, best, best+1)
	return t
}

// Run runs every timer due now, including those they schedule.
func (c *fakeClock) Run() {
	for t := c.next(c.now); t != nil; t = c.next(c.now) {
		t.dead = true
		t.fn()
	}
}

// Advance moves time forward by d, running timers as it passes them.
func (c *fakeClock) Advance(d time.Duration) {
	end := c.now.Add(d)
	for t := c.next(end); t != nil; t = c.next(end) {
		if t.at.After(c.now) {
			c.now = t.at
		}
		t.dead = true
		t.fn()
	}
	c.now = end
}

// RunAll runs timers, jumping time forward, until none is left.
func (c *fakeClock) RunAll() {
	for range 100000 {
		t := c.next(c.now.Add(1000 * time.Hour))
		if t == nil {
			return
		}
		if t.at.After(c.now) {
			c.now = t.at
		}
		t.dead = true
		t.fn()
	}
	panic("fakeClock: timers never settle")
}

// fakeTransport records exchanges and lets servers (or the test) answer
// them on a later turn of the fake loop.
type fakeTransport struct {
	clock   *fakeClock
	servers map[netip.AddrPort]*fakeServer // nil entry or missing: no answer
	udp     []*fakeExchange
	tcp     []*fakeExchange
	udpErr  map[netip.AddrPort]error // ExchangeUDP fails at once
}

type fakeExchange struct {
	tr       *fakeTransport
	server   netip.AddrPort
	q        dnsmessage.Message
	raw      []byte
	udpCB    func(netip.AddrPort, []byte)
	tcpCB    func([]byte, error)
	canceled bool
}

func newFakeTransport(c *fakeClock) *fakeTransport {
	return &fakeTransport{clock: c, servers: map[netip.AddrPort]*fakeServer{}}
}

func (tr *fakeTransport) ExchangeUDP(server netip.AddrPort, q []byte, cb func(netip.AddrPort, []byte)) (func(), error) {
	if err := tr.udpErr[server]; err != nil {
		return nil, err
	}
	ex := &fakeExchange{tr: tr, server: server, raw: slices.Clone(q), udpCB: cb}
	if err := ex.q.Unpack(q); err != nil {
		panic("resolver sent an unparsable query: " + err.Error())
	}
	tr.udp = append(tr.udp, ex)
	if s := tr.servers[server]; s != nil {
		if resp := s.answer(ex.q, false); resp != nil {
			ex.reply(server, resp)
		}
	}
	return func() { ex.canceled = true }, nil
}

func (tr *fakeTransport) ExchangeTCP(server netip.AddrPort, q []byte, cb func([]byte, error)) (func(), error) {
	ex := &fakeExchange{tr: tr, server: server, raw: slices.Clone(q), tcpCB: cb}
	if err := ex.q.Unpack(q); err != nil {
		panic("resolver sent an unparsable query: " + err.Error())
	}
	tr.tcp = append(tr.tcp, ex)
	if s := tr.servers[server]; s != nil {
		if resp := s.answer(ex.q, true); resp != nil {
			ex.replyTCP(resp, nil)
		}
	}
	return func() { ex.canceled = true }, nil
}

// reply delivers a datagram from `from` on the next loop turn.
func (ex *fakeExchange) reply(from netip.AddrPort, resp []byte) {
	resp = slices.Clone(resp)
	ex.tr.clock.Delay(0, func() {
		if !ex.canceled {
			ex.udpCB(from, resp)
		}
	})
}

func (ex *fakeExchange) replyTCP(resp []byte, err error) {
	resp = slices.Clone(resp)
	ex.tr.clock.Delay(0, func() {
		if !ex.canceled {
			ex.canceled = true
			ex.tcpCB(resp, err)
		}
	})
}

// fakeServer answers from a table of records.
type fakeServer struct {
	records  []dnsmessage.Resource // answers, matched by name and type, CNAMEs followed
	soa      *dnsmessage.Resource  // added to negative answers
	exists   map[string]bool       // names that exist (NODATA rather than NXDOMAIN)
	rcode    dnsmessage.RCode      // forced response code, if non-zero
	truncate bool                  // UDP answers are cut and flagged TC
	queries  int
}

func (s *fakeServer) answer(q dnsmessage.Message, tcp bool) []byte {
	s.queries++
	qq := q.Questions[0]
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: q.ID, Response: true, RecursionDesired: true, RecursionAvailable: true, RCode: s.rcode},
		Questions: q.Questions,
	}
	if s.rcode != 0 {
		return mustPack(m)
	}
	if s.truncate && !tcp {
		m.Truncated = true
		return mustPack(m)
	}
	name := lowerASCII(qq.Name.String())
	found := s.exists[name]
	for range 10 {
		next := ""
		for _, r := range s.records {
			if lowerASCII(r.Header.Name.String()) != name {
				continue
			}
			found = true
			if r.Header.Type == qq.Type {
				m.Answers = append(m.Answers, r)
			} else if r.Header.Type == dnsmessage.TypeCNAME && next == "" {
				m.Answers = append(m.Answers, r)
				next = lowerASCII(r.Body.(*dnsmessage.CNAMEResource).CNAME.String())
			}
		}
		if next == "" {
			break
		}
		name, found = next, s.exists[next]
	}
	if !found {
		m.RCode = dnsmessage.RCodeNameError
	}
	if len(m.Answers) == 0 && s.soa != nil {
		m.Authorities = append(m.Authorities, *s.soa)
	}
	return mustPack(m)
}

func mustPack(m dnsmessage.Message) []byte {
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

func rr(name string, ttl uint32, body dnsmessage.ResourceBody) dnsmessage.Resource {
	var t dnsmessage.Type
	switch body.(type) {
	case *dnsmessage.AResource:
		t = dnsmessage.TypeA
	case *dnsmessage.AAAAResource:
		t = dnsmessage.TypeAAAA
	case *dnsmessage.CNAMEResource:
		t = dnsmessage.TypeCNAME
	case *dnsmessage.MXResource:
		t = dnsmessage.TypeMX
	case *dnsmessage.TXTResource:
		t = dnsmessage.TypeTXT
	case *dnsmessage.SRVResource:
		t = dnsmessage.TypeSRV
	case *dnsmessage.NSResource:
		t = dnsmessage.TypeNS
	case *dnsmessage.PTRResource:
		t = dnsmessage.TypePTR
	case *dnsmessage.SOAResource:
		t = dnsmessage.TypeSOA
	}
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: t, Class: dnsmessage.ClassINET, TTL: ttl},
		Body:   body,
	}
}

func aRec(name string, ttl uint32, ip string) dnsmessage.Resource {
	a := netip.MustParseAddr(ip)
	if a.Is4() {
		return rr(name, ttl, &dnsmessage.AResource{A: a.As4()})
	}
	return rr(name, ttl, &dnsmessage.AAAAResource{AAAA: a.As16()})
}

func cnameRec(name string, ttl uint32, target string) dnsmessage.Resource {
	return rr(name, ttl, &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)})
}

func soaRec(zone string, ttl, minTTL uint32) *dnsmessage.Resource {
	r := rr(zone, ttl, &dnsmessage.SOAResource{
		NS: dnsmessage.MustNewName("ns." + zone), MBox: dnsmessage.MustNewName("hostmaster." + zone),
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, MinTTL: minTTL,
	})
	return &r
}

var (
	srv1 = netip.MustParseAddrPort("192.0.2.53:53")
	srv2 = netip.MustParseAddrPort("198.51.100.53:53")
)

// env is a resolver on a fake loop.
type env struct {
	t   *testing.T
	clk *fakeClock
	tr  *fakeTransport
	r   *Resolver
}

func newEnv(t *testing.T, cfg *Config, servers ...*fakeServer) *env {
	t.Helper()
	clk := newFakeClock()
	tr := newFakeTransport(clk)
	if cfg == nil {
		cfg = &Config{Servers: []netip.AddrPort{srv1}, Ndots: 1}
	}
	for i, s := range servers {
		if i < len(cfg.Servers) {
			tr.servers[cfg.Servers[i]] = s
		}
	}
	return &env{t: t, clk: clk, tr: tr, r: NewResolver(cfg, tr, clk)}
}

// result records one callback and checks it comes exactly once.
type result[T any] struct {
	t     *testing.T
	val   T
	err   error
	calls int
}

func (res *result[T]) cb(v T, err error) {
	res.calls++
	if res.calls > 1 {
		res.t.Errorf("callback called %d times", res.calls)
	}
	res.val, res.err = v, err
}

// ip runs LookupNetIP to completion, timeouts included.
func (e *env) ip(network, host string) ([]netip.Addr, error) {
	e.t.Helper()
	res := &result[[]netip.Addr]{t: e.t}
	e.r.LookupNetIP(network, host, res.cb)
	if res.calls != 0 {
		e.t.Fatal("callback ran inside LookupNetIP")
	}
	e.clk.RunAll()
	if res.calls != 1 {
		e.t.Fatalf("LookupNetIP(%q, %q): callback called %d times", network, host, res.calls)
	}
	return res.val, res.err
}

// queried returns the names the resolver sent over UDP, in order.
func (e *env) queried() []string {
	var out []string
	for _, ex := range e.tr.udp {
		out = append(out, ex.q.Questions[0].Name.String()+" "+ex.q.Questions[0].Type.String())
	}
	return out
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}
