package dns

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
	"golang.org/x/net/dns/dnsmessage"
)

// preEDNSServer stands for a nameserver from before EDNS0 (RFC 6891 §7): on
// a real UDP socket it answers a query that carries an OPT record with
// FORMERR (echoing the question, or, when bare, only the header, as some
// old servers do), and a query without one with an A record of 192.0.2.1
// for any name. It counts the queries of each kind. dnsmasq cannot be made
// to refuse EDNS0, hence this small server on package net.
type preEDNSServer struct {
	addr             netip.AddrPort
	withOPT, without atomic.Int64
}

func newPreEDNSServer(t *testing.T, bare bool) *preEDNSServer {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &preEDNSServer{addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
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
			resp := dnsmessage.Message{
				Header:    dnsmessage.Header{ID: m.ID, Response: true, RecursionDesired: m.RecursionDesired},
				Questions: m.Questions,
			}
			if slices.ContainsFunc(m.Additionals, func(r dnsmessage.Resource) bool { return r.Header.Type == dnsmessage.TypeOPT }) {
				s.withOPT.Add(1)
				resp.RCode = dnsmessage.RCodeFormatError
				if bare {
					resp.Questions = nil
				}
			} else {
				s.without.Add(1)
				resp.RecursionAvailable = true
				q := m.Questions[0]
				if q.Type == dnsmessage.TypeA {
					resp.Answers = []dnsmessage.Resource{{
						Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
						Body:   &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}},
					}}
				}
			}
			out, err := resp.Pack()
			if err != nil {
				panic(err)
			}
			pc.WriteToUDPAddrPort(out, from)
		}
	}()
	return s
}

// TestEDNS0FallbackOnFormErr: with EDNS0 on, a server that does not know
// OPT and answers FORMERR is asked again without it in the same try (RFC
// 6891 §7), and the resolver remembers that server for a while, so later
// queries go without OPT at once. It used to fail the lookup with a server
// failure (or, for a FORMERR without a question section, to wait for the
// timeout).
func TestEDNS0FallbackOnFormErr(t *testing.T) {
	for _, bare := range []bool{false, true} {
		t.Run(fmt.Sprintf("bare=%v", bare), func(t *testing.T) {
			leakcheck.Check(t)
			s := newPreEDNSServer(t, bare)
			// One attempt and one server: the fallback must happen within
			// the try, or the lookup fails. The timeout only bounds a hang.
			e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{s.addr}, EDNS0: true, Attempts: 1, Timeout: 5 * time.Second})
			got, err := e.ip("ip4", "a.example.")
			if err != nil || !slices.Equal(got, addrs("192.0.2.1")) {
				t.Fatalf("got %v %v", got, err)
			}
			if s.withOPT.Load() != 1 || s.without.Load() != 1 {
				t.Fatalf("server saw %d queries with OPT and %d without, want 1 and 1", s.withOPT.Load(), s.without.Load())
			}
			// Remembered: the next query goes without OPT.
			if _, err := e.ip("ip4", "b.example."); err != nil {
				t.Fatal(err)
			}
			if s.withOPT.Load() != 1 || s.without.Load() != 2 {
				t.Fatalf("server saw %d queries with OPT and %d without, want 1 and 2", s.withOPT.Load(), s.without.Load())
			}
			if st := e.stats(); st.EDNSFallbacks != 1 || st.Timeouts != 0 {
				t.Fatalf("stats %+v", st)
			}
			// Only for a while: the server may have been upgraded.
			e.advance(ednsFallbackTTL + time.Second)
			if _, err := e.ip("ip4", "c.example."); err != nil {
				t.Fatal(err)
			}
			if s.withOPT.Load() != 2 || s.without.Load() != 3 {
				t.Fatalf("server saw %d queries with OPT and %d without, want 2 and 3", s.withOPT.Load(), s.without.Load())
			}
		})
	}
}

// TestEDNS0Dnsmasq: a server that knows EDNS0 is not downgraded, and the
// larger payload lets 40 A records (about 700 bytes) come over UDP without
// the TCP fallback that TestDnsmasq sees for them.
func TestEDNS0Dnsmasq(t *testing.T) {
	leakcheck.Check(t)
	var big []string
	for i := 1; i <= 40; i++ {
		big = append(big, fmt.Sprintf("big.example.test,10.0.0.%d", i))
	}
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: big}, testenv.Args("--local-ttl=30"))
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)}, EDNS0: true, Timeout: 10 * time.Second})
	got, err := e.ip("ip4", "big.example.test.")
	if err != nil || len(got) != 40 {
		t.Fatalf("got %d addresses, %v", len(got), err)
	}
	if st := e.stats(); st.Truncated != 0 || st.TCPTries != 0 || st.EDNSFallbacks != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestEDNS0NotSentOverTCP: the TCP query that follows a truncated UDP
// answer carries no OPT record, whose only use here is the UDP payload
// size; a server that ignored OPT over UDP (answering TC without one)
// might refuse it over TCP.
func TestEDNS0NotSentOverTCP(t *testing.T) {
	s := zone()
	s.truncate = true
	e := newEnv(t, &Config{Servers: []netip.AddrPort{srv1}, EDNS0: true}, s)
	if _, err := e.ip("ip4", "a.example."); err != nil {
		t.Fatal(err)
	}
	if len(e.tr.udp) != 1 || len(e.tr.udp[0].q.Additionals) != 1 {
		t.Fatalf("UDP queries %+v", e.tr.udp)
	}
	if len(e.tr.tcp) != 1 || len(e.tr.tcp[0].q.Additionals) != 0 || e.tr.tcp[0].q.ID != e.tr.udp[0].q.ID {
		t.Fatalf("TCP query %+v", e.tr.tcp[0].q)
	}
}
