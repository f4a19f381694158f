package future_test

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/eddy-go/eddy/future"
)

const longChain = 100_000

// buildForward builds a chain of n flattening steps on f, each returning
// a future, resolved or settled later, for v+1.
func buildForward(exec future.Executor, f *future.Future[int], pending bool, n int) *future.Future[int] {
	for range n {
		f = future.ThenFuture(f, func(v int) *future.Future[int] {
			if !pending {
				return future.Resolved(exec, v+1)
			}
			g, p := future.New[int](exec)
			p.Resolve(v + 1)
			return g
		})
	}
	return f
}

// mustGetLong is mustGet for the end of a 100,000-step chain, bounded by
// the test binary's deadline (go test -timeout) rather than get's 10 s.
// Running the chain is CPU-bound work for the loop's one goroutine: about
// a second under the race detector, several for the first chain of the
// process while the detector maps its shadow memory; with a 2-core
// machine shared by other test binaries the loop gets a fraction of a
// core, and 10 s was overrun (4 times in 10 runs of the package). A chain
// that never settles still fails here, a little before the binary's timeout
// would end it.
func mustGetLong(t *testing.T, f *future.Future[int]) int {
	t.Helper()
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-time.Until(d)/20))
		defer cancel()
	}
	v, err := f.Await(ctx)
	if err == context.DeadlineExceeded {
		t.Fatal("future did not settle before the test deadline")
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return v
}

func TestLongForwardChainResolvedAfter(t *testing.T) {
	for _, pending := range []bool{false, true} {
		l := newLoop(t)
		f, p := future.New[int](l)
		end := buildForward(l, f, pending, longChain)
		p.Resolve(0)
		if v := mustGetLong(t, end); v != longChain {
			t.Fatalf("got %d", v)
		}
	}
}

func TestLongForwardChainResolvedBefore(t *testing.T) {
	l := newLoop(t)
	var end *future.Future[int]
	l.Do(func() { end = buildForward(l, future.Resolved(l, 0), false, longChain) })
	if v := mustGetLong(t, end); v != longChain {
		t.Fatalf("got %d", v)
	}
}

func TestLongChainNilExecutor(t *testing.T) {
	f, p := future.New[int](nil)
	end := buildForward(nil, f, false, manySteps)
	p.Resolve(0)
	if r, ok := end.Peek(); !ok || r.Value != manySteps {
		t.Fatalf("got %+v %v", r, ok)
	}
	before := buildForward(nil, future.Resolved[int](nil, 0), true, manySteps)
	if r, _ := before.Peek(); r.Value != manySteps {
		t.Fatalf("got %+v", r)
	}
}

func TestLongThenChain(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	g := f
	for range manySteps {
		g = future.Then(g, func(v int) (int, error) { return v + 1, nil })
	}
	p.Resolve(0)
	if v := mustGet(t, g); v != manySteps {
		t.Fatalf("got %d", v)
	}
}

// Promises that follow each other, p[i] following p[i+1]'s future, unwind
// without recursion when the last one settles.
func TestLongFollowChain(t *testing.T) {
	for _, exec := range []future.Executor{nil, newLoop(t)} {
		first, p := future.New[int](exec)
		for range manySteps {
			next, np := future.New[int](exec)
			p.Follow(next)
			p = np
		}
		p.Resolve(5)
		if v := mustGet(t, first); v != 5 {
			t.Fatalf("got %d", v)
		}
	}
}

// A user-written asynchronous loop, each iteration started from the
// previous one's callback, runs iteratively on the loop.
func TestUserRecursionOnLoop(t *testing.T) {
	l := newLoop(t)
	done, dp := future.New[int](l)
	var step func(i int)
	step = func(i int) {
		if i == manySteps {
			dp.Resolve(i)
			return
		}
		future.Resolved(l, i).OnSettle(func(v int, _ error) { step(v + 1) })
	}
	l.Do(func() { step(0) })
	if v := mustGet(t, done); v != manySteps {
		t.Fatalf("got %d", v)
	}
}

// Cancelling the end of a long chain walks up to the producer iteratively.
func TestLongChainCancel(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	canceled := make(chan error, 1)
	p.OnCancel(func(cause error) { canceled <- cause })
	g := f
	for range manySteps {
		g = future.Then(g, func(v int) (int, error) { return v, nil })
	}
	g.Cancel(errBoom)
	if cause := <-canceled; cause != errBoom {
		t.Fatalf("cause %v", cause)
	}
}

// A settled chain does not keep its beginning alive: an endless
// asynchronous loop (f = Then(f, ...)) runs in bounded memory.
func TestSettledChainReleasesItsStart(t *testing.T) {
	steps := map[string]func(*future.Future[int]) *future.Future[int]{
		"then": func(f *future.Future[int]) *future.Future[int] { return future.Then(f, addOne) },
		"forward": func(f *future.Future[int]) *future.Future[int] {
			return future.ThenFuture(f, func(v int) *future.Future[int] { return future.Resolved[int](nil, v) })
		},
		"catch": func(f *future.Future[int]) *future.Future[int] {
			return f.Catch(func(err error) (int, error) { return 0, err })
		},
		"timeout": func(f *future.Future[int]) *future.Future[int] { return future.Timeout(f, time.Hour) },
	}
	for kind, step := range steps {
		w, end := settledChain(step)
		runtime.GC()
		if w.Value() != nil {
			t.Errorf("%s: the start of a settled chain is still reachable", kind)
		}
		runtime.KeepAlive(end)
	}
}

func settledChain(step func(*future.Future[int]) *future.Future[int]) (weak.Pointer[future.Future[int]], *future.Future[int]) {
	first, p := future.New[int](nil)
	f := first
	for range 100 {
		f = step(f)
	}
	p.Resolve(1)
	return weak.Make(first), f
}

// Cancelling the first of a long chain of promises that follow each other
// reaches the last one's producer without recursion: each follower's hook
// hands the next cancellation back to the drain.
func TestLongFollowChainCancel(t *testing.T) {
	for _, exec := range []future.Executor{nil, newLoop(t)} {
		first, p := future.New[int](exec)
		for range manySteps {
			next, np := future.New[int](exec)
			p.Follow(next)
			p = np
		}
		type hook struct {
			cause error
			depth int
		}
		ch := make(chan hook, 1)
		p.OnCancel(func(cause error) {
			ch <- hook{cause, runtime.Callers(0, make([]uintptr, 1000))}
		})
		var depth int
		first.OnSettle(func(int, error) { depth = runtime.Callers(0, make([]uintptr, 1000)) })
		first.Cancel(errBoom)
		h := <-ch
		if h.cause != errBoom {
			t.Fatalf("cause %v", h.cause)
		}
		if h.depth >= 100 || depth >= 100 {
			t.Fatalf("stack depth %d, %d: cancellation recursed along the chain", h.depth, depth)
		}
	}
}
