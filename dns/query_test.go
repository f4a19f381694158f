package dns

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func zone() *fakeServer {
	return &fakeServer{
		records: []dnsmessage.Resource{
			aRec("a.example.", 300, "192.0.2.1"),
			aRec("a.example.", 300, "2001:db8::1"),
			cnameRec("c1.example.", 60, "c2.example."),
			cnameRec("c2.example.", 120, "a.example."),
			aRec("v4only.example.", 300, "192.0.2.4"),
		},
		soa: soaRec("example.", 3600, 30),
	}
}

func TestLookupAAndAAAA(t *testing.T) {
	e := newEnv(t, nil, zone())
	got, err := e.ip("ip", "a.example.")
	if err != nil {
		t.Fatal(err)
	}
	if want := addrs("192.0.2.1", "2001:db8::1"); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, ex := range e.tr.udp {
		if !ex.q.Header.RecursionDesired || len(ex.q.Questions) != 1 || ex.q.Questions[0].Class != dnsmessage.ClassINET {
			t.Errorf("bad query %+v", ex.q)
		}
	}
	if len(e.tr.udp) != 2 {
		t.Fatalf("%d exchanges, want 2 (A and AAAA)", len(e.tr.udp))
	}
	got, err = e.ip("ip6", "a.example.")
	if err != nil || !slices.Equal(got, addrs("2001:db8::1")) {
		t.Fatalf("ip6: %v %v", got, err)
	}
	if len(e.tr.udp) != 2 {
		t.Fatalf("ip6 lookup not served from the cache: %d exchanges", len(e.tr.udp))
	}
}

func TestCNAMEChain(t *testing.T) {
	e := newEnv(t, nil, zone())
	got, err := e.ip("ip4", "C1.example.")
	if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
		t.Fatalf("got %v %v", got, err)
	}
	res := &result[string]{t: t}
	e.r.LookupCNAME("c1.example.", res.cb)
	e.clk.RunAll()
	if res.err != nil || res.val != "a.example." {
		t.Fatalf("LookupCNAME = %q, %v", res.val, res.err)
	}
	res = &result[string]{t: t}
	e.r.LookupCNAME("a.example.", res.cb)
	e.clk.RunAll()
	if res.err != nil || res.val != "a.example." {
		t.Fatalf("LookupCNAME without CNAME = %q, %v", res.val, res.err)
	}
}

func TestCNAMELoopIsBounded(t *testing.T) {
	s := &fakeServer{records: []dnsmessage.Resource{
		cnameRec("x.example.", 60, "y.example."),
		cnameRec("y.example.", 60, "x.example."),
	}}
	e := newEnv(t, nil, s)
	_, err := e.ip("ip4", "x.example.")
	if err == nil {
		t.Fatal("CNAME loop resolved")
	}
}

func TestNegativeCaching(t *testing.T) {
	s := zone()
	e := newEnv(t, nil, s)
	_, err := e.ip("ip4", "nx.example.")
	var de *DNSError
	if !errors.As(err, &de) || !errors.Is(err, ErrNotFound) || !IsNotFound(err) {
		t.Fatalf("got %v, want NXDOMAIN", err)
	}
	if de.Name != "nx.example." || de.Server != srv1 || de.RCode != dnsmessage.RCodeNameError {
		t.Fatalf("error fields: %+v", de)
	}
	if !de.NetError().IsNotFound {
		t.Fatal("NetError().IsNotFound is false")
	}
	n := s.queries
	// NXDOMAIN covers every type of the name (RFC 2308 §5).
	if _, err := e.ip("ip6", "nx.example."); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second lookup: %v", err)
	}
	if s.queries != n {
		t.Fatalf("NXDOMAIN not cached: %d queries, want %d", s.queries, n)
	}
	// NODATA: v4only has no AAAA.
	_, err = e.ip("ip6", "v4only.example.")
	if !errors.Is(err, ErrNoData) || errors.Is(err, ErrNotFound) || !IsNotFound(err) {
		t.Fatalf("got %v, want NODATA", err)
	}
	n = s.queries
	e.ip("ip6", "v4only.example.")
	if s.queries != n {
		t.Fatal("NODATA not cached")
	}
	// The SOA minimum (30 s) bounds the negative TTL.
	e.clk.Advance(31 * time.Second)
	e.ip("ip6", "v4only.example.")
	if s.queries != n+1 {
		t.Fatalf("NODATA outlived its TTL: %d queries, want %d", s.queries, n+1)
	}
}

func TestNegativeWithoutSOAIsNotCached(t *testing.T) {
	s := zone()
	s.soa = nil
	e := newEnv(t, nil, s)
	e.ip("ip4", "nx.example.")
	e.ip("ip4", "nx.example.")
	if s.queries != 2 {
		t.Fatalf("%d queries, want 2", s.queries)
	}
}

func TestCacheTTL(t *testing.T) {
	s := zone()
	e := newEnv(t, nil, s)
	// The chain's smallest TTL (60 s for c1) bounds the cached answer.
	e.ip("ip4", "c1.example.")
	e.clk.Advance(59 * time.Second)
	e.ip("ip4", "c1.example.")
	if s.queries != 1 {
		t.Fatalf("%d queries before expiry, want 1", s.queries)
	}
	if st := e.r.Stats(); st.CacheHits != 1 {
		t.Fatalf("stats %+v", st)
	}
	e.clk.Advance(2 * time.Second)
	e.ip("ip4", "c1.example.")
	if s.queries != 2 {
		t.Fatalf("%d queries after expiry, want 2", s.queries)
	}
}

func TestCacheMaxTTL(t *testing.T) {
	s := zone()
	e := newEnv(t, &Config{Servers: []netip.AddrPort{srv1}, CacheMaxTTL: 10 * time.Second}, s)
	e.ip("ip4", "a.example.")
	e.clk.Advance(11 * time.Second)
	e.ip("ip4", "a.example.")
	if s.queries != 2 {
		t.Fatalf("cap ignored: %d queries", s.queries)
	}
}

func TestZeroTTLNotCached(t *testing.T) {
	s := &fakeServer{records: []dnsmessage.Resource{aRec("z.example.", 0, "192.0.2.9")}}
	e := newEnv(t, nil, s)
	e.ip("ip4", "z.example.")
	e.ip("ip4", "z.example.")
	if s.queries != 2 {
		t.Fatalf("%d queries, want 2", s.queries)
	}
}

func TestCoalescing(t *testing.T) {
	s := zone()
	e := newEnv(t, nil, s)
	var results []*result[[]netip.Addr]
	for range 10 {
		res := &result[[]netip.Addr]{t: t}
		results = append(results, res)
		e.r.LookupNetIP("ip4", "a.example.", res.cb)
	}
	e.clk.RunAll()
	if len(e.tr.udp) != 1 {
		t.Fatalf("%d exchanges, want 1", len(e.tr.udp))
	}
	for i, res := range results {
		if res.calls != 1 || res.err != nil || !slices.Equal(res.val, addrs("192.0.2.1")) {
			t.Fatalf("lookup %d: %d calls, %v, %v", i, res.calls, res.val, res.err)
		}
	}
	// Each caller owns its slice.
	results[0].val[0] = netip.Addr{}
	if !results[1].val[0].IsValid() {
		t.Fatal("callers share a slice")
	}
	if st := e.r.Stats(); st.Coalesced != 9 || st.Queries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSpoofedResponsesIgnored(t *testing.T) {
	e := newEnv(t, nil) // no server: the test answers by hand
	res := &result[[]netip.Addr]{t: t}
	e.r.LookupNetIP("ip4", "a.example.", res.cb)
	if len(e.tr.udp) != 1 {
		t.Fatalf("%d exchanges", len(e.tr.udp))
	}
	ex := e.tr.udp[0]
	good := zone().answer(ex.q, false)
	forged := func(edit func(m *dnsmessage.Message)) []byte {
		var m dnsmessage.Message
		m.Unpack(good)
		m.Answers = []dnsmessage.Resource{aRec("a.example.", 300, "203.0.113.66")}
		edit(&m)
		return mustPack(m)
	}
	ex.reply(netip.MustParseAddrPort("203.0.113.1:53"), forged(func(*dnsmessage.Message) {}))            // wrong source
	ex.reply(netip.MustParseAddrPort("192.0.2.53:5353"), forged(func(*dnsmessage.Message) {}))           // wrong port
	ex.reply(srv1, forged(func(m *dnsmessage.Message) { m.ID++ }))                                       // wrong ID
	ex.reply(srv1, forged(func(m *dnsmessage.Message) { m.Questions[0].Name = mustName("b.example.") })) // wrong name
	ex.reply(srv1, forged(func(m *dnsmessage.Message) { m.Questions[0].Type = dnsmessage.TypeAAAA }))    // wrong type
	ex.reply(srv1, forged(func(m *dnsmessage.Message) { m.Response = false }))                           // not a response
	ex.reply(srv1, forged(func(m *dnsmessage.Message) { m.Questions = nil }))                            // no question
	ex.reply(srv1, []byte{1, 2, 3})                                                                      // garbage
	e.clk.Run()
	if res.calls != 0 {
		t.Fatalf("a forged answer ended the lookup: %v %v", res.val, res.err)
	}
	// The real answer, with the name in another case (0x20), is accepted.
	var m dnsmessage.Message
	m.Unpack(good)
	m.Questions[0].Name = mustName("A.EXAMPLE.")
	ex.reply(netip.MustParseAddrPort("[::ffff:192.0.2.53]:53"), mustPack(m))
	e.clk.Run()
	if res.calls != 1 || res.err != nil || !slices.Equal(res.val, addrs("192.0.2.1")) {
		t.Fatalf("got %v %v", res.val, res.err)
	}
	if st := e.r.Stats(); st.Ignored != 8 {
		t.Fatalf("Ignored = %d, want 8", st.Ignored)
	}
}

func TestTimeoutAndRotation(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Attempts: 2, Timeout: time.Second}
	e := newEnv(t, cfg, nil, zone()) // srv1 never answers
	got, err := e.ip("ip4", "a.example.")
	if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
		t.Fatalf("got %v %v", got, err)
	}
	if len(e.tr.udp) != 2 || e.tr.udp[0].server != srv1 || e.tr.udp[1].server != srv2 {
		t.Fatalf("tries: %v", e.tr.udp)
	}
	if !e.tr.udp[0].canceled {
		t.Fatal("the timed-out exchange was not canceled")
	}
	if st := e.r.Stats(); st.Timeouts != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAllServersTimeOut(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Attempts: 3, Timeout: time.Second}
	e := newEnv(t, cfg)
	start := e.clk.Now()
	_, err := e.ip("ip4", "a.example.")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	var de *DNSError
	if !errors.As(err, &de) || !de.Timeout() || !de.NetError().IsTimeout {
		t.Fatalf("not a timeout DNSError: %#v", err)
	}
	var servers []netip.AddrPort
	for _, ex := range e.tr.udp {
		servers = append(servers, ex.server)
	}
	want := []netip.AddrPort{srv1, srv2, srv1, srv2, srv1, srv2}
	if !slices.Equal(servers, want) {
		t.Fatalf("tries went to %v, want %v", servers, want)
	}
	if d := e.clk.Now().Sub(start); d != 6*time.Second {
		t.Fatalf("gave up after %v of fake time, want 6s", d)
	}
}

func TestRotateOption(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Rotate: true}
	e := newEnv(t, cfg, zone(), zone())
	e.r.FlushCache()
	e.ip("ip4", "a.example.")
	e.r.FlushCache()
	e.ip("ip4", "a.example.")
	if e.tr.udp[0].server != srv1 || e.tr.udp[1].server != srv2 {
		t.Fatalf("rotate: first tries went to %v then %v", e.tr.udp[0].server, e.tr.udp[1].server)
	}
}

func TestServerFailureMovesOn(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Attempts: 1}
	e := newEnv(t, cfg, &fakeServer{rcode: dnsmessage.RCodeServerFailure}, zone())
	got, err := e.ip("ip4", "a.example.")
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v %v", got, err)
	}
	e = newEnv(t, cfg, &fakeServer{rcode: dnsmessage.RCodeRefused}, &fakeServer{rcode: dnsmessage.RCodeServerFailure})
	_, err = e.ip("ip4", "a.example.")
	var de *DNSError
	if !errors.Is(err, ErrServerFailure) || !errors.As(err, &de) || de.Server != srv2 || !de.NetError().IsTemporary {
		t.Fatalf("got %v, want SERVFAIL from %v", err, srv2)
	}
	// A silent second server does not hide the first one's REFUSED.
	e = newEnv(t, cfg, &fakeServer{rcode: dnsmessage.RCodeRefused}, nil)
	if _, err = e.ip("ip4", "a.example."); !errors.Is(err, ErrRefused) {
		t.Fatalf("got %v, want REFUSED", err)
	}
}

func TestTruncationFallsBackToTCP(t *testing.T) {
	s := zone()
	s.truncate = true
	e := newEnv(t, nil, s)
	got, err := e.ip("ip4", "a.example.")
	if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
		t.Fatalf("got %v %v", got, err)
	}
	if len(e.tr.tcp) != 1 || e.tr.tcp[0].server != srv1 {
		t.Fatalf("%d TCP exchanges", len(e.tr.tcp))
	}
	if st := e.r.Stats(); st.Truncated != 1 || st.TCPTries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUseTCP(t *testing.T) {
	e := newEnv(t, &Config{Servers: []netip.AddrPort{srv1}, UseTCP: true}, zone())
	if _, err := e.ip("ip4", "a.example."); err != nil {
		t.Fatal(err)
	}
	if len(e.tr.udp) != 0 || len(e.tr.tcp) != 1 {
		t.Fatalf("udp %d tcp %d", len(e.tr.udp), len(e.tr.tcp))
	}
}

func TestTCPErrorsMoveOn(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1}, Attempts: 2}
	e := newEnv(t, cfg)
	res := &result[[]netip.Addr]{t: t}
	e.r.LookupNetIP("ip4", "a.example.", res.cb)
	ex := e.tr.udp[0]
	var m dnsmessage.Message
	m.Unpack(zone().answer(ex.q, false))
	m.Truncated = true
	ex.reply(srv1, mustPack(m))
	e.clk.Run()
	if len(e.tr.tcp) != 1 {
		t.Fatalf("%d TCP exchanges", len(e.tr.tcp))
	}
	e.tr.tcp[0].replyTCP(nil, errors.New("connection reset"))
	e.clk.Run()
	// The second attempt is UDP again; a TCP answer to another ID fails it.
	if len(e.tr.udp) != 2 {
		t.Fatalf("%d UDP exchanges", len(e.tr.udp))
	}
	ex = e.tr.udp[1]
	m.Unpack(zone().answer(ex.q, false))
	m.Truncated = true
	ex.reply(srv1, mustPack(m))
	e.clk.Run()
	e.tr.tcp[1].replyTCP(good(t, e.tr.udp[0].q), nil) // answers the first try's ID
	e.clk.RunAll()
	if res.calls != 1 || !errors.Is(res.err, ErrMalformed) {
		t.Fatalf("got %v %v, want malformed", res.val, res.err)
	}
}

func good(t *testing.T, q dnsmessage.Message) []byte {
	t.Helper()
	return zone().answer(q, true)
}

func TestMalformedAnswerMovesOn(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Attempts: 1}
	e := newEnv(t, cfg, nil, zone())
	res := &result[[]netip.Addr]{t: t}
	e.r.LookupNetIP("ip4", "a.example.", res.cb)
	ex := e.tr.udp[0]
	resp := zone().answer(ex.q, false)
	ex.reply(srv1, resp[:len(resp)-2]) // header and question fine, answer cut
	e.clk.RunAll()
	if res.err != nil || len(e.tr.udp) != 2 {
		t.Fatalf("got %v after %d tries", res.err, len(e.tr.udp))
	}
}

func TestUnreachableServer(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1, srv2}, Attempts: 1}
	e := newEnv(t, cfg, nil, zone())
	e.tr.udpErr = map[netip.AddrPort]error{srv1: errors.New("network is unreachable")}
	if _, err := e.ip("ip4", "a.example."); err != nil {
		t.Fatalf("second server not tried: %v", err)
	}
	e.tr.udpErr[srv2] = errors.New("network is unreachable")
	e.r.FlushCache()
	if _, err := e.ip("ip4", "a.example."); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t, nil) // no answers
	res := &result[[]netip.Addr]{t: t}
	cancel := e.r.LookupNetIP("ip", "a.example.", res.cb)
	other := &result[[]netip.Addr]{t: t}
	e.r.LookupNetIP("ip4", "a.example.", other.cb)
	cancel()
	if res.calls != 1 || !errors.Is(res.err, ErrCanceled) || !errors.Is(res.err, context.Canceled) {
		t.Fatalf("cancel: %d calls, %v", res.calls, res.err)
	}
	cancel()
	// The A query is still wanted by the other lookup; the AAAA one is not.
	if e.tr.udp[0].canceled || !e.tr.udp[1].canceled {
		t.Fatalf("canceled: A %v AAAA %v", e.tr.udp[0].canceled, e.tr.udp[1].canceled)
	}
	e.tr.udp[0].reply(srv1, zone().answer(e.tr.udp[0].q, false))
	e.clk.Run()
	if other.calls != 1 || other.err != nil {
		t.Fatalf("other lookup: %v", other.err)
	}
	// Cancel after delivery does nothing; cancel before a deferred
	// delivery wins.
	e.clk.RunAll()
	c := e.r.LookupNetIP("ip4", "a.example.", res.cb) // cached
	res.calls = 0
	c()
	e.clk.RunAll()
	if res.calls != 1 || !errors.Is(res.err, ErrCanceled) {
		t.Fatalf("cancel of a cached answer: %d calls, %v", res.calls, res.err)
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t, nil)
	res := &result[[]netip.Addr]{t: t}
	e.r.LookupNetIP("ip4", "a.example.", res.cb)
	e.r.Close()
	if res.calls != 1 || !errors.Is(res.err, ErrClosed) {
		t.Fatalf("%d calls, %v", res.calls, res.err)
	}
	if !e.tr.udp[0].canceled {
		t.Fatal("query not canceled")
	}
	if _, err := e.ip("ip4", "b.example."); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	e.r.Close()
}

func TestEDNS0(t *testing.T) {
	e := newEnv(t, &Config{Servers: []netip.AddrPort{srv1}, EDNS0: true}, zone())
	if _, err := e.ip("ip4", "a.example."); err != nil {
		t.Fatal(err)
	}
	add := e.tr.udp[0].q.Additionals
	if len(add) != 1 || add[0].Header.Type != dnsmessage.TypeOPT || add[0].Header.Class != ednsPayload {
		t.Fatalf("additionals %+v", add)
	}
}
