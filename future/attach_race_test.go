package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/future"
)

// The tests of this file race the producer side of a future (Resolve,
// Reject, Cancel) against its consumer side (attaching steps, combinators,
// waiters and OnCancel hooks) from different goroutines, many times over,
// and check that every consumer runs exactly once. An attach whose
// compare-and-swap loses to the settlement once ran, besides its own
// node, every consumer already attached: they ran twice, or the consumer
// lists were corrupted while the settling goroutine walked them. The race
// detector reported it; the counts below catch it without the detector.

// attachRounds is how many rounds each case runs: enough for the settle
// to land inside an attach's compare-and-swap window many times.
const attachRounds = 250

// raceSettle is how a round's producer side settles the future.
type raceSettle int

const (
	settleResolve raceSettle = iota
	settleReject
	settleCancel // Resolve races with Cancel and with WithContext's context
)

func (s raceSettle) String() string {
	return [...]string{"resolve", "reject", "cancel"}[s]
}

// attachRace is one round's consumers and what they saw.
type attachRace struct {
	exec    future.Executor
	mode    raceSettle
	outs    []*future.Future[int]
	calls   []*atomic.Int32 // per callback: how many times it ran
	runsOn  []runsOn        // per callback: when it runs
	settled []*atomic.Int32 // OnSettle callbacks: how many times each ran
	hooks   atomic.Int32    // OnCancel hooks run
	nhooks  int32
	mu      sync.Mutex
}

// runsOn says which outcomes of the source a callback runs on.
type runsOn int

const (
	onValue  runsOn = iota // Map, ThenFuture
	onError                // Catch
	onAlways               // Finally
)

// counter returns a new call counter for a callback that runs on when.
func (r *attachRace) counter(when runsOn) *atomic.Int32 {
	c := new(atomic.Int32)
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.runsOn = append(r.runsOn, when)
	r.mu.Unlock()
	return c
}

func (r *attachRace) add(g *future.Future[int]) {
	r.mu.Lock()
	r.outs = append(r.outs, g)
	r.mu.Unlock()
}

// attach attaches one consumer of kind k to f.
func (r *attachRace) attach(ctx context.Context, f *future.Future[int], p *future.Promise[int], k int) {
	switch k % 9 {
	case 0:
		c := r.counter(onValue)
		r.add(future.Map(f, func(v int) int { c.Add(1); return v + 1 }))
	case 1:
		c := r.counter(onError)
		r.add(f.Catch(func(err error) (int, error) { c.Add(1); return -1, err }))
	case 2:
		c := r.counter(onAlways)
		r.add(f.Finally(func() { c.Add(1) }))
	case 3:
		c := new(atomic.Int32)
		r.mu.Lock()
		r.settled = append(r.settled, c)
		r.mu.Unlock()
		f.OnSettle(func(int, error) { c.Add(1) })
	case 4:
		r.add(future.Map(future.All(f), func(v []int) int { return v[0] + 1 }))
	case 5:
		// All keeps an interest in f apart from the consumer list, so
		// the WithContext outputs never cancel f.
		c := r.counter(onValue)
		r.add(future.Map(future.All(f), func(v []int) int { c.Add(1); return v[0] + 1 }))
	case 6:
		// An OnCancel hook attached while the future settles: settling
		// drops hooks from the consumer list unless it cancels.
		r.mu.Lock()
		r.nhooks++
		r.mu.Unlock()
		p.OnCancel(func(error) { r.hooks.Add(1) })
	case 7:
		c := r.counter(onValue)
		r.add(future.ThenFuture(f, func(v int) *future.Future[int] {
			c.Add(1)
			return future.Resolved(r.exec, v+1)
		}))
	default:
		r.add(f.WithContext(ctx))
	}
}

// runAttachRace runs one round: pre consumers are attached first, then
// attachers goroutines attach per consumers each while the producer side
// settles f.
func runAttachRace(t *testing.T, exec future.Executor, mode raceSettle, round int) {
	t.Helper()
	const pre, attachers, per = 3, 2, 12
	r := &attachRace{exec: exec, mode: mode}
	f, p := future.New[int](exec)
	ctx, cancelCtx := context.WithCancel(context.Background())
	defer cancelCtx()
	for k := range pre {
		r.attach(ctx, f, p, k+5) // an All, a hook, a ThenFuture
	}
	var start sync.WaitGroup
	start.Add(1)
	var wg sync.WaitGroup
	for a := range attachers {
		wg.Go(func() {
			start.Wait()
			for k := range per {
				r.attach(ctx, f, p, k+a+round)
			}
		})
	}
	var resolved atomic.Bool
	wg.Go(func() {
		start.Wait()
		runtime.Gosched() // let the attachers get going
		if mode == settleReject {
			p.Reject(errBoom)
		} else {
			resolved.Store(p.Resolve(round))
		}
	})
	if mode == settleCancel {
		wg.Go(func() {
			start.Wait()
			runtime.Gosched()
			f.Cancel(errBoom)
		})
		wg.Go(func() {
			start.Wait()
			cancelCtx()
		})
	}
	start.Done()
	wg.Wait()
	r.check(t, f, resolved.Load(), round)
}

// check waits for every output and checks what each consumer saw.
func (r *attachRace) check(t *testing.T, f *future.Future[int], resolved bool, round int) {
	t.Helper()
	src, err := get(t, f)
	switch r.mode {
	case settleResolve:
		if err != nil || src != round {
			t.Fatalf("source: %d, %v", src, err)
		}
	case settleReject:
		if !errors.Is(err, errBoom) {
			t.Fatalf("source: %v", err)
		}
	case settleCancel:
		if resolved != (err == nil) || (err != nil && !errors.Is(err, future.ErrCanceled)) {
			t.Fatalf("source: %d, %v (Resolve reported %v)", src, err, resolved)
		}
	}
	for i, g := range r.outs {
		v, gerr := get(t, g)
		switch {
		case r.mode == settleResolve && (gerr != nil || (v != round && v != round+1)):
			t.Fatalf("output %d: %d, %v", i, v, gerr)
		case r.mode == settleReject && !errors.Is(gerr, errBoom):
			t.Fatalf("output %d: %v", i, gerr)
		case r.mode == settleCancel && gerr != nil && !errors.Is(gerr, future.ErrCanceled):
			t.Fatalf("output %d: %v", i, gerr)
		}
	}
	if l, ok := r.exec.(*testLoop); ok {
		l.Sync() // OnSettle and OnCancel callbacks have run
	}
	// The source always keeps an All's interest, so WithContext outputs
	// never cancel it: its outcome decides exactly which callbacks run.
	for i, c := range r.calls {
		want := int32(0)
		if r.runsOn[i] == onAlways || (r.runsOn[i] == onValue) == (err == nil) {
			want = 1
		}
		if n := c.Load(); n != want {
			t.Fatalf("callback %d ran %d times, want %d (source error %v)", i, n, want, err)
		}
	}
	for i, c := range r.settled {
		if n := c.Load(); n != 1 {
			t.Fatalf("OnSettle %d ran %d times", i, n)
		}
	}
	hooks, want := r.hooks.Load(), int32(0)
	if errors.Is(err, future.ErrCanceled) {
		want = r.nhooks
	}
	if hooks != want {
		t.Fatalf("%d OnCancel hooks ran, want %d", hooks, want)
	}
}

func TestAttachWhileSettling(t *testing.T) {
	for _, withLoop := range []bool{false, true} {
		for _, mode := range []raceSettle{settleResolve, settleReject, settleCancel} {
			t.Run(fmt.Sprintf("loop=%v/%v", withLoop, mode), func(t *testing.T) {
				var exec future.Executor
				if withLoop {
					exec = newLoop(t)
				}
				for round := range attachRounds {
					runAttachRace(t, exec, mode, round)
				}
			})
		}
	}
}
