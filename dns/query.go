package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// query is one (name, type) question on the network, shared by every
// lookup that needs it while it is in flight (coalescing). It makes
// attempts × servers tries, each with its own ID and timer: a UDP
// exchange, or TCP when the configuration says so or a UDP answer came
// back truncated.
type query struct {
	r       *Resolver
	key     cacheKey
	q       dnsmessage.Question
	waiters []*waiter

	servers    []netip.AddrPort // one round, in try order
	try        int              // tries started so far
	server     netip.AddrPort   // server of the current try
	id         uint16
	msg        []byte
	edns       bool // msg carries an OPT record
	stopIO     func()
	stopTmr    func()
	lastErr    error
	rcode      dnsmessage.RCode
	lastServer netip.AddrPort // server behind lastErr
	start      bool           // inside begin: a result must be deferred
	done       bool
}

// waiter is one lookup's interest in a query: slot i of op's current name.
type waiter struct {
	q  *query
	op *lookupOp
	i  int
}

func (q *query) begin() {
	n := len(q.r.cfg.servers)
	first := 0
	if q.r.cfg.rotate {
		first = q.r.rotate % n
		q.r.rotate = (q.r.rotate + 1) % n
	}
	q.servers = make([]netip.AddrPort, n)
	for i := range n {
		q.servers[i] = q.r.cfg.servers[(first+i)%n]
	}
	q.start = true
	q.next()
	q.start = false
}

// next starts the next try, or finishes with the last error when none is
// left.
func (q *query) next() {
	q.stopTry()
	for q.try < len(q.servers)*q.r.cfg.attempts {
		q.server = q.servers[q.try%len(q.servers)]
		q.try++
		edns := q.r.cfg.edns0 && !q.r.cfg.useTCP && q.r.ednsOK(q.server)
		if err := q.send(edns); err != nil {
			q.fail(err, true)
			continue
		}
		return
	}
	err := q.lastErr
	if err == nil {
		err = ErrTimeout
	}
	q.finish(&answer{err: err, server: q.lastServer, rcode: q.rcode})
}

// send starts the current try's exchange with q.server under a fresh ID,
// with an OPT record if edns. The error, if any, is the try's failure.
func (q *query) send(edns bool) error {
	q.id = q.r.newID()
	msg, err := buildQuery(nil, q.id, q.q, edns)
	if err != nil { // unreachable: names are validated before
		return fmt.Errorf("%w: %v", ErrInvalidName, err)
	}
	q.msg, q.edns = msg, edns
	if q.r.cfg.useTCP {
		err = q.startTCP()
	} else {
		err = q.startUDP()
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return nil
}

// dropEDNS handles a server's refusal of the OPT record (FORMERR, NOTIMP
// or BADVERS to a query that carried one): the server is asked again,
// within the same try, without it, and is remembered as not speaking
// EDNS0 for ednsFallbackTTL, as RFC 6891 §7 suggests. Some servers refuse
// OPT even though they echo it back, so the refusal alone decides, as in
// c-ares.
func (q *query) dropEDNS() {
	q.stopTry()
	q.r.stats.EDNSFallbacks++
	if q.r.noEDNS == nil {
		q.r.noEDNS = make(map[netip.AddrPort]time.Time)
	}
	q.r.noEDNS[q.server] = q.r.clock.Now().Add(ednsFallbackTTL)
	if err := q.send(false); err != nil {
		q.fail(err, true)
		q.next()
	}
}

// fail records the failure of the current try. A timeout or unreachable
// server does not hide an earlier answer that said more (SERVFAIL,
// REFUSED, malformed), and an unreachable server does not hide an earlier
// timeout: ErrUnreachable says that no exchange could be started with any
// server, so it must not depend on which server came last.
func (q *query) fail(err error, silent bool) {
	if silent && q.lastErr != nil {
		if !errors.Is(q.lastErr, ErrTimeout) && !errors.Is(q.lastErr, ErrUnreachable) {
			return
		}
		if errors.Is(q.lastErr, ErrTimeout) && errors.Is(err, ErrUnreachable) {
			return
		}
	}
	q.lastErr, q.lastServer = err, q.server
}

func (q *query) stopTry() {
	if q.stopIO != nil {
		q.stopIO()
		q.stopIO = nil
	}
	if q.stopTmr != nil {
		q.stopTmr()
		q.stopTmr = nil
	}
}

// armTimer starts the timer of try t.
func (q *query) armTimer(t int) {
	q.stopTmr = q.r.clock.Delay(q.r.cfg.timeout, func() {
		if q.done || q.try != t {
			return
		}
		q.stopTmr = nil
		q.r.stats.Timeouts++
		q.fail(ErrTimeout, true)
		q.next()
	})
}

func (q *query) startUDP() error {
	t, server, id := q.try, q.server, q.id
	stop, err := q.r.tr.ExchangeUDP(server, q.msg, func(from netip.AddrPort, resp []byte) {
		if q.done || q.try != t || q.server != server {
			return
		}
		if !sameAddrPort(from, server) {
			q.r.stats.Ignored++
			return
		}
		p, h, ok := matchResponse(resp, id, q.q)
		if !ok {
			if q.edns && ednsRefused(resp, id) {
				q.dropEDNS()
				return
			}
			q.r.stats.Ignored++
			return
		}
		q.stopTry()
		if h.Truncated {
			q.r.stats.Truncated++
			if q.edns {
				// Over TCP the payload size an OPT record advertises means
				// nothing, and a server that ignored it over UDP (its
				// truncated answer carries none) might refuse it here.
				msg, err := buildQuery(nil, q.id, q.q, false)
				if err != nil { // unreachable: the same question was built before
					q.fail(fmt.Errorf("%w: %v", ErrInvalidName, err), true)
					q.next()
					return
				}
				q.msg, q.edns = msg, false
			}
			if err := q.startTCP(); err != nil {
				q.fail(fmt.Errorf("%w: %w", ErrUnreachable, err), true)
				q.next()
			}
			return
		}
		q.handle(&p, h, resp)
	})
	if err != nil {
		return err
	}
	q.r.stats.UDPTries++
	q.stopIO = stop
	q.armTimer(t)
	return nil
}

func (q *query) startTCP() error {
	t, id := q.try, q.id
	stop, err := q.r.tr.ExchangeTCP(q.server, q.msg, func(resp []byte, err error) {
		if q.done || q.try != t {
			return
		}
		q.stopIO = nil
		q.stopTry()
		if err != nil {
			q.fail(fmt.Errorf("%w: %w", ErrUnreachable, err), true)
			q.next()
			return
		}
		p, h, ok := matchResponse(resp, id, q.q)
		if !ok {
			q.fail(fmt.Errorf("%w: TCP response does not match the query", ErrMalformed), false)
			q.next()
			return
		}
		q.handle(&p, h, resp)
	})
	if err != nil {
		return err
	}
	q.r.stats.TCPTries++
	q.stopIO = stop
	q.armTimer(t)
	return nil
}

// handle acts on a response msg that matched the current try; p stands
// at its answer section. The response code is the extended one when the
// response carries an OPT record (see extendedRCode).
func (q *query) handle(p *dnsmessage.Parser, h dnsmessage.Header, msg []byte) {
	rcode, err := extendedRCode(*p, h, msg)
	if err != nil {
		q.fail(fmt.Errorf("%w: %v", ErrMalformed, err), false)
		q.next()
		return
	}
	h.RCode = rcode
	// BADVERS to the version 0 the query asks for says that the server
	// implements no EDNS version at all: the only lower level is none.
	if q.edns && (h.RCode == dnsmessage.RCodeFormatError || h.RCode == dnsmessage.RCodeNotImplemented || h.RCode == rcodeBadVersion) {
		q.dropEDNS()
		return
	}
	q.rcode = h.RCode
	switch h.RCode {
	case dnsmessage.RCodeSuccess, dnsmessage.RCodeNameError:
		a, err := parseAnswer(p, h, q.q)
		if err != nil {
			q.fail(fmt.Errorf("%w: %v", ErrMalformed, err), false)
			q.next()
			return
		}
		a.server = q.server
		q.r.cache.put(q.key, a, q.r.clock.Now())
		q.finish(a)
	case dnsmessage.RCodeServerFailure:
		q.fail(ErrServerFailure, false)
		q.next()
	case dnsmessage.RCodeRefused:
		q.fail(ErrRefused, false)
		q.next()
	case rcodeBadVersion:
		q.fail(ErrBadVersion, false)
		q.next()
	default:
		q.fail(fmt.Errorf("%w: response code %v", ErrServerFailure, h.RCode), false)
		q.next()
	}
}

// finish hands a to every waiter. Inside begin it defers itself to the
// next loop turn, so that a lookup never sees its query end while it is
// still starting it.
func (q *query) finish(a *answer) {
	q.stopTry()
	if q.start {
		q.stopTmr = q.r.clock.Delay(0, func() {
			q.stopTmr = nil
			q.finish(a)
		})
		return
	}
	q.done = true
	delete(q.r.inflight, q.key)
	ws := q.waiters
	q.waiters = nil
	for _, w := range ws {
		w.op.onAnswer(w, a)
	}
}

// remove drops w; a query nobody waits for stops.
func (q *query) remove(w *waiter) {
	if q.done {
		return
	}
	for i, x := range q.waiters {
		if x == w {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			break
		}
	}
	if len(q.waiters) == 0 {
		q.done = true
		q.stopTry()
		delete(q.r.inflight, q.key)
	}
}

// sameAddrPort compares a datagram's source with the server, ignoring an
// IPv4-mapped form and the zone.
func sameAddrPort(from, server netip.AddrPort) bool {
	return from.Port() == server.Port() &&
		from.Addr().Unmap().WithZone("") == server.Addr().Unmap().WithZone("")
}

// rcodeBadVersion is BADVERS, the extended response code saying that the
// server does not implement the EDNS version of the query (RFC 6891
// §6.1.3).
const rcodeBadVersion dnsmessage.RCode = 16

// extendedRCode returns the response code of msg, a response whose
// header is h and whose parser p (a copy, read here) stands at its answer
// section: h's 4 bits, extended with the upper 8 bits that an OPT record
// carries (RFC 6891 §6.1.3), so that BADVERS (16) does not read as
// NOERROR. A response without additional records, most of those to a
// query without EDNS0, costs nothing more; one with them has its answer
// and authority sections skipped to reach them. More than one OPT record
// makes the response malformed (§6.1.1), as does a section that cannot
// be read.
func extendedRCode(p dnsmessage.Parser, h dnsmessage.Header, msg []byte) (dnsmessage.RCode, error) {
	if len(msg) < 12 || msg[10]|msg[11] == 0 { // ARCOUNT
		return h.RCode, nil
	}
	if err := p.SkipAllAnswers(); err != nil {
		return h.RCode, err
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return h.RCode, err
	}
	rcode, opt := h.RCode, false
	for {
		rh, err := p.AdditionalHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return rcode, nil
		}
		if err != nil {
			return h.RCode, err
		}
		if rh.Type == dnsmessage.TypeOPT {
			if opt {
				return h.RCode, errors.New("more than one OPT record")
			}
			opt = true
			// The upper 8 bits of the TTL, whatever the VERSION (its
			// next 8 bits): a BADVERS names the server's own version,
			// which dnsmessage's ExtendedRCode, reading version 0
			// only, would miss.
			rcode = dnsmessage.RCode(rh.TTL>>24<<4) | h.RCode&0xF
		}
		if err := p.SkipAdditional(); err != nil {
			return h.RCode, err
		}
	}
}
