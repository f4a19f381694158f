package dns

import (
	"errors"

	"golang.org/x/net/dns/dnsmessage"
)

// lookupOp is one call of a Lookup method: it walks the candidate names
// (search list) and, for each, asks one query per type (A and AAAA for
// "ip"), then reports through result exactly once.
type lookupOp struct {
	r     *Resolver
	host  string // as the caller gave it, for errors
	names []string
	types []dnsmessage.Type
	idx   int

	got     []*answer // answers for names[idx], by type
	subs    []*waiter // queries still pending for names[idx]
	pending int

	noData, soft, notFound *answer // remembered across names
	// cname is set for LookupCNAME: a name that has no addresses but is
	// an alias (NODATA at the end of a CNAME chain) has a canonical name
	// all the same, which ends the lookup as an address would.
	cname bool
	// asIs is the failure for the name as given when it was tried first
	// (it has ndots dots), which the search ends with, as glibc's
	// res_search does (its saved_herrno).
	asIs *answer

	// result converts answers (the successful ones are non-nil with a nil
	// err) or an error to the caller's types and calls the callback.
	result func(ans []*answer, err error)

	sync      bool   // inside the Lookup call: defer the result
	finished  bool   // result computed (delivered or scheduled)
	delivered bool   // result called
	stopDelay func() // cancels a deferred delivery
}

// run starts the op; the result is never delivered before run returns.
func (op *lookupOp) run() {
	op.r.stats.Lookups++
	op.sync = true
	defer func() { op.sync = false }()
	if op.r.closed {
		op.complete(nil, op.error(nil, ErrClosed))
		return
	}
	if len(op.names) == 0 {
		op.complete(nil, op.error(nil, ErrInvalidName))
		return
	}
	op.r.ops[op] = struct{}{}
	op.got = make([]*answer, len(op.types))
	op.subs = make([]*waiter, len(op.types))
	op.step()
}

// finishNow ends the op with a result known up front (a literal address,
// the hosts file, invalid input), delivered on a later loop turn.
func (op *lookupOp) finishNow(ans []*answer, err error) {
	op.r.stats.Lookups++
	op.sync = true
	op.complete(ans, err)
	op.sync = false
}

// step asks about names[idx] and onwards until some query must wait.
func (op *lookupOp) step() {
	for op.idx < len(op.names) {
		name := op.names[op.idx]
		op.pending = 0
		for i, t := range op.types {
			op.got[i], op.subs[i] = op.r.ask(name, t, op, i)
			if op.subs[i] != nil {
				op.pending++
			}
		}
		if op.pending > 0 {
			return
		}
		if op.evaluate() {
			return
		}
		op.idx++
	}
	op.exhausted()
}

// onAnswer receives a query's answer for waiter w.
func (op *lookupOp) onAnswer(w *waiter, a *answer) {
	if op.finished || op.subs[w.i] != w {
		return
	}
	op.subs[w.i] = nil
	op.got[w.i] = a
	op.pending--
	if op.pending > 0 {
		return
	}
	if op.evaluate() {
		return
	}
	op.idx++
	op.step()
}

// evaluate judges the answers for the current name. It returns true when
// the op is finished: some type had records, or an error ends the search
// (a timeout or unreachable servers, as the C library stops there; it then
// reports the failure of the name as given, if that was tried first).
// NXDOMAIN, NODATA, SERVFAIL, REFUSED and malformed answers go on to the
// next name.
//
// When the types' fates differ (A and AAAA for "ip"), records of any type
// win. Then an NXDOMAIN: the name does not exist, for every type (RFC
// 8020; the cache serves it for every type too), so the other type's
// NODATA, failure or timeout says nothing more, and the name counts as
// NXDOMAIN, as glibc ranks it. Then a timeout, or servers that could not
// be reached, which end the search: the other type's answer is not the
// whole story. Then a server failure, refusal or malformed answer, which
// beats NODATA for the same reason (glibc says TRY_AGAIN for a SERVFAIL
// beside a NODATA); and only then NODATA. Between two failures of one
// rank, the first type's (A) decides, whichever answer came first.
func (op *lookupOp) evaluate() bool {
	var notFound, stop, soft, noData *answer // the first of each rank
	for _, a := range op.got {
		if a.err == nil || op.aliasNoData(a) {
			op.complete(op.got, nil)
			return true
		}
		switch {
		case a.err == ErrNotFound:
			if notFound == nil {
				notFound = a
			}
		case errors.Is(a.err, ErrClosed):
			op.complete(nil, op.error(a, a.err))
			return true
		case errors.Is(a.err, ErrTimeout), errors.Is(a.err, ErrUnreachable):
			// A timeout outranks an unreachable server, as in query.fail:
			// an unreachable server must not hide that another one (or
			// the other type's) was reached but did not answer.
			if stop == nil || (errors.Is(a.err, ErrTimeout) && !errors.Is(stop.err, ErrTimeout)) {
				stop = a
			}
		case a.err == ErrNoData:
			if noData == nil {
				noData = a
			}
		default:
			if soft == nil {
				soft = a
			}
		}
	}
	var worst *answer // this name's failure, as exhausted ranks them
	switch {
	case notFound != nil:
		op.notFound, worst = notFound, notFound
	case stop != nil:
		if op.asIs != nil {
			stop = op.asIs // the search stops, with the answer for the name as given
		}
		op.complete(nil, op.error(stop, stop.err))
		return true
	case soft != nil:
		op.soft, worst = soft, soft
	default:
		op.noData, worst = noData, noData
	}
	if op.idx == 0 && len(op.names) > 1 && op.names[0] == absolute(op.host) {
		op.asIs = worst
	}
	return false
}

// aliasNoData reports, for LookupCNAME, whether a is a NODATA answer for
// the current name that followed a CNAME chain: the name's canonical name
// is known, as the standard library's LookupCNAME finds it too.
func (op *lookupOp) aliasNoData(a *answer) bool {
	return op.cname && a.err == ErrNoData && a.canonical != "" && op.idx < len(op.names) &&
		!equalFold(a.canonical, op.names[op.idx])
}

// exhausted reports the most telling failure once every name was tried:
// that of the name as given if it was tried first, as glibc does;
// otherwise NODATA (some name exists), then a server failure, then
// NXDOMAIN.
func (op *lookupOp) exhausted() {
	a := op.asIs
	if a == nil {
		a = op.noData
	}
	if a == nil {
		a = op.soft
	}
	if a == nil {
		a = op.notFound
	}
	if a == nil {
		op.complete(nil, op.error(nil, ErrNotFound))
		return
	}
	op.complete(nil, op.error(a, a.err))
}

func (op *lookupOp) error(a *answer, err error) *DNSError {
	e := &DNSError{Name: op.host, Err: err}
	if a != nil {
		e.Server, e.RCode = a.server, a.rcode
	}
	return e
}

// complete ends the op with answers or an error and delivers the result,
// on a later loop turn when still inside the Lookup call.
func (op *lookupOp) complete(ans []*answer, err error) {
	op.finished = true
	op.detach()
	if !op.sync {
		op.deliver(ans, err)
		return
	}
	op.stopDelay = op.r.clock.Delay(0, func() {
		op.stopDelay = nil
		op.deliver(ans, err)
	})
}

func (op *lookupOp) deliver(ans []*answer, err error) {
	if op.delivered {
		return
	}
	op.delivered = true
	if err != nil {
		op.result(nil, err)
		return
	}
	op.result(ans, nil)
}

// detach leaves every pending query and the resolver's set of live ops.
func (op *lookupOp) detach() {
	for i, w := range op.subs {
		if w != nil {
			op.subs[i] = nil
			w.q.remove(w)
		}
	}
	delete(op.r.ops, op)
}

// cancel ends the op with ErrCanceled unless its result was delivered.
func (op *lookupOp) cancel() {
	if op.delivered {
		return
	}
	if op.stopDelay != nil {
		op.stopDelay()
		op.stopDelay = nil
	}
	op.finished = true
	op.detach()
	op.deliver(nil, op.error(nil, ErrCanceled))
}
