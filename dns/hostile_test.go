package dns

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/testenv"
	"golang.org/x/net/dns/dnsmessage"
)

// TestSearchReportsAsIsError: when a name with ndots dots was tried as is
// first and every candidate failed, the error is the one for the name as
// given, as glibc's res_search reports it (and Go's resolver prefers it):
// not a NODATA or a server failure of some search-list expansion.
func TestSearchReportsAsIsError(t *testing.T) {
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts: []string{"db.prod.example.test,192.0.2.9"},
	}, testenv.Args(
		"--local=/example.test/", // NXDOMAIN under example.test
		"--local=/prod/",         // and under prod; anything else is REFUSED
		"--local-ttl=30",
	))
	addr := netip.MustParseAddrPort(srv.Addr)
	for _, tc := range []struct {
		name, network string
		search        []string
	}{
		// nothing.example.test. is NXDOMAIN, the expansion REFUSED.
		{"nothing.example.test", "ip4", []string{"elsewhere.invalid"}},
		// db.prod. is NXDOMAIN, db.prod.example.test. has no AAAA.
		{"db.prod", "ip6", []string{"example.test"}},
	} {
		e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{addr}, Search: tc.search, Ndots: 1, Timeout: 2 * time.Second, Attempts: 1})
		_, err := e.ip(tc.network, tc.name)
		var de *DNSError
		if !errors.As(err, &de) || !errors.Is(err, ErrNotFound) || de.Name != tc.name {
			t.Errorf("%s %s: got %v, want NXDOMAIN for the name as given", tc.network, tc.name, err)
		}
		if n := e.tr.udpCount.Load(); n != 2 {
			t.Errorf("%s %s: %d queries, want 2 (as is, then the search list)", tc.network, tc.name, n)
		}
	}
}

// TestTTLWithHighBitNotCached: a TTL with its most significant bit set
// counts as zero (RFC 2181 §8), so the answer is not cached, instead of
// being kept for CacheMaxTTL.
func TestTTLWithHighBitNotCached(t *testing.T) {
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts: []string{"huge.example.test,192.0.2.5,3000000000", "fine.example.test,192.0.2.6,60"},
	})
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)}, Timeout: 2 * time.Second})
	for _, name := range []string{"huge.example.test.", "huge.example.test.", "fine.example.test.", "fine.example.test."} {
		if got, err := e.ip("ip4", name); err != nil || len(got) != 1 {
			t.Fatalf("%s: %v %v", name, got, err)
		}
	}
	// huge twice (never cached), fine once (then cached).
	if n := e.tr.udpCount.Load(); n != 3 {
		t.Fatalf("%d queries, want 3", n)
	}
}

// hostileServer answers every query on a real UDP socket with a CNAME
// from the name asked to target, and a record of the type asked owned by
// target. It returns the server's address.
func hostileServer(t *testing.T, target string) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || len(m.Questions) != 1 {
				continue
			}
			q := m.Questions[0]
			tn := dnsmessage.Name{Length: uint8(len(target))}
			copy(tn.Data[:], target)
			resp := dnsmessage.Message{
				Header:    dnsmessage.Header{ID: m.ID, Response: true, RecursionDesired: true, RecursionAvailable: true},
				Questions: m.Questions,
				Answers: []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeCNAME, Class: dnsmessage.ClassINET, TTL: 60},
					Body:   &dnsmessage.CNAMEResource{CNAME: tn},
				}},
			}
			h := dnsmessage.ResourceHeader{Name: tn, Type: q.Type, Class: dnsmessage.ClassINET, TTL: 60}
			switch q.Type {
			case dnsmessage.TypeA:
				resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: h, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}})
			case dnsmessage.TypeSRV:
				resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: h,
					Body: &dnsmessage.SRVResource{Target: dnsmessage.MustNewName("ok.example."), Port: 80}})
			}
			out, err := resp.Pack()
			if err != nil {
				panic(err)
			}
			pc.WriteToUDPAddrPort(out, from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// TestCanonicalNameValidated: a canonical name taken from a CNAME record
// is checked like every other name an answer gives the caller, so that a
// hostile server cannot smuggle odd bytes through LookupCNAME or
// LookupSRV (the hole Go closed in CVE-2021-33195).
func TestCanonicalNameValidated(t *testing.T) {
	srv := hostileServer(t, "bad\x00name\n.example.")
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{srv}, Timeout: 2 * time.Second, Attempts: 1})
	cname, err := await(e, func(cb func(string, error)) { e.r.LookupCNAME("evil.example.", cb) })
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("LookupCNAME = %q, %v; want ErrMalformed", cname, err)
	}
	type srvRes struct {
		cname string
		n     int
	}
	got, err := await(e, func(cb func(srvRes, error)) {
		e.r.LookupSRV("x", "tcp", "evil.example.", func(c string, s []*net.SRV, err error) { cb(srvRes{c, len(s)}, err) })
	})
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("LookupSRV = %q (%d records), %v; want ErrMalformed", got.cname, got.n, err)
	}
	// Addresses do not carry the name: they are still returned.
	if addrs, err := e.ip("ip4", "evil.example."); err != nil || len(addrs) != 1 {
		t.Errorf("LookupNetIP = %v, %v", addrs, err)
	}
}

// TestResolvConfHugeTimeout: a timeout option too large to count in
// nanoseconds is capped at 30 s like any other large value, not wrapped
// around to some other duration.
func TestResolvConfHugeTimeout(t *testing.T) {
	for _, v := range []string{"31", "9223372037", "18446744074", "99999999999999999999"} {
		cfg, err := ParseResolvConf(strings.NewReader("nameserver 192.0.2.53\noptions timeout:" + v + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Timeout != 30*time.Second {
			t.Errorf("timeout:%s gave %v, want 30s", v, cfg.Timeout)
		}
	}
}

// TestSearchTimeoutAfterAsIs: when the name as given was tried first and
// answered NXDOMAIN, a search-list expansion that then times out ends the
// search with the NXDOMAIN, as glibc reports it, not with the timeout.
func TestSearchTimeoutAfterAsIs(t *testing.T) {
	dead := deadServer(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{}, testenv.Args(
		"--local=/example.test/", // NXDOMAIN under example.test
		// forwarded to a server that never answers
		"--server=/slow.invalid/"+dead.Addr().String()+"#"+strconv.Itoa(int(dead.Port())),
	))
	e := newLiveEnv(t, &Config{
		Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)},
		Search:  []string{"slow.invalid"}, Ndots: 1, Timeout: 300 * time.Millisecond, Attempts: 1,
	})
	_, err := e.ip("ip4", "nothing.example.test")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want NXDOMAIN for the name as given", err)
	}
	if st := e.stats(); st.Timeouts != 1 {
		t.Fatalf("stats %+v: the expansion did not time out", st)
	}
}
