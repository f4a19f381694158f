package dns

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestCandidates(t *testing.T) {
	search := []string{"corp.example", "example."}
	for _, tc := range []struct {
		name  string
		ndots int
		want  []string
	}{
		{"host", 1, []string{"host.corp.example.", "host.example.", "host."}},
		{"host.sub", 1, []string{"host.sub.", "host.sub.corp.example.", "host.sub.example."}},
		{"host.sub", 2, []string{"host.sub.corp.example.", "host.sub.example.", "host.sub."}},
		{"host", 0, []string{"host.", "host.corp.example.", "host.example."}},
		{"abs.example.", 5, []string{"abs.example."}},
	} {
		if got := candidates(tc.name, search, tc.ndots); !slices.Equal(got, tc.want) {
			t.Errorf("candidates(%q, ndots %d) = %q, want %q", tc.name, tc.ndots, got, tc.want)
		}
	}
	long := string(make([]byte, 0)) + "a"
	for len(long) < 240 {
		long += ".aaaaaaaaa"
	}
	if got := candidates(long, []string{"toolong.example"}, 1); !slices.Equal(got, []string{long + "."}) {
		t.Errorf("over-long candidate kept: %q", got)
	}
}

func TestValidName(t *testing.T) {
	for _, s := range []string{"a", "a.b.", "_srv._tcp.x", "xn--bcher-kva.example", "a-b.c"} {
		if !validName(s) {
			t.Errorf("validName(%q) = false", s)
		}
	}
	label63 := string(slices.Repeat([]byte("a"), 63))
	for _, s := range []string{"", ".", "a..b", ".a", "a b", "a\x00", "ü.example", label63 + "a", "a.b.."} {
		if validName(s) {
			t.Errorf("validName(%q) = true", s)
		}
	}
}

func TestSearchList(t *testing.T) {
	s := zone()
	s.records = append(s.records, aRec("db.prod.example.", 300, "192.0.2.7"))
	cfg := &Config{Servers: []netip.AddrPort{srv1}, Search: []string{"staging.example", "prod.example."}, Ndots: 1}
	e := newEnv(t, cfg, s)
	got, err := e.ip("ip4", "db")
	if err != nil || !slices.Equal(got, addrs("192.0.2.7")) {
		t.Fatalf("got %v %v", got, err)
	}
	want := []string{"db.staging.example. TypeA", "db.prod.example. TypeA"}
	if q := e.queried(); !slices.Equal(q, want) {
		t.Fatalf("queried %q, want %q", q, want)
	}
	// A name with ndots dots is tried as is first.
	e.tr.udp = nil
	got, err = e.ip("ip4", "a.example")
	if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
		t.Fatalf("got %v %v", got, err)
	}
	if q := e.queried(); !slices.Equal(q, []string{"a.example. TypeA"}) {
		t.Fatalf("queried %q", q)
	}
	// Every candidate fails: NXDOMAIN names the host as given.
	e.tr.udp = nil
	_, err = e.ip("ip4", "nope")
	var de *DNSError
	if !errors.As(err, &de) || !errors.Is(err, ErrNotFound) || de.Name != "nope" {
		t.Fatalf("got %v", err)
	}
	if n := len(e.tr.udp); n != 3 {
		t.Fatalf("%d queries, want 3", n)
	}
}

func TestSearchPrefersNoData(t *testing.T) {
	s := zone()
	cfg := &Config{Servers: []netip.AddrPort{srv1}, Search: []string{"example"}, Ndots: 1}
	e := newEnv(t, cfg, s)
	// v4only.example exists without AAAA; "v4only." does not exist.
	_, err := e.ip("ip6", "v4only")
	if !errors.Is(err, ErrNoData) {
		t.Fatalf("got %v, want NODATA", err)
	}
}

func TestSearchStopsOnTimeout(t *testing.T) {
	cfg := &Config{Servers: []netip.AddrPort{srv1}, Search: []string{"one.example", "two.example"}, Attempts: 1}
	e := newEnv(t, cfg)
	_, err := e.ip("ip4", "x")
	if !errors.Is(err, ErrTimeout) || len(e.tr.udp) != 1 {
		t.Fatalf("got %v after %d queries", err, len(e.tr.udp))
	}
}

func TestSearchGoesOnAfterServerFailure(t *testing.T) {
	s := &fakeServer{rcode: dnsmessage.RCodeRefused}
	cfg := &Config{Servers: []netip.AddrPort{srv1}, Search: []string{"one.example", "two.example"}, Attempts: 1}
	e := newEnv(t, cfg, s)
	_, err := e.ip("ip4", "x")
	if !errors.Is(err, ErrRefused) || len(e.tr.udp) != 3 {
		t.Fatalf("got %v after %d queries", err, len(e.tr.udp))
	}
}

func TestLiteralsAndLocalhost(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		network, host string
		want          []netip.Addr
		err           error
	}{
		{"ip", "192.0.2.1", addrs("192.0.2.1"), nil},
		{"ip6", "2001:db8::1", addrs("2001:db8::1"), nil},
		{"ip6", "192.0.2.1", nil, ErrNoData},
		{"ip", "localhost", addrs("127.0.0.1", "::1"), nil},
		{"tcp4", "LocalHost.", addrs("127.0.0.1"), nil},
		{"ip6", "app.localhost", addrs("::1"), nil},
		{"ip", "bad..name", nil, ErrInvalidName},
		{"ip", "", nil, ErrInvalidName},
		{"unix", "a.example.", nil, ErrInvalidNetwork},
	} {
		got, err := e.ip(tc.network, tc.host)
		if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
			t.Errorf("LookupNetIP(%q, %q) = %v, %v; want %v, %v", tc.network, tc.host, got, err, tc.want, tc.err)
		}
	}
	if len(e.tr.udp) != 0 {
		t.Fatalf("%d queries sent", len(e.tr.udp))
	}
}

func TestHostsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	write := func(s string, mtime time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	write("192.0.2.10 web.example web\n2001:db8::10 web.example\n", t0)
	cfg := &Config{Servers: []netip.AddrPort{srv1}, HostsPath: path, HostsCheckInterval: 5 * time.Second}
	e := newEnv(t, cfg, zone())

	got, err := e.ip("ip", "WEB.example")
	if err != nil || !slices.Equal(got, addrs("192.0.2.10", "2001:db8::10")) {
		t.Fatalf("got %v %v", got, err)
	}
	res := &result[string]{t: t}
	e.r.LookupCNAME("web", res.cb)
	e.clk.RunAll()
	if res.val != "web.example." {
		t.Fatalf("canonical %q", res.val)
	}
	names := &result[[]string]{t: t}
	e.r.LookupAddr(netip.MustParseAddr("192.0.2.10"), names.cb)
	e.clk.RunAll()
	if !slices.Equal(names.val, []string{"web.example.", "web."}) {
		t.Fatalf("LookupAddr from hosts: %q %v", names.val, names.err)
	}
	// A listed name without an address of the family goes on to DNS.
	write("192.0.2.10 web.example web\n192.0.2.1 a.example\n", t0.Add(time.Hour))
	e.clk.Advance(6 * time.Second)
	got, err = e.ip("ip6", "a.example.")
	if err != nil || !slices.Equal(got, addrs("2001:db8::1")) {
		t.Fatalf("got %v %v", got, err)
	}
	if len(e.tr.udp) != 1 {
		t.Fatalf("%d queries, want 1", len(e.tr.udp))
	}

	// Changes are noticed only after the check interval.
	write("192.0.2.99 web\n", t0.Add(2*time.Hour))
	got, _ = e.ip("ip4", "web")
	if !slices.Equal(got, addrs("192.0.2.10")) {
		t.Fatalf("re-read before the interval: %v", got)
	}
	e.clk.Advance(5 * time.Second)
	got, _ = e.ip("ip4", "web")
	if !slices.Equal(got, addrs("192.0.2.99")) {
		t.Fatalf("change not picked up: %v", got)
	}
	// A removed file means no hosts entries.
	os.Remove(path)
	e.clk.Advance(5 * time.Second)
	if _, err := e.ip("ip4", "web."); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after removal: %v", err)
	}
}

func TestRecordLookups(t *testing.T) {
	s := &fakeServer{records: []dnsmessage.Resource{
		rr("example.", 60, &dnsmessage.MXResource{Pref: 20, MX: mustName("mx2.example.")}),
		rr("example.", 60, &dnsmessage.MXResource{Pref: 10, MX: mustName("mx1.example.")}),
		rr("example.", 60, &dnsmessage.MXResource{Pref: 5, MX: mustName("bad\x01name.example.")}),
		rr("example.", 60, &dnsmessage.TXTResource{TXT: []string{"v=spf1 ", "-all"}}),
		rr("example.", 60, &dnsmessage.TXTResource{TXT: []string{"second"}}),
		rr("example.", 60, &dnsmessage.NSResource{NS: mustName("ns1.example.")}),
		rr("_http._tcp.example.", 60, &dnsmessage.SRVResource{Priority: 2, Weight: 0, Port: 8080, Target: mustName("c.example.")}),
		rr("_http._tcp.example.", 60, &dnsmessage.SRVResource{Priority: 1, Weight: 5, Port: 80, Target: mustName("a.example.")}),
		rr("_http._tcp.example.", 60, &dnsmessage.SRVResource{Priority: 1, Weight: 10, Port: 80, Target: mustName("b.example.")}),
		rr("1.2.0.192.in-addr.arpa.", 60, &dnsmessage.PTRResource{PTR: mustName("a.example.")}),
		rr("only-bad.example.", 60, &dnsmessage.MXResource{Pref: 1, MX: mustName("x y.")}),
	}}
	e := newEnv(t, nil, s)

	mx := &result[[]*net.MX]{t: t}
	e.r.LookupMX("example.", mx.cb)
	txt := &result[[]string]{t: t}
	e.r.LookupTXT("example.", txt.cb)
	ns := &result[[]*net.NS]{t: t}
	e.r.LookupNS("example.", ns.cb)
	var cname string
	srv := &result[[]*net.SRV]{t: t}
	e.r.LookupSRV("http", "tcp", "example.", func(c string, v []*net.SRV, err error) { cname = c; srv.cb(v, err) })
	ptr := &result[[]string]{t: t}
	e.r.LookupAddr(netip.MustParseAddr("192.0.2.1"), ptr.cb)
	bad := &result[[]*net.MX]{t: t}
	e.r.LookupMX("only-bad.example.", bad.cb)
	e.clk.RunAll()

	if mx.err != nil || len(mx.val) != 2 || *mx.val[0] != (net.MX{Host: "mx1.example.", Pref: 10}) || *mx.val[1] != (net.MX{Host: "mx2.example.", Pref: 20}) {
		t.Errorf("MX %v %v", mx.val, mx.err)
	}
	if !slices.Equal(txt.val, []string{"v=spf1 -all", "second"}) {
		t.Errorf("TXT %q %v", txt.val, txt.err)
	}
	if ns.err != nil || len(ns.val) != 1 || ns.val[0].Host != "ns1.example." {
		t.Errorf("NS %v %v", ns.val, ns.err)
	}
	if srv.err != nil || len(srv.val) != 3 || srv.val[2].Target != "c.example." || srv.val[0].Priority != 1 || cname != "_http._tcp.example." {
		t.Errorf("SRV %q %v %v", cname, srv.val, srv.err)
	}
	if !slices.Equal(ptr.val, []string{"a.example."}) {
		t.Errorf("PTR %q %v", ptr.val, ptr.err)
	}
	if !errors.Is(bad.err, ErrMalformed) {
		t.Errorf("MX with only invalid hosts: %v %v", bad.val, bad.err)
	}
	if q := e.tr.udp[4].q.Questions[0]; q.Name.String() != "1.2.0.192.in-addr.arpa." || q.Type != dnsmessage.TypePTR {
		t.Errorf("PTR query %v", q)
	}
}

func TestSRVWeights(t *testing.T) {
	e := newEnv(t, nil)
	first := map[string]int{}
	for range 2000 {
		srv := []*net.SRV{
			{Target: "zero.", Priority: 1, Weight: 0},
			{Target: "light.", Priority: 1, Weight: 1},
			{Target: "heavy.", Priority: 1, Weight: 9},
			{Target: "backup.", Priority: 2, Weight: 100},
		}
		e.r.sortSRV(srv)
		if srv[2].Target != "zero." || srv[3].Target != "backup." {
			t.Fatalf("order %v %v %v %v", srv[0], srv[1], srv[2], srv[3])
		}
		first[srv[0].Target]++
	}
	// heavy is drawn first with probability 0.9; 1500 is far below that.
	if first["heavy."] < 1500 || first["light."] == 0 {
		t.Fatalf("first picks %v", first)
	}
}

func TestReverseName(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":          "1.2.0.192.in-addr.arpa.",
		"::ffff:10.0.0.1":    "1.0.0.10.in-addr.arpa.",
		"2001:db8::567:89ab": "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		"fe80::1%eth0":       "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa.",
	} {
		if got := ReverseName(netip.MustParseAddr(in)); got != want {
			t.Errorf("ReverseName(%s) = %s, want %s", in, got, want)
		}
	}
	if ReverseName(netip.Addr{}) != "" {
		t.Error("zero Addr")
	}
	e := newEnv(t, nil)
	res := &result[[]string]{t: t}
	e.r.LookupAddr(netip.Addr{}, res.cb)
	e.clk.RunAll()
	if !errors.Is(res.err, ErrInvalidName) {
		t.Fatalf("LookupAddr(zero): %v", res.err)
	}
}

func TestErrorStrings(t *testing.T) {
	e := &DNSError{Name: "x.example", Server: srv1, Err: ErrNotFound}
	if got, want := e.Error(), "dns: lookup x.example on 192.0.2.53:53: no such host"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	ne := e.NetError()
	if ne.Err != "no such host" || ne.Server != "192.0.2.53:53" || !errors.Is(ne, ErrNotFound) {
		t.Fatalf("NetError %+v", ne)
	}
}
