package eddy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/eddy-go/eddy/dns"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// lookup starts a lookup of host on l's resolver and returns where its
// result will be.
func lookup(t *testing.T, l *Loop, network, host string) *lookupResult {
	r := &lookupResult{}
	l.Resolver().LookupNetIP(network, host, func(addrs []netip.Addr, err error) {
		r.n++
		r.addrs, r.err = addrs, err
		// Once the answer is in, the resolver holds nothing that keeps
		// the loop alive.
		l.NextTick(func() {
			r.refs, r.pconns, r.conns = l.refs, len(l.pconns), l.conns.n
			if r.then != nil {
				r.then()
			}
		})
	})
	return r
}

type lookupResult struct {
	n                   int
	addrs               []netip.Addr
	err                 error
	refs, pconns, conns int
	then                func() // runs on the loop once the counts are taken
}

func (r *lookupResult) check(t *testing.T, want ...string) {
	t.Helper()
	if r.n != 1 || r.err != nil {
		t.Fatalf("%d callbacks, err %v", r.n, r.err)
	}
	var got []string
	for _, a := range r.addrs {
		got = append(got, a.String())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("addresses %v, want %v", got, want)
	}
	if r.refs != 0 || r.pconns != 0 || r.conns != 0 {
		t.Fatalf("after the answer: %d refs, %d datagram sockets, %d connections", r.refs, r.pconns, r.conns)
	}
}

// The lookup in flight keeps the loop alive (nothing else does), and the
// loop ends once it is answered.
func TestResolverLookupUDP(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"a.test,192.0.2.1,2001:db8::1"}})
	l := dnsLoop(t, srv)
	r := lookup(t, l, "ip", "a.test")
	run(t, l)
	r.check(t, "192.0.2.1", "2001:db8::1")
	if st := l.Resolver().Stats(); st.UDPTries == 0 || st.TCPTries != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestResolverLookupTCP(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"a.test,192.0.2.1,2001:db8::1"}})
	l := dnsLoop(t, srv)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)}, UseTCP: true})
	r := lookup(t, l, "ip6", "a.test")
	run(t, l)
	r.check(t, "2001:db8::1")
	if st := l.Resolver().Stats(); st.TCPTries == 0 || st.UDPTries != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// An answer too big for 512 bytes of UDP comes truncated and is asked
// again over TCP.
func TestResolverTruncatedAnswer(t *testing.T) {
	leakcheck.Check(t)
	var recs testenv.DNSRecords
	var want []string
	for i := 1; i <= 40; i++ {
		recs.Hosts = append(recs.Hosts, fmt.Sprintf("big.test,10.0.0.%d", i))
		want = append(want, fmt.Sprintf("10.0.0.%d", i))
	}
	srv := testenv.Dnsmasq(t, recs)
	l := dnsLoop(t, srv)
	r := lookup(t, l, "ip4", "big.test")
	run(t, l)
	r.check(t, want...)
	if st := l.Resolver().Stats(); st.Truncated == 0 || st.TCPTries == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestResolverSetConfigLater(t *testing.T) {
	leakcheck.Check(t)
	srv1 := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"a.test,192.0.2.1"}})
	srv2 := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"a.test,192.0.2.2"}})
	l := dnsLoop(t, srv1)
	first := l.Resolver()
	var r2 *lookupResult
	r1 := lookup(t, l, "ip4", "a.test")
	r1.then = func() {
		l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv2.Addr)}})
		r2 = lookup(t, l, "ip4", "a.test")
	}
	run(t, l)
	r1.check(t, "192.0.2.1")
	r2.check(t, "192.0.2.2")
	if l.Resolver() == first {
		t.Fatal("SetResolverConfig kept the old resolver")
	}
}

// A loop that stops closes its resolver: a lookup in flight fails with
// dns.ErrClosed, and its socket is closed.
func TestResolverClosedWithLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{sinkServer(t)}, Timeout: time.Minute})
	r := lookup(t, l, "ip4", "slow.example")
	l.AfterFunc(10*time.Millisecond, l.Stop)
	run(t, l)
	if r.n != 1 || !errors.Is(r.err, dns.ErrClosed) {
		t.Fatalf("%d callbacks, err %v", r.n, r.err)
	}
}

func TestLoopTransportUDP(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	srv, err := l.ListenPacket("udp4", "127.0.0.1:0", PacketFunc(func(pc *PacketConn, p []byte, from net.Addr) {
		pc.WriteTo(append([]byte("re:"), p...), from)
		pc.WriteTo([]byte("second"), from)
	}))
	if err != nil {
		t.Fatal(err)
	}
	server := srv.LocalAddr().(*net.UDPAddr).AddrPort()
	var got []string
	var froms []netip.AddrPort
	inside := true
	var cancel func()
	cancel, err = loopTransport{l}.ExchangeUDP(server, []byte("q"), func(from netip.AddrPort, resp []byte) {
		if inside {
			t.Error("callback inside ExchangeUDP")
		}
		got = append(got, string(resp))
		froms = append(froms, from)
		if len(got) == 2 {
			cancel()
			cancel() // idempotent
			srv.Close()
		}
	})
	inside = false
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if !slices.Equal(got, []string{"re:q", "second"}) || froms[0] != server || froms[1] != server {
		t.Fatalf("got %q from %v, want answers from %v", got, froms, server)
	}
}

// tcpServer answers every DNS-over-TCP query with answer, written by
// write (which may split it).
func tcpServer(t *testing.T, l *Loop, write func(c *Conn, frame []byte)) (*Listener, netip.AddrPort) {
	t.Helper()
	var buf []byte
	ln, err := l.Listen("tcp4", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			buf = append(buf, d...)
			if len(buf) >= 2 && len(buf) >= 2+int(buf[0])<<8|int(buf[1]) {
				frame, _ := dns.AppendTCPFrame(nil, append([]byte("answer to "), buf[2:]...))
				write(c, frame)
			}
			return len(d)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ln, ln.Addr().(*net.TCPAddr).AddrPort()
}

// The answer arrives in two pieces, split inside the length prefix.
func TestLoopTransportTCP(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, server := tcpServer(t, l, func(c *Conn, frame []byte) {
		c.Write(frame[:1])
		l.AfterFunc(5*time.Millisecond, func() { c.Write(frame[1:]); c.Close() })
	})
	var got []byte
	var gotErr error
	n := 0
	inside := true
	_, err := loopTransport{l}.ExchangeTCP(server, []byte("q?"), func(resp []byte, err error) {
		if inside {
			t.Error("callback inside ExchangeTCP")
		}
		n++
		got, gotErr = bytes.Clone(resp), err
		ln.Close()
	})
	inside = false
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if n != 1 || gotErr != nil || string(got) != "answer to q?" {
		t.Fatalf("%d callbacks: %q, %v", n, got, gotErr)
	}
}

func TestLoopTransportTCPRefused(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	inside := true
	_, err = loopTransport{l}.ExchangeTCP(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)), []byte("q"), func(resp []byte, err error) {
		if inside {
			t.Error("callback inside ExchangeTCP")
		}
		errs = append(errs, err)
	})
	inside = false
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if len(errs) != 1 || !errors.Is(errs[0], ErrRefused) {
		t.Fatalf("errors %v", errs)
	}
}

// A server that closes in the middle of an answer.
func TestLoopTransportTCPCutShort(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, server := tcpServer(t, l, func(c *Conn, frame []byte) {
		c.Write(frame[:5])
		c.Close()
	})
	var errs []error
	_, err := loopTransport{l}.ExchangeTCP(server, []byte("q"), func(resp []byte, err error) {
		errs = append(errs, err)
		ln.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Fatalf("errors %v", errs)
	}
}

// After cancel, no callback runs and the connection is closed.
func TestLoopTransportTCPCancel(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var cancel func()
	calls := 0
	var ln *Listener
	ln, err := l.Listen("tcp4", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			cancel() // the query arrived: give up before answering
			cancel()
			ln.Close()
			l.NextTick(func() { c.Write([]byte{0, 1, 'x'}) }) // too late
			return len(d)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	server := ln.Addr().(*net.TCPAddr).AddrPort()
	cancel, err = loopTransport{l}.ExchangeTCP(server, []byte("q"), func([]byte, error) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if calls != 0 {
		t.Fatalf("%d callbacks after cancel", calls)
	}
}
