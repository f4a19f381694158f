package future

import (
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
	"weak"
)

// sched is the state this package keeps for one Executor: an inbox of
// nodes to run there, filled from any goroutine, and one posted drain at a
// time that empties it on the executor's goroutine.
type sched struct {
	exec      Executor
	inbox     atomic.Pointer[node] // LIFO; reversed when drained
	scheduled atomic.Bool          // a drain is posted or running
	dead      atomic.Bool          // Post failed: the executor has stopped
	deadErr   error                // set before dead
	deadOnce  sync.Once
	runFn     func()
	yield     bool // give the executor back after a budget of work
}

// runBudget is how many nodes a drain runs before it yields to the loop
// when more work keeps arriving (direct propagation always completes).
const runBudget = 4096

func newSched(e Executor, yield bool) *sched {
	s := &sched{exec: e, yield: yield}
	s.runFn = s.run
	return s
}

// push queues n (with n.s == s) to run on s's goroutine, posting a drain
// unless one is already posted or running. Safe for concurrent use.
func (s *sched) push(n *node) {
	if s.dead.Load() {
		s.abortList(n)
		return
	}
	for {
		h := s.inbox.Load()
		n.next = h
		if s.inbox.CompareAndSwap(h, n) {
			break
		}
	}
	if !s.scheduled.Load() && s.scheduled.CompareAndSwap(false, true) {
		if err := s.exec.Post(s.runFn); err != nil {
			s.die(err)
		}
	} else if s.dead.Load() {
		s.flushDead()
	}
}

// run is the drain posted to the executor.
func (s *sched) run() {
	budget := runBudget
	for {
		list := s.inbox.Swap(nil)
		if list == nil {
			s.scheduled.Store(false)
			if s.inbox.Load() == nil || !s.scheduled.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		var q queue
		q.pushList(list)
		budget -= drain(s, &q)
		if budget <= 0 && s.yield && s.inbox.Load() != nil {
			if err := s.exec.Post(s.runFn); err != nil {
				s.die(err)
			}
			return
		}
	}
}

// die marks s dead and aborts whatever waits in its inbox.
func (s *sched) die(err error) {
	s.deadOnce.Do(func() {
		s.deadErr = stoppedError(err)
		s.dead.Store(true)
	})
	s.flushDead()
}

func (s *sched) flushDead() {
	for {
		list := s.inbox.Swap(nil)
		if list == nil {
			return
		}
		var q queue
		q.pushList(list)
		drain(nil, &q)
	}
}

func (s *sched) abortList(n *node) {
	n.next = nil
	var q queue
	q.pushList(n)
	drain(nil, &q)
}

// runList runs a consumer list detached from a head (LIFO) from a
// goroutine that is not inside a drain: inline nodes run here, the others
// go to their executor's inbox.
func runList(list *node) {
	if list == nil {
		return
	}
	if list.next == nil {
		// A single consumer (the common case) skips the queue and the
		// drain: a node for an executor goes straight to it (push aborts
		// it if the executor has stopped), and an inline node runs here.
		if s := list.s; s != nil {
			s.push(list)
			return
		}
		if list.flags&flagUser == 0 {
			list = list.c.fire(list)
		} else {
			list = fireUser(list)
		}
		if list == nil {
			return
		}
	}
	var q queue
	q.pushList(list)
	drain(nil, &q)
}

// drain runs q on the current goroutine, which is cur's (cur != nil) or
// any goroutine (cur == nil). Nodes for another executor are handed over;
// lists returned by fire are appended, so propagation is iterative. It
// returns how many nodes ran.
func drain(cur *sched, q *queue) int {
	count := 0
	for !drainSome(cur, q, &count) {
	}
	return count
}

// drainSome is drain until q is empty (it reports true) or until a step
// marked flagUser panics: it then settles that step's output with a
// *PanicError, through abort, and reports false for drain to go on. One
// deferred recover per drain, rather than one around each step function,
// spares the common case (no panic) a defer and a recover per step.
// Panics out of other nodes, which run no user code unprotected, go on
// unwinding untouched.
func drainSome(cur *sched, q *queue, count *int) (done bool) {
	// The loop works on a copy of q in this frame, whose stores need no
	// write barrier; a panic hands it back.
	lq := *q
	var running *node // the node whose fire is running, if any
	defer func() {
		if running == nil || running.flags&flagUser == 0 {
			return
		}
		// recover is nil during runtime.Goexit, which must go on.
		if r := recover(); r != nil {
			*count++
			lq.pushList(running.c.abort(running, newPanicError(r)))
			*q = lq
		}
	}()
	for {
		n := lq.head
		if n == nil {
			break
		}
		if lq.head = n.next; lq.head == nil {
			lq.tail = nil
		} else {
			n.next = nil
		}
	run:
		var ready *node
		switch s := n.s; {
		case s == cur || s == nil:
			running = n
			ready = n.c.fire(n)
			running = nil
		case s.dead.Load():
			ready = n.c.abort(n, s.deadErr)
		default:
			s.push(n)
			continue
		}
		*count++
		if ready != nil {
			if ready.next == nil && lq.head == nil {
				// The next link of a chain, with nothing else queued:
				// run it now, as the queue would, without going
				// through it.
				n = ready
				goto run
			}
			lq.pushList(ready)
		}
	}
	*q = queue{}
	return true
}

// fireUser runs n, a node marked flagUser, outside a drain: a panic
// settles n's output with the *PanicError, as in drainSome.
func fireUser(n *node) (ready *node) {
	ran := false
	defer func() {
		if !ran {
			// recover is nil during runtime.Goexit, which must go on.
			if r := recover(); r != nil {
				ready = n.c.abort(n, newPanicError(r))
			}
		}
	}()
	ready = n.c.fire(n)
	ran = true
	return ready
}

// queue is a FIFO of nodes linked through next.
type queue struct{ head, tail *node }

// pushList appends a LIFO list in reverse, that is in the order in which
// its nodes were added.
func (q *queue) pushList(lifo *node) {
	if lifo == nil {
		return
	}
	last, rev := lifo, lifo
	if lifo.next != nil { // a list of one (the common case) is its own reverse
		rev = nil
		for n := lifo; n != nil; {
			next := n.next
			n.next = rev
			rev = n
			n = next
		}
	}
	if q.tail == nil {
		q.head = rev
	} else {
		q.tail.next = rev
	}
	q.tail = last
}

// The registry maps executors to their sched without keeping either alive:
// a sched lives as long as a future (or a posted drain) refers to it, and
// it holds its executor. In front of it, hot is a lock-free cache of
// strong references, indexed by the executor's pointer, which turns
// schedOf into two loads and a comparison. hot is emptied after every
// garbage collection, so it delays the collection of an executor that is
// no longer used by one cycle at most.
const nslots = 64

var (
	hot   [nslots]atomic.Pointer[sched]
	regMu sync.Mutex
	reg   = map[uintptr]weak.Pointer[sched]{}
)

// gcTick is allocated for its cleanup, which runs after the garbage
// collection that finds it unreachable.
type gcTick struct{ _ *byte }

func init() { armHotReset() }

// armHotReset arranges for hot to be emptied after the next garbage
// collection, and again after each one.
func armHotReset() {
	runtime.AddCleanup(new(gcTick), func(struct{}) {
		for i := range hot {
			hot[i].Store(nil)
		}
		armHotReset()
	}, struct{}{})
}

// ifaceData returns the data word of an interface value: for an executor
// of a pointer type, the pointer itself. Only used to pick a hot slot.
func ifaceData(e Executor) uintptr {
	return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&e))[1])
}

func hotSlot(key uintptr) *atomic.Pointer[sched] { return &hot[(key>>4^key>>10)%nslots] }

// schedOf returns the sched of e, or nil for a nil Executor. Executors of
// a pointer type share one sched per pointer; other executors get a new
// sched per call (their futures still work, without batching).
func schedOf(e Executor) *sched {
	if e == nil {
		return nil
	}
	// Only schedSlow fills hot, with executors of pointer types: if e has
	// the same dynamic type, comparing compares pointers, and otherwise
	// it is false at once, so it cannot panic on an incomparable e.
	if s := hotSlot(ifaceData(e)).Load(); s != nil && s.exec == e {
		return s
	}
	return schedSlow(e)
}

func schedSlow(e Executor) *sched {
	v := reflect.ValueOf(e)
	if v.Kind() != reflect.Pointer {
		return newSched(e, true)
	}
	key := v.Pointer()
	regMu.Lock()
	defer regMu.Unlock()
	if wp, ok := reg[key]; ok {
		if s := wp.Value(); s != nil && s.exec == e {
			hotSlot(key).Store(s)
			return s
		}
	}
	s := newSched(e, true)
	reg[key] = weak.Make(s)
	runtime.AddCleanup(s, forget, key)
	hotSlot(key).Store(s)
	return s
}

func forget(key uintptr) {
	regMu.Lock()
	if wp, ok := reg[key]; ok && wp.Value() == nil {
		delete(reg, key)
	}
	regMu.Unlock()
}

// inlineExec runs posted functions at once, on the posting goroutine. A
// sched over it serializes the nodes of one operation that has no
// executor: whoever finds it idle runs everything queued meanwhile.
type inlineExec struct{}

func (inlineExec) Post(fn func()) error { fn(); return nil }
func (inlineExec) OnLoop() bool         { return false }
func (inlineExec) Delay(d time.Duration, fn func()) func() {
	t := time.AfterFunc(d, fn)
	return func() { t.Stop() }
}

// serial returns s, or for a nil s a private serializing sched.
func serial(s *sched) *sched {
	if s != nil {
		return s
	}
	return newSched(inlineExec{}, false)
}
