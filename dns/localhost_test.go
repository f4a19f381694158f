package dns

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// TestLocalhostNeverAsked: RFC 6761 §6.3 has resolvers answer address
// lookups of "localhost" and names under it with loopback addresses and
// every other type with a negative answer, without asking DNS. The
// resolver did so for addresses only: MX, TXT, SRV and NS lookups and
// LookupCNAME went to the nameserver, which here (a real dnsmasq that
// does hold such records, as a misconfigured or hostile upstream might)
// answered them.
func TestLocalhostNeverAsked(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{
		Hosts:  []string{"elsewhere.example.test,192.0.2.66"},
		CNAMEs: []string{"app.localhost,elsewhere.example.test"},
		MX:     []string{"localhost,mail.example.test,10"},
		TXT:    []string{"localhost,leaked"},
		SRV:    []string{"_http._tcp.localhost,elsewhere.example.test,80,1,1"},
	}, testenv.Args("--local-ttl=30", "--dns-rr=localhost,2,026e73076578616d706c65047465737400"))
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)}, Timeout: 10 * time.Second, Attempts: 1})

	mx, err := await(e, func(cb func([]*net.MX, error)) { e.r.LookupMX("localhost", cb) })
	if !errors.Is(err, ErrNoData) {
		t.Errorf("LookupMX(localhost) = %v, %v; want NODATA", mx, err)
	}
	txt, err := await(e, func(cb func([]string, error)) { e.r.LookupTXT("LocalHost.", cb) })
	if !errors.Is(err, ErrNoData) {
		t.Errorf("LookupTXT(LocalHost.) = %q, %v; want NODATA", txt, err)
	}
	srvs, err := await(e, func(cb func([]*net.SRV, error)) {
		e.r.LookupSRV("http", "tcp", "localhost", func(_ string, s []*net.SRV, err error) { cb(s, err) })
	})
	if !errors.Is(err, ErrNoData) {
		t.Errorf("LookupSRV(_http._tcp.localhost) = %v, %v; want NODATA", srvs, err)
	}
	ns, err := await(e, func(cb func([]*net.NS, error)) { e.r.LookupNS("localhost", cb) })
	if !errors.Is(err, ErrNoData) {
		t.Errorf("LookupNS(localhost) = %v, %v; want NODATA", ns, err)
	}
	cname, err := await(e, func(cb func(string, error)) { e.r.LookupCNAME("app.localhost", cb) })
	if err != nil || cname != "app.localhost." {
		t.Errorf("LookupCNAME(app.localhost) = %q, %v; want app.localhost.", cname, err)
	}
	if got, err := e.ip("ip4", "app.localhost"); err != nil || len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("LookupNetIP(app.localhost) = %v, %v", got, err)
	}
	if n := e.tr.udpCount.Load(); n != 0 {
		t.Errorf("%d queries for localhost names went to the nameserver", n)
	}
	// The server did hold the records: other names still go to it.
	if got, err := e.ip("ip4", "elsewhere.example.test."); err != nil || len(got) != 1 {
		t.Fatalf("control lookup: %v %v", got, err)
	}
}
