package dns

import (
	crand "crypto/rand"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Resolver is an asynchronous stub resolver that runs on one event loop:
// it reads the hosts file, expands names with the search list, queries
// the configured servers through a Transport with retries, timeouts and
// TCP fallback, caches answers by TTL (negative ones too), and merges
// identical queries in flight. Every method, and every callback it makes,
// runs on the loop goroutine that owns the Transport and Clock; callbacks
// must not block. Loop-only.
type Resolver struct {
	cfg      settings
	tr       Transport
	clock    Clock
	rng      *rand.Rand
	cache    *cache
	hosts    *hostsFile
	inflight map[cacheKey]*query
	ops      map[*lookupOp]struct{}
	rotate   int
	noEDNS   map[netip.AddrPort]time.Time // servers that refused EDNS0, until when
	closed   bool
	stats    Stats
}

// Stats counts what a Resolver did since it was created. The zero value
// is a fresh count.
type Stats struct {
	Lookups   uint64 // Lookup calls
	CacheHits uint64 // (name, type) questions answered by the cache
	Coalesced uint64 // (name, type) questions that joined a query in flight
	Queries   uint64 // (name, type) questions sent to the network
	UDPTries  uint64 // UDP exchanges started (one per try)
	TCPTries  uint64 // TCP exchanges started, truncation fallbacks included
	Truncated uint64 // truncated UDP answers that were retried over TCP
	Timeouts  uint64 // tries that got no answer in time
	Ignored   uint64 // datagrams dropped: wrong source, ID or question
	// EDNSFallbacks counts queries asked again without EDNS0 because the
	// server answered FORMERR, NOTIMP or BADVERS to the OPT record (RFC
	// 6891 §7 and §6.1.3).
	EDNSFallbacks uint64
}

// NewResolver returns a resolver that uses cfg (nil means DefaultConfig),
// sends queries through tr and takes time and timers from clock. cfg is
// copied. It panics if tr or clock is nil. Loop-only.
func NewResolver(cfg *Config, tr Transport, clock Clock) *Resolver {
	if tr == nil || clock == nil {
		panic("dns: NewResolver with a nil Transport or Clock")
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	s := cfg.settings()
	var seed [32]byte
	crand.Read(seed[:])
	r := &Resolver{
		cfg:      s,
		tr:       tr,
		clock:    clock,
		rng:      rand.New(rand.NewChaCha8(seed)),
		cache:    newCache(s.cacheSize, s.cacheMaxTTL, s.cacheNegMaxTTL),
		inflight: make(map[cacheKey]*query),
		ops:      make(map[*lookupOp]struct{}),
	}
	if s.hostsPath != "" {
		r.hosts = &hostsFile{path: s.hostsPath, interval: s.hostsInterval}
	}
	return r
}

// ednsOK reports whether a query to server may carry an OPT record: it
// has not refused one within the last ednsFallbackTTL.
func (r *Resolver) ednsOK(server netip.AddrPort) bool {
	until, ok := r.noEDNS[server]
	if !ok {
		return true
	}
	if r.clock.Now().Before(until) {
		return false
	}
	delete(r.noEDNS, server)
	return true
}

// newID returns a random query ID from a ChaCha8 stream seeded by
// crypto/rand: unpredictable, and cheap per query.
func (r *Resolver) newID() uint16 { return uint16(r.rng.Uint64()) }

// ask returns the cached answer to (name, t), or joins or starts the
// query for it and returns op's waiter.
func (r *Resolver) ask(name string, t dnsmessage.Type, op *lookupOp, i int) (*answer, *waiter) {
	key := cacheKey{lowerASCII(name), t}
	if a := r.cache.get(key, r.clock.Now()); a != nil {
		r.stats.CacheHits++
		return a, nil
	}
	q := r.inflight[key]
	fresh := q == nil
	if fresh {
		q = &query{
			r:   r,
			key: key,
			q:   dnsmessage.Question{Name: mustName(name), Type: t, Class: dnsmessage.ClassINET},
		}
		r.inflight[key] = q
		r.stats.Queries++
	} else {
		r.stats.Coalesced++
	}
	w := &waiter{q: q, op: op, i: i}
	q.waiters = append(q.waiters, w)
	if fresh {
		q.begin()
	}
	return nil, w
}

// mustName converts a validated absolute name.
func mustName(s string) dnsmessage.Name {
	n, err := dnsmessage.NewName(s)
	if err != nil {
		// Unreachable: callers pass names that validName accepted, which
		// fit in 254 bytes.
		return dnsmessage.Name{}
	}
	return n
}

// hostsTable returns the current hosts file, or nil.
func (r *Resolver) hostsTable() *Hosts {
	if r.hosts == nil {
		return nil
	}
	return r.hosts.get(r.clock.Now())
}

// Close fails every lookup in progress with ErrClosed and makes later
// lookups fail the same way; queries in flight are canceled. Results
// already being delivered are still delivered. Loop-only.
func (r *Resolver) Close() {
	if r.closed {
		return
	}
	r.closed = true
	for op := range r.ops {
		if !op.finished {
			op.finished = true
			op.detach()
			op.deliver(nil, op.error(nil, ErrClosed))
		}
	}
	r.cache.flush()
}

// FlushCache forgets every cached answer. Loop-only.
func (r *Resolver) FlushCache() { r.cache.flush() }

// Stats returns the resolver's counters. Loop-only.
func (r *Resolver) Stats() Stats { return r.stats }
