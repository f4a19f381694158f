package dns

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"golang.org/x/net/dns/dnsmessage"
)

// fateServer answers on a real UDP socket with the fate its question's
// name asks for, per family: a name "A-AAAA.fate.test." gets fate A for
// type A and fate AAAA for type AAAA, among ok (one address), nodata,
// nx (NXDOMAIN), servfail, refused, timeout (no answer), tcpfail (a
// truncated answer, and a TCP connection closed at once: the TCP retry
// fails), badvers and badcookie (NOERROR with an OPT record whose
// extended RCODE is BADVERS, 16, or BADCOOKIE, 23), and badvers1 (BADVERS
// from a server of EDNS version 1), and noedns (badvers to a query with
// an OPT record, ok to one without). Such mixed fates,
// one family's not the other's, are what no real zone server gives.
// The TCP listener on the same port is there so that no other process
// can answer in its place. Both stop when the test ends.
func fateServer(t *testing.T) netip.AddrPort {
	t.Helper()
	// The UDP port the kernel picks may be taken for TCP: pick again.
	var (
		pc   *net.UDPConn
		ln   *net.TCPListener
		addr netip.AddrPort
	)
	for try := 0; ln == nil; try++ {
		var err error
		pc, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
		ln, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
		if err != nil {
			pc.Close()
			if try == 20 || !errors.Is(err, syscall.EADDRINUSE) {
				t.Fatal(err)
			}
		}
	}
	done := make(chan struct{}, 2)
	t.Cleanup(func() {
		pc.Close()
		ln.Close()
		<-done
		<-done
	})
	go func() {
		defer func() { done <- struct{}{} }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
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
			if out := fateAnswer(m); out != nil {
				pc.WriteToUDPAddrPort(out, from)
			}
		}
	}()
	return addr
}

// fateAnswer builds the response to q for the fate its name gives its
// type, or nil for no response.
func fateAnswer(q dnsmessage.Message) []byte {
	question := q.Questions[0]
	label, _, _ := strings.Cut(question.Name.String(), ".")
	fates := strings.Split(label, "-")
	fate := fates[0]
	if question.Type == dnsmessage.TypeAAAA && len(fates) > 1 {
		fate = fates[1]
	}
	if fate == "noedns" { // BADVERS to a query with an OPT record, an address to one without
		fate = "ok"
		if len(q.Additionals) > 0 {
			fate = "badvers"
		}
	}
	resp := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: q.ID, Response: true, RecursionDesired: true, RecursionAvailable: true},
		Questions: q.Questions,
	}
	ext := dnsmessage.RCode(0)
	switch fate {
	case "ok":
		h := dnsmessage.ResourceHeader{Name: question.Name, Type: question.Type, Class: dnsmessage.ClassINET, TTL: 60}
		if question.Type == dnsmessage.TypeA {
			resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: h, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}}})
		} else {
			resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: h, Body: &dnsmessage.AAAAResource{AAAA: netip.MustParseAddr("2001:db8::1").As16()}})
		}
	case "nodata":
	case "nx":
		resp.RCode = dnsmessage.RCodeNameError
	case "servfail":
		resp.RCode = dnsmessage.RCodeServerFailure
	case "refused":
		resp.RCode = dnsmessage.RCodeRefused
	case "tcpfail":
		resp.Truncated = true
	case "badvers":
		ext = 16
	case "badcookie":
		ext = 23
	case "badvers1": // BADVERS from a server of version 1, as RFC 6891 §6.1.3 asks
		ext = 16 | 1<<12
	default: // timeout
		return nil
	}
	if ext != 0 {
		var h dnsmessage.ResourceHeader
		if err := h.SetEDNS0(1232, ext&0xFFF, false); err != nil {
			panic(err)
		}
		h.TTL |= uint32(ext>>12) << 16 // VERSION
		resp.RCode = ext & 0xF
		resp.Additionals = append(resp.Additionals, dnsmessage.Resource{Header: h, Body: &dnsmessage.OPTResource{}})
	}
	out, err := resp.Pack()
	if err != nil {
		panic(err)
	}
	return out
}

// TestFamilyFates: how a lookup of both families ("ip") combines the
// fates of its A and AAAA queries when they differ. Addresses of either
// family always win. NXDOMAIN says the name does not exist, for every
// type (RFC 8020), so it wins over the other family's NODATA, server
// failure or timeout (as glibc ranks an NXDOMAIN for A). Otherwise a
// timeout (or a server that could not be reached) says that the other
// family's answer is not the whole story: the lookup fails with it. A
// server failure or refusal beats NODATA for the same reason (glibc
// says TRY_AGAIN for SERVFAIL beside NODATA); between two such failures
// the A query's decides. Each fate is asked in both orders, except where
// the two families' failures differ in kind only.
func TestFamilyFates(t *testing.T) {
	leakcheck.Check(t)
	srv := fateServer(t)
	cfg := &Config{Servers: []netip.AddrPort{srv}, Timeout: 300 * time.Millisecond, Attempts: 1}
	for _, tc := range []struct {
		a, aaaa string
		want    error // nil: addresses
		rcode   dnsmessage.RCode
		both    bool // the same result with the fates swapped
	}{
		{"ok", "nodata", nil, 0, true},
		{"ok", "nx", nil, 0, true},
		{"ok", "servfail", nil, 0, true},
		{"ok", "timeout", nil, 0, true},
		{"ok", "tcpfail", nil, 0, true},
		{"ok", "badvers", nil, 0, true},
		{"nx", "nodata", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "servfail", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "refused", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "timeout", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "tcpfail", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "badvers", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nx", "nx", ErrNotFound, dnsmessage.RCodeNameError, true},
		{"nodata", "timeout", ErrTimeout, 0, true},
		{"servfail", "timeout", ErrTimeout, 0, true},
		{"refused", "tcpfail", ErrUnreachable, 0, true},
		{"timeout", "tcpfail", ErrTimeout, 0, true},
		{"nodata", "servfail", ErrServerFailure, dnsmessage.RCodeServerFailure, true},
		{"nodata", "refused", ErrRefused, dnsmessage.RCodeRefused, true},
		{"nodata", "badvers", ErrBadVersion, 16, true},
		{"nodata", "badvers1", ErrBadVersion, 16, true},
		{"nodata", "badcookie", ErrServerFailure, 23, true},
		{"servfail", "refused", ErrServerFailure, dnsmessage.RCodeServerFailure, false},
		{"refused", "servfail", ErrRefused, dnsmessage.RCodeRefused, false},
		{"nodata", "nodata", ErrNoData, 0, true},
	} {
		orders := [][2]string{{tc.a, tc.aaaa}}
		if tc.both && tc.a != tc.aaaa {
			orders = append(orders, [2]string{tc.aaaa, tc.a})
		}
		for _, o := range orders {
			name := o[0] + "-" + o[1] + ".fate.test."
			e := newLiveEnv(t, cfg)
			got, err := e.ip("ip", name)
			if tc.want == nil {
				if err != nil || len(got) != 1 {
					t.Errorf("%s: %v, %v; want one address", name, got, err)
				}
				continue
			}
			var de *DNSError
			if !errors.As(err, &de) || !errors.Is(err, tc.want) || de.Name != name || de.RCode != tc.rcode {
				t.Errorf("%s: %v; want %v with rcode %v", name, err, tc.want, tc.rcode)
			}
		}
	}
}

// TestBadVersionFallback: with EDNS0 on, a server answering BADVERS to the
// OPT record (version 0, which it should implement if it implements any)
// is asked again without it, as after FORMERR (RFC 6891 §6.1.3 and §7);
// one that answers BADVERS to that too fails the lookup with
// ErrBadVersion. Before the extended RCODE was read, BADVERS read as
// NOERROR: an empty answer, NODATA, cached.
func TestBadVersionFallback(t *testing.T) {
	leakcheck.Check(t)
	srv := fateServer(t)
	e := newLiveEnv(t, &Config{Servers: []netip.AddrPort{srv}, EDNS0: true, Timeout: 5 * time.Second, Attempts: 1})
	if got, err := e.ip("ip4", "noedns.fate.test."); err != nil || len(got) != 1 {
		t.Fatalf("noedns: %v %v, want one address", got, err)
	}
	if st := e.stats(); st.EDNSFallbacks != 1 {
		t.Fatalf("%d EDNS0 fallbacks, want 1", st.EDNSFallbacks)
	}
	e = newLiveEnv(t, &Config{Servers: []netip.AddrPort{srv}, EDNS0: true, Timeout: 5 * time.Second, Attempts: 1})
	_, err := e.ip("ip4", "badvers.fate.test.")
	var de *DNSError
	if !errors.As(err, &de) || !errors.Is(err, ErrBadVersion) || de.RCode != rcodeBadVersion {
		t.Fatalf("badvers: %v, want ErrBadVersion with rcode 16", err)
	}
	if st := e.stats(); st.EDNSFallbacks != 1 {
		t.Fatalf("%d EDNS0 fallbacks, want 1", st.EDNSFallbacks)
	}
}
