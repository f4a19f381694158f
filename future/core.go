package future

import (
	"context"
	"runtime"
	"sync/atomic"
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
)

// consumer is what a node runs once the future it waits on has settled.
type consumer interface {
	// fire runs the continuation on the node's sched (or inline when the
	// node has none). It returns the consumer list (LIFO, as detached from
	// a head) of a future it settled, for the caller to run without
	// recursion.
	fire() *node
	// abort is called instead of fire when the node's executor has
	// stopped: it settles its output with err without running user code.
	abort(err error) *node
}

// node is an intrusive link in a future's consumer list, in a drain queue
// or in a sched inbox; it is embedded in the struct that consumes, so that
// registering a consumer allocates nothing.
type node struct {
	next  *node
	c     consumer
	s     *sched // where c must run; nil: inline, on any goroutine
	flags uint8
}

// settledMarker is the head of a settled future that needs no
// unhandled-rejection check.
var settledMarker = node{flags: flagSettled}

// upstream is implemented by the consumers that produce a future, so that
// cancelling that future withdraws their interest in what they wait on.
type upstream interface {
	// release drops the interest in every future it waits on; those whose
	// interest falls to zero are cancelled with ce and appended to stack.
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

// attach adds n to c's consumers and reports true, or reports false without
// adding it when c has already settled; the caller then runs n itself.
func (c *core) attach(n *node) bool {
	for {
		h := c.head.Load()
		if h != nil && h.flags&flagSettled != 0 {
			if h != &settledMarker && n.flags&flagHook == 0 {
				h.c.(*checkNode).handled.Store(true)
			}
			return false
		}
		n.next = h
		if c.head.CompareAndSwap(h, n) {
			return true
		}
	}
}

// complete publishes a settlement in state final (the claimer has written
// err and the value) and returns the detached consumer list, LIFO. A
// rejection without a handler gets a check marker instead of
// settledMarker, and a check is scheduled. Hooks are dropped unless the
// future was cancelled.
func (c *core) complete(final uint32) *node {
	var chk *checkNode
	for {
		h := c.head.Load()
		handled, hooks := scan(h)
		m := &settledMarker
		if final == stRejected && !handled {
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

func (k *checkNode) fire() *node {
	if !k.handled.Load() {
		reportUnhandled(k.err)
	}
	return nil
}

func (k *checkNode) abort(error) *node { return k.fire() }

// scheduleCheck runs the check on c's executor after the work already
// queued there, or, for a future without executor, when the future is
// garbage collected.
func scheduleCheck(c *core, k *checkNode) {
	if c.s == nil {
		runtime.AddCleanup(c, func(k *checkNode) { k.fire() }, k)
		return
	}
	c.s.push(&k.n)
}

// cancel claims and rejects c with ce, runs its consumers and reports
// whether it did. It does not walk upstream.
func (c *core) cancel(ce *CancelError) bool {
	if !c.claimCancel() {
		return false
	}
	c.err = ce
	runList(c.complete(stCanceled))
	return true
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
	releaseUp([]*core{c}, ce)
	runList(c.complete(stCanceled))
	return true
}

func releaseUp(stack []*core, ce *CancelError) {
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.up != nil {
			stack = x.up.release(ce, stack)
		}
	}
}

// dropInterest withdraws one consumer's interest in u, cancelling u when
// nothing else wants it.
func dropInterest(u *core, ce *CancelError, stack []*core) []*core {
	if u == nil || u == &releasedCore {
		return stack
	}
	if u.want.Add(-1) <= 0 && u.cancel(ce) {
		stack = append(stack, u)
	}
	return stack
}

// awaiting is the "currently awaited future" of a single-input consumer,
// swapped atomically so that a cancel racing with a step releases exactly
// one of the old and the new future.
type awaiting struct{ p atomic.Pointer[core] }

// move switches from the current future to next (whose interest the caller
// has already taken). It reports false if the consumer was released
// meanwhile; next's interest has then been dropped again.
func (a *awaiting) move(next *core) bool {
	for {
		old := a.p.Load()
		if old == &releasedCore {
			ce := &CancelError{Cause: context.Canceled}
			releaseUp(dropInterest(next, ce, nil), ce)
			return false
		}
		if a.p.CompareAndSwap(old, next) {
			return true
		}
	}
}

// done forgets c once it has delivered its result, so that a settled
// chain does not keep what came before it alive.
func (a *awaiting) done(c *core) { a.p.CompareAndSwap(c, nil) }

func (a *awaiting) release(ce *CancelError, stack []*core) []*core {
	return dropInterest(a.p.Swap(&releasedCore), ce, stack)
}
