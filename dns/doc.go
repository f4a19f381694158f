// Package dns is the sans-I/O core of eddy's asynchronous resolver: it
// resolves host names on an event loop without ever blocking it and
// without a goroutine per query.
//
// A [Resolver] owns no sockets and no timers. It sends queries through a
// [Transport] (UDP from a fresh ephemeral port per exchange, and TCP) and
// takes time and timers from a [Clock]; eddy's loop implements both, and
// the tests implement them over package net. Every method and callback
// runs on that one loop goroutine:
//
//	cfg, err := dns.SystemConfig() // before the loop starts: reads files
//	...
//	r := dns.NewResolver(cfg, loopTransport, loopClock)
//	cancel := r.LookupNetIP("ip", "example.com", func(addrs []netip.Addr, err error) {
//		if err != nil { ... }
//		for _, a := range dns.DialOrder(addrs) { ... }
//	})
//
// # What a lookup does
//
// Like the C library's stub resolver, a lookup reads the hosts file
// (re-read when its modification time changes, checked at most every few
// seconds), answers "localhost" and names under it with loopback
// addresses, and with NODATA for other record types, without asking DNS
// (RFC 6761), expands the name with the search list according
// to ndots (a name with a trailing dot is absolute), and asks the
// nameservers in order (or rotated), attempts × servers tries, each with
// its own timeout and a fresh random ID. A truncated UDP answer is asked
// again over TCP. With [Config.EDNS0], a server that refuses the OPT
// record (FORMERR, NOTIMP or BADVERS) is asked again without it and
// remembered as such for a while (RFC 6891 §7). A response is accepted only when its
// source address and port, ID and question (name compared
// case-insensitively, type, class) all match the try; anything else is
// ignored and the try keeps waiting, so a spoofed datagram cannot fail a
// lookup (the one exception, a FORMERR without a question in reply to an
// OPT record, can only make the try ask again without EDNS0). A SERVFAIL, REFUSED or
// malformed answer moves on to the next server, as does one whose OPT
// record extends its response code (RFC 6891 §6.1.3) to anything but
// NOERROR or NXDOMAIN, such as BADVERS.
//
// A lookup of both families ("ip") asks A and AAAA together. If either
// has addresses, they are the result. Otherwise an NXDOMAIN for either
// says the name does not exist; then a timeout or unreachable servers
// fail the lookup; then a server failure (or refusal, or malformed
// answer) wins over NODATA, since the other family's records are not
// known; between two failures of one rank, the A query's decides.
//
// Answers follow CNAME chains within the response (at most 16 links) and
// are cached for the smallest TTL of the chain, capped by
// [Config.CacheMaxTTL]. NXDOMAIN and NODATA are cached too, for the SOA
// record's minimum (RFC 2308), capped by [Config.CacheNegativeMaxTTL]; an
// NXDOMAIN covers every type of the name. Identical questions in flight
// share one exchange.
//
// # Callbacks and cancellation
//
// Each Lookup method calls its callback exactly once, on the loop, and
// never before the method returns: answers known at once (cache, hosts
// file, literals, bad input) are delivered on a later loop turn through
// Clock.Delay(0, ...). Each returns a cancel func; canceling calls the
// callback at once with an error matching [ErrCanceled] and
// context.Canceled, unless it already ran. Callbacks must not block.
//
// # Errors
//
// Every failure is a *[DNSError] carrying the name, the server and the
// response code; its Err is a sentinel to test with errors.Is:
// [ErrNotFound] (NXDOMAIN), [ErrNoData] (NODATA; [IsNotFound] covers
// both), [ErrTimeout] (also matching os.ErrDeadlineExceeded),
// [ErrServerFailure], [ErrRefused], [ErrBadVersion], [ErrMalformed], [ErrUnreachable],
// [ErrInvalidName], [ErrCanceled], [ErrClosed]. [DNSError.NetError]
// converts it for code written against *net.DNSError.
//
// # Building blocks
//
// [ParseResolvConf] and [ParseHosts] parse resolv.conf(5) and hosts(5)
// text; [SystemConfig] reads the system's. [ReverseName] builds
// in-addr.arpa and ip6.arpa names. [DialOrder] orders addresses for Happy
// Eyeballs (RFC 8305 §4: RFC 6724 precedence, then families interleaved).
// [AppendTCPFrame] and [TCPDecoder] frame DNS over TCP for transports.
//
// # Portability
//
// The package is pure Go over golang.org/x/net/dns/dnsmessage and behaves
// the same everywhere. [SystemConfig] reads /etc/resolv.conf and
// /etc/hosts, which Windows lacks: there it returns [DefaultConfig] with
// local nameservers, and callers should fill Servers themselves.
package dns
