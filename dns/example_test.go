package dns_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/eddy-go/eddy/dns"
	"golang.org/x/net/dns/dnsmessage"
)

// toyLoop stands in for eddy's event loop: Run executes queued functions
// in order on the calling goroutine. Its timers never fire, which is fine
// here because the transport always answers.
type toyLoop struct{ queue []func() }

func (l *toyLoop) Now() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

func (l *toyLoop) Delay(d time.Duration, fn func()) (cancel func()) {
	stopped := false
	if d <= 0 {
		l.queue = append(l.queue, func() {
			if !stopped {
				fn()
			}
		})
	}
	return func() { stopped = true }
}

func (l *toyLoop) Run() {
	for len(l.queue) > 0 {
		fn := l.queue[0]
		l.queue = l.queue[1:]
		fn()
	}
}

// toyServer is a Transport that answers A and AAAA questions for
// www.example.com. itself, on the next loop turn, as a server would.
type toyServer struct{ loop *toyLoop }

func (s toyServer) ExchangeUDP(server netip.AddrPort, q []byte, cb func(netip.AddrPort, []byte)) (func(), error) {
	var m dnsmessage.Message
	if err := m.Unpack(q); err != nil {
		return nil, err
	}
	m.Response = true
	hdr := dnsmessage.ResourceHeader{Name: m.Questions[0].Name, Class: dnsmessage.ClassINET, TTL: 300}
	if m.Questions[0].Name.String() == "www.example.com." {
		switch m.Questions[0].Type {
		case dnsmessage.TypeA:
			hdr.Type = dnsmessage.TypeA
			m.Answers = append(m.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 10}}})
		case dnsmessage.TypeAAAA:
			hdr.Type = dnsmessage.TypeAAAA
			ip := netip.MustParseAddr("2001:db8::10").As16()
			m.Answers = append(m.Answers, dnsmessage.Resource{Header: hdr, Body: &dnsmessage.AAAAResource{AAAA: ip}})
		}
	} else {
		m.RCode = dnsmessage.RCodeNameError
	}
	resp, err := m.Pack()
	if err != nil {
		return nil, err
	}
	canceled := false
	s.loop.queue = append(s.loop.queue, func() {
		if !canceled {
			cb(server, resp)
		}
	})
	return func() { canceled = true }, nil
}

func (s toyServer) ExchangeTCP(netip.AddrPort, []byte, func([]byte, error)) (func(), error) {
	return nil, errors.New("no TCP in this example")
}

func Example() {
	loop := &toyLoop{}
	cfg := &dns.Config{
		Servers: []netip.AddrPort{netip.MustParseAddrPort("192.0.2.53:53")},
		Search:  []string{"example.com"},
		Ndots:   1,
	}
	r := dns.NewResolver(cfg, toyServer{loop}, loop)

	// "www" has no dot, so the search list is tried first.
	r.LookupNetIP("ip", "www", func(addrs []netip.Addr, err error) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("dial order:", dns.DialOrder(addrs))
	})
	r.LookupNetIP("ip4", "nowhere.example.com.", func(addrs []netip.Addr, err error) {
		fmt.Println("not found:", dns.IsNotFound(err), errors.Is(err, dns.ErrNotFound))
	})
	loop.Run()
	fmt.Printf("%+v\n", r.Stats())
	// Output:
	// dial order: [2001:db8::10 192.0.2.10]
	// not found: true true
	// {Lookups:2 CacheHits:0 Coalesced:0 Queries:3 UDPTries:3 TCPTries:0 Truncated:0 Timeouts:0 Ignored:0 EDNSFallbacks:0}
}

func ExampleParseResolvConf() {
	cfg, err := dns.ParseResolvConf(strings.NewReader(`
nameserver 192.0.2.53
nameserver 2001:db8::53
search corp.example.com example.com
options ndots:2 timeout:3 attempts:4 rotate
`))
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Servers, cfg.Search, cfg.Ndots, cfg.Timeout, cfg.Attempts, cfg.Rotate)
	// Output:
	// [192.0.2.53:53 [2001:db8::53]:53] [corp.example.com. example.com.] 2 3s 4 true
}

func ExampleParseHosts() {
	h, err := dns.ParseHosts(strings.NewReader(`
127.0.0.1   localhost
192.0.2.10  web.example.com web  # the web server
2001:db8::10 web.example.com
`))
	if err != nil {
		panic(err)
	}
	fmt.Println(h.LookupHost("web.example.com"))
	fmt.Println(h.LookupHost("WEB"))
	fmt.Println(h.LookupAddr(netip.MustParseAddr("192.0.2.10")))
	// Output:
	// [192.0.2.10 2001:db8::10] web.example.com.
	// [192.0.2.10] web.example.com.
	// [web.example.com. web.]
}

func ExampleDialOrder() {
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"),
		netip.MustParseAddr("192.0.2.2"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("2001:db8::2"),
	}
	fmt.Println(dns.DialOrder(addrs))
	// Output: [2001:db8::1 192.0.2.1 2001:db8::2 192.0.2.2]
}

func ExampleReverseName() {
	fmt.Println(dns.ReverseName(netip.MustParseAddr("192.0.2.1")))
	fmt.Println(dns.ReverseName(netip.MustParseAddr("2001:db8::1")))
	// Output:
	// 1.2.0.192.in-addr.arpa.
	// 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
}

func ExampleDNSError_NetError() {
	err := error(&dns.DNSError{Name: "gone.example.com", Err: dns.ErrNotFound})
	var de *dns.DNSError
	if errors.As(err, &de) {
		ne := de.NetError()
		fmt.Println(ne.IsNotFound, ne.Err)
	}
	// Output: true no such host
}
