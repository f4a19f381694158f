package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/testenv"
)

// TestDnsmasq runs the resolver against real dnsmasq servers over real
// UDP and TCP sockets: "rec" answers like a recursive server (CNAME chains
// followed in the answer, NXDOMAIN without SOA), "auth" answers
// authoritatively for example.test (negative answers carry an SOA whose
// minimum is 30 s).
func TestDnsmasq(t *testing.T) {
	var big []string
	for i := 1; i <= 40; i++ {
		big = append(big, fmt.Sprintf("big.example.test,10.0.0.%d", i))
	}
	rec := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts:  append([]string{"a.example.test,192.0.2.1,2001:db8::1", "v4.example.test,192.0.2.4"}, big...),
		CNAMEs: []string{"c1.example.test,c2.example.test", "c2.example.test,a.example.test", "txtalias.example.test,t.example.test"},
		MX:     []string{"example.test,mail2.example.test,20", "example.test,mail.example.test,10"},
		TXT: []string{
			"t.example.test,v=spf1,-all",
			"bigtxt.example.test," + strings.Repeat("a", 300) + "," + strings.Repeat("b", 300),
		},
		SRV: []string{"_http._tcp.example.test,a.example.test,8080,1,5"},
		PTR: []string{"4.2.0.192.in-addr.arpa,v4.example.test"},
	}, testenv.Args(
		"--local-ttl=30",
		"--local=/example.test/",
		// NS example.test -> ns.example.test, as wire-format RDATA.
		"--dns-rr=example.test,2,026e73076578616d706c65047465737400",
	))
	auth := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts: []string{"a.example.test,192.0.2.1"},
	}, testenv.Args(
		"--auth-zone=example.test",
		"--auth-server=ns.example.test,127.0.0.1",
		"--auth-soa=1,hostmaster.example.test,1200,180,1209600",
		"--auth-ttl=30",
		"--local-ttl=30",
	))
	recAddr := netip.MustParseAddrPort(rec.Addr)
	authAddr := netip.MustParseAddrPort(auth.Addr)
	dead := deadServer(t)
	cfg := func(servers ...netip.AddrPort) *Config {
		return &Config{Servers: servers, Ndots: 1, Timeout: 2 * time.Second, Attempts: 2}
	}

	t.Run("A and AAAA", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		got, err := e.ip("ip", "a.example.test.")
		if err != nil || !slices.Equal(got, addrs("192.0.2.1", "2001:db8::1")) {
			t.Fatalf("got %v %v", got, err)
		}
		if n := e.tr.udpCount.Load(); n != 2 {
			t.Fatalf("%d exchanges, want 2", n)
		}
		got, err = e.ip("ip6", "A.Example.Test.")
		if err != nil || !slices.Equal(got, addrs("2001:db8::1")) || e.tr.udpCount.Load() != 2 {
			t.Fatalf("cached ip6: %v %v after %d exchanges", got, err, e.tr.udpCount.Load())
		}
	})

	t.Run("CNAME chain", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		got, err := e.ip("ip4", "c1.example.test.")
		if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
			t.Fatalf("got %v %v", got, err)
		}
		cname, err := await(e, func(cb func(string, error)) { e.r.LookupCNAME("c1.example.test.", cb) })
		if err != nil || cname != "a.example.test." {
			t.Fatalf("LookupCNAME = %q %v", cname, err)
		}
	})

	// An alias of a name without addresses (here one with a TXT record
	// only) has a canonical name all the same, as net.LookupCNAME finds;
	// a name that is no alias and has no addresses has none.
	t.Run("CNAME to a name without addresses", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		cname, err := await(e, func(cb func(string, error)) { e.r.LookupCNAME("txtalias.example.test.", cb) })
		if err != nil || cname != "t.example.test." {
			t.Fatalf("LookupCNAME(txtalias) = %q %v, want t.example.test.", cname, err)
		}
		if _, err := e.ip("ip", "txtalias.example.test."); !errors.Is(err, ErrNoData) {
			t.Fatalf("LookupNetIP(txtalias): %v, want ErrNoData", err)
		}
		cname, err = await(e, func(cb func(string, error)) { e.r.LookupCNAME("t.example.test.", cb) })
		if !errors.Is(err, ErrNoData) || cname != "" {
			t.Fatalf("LookupCNAME(t) = %q %v, want ErrNoData", cname, err)
		}
	})

	t.Run("MX TXT SRV NS PTR", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		mx, err := await(e, func(cb func([]*net.MX, error)) { e.r.LookupMX("example.test.", cb) })
		if err != nil || len(mx) != 2 || *mx[0] != (net.MX{Host: "mail.example.test.", Pref: 10}) || mx[1].Pref != 20 {
			t.Errorf("MX %v %v", mx, err)
		}
		txt, err := await(e, func(cb func([]string, error)) { e.r.LookupTXT("t.example.test.", cb) })
		if err != nil || !slices.Equal(txt, []string{"v=spf1-all"}) {
			t.Errorf("TXT %q %v", txt, err)
		}
		srv, err := await(e, func(cb func([]*net.SRV, error)) {
			e.r.LookupSRV("http", "tcp", "example.test.", func(_ string, s []*net.SRV, err error) { cb(s, err) })
		})
		if err != nil || len(srv) != 1 || *srv[0] != (net.SRV{Target: "a.example.test.", Port: 8080, Priority: 1, Weight: 5}) {
			t.Errorf("SRV %v %v", srv, err)
		}
		ns, err := await(e, func(cb func([]*net.NS, error)) { e.r.LookupNS("example.test.", cb) })
		if err != nil || len(ns) != 1 || ns[0].Host != "ns.example.test." {
			t.Errorf("NS %v %v", ns, err)
		}
		names, err := await(e, func(cb func([]string, error)) { e.r.LookupAddr(netip.MustParseAddr("192.0.2.4"), cb) })
		if err != nil || !slices.Contains(names, "v4.example.test.") {
			t.Errorf("PTR %q %v", names, err)
		}
	})

	t.Run("NXDOMAIN negative cache", func(t *testing.T) {
		e := newLiveEnv(t, cfg(authAddr))
		for range 2 {
			_, err := e.ip("ip4", "nx.example.test.")
			var de *DNSError
			if !errors.As(err, &de) || !errors.Is(err, ErrNotFound) || de.Server != authAddr {
				t.Fatalf("got %v", err)
			}
		}
		if n := e.tr.udpCount.Load(); n != 1 {
			t.Fatalf("%d exchanges, want 1 (second answer from the negative cache)", n)
		}
		// NODATA, also cached.
		for range 2 {
			if _, err := e.ip("ip6", "a.example.test."); !errors.Is(err, ErrNoData) {
				t.Fatalf("got %v, want NODATA", err)
			}
		}
		if n := e.tr.udpCount.Load(); n != 2 {
			t.Fatalf("%d exchanges, want 2", n)
		}
		// Past the SOA minimum, the server is asked again.
		e.advance(31 * time.Second)
		e.ip("ip4", "nx.example.test.")
		if n := e.tr.udpCount.Load(); n != 3 {
			t.Fatalf("%d exchanges, want 3", n)
		}
	})

	t.Run("NXDOMAIN without SOA is not cached", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		for range 2 {
			if _, err := e.ip("ip4", "nx.example.test."); !errors.Is(err, ErrNotFound) {
				t.Fatalf("got %v", err)
			}
		}
		if n := e.tr.udpCount.Load(); n != 2 {
			t.Fatalf("%d exchanges, want 2", n)
		}
	})

	t.Run("TTL expiry", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		e.ip("ip4", "a.example.test.")
		e.advance(29 * time.Second)
		e.ip("ip4", "a.example.test.")
		if n := e.tr.udpCount.Load(); n != 1 {
			t.Fatalf("%d exchanges within the TTL, want 1", n)
		}
		e.advance(2 * time.Second)
		if got, err := e.ip("ip4", "a.example.test."); err != nil || len(got) != 1 {
			t.Fatalf("got %v %v", got, err)
		}
		if n := e.tr.udpCount.Load(); n != 2 {
			t.Fatalf("%d exchanges after the TTL, want 2", n)
		}
	})

	t.Run("coalescing", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		type res struct {
			addrs []netip.Addr
			err   error
		}
		ch := make(chan res, 10)
		e.l.post(func() {
			for range 10 {
				e.r.LookupNetIP("ip4", "a.example.test.", func(a []netip.Addr, err error) { ch <- res{a, err} })
			}
		})
		for range 10 {
			r := <-ch
			if r.err != nil || !slices.Equal(r.addrs, addrs("192.0.2.1")) {
				t.Fatalf("got %v %v", r.addrs, r.err)
			}
		}
		if n := e.tr.udpCount.Load(); n != 1 {
			t.Fatalf("%d exchanges, want 1", n)
		}
	})

	t.Run("truncation falls back to TCP", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		got, err := e.ip("ip4", "big.example.test.")
		if err != nil || len(got) != 40 {
			t.Fatalf("got %d addresses, %v", len(got), err)
		}
		txt, err := await(e, func(cb func([]string, error)) { e.r.LookupTXT("bigtxt.example.test.", cb) })
		if err != nil || len(txt) != 1 || txt[0] != strings.Repeat("a", 300)+strings.Repeat("b", 300) {
			t.Fatalf("TXT %d records, %v", len(txt), err)
		}
		if st := e.stats(); st.Truncated != 2 || e.tr.tcpCount.Load() != 2 {
			t.Fatalf("stats %+v, %d TCP", st, e.tr.tcpCount.Load())
		}
	})

	t.Run("timeout then next server", func(t *testing.T) {
		c := cfg(dead, recAddr)
		c.Timeout, c.Attempts = 200*time.Millisecond, 1
		e := newLiveEnv(t, c)
		got, err := e.ip("ip4", "a.example.test.")
		if err != nil || len(got) != 1 {
			t.Fatalf("got %v %v", got, err)
		}
		if st := e.stats(); st.Timeouts != 1 || st.UDPTries != 2 {
			t.Fatalf("stats %+v", st)
		}
	})

	t.Run("all servers time out", func(t *testing.T) {
		c := cfg(dead)
		c.Timeout = 100 * time.Millisecond
		e := newLiveEnv(t, c)
		_, err := e.ip("ip4", "a.example.test.")
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		if st := e.stats(); st.Timeouts != 2 {
			t.Fatalf("stats %+v", st)
		}
	})

	t.Run("search list and ndots", func(t *testing.T) {
		c := cfg(recAddr)
		c.Search = []string{"elsewhere.invalid", "example.test"}
		e := newLiveEnv(t, c)
		// a.elsewhere.invalid. is REFUSED (no upstream), then
		// a.example.test. answers.
		got, err := e.ip("ip4", "a")
		if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
			t.Fatalf("got %v %v", got, err)
		}
		if n := e.tr.udpCount.Load(); n != 3 { // REFUSED is tried on both attempts
			t.Fatalf("%d exchanges, want 3", n)
		}
		// NXDOMAIN for nothing.example.test. but REFUSED for the other
		// candidates: the server failure wins, as "not found" would be
		// unproven.
		_, err = e.ip("ip4", "nothing")
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("got %v, want REFUSED", err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		e := newLiveEnv(t, cfg(recAddr))
		if _, err := e.ip("ip4", "x.elsewhere.invalid."); !errors.Is(err, ErrRefused) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("hosts file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "hosts")
		os.WriteFile(path, []byte("192.0.2.77 pinned.example.test pinned\n"), 0o644)
		c := cfg(recAddr)
		c.HostsPath = path
		e := newLiveEnv(t, c)
		got, err := e.ip("ip", "pinned")
		if err != nil || !slices.Equal(got, addrs("192.0.2.77")) || e.tr.udpCount.Load() != 0 {
			t.Fatalf("got %v %v", got, err)
		}
		got, err = e.ip("ip4", "a.example.test")
		if err != nil || len(got) != 1 || e.tr.udpCount.Load() != 1 {
			t.Fatalf("got %v %v", got, err)
		}
	})
}

// deadServer returns the address of a UDP socket that never answers.
func deadServer(t *testing.T) netip.AddrPort {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}
