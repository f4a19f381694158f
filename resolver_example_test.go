package eddy_test

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/dns"
)

// The loop's resolver answers on the loop, without blocking it. Names
// under "localhost" need no nameserver (RFC 6761).
func ExampleLoop_Resolver() {
	l, err := eddy.New()
	if err != nil {
		panic(err)
	}
	l.SetResolverConfig(dns.Config{}) // no hosts file; the local nameserver
	l.Resolver().LookupNetIP("ip4", "db.localhost", func(addrs []netip.Addr, err error) {
		fmt.Println(addrs, err)
	})
	l.Run() // returns once the lookup is answered
	// Output: [127.0.0.1] <nil>
}

// dialPrinter prints where a dial connected, then closes everything.
type dialPrinter struct {
	eddy.BaseHandler
	ln *eddy.Listener
}

func (h dialPrinter) OnOpen(c *eddy.Conn) {
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	fmt.Println("connected to", host)
	c.Close()
	h.ln.Close()
}

func (h dialPrinter) OnClose(_ *eddy.Conn, err error) {
	if err != nil {
		fmt.Println(err)
		h.ln.Close()
	}
}

// "localhost" has an IPv6 and an IPv4 address, and Happy Eyeballs tries
// ::1 first. Nothing listens there, so that attempt fails, and the next
// one, to 127.0.0.1, starts at once rather than after the attempt delay.
func ExampleWithAttemptDelay() {
	l, err := eddy.New()
	if err != nil {
		panic(err)
	}
	l.SetResolverConfig(dns.Config{})
	ln, err := l.Listen("tcp4", "127.0.0.1:0", eddy.BaseHandler{})
	if err != nil {
		panic(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	l.Dial("tcp", net.JoinHostPort("localhost", port), dialPrinter{ln: ln}, eddy.WithAttemptDelay(100*time.Millisecond))
	l.Run()
	// Output: connected to 127.0.0.1
}
