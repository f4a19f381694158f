package eddy

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/dns"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/poll"
	"github.com/eddy-go/eddy/internal/testenv"
)

// dnsLoop returns a loop whose resolver asks only srv.
func dnsLoop(t *testing.T, srv *testenv.Server) *Loop {
	t.Helper()
	l := newLoop(t)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(srv.Addr)}, Timeout: 2 * time.Second, Attempts: 1})
	return l
}

// sinkServer returns the address of a UDP socket that reads nothing, a
// nameserver that never answers.
func sinkServer(t *testing.T) netip.AddrPort {
	skipUnderWine(t, "std net cannot open UDP sockets: Wine 8 fails WSAIoctl(SIO_UDP_CONNRESET)")
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// blackhole returns an address of the loopback where connection attempts
// hang: a listener that never accepts, with its accept queue full, so the
// kernel drops further SYNs. port 0 picks a free port.
func blackhole(t *testing.T, ip netip.Addr, port int) *net.TCPAddr {
	t.Helper()
	network := "tcp4"
	if ip.Is6() {
		network = "tcp6"
	}
	var s poll.Sock
	var addr *net.TCPAddr
	for try := 0; ; try++ {
		p := port
		if p == 0 {
			var err error
			if p, err = testenv.FreePort(); err != nil {
				t.Fatal(err)
			}
		}
		addr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p)))
		var err error
		s, err = poll.Listen(network, addr, poll.ListenConfig{Backlog: 1})
		if err == nil {
			break
		}
		if port != 0 || try == 10 {
			t.Skipf("blackhole listener on %v: %v", addr, err)
		}
	}
	t.Cleanup(func() { poll.CloseSock(s) })
	// Fill the accept queue: the first dial that times out shows it full.
	for i := 0; ; i++ {
		c, err := net.DialTimeout(network, addr.String(), 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
		if i == 10 {
			t.Skip("cannot fill the accept queue of a loopback listener")
		}
	}
	return addr
}

// dialResult records what a dialing handler saw.
type dialResult struct {
	opened int
	closed int
	remote net.Addr
	got    string
	err    error
}

// echoOnce dials through h and records; on the first bytes read it closes
// the connection and the listener.
func echoOnce(r *dialResult, ln *Listener) *funcHandler {
	return &funcHandler{
		open: func(c *Conn) { r.opened++; r.remote = c.RemoteAddr() },
		data: func(c *Conn, d []byte) int {
			r.got += string(d)
			c.Close()
			ln.Close()
			return len(d)
		},
		close: func(_ *Conn, err error) {
			r.closed++
			r.err = err
			ln.Close()
		},
	}
}

func TestDialResolvesWithDNS(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"svc.test,127.0.0.1"}})
	l := dnsLoop(t, srv)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	var r dialResult
	c, err := l.Dial("tcp", net.JoinHostPort("svc.test", strconv.Itoa(port)), echoOnce(&r, ln))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write([]byte("queued")); err != nil { // before the lookup ends
		t.Fatal(err)
	}
	run(t, l)
	if r.opened != 1 || r.closed != 1 || r.err != nil || r.got != "queued" {
		t.Fatalf("opened %d closed %d err %v got %q", r.opened, r.closed, r.err, r.got)
	}
	if r.remote.String() != ln.Addr().String() {
		t.Fatalf("remote %v, want %v", r.remote, ln.Addr())
	}
	if st := l.Resolver().Stats(); st.Queries == 0 {
		t.Fatalf("resolver stats %+v: no query sent", st)
	}
}

// The name has an IPv6 and an IPv4 address; DialOrder tries ::1 first,
// where nothing listens. The attempt delay is an hour, so the IPv4 attempt
// can only start because the first one failed.
func TestDialFirstAddressRefused(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"two.test,127.0.0.1,::1"}})
	l := dnsLoop(t, srv)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	var r dialResult
	c, _ := l.Dial("tcp", net.JoinHostPort("two.test", strconv.Itoa(port)), echoOnce(&r, ln), WithAttemptDelay(time.Hour))
	c.Write([]byte("x"))
	d := c.ext.dial
	run(t, l)
	if len(d.errs) != 1 || d.errs[0].Addr.(*net.TCPAddr).IP.String() != "::1" {
		t.Fatalf("failed attempts %v, want the one to ::1", d.errs)
	}
	if r.opened != 1 || r.closed != 1 || r.err != nil || r.got != "x" {
		t.Fatalf("opened %d closed %d err %v got %q", r.opened, r.closed, r.err, r.got)
	}
	if r.remote.String() != ln.Addr().String() {
		t.Fatalf("remote %v, want %v", r.remote, ln.Addr())
	}
}

func TestDialAllAddressesRefused(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"dead.test,127.0.0.1,::1"}})
	l := dnsLoop(t, srv)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	var r dialResult
	l.Dial("tcp", net.JoinHostPort("dead.test", strconv.Itoa(port)), &funcHandler{
		open:  func(*Conn) { r.opened++ },
		close: func(_ *Conn, err error) { r.closed++; r.err = err },
	})
	run(t, l)
	if r.opened != 0 || r.closed != 1 {
		t.Fatalf("opened %d closed %d", r.opened, r.closed)
	}
	var oe *OpError
	if !errors.As(r.err, &oe) || oe.Op != "dial" || !errors.Is(r.err, ErrRefused) || !errors.Is(r.err, syscall.ECONNREFUSED) {
		t.Fatalf("error %v is not a refused dial", r.err)
	}
	var each dialErrors
	if !errors.As(r.err, &each) || len(each) != 2 {
		t.Fatalf("error %v: want both attempts' errors", r.err)
	}
	if got := each[0].Addr.(*net.TCPAddr).IP.String(); got != "::1" {
		t.Fatalf("first attempt to %s, want ::1 (DialOrder)", got)
	}
}

func TestDialNXDOMAIN(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{}, testenv.Args("--local=/test/"))
	l := dnsLoop(t, srv)
	var r dialResult
	l.Dial("tcp", "nope.test:80", &funcHandler{
		open:  func(*Conn) { r.opened++ },
		close: func(_ *Conn, err error) { r.closed++; r.err = err },
	})
	run(t, l)
	var oe *OpError
	if r.opened != 0 || r.closed != 1 || !errors.Is(r.err, dns.ErrNotFound) || !errors.As(r.err, &oe) || oe.Op != "dial" {
		t.Fatalf("opened %d closed %d err %v", r.opened, r.closed, r.err)
	}
}

// Names from the hosts file, "localhost" and IP literals need no
// nameserver: this one never answers.
func TestDialWithoutNetwork(t *testing.T) {
	skipUnderWine(t, "t.TempDir cleanup fails: Wine 8 lacks FileDispositionInformationEx, which os.RemoveAll uses")
	leakcheck.Check(t)
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 myhost.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newLoop(t)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{sinkServer(t)}, HostsPath: hosts})
	ln, err := l.Listen("tcp4", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	names := []string{"myhost.example", "localhost", "127.0.0.1"}
	var errs []error
	opened := 0
	for _, name := range names {
		l.Dial("tcp4", net.JoinHostPort(name, port), &funcHandler{
			open: func(c *Conn) { opened++; c.Close() },
			close: func(_ *Conn, err error) {
				errs = append(errs, err)
				if len(errs) == len(names) {
					ln.Close()
				}
			},
		})
	}
	run(t, l)
	if opened != len(names) || len(errs) != len(names) {
		t.Fatalf("opened %d, closes %v", opened, errs)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("closes %v", errs)
		}
	}
	if st := l.Resolver().Stats(); st.Queries != 0 {
		t.Fatalf("resolver stats %+v: a query went to the network", st)
	}
}

// A nameserver that never answers: the dial times out, the lookup is
// canceled with it, and the loop, having nothing left, ends.
func TestDialTimeoutCoversResolution(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{sinkServer(t)}, Timeout: time.Minute})
	var r dialResult
	l.Dial("tcp", "slow.example:80", &funcHandler{
		open:  func(*Conn) { r.opened++ },
		close: func(_ *Conn, err error) { r.closed++; r.err = err },
	}, WithDialTimeout(20*time.Millisecond))
	run(t, l)
	if r.opened != 0 || r.closed != 1 || !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("opened %d closed %d err %v", r.opened, r.closed, r.err)
	}
	if errors.Is(r.err, dns.ErrTimeout) {
		t.Fatalf("err %v: the dial timer, not the resolver's, should end it", r.err)
	}
}

// The loop goes on running timers while a lookup waits.
func TestDialResolutionDoesNotBlockLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	l.SetResolverConfig(dns.Config{Servers: []netip.AddrPort{sinkServer(t)}, Timeout: 50 * time.Millisecond, Attempts: 1})
	ticks, atClose := 0, -1
	tick := l.Every(time.Millisecond, func() { ticks++ })
	tick.Unref()
	var r dialResult
	l.Dial("tcp", "slow.example:80", &funcHandler{
		close: func(_ *Conn, err error) { r.closed++; r.err = err; atClose = ticks; tick.Stop() },
	})
	run(t, l)
	if r.closed != 1 || !errors.Is(r.err, dns.ErrTimeout) || !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("closed %d err %v", r.closed, r.err)
	}
	if atClose < 1 {
		t.Fatalf("the timer fired %d times during the lookup", atClose)
	}
}

// The first address hangs (a full accept queue drops the SYN), so the
// second attempt starts after the attempt delay, wins on a socket of its
// own, and is moved into the connection, which sends what was queued.
func TestHappyEyeballsAttemptDelay(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	hole := blackhole(t, netip.MustParseAddr("127.0.0.1"), 0)
	var r dialResult
	c := l.newDial(netTCP, echoOnce(&r, ln), dialConfig{attemptDelay: MinAttemptDelay})
	c.Write([]byte("late"))
	c.connectAddrs([]net.Addr{hole, ln.Addr()})
	d := c.ext.dial
	if d.primary == nil || d.primary.String() != hole.String() || len(d.others) != 0 {
		t.Fatalf("after start: primary %v, others %d", d.primary, len(d.others))
	}
	run(t, l)
	// The first attempt never failed: the second won on a socket of its
	// own, which the connection took over.
	if len(d.errs) != 0 {
		t.Fatalf("failed attempts %v", d.errs)
	}
	if r.opened != 1 || r.closed != 1 || r.err != nil || r.got != "late" {
		t.Fatalf("opened %d closed %d err %v got %q", r.opened, r.closed, r.err, r.got)
	}
	if r.remote.String() != ln.Addr().String() {
		t.Fatalf("remote %v, want %v", r.remote, ln.Addr())
	}
}

// The same through DNS: ::1 (first in DialOrder) hangs, 127.0.0.1 works.
func TestHappyEyeballsFallbackToIPv4(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Dnsmasq(t, testenv.DNSRecords{Hosts: []string{"he.test,127.0.0.1,::1"}})
	l := dnsLoop(t, srv)
	ln, err := l.Listen("tcp4", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	blackhole(t, netip.IPv6Loopback(), port)
	var r dialResult
	c, _ := l.Dial("tcp", net.JoinHostPort("he.test", strconv.Itoa(port)), echoOnce(&r, ln), WithAttemptDelay(MinAttemptDelay))
	c.Write([]byte("v4"))
	d := c.ext.dial
	run(t, l)
	if len(d.errs) != 0 {
		t.Fatalf("failed attempts %v", d.errs)
	}
	if r.opened != 1 || r.err != nil || r.got != "v4" || r.remote.String() != ln.Addr().String() {
		t.Fatalf("opened %d err %v got %q remote %v", r.opened, r.err, r.got, r.remote)
	}
}

// Addresses that all hang: attempts start one per delay until
// maxInFlight run, then wait. Aborting closes every one of them.
func TestHappyEyeballsMaxInFlight(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	hole := blackhole(t, netip.MustParseAddr("127.0.0.1"), 0)
	addrs := make([]net.Addr, maxInFlight+2)
	for i := range addrs {
		addrs[i] = hole
	}
	var r dialResult
	c := l.newDial(netTCP, &funcHandler{
		open:  func(*Conn) { r.opened++ },
		close: func(_ *Conn, err error) { r.closed++; r.err = err },
	}, dialConfig{attemptDelay: MinAttemptDelay})
	c.connectAddrs(addrs)
	d := c.ext.dial
	inFlight, started := -1, -1
	var watch *Timer
	watch = l.Every(time.Millisecond, func() {
		if d.wait.Pending() {
			return // more attempts to come
		}
		inFlight, started = d.inFlight(), d.next
		watch.Stop()
		c.Abort()
	})
	run(t, l)
	if inFlight != maxInFlight || started != maxInFlight {
		t.Fatalf("%d attempts in flight, %d started; want %d", inFlight, started, maxInFlight)
	}
	if r.opened != 0 || r.closed != 1 || r.err != nil {
		t.Fatalf("opened %d closed %d err %v", r.opened, r.closed, r.err)
	}
	if len(d.others) != 0 || c.flags&cAttached != 0 {
		t.Fatalf("after Abort: %d attempts open, own socket attached %v", len(d.others), c.flags&cAttached != 0)
	}
}

func TestDialErrorsMessage(t *testing.T) {
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	b := &net.TCPAddr{IP: net.IPv6loopback, Port: 1}
	e := dialErrors{
		{Op: "dial", Net: "tcp", Addr: a, Err: syscall.ECONNREFUSED, kind: ErrRefused},
		{Op: "dial", Net: "tcp", Addr: b, Err: syscall.ENETUNREACH, kind: ErrUnreachable},
	}
	want := "2 attempts failed: 127.0.0.1:1: " + syscall.ECONNREFUSED.Error() + "; [::1]:1: " + syscall.ENETUNREACH.Error()
	if e.Error() != want {
		t.Fatalf("got %q\nwant %q", e.Error(), want)
	}
	if !errors.Is(e, ErrUnreachable) || !errors.Is(e, syscall.ECONNREFUSED) {
		t.Fatal("errors.Is does not see every attempt")
	}
}

func TestWithAttemptDelayBounds(t *testing.T) {
	l := newLoop(t)
	for _, tc := range []struct{ in, want time.Duration }{
		{0, DefaultAttemptDelay},
		{-time.Second, DefaultAttemptDelay},
		{time.Millisecond, MinAttemptDelay},
		{time.Second, time.Second},
	} {
		var cfg dialConfig
		WithAttemptDelay(tc.in)(&cfg)
		c := l.newDial(netTCP, BaseHandler{}, cfg)
		if got := c.ext.dial.delay; got != tc.want {
			t.Errorf("WithAttemptDelay(%v): delay %v, want %v", tc.in, got, tc.want)
		}
		c.Abort()
	}
	run(t, l)
}
