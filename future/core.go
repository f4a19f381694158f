package future

import (
	"context"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Settlement states of a core. A future is claimed by exactly one settler,
// whose compare-and-swap moves it from pending (or following) straight to
// its final state; the settler then writes the value and error and
// publishes them by swapping the consumer list for a settled marker. So
// the state says who won, and only the head says the result is readable.
const (
	stPending   uint32 = iota
	stFollowing        // a Promise follows another future: no Resolve, still cancellable
	stResolved
	stRejected
	stCanceled // rejected by Cancel or by loss of interest
)

// Node flags.
const (
	flagSettled uint8 = 1 << iota // a head marker: the future has settled
	flagHook                      // an OnCancel hook: not a handler of errors
	// flagUser marks a step whose fire calls user code without a recover
	// of its own: a panic out of it is recovered by the drain, which
	// settles the step's output through abort with the *PanicError.
	flagUser
)

// consumer is what a node runs once the future it waits on has settled.
// Its methods get the node they run for, so that one consumer can serve
// many nodes (a combinator, one node per input).
type consumer interface {
	// fire runs the continuation on the node's sched (or inline when the
	// node has none). It returns the consumer list (LIFO, as detached from
	// a head) of a future it settled, for the caller to run without
	// recursion.
	fire(n *node) *node
	// abort is called instead of fire when the node's executor has
	// stopped: it settles its output with err without running user code.
	abort(n *node, err error) *node
}

// node is an intrusive link in a future's consumer list, in a drain queue
// or in a sched inbox; it is embedded in the struct that consumes, so that
// registering a consumer allocates nothing.
type node struct {
	next  *node
	c     consumer
	s     *sched // where c must run; nil: inline, on any goroutine
	flags uint8
	aux   uint8 // private to c (the steps keep their mode here)
	// cnt is, while n is in a pending future's list, how many nodes from
	// n down were attached by take: interests not counted in core.want.
	// It is written without atomics when n is attached for the first
	// time (nothing else can see n yet) and atomically when n is attached
	// again (a stale reader of its old list may still look at it).
	cnt int32
}

// settledMarker is the head of a settled future that needs no
// unhandled-rejection check.
var settledMarker = node{flags: flagSettled}

// upstream is implemented by the consumers that produce a future, so that
// cancelling that future withdraws their interest in what they wait on.
type upstream interface {
	// release drops the interest in every future it waits on; those whose
	// interest falls to zero are claimed for cancellation with ce and
	// appended to stack, for releaseUp to complete.
	release(ce *CancelError, stack []*core) []*core
}

// core is the untyped part of a Future.
type core struct {
	state atomic.Uint32
	want  atomic.Int32 // consumers that may still want the result
	head  atomic.Pointer[node]
	s     *sched   // nil: callbacks run inline
	err   error    // written once by the settler, before head is swapped
	up    upstream // set before the future is shared; nil for roots
}

// releasedCore marks a step's awaited pointer after its interest was released.
var releasedCore core

func (c *core) settled() bool {
	h := c.head.Load()
	return h != nil && h.flags&flagSettled != 0
}

// claim claims a pending future for a settlement in state final.
func (c *core) claim(final uint32) bool { return c.state.CompareAndSwap(stPending, final) }

// finalState is the state of a settlement with error err.
func finalState(err error) uint32 {
	if err != nil {
		return stRejected
	}
	return stResolved
}

// claimCancel claims a pending or following future for cancellation.
func (c *core) claimCancel() bool {
	for {
		st := c.state.Load()
		if st != stPending && st != stFollowing {
			return false
		}
		if c.state.CompareAndSwap(st, stCanceled) {
			return true
		}
	}
}

// attach adds n, a node never attached before, to c's consumers and
// reports true, or reports false without adding it when c has already
// settled; the caller then runs n itself. On false, n.next is nil, so
// that n runs alone.
func (c *core) attach(n *node) bool { return c.link(n, 0, false) }

// attachCounted is attach for a node that takes an interest in c, counted
// in the list rather than in c.want (which saves an atomic add).
func (c *core) attachCounted(n *node) bool { return c.link(n, 1, false) }

// reattach is attach for a node that may have been attached before.
func (c *core) reattach(n *node) bool { return c.link(n, 0, true) }

func (c *core) link(n *node, inc int32, again bool) bool {
	for {
		h := c.head.Load()
		var cnt int32
		if h != nil {
			if h.flags&flagSettled != 0 {
				if h != &settledMarker && n.flags&flagHook == 0 {
					h.c.(*checkNode).handled.Store(true)
				}
				// A compare-and-swap that lost to the settlement left
				// n.next at the list the settler has detached and now
				// owns: the caller's runList(n) would run (and relink)
				// those consumers as well, concurrently with the settler.
				n.next = nil
				return false
			}
			cnt = atomic.LoadInt32(&h.cnt)
		}
		n.next = h
		if again {
			atomic.StoreInt32(&n.cnt, cnt+inc)
		} else {
			n.cnt = cnt + inc
		}
		if c.head.CompareAndSwap(h, n) {
			return true
		}
	}
}

// interest reports how many consumers still want c, given left, the value
// of c.want after a drop: the interests counted in c.want plus those
// counted in c's list.
func (c *core) interest(left int32) int32 {
	if h := c.head.Load(); h != nil && h.flags&flagSettled == 0 {
		left += atomic.LoadInt32(&h.cnt)
	}
	return left
}

// complete publishes a settlement in state final (the claimer has written
// err and the value) and returns the detached consumer list, LIFO. A
// rejection without a handler gets a check marker instead of
// settledMarker, and a check is scheduled, unless its error is a
// *CancelError handed down a chain (a cancellation, never reported: the
// type assertion spares the check's allocation in the common case; the
// check itself recognises wrapped cancellations). Hooks are dropped
// unless the future was cancelled.
func (c *core) complete(final uint32) *node {
	if final != stRejected {
		h := c.head.Swap(&settledMarker)
		if h != nil && final != stCanceled && hasHook(h) {
			h = dropHooks(h)
		}
		return h
	}
	var chk *checkNode
	for {
		h := c.head.Load()
		handled, hooks := scan(h)
		m := &settledMarker
		if !handled && !isCancelError(c.err) {
			if chk == nil {
				chk = &checkNode{err: c.err}
				chk.n = node{c: chk, s: c.s, flags: flagSettled}
			}
			m = &chk.n
		}
		if !c.head.CompareAndSwap(h, m) {
			continue
		}
		if m != &settledMarker {
			scheduleCheck(c, chk)
		}
		if hooks && final != stCanceled {
			h = dropHooks(h)
		}
		return h
	}
}

// isCancelError reports whether err is a *CancelError itself: the
// cheapest test for the common cancellation, which is handed down a chain
// untouched.
func isCancelError(err error) bool {
	_, ok := err.(*CancelError)
	return ok
}

// scan reports whether list holds a handler (a node that is not a hook)
// and whether it holds a hook.
func scan(list *node) (handled, hooks bool) {
	for n := list; n != nil; n = n.next {
		if n.flags&flagHook != 0 {
			hooks = true
		} else {
			handled = true
		}
	}
	return
}

// hasHook reports whether list holds a hook.
func hasHook(list *node) bool {
	for n := list; n != nil; n = n.next {
		if n.flags&flagHook != 0 {
			return true
		}
	}
	return false
}

func dropHooks(list *node) *node {
	var out, tail *node
	for n := list; n != nil; {
		next := n.next
		if n.flags&flagHook == 0 {
			n.next = nil
			if tail == nil {
				out = n
			} else {
				tail.next = n
			}
			tail = n
		}
		n = next
	}
	return out
}

// checkNode reports a rejection if no handler was attached by the time it
// runs. Its node doubles as the settled future's head marker, through
// which attach marks it handled.
type checkNode struct {
	n       node
	err     error
	handled atomic.Bool
}

func (k *checkNode) fire(*node) *node {
	if !k.handled.Load() && !isCancellation(k.err) {
		reportOn(k.n.s, k.err)
	}
	return nil
}

func (k *checkNode) abort(n *node, _ error) *node { return k.fire(n) }

// scheduleCheck runs the check on c's executor after the work already
// queued there, or, for a future without executor, when the future is
// garbage collected.
func scheduleCheck(c *core, k *checkNode) {
	if c.s == nil {
		runtime.AddCleanup(c, func(k *checkNode) { k.fire(&k.n) }, k)
		return
	}
	c.s.push(&k.n)
}

// cancelTree cancels c and, without recursion, every future upstream
// whose interest falls to zero as a result. The upstream side goes first,
// so producers hear of the cancellation before c's consumers see it.
func cancelTree(c *core, cause error) bool {
	if cause == nil {
		cause = context.Canceled
	}
	if !c.claimCancel() {
		return false
	}
	ce := &CancelError{Cause: cause}
	c.err = ce
	runList(releaseUp([]*core{c}, ce))
	return true
}

// releaseUp completes the cancellation of the futures in stack (claimed
// by claimCancel, with err set) and of every future upstream whose
// interest falls to zero as a result, without recursion, and returns the
// consumers of all of them as one list (LIFO) for the caller to run: the
// most upstream run first. Nothing runs meanwhile, so that a consumer that
// cancels in turn (a Follow's hook) hands its list back to the drain
// instead of nesting.
func releaseUp(stack []*core, ce *CancelError) *node {
	var list, tail *node
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.up != nil {
			stack = x.up.release(ce, stack)
		}
		l := x.complete(stCanceled)
		if l == nil {
			continue
		}
		if tail == nil {
			list = l
		} else {
			tail.next = l
		}
		for tail = l; tail.next != nil; tail = tail.next {
		}
	}
	return list
}

// dropInterest withdraws one consumer's interest in u. When nothing else
// wants u, it claims u for cancellation and appends it to stack, for
// releaseUp to finish.
func dropInterest(u *core, ce *CancelError, stack []*core) []*core {
	if u == nil || u == &releasedCore {
		return stack
	}
	if u.interest(u.want.Add(-1)) <= 0 && u.claimCancel() {
		u.err = ce
		stack = append(stack, u)
	}
	return stack
}

// awaiting is the "currently awaited future" of a single-input consumer,
// swapped atomically so that a cancel racing with a step releases exactly
// one of the old and the new future. Its pointer is written without
// atomics only while no other goroutine can reach it: by init, before the
// consumer is attached, and by forget, after the consumer's output was
// settled by the consumer itself (a settled output is never released).
type awaiting struct{ p unsafe.Pointer } // *core

// init sets the first awaited future, before the consumer is shared.
func (a *awaiting) init(c *core) { a.p = unsafe.Pointer(c) }

// load returns the awaited future: nil once forgotten, &releasedCore once
// released.
func (a *awaiting) load() *core { return (*core)(atomic.LoadPointer(&a.p)) }

// move switches from the current future to next (whose interest the caller
// has already taken). It reports false if the consumer was released
// meanwhile; next's interest has then been dropped again, with the cause
// of the release: the error of out, the consumer's output, once published.
func (a *awaiting) move(next, out *core) bool {
	for {
		old := atomic.LoadPointer(&a.p)
		if old == unsafe.Pointer(&releasedCore) {
			ce := &CancelError{Cause: context.Canceled}
			if out.settled() {
				if oce, ok := out.err.(*CancelError); ok {
					ce = oce
				} else if out.err != nil {
					ce = &CancelError{Cause: out.err}
				}
			}
			runList(releaseUp(dropInterest(next, ce, nil), ce))
			return false
		}
		if atomic.CompareAndSwapPointer(&a.p, old, unsafe.Pointer(next)) {
			return true
		}
	}
}

// done forgets c once it has delivered its result, so that a settled
// chain does not keep what came before it alive.
func (a *awaiting) done(c *core) { atomic.CompareAndSwapPointer(&a.p, unsafe.Pointer(c), nil) }

// forget is done for a consumer that has just settled its own output
// (won its claim): nothing can release it any more, so no atomics.
func (a *awaiting) forget() { a.p = nil }

func (a *awaiting) release(ce *CancelError, stack []*core) []*core {
	return dropInterest((*core)(atomic.SwapPointer(&a.p, unsafe.Pointer(&releasedCore))), ce, stack)
}
